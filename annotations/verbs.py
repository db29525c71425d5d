"""The kinds of Event the services record, by name."""

from __future__ import annotations

# Every Event verb the app records or reads, one constant each, so that a search for a verb's
# name finds every place that writes or reads it. A verb is "<object>.<what happened>"; the
# object before the dot decides where it is listed (queries.audit.KINDS) and which live stream
# event it becomes (live.views.event_type). Never build a verb from parts: write the constant.

# --- claims -------------------------------------------------------------------------------------

CLAIM_CREATED = "claim.created"
CLAIM_UPDATED = "claim.updated"
CLAIM_DELETED = "claim.deleted"
CLAIM_RESTORED = "claim.restored"
CLAIM_PUBLIC_URL_CHANGED = "claim.public_url_changed"

# The review workflow (services.workflow.TRANSITIONS says which move records which).
CLAIM_SUBMITTED = "claim.submitted"
CLAIM_WITHDRAWN = "claim.withdrawn"
CLAIM_SENT_BACK = "claim.sent_back"
CLAIM_APPROVED = "claim.approved"
CLAIM_PUBLISHED = "claim.published"
CLAIM_CORRECTED = "claim.corrected"

# Article revisions and re-anchoring. A published claim that a revision moved or changed gets
# CLAIM_MOVED instead of CLAIM_REANCHORED: it stays on the editors' "needs attention" list
# (queries.attention) until someone confirms it (CLAIM_ANCHOR_CONFIRMED) or re-attaches it
# (CLAIM_REATTACHED).
CLAIM_REANCHORED = "claim.reanchored"
CLAIM_MOVED = "claim.moved"
CLAIM_ANCHOR_CONFIRMED = "claim.anchor_confirmed"
CLAIM_REATTACHED = "claim.reattached"

# --- verdicts and sources -----------------------------------------------------------------------

VERDICT_SET = "verdict.set"
VERDICT_WITHDRAWN = "verdict.withdrawn"
SOURCE_ADDED = "source.added"
SOURCE_REMOVED = "source.removed"

# --- comments -----------------------------------------------------------------------------------

COMMENT_ADDED = "comment.added"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"

# --- articles -----------------------------------------------------------------------------------

ARTICLE_IMPORTED = "article.imported"
ARTICLE_REVISED = "article.revised"
ARTICLE_UPDATED = "article.updated"
ARTICLE_ARCHIVED = "article.archived"
ARTICLE_RESTORED = "article.restored"
ARTICLE_DELETED = "article.deleted"

# --- assignments --------------------------------------------------------------------------------

ARTICLE_ASSIGNED = "article.assigned"
ARTICLE_UNASSIGNED = "article.unassigned"
ARTICLE_DUE_CHANGED = "article.due_changed"
CLAIM_ASSIGNED = "claim.assigned"
CLAIM_UNASSIGNED = "claim.unassigned"
CLAIM_DUE_CHANGED = "claim.due_changed"
# A member left the team: each of their open assignments is dropped with this verb.
ASSIGNMENT_REMOVED = "assignment.removed"

# Listed under "Assignments" in the activity feed although they name an article or a claim.
ASSIGNMENT_VERBS = frozenset(
    {
        ARTICLE_ASSIGNED,
        ARTICLE_UNASSIGNED,
        ARTICLE_DUE_CHANGED,
        CLAIM_ASSIGNED,
        CLAIM_UNASSIGNED,
        CLAIM_DUE_CHANGED,
    }
)

# --- the team, members and invitations ----------------------------------------------------------

TEAM_CREATED = "team.created"
TEAM_IMPORTED = "team.imported"
TEAM_PUBLISHING_CHANGED = "team.publishing_changed"
MEMBER_ADDED = "member.added"
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_REMOVED = "member.removed"
MEMBER_JOINED = "member.joined"
INVITE_CREATED = "invite.created"
INVITE_REVOKED = "invite.revoked"

# --- the rating scale ---------------------------------------------------------------------------

RATING_CREATED = "rating.created"
RATING_UPDATED = "rating.updated"
RATING_RETIRED = "rating.retired"
RATING_RESTORED = "rating.restored"
RATING_REORDERED = "rating.reordered"
RATING_DELETED = "rating.deleted"

# --- other spellings the audit trail reads ------------------------------------------------------

# No service records these; the audit trail words them all the same, so an event written
# under one of them (by a script, or in a log carried over from another tool) still reads
# as a sentence.
CLAIM_REOPENED = "claim.reopened"
COMMENT_CREATED = "comment.created"
COMMENT_REPLIED = "comment.replied"
COMMENT_EDITED = "comment.edited"
COMMENT_REMOVED = "comment.removed"
COMMENT_MODERATED = "comment.moderated"
TEAM_UPDATED = "team.updated"
TEAM_RENAMED = "team.renamed"
MEMBERSHIP_ADDED = "membership.added"
MEMBERSHIP_CREATED = "membership.created"
MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"
MEMBERSHIP_CHANGED = "membership.changed"
MEMBERSHIP_UPDATED = "membership.updated"
MEMBERSHIP_REMOVED = "membership.removed"
MEMBERSHIP_DELETED = "membership.deleted"
INVITE_USED = "invite.used"
INVITE_ACCEPTED = "invite.accepted"
RATING_ADDED = "rating.added"
RATING_CHANGED = "rating.changed"
RATING_REACTIVATED = "rating.reactivated"
SCALE_REORDERED = "scale.reordered"


def all_verbs() -> frozenset[str]:
    """Every verb above (the tests check that each reads as a sentence)."""
    return frozenset(
        value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str) and "." in value
    )
