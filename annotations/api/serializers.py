"""Serializers: input shapes (types and sizes only) and output shapes. No business logic here.

Input serializers refuse fields they do not know, naming them, so a typo is a 400 instead of
a silently ignored change. What the input means (roles, anchoring, workflow) is decided by the
services. Output serializers read only what the API querysets pre-join: no per-row queries.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime, tzinfo
from operator import attrgetter
from typing import Any

from django.utils.timezone import get_current_timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.api.filters import MAX_ID
from annotations.exports.formats.fields import CLAIM_ANCHOR, CLAIM_SELECTOR, CLAIM_WORDING
from annotations.models import (
    AnchorState,
    ArticleStatus,
    ClaimStatus,
    Role,
    SourceKind,
    Stance,
)
from annotations.queries import discussion

# Text offsets and ids beyond these are refused at the door instead of reaching the database.
MAX_OFFSET = 2**31 - 1
MAX_SOURCES = 50
MAX_TAGS = 50
IGNORED_FORM_FIELDS = frozenset({"csrfmiddlewaretoken"})


# --- input -------------------------------------------------------------------------------------


class InputSerializer(serializers.Serializer):
    """Refuses unknown fields, naming them and what the endpoint takes."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - IGNORED_FORM_FIELDS)
            if unknown:
                allowed = ", ".join(self.fields)
                raise serializers.ValidationError(
                    {name: [f"Unknown field: this takes {allowed}."] for name in unknown},
                    code="unknown_field",
                )
        return super().to_internal_value(data)


def _text(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    return serializers.CharField(**kwargs)


def _quote(**kwargs: Any) -> serializers.CharField:
    """Quotes and their context keep their white space: it is part of the text."""
    return _text(trim_whitespace=False, **kwargs)


def _offset(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_OFFSET, help_text=help_text
    )


def _public_url(help_text: str) -> serializers.CharField:
    """Checked by the services (http/https only, with a message naming the field)."""
    return serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=2000, help_text=help_text
    )


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_OFFSET,
        help_text="The claim version you read; a stale one is refused with 409.",
    )


class SourceInputSerializer(InputSerializer):
    url = serializers.CharField(max_length=2000, help_text="http:// or https:// address.")
    title = _text(max_length=500)
    publisher = _text(max_length=200)
    excerpt = _text(max_length=20_000)
    stance = serializers.ChoiceField(choices=Stance.choices, required=False)
    accessed_at = serializers.DateField(required=False, allow_null=True)
    archived_url = _text(max_length=2000)


