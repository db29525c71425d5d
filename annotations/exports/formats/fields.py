"""The field tables of our JSON export: one per kind of object, read by both directions.

A table lists an object's keys in the order the export writes them. Each key says which
attribute of the model it carries, what kind of value it is (which decides how it is written
and read back) and what the file may hold there (a JSON Schema). The export (ourjson.py) writes
every key of a table; the import (services/team_import.py) validates the file against the
schemas and builds each model from the same keys; so a new model field that should travel is
one line in one table.

Kinds, and what each direction does with them:

    VALUE   written and read back as it is
    NUMBER  a Decimal written as a JSON number (5, 4.5); read back as it is
    LIST    any sequence written as a list; read back as it is
    WHEN    a date or datetime written in ISO 8601; parsed back
    PERSON  a user written as their username; read back as the user of that name
    LINKS   hyperlink spans written as they are; checked against the text when read back
    REF     an id that other objects of the file refer to; not stored by the import
    OWN     written and read by hand on each side (nested objects, references by slug...)

`optional` keys may be missing from older files; the import then uses `default`.

Pure: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(Enum):
    VALUE = "value"
    NUMBER = "number"
    LIST = "list"
    WHEN = "when"
    PERSON = "person"
    LINKS = "links"
    REF = "ref"
    OWN = "own"


@dataclass(frozen=True)
class Field:
    key: str
    schema: dict[str, Any]
    kind: Kind = Kind.VALUE
    # The model attribute, when it is not the key.
    attr: str = ""
    optional: bool = False
    default: Any = None
    # Filled in from `attr` or `key`.
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.attr or self.key)


Table = tuple[Field, ...]


def object_schema(table: Table) -> dict[str, Any]:
    """A JSON Schema object with exactly the table's keys (unknown keys are refused)."""
    return schema_object(
        {item.key: item.schema for item in table},
        optional=tuple(item.key for item in table if item.optional),
    )


def schema_object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON Schema object with exactly these properties (unknown keys are refused)."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def array_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": schema}


STR = {"type": "string"}
NON_EMPTY = {"type": "string", "minLength": 1}
STR_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}
POSITIVE = {"type": "integer", "minimum": 1}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
ID = {"type": "integer"}
BLOCKS = array_of({"type": "object"})
# An article's (or a revision's) hyperlinks; their ranges and addresses are checked on import.
LINKS = array_of(
    schema_object(
        {
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 1},
            "href": NON_EMPTY,
        }
    )
)
# A reference to another object of the file by its id: {"id": ..., anything else}.
ID_REFERENCE = {"type": "object", "properties": {"id": ID}, "required": ["id"]}


RATING: Table = (
    Field("slug", NON_EMPTY),
    Field("label", NON_EMPTY),
    Field("description", STR),
    Field("order", {"type": "integer", "minimum": 0}),
    Field("value", {"type": ["number", "null"]}, Kind.NUMBER),
    Field("colour", STR),
    Field("active", BOOLEAN),
)

VERDICT: Table = (
    Field("id", ID, Kind.REF, attr="pk"),
    Field("reviewer", NON_EMPTY, Kind.PERSON),
    # {"slug", "label", "value"} of one of the file's ratings, found again by its slug.
    Field(
        "rating",
        {"type": "object", "properties": {"slug": NON_EMPTY}, "required": ["slug"]},
        Kind.OWN,
    ),
    Field("rationale", STR),
    Field("current", BOOLEAN, attr="is_current"),
    Field("created_at", DATETIME, Kind.WHEN),
)

SOURCE: Table = (
    Field("url", STR),
    Field("title", STR),
    Field("publisher", STR),
    Field("excerpt", STR),
    Field("stance", STR),
    Field("accessed_at", DATE_OR_NULL, Kind.WHEN),
    Field("archived_url", STR),
    Field("added_by", STR_OR_NULL, Kind.PERSON),
    Field("created_at", DATETIME, Kind.WHEN),
)

# A deleted comment is a tombstone: its body is not exported, and it names who deleted it.
COMMENT: Table = (
    Field("id", ID, Kind.REF, attr="pk"),
    Field("author", STR_OR_NULL, Kind.PERSON),
    Field("body", STR),
    Field("reply_to", {"type": ["integer", "null"]}, Kind.REF, attr="reply_to_id"),
    Field("created_at", DATETIME, Kind.WHEN),
    Field("updated_at", DATETIME, Kind.WHEN),
    # Tombstones (files written before them have neither).
    Field("deleted_at", DATETIME_OR_NULL, Kind.WHEN, optional=True),
    Field("deleted_by", STR_OR_NULL, Kind.PERSON, optional=True),
)

