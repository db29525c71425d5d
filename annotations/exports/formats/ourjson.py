"""Our own JSON export: complete, versioned, streamed, and the input of the JSON import.

The document (format "factcheck-export", version 1):

    {"format": "factcheck-export", "version": 1, "exported_at": "...",
     "team": {"name", "slug"}, "article": null | <id of the one exported article>,
     "ratings": [rating, ...],        # the whole scale, retired ratings included
     "articles": [article, ...],      # text, blocks, metadata and every revision
     "claims": [claim, ...]}          # selectors, verdicts, sources, comments

A claim is the same object in the JSON and the NDJSON exports. People are named by username.
Ids are only references inside the file (claim → article, final verdict → verdict, reply →
comment); an import gives everything new ids. Dates are ISO 8601 with their UTC offset.

Everything here is pure: mapping functions read claims by attribute (claims.py's rows, or
model instances with their relations prefetched) and generators only join strings. No Django
import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from annotations.exports.formats import fields
from annotations.exports.formats.fields import Kind

FORMAT = "factcheck-export"
VERSION = 1
# The team's publishing settings (annotations/lib/publishing.py), under "team": {"publishing": ...}.
PUBLISHING_FIELDS = ("organisation_name", "site_url", "logo_url", "public_url_pattern")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number(value)
    raise TypeError(f"Cannot write {type(value).__name__} as JSON.")


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 text kept as is (not \\u-escaped).

    orjson: the standard library's encoder took a fifth of an export's time; orjson writes the
    same JSON (compact, keys in order, the same escapes) about ten times faster.
    """
    return orjson.dumps(value, default=_default).decode()


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def number(value: Decimal | int | float | None) -> int | float | None:
    """A rating value as a JSON number: 5 for Decimal('5.00'), 4.5 for Decimal('4.50')."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


# --- one object → dict ------------------------------------------------------------------------

# How the export writes each kind of field (fields.py); kinds not named here go out as they are.
_WRITE = {Kind.NUMBER: number, Kind.LIST: list, Kind.WHEN: iso, Kind.PERSON: username}


class _Plan:
    """How to write one table's objects: (key, attribute, conversion) per key, prepared once."""

    def __init__(self, table: fields.Table) -> None:
        self.steps = tuple(
            (item.key, None if item.kind is Kind.OWN else item.name, _WRITE.get(item.kind))
            for item in table
        )

    def row(self, obj: Any, **given: Any) -> dict[str, Any]:
        """The object as the table's keys, in order; `given` supplies the OWN values (and
        may replace others)."""
        row: dict[str, Any] = {}
        for key, attr, write in self.steps:
            if key in given:
                row[key] = given[key]
            elif attr is not None:
                value = getattr(obj, attr)
                row[key] = value if write is None else write(value)
        return row


_RATING = _Plan(fields.RATING)
_VERDICT = _Plan(fields.VERDICT)
_SOURCE = _Plan(fields.SOURCE)
_COMMENT = _Plan(fields.COMMENT)
_REVISION = _Plan(fields.REVISION)
_ARTICLE = _Plan(fields.ARTICLE)
_CLAIM = _Plan(fields.CLAIM)


def rating_dict(rating: Any) -> dict[str, Any]:
    return _RATING.row(rating)


def verdict_dict(verdict: Any) -> dict[str, Any]:
    rating = verdict.rating
    return _VERDICT.row(
        verdict,
        rating={"slug": rating.slug, "label": rating.label, "value": number(rating.value)},
    )


def source_dict(source: Any) -> dict[str, Any]:
    return _SOURCE.row(source)


def comment_dict(comment: Any) -> dict[str, Any]:
    """A comment; a deleted one is a tombstone: no body, who deleted it and when."""
    if getattr(comment, "deleted_at", None) is None:
        # Not deleted: nobody deleted it, whatever deleted_by says.
        return _COMMENT.row(comment, deleted_at=None, deleted_by=None)
    return _COMMENT.row(comment, body="")


def correction_dict(claim: Any) -> dict[str, Any] | None:
    """The latest correction of a published claim ({"note", "at"}), or None if never corrected."""
    if not claim.corrected_at:
        return None
    return {"note": claim.correction_note, "at": iso(claim.corrected_at)}


def claim_dict(claim: Any) -> dict[str, Any]:
    """One claim with its article reference, verdicts (all, oldest first), sources, comments."""
    verdicts = [verdict_dict(verdict) for verdict in claim.verdicts.all()]
    final = None
    if claim.final_verdict_id is not None:
        final = next((v for v in verdicts if v["id"] == claim.final_verdict_id), None)
    article = claim.article
    assignees = claim.assignees.all()
    sources = claim.sources.all()
    comments = claim.comments.all()
    return _CLAIM.row(
        claim,
        article={"id": article.pk, "title": article.title, "url": article.url},
        assignees=sorted(user.get_username() for user in assignees) if assignees else [],
        verdicts=verdicts,
        final_verdict=final,
        correction=correction_dict(claim),
        sources=[source_dict(source) for source in sources] if sources else [],
        comments=[comment_dict(comment) for comment in comments] if comments else [],
    )


