"""The audit trail as people read it: each Event as a sentence and a list of field changes,
the kinds of change the activity feed filters by, and the team-scoped event queries that the
claim history, the activity feed, its API and the audit export share.

Events store raw values (rating slugs, role and status codes, ISO dates); they are turned into
words here, when shown, so the log itself stays exact. Sentences are plain text: templates
escape them like anything else a person typed. A verb this module does not know still reads
as "<actor> did <verb>" with its field changes, so new kinds of events never break a page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from annotations import verbs
from annotations.lib.text import shorten as text_shorten
from annotations.models import Article, Claim, ClaimStatus, Event, Rating, Role

# Values longer than this are shortened in the sentence and the change list; the full value
# stays available next to them (a <details> on the pages).
SHORT_LENGTH = 80
NOBODY = "command line"  # events recorded without a user: management commands and imports


# --- kinds of change (the activity feed's filter) -----------------------------------------------

# kind -> (label, verb prefixes). Assignments are matched before claims and articles.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "claims": ("Claims", ("claim.",)),
    "verdicts": ("Verdicts", ("verdict.",)),
    "sources": ("Sources", ("source.",)),
    "comments": ("Comments", ("comment.",)),
    "assignments": ("Assignments", ("assignment.",)),
    "articles": ("Articles", ("article.",)),
    "members": ("Members and invitations", ("member.", "membership.", "invite.", "team.")),
    "scale": ("Rating scale", ("rating.", "scale.")),
}
KIND_CHOICES = [(kind, label) for kind, (label, _) in KINDS.items()]


def kind_of(verb: str) -> str:
    """The kind of change a verb belongs to ("" when none fits)."""
    if verb in verbs.ASSIGNMENT_VERBS:
        return "assignments"
    for kind, (_label, prefixes) in KINDS.items():
        if verb.startswith(prefixes):
            return kind
    return ""


def kind_q(kind: str) -> Q:
    """A filter on Event.verb selecting one kind of change."""
    _label, prefixes = KINDS[kind]
    condition = Q()
    for prefix in prefixes:
        condition |= Q(verb__startswith=prefix)
    if kind == "assignments":
        condition |= Q(verb__in=verbs.ASSIGNMENT_VERBS)
    elif kind in ("claims", "articles"):
        condition &= ~Q(verb__in=verbs.ASSIGNMENT_VERBS)
    return condition


# --- team-scoped event queries ------------------------------------------------------------------


def team_events(team_id: int) -> QuerySet[Event]:
    """A team's events, newest first, with the actor and the article's title joined in.

    The claim is not joined: a deleted claim's events keep its id, and the pages link to its
    history by id, which works whether or not the claim still exists.
    """
    return (
        Event.objects.filter(team_id=team_id)
        .select_related("actor", "article")
        .only(
            "id",
            "team_id",
            "article_id",
            "claim_id",
            "verb",
            "changes",
            "note",
            "created_at",
            "actor__id",
            "actor__username",
            "article__id",
            "article__title",
        )
        .order_by("-id")
    )


_FIRST_DAY = date.min + timedelta(days=1)


_LAST_DAY = date.max - timedelta(days=1)


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def about_article(events: QuerySet[Event], article_id: int) -> QuerySet[Event]:
    """The events of one article, a deleted one's included.

    Filtering on `article_id` directly would turn the LEFT JOIN that team_events' select_related
    makes into an INNER JOIN, dropping every event of a deleted article; an alias of the column
    keeps the join as it is.
    """
    return events.alias(about_article=F("article_id")).filter(about_article=article_id)


def filter_events(
    events: QuerySet[Event],
    *,
    actor: Any = None,
    article: Any = None,
    claim: Any = None,
    kind: str = "",
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> QuerySet[Event]:
    """Narrow a team's events. Dates are whole days (`until` included); date-times are exact
    (`until` excluded)."""
    if actor is not None:
        events = events.filter(actor=actor)
    if article is not None:
        events = about_article(events, getattr(article, "pk", article))
    if claim is not None:
        events = events.filter(claim_id=getattr(claim, "pk", claim))
    if kind:
        events = events.filter(kind_q(kind))
    # The first and last days a date can name bound nothing (and would overflow in UTC).
    if since is not None and not (type(since) is date and since <= _FIRST_DAY):
        start = since if isinstance(since, datetime) else day_start(since)
        events = events.filter(created_at__gte=start)
    if until is not None:
        if isinstance(until, datetime):
            events = events.filter(created_at__lt=until)
        elif until < _LAST_DAY:
            events = events.filter(created_at__lt=day_start(until + timedelta(days=1)))
    return events


@dataclass
class KeysetPage:
    """One page of events, newest first, and the id to continue from for older ones."""

    items: list[Any]
    older_than: int | None  # pass as ?before= to get the next (older) page
    is_first: bool


def keyset_page(events: QuerySet[Event], *, before: int | None, size: int) -> KeysetPage:
    """Page by id rather than by offset: a page costs the same however deep it is, and events
    recorded meanwhile never shift a row onto the next page twice."""
    if before is not None:
        events = events.filter(id__lt=before)
    rows = list(events.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        items=rows, older_than=rows[-1].id if more and rows else None, is_first=before is None
    )


def parse_before(value: str | None) -> int | None:
    """The `before` parameter of a keyset page; anything that is not a sensible id is ignored."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