class ArticleImportInputSerializer(InputSerializer):
    team = serializers.SlugField(max_length=60, help_text="Slug of the team to import into.")
    title = _text(max_length=500, help_text="Optional; taken from the text when empty.")
    text = _quote(help_text="Plain text.")
    markdown = _quote(help_text="Markdown text.")
    html = _quote(help_text="An HTML page; its main text is extracted.")
    url = _text(max_length=2000, help_text="A web address to fetch.")
    file = serializers.FileField(
        required=False, help_text="Multipart upload: a .txt, .md or .html file."
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Import a web page even when it does not look like an article (else 422 "
        "`not_an_article` with the reasons and a preview).",
    )


class RevisionInputSerializer(InputSerializer):
    title = _text(max_length=500, help_text="Optional; the current title stays when empty.")
    text = _quote(help_text="Plain text.")
    markdown = _quote(help_text="Markdown text.")
    html = _quote(help_text="An HTML page; its main text is extracted.")
    url = _text(max_length=2000, help_text="A web address to fetch.")
    file = serializers.FileField(
        required=False, help_text="Multipart upload: a .txt, .md or .html file."
    )


# What an article's JSON shows but PATCH cannot change, and where each is changed instead.
ARTICLE_READ_ONLY = {
    "id": "it is fixed",
    "team": "it is fixed",
    "text": "load a new version (POST /revisions/)",
    "blocks": "load a new version (POST /revisions/)",
    "revision": "load a new version (POST /revisions/)",
    "content_hash": "load a new version (POST /revisions/)",
    "source_kind": "load a new version (POST /revisions/)",
    "status": "it follows the claims' workflow",
    "assignees": "use /assignments/",
    "archived": "use /archive/ and /restore/",
    "archived_at": "use /archive/ and /restore/",
    "imported_by": "it is fixed",
    "imported_at": "it is fixed",
    "updated_at": "it is kept by the server",
    "claim_count": "it is counted by the server",
}


class ArticleUpdateInputSerializer(InputSerializer):
    """PATCH an article: only the metadata given changes. Fields the article's JSON shows but
    that are not metadata are refused by name, saying where they change."""

    title = serializers.CharField(max_length=500, help_text="Cannot be empty.")
    url = _text(max_length=2000, help_text="The original address: http:// or https://.")
    publisher = _text(max_length=200)
    author = _text(max_length=300)
    published_at = serializers.DateField(required=False, allow_null=True)
    language = _text(max_length=16, help_text="A language code: en, uk, pt-BR…")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            read_only = set(data) & set(ARTICLE_READ_ONLY)
            if read_only:
                allowed = ", ".join(self.fields)
                unknown = set(data) - set(self.fields) - read_only - IGNORED_FORM_FIELDS
                errors = {name: [f"Unknown field: this takes {allowed}."] for name in unknown}
                errors |= {
                    name: [f"Read-only field: {ARTICLE_READ_ONLY[name]}."] for name in read_only
                }
                raise serializers.ValidationError(dict(sorted(errors.items())), code="read_only")
        return super().to_internal_value(data)


class ArticleArchiveInputSerializer(InputSerializer):
    note = _text(max_length=2000, help_text="Optional: why (kept with the event).")


class ClaimCreateInputSerializer(InputSerializer):
    start = _offset("First code point of the quote (with `end`).")
    end = _offset("Code point after the quote (exclusive).")
    exact = _quote(allow_null=True, help_text="The quote; searched for when offsets are absent.")
    prefix = _quote(max_length=1000, help_text="Text just before the quote.")
    suffix = _quote(max_length=1000, help_text="Text just after the quote.")
    claimant = _text(max_length=300, help_text="Who made the claim.")
    summary = _text(help_text="The claim as checked; the quote when empty.")
    rating = _text(allow_null=True, max_length=60, help_text="Rating slug: your verdict.")
    rationale = _text()
    sources = serializers.ListField(
        child=SourceInputSerializer(), required=False, max_length=MAX_SOURCES
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=MAX_TAGS
    )


class ClaimUpdateInputSerializer(InputSerializer):
    """PATCH: only what is given changes. PUT: claimant, summary and tags are required; the
    position changes only when start/end or exact are given."""

    claimant = serializers.CharField(max_length=300, allow_blank=True)
    summary = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=MAX_TAGS)
    start = _offset("New position: first code point.")
    end = _offset("New position: code point after the quote.")
    exact = _quote(allow_null=True, help_text="New quote.")
    prefix = _quote(max_length=1000)
    suffix = _quote(max_length=1000)
    public_url = _public_url(
        "Where the fact check is published (published claims only, editors); empty clears it."
    )
    version = _version()


class VerdictInputSerializer(InputSerializer):
    rating = serializers.CharField(max_length=60, help_text="Rating slug of the team's scale.")
    rationale = _text()
    version = _version()


class CommentInputSerializer(InputSerializer):
    body = serializers.CharField()
    reply_to = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )


class CommentUpdateInputSerializer(InputSerializer):
    body = serializers.CharField()


class TransitionInputSerializer(InputSerializer):
    to = serializers.ChoiceField(choices=ClaimStatus.choices)
    note = _text(help_text="Why; required when correcting a published claim.")
    final_verdict = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="On approval: the id of the current verdict that becomes final.",
    )
    public_url = _public_url(
        "On publishing: where the fact check is published (http/https). Left out: the "
        "claim's current one or the team's pattern; null or empty: none."
    )
    version = _version()


# --- output ------------------------------------------------------------------------------------