def revision_dict(revision: Any) -> dict[str, Any]:
    return _REVISION.row(revision)


def article_dict(article: Any) -> dict[str, Any]:
    """An article with its current text and blocks and every revision ever loaded."""
    return _ARTICLE.row(
        article,
        assignees=sorted(username(user) for user in article.assignees.all()),
        revisions=[revision_dict(revision) for revision in article.revisions.all()],
    )


def header(
    *, team: Any, ratings: Iterable[Any], exported_at: datetime, article: Any = None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(exported_at),
        "team": {
            "name": team.name,
            "slug": team.slug,
            "publishing": {field: getattr(team, field) for field in PUBLISHING_FIELDS},
        },
        "article": article.pk if article is not None else None,
        "ratings": [rating_dict(rating) for rating in ratings],
    }


# --- the streamed document ----------------------------------------------------------------------


def _json_list(items: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """A JSON array written one element per line, without holding the elements."""
    yield "["
    separator = "\n"
    for item in items:
        yield separator
        yield dumps(item)
        separator = ",\n"
    yield "\n]"


def document(
    head: Mapping[str, Any],
    articles: Iterable[Mapping[str, Any]],
    claims: Iterable[Mapping[str, Any]],
) -> Iterator[str]:
    """The whole export as pieces of text; `articles` and `claims` may be lazy."""
    yield dumps(dict(head))[:-1]  # the header object, left open
    yield ',\n"articles":'
    yield from _json_list(articles)
    yield ',\n"claims":'
    yield from _json_list(claims)
    yield "}\n"


# --- reading it back: validation for the import -----------------------------------------------

# The objects' schemas come from their field tables (fields.py); here only the document's.
SCHEMA: dict[str, Any] = fields.schema_object(
    {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "exported_at": fields.DATETIME,
        # "publishing" is optional: files written before publishing settings lack it.
        "team": fields.schema_object(
            {
                "name": fields.STR,
                "slug": fields.STR,
                "publishing": fields.schema_object(
                    {field: fields.STR for field in PUBLISHING_FIELDS}
                ),
            },
            optional=("publishing",),
        ),
        "article": {"type": ["integer", "null"]},
        "ratings": fields.array_of(fields.object_schema(fields.RATING)),
        "articles": fields.array_of(fields.object_schema(fields.ARTICLE)),
        "claims": fields.array_of(fields.object_schema(fields.CLAIM)),
    }
)

MAX_ERRORS = 10


def _where(path: Iterable[Any]) -> str:
    """A JSON path as people read it: claims[3].verdicts[0].rating."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the document"


def _parse_datetime(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def validate(data: Any) -> list[str]:
    """Everything wrong with an export document, as messages naming where (at most 10).

    Structure and types first (JSON Schema); then what a schema cannot say: dates that parse,
    ids that are unique and references that resolve, quotes that match the article text, one
    current verdict per reviewer. Field rules of the models (lengths, URLs, choices) are
    checked by the import itself, object by object.
    """
    import jsonschema  # a dependency of drf-spectacular too; imported here, used only here

    if not isinstance(data, dict):
        return ["The file is not a JSON object: expected a factcheck-export document."]
    if data.get("format") != FORMAT:
        return [f'This is not a factcheck export: "format" must be "{FORMAT}".']
    if data.get("version") != VERSION:
        return [
            f"Unsupported export version {data.get('version')!r}: this version reads "
            f"version {VERSION}."
        ]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        return [f"{_where(error.absolute_path)}: {error.message}" for error in errors[:MAX_ERRORS]]
    problems: list[str] = []
    _check_dates(data, problems)
    _check_references(data, problems)
    return problems[:MAX_ERRORS]


_DATETIME_KEYS = frozenset(
    {"exported_at", "imported_at", "updated_at", "created_at", "at", "deleted_at"}
)
_DATE_KEYS = frozenset({"published_at", "accessed_at"})


def _check_dates(value: Any, problems: list[str], path: tuple[Any, ...] = ()) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            where = (*path, key)
            if key in ("text", "blocks", "summary", "exact", "body"):
                continue
            if key in _DATETIME_KEYS and isinstance(item, str):
                parsed = _parse_datetime(item)
                if parsed is None or parsed.tzinfo is None:
                    problems.append(
                        f"{_where(where)}: {item!r} is not a date and time with a UTC offset "
                        "(ISO 8601)."
                    )
            elif key in _DATE_KEYS and isinstance(item, str) and _parse_date(item) is None:
                problems.append(f"{_where(where)}: {item!r} is not a date (YYYY-MM-DD).")
            else:
                _check_dates(item, problems, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_dates(item, problems, (*path, index))


def _duplicates(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    repeated: list[Any] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _check_references(data: dict[str, Any], problems: list[str]) -> None:
    rating_slugs = [rating["slug"] for rating in data["ratings"]]
    for slug in _duplicates(rating_slugs):
        problems.append(f"ratings: the slug {slug!r} appears twice.")
    for index, rating in enumerate(data["ratings"]):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", rating["colour"]):
            problems.append(
                f"ratings[{index}].colour: {rating['colour']!r} is not a colour like #b91c1c."
            )
    articles: dict[int, dict[str, Any]] = {}
    for index, article in enumerate(data["articles"]):
        where = f"articles[{index}]"
        if article["id"] in articles:
            problems.append(f"{where}: the id {article['id']} appears twice.")
        articles[article["id"]] = article
        numbers = [revision["number"] for revision in article["revisions"]]
        for number_ in _duplicates(numbers):
            problems.append(f"{where}.revisions: revision {number_} appears twice.")
        if numbers and article["revision"] not in numbers:
            problems.append(f"{where}.revision: there is no revision {article['revision']}.")
        for block_index, block in enumerate(article["blocks"]):
            start, end = block.get("start"), block.get("end")
            if not (
                isinstance(start, int)
                and isinstance(end, int)
                and 0 <= start <= end <= len(article["text"])
            ):
                problems.append(
                    f"{where}.blocks[{block_index}]: start and end must be offsets within the text."
                )
    claim_ids: set[int] = set()
    for index, claim in enumerate(data["claims"]):
        where = f"claims[{index}]"
        if claim["id"] in claim_ids:
            problems.append(f"{where}: the id {claim['id']} appears twice.")
        claim_ids.add(claim["id"])
        article = articles.get(claim["article"]["id"])
        if article is None:
            problems.append(f"{where}.article: there is no article {claim['article']['id']}.")
        else:
            _check_selector(claim, article["text"], where, problems)
        verdict_ids = [verdict["id"] for verdict in claim["verdicts"]]
        for verdict_id in _duplicates(verdict_ids):
            problems.append(f"{where}.verdicts: the id {verdict_id} appears twice.")
        for reviewer in _duplicates(
            verdict["reviewer"] for verdict in claim["verdicts"] if verdict["current"]
        ):
            problems.append(
                f"{where}.verdicts: {reviewer} has more than one current verdict; only one "
                "verdict per reviewer can be current."
            )
        for verdict_index, verdict in enumerate(claim["verdicts"]):
            if verdict["rating"]["slug"] not in rating_slugs:
                problems.append(
                    f"{where}.verdicts[{verdict_index}].rating: {verdict['rating']['slug']!r} "
                    "is not in the file's ratings."
                )
        final = claim["final_verdict"]
        if final is not None and final["id"] not in verdict_ids:
            problems.append(
                f"{where}.final_verdict: the verdict {final['id']} is not one of this "
                "claim's verdicts."
            )
        comment_ids = [comment["id"] for comment in claim["comments"]]
        for comment_id in _duplicates(comment_ids):
            problems.append(f"{where}.comments: the id {comment_id} appears twice.")
        for comment_index, comment in enumerate(claim["comments"]):
            if not comment["body"] and comment.get("deleted_at") is None:
                problems.append(
                    f"{where}.comments[{comment_index}].body: only a deleted comment may have "
                    "no text."
                )
            if comment["reply_to"] is not None and comment["reply_to"] not in comment_ids:
                problems.append(
                    f"{where}.comments[{comment_index}].reply_to: the comment "
                    f"{comment['reply_to']} is not on this claim."
                )


def _check_selector(claim: dict[str, Any], text: str, where: str, problems: list[str]) -> None:
    start, end, anchor = claim["start"], claim["end"], claim["anchor"]
    if anchor == "orphaned":
        if start is not None or end is not None:
            problems.append(f"{where}: an orphaned claim has no start and end.")
        return
    if start is None or end is None:
        problems.append(f"{where}: a claim that is not orphaned needs start and end.")
    elif not 0 <= start < end <= len(text):
        problems.append(
            f"{where}: start {start} and end {end} are not a range within the article's "
            f"{len(text)} characters."
        )
    elif anchor == "anchored" and text[start:end] != claim["exact"]:
        problems.append(
            f"{where}.exact: the article text at {start}–{end} is {text[start:end]!r}, not "
            f"the quote {claim['exact']!r}."
        )
