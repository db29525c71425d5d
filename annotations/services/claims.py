"""Claims: create (with its team-wide number and its anchor in the text), update, revise a claim
with its verdict and sources in one step, replace, delete (a snapshot is kept in the Event) and
restore. Every change checks the claim's version, so a stale save is refused, not merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
)
from annotations.exports.formats.fields import CLAIM_SELECTOR, CLAIM_WORDING
from annotations.lib import anchoring
from annotations.models import (
    AnchorState,
    Article,
    Claim,
    ClaimStatus,
    Event,
    Rating,
    Source,
    Stance,
    Team,
    Verdict,
)
from annotations.services._base import (
    UNSET,
    _check_not_published,
    _claim_event,
    _require_claim_editor,
    check_version,
    created_values,
    require,
    require_not_archived,
    validate_model,
)
from annotations.services.articles import article_status_refresh
from annotations.services.sources import (
    SOURCE_FIELDS,
    _lowercase_scheme,
    _source_matches,
    source_add,
    source_remove,
)
from annotations.services.verdicts import verdict_set, verdict_withdraw


def next_claim_numbers(team: Team, count: int) -> range:
    """Give out the team's next `count` claim numbers, inside the caller's transaction.

    The UPDATE raises the counter in the database (F(), not a value read beforehand) and
    locks the team's row until the transaction ends, so two claims created at once on
    PostgreSQL wait for each other and never get the same number; SQLite serialises writers
    anyway. The counter only grows: numbers are never reused.
    """
    Team.objects.filter(pk=team.pk).update(claim_counter=F("claim_counter") + count)
    last = Team.objects.values_list("claim_counter", flat=True).get(pk=team.pk)
    team.claim_counter = last
    return range(last - count + 1, last + 1)


def next_claim_number(team: Team) -> int:
    return next_claim_numbers(team, 1)[0]


@transaction.atomic
def claim_create(
    *,
    article: Article,
    actor: AbstractBaseUser,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    claimant: str = "",
    summary: str = "",
    rating: Rating | str | None = None,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
    tags: Iterable[str] = (),
) -> Claim:
    """Highlight a claim, from start/end offsets or from its quote (with optional context).

    The server never trusts offsets alone: when a quote is given it must be what the offsets
    select, or it is searched for. A quote that occurs several times needs context.
    """
    require(actor, article.team, policies.CLAIM_WORK)
    require_not_archived(article, "adding claims")
    if rationale.strip() and not rating:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")
    try:
        anchor = anchoring.resolve_selector(
            article.text, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
        )
    except anchoring.AnchorError as error:
        raise InvalidInput(error.message, code=error.code, field="exact") from None
    claim = Claim(
        article=article,
        team_id=article.team_id,
        number=1,  # a placeholder for full_clean; the real one is taken right before saving
        start=anchor.start,
        end=anchor.end,
        exact=anchor.exact,
        prefix=anchor.prefix,
        suffix=anchor.suffix,
        anchored_revision=article.revision,
        claimant=claimant.strip(),
        summary=summary.strip() or anchor.exact.strip(),
        tags=_clean_tags(tags),
        created_by=actor,
    )
    validate_model(claim, exclude=["final_verdict", "assignees", "team", "number"])
    claim.number = next_claim_number(article.team)
    claim.save()
    _claim_event(
        claim=claim,
        verb=verbs.CLAIM_CREATED,
        actor=actor,
        changes=created_values(claim, ["start", "end", "exact", "claimant", "summary", "status"]),
    )
    if rating:
        verdict_set(claim=claim, actor=actor, rating=rating, rationale=rationale)
    for source in sources:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
        source_add(claim=claim, actor=actor, **source)
    article_status_refresh(article)
    return claim


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip()
        if tag and tag not in cleaned:
            cleaned.append(tag[:50])
    return cleaned


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    expected_version: int | str | None = None,
    claimant: str = UNSET,
    summary: str = UNSET,
    tags: Iterable[str] = UNSET,
    start: int | None = UNSET,
    end: int | None = UNSET,
    exact: str | None = UNSET,
    prefix: str = "",
    suffix: str = "",
) -> Claim:
    """Change a claim's wording, claimant, tags or position. Only what is given changes."""
    _require_claim_editor(actor, claim)
    check_version(claim, expected_version)
    _check_not_published(claim)
    claim.refresh_from_db()
    changes: dict[str, tuple[Any, Any]] = {}

    def change(field: str, value: Any) -> None:
        before = getattr(claim, field)
        if before != value:
            changes[field] = (before, value)
            setattr(claim, field, value)

    if claimant is not UNSET:
        change("claimant", (claimant or "").strip())
    if summary is not UNSET:
        cleaned = (summary or "").strip()
        if not cleaned:
            raise InvalidInput("The claim's wording cannot be empty.", field="summary")
        change("summary", cleaned)
    if tags is not UNSET:
        change("tags", _clean_tags(tags or []))
    if any(value is not UNSET for value in (start, end, exact)):
        # The text as it is now: a revision committed while this write waited for the claim's
        # lock has re-anchored it already, and the new position belongs in the new text.
        article = Article.objects.get(pk=claim.article_id)
        try:
            anchor = anchoring.resolve_selector(
                article.text,
                start=None if start is UNSET else start,
                end=None if end is UNSET else end,
                exact=None if exact is UNSET else exact,
                prefix=prefix,
                suffix=suffix,
            )
        except anchoring.AnchorError as error:
            raise InvalidInput(error.message, code=error.code, field="exact") from None
        for field in ("start", "end", "exact", "prefix", "suffix"):
            change(field, getattr(anchor, field))
        change("anchor", AnchorState.ANCHORED)
        change("anchored_revision", article.revision)
    if not changes:
        return claim
    validate_model(claim, exclude=["final_verdict", "assignees", "article", "created_by"])
    claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
    claim.save()
    _claim_event(
        claim=claim,
        verb=verbs.CLAIM_UPDATED,
        actor=actor,
        changes=changes,
    )
    return claim


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    """Everything needed to put a deleted claim back (kept in its deletion Event)."""
    return {
        "number": claim.number,
        **{name: getattr(claim, name) for name in (*CLAIM_SELECTOR, *CLAIM_WORDING)},
        "tags": claim.tags,
        "created_by": claim.created_by_id,
        # Whose verdict an editor approved, so an undo can put the approval back too.
        "final_verdict_reviewer": claim.final_verdict.reviewer_id
        if claim.final_verdict_id
        else None,
        "verdicts": [
            {"reviewer": v.reviewer_id, "rating": v.rating.slug, "rationale": v.rationale}
            for v in claim.verdicts.filter(is_current=True).select_related("rating")
        ],
        "sources": [
            {
                "url": src.url,
                "title": src.title,
                "publisher": src.publisher,
                "excerpt": src.excerpt,
                "stance": src.stance,
                "archived_url": src.archived_url,
            }
            for src in claim.sources.all()
        ],
    }