def _username(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"{source}.username", allow_null=True, read_only=True)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class UsernameListField(serializers.Field):
    """The usernames of a prefetched many-to-many relation of users."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return [user.get_username() for user in value.all()]


class TeamSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    role = serializers.ChoiceField(
        choices=Role.choices, source="my_role", help_text="Your role in this team."
    )


class RatingBriefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    colour = serializers.CharField()


class RatingSerializer(RatingBriefSerializer):
    description = serializers.CharField()
    order = serializers.IntegerField()
    active = serializers.BooleanField()


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.SlugField(source="team.slug")
    title = serializers.CharField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    author = serializers.CharField()
    published_at = serializers.DateField(allow_null=True)
    published_at_guessed = serializers.BooleanField(
        help_text="True when the page did not state the date and it was inferred."
    )
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    revision = serializers.IntegerField()
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    assignees = UsernameListField(help_text="Usernames of the people assigned.")
    imported_by = _username("imported_by")
    imported_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    claim_count = serializers.IntegerField()
    archived = serializers.BooleanField(
        source="is_archived", help_text="Archived: out of lists and queues, kept, restorable."
    )
    archived_at = serializers.DateTimeField(allow_null=True)


class ArticleDetailSerializer(ArticleSerializer):
    text = serializers.CharField(help_text="The canonical text every offset refers to.")
    blocks = serializers.ListField(
        child=serializers.DictField(),
        help_text='[{"kind", "start", "end", "level"}]: headings, paragraphs, quotes, list items.',
    )
    links = serializers.ListField(
        child=serializers.DictField(),
        help_text='[{"start", "end", "href"}]: the article\'s hyperlinks over `text` (code '
        "points, end exclusive).",
    )
    content_hash = serializers.CharField()


class ArticleImportResultSerializer(ArticleDetailSerializer):
    created = serializers.BooleanField(help_text="False when the same text was already there.")
    message = serializers.CharField()


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    source_url = serializers.CharField()
    content_hash = serializers.CharField()
    text = serializers.CharField()
    blocks = serializers.ListField(child=serializers.DictField())
    links = serializers.ListField(child=serializers.DictField())
    created_by = _username("created_by")
    created_at = serializers.DateTimeField()


class RevisionResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    message = serializers.CharField()
    revision = RevisionSerializer(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    flagged = serializers.ListField(child=serializers.IntegerField())


# The claim lists are the API's hottest path (50 to 200 claims, each with verdicts and sources):
# the three serializers below build their dicts directly instead of through DRF's per-field
# machinery, several times faster. Their declared fields stay the schema, and
# tests/api/test_serializers.py checks that both ways give the same JSON.


def _iso_datetime(value: datetime | None, zone: tzinfo) -> str | None:
    """What DRF's DateTimeField gives (ISO 8601 in the current time zone, UTC as Z)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _rating(rating: Any) -> dict[str, Any]:
    value = rating.value
    return {
        "slug": rating.slug,
        "label": rating.label,
        "value": None if value is None else float(value),
        "colour": rating.colour,
    }


class VerdictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    rating = RatingBriefSerializer()
    rationale = serializers.CharField()
    is_current = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def to_representation(self, verdict: Any, zone: tzinfo | None = None) -> dict[str, Any]:
        """From a Verdict, or from a row of resources.attach_nested()."""
        zone = zone or get_current_timezone()
        if isinstance(verdict, Mapping):
            value = verdict["rating_value"]
            return {
                "id": verdict["id"],
                "reviewer": verdict["reviewer_username"],
                "rating": {
                    "slug": verdict["rating_slug"],
                    "label": verdict["rating_label"],
                    "value": None if value is None else float(value),
                    "colour": verdict["rating_colour"],
                },
                "rationale": verdict["rationale"],
                "is_current": verdict["is_current"],
                "created_at": _iso_datetime(verdict["created_at"], zone),
            }
        return {
            "id": verdict.id,
            "reviewer": verdict.reviewer.username,
            "rating": _rating(verdict.rating),
            "rationale": verdict.rationale,
            "is_current": verdict.is_current,
            "created_at": _iso_datetime(verdict.created_at, zone),
        }


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    excerpt = serializers.CharField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    accessed_at = serializers.DateField(allow_null=True)
    archived_url = serializers.CharField()

    def to_representation(self, source: Any) -> dict[str, Any]:
        """From a Source, or from a row of resources.attach_nested()."""
        if isinstance(source, Mapping):
            field = source.__getitem__
        else:
            field = functools.partial(getattr, source)
        accessed_at = field("accessed_at")
        return {
            "id": field("id"),
            "url": field("url"),
            "title": field("title"),
            "publisher": field("publisher"),
            "excerpt": field("excerpt"),
            "stance": field("stance"),
            "accessed_at": None if accessed_at is None else accessed_at.isoformat(),
            "archived_url": field("archived_url"),
        }


def _sources(claim: Any) -> Any:
    rows = getattr(claim, "source_rows", None)
    return claim.sources.all() if rows is None else rows


# The claim's own fields as the export lists them: where, how anchored, who said what, status.
_CLAIM_OWN = (*CLAIM_SELECTOR, *CLAIM_ANCHOR, *CLAIM_WORDING)
_claim_own = attrgetter(*_CLAIM_OWN)


