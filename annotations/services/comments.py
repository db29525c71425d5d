"""Discussion writes: post, reply, edit and delete comments (deleting leaves a tombstone so replies
keep their thread), and notify the people an @mention names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations import policies, verbs
from annotations.errors import Conflict, Forbidden, InvalidInput
from annotations.lib.text import shorten
from annotations.models import Claim, Comment, Notification
from annotations.queries.discussion import (
    CLAIM_EXCERPT,
    MENTION_EXCERPT,
    TOMBSTONE_BODY,
    mentioned_names,
)
from annotations.services import notifications
from annotations.services._base import _claim_event, require, validate_model


def mention_message(author: str, claim: Claim, body: str | None) -> str:
    """What a mention notification says; without the text once the comment is deleted."""
    about = shorten(claim.summary or claim.exact, CLAIM_EXCERPT)
    if body is None:
        return f"{author} mentioned you on #{claim.number} “{about}” in a comment since deleted."
    return f"{author} mentioned you on #{claim.number} “{about}”: {shorten(body, MENTION_EXCERPT)}"


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
    return notifications.notification_create(
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
    *, claim: Claim, actor: AbstractBaseUser, body: str, reply_to: Comment | None = None
) -> Comment:
    """A comment on the claim, or a reply to one of its comments. Reviewers and up; published
    claims may still be discussed."""
    team = claim.article.team
    require(actor, team, policies.COMMENT)
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
    comment = Comment(claim=claim, author=actor, body=body, reply_to=reply_to)
    validate_model(comment, exclude=["claim", "author", "reply_to", "deleted_by"])
    comment.save()
    # Saving stamps created_at and updated_at a moment apart; "edited" means they differ.
    Comment.objects.filter(pk=comment.pk).update(updated_at=comment.created_at)
    comment.updated_at = comment.created_at
    changes: dict[str, tuple[Any, Any]] = {"body": (None, comment.body)}
    if reply_to is not None:
        changes["reply_to"] = (None, reply_to.pk)
    _claim_event(
        claim=claim,
        verb=verbs.COMMENT_ADDED,
        actor=actor,
        changes=changes,
    )
    _notify_mentions(comment, claim, actor, mentioned_names(body))
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor: AbstractBaseUser, body: str) -> Comment:
    """Authors edit their own comments; only members mentioned anew are notified."""
    claim = comment.claim
    require(actor, claim.article.team, policies.COMMENT)
    if comment.author_id != actor.pk:
        raise Forbidden("You can edit only your own comments.")
    _refuse_deleted(comment, "edited")
    body = _clean_body(body)
    if body == comment.body:
        return comment
    before = comment.body
    comment.body = body
    comment.save(update_fields=["body", "updated_at"])
    _claim_event(
        claim=claim,
        verb=verbs.COMMENT_UPDATED,
        actor=actor,
        changes={"body": (before, body)},
        note=f"Comment {comment.pk}.",
    )
    earlier = set(mentioned_names(before))
    _notify_mentions(
        comment, claim, actor, [name for name in mentioned_names(body) if name not in earlier]
    )
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: AbstractBaseUser) -> Comment:
    """Authors delete their own comments; editors moderate anyone's. The comment becomes a
    tombstone, so its replies keep their place; its text is kept only in the Event."""
    claim = comment.claim
    membership = require(actor, claim.article.team, policies.COMMENT)
    own = comment.author_id == actor.pk
    if not own and not policies.allows(membership, policies.COMMENT_MODERATE):
        raise Forbidden("You can delete only your own comments; editors can remove any.")
    _refuse_deleted(comment, "deleted again")
    before = comment.body
    comment.body = TOMBSTONE_BODY
    comment.deleted_at = timezone.now()
    comment.deleted_by = actor
    comment.save(update_fields=["body", "deleted_at", "deleted_by", "updated_at"])
    # The text is kept only in the Event: mentions of it no longer quote it.
    author = comment.author.get_username() if comment.author is not None else "Someone"
    Notification.objects.filter(comment=comment, kind="mention").update(
        message=mention_message(author, claim, None)
    )
    _claim_event(
        claim=claim,
        verb=verbs.COMMENT_DELETED,
        actor=actor,
        changes={"body": (before, None)},
        note=f"Comment {comment.pk}." + ("" if own else " Removed by an editor."),
    )
    return comment
