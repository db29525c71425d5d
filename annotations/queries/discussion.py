"""Reading a claim's discussion: its threads (tombstones keep replies in place), @mentions and
#claim references turned into links, and who is mentioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotations import policies
from annotations.models import Comment, Membership

# Stored in place of a deleted comment's text: the database refuses an empty body, and the
# text itself lives on only in the comment.deleted Event. Never shown.
TOMBSTONE_BODY = "(deleted)"


# Replies are indented one level per depth up to this; deeper ones stay at the last level.
MAX_DEPTH = 3


MENTION_EXCERPT = 140


CLAIM_EXCERPT = 80


# An @ that does not follow a word character (so a@b.com is no mention), then a username
# (letters, digits and . + - _) ending in a letter or digit: "@editor." and "@editor," name
# "editor".
MENTION = re.compile(r"(?<![\w.+\-@])@([\w.+\-]*\w)")


# A claim cited by its number in the team ("see #12"), linked to its permalink. Not inside a
# word or an HTML entity (the text is escaped first).
CLAIM_REFERENCE = re.compile(r"(?<![\w&#/])#([1-9][0-9]{0,8})\b")


# --- mentions -------------------------------------------------------------------------------


def mentioned_names(body: str) -> list[str]:
    """The @names in a text, lower-cased, in order, each once."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body or ""):
        seen.setdefault(match.group(1).casefold(), None)
    return list(seen)


def team_usernames(team_id: int) -> dict[str, str]:
    """The team's members: lower-cased username → username (one query)."""
    User = get_user_model()
    names = User.objects.filter(memberships__team_id=team_id).values_list(
        User.USERNAME_FIELD, flat=True
    )
    return {name.casefold(): name for name in names}


def mentions_in(body: str, members: dict[str, str]) -> list[str]:
    """The team members a text mentions, as their usernames."""
    return [members[name] for name in mentioned_names(body) if name in members]


def body_html(body: str, members: dict[str, str], team_slug: str = "") -> SafeString:
    """A comment's text as HTML: escaped, line breaks kept, members' @mentions highlighted,
    and claims cited by number (#12) linked to their permalinks in the team `team_slug`."""
    parts: list[str] = []
    last = 0

    def text(segment: str) -> str:
        escaped = escape(segment)
        if not team_slug or "#" not in escaped:
            return escaped
        return CLAIM_REFERENCE.sub(
            lambda found: (
                f'<a class="claim-link" href="{claim_permalink(team_slug, found.group(1))}">'
                f"#{found.group(1)}</a>"
            ),
            escaped,
        )

    for match in MENTION.finditer(body):
        username = members.get(match.group(1).casefold())
        if username is None:
            continue
        parts.append(text(body[last : match.start()]))
        parts.append(f'<span class="mention">@{escape(username)}</span>')
        last = match.end()
    parts.append(text(body[last:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - escaped above


def claim_permalink(team_slug: str, number: int | str) -> str:
    return reverse("claim_permalink", args=[team_slug, int(number)])


# --- reads ----------------------------------------------------------------------------------


def is_edited(comment: Any) -> bool:
    return comment.deleted_at is None and comment.updated_at != comment.created_at


def removed_by_editor(comment: Any) -> bool:
    return comment.deleted_at is not None and comment.deleted_by_id != comment.author_id


@dataclass
class ThreadItem:
    """One comment as the thread shows it."""

    pk: int
    author: str | None
    author_id: int | None
    body: str
    html: SafeString
    reply_to_id: int | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    deleted_by_id: int | None
    depth: int = 0
    # The author of the comment answered (replies only); shown beside replies deeper than
    # MAX_DEPTH, which are flattened at the last level.
    replying_to: str | None = None
    can_edit: bool = False
    can_delete: bool = False
    can_reply: bool = False
    replies: list[ThreadItem] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def edited(self) -> bool:
        return is_edited(self)

    @property
    def removed_by_editor(self) -> bool:
        return removed_by_editor(self)

    @property
    def indent(self) -> int:
        return min(self.depth, MAX_DEPTH)

    @property
    def flattened(self) -> bool:
        return self.depth > MAX_DEPTH


def thread(
    claim_id: int, team_id: int, membership: Membership | None, team_slug: str = ""
) -> list[ThreadItem]:
    """The claim's comments in reading order (each followed by its replies, depth first) with
    what the given member may do with each. Two queries, whatever the number of comments."""
    members = team_usernames(team_id)
    rows = (
        Comment.objects.filter(claim_id=claim_id)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "author_id",
            "author__username",
            "body",
            "reply_to_id",
            "created_at",
            "updated_at",
            "deleted_at",
            "deleted_by_id",
        )
    )
    can_comment = policies.allows(membership, policies.COMMENT)
    is_editor = policies.allows(membership, policies.COMMENT_MODERATE)
    user_id = membership.user_id if membership is not None else None
    items: dict[int, ThreadItem] = {}
    for pk, author_id, author, body, reply_to_id, created, updated, deleted, deleted_by in rows:
        item = ThreadItem(
            pk=pk,
            author=author,
            author_id=author_id,
            body="" if deleted else body,
            html=mark_safe("") if deleted else body_html(body, members, team_slug),  # noqa: S308
            reply_to_id=reply_to_id,
            created_at=created,
            updated_at=updated,
            deleted_at=deleted,
            deleted_by_id=deleted_by,
        )
        alive = deleted is None
        item.can_reply = can_comment and alive
        item.can_edit = can_comment and alive and author_id == user_id
        item.can_delete = alive and can_comment and (author_id == user_id or is_editor)
        items[pk] = item
    roots: list[ThreadItem] = []
    for item in items.values():
        parent = items.get(item.reply_to_id) if item.reply_to_id else None
        if parent is None:
            roots.append(item)
        else:
            parent.replies.append(item)
    ordered: list[ThreadItem] = []

    def walk(item: ThreadItem, depth: int, parent: ThreadItem | None) -> None:
        item.depth = depth
        if parent is not None:
            item.replying_to = parent.author or "a former member"
        ordered.append(item)
        for reply in item.replies:
            walk(reply, depth + 1, item)

    for root in roots:
        walk(root, 0, None)
    return ordered