# --- sentences ----------------------------------------------------------------------------------


@dataclass
class Value:
    """A value as shown: `short` in the line, `full` when it had to be shortened."""

    short: str
    full: str = ""

    @property
    def shortened(self) -> bool:
        return bool(self.full)

    def __str__(self) -> str:
        return self.short


@dataclass
class FieldChange:
    field: str
    label: str
    before: Value | None  # None: there was no value before (created)
    after: Value | None  # None: no value after (removed)


@dataclass
class EventView:
    """What the history and activity pages show about one Event."""

    event: Event
    actor: str
    sentence: str
    changes: list[FieldChange] = field(default_factory=list)
    note: str = ""
    note_label: str = ""
    highlight: bool = False  # corrections and send-backs: their note is the point
    claim_number: int | None = None  # the claim's #number, when the page looked it up

    @property
    def id(self) -> int:
        return self.event.pk

    @property
    def created_at(self) -> datetime:
        return self.event.created_at

    @property
    def verb(self) -> str:
        return self.event.verb

    @property
    def kind(self) -> str:
        return kind_of(self.event.verb)


# A claim's place in the text as the selectors store it (code-point offsets and the context
# around the quote): the history says in words where the quote went instead of showing them.
POSITION_FIELDS = frozenset({"start", "end", "prefix", "suffix"})

