"""Agreement between a team's reviewers, read from their current verdicts.

Each reviewer's current verdict on a claim is their rating of it (a later verdict of theirs
replaces the earlier one); superseded verdicts do not count. Claims are the units, reviewers
the coders, ratings the values; claims with fewer than two current verdicts take no part
(annotations/lib/agreement.py says how alpha is computed, and when ordinal or nominal).

A team's figures cost three queries however many articles, claims and verdicts it has: its
current verdicts, its ratings' numbers, and the titles of the articles they are on. An
article's cost two.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from annotations.lib import agreement
from annotations.models import Article, Rating, Team, Verdict

Units = dict[int, dict[str, int]]


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    claims: int
    same: int
    kappa: float | None

    @property
    def share(self) -> float | None:
        return self.same / self.claims if self.claims else None

    @property
    def percent(self) -> str:
        return f"{round(100 * self.same / self.claims)}%" if self.claims else "—"

    @property
    def few_claims(self) -> bool:
        return self.claims < agreement.FEW_UNITS

    def as_dict(self) -> dict[str, Any]:
        return {
            "reviewer_a": self.first,
            "reviewer_b": self.second,
            "claims": self.claims,
            "same": self.same,
            "agreement": self.share,
            "kappa": self.kappa,
            "few_claims": self.few_claims,
        }


@dataclass(frozen=True)
class Figures:
    """Alpha over some claims and the pairwise agreement of the reviewers who rated them."""

    alpha: agreement.Alpha
    pairs: list[Pair]
    rated_claims: int  # claims with at least one current verdict

    @property
    def reviewers(self) -> list[str]:
        names = {pair.first for pair in self.pairs} | {pair.second for pair in self.pairs}
        return sorted(names, key=str.casefold)

    def pair_table(self) -> list[dict[str, Any]]:
        """Reviewer × reviewer: one row per reviewer, one cell per other reviewer (or None)."""
        found = {(p.first, p.second): p for p in self.pairs}
        found |= {(p.second, p.first): p for p in self.pairs}
        names = self.reviewers
        return [
            {"reviewer": row, "cells": [found.get((row, column)) for column in names]}
            for row in names
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.alpha.as_dict(),
            "rated_claims": self.rated_claims,
            "pairs": [pair.as_dict() for pair in self.pairs],
        }


@dataclass(frozen=True)
class ArticleFigures:
    id: int
    title: str
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        figures = self.figures.as_dict()
        figures.pop("pairs")
        return {"id": self.id, "title": self.title, **figures}


@dataclass(frozen=True)
class TeamAgreement:
    team: Team
    figures: Figures
    articles: list[ArticleFigures]

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team.slug,
            **self.figures.as_dict(),
            "articles": [article.as_dict() for article in self.articles],
        }


def _figures(units: Units, numbers: dict[int, Any]) -> Figures:
    pairs = [Pair(p.first, p.second, p.both, p.same, p.kappa) for p in agreement.pairwise(units)]
    return Figures(agreement.rating_alpha(units, numbers), pairs, len(units))


def _numbers(team_id: int) -> dict[int, Any]:
    return dict(Rating.objects.filter(team_id=team_id).values_list("id", "value"))


def _current_verdicts(**where: Any) -> Any:
    return (
        Verdict.objects.filter(is_current=True, **where)
        .order_by()
        .values_list("claim__article_id", "claim_id", "reviewer__username", "rating_id")
    )


def team_agreement(team: Team) -> TeamAgreement:
    """The team's alpha over all its claims, pairwise agreement, and each article's alpha
    (articles with at least one current verdict, newest first)."""
    everything: Units = defaultdict(dict)
    by_article: dict[int, Units] = defaultdict(lambda: defaultdict(dict))
    for article_id, claim_id, reviewer, rating_id in _current_verdicts(claim__article__team=team):
        everything[claim_id][reviewer] = rating_id
        by_article[article_id][claim_id][reviewer] = rating_id
    numbers = _numbers(team.pk)
    titles = dict(Article.objects.filter(pk__in=list(by_article)).values_list("id", "title"))
    articles = [
        ArticleFigures(pk, titles.get(pk, ""), _figures(by_article[pk], numbers))
        for pk in sorted(by_article, reverse=True)
    ]
    return TeamAgreement(team, _figures(everything, numbers), articles)


def article_agreement(article: Article) -> Figures:
    """The article's alpha over its claims and the pairwise agreement of its reviewers."""
    units: Units = defaultdict(dict)
    for _article_id, claim_id, reviewer, rating_id in _current_verdicts(claim__article=article):
        units[claim_id][reviewer] = rating_id
    return _figures(units, _numbers(article.team_id))


@dataclass
class Disagreement:
    """A claim whose reviewers gave different current verdicts, cited by its number."""

    claim_id: int
    number: int
    quote: str
    verdicts: list[tuple[str, str]]  # (reviewer, rating label), by reviewer


def article_disagreements(article: Article) -> list[Disagreement]:
    """The article's claims on which reviewers differ, by claim number (one query)."""
    rows = (
        Verdict.objects.filter(is_current=True, claim__article=article)
        .order_by("claim__number", "reviewer__username")
        .values_list(
            "claim_id", "claim__number", "claim__exact", "reviewer__username", "rating__label"
        )
    )
    found: dict[int, Disagreement] = {}
    for claim_id, number, quote, reviewer, label in rows:
        item = found.setdefault(claim_id, Disagreement(claim_id, number, quote, []))
        item.verdicts.append((reviewer, label))
    return [item for item in found.values() if len({label for _, label in item.verdicts}) > 1]


def describe(alpha: agreement.Alpha) -> str:
    """Alpha in words for the pages: "0.74", "0.50 (only 3 claims: too few to rely on)", or
    why there is none."""
    if alpha.value is None:
        return (
            "Not enough variation"
            if alpha.reason == agreement.NOT_ENOUGH_VARIATION
            else ("Not enough data")
        )
    if alpha.few_units:
        claims = f"{alpha.units} claim{'' if alpha.units == 1 else 's'}"
        return f"{alpha.value:.2f} (only {claims}: too few to rely on)"
    return f"{alpha.value:.2f}"
