"""Discussion on a claim: comment threads, tombstones, moderation and @mentions.

The writes (comment_add, comment_update, comment_delete) are services like the others: they
check the role, validate, change the comment and record an Event. services.py re-exports them,
so `services.comment_add(...)` keeps working.

Deleting a comment leaves a tombstone (deleted_at, deleted_by) in its place so the replies
under it keep their thread; the text itself is then kept only in the comment.deleted Event.
`@username` names a member of the claim's team: each newly mentioned member gets a
notification (never outsiders, unknown names or the author).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from annotations import notifications
from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.models import Claim, Comment, Membership, Notification, Role
from annotations.services import _full_clean, event_record, require_role

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


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mention_message(author: str, claim: Claim, body: str | None) -> str:
    """What a mention notification says; without the text once the comment is deleted."""
    about = _shorten(claim.summary or claim.exact, CLAIM_EXCERPT)
    if body is None:
        return f"{author} mentioned you on #{claim.number} “{about}” in a comment since deleted."
    return f"{author} mentioned you on #{claim.number} “{about}”: {_shorten(body, MENTION_EXCERPT)}"


def _notify_mentions(
    comment: Comment, claim: Claim, author: AbstractBaseUser, names: Iterable[str]
) -> list:
    """A "mention" notification for each named member of the claim's team but the author."""
    names = [name for name in names if name != author.get_username().casefold()]
    if not names:
        return []
    User = get_user_model()
    field_name = f"{User.USERNAME_FIELD}__iexact"
    wanted = Q()
    for name in names:
        wanted |= Q(**{field_name: name})
    article = claim.article
    people = (
        User.objects.filter(wanted, memberships__team_id=article.team_id)
        .exclude(pk=author.pk)
        .distinct()
    )
    message = mention_message(author.get_username(), claim, comment.body)
    return notifications.notify(
        users=list(people),
        team=article.team,
        kind="mention",
        actor=author,
        article=article,
        claim=claim,
        comment=comment,
        message=message,
    )


# --- writes ---------------------------------------------------------------------------------


def _clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("A comment cannot be empty.", field="body")
    return body


def _refuse_deleted(comment: Comment, doing: str) -> None:
    if comment.deleted_at is not None:
        raise Conflict(f"This comment was deleted: it cannot be {doing}.", code="comment_deleted")


@transaction.atomic
def comment_add(
    *, claim: Claim, user: AbstractBaseUser, body: str, reply_to: Comment | None = None
) -> Comment:
    """A comment on the claim, or a reply to one of its comments. Reviewers and up; published
    claims may still be discussed."""
    team = claim.article.team
    require_role(user, team, Role.REVIEWER)
    body = _clean_body(body)
    if reply_to is not None:
        if reply_to.claim_id != claim.pk:
            raise InvalidInput(
                "You can only reply to a comment on the same claim.", field="reply_to"
            )
        if reply_to.deleted_at is not None:
            raise InvalidInput(
                "That comment was deleted: it cannot be replied to.", field="reply_to"
            )
    comment = Comment(claim=claim, author=user, body=body, reply_to=reply_to)
    _full_clean(comment, exclude=["claim", "author", "reply_to", "deleted_by"])
    comment.save()
    # Saving stamps created_at and updated_at a moment apart; "edited" means they differ.
    Comment.objects.filter(pk=comment.pk).update(updated_at=comment.created_at)
    comment.updated_at = comment.created_at
    changes: dict[str, tuple[Any, Any]] = {"body": (None, comment.body)}
    if reply_to is not None:
        changes["reply_to"] = (None, reply_to.pk)
    event_record(
        team=team,
        verb="comment.added",
        actor=user,
        article=claim.article,
        claim=claim,
        changes=changes,
    )
    _notify_mentions(comment, claim, user, mentioned_names(body))
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, user: AbstractBaseUser, body: str) -> Comment:
    """Authors edit their own comments; only members mentioned anew are notified."""
    claim = comment.claim
    require_role(user, claim.article.team, Role.REVIEWER)
    if comment.author_id != user.pk:
        raise Forbidden("You can edit only your own comments.")
    _refuse_deleted(comment, "edited")
    body = _clean_body(body)
    if body == comment.body:
        return comment
    before = comment.body
    comment.body = body
    comment.save(update_fields=["body", "updated_at"])
    event_record(
        team=claim.article.team,
        verb="comment.updated",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"body": (before, body)},
        note=f"Comment {comment.pk}.",
    )
    earlier = set(mentioned_names(before))
    _notify_mentions(
        comment, claim, user, [name for name in mentioned_names(body) if name not in earlier]
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    """Authors delete their own comments; editors moderate anyone's. The comment becomes a
    tombstone, so its replies keep their place; its text is kept only in the Event."""
    claim = comment.claim
    membership = require_role(user, claim.article.team, Role.REVIEWER)
    own = comment.author_id == user.pk
    if not own and not membership.has_role(Role.EDITOR):
        raise Forbidden("You can delete only your own comments; editors can remove any.")
    _refuse_deleted(comment, "deleted again")
    before = comment.body
    comment.body = TOMBSTONE_BODY
    comment.deleted_at = timezone.now()
    comment.deleted_by = user
    comment.save(update_fields=["body", "deleted_at", "deleted_by", "updated_at"])
    # The text is kept only in the Event: mentions of it no longer quote it.
    author = comment.author.get_username() if comment.author is not None else "Someone"
    Notification.objects.filter(comment=comment, kind="mention").update(
        message=mention_message(author, claim, None)
    )
    event_record(
        team=claim.article.team,
        verb="comment.deleted",
        actor=user,
        article=claim.article,
        claim=claim,
        changes={"body": (before, None)},
        note=f"Comment {comment.pk}." + ("" if own else " Removed by an editor."),
    )
    return comment


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
    can_comment = membership is not None and membership.has_role(Role.REVIEWER)
    is_editor = membership is not None and membership.has_role(Role.EDITOR)
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


__all__ = [
    "MAX_DEPTH",
    "TOMBSTONE_BODY",
    "ThreadItem",
    "body_html",
    "comment_add",
    "comment_delete",
    "comment_update",
    "is_edited",
    "mentioned_names",
    "mentions_in",
    "removed_by_editor",
    "team_usernames",
    "thread",
]