class ClaimSerializer(serializers.Serializer):
    """A claim with its current verdicts, final verdict and sources (prefetched)."""

    id = serializers.IntegerField()
    number = serializers.IntegerField(
        help_text="The claim's permanent number in its team, cited as #123; never reused."
    )
    article = serializers.IntegerField(source="article_id")
    start = serializers.IntegerField(allow_null=True, help_text="Code point; null when orphaned.")
    end = serializers.IntegerField(allow_null=True, help_text="Exclusive; null when orphaned.")
    exact = serializers.CharField()
    prefix = serializers.CharField()
    suffix = serializers.CharField()
    anchor = serializers.ChoiceField(choices=AnchorState.choices)
    anchored_revision = serializers.IntegerField()
    claimant = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    tags = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField(help_text="Raised by every change; see ETag/If-Match.")
    created_by = _username("created_by")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    verdicts = VerdictSerializer(
        source="current_verdicts", many=True, help_text="Each reviewer's current verdict."
    )
    final_verdict = VerdictSerializer(allow_null=True, help_text="The approved verdict.")
    correction_note = serializers.CharField(
        read_only=True, help_text="The latest correction's note (empty if never corrected)."
    )
    corrected_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was last corrected, or null."
    )
    public_url = serializers.CharField(
        read_only=True,
        help_text="Where the fact check is published (its ClaimReview url); empty if not given.",
    )
    sources = SourceSerializer(many=True, source="sources.all")

    def to_representation(self, claim: Any) -> dict[str, Any]:
        verdict = self.fields["final_verdict"]
        source = self.fields["sources"].child
        zone = get_current_timezone()
        if hasattr(claim, "created_by_username"):  # annotated by the API's claim queries
            created_by = claim.created_by_username
        else:
            created_by = claim.created_by.username if claim.created_by_id else None
        return {
            "id": claim.id,
            "number": claim.number,
            "article": claim.article_id,
            **dict(zip(_CLAIM_OWN, _claim_own(claim), strict=True)),
            "tags": [str(tag) for tag in claim.tags],
            "version": claim.version,
            "created_by": created_by,
            "created_at": _iso_datetime(claim.created_at, zone),
            "updated_at": _iso_datetime(claim.updated_at, zone),
            "verdicts": [verdict.to_representation(v, zone) for v in claim.current_verdicts],
            "final_verdict": (
                verdict.to_representation(claim.final_verdict, zone)
                if claim.final_verdict_id
                else None
            ),
            "correction_note": claim.correction_note,
            "corrected_at": (
                _iso_datetime(claim.corrected_at, zone) if claim.corrected_at else None
            ),
            "public_url": claim.public_url,
            "sources": [source.to_representation(s) for s in _sources(claim)],
        }


class CommentSerializer(serializers.Serializer):
    """A comment, or the tombstone of a deleted one (body null, deleted true). `mentions` are
    the team members its text names; the view passes them as `members` in the context (one
    query for the whole list)."""

    id = serializers.IntegerField()
    author = _username("author")
    body = serializers.SerializerMethodField(help_text="null once the comment is deleted.")
    reply_to = serializers.IntegerField(source="reply_to_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    edited = serializers.SerializerMethodField(help_text="Changed by its author since posted.")
    deleted = serializers.SerializerMethodField()
    deleted_at = serializers.DateTimeField(allow_null=True)
    removed_by_editor = serializers.SerializerMethodField(
        help_text="Deleted by an editor rather than its author."
    )
    mentions = serializers.SerializerMethodField(help_text="Usernames of mentioned members.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, comment: Any) -> str | None:
        return None if comment.deleted_at is not None else comment.body

    @extend_schema_field(serializers.BooleanField())
    def get_edited(self, comment: Any) -> bool:
        return discussion.is_edited(comment)

    @extend_schema_field(serializers.BooleanField())
    def get_deleted(self, comment: Any) -> bool:
        return comment.deleted_at is not None

    @extend_schema_field(serializers.BooleanField())
    def get_removed_by_editor(self, comment: Any) -> bool:
        return discussion.removed_by_editor(comment)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_mentions(self, comment: Any) -> list[str]:
        if comment.deleted_at is not None:
            return []
        members = self.context.get("members")
        if members is None:
            members = discussion.team_usernames(comment.claim.article.team_id)
        return discussion.mentions_in(comment.body, members)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    actor = _username("actor")
    verb = serializers.CharField(help_text="claim.created, verdict.set, claim.approved, …")
    changes = serializers.DictField(
        child=serializers.ListField(allow_null=True),
        help_text='{"field": [before, after]}',
    )
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
