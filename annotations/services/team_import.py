"""TODO docstring: annotations.services.team_import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    InvalidInput,
)
from annotations.lib import ingest, publishing
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Comment,
    Rating,
    Source,
    Team,
    Verdict,
)
from annotations.services._base import event_record, require
from annotations.services.articles import content_hash

# --- JSON import (the round trip of the `json` export) ----------------------------------------


@dataclass
class TeamImportResult:
    articles: int
    claims: int
    verdicts: int
    sources: int
    comments: int
    users_created: list[str]

    @property
    def message(self) -> str:
        created = (
            f"; created inactive user(s) {', '.join(self.users_created)}"
            if self.users_created
            else ""
        )
        return (
            f"Imported {self.articles} article(s), {self.claims} claim(s), {self.verdicts} "
            f"verdict(s), {self.sources} source(s) and {self.comments} comment(s){created}."
        )


IMPORT_BATCH_SIZE = 500


def _imported_links(item: Mapping[str, Any], where: str) -> list[dict]:
    """An exported article's (or revision's) links, checked against its text."""
    try:
        return ingest.clean_links(item.get("links"), len(item["text"]))
    except ValueError as error:
        raise InvalidInput(f"{where}.{error}", code="invalid_export") from None


def _import_fields(obj: Any, where: str, exclude: Iterable[str] = ()) -> None:
    """Field rules of the model (lengths, URLs, choices, slugs), as an error naming `where`.

    Only field validation: uniqueness and check constraints would cost a query per object;
    the file's own validation covers them and the database enforces them.
    """
    try:
        obj.clean_fields(exclude=list(exclude))
    except ValidationError as error:
        field, errors = next(iter(error.error_dict.items()))
        message = " ".join(m for e in errors for m in e.messages)
        raise InvalidInput(f"{where}.{field}: {message}", code="invalid_export") from None


def _when(value: str | None) -> datetime | date | None:
    if value is None:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


@transaction.atomic
def team_import_json(
    *, team: Team, data: Any, actor: AbstractBaseUser | None = None
) -> TeamImportResult:
    """Recreate a `json` export (ourjson.py) in `team`, which must have no articles yet.

    Everything or nothing: the file is validated first, and any error (with where it is)
    leaves the database as it was. Restored as they were: the rating scale (replacing the
    team's, which no verdict uses yet), articles with text, blocks, metadata, revisions and
    assignees; claims with selectors, anchor state, status, tags, version, final verdict and
    dates; all verdicts (superseded ones too), sources and comments (with replies).

    People are matched by username: a name that exists on this installation is that user; a
    name that does not is created as an *inactive* user without a password, so their work
    keeps its author but nobody can log in as them (an admin can activate them later). No one
    is added to the team. The team keeps its own name and slug. One `team.imported` Event
    records the import; the source installation's event history is not part of the file.

    `actor=None` is the command line; otherwise the actor must be an admin of the team.
    """
    from annotations.exports.formats import ourjson

    if actor is not None:
        require(actor, team, policies.TEAM_IMPORT)
    problems = ourjson.validate(data)
    if problems:
        more = " (and possibly more)" if len(problems) >= ourjson.MAX_ERRORS else ""
        raise InvalidInput(
            "This is not a valid export file: " + "; ".join(problems) + more,
            code="invalid_export",
        )
    if Article.objects.filter(team=team).exists():
        raise Conflict(
            f"{team.name} already has articles. Import into an empty team, so that nothing "
            "is mixed or duplicated.",
            code="team_not_empty",
        )
    try:
        return _team_import(team=team, data=data, actor=actor)
    except IntegrityError as error:
        # A rule the checks above missed, caught by the database: the transaction is rolled
        # back as the error leaves team_import_json's atomic block.
        raise InvalidInput(
            f"This export file breaks a database rule ({error}); nothing was imported.",
            code="invalid_export",
        ) from None


def _imported_claim_numbers(items: list[dict[str, Any]]) -> list[int]:
    """Each imported claim's number: the one the file gives, else (a file from before claims
    had numbers) the next ones after the file's highest, in the order the claims were created.
    """
    numbers: list[int | None] = [item.get("number") for item in items]
    seen: dict[int, int] = {}
    for index, number in enumerate(numbers):
        if number is None:
            continue
        if number in seen:
            raise InvalidInput(
                f"claims[{index}].number: #{number} is also the number of claims[{seen[number]}]; "
                "a number belongs to one claim.",
                code="invalid_export",
            )
        seen[number] = index
    highest = max(seen, default=0)
    missing = sorted(
        (index for index, number in enumerate(numbers) if number is None),
        key=lambda index: (items[index].get("created_at") or "", index),
    )
    for offset, index in enumerate(missing, start=1):
        numbers[index] = highest + offset
    return [int(number) for number in numbers if number is not None]


def _team_import(
    *, team: Team, data: dict[str, Any], actor: AbstractBaseUser | None
) -> TeamImportResult:
    """The writes of team_import_json, on a validated document."""
    from django.contrib.auth import get_user_model

    # People ------------------------------------------------------------------------------
    User = get_user_model()
    names: set[str] = set()
    for article in data["articles"]:
        names.update(filter(None, [article["imported_by"], *article["assignees"]]))
        names.update(filter(None, (r["created_by"] for r in article["revisions"])))
    for claim in data["claims"]:
        names.update(filter(None, [claim["created_by"], *claim["assignees"]]))
        names.update(v["reviewer"] for v in claim["verdicts"])
        names.update(filter(None, (s["added_by"] for s in claim["sources"])))
        names.update(filter(None, (c["author"] for c in claim["comments"])))
        names.update(filter(None, (c.get("deleted_by") for c in claim["comments"])))
    people = {
        person.get_username(): person
        for person in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": names})
    }
    created_users: list[str] = []
    for name in sorted(names - set(people)):
        person = User(**{User.USERNAME_FIELD: name}, is_active=False)
        person.set_unusable_password()
        _import_fields(person, f"user {name!r}", exclude=["password"])
        person.save()
        people[name] = person
        created_users.append(name)

    def who(name: str | None) -> Any:
        return people[name] if name else None

    # Publishing settings (files written before them have none: the team keeps its own) -----
    publishing_before = publishing.settings_of(team)
    settings_in_file = data["team"].get("publishing")
    if settings_in_file is not None:
        try:
            team.organisation_name = settings_in_file["organisation_name"].strip()[:200]
            for field, label in (("site_url", "site URL"), ("logo_url", "logo URL")):
                setattr(
                    team,
                    field,
                    publishing.check_url(settings_in_file[field], field=field, label=label),
                )
            team.public_url_pattern = publishing.check_pattern(
                settings_in_file["public_url_pattern"]
            )
        except InvalidInput as error:
            raise InvalidInput(
                f"team.publishing.{error.field}: {error.message}", code="invalid_export"
            ) from None
        team.save(update_fields=list(publishing.SETTINGS_FIELDS))
    publishing_after = publishing.settings_of(team)

    # The rating scale ------------------------------------------------------------------------
    Rating.objects.filter(team=team).delete()
    ratings: dict[str, Rating] = {}
    for index, item in enumerate(data["ratings"]):
        rating = Rating(team=team, **item)
        _import_fields(rating, f"ratings[{index}]", exclude=["team"])
        rating.save()
        ratings[rating.slug] = rating

    # Articles and their revisions -------------------------------------------------------
    articles: dict[int, Article] = {}
    for index, item in enumerate(data["articles"]):
        article = Article(
            team=team,
            title=item["title"],
            url=item["url"],
            publisher=item["publisher"],
            author=item["author"],
            published_at=_when(item["published_at"]),
            published_at_guessed=bool(item.get("published_at_guessed")),
            language=item["language"],
            text=item["text"],
            blocks=item["blocks"],
            links=_imported_links(item, f"articles[{index}]"),
            revision=item["revision"],
            status=item["status"],
            source_kind=item["source_kind"],
            imported_by=who(item["imported_by"]),
            content_hash=content_hash(item["text"]),
            archived_at=_when(item.get("archived_at")),
        )
        _import_fields(article, f"articles[{index}]", exclude=["team", "imported_by"])
        articles[item["id"]] = article
    Article.objects.bulk_create(articles.values(), batch_size=IMPORT_BATCH_SIZE)
    revisions: list[ArticleRevision] = []
    revision_dates: list[str] = []
    article_assignees = []
    for index, item in enumerate(data["articles"]):
        article = articles[item["id"]]
        # bulk_create stamped "now" on the auto_now fields: put the file's dates back.
        article.imported_at = _when(item["imported_at"])
        article.updated_at = _when(item["updated_at"])
        for name in item["assignees"]:
            article_assignees.append(
                Article.assignees.through(article_id=article.pk, user_id=people[name].pk)
            )
        for number, revision_item in enumerate(item["revisions"]):
            revision = ArticleRevision(
                article=article,
                number=revision_item["number"],
                title=revision_item["title"],
                text=revision_item["text"],
                blocks=revision_item["blocks"],
                links=_imported_links(revision_item, f"articles[{index}].revisions[{number}]"),
                source_kind=revision_item["source_kind"],
                source_url=revision_item["source_url"],
                content_hash=content_hash(revision_item["text"]),
                created_by=who(revision_item["created_by"]),
            )
            _import_fields(
                revision,
                f"articles[{index}].revisions[{number}]",
                exclude=["article", "created_by"],
            )
            revisions.append(revision)
            revision_dates.append(revision_item["created_at"])
    Article.objects.bulk_update(
        articles.values(), ["imported_at", "updated_at"], batch_size=IMPORT_BATCH_SIZE
    )
    Article.assignees.through.objects.bulk_create(article_assignees, batch_size=1000)
    ArticleRevision.objects.bulk_create(revisions, batch_size=IMPORT_BATCH_SIZE)
    for revision, when in zip(revisions, revision_dates, strict=True):
        revision.created_at = _when(when)
    ArticleRevision.objects.bulk_update(revisions, ["created_at"], batch_size=IMPORT_BATCH_SIZE)

    # Claims ----------------------------------------------------------------------------------
    numbers = _imported_claim_numbers(data["claims"])
    claims: list[Claim] = []
    for index, item in enumerate(data["claims"]):
        claim = Claim(
            article=articles[item["article"]["id"]],
            team=team,
            number=numbers[index],
            start=item["start"],
            end=item["end"],
            exact=item["exact"],
            prefix=item["prefix"],
            suffix=item["suffix"],
            anchor=item["anchor"],
            anchored_revision=item["anchored_revision"],
            claimant=item["claimant"],
            summary=item["summary"],
            status=item["status"],
            tags=item["tags"],
            version=item["version"],
            created_by=who(item["created_by"]),
        )
        claim.public_url = item.get("public_url", "")
        if item.get("correction"):
            claim.correction_note = item["correction"]["note"]
            claim.corrected_at = _when(item["correction"]["at"])
        _import_fields(
            claim,
            f"claims[{index}]",
            exclude=["article", "team", "created_by", "final_verdict"],
        )
        claims.append(claim)
    Claim.objects.bulk_create(claims, batch_size=IMPORT_BATCH_SIZE)
    Team.objects.filter(pk=team.pk).update(claim_counter=max(numbers, default=0))

    verdicts: list[Verdict] = []
    verdict_ids: dict[tuple[int, int], Verdict] = {}
    sources: list[Source] = []
    comments: list[Comment] = []
    comment_ids: dict[tuple[int, int], Comment] = {}
    claim_assignees = []
    for index, (claim, item) in enumerate(zip(claims, data["claims"], strict=True)):
        for name in item["assignees"]:
            claim_assignees.append(
                Claim.assignees.through(claim_id=claim.pk, user_id=people[name].pk)
            )
        for number, verdict_item in enumerate(item["verdicts"]):
            verdict = Verdict(
                claim=claim,
                reviewer=people[verdict_item["reviewer"]],
                rating=ratings[verdict_item["rating"]["slug"]],
                rationale=verdict_item["rationale"],
                is_current=verdict_item["current"],
            )
            _import_fields(
                verdict,
                f"claims[{index}].verdicts[{number}]",
                exclude=["claim", "reviewer", "rating"],
            )
            verdicts.append(verdict)
            verdict_ids[(index, verdict_item["id"])] = verdict
        for number, source_item in enumerate(item["sources"]):
            source = Source(
                claim=claim,
                url=source_item["url"],
                title=source_item["title"],
                publisher=source_item["publisher"],
                excerpt=source_item["excerpt"],
                stance=source_item["stance"],
                accessed_at=_when(source_item["accessed_at"]),
                archived_url=source_item["archived_url"],
                added_by=who(source_item["added_by"]),
            )
            _import_fields(
                source, f"claims[{index}].sources[{number}]", exclude=["claim", "added_by"]
            )
            sources.append(source)
        for number, comment_item in enumerate(item["comments"]):
            comment = Comment(claim=claim, author=who(comment_item["author"]))
            comment.body = comment_item["body"]
            if comment_item.get("deleted_at"):  # a tombstone: its text was not exported
                from annotations.queries.discussion import TOMBSTONE_BODY

                comment.body = TOMBSTONE_BODY
                comment.deleted_by = who(comment_item.get("deleted_by"))
            _import_fields(
                comment,
                f"claims[{index}].comments[{number}]",
                exclude=["claim", "author", "reply_to", "deleted_by"],
            )
            comments.append(comment)
            comment_ids[(index, comment_item["id"])] = comment
    Claim.assignees.through.objects.bulk_create(claim_assignees, batch_size=1000)
    Verdict.objects.bulk_create(verdicts, batch_size=IMPORT_BATCH_SIZE)
    Source.objects.bulk_create(sources, batch_size=IMPORT_BATCH_SIZE)
    Comment.objects.bulk_create(comments, batch_size=IMPORT_BATCH_SIZE)

    # Now that everything has an id: final verdicts, replies, and the file's dates.
    for index, (claim, item) in enumerate(zip(claims, data["claims"], strict=True)):
        claim.created_at = _when(item["created_at"])
        claim.updated_at = _when(item["updated_at"])
        if item["final_verdict"] is not None:
            claim.final_verdict = verdict_ids[(index, item["final_verdict"]["id"])]
        for verdict_item in item["verdicts"]:
            verdict_ids[(index, verdict_item["id"])].created_at = _when(verdict_item["created_at"])
        for comment_item in item["comments"]:
            comment = comment_ids[(index, comment_item["id"])]
            comment.created_at = _when(comment_item["created_at"])
            comment.updated_at = _when(comment_item["updated_at"])
            comment.deleted_at = _when(comment_item.get("deleted_at"))
            if comment_item["reply_to"] is not None:
                comment.reply_to = comment_ids[(index, comment_item["reply_to"])]
    for source, source_item in zip(
        sources, (s for item in data["claims"] for s in item["sources"]), strict=True
    ):
        source.created_at = _when(source_item["created_at"])
    Claim.objects.bulk_update(
        claims, ["created_at", "updated_at", "final_verdict"], batch_size=IMPORT_BATCH_SIZE
    )
    Verdict.objects.bulk_update(verdicts, ["created_at"], batch_size=IMPORT_BATCH_SIZE)
    Source.objects.bulk_update(sources, ["created_at"], batch_size=IMPORT_BATCH_SIZE)
    Comment.objects.bulk_update(
        comments,
        ["created_at", "updated_at", "reply_to", "deleted_at"],
        batch_size=IMPORT_BATCH_SIZE,
    )

    result = TeamImportResult(
        articles=len(articles),
        claims=len(claims),
        verdicts=len(verdicts),
        sources=len(sources),
        comments=len(comments),
        users_created=created_users,
    )
    event_record(
        team=team,
        verb=verbs.TEAM_IMPORTED,
        actor=actor,
        changes={
            "articles": (None, result.articles),
            "claims": (None, result.claims),
            "verdicts": (None, result.verdicts),
            "sources": (None, result.sources),
            "comments": (None, result.comments),
            "users_created": (None, created_users),
            **{
                field: (publishing_before[field], publishing_after[field])
                for field in publishing.SETTINGS_FIELDS
                if publishing_before[field] != publishing_after[field]
            },
        },
        note=(
            f"From a {data['format']} file (version {data['version']}) of team "
            f"{data['team']['slug']!r}, exported at {data['exported_at']}."
        ),
    )
    return result