@transaction.atomic
def claim_delete(
    *, claim: Claim, actor: AbstractBaseUser, expected_version: int | str | None = None
) -> dict[str, Any]:
    """Delete a claim; its history and a snapshot stay in the Event log."""
    _require_claim_editor(actor, claim)
    check_version(claim, expected_version)
    _check_not_published(claim)
    snapshot = claim_snapshot(claim)
    article = claim.article
    _claim_event(
        claim=claim,
        verb=verbs.CLAIM_DELETED,
        actor=actor,
        changes={field: (value, None) for field, value in snapshot.items()},
    )
    claim_id = claim.pk
    claim.delete()
    article_status_refresh(article)
    snapshot["id"] = claim_id
    return snapshot


@transaction.atomic
def claim_replace(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    expected_version: int | str | None = None,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    claimant: str = "",
    summary: str = "",
    tags: Iterable[str] = (),
    rating: Rating | str | None = None,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
) -> Claim:
    """Replace what a claim says as a whole, as a W3C annotation PUT does. One transaction.

    Takes the same arguments as claim_create. What is not given is cleared (claimant, tags,
    sources) or falls back as on creation (the summary becomes the quote). A position equal to
    the stored one is kept as it is, so an orphaned claim sent back unchanged stays orphaned.
    The verdict given becomes the user's own current verdict; verdicts cannot be withdrawn
    here, so without one the user's and other reviewers' verdicts stay. Sources are matched on
    their fields: unchanged ones stay (with their stance), the others are removed or added.
    Each change is recorded by the service that makes it (claim.updated, verdict.set,
    source.added, source.removed).
    """
    _require_claim_editor(actor, claim)
    check_version(claim, expected_version)
    _check_not_published(claim)
    claim.refresh_from_db()
    sources = [dict(source) for source in sources]
    for source in sources:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
    if rationale.strip() and not rating:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")

    position_unchanged = (exact is None or exact == claim.exact) and (
        start is None or (start == claim.start and end == claim.end)
    )
    position: dict[str, Any] = {}
    if (start is not None or exact is not None) and not position_unchanged:
        position = {"start": start, "end": end, "exact": exact, "prefix": prefix, "suffix": suffix}
    quote = exact if exact is not None and not position_unchanged else claim.exact
    claim = claim_update(
        claim=claim,
        actor=actor,
        claimant=claimant,
        summary=summary.strip() or quote.strip(),
        tags=tags,
        **position,
    )
    if rating:
        verdict_set(claim=claim, actor=actor, rating=rating, rationale=rationale)

    existing = list(claim.sources.all())
    unmatched = list(sources)
    for source in existing:
        match = next((wanted for wanted in unmatched if _source_matches(source, wanted)), None)
        if match is not None:
            unmatched.remove(match)
            continue
        # A changed source keeps its stance when the replacement does not say one.
        for wanted in unmatched:
            if "stance" not in wanted and _source_matches(source, {"url": wanted.get("url")}):
                wanted["stance"] = source.stance
        source_remove(source=source, actor=actor)
    for wanted in unmatched:
        source_add(claim=claim, actor=actor, **wanted)
    claim.refresh_from_db()
    return claim