FIELD_LABELS = {
    "summary": "claim",
    "exact": "quote",
    "rating": "verdict",
    "final_verdict": "final verdict",
    "url": "address",
    "archived_url": "archived copy",
    "accessed_at": "accessed on",
    "due_on": "due date",
    "anchored_revision": "anchored to revision",
    "created_by": "created by",
    "final_verdict_reviewer": "approved reviewer",
    "users_created": "users created",
    "published_at": "published date",
    "number": "claim number",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def shorten(text: str, limit: int = SHORT_LENGTH) -> Value:
    """A short text as it is; a long one with its spaces collapsed, cut if still too long
    (and then with the whole collapsed text kept as `full`)."""
    if len(text) <= limit:
        return Value(text)
    collapsed = " ".join(text.split())
    short = text_shorten(collapsed, limit)
    return Value(short) if short == collapsed else Value(short, collapsed)


def format_day(value: Any) -> str:
    """'3 Dec' this year, '3 Dec 2027' another year; anything unparsable as it is."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, date):
        return str(value)
    text = f"{value.day} {value:%b}"
    return text if value.year == timezone.localdate().year else f"{text} {value.year}"


class Describer:
    """Words for raw values: rating slugs become their labels (one query for all the teams
    of a page of events), statuses and roles their names."""

    def __init__(self, ratings: Mapping[int, Mapping[str, str]] | None = None) -> None:
        self.ratings = ratings or {}

    @classmethod
    def for_events(cls, events: Iterable[Event]) -> Describer:
        team_ids = {event.team_id for event in events}
        labels: dict[int, dict[str, str]] = {team_id: {} for team_id in team_ids}
        if team_ids:
            for team_id, slug, label in Rating.objects.filter(team_id__in=team_ids).values_list(
                "team_id", "slug", "label"
            ):
                labels[team_id][slug] = label
        return cls(labels)

    def rating(self, event: Event, slug: Any) -> str:
        if slug in (None, ""):
            return "none"
        return self.ratings.get(event.team_id, {}).get(str(slug), str(slug))

    def text(self, event: Event, name: str, value: Any) -> str:
        """A value of field `name` as words (not yet shortened)."""
        if value is None:
            return "—"
        if name in ("rating", "final_verdict"):
            return self.rating(event, value)
        if name == "status" and value in ClaimStatus.values:
            return ClaimStatus(value).label.lower()
        if name == "role" and value in Role.values:
            return Role(value).label.lower()
        if name in ("due_on", "accessed_at", "expires_at"):
            return format_day(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
            return ", ".join(str(item) for item in value) or "none"
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def value(self, event: Event, name: str, value: Any) -> Value:
        return shorten(self.text(event, name, value))

    def changes(self, event: Event) -> list[FieldChange]:
        rows = []
        for name, pair in (event.changes or {}).items():
            before, after = _pair(pair)
            if before in (None, "") and after in (None, ""):
                continue  # an empty field that stayed empty (a verdict without rationale)
            if name in POSITION_FIELDS:
                continue  # offsets and context: the sentence says where the quote went
            rows.append(
                FieldChange(
                    field=name,
                    label=field_label(name),
                    before=None if before is None else self.value(event, name, before),
                    after=None if after is None else self.value(event, name, after),
                )
            )
        return rows

    def describe(self, event: Event) -> EventView:
        actor = actor_name(event)
        sentence_for = SENTENCES.get(event.verb)
        phrase = sentence_for(Context(event, self)) if sentence_for else None
        if not phrase:
            phrase = f"did {event.verb}"
        note = event.note or ""
        highlight = event.verb in HIGHLIGHTED and bool(note)
        return EventView(
            event=event,
            actor=actor,
            sentence=f"{actor} {phrase}",
            changes=self.changes(event),
            note=note,
            note_label=NOTE_LABELS.get(event.verb, "Note") if note else "",
            highlight=highlight,
        )


def _pair(pair: Any) -> tuple[Any, Any]:
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return pair[0], pair[1]
    return None, pair


def actor_name(event: Event) -> str:
    return event.actor.get_username() if event.actor_id and event.actor else NOBODY


def claim_numbers(claim_ids: Iterable[int]) -> dict[int, int]:
    """Each claim's number in its team (#123), for claims that exist and, from their deletion
    Event, for deleted ones. Two queries at most, whatever the number of claims."""
    wanted = {claim_id for claim_id in claim_ids if claim_id}
    if not wanted:
        return {}
    numbers = dict(Claim.objects.filter(pk__in=wanted).values_list("pk", "number"))
    missing = wanted - set(numbers)
    if missing:
        deletions = Event.objects.filter(claim_id__in=missing, verb=verbs.CLAIM_DELETED)
        for claim_id, changes in deletions.values_list("claim_id", "changes"):
            value = _pair((changes or {}).get("number"))[0]
            if isinstance(value, int):
                numbers.setdefault(claim_id, value)
    return numbers


def present(events: Iterable[Event]) -> list[EventView]:
    """EventViews for a page of events: one query for the rating labels, none per event."""
    events = list(events)
    describer = Describer.for_events(events)
    return [describer.describe(event) for event in events]


class Context:
    """What a sentence function reads: the event's values, already in words."""

    def __init__(self, event: Event, describer: Describer) -> None:
        self.event = event
        self.describer = describer
        self.changes = event.changes or {}

    def has(self, name: str) -> bool:
        return name in self.changes

    def before(self, name: str) -> Any:
        return _pair(self.changes.get(name))[0]

    def after(self, name: str) -> Any:
        return _pair(self.changes.get(name))[1]

    def current(self, name: str) -> Any:
        """The value after the change, or before it when it was removed."""
        after = self.after(name)
        return after if after is not None else self.before(name)

    def words(self, name: str, value: Any) -> str:
        return self.describer.value(self.event, name, value).short

    def user(self) -> str:
        for name in ("user", "member", "assignee", "username", "reviewer"):
            value = self.current(name)
            if value not in (None, ""):
                return str(value)
        return "someone"

    def thing(self) -> str:
        return "the claim" if self.event.verb.startswith("claim.") else "the article"

    def rating_label(self) -> str:
        """The rating a scale event is about: its label, else its slug's label."""
        label = self.current("label")
        if label:
            return shorten(str(label)).short
        slug = self.current("slug") or self.current("rating")
        if slug:
            return self.words("rating", slug)
        return "a rating"


def _quoted(value: Value | str) -> str:
    return f"“{value}”"


def _claim_created(c: Context) -> str:
    summary = c.after("summary") or c.after("exact")
    return f"added the claim {_quoted(c.words('summary', summary))}" if summary else "added a claim"


def _claim_updated(c: Context) -> str:
    names = list(c.changes)
    if len(names) == 1 and names[0] in ("claimant", "summary", "tags"):
        name = names[0]
        return (
            f"changed the {field_label(name)} from {_quoted(c.words(name, c.before(name)))} "
            f"to {_quoted(c.words(name, c.after(name)))}"
        )
    if names and set(names) <= {"start", "end", "exact", "prefix", "suffix", "anchor"} | {
        "anchored_revision"
    }:
        where = _where(c)
        return f"moved the quote {where}" if where else "moved the claim in the text"
    return "edited the claim"


def _where(c: Context) -> str:
    """Where a claim's quote went, in words: to its new wording, or earlier or later in the
    text when the words stayed the same; "" when the event does not say."""
    if (
        c.has("exact")
        and c.after("exact") not in (None, "")
        and c.after("exact") != c.before("exact")
    ):
        return f"to {_quoted(c.words('exact', c.after('exact')))}"
    before, after = c.before("start"), c.after("start")
    if isinstance(before, int) and isinstance(after, int) and before != after:
        return "later in the text" if after > before else "earlier in the text"
    if before is not None and after is None and c.has("start"):
        return "out of the text (its quote was not found)"
    return ""


def _placed(action: str) -> Callable[[Context], str]:
    """A claim placed on a new revision (or re-attached, or its match confirmed)."""

    def sentence(c: Context) -> str:
        where = _where(c)
        return f"{action}, moving the quote {where}" if where else action

    return sentence


def _transition(action: str) -> Callable[[Context], str]:
    def sentence(c: Context) -> str:
        text = action
        if c.has("final_verdict") and c.after("final_verdict"):
            text += f" with the verdict {c.words('rating', c.after('final_verdict'))}"
        note = c.event.note.strip()
        return f"{text}: {shorten(note).short}" if note else text

    return sentence


def _sent_back(c: Context) -> str:
    target = c.after("status")
    text = "sent the claim back"
    if target:
        text += f" to {c.words('status', target)}"
    note = c.event.note.strip()
    return f"{text}: {shorten(note).short}" if note else text


def _verdict_set(c: Context) -> str:
    before, after = c.before("rating"), c.after("rating")
    if before is None:
        return f"gave the verdict {c.words('rating', after)}"
    if before != after:
        return f"changed the verdict from {c.words('rating', before)} to {c.words('rating', after)}"
    return f"changed the rationale of the verdict {c.words('rating', after)}"


def _source(action: str) -> Callable[[Context], str]:
    def sentence(c: Context) -> str:
        url = c.current("url")
        return f"{action} {c.words('url', url)}" if url else f"{action.split(' ')[0]} a source"

    return sentence


def _comment_added(c: Context) -> str:
    body = c.after("body")
    verb = "replied" if c.has("reply_to") and c.after("reply_to") else "commented"
    return f"{verb}: {_quoted(c.words('body', body))}" if body else verb


def _comment_deleted(c: Context) -> str:
    author = c.current("author")
    if author and str(author) != actor_name(c.event):
        return f"removed a comment by {author}"
    if "removed by an editor" in (c.event.note or "").lower():
        return "removed a comment as an editor"
    return "deleted a comment"


def _member_added(c: Context) -> str:
    role = c.after("role")
    return f"added {c.user()} as {c.words('role', role)}" if role else f"added {c.user()}"


def _member_role(c: Context) -> str:
    return (
        f"changed {c.user()}’s role from {c.words('role', c.before('role'))} "
        f"to {c.words('role', c.after('role'))}"
    )


def _member_removed(c: Context) -> str:
    return f"removed {c.user()} from the team"


def _member_changed(c: Context) -> str:
    if c.has("role") and c.before("role") is None:
        return _member_added(c)
    if c.has("role") and c.after("role") is None:
        return _member_removed(c)
    if c.has("role"):
        return _member_role(c)
    return f"changed {c.user()}’s membership"


def _invite_created(c: Context) -> str:
    role = c.current("role")
    return f"created an invitation as {c.words('role', role)}" if role else "created an invitation"


def _invite_used(c: Context) -> str:
    role = c.current("role")
    return (
        f"joined the team as {c.words('role', role)} with an invitation"
        if role
        else ("joined the team with an invitation")
    )


def _rating_updated(c: Context) -> str:
    if c.has("active"):
        return (
            "brought back" if c.after("active") else "retired"
        ) + f" the rating {c.rating_label()}"
    if c.has("label") and c.before("label") and c.after("label"):
        return (
            f"renamed the rating {_quoted(shorten(str(c.before('label'))).short)} "
            f"to {_quoted(shorten(str(c.after('label'))).short)}"
        )
    return f"changed the rating {c.rating_label()}"


def _assigned(c: Context) -> str:
    text = f"assigned {c.thing()} to {c.user()}"
    due = c.after("due_on")
    return f"{text} (due {format_day(due)})" if due else text


def _unassigned(c: Context) -> str:
    return f"took {c.thing()} off {c.user()}’s list"


def _due_changed(c: Context) -> str:
    due = c.after("due_on")
    when = f"to {format_day(due)}" if due else "away (no due date now)"
    return f"moved {c.user()}’s due date for {c.thing()} {when}"


def _assignment_removed(c: Context) -> str:
    thing = "the claim" if c.event.claim_id else "the article"
    return f"took {thing} off {c.user()}’s list"


def _team_created(c: Context) -> str:
    name = c.after("name")
    return f"created the team {shorten(str(name)).short}" if name else "created the team"


def _team_updated(c: Context) -> str:
    if c.has("name") and c.before("name") and c.after("name"):
        return (
            f"renamed the team from {_quoted(shorten(str(c.before('name'))).short)} "
            f"to {_quoted(shorten(str(c.after('name'))).short)}"
        )
    return "changed the team's settings"


def _public_url_changed(c: Context) -> str:
    before, after = c.before("public_url"), c.after("public_url")
    if not after:
        return "removed the claim's public URL"
    if not before:
        return f"set the claim's public URL to {after}"
    return f"changed the claim's public URL from {before} to {after}"


def _publishing_changed(c: Context) -> str:
    labels = {
        "organisation_name": "organisation name",
        "site_url": "site URL",
        "logo_url": "logo URL",
        "public_url_pattern": "public URL pattern",
    }
    changed = [label for field, label in labels.items() if c.has(field)]
    return "changed the publishing settings (" + ", ".join(changed) + ")"


def _fixed(text: str) -> Callable[[Context], str]:
    return lambda c: text


def _article_imported(c: Context) -> str:
    title = c.event.article.title if c.event.article_id and c.event.article else ""
    return (
        f"imported the article {_quoted(shorten(title).short)}"
        if title
        else ("imported an article")
    )


def _article_title(c: Context) -> str:
    """The article's title: from the event (a deleted article's), else the article itself."""
    title = c.current("title") if c.event.verb == verbs.ARTICLE_DELETED else None
    if not title and c.event.article_id and c.event.article:
        title = c.event.article.title
    return _quoted(shorten(str(title)).short) if title else ""


# The article's details in the order its page lists them (PostgreSQL's jsonb keeps no order).
ARTICLE_FIELD_ORDER = ("title", "url", "publisher", "author", "published_at", "language")


def _article_updated(c: Context) -> str:
    order = {name: index for index, name in enumerate(ARTICLE_FIELD_ORDER)}
    names = [field_label(name) for name in sorted(c.changes, key=lambda n: order.get(n, 99))]
    if len(c.changes) == 1:
        (name,) = c.changes
        before, after = c.before(name), c.after(name)
        what = f"the article's {field_label(name)}"
        if before in (None, ""):
            return f"set {what} to {_quoted(c.words(name, after))}"
        if after in (None, ""):
            return f"cleared {what} (it was {_quoted(c.words(name, before))})"
        return (
            f"changed {what} from {_quoted(c.words(name, before))} "
            f"to {_quoted(c.words(name, after))}"
        )
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if names else "details"
    return f"changed the article's {listed}"


def _article_deleted(c: Context) -> str:
    title = _article_title(c)
    counts = [
        f"{c.before(name)} {name if c.before(name) != 1 else name[:-1]}"
        for name in ("claims", "verdicts", "sources", "comments", "revisions", "assignments")
        if c.before(name)
    ]
    text = f"deleted the article {title}".rstrip() + " for good"
    return f"{text}, with {', '.join(counts)}" if counts else text


def _team_imported(c: Context) -> str:
    articles, claims = c.after("articles"), c.after("claims")
    if articles is None:
        return "imported a team export"
    return f"imported a team export ({articles} articles, {claims or 0} claims)"


SENTENCES: dict[str, Callable[[Context], str]] = {
    # claims and the workflow
    verbs.CLAIM_CREATED: _claim_created,
    verbs.CLAIM_UPDATED: _claim_updated,
    verbs.CLAIM_DELETED: _fixed("deleted the claim"),
    verbs.CLAIM_RESTORED: _fixed("restored the deleted claim"),
    verbs.CLAIM_SUBMITTED: _transition("submitted the claim for review"),
    verbs.CLAIM_APPROVED: _transition("approved the claim"),
    verbs.CLAIM_PUBLISHED: _transition("published the claim"),
    verbs.CLAIM_SENT_BACK: _sent_back,
    verbs.CLAIM_CORRECTED: _transition("corrected the published claim"),
    verbs.CLAIM_REOPENED: _transition("reopened the claim"),
    verbs.CLAIM_REANCHORED: _placed("placed the claim on the new revision"),
    verbs.CLAIM_MOVED: _placed("flagged the published claim for an editor after a new revision"),
    verbs.CLAIM_ANCHOR_CONFIRMED: _placed("confirmed the claim's new position"),
    verbs.CLAIM_REATTACHED: _placed("re-attached the claim to the text"),
    verbs.CLAIM_ASSIGNED: _assigned,
    verbs.CLAIM_UNASSIGNED: _unassigned,
    verbs.CLAIM_DUE_CHANGED: _due_changed,
    verbs.CLAIM_WITHDRAWN: _transition("took the claim back to draft"),
    verbs.CLAIM_PUBLIC_URL_CHANGED: _public_url_changed,
    # verdicts and sources
    verbs.VERDICT_SET: _verdict_set,
    verbs.VERDICT_WITHDRAWN: lambda c: (
        f"withdrew the verdict {c.words('rating', c.before('rating'))}"
    ),
    verbs.SOURCE_ADDED: _source("added a source"),
    verbs.SOURCE_REMOVED: _source("removed the source"),
    # comments
    verbs.COMMENT_ADDED: _comment_added,
    verbs.COMMENT_CREATED: _comment_added,
    verbs.COMMENT_REPLIED: _comment_added,
    verbs.COMMENT_UPDATED: _fixed("edited a comment"),
    verbs.COMMENT_EDITED: _fixed("edited a comment"),
    verbs.COMMENT_DELETED: _comment_deleted,
    verbs.COMMENT_REMOVED: _comment_deleted,
    verbs.COMMENT_MODERATED: _comment_deleted,
    # articles and assignments
    verbs.ARTICLE_IMPORTED: _article_imported,
    verbs.ARTICLE_REVISED: _fixed("loaded a new version of the article"),
    verbs.ARTICLE_UPDATED: _article_updated,
    verbs.ARTICLE_ARCHIVED: lambda c: f"archived the article {_article_title(c)}".rstrip(),
    verbs.ARTICLE_RESTORED: lambda c: f"restored the archived article {_article_title(c)}".rstrip(),
    verbs.ARTICLE_DELETED: _article_deleted,
    verbs.ARTICLE_ASSIGNED: _assigned,
    verbs.ARTICLE_UNASSIGNED: _unassigned,
    verbs.ARTICLE_DUE_CHANGED: _due_changed,
    verbs.ASSIGNMENT_REMOVED: _assignment_removed,
    # the team, members and invitations
    verbs.TEAM_CREATED: _team_created,
    verbs.TEAM_UPDATED: _team_updated,
    verbs.TEAM_RENAMED: _team_updated,
    verbs.TEAM_IMPORTED: _team_imported,
    verbs.TEAM_PUBLISHING_CHANGED: _publishing_changed,
    verbs.MEMBER_ADDED: _member_added,
    verbs.MEMBER_ROLE_CHANGED: _member_role,
    verbs.MEMBER_REMOVED: _member_removed,
    verbs.MEMBER_JOINED: _invite_used,
    verbs.MEMBERSHIP_ADDED: _member_added,
    verbs.MEMBERSHIP_CREATED: _member_added,
    verbs.MEMBERSHIP_ROLE_CHANGED: _member_role,
    verbs.MEMBERSHIP_CHANGED: _member_changed,
    verbs.MEMBERSHIP_UPDATED: _member_changed,
    verbs.MEMBERSHIP_REMOVED: _member_removed,
    verbs.MEMBERSHIP_DELETED: _member_removed,
    verbs.INVITE_CREATED: _invite_created,
    verbs.INVITE_USED: _invite_used,
    verbs.INVITE_ACCEPTED: _invite_used,
    verbs.INVITE_REVOKED: _fixed("revoked an invitation"),
    # the rating scale
    verbs.RATING_CREATED: lambda c: f"added the rating {c.rating_label()}",
    verbs.RATING_ADDED: lambda c: f"added the rating {c.rating_label()}",
    verbs.RATING_UPDATED: _rating_updated,
    verbs.RATING_CHANGED: _rating_updated,
    verbs.RATING_RETIRED: lambda c: f"retired the rating {c.rating_label()}",
    verbs.RATING_RESTORED: lambda c: f"brought back the rating {c.rating_label()}",
    verbs.RATING_REACTIVATED: lambda c: f"brought back the rating {c.rating_label()}",
    verbs.RATING_DELETED: lambda c: f"deleted the unused rating {c.rating_label()}",
    verbs.RATING_REORDERED: _fixed("reordered the rating scale"),
    verbs.SCALE_REORDERED: _fixed("reordered the rating scale"),
}

# Events whose note is what matters: shown highlighted, under these labels.
HIGHLIGHTED = frozenset({verbs.CLAIM_CORRECTED, verbs.CLAIM_SENT_BACK, verbs.CLAIM_REOPENED})
NOTE_LABELS = {
    verbs.CLAIM_CORRECTED: "Correction note",
    verbs.CLAIM_SENT_BACK: "Why it was sent back",
    verbs.CLAIM_REOPENED: "Correction note",
    verbs.CLAIM_RESTORED: "Restored",
    verbs.ARTICLE_REVISED: "Revision",
}


def describe(event: Event, ratings: Mapping[int, Mapping[str, str]] | None = None) -> EventView:
    """One event in words (rating slugs stay slugs unless `ratings` names them)."""
    return Describer(ratings).describe(event)


def latest_event_id(article: Article | int) -> int:
    """The newest Event id of an article (0 when it has none): where a new page's stream starts."""
    article_id = article.pk if isinstance(article, Article) else article
    newest = (
        Event.objects.filter(article_id=article_id).order_by("-id").values_list("id", flat=True)
    )
    return newest.first() or 0
