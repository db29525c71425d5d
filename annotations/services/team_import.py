"""Importing a team's JSON export (ours, as exports.formats.ourjson writes it) into a team:
articles, revisions, claims with their verdicts, sources, comments and assignments, in batches,
with the numbers and people of the export kept where they can be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    InvalidInput,
)
from annotations.exports.formats import fields, ourjson
from annotations.exports.formats.fields import Kind
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
from annotations.queries.discussion import TOMBSTONE_BODY
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


# How the import reads each kind of field back (fields.py); kinds not named are stored as they
# are, REF and OWN ones are not read by _build (the code below handles them).


def _when(value: str | None) -> datetime | date | None:
    if value is None:
        return None
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def _automatic_dates(model: type[Model]) -> set[str]:
    """The fields that a save (bulk_create too) stamps with "now"."""
    return {
        field.name
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }


def _build(
    model: type[Model],
    table: fields.Table,
    item: Mapping[str, Any],
    where: str,
    people: Mapping[str, Any],
    **given: Any,
) -> Any:
    """One object of the file as an unsaved model instance, checked by the model's field rules.

    Every field of the table is read back by its kind, except REF and OWN ones and the dates
    that saving overwrites (`_restore_dates` puts those back); `given` sets the rest (the
    parent, values worked out by hand) and replaces what the table would read.
    """
    automatic = _automatic_dates(model)
    values: dict[str, Any] = {}
    for field in table:
        if field.kind in (Kind.REF, Kind.OWN) or field.name in given or field.name in automatic:
            continue
        value = item.get(field.key, field.default) if field.optional else item[field.key]
        if field.kind is Kind.WHEN:
            value = _when(value)
        elif field.kind is Kind.PERSON:
            value = people[value] if value else None
        elif field.kind is Kind.LINKS:
            value = _imported_links(item, where)
        values[field.name] = value
    obj = model(**values, **given)
    # Relations are left out: checking each would cost a query per object.
    relations = [field.name for field in model._meta.concrete_fields if field.is_relation]
    _import_fields(obj, where, exclude=relations)
    return obj


def _restore_dates(
    model: type[Model],
    table: fields.Table,
    objects: list[Any],
    items: Iterable[Mapping[str, Any]],
    *also: str,
) -> None:
    """bulk_create stamped "now" on the automatic dates: put the file's back (and save the
    fields named in `also`, set since)."""
    dates = [field for field in table if field.name in _automatic_dates(model)]
    for obj, item in zip(objects, items, strict=True):
        for field in dates:
            setattr(obj, field.name, _when(item[field.key]))
    model.objects.bulk_update(
        objects, [field.name for field in dates] + list(also), batch_size=IMPORT_BATCH_SIZE
    )


def _usernames(table: fields.Table, items: Iterable[Mapping[str, Any]]) -> set[str]:
    """The people the items name in their PERSON fields."""
    return {
        item.get(field.key)
        for item in items
        for field in table
        if field.kind is Kind.PERSON and item.get(field.key)
    }


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
    people, created_users = _people(data)

    publishing_before = publishing.settings_of(team)
    _import_publishing(team, data["team"].get("publishing"))
    publishing_after = publishing.settings_of(team)

    # The rating scale ------------------------------------------------------------------------
    Rating.objects.filter(team=team).delete()
    ratings: dict[str, Rating] = {}
    for index, item in enumerate(data["ratings"]):
        rating = _build(Rating, fields.RATING, item, f"ratings[{index}]", people, team=team)
        rating.save()
        ratings[rating.slug] = rating

    # Articles and their revisions -------------------------------------------------------
    article_items = data["articles"]
    articles = [
        _build(
            Article,
            fields.ARTICLE,
            item,
            f"articles[{index}]",
            people,
            team=team,
            content_hash=content_hash(item["text"]),
        )
        for index, item in enumerate(article_items)
    ]
    Article.objects.bulk_create(articles, batch_size=IMPORT_BATCH_SIZE)
    by_id = {item["id"]: article for item, article in zip(article_items, articles, strict=True)}
    revisions: list[ArticleRevision] = []
    revision_items: list[dict[str, Any]] = []
    for index, (article, item) in enumerate(zip(articles, article_items, strict=True)):
        for number, revision_item in enumerate(item["revisions"]):
            revision = _build(
                ArticleRevision,
                fields.REVISION,
                revision_item,
                f"articles[{index}].revisions[{number}]",
                people,
                article=article,
                content_hash=content_hash(revision_item["text"]),
            )
            revisions.append(revision)
            revision_items.append(revision_item)
    _restore_dates(Article, fields.ARTICLE, articles, article_items)
    _assign(Article, articles, article_items, people)
    ArticleRevision.objects.bulk_create(revisions, batch_size=IMPORT_BATCH_SIZE)
    _restore_dates(ArticleRevision, fields.REVISION, revisions, revision_items)

    # Claims, and their verdicts, sources and comments ----------------------------------------
    claim_items = data["claims"]
    numbers = _imported_claim_numbers(claim_items)
    claims = [
        _build(
            Claim,
            fields.CLAIM,
            item,
            f"claims[{index}]",
            people,
            article=by_id[item["article"]["id"]],
            team=team,
            number=numbers[index],
            **_correction(item),
        )
        for index, item in enumerate(claim_items)
    ]
    Claim.objects.bulk_create(claims, batch_size=IMPORT_BATCH_SIZE)
    Team.objects.filter(pk=team.pk).update(claim_counter=max(numbers, default=0))

    verdicts: list[Verdict] = []
    sources: list[Source] = []
    comments: list[Comment] = []
    verdict_items: list[dict[str, Any]] = []
    source_items: list[dict[str, Any]] = []
    comment_items: list[dict[str, Any]] = []
    verdict_ids: dict[tuple[int, int], Verdict] = {}
    comment_ids: dict[tuple[int, int], Comment] = {}
    for index, (claim, item) in enumerate(zip(claims, claim_items, strict=True)):
        where = f"claims[{index}]"
        for number, verdict_item in enumerate(item["verdicts"]):
            verdict = _build(
                Verdict,
                fields.VERDICT,
                verdict_item,
                f"{where}.verdicts[{number}]",
                people,
                claim=claim,
                rating=ratings[verdict_item["rating"]["slug"]],
            )
            verdicts.append(verdict)
            verdict_items.append(verdict_item)
            verdict_ids[(index, verdict_item["id"])] = verdict
        for number, source_item in enumerate(item["sources"]):
            sources.append(
                _build(
                    Source,
                    fields.SOURCE,
                    source_item,
                    f"{where}.sources[{number}]",
                    people,
                    claim=claim,
                )
            )
            source_items.append(source_item)
        for number, comment_item in enumerate(item["comments"]):
            # A tombstone's text was not exported; a comment not deleted has no deleter.
            deleted = {"body": TOMBSTONE_BODY} if comment_item.get("deleted_at") else {}
            comment = _build(
                Comment,
                fields.COMMENT,
                comment_item,
                f"{where}.comments[{number}]",
                people,
                claim=claim,
                **(deleted or {"deleted_by": None}),
            )
            comments.append(comment)
            comment_items.append(comment_item)
            comment_ids[(index, comment_item["id"])] = comment
    _assign(Claim, claims, claim_items, people)
    Verdict.objects.bulk_create(verdicts, batch_size=IMPORT_BATCH_SIZE)
    Source.objects.bulk_create(sources, batch_size=IMPORT_BATCH_SIZE)
    Comment.objects.bulk_create(comments, batch_size=IMPORT_BATCH_SIZE)

    # Now that everything has an id: final verdicts, replies, and the file's dates.
    for index, (claim, item) in enumerate(zip(claims, claim_items, strict=True)):
        if item["final_verdict"] is not None:
            claim.final_verdict = verdict_ids[(index, item["final_verdict"]["id"])]
        for comment_item in item["comments"]:
            if comment_item["reply_to"] is not None:
                comment_ids[(index, comment_item["id"])].reply_to = comment_ids[
                    (index, comment_item["reply_to"])
                ]
    _restore_dates(Claim, fields.CLAIM, claims, claim_items, "final_verdict")
    _restore_dates(Verdict, fields.VERDICT, verdicts, verdict_items)
    _restore_dates(Source, fields.SOURCE, sources, source_items)
    _restore_dates(Comment, fields.COMMENT, comments, comment_items, "reply_to")

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


def _import_publishing(team: Team, settings_in_file: Mapping[str, Any] | None) -> None:
    """The file's publishing settings, checked as the settings page checks them (files
    written before publishing settings have none: the team keeps its own)."""
    if settings_in_file is None:
        return
    try:
        team.organisation_name = settings_in_file["organisation_name"].strip()[:200]
        for field, label in (("site_url", "site URL"), ("logo_url", "logo URL")):
            setattr(
                team,
                field,
                publishing.check_url(settings_in_file[field], field=field, label=label),
            )
        team.public_url_pattern = publishing.check_pattern(settings_in_file["public_url_pattern"])
    except InvalidInput as error:
        raise InvalidInput(
            f"team.publishing.{error.field}: {error.message}", code="invalid_export"
        ) from None
    team.save(update_fields=list(publishing.SETTINGS_FIELDS))


def _people(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Everyone the file names, by username, and the names created (as inactive users)."""
    User = get_user_model()
    names: set[str] = set()
    for article in data["articles"]:
        names |= _usernames(fields.ARTICLE, [article]) | set(filter(None, article["assignees"]))
        names |= _usernames(fields.REVISION, article["revisions"])
    for claim in data["claims"]:
        names |= _usernames(fields.CLAIM, [claim]) | set(filter(None, claim["assignees"]))
        names |= _usernames(fields.VERDICT, claim["verdicts"])
        names |= _usernames(fields.SOURCE, claim["sources"])
        names |= _usernames(fields.COMMENT, claim["comments"])
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
    return people, created_users


def _correction(item: Mapping[str, Any]) -> dict[str, Any]:
    """A claim's correction fields from the file's {"note", "at"} (none if never corrected)."""
    correction = item.get("correction")
    if not correction:
        return {}
    return {"correction_note": correction["note"], "corrected_at": _when(correction["at"])}


def _assign(
    model: type[Claim] | type[Article],
    objects: list[Any],
    items: Iterable[Mapping[str, Any]],
    people: Mapping[str, Any],
) -> None:
    """The file's assignees of saved articles or claims."""
    through = model.assignees.through
    key = f"{model._meta.model_name}_id"
    through.objects.bulk_create(
        [
            through(**{key: obj.pk}, user_id=people[name].pk)
            for obj, item in zip(objects, items, strict=True)
            for name in item["assignees"]
        ],
        batch_size=1000,
    )