def _check_source_fields(sources: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    checked = list(sources)
    for source in checked:
        unknown = set(source) - SOURCE_FIELDS
        if unknown:
            raise InvalidInput(
                f"Unknown source field(s): {', '.join(sorted(unknown))}. "
                f"A source takes {', '.join(sorted(SOURCE_FIELDS))}.",
                field="sources",
            )
    return checked


@transaction.atomic
def claim_revise(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    expected_version: int | str | None = None,
    claimant: str = UNSET,
    summary: str = UNSET,
    rating: Rating | str | None = UNSET,
    rationale: str = "",
    sources: Iterable[Mapping[str, Any]] = (),
) -> Claim:
    """Save the review form of one claim in one go: wording, claimant, the user's own verdict
    (an empty rating withdraws it) and new sources.

    The version is checked once, before anything changes, and the whole save is one
    transaction. Only what differs from the stored claim is written, each part through its own
    service (and Event), so a reviewer may give a verdict on a colleague's claim without the
    right to edit its wording.
    """
    require(actor, claim.article.team, policies.CLAIM_WORK)
    check_version(claim, expected_version)
    claim.refresh_from_db()
    wording: dict[str, str] = {}
    if claimant is not UNSET and (claimant or "").strip() != claim.claimant:
        wording["claimant"] = claimant or ""
    if summary is not UNSET and (summary or "").strip() != claim.summary:
        wording["summary"] = summary or ""
    if wording:
        claim_update(claim=claim, actor=actor, **wording)

    rationale = (rationale or "").strip()
    if rating is not UNSET:
        current = (
            Verdict.objects.filter(claim=claim, reviewer=actor, is_current=True)
            .select_related("rating")
            .first()
        )
        if rating:
            slug = rating.slug if isinstance(rating, Rating) else str(rating).strip()
            unchanged = (
                current is not None
                and current.rating.slug == slug
                and current.rationale == rationale
            )
            if not unchanged:
                verdict_set(claim=claim, actor=actor, rating=rating, rationale=rationale)
        elif rationale:
            raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")
        elif current is not None:
            verdict_withdraw(claim=claim, actor=actor)
    elif rationale:
        raise InvalidInput("A rationale needs a verdict to go with it.", field="rating")

    for source in _check_source_fields(sources):
        source_add(claim=claim, actor=actor, **source)
    claim.refresh_from_db()
    return claim


def _restored_anchor(article: Article, snapshot: Mapping[str, Any]) -> tuple[Any, str]:
    """Where a restored claim goes: its old place when the text there is unchanged, else where
    its quote is found now (fuzzy), else nowhere (orphaned, kept with its quote)."""
    exact = snapshot.get("exact") or ""
    start, end = snapshot.get("start"), snapshot.get("end")
    if isinstance(start, int) and isinstance(end, int) and article.text[start:end] == exact:
        return anchoring.anchor_at(article.text, start, end), AnchorState.ANCHORED
    try:
        anchor = anchoring.locate_quote(
            article.text,
            exact,
            prefix=snapshot.get("prefix") or "",
            suffix=snapshot.get("suffix") or "",
            near=start if isinstance(start, int) else None,
        )
    except anchoring.AnchorError:
        return None, AnchorState.ORPHANED
    return anchor, AnchorState.FUZZY


def _restored_number(team: Team, number: Any) -> int:
    """A restored claim keeps the number it had. A deletion recorded before claims had numbers
    (or a number somehow taken meanwhile) gets the next one instead."""
    if (
        isinstance(number, int)
        and 0 < number <= team.claim_counter
        and not Claim.objects.filter(team=team, number=number).exists()
    ):
        return number
    return next_claim_number(team)


@transaction.atomic
def claim_restore(
    *, article: Article, actor: AbstractBaseUser, snapshot: Mapping[str, Any]
) -> Claim:
    """Put a deleted claim back from the snapshot its deletion recorded (the undo of a delete).

    The same people may restore as may delete: editors, and the reviewer who created the claim
    while it is a draft or in review. The claim gets its old id back when the snapshot has one
    (so links and its history read on), with its verdicts, approved verdict and sources. If the
    article text changed since, the quote is looked for again; a quote that is gone leaves the
    claim orphaned, never lost.
    """
    from django.contrib.auth import get_user_model

    membership = require(actor, article.team, policies.CLAIM_WORK)
    status = snapshot.get("status") or ClaimStatus.DRAFT
    if status not in ClaimStatus.values:
        raise InvalidInput(f"Unknown status {status!r} in the snapshot.", field="status")
    if not policies.allows(membership, policies.CLAIM_REVIEW):
        if snapshot.get("created_by") != actor.pk:
            raise Forbidden("Reviewers can restore only their own claims; ask an editor.")
        if status not in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
            raise Forbidden("This claim was approved; only an editor can restore it.")
    claim_id = snapshot.get("id")
    if claim_id is not None and Claim.objects.filter(pk=claim_id).exists():
        raise Conflict("This claim is already back.", code="restored")
    exact = snapshot.get("exact") or ""
    if not exact.strip():
        raise InvalidInput("The snapshot has no quote, so there is nothing to restore.")

    anchor, state = _restored_anchor(article, snapshot)
    user_ids = {snapshot.get("created_by"), snapshot.get("final_verdict_reviewer")}
    user_ids |= {item.get("reviewer") for item in snapshot.get("verdicts") or []}
    existing_users = set(
        get_user_model()
        .objects.filter(pk__in=[i for i in user_ids if i])
        .values_list("pk", flat=True)
    )
    # Higher than any version the claim had: every version change records an Event, and its
    # deletion did too. A form still open on the deleted claim is therefore stale.
    version = Event.objects.filter(claim_id=claim_id).count() + 1 if claim_id else 1
    claim = Claim(
        pk=claim_id,
        article=article,
        team_id=article.team_id,
        number=_restored_number(article.team, snapshot.get("number")),
        start=anchor.start if anchor else None,
        end=anchor.end if anchor else None,
        exact=exact,
        prefix=anchor.prefix if anchor else (snapshot.get("prefix") or "")[:64],
        suffix=anchor.suffix if anchor else (snapshot.get("suffix") or "")[:64],
        anchor=state,
        anchored_revision=article.revision,
        claimant=(snapshot.get("claimant") or "").strip(),
        summary=(snapshot.get("summary") or "").strip() or exact.strip(),
        status=status,
        tags=_clean_tags(snapshot.get("tags") or []),
        created_by_id=snapshot.get("created_by")
        if snapshot.get("created_by") in existing_users
        else None,
        version=version,
    )
    validate_model(claim, exclude=["final_verdict", "assignees", "created_by", "team", "number"])
    claim.save(force_insert=True)

    ratings = {rating.slug: rating for rating in Rating.objects.filter(team=article.team)}
    final: Verdict | None = None
    dropped: list[str] = []
    for item in snapshot.get("verdicts") or []:
        rating = ratings.get(item.get("rating"))
        if rating is None or item.get("reviewer") not in existing_users:
            dropped.append(str(item.get("rating")))
            continue
        verdict = Verdict.objects.create(
            claim=claim,
            reviewer_id=item["reviewer"],
            rating=rating,
            rationale=(item.get("rationale") or "").strip(),
        )
        if item["reviewer"] == snapshot.get("final_verdict_reviewer"):
            final = verdict
    note = "Restored after deletion."
    if status in (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED):
        if final is None:
            # An approval without its verdict would break the workflow's rule: review again.
            claim.status = ClaimStatus.IN_REVIEW
            note += " Its approved verdict could not be restored, so it is back in review."
        else:
            claim.final_verdict = final
        claim.save(update_fields=["status", "final_verdict"])
    if dropped:
        note += f" Verdicts no longer possible were left out: {', '.join(dropped)}."

    for item in snapshot.get("sources") or []:
        source = Source(
            claim=claim,
            url=_lowercase_scheme((item.get("url") or "").strip()),
            title=(item.get("title") or "").strip(),
            publisher=(item.get("publisher") or "").strip(),
            excerpt=(item.get("excerpt") or "").strip(),
            stance=item.get("stance") or Stance.CONTEXT,
            archived_url=_lowercase_scheme((item.get("archived_url") or "").strip()),
            added_by=actor,
        )
        validate_model(source, exclude=["claim", "added_by"])
        source.save()

    _claim_event(
        claim=claim,
        verb=verbs.CLAIM_RESTORED,
        actor=actor,
        changes=created_values(claim, ["start", "end", "exact", "claimant", "summary", "status"]),
        note=note,
    )
    article_status_refresh(article)
    return claim