REVISION: Table = (
    Field("number", POSITIVE),
    Field("title", STR),
    Field("text", STR),
    Field("blocks", BLOCKS),
    Field("links", LINKS, Kind.LINKS, optional=True),
    Field("source_kind", STR),
    Field("source_url", STR),
    Field("created_by", STR_OR_NULL, Kind.PERSON),
    Field("created_at", DATETIME, Kind.WHEN),
)

ARTICLE: Table = (
    Field("id", ID, Kind.REF, attr="pk"),
    Field("title", STR),
    Field("url", STR),
    Field("publisher", STR),
    Field("author", STR),
    Field("published_at", DATE_OR_NULL, Kind.WHEN),
    # Exports made before these existed do not have them (nor "links" and "archived_at").
    Field("published_at_guessed", BOOLEAN, optional=True, default=False),
    Field("language", STR),
    Field("text", NON_EMPTY),
    Field("blocks", BLOCKS),
    Field("links", LINKS, Kind.LINKS, optional=True),
    Field("revision", POSITIVE),
    Field("status", STR),
    Field("source_kind", STR),
    Field("imported_by", STR_OR_NULL, Kind.PERSON),
    Field("imported_at", DATETIME, Kind.WHEN),
    Field("updated_at", DATETIME, Kind.WHEN),
    Field("assignees", array_of(STR), Kind.OWN),
    Field("revisions", array_of(object_schema(REVISION)), Kind.OWN),
    Field("archived_at", DATETIME_OR_NULL, Kind.WHEN, optional=True),
)

# The claim's own fields, in the order every representation of a claim lists them (this
# export and its rows in exports/claims.py, the API's claims, the snapshot a deletion keeps):
# where the quote is, how it is anchored, who said what and where it stands.
CLAIM_SELECTOR = ("start", "end", "exact", "prefix", "suffix")
CLAIM_ANCHOR = ("anchor", "anchored_revision")
CLAIM_WORDING = ("claimant", "summary", "status")
_CLAIM_SCHEMAS = {
    "start": INT_OR_NULL,
    "end": INT_OR_NULL,
    "exact": NON_EMPTY,
    "prefix": STR,
    "suffix": STR,
    "anchor": STR,
    "anchored_revision": POSITIVE,
    "claimant": STR,
    "summary": STR,
    "status": STR,
}

CLAIM: Table = (
    Field("id", ID, Kind.REF, attr="pk"),
    # The claim's permanent number in its team; files from before numbers lack it, and their
    # claims are numbered in the order they were created.
    Field("number", POSITIVE, optional=True),
    # {"id", "title", "url"} of the claim's article.
    Field("article", ID_REFERENCE, Kind.OWN),
    *(
        Field(name, _CLAIM_SCHEMAS[name])
        for name in (*CLAIM_SELECTOR, *CLAIM_ANCHOR, *CLAIM_WORDING)
    ),
    Field("tags", array_of(STR), Kind.LIST),
    Field("version", POSITIVE),
    Field("created_by", STR_OR_NULL, Kind.PERSON),
    Field("created_at", DATETIME, Kind.WHEN),
    Field("updated_at", DATETIME, Kind.WHEN),
    Field("assignees", array_of(STR), Kind.OWN),
    Field("verdicts", array_of(object_schema(VERDICT)), Kind.OWN),
    Field("final_verdict", {"oneOf": [{"type": "null"}, ID_REFERENCE]}, Kind.OWN),
    # The latest correction of a published claim ({"note", "at"}) or null. Optional: files
    # written before corrections were exported lack it.
    Field(
        "correction",
        {
            "oneOf": [
                {"type": "null"},
                schema_object({"note": NON_EMPTY, "at": DATETIME}),
            ]
        },
        Kind.OWN,
        optional=True,
    ),
    # Optional too: files written before public URLs lack it.
    Field("public_url", STR, optional=True, default=""),
    Field("sources", array_of(object_schema(SOURCE)), Kind.OWN),
    Field("comments", array_of(object_schema(COMMENT)), Kind.OWN),
)
