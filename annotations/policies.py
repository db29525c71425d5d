"""Who may do what in a team: one table, read by the services (which enforce it) and by the
pages (which show a button only where the service would allow it, and word a refusal the
same way every time).

Each action names the least role that may do it; every role includes the ones below it
(viewer < reviewer < editor < admin). The services and the API refuse a member below it
with role_refusal's sentence, which names their role and the one needed; where a page
explains a refusal in its own words (a viewer's read-only workspace, the team settings),
the words are the action's `refusal` here. Outsiders never reach this table: for them a
team's things do not exist (404).

Finer rules stay where their data is: a reviewer changes only their own claims, and only
before approval (services._base._require_claim_editor, mirrored by pages Access.can_edit);
which workflow move needs which role is services.workflow.TRANSITIONS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from annotations.models import Role


@dataclass(frozen=True)
class Rule:
    least: str  # the least Role that may
    # What a page tells a member below it; "" where pages and API alike give role_refusal.
    refusal: str = ""


class HasRole(Protocol):
    role: str


# --- the actions ------------------------------------------------------------------------------

READ = "read"  # see the team's articles, claims and activity
CLAIM_WORK = "claim_work"  # add claims, change one's own drafts, give verdicts, add sources
CLAIM_REVIEW = "claim_review"  # change anyone's claim, approve, send back, publish, correct
CLAIM_PUBLIC_URL = "claim_public_url"  # say where a published fact check lives
COMMENT = "comment"  # write in a claim's discussion
COMMENT_MODERATE = "comment_moderate"  # delete anyone's comment
ASSIGN = "assign"  # give articles and claims to members, with due dates
ARTICLE_IMPORT = "article_import"  # import articles and load new versions of them
ARTICLE_MANAGE = "article_manage"  # correct an article's details, archive and restore it
ARTICLE_DELETE = "article_delete"  # delete an article for good
AUDIT_EXPORT = "audit_export"  # export the audit trail (everyone's every change)
MEMBERS_INVITE = "members_invite"  # invitation links
MEMBERS_MANAGE = "members_manage"  # add members, change roles, remove members
SCALE_MANAGE = "scale_manage"  # the rating scale
PUBLISHING_MANAGE = "publishing_manage"  # who publishes the team's fact checks, and where
TEAM_IMPORT = "team_import"  # load a team export into the team

RULES: dict[str, Rule] = {
    READ: Rule(Role.VIEWER),
    CLAIM_WORK: Rule(
        Role.REVIEWER,
        "Your role in this team is viewer: you can read the claims but not change them.",
    ),
    CLAIM_REVIEW: Rule(Role.EDITOR),
    CLAIM_PUBLIC_URL: Rule(
        Role.EDITOR, "Only an editor can change where a fact check is published."
    ),
    COMMENT: Rule(
        Role.REVIEWER,
        "Your role in this team is viewer: you can read the discussion but not comment.",
    ),
    COMMENT_MODERATE: Rule(Role.EDITOR),
    ASSIGN: Rule(Role.EDITOR, "Only editors and admins can assign work; ask one of them."),
    ARTICLE_IMPORT: Rule(Role.REVIEWER),
    ARTICLE_MANAGE: Rule(Role.EDITOR),
    ARTICLE_DELETE: Rule(Role.ADMIN),
    AUDIT_EXPORT: Rule(Role.EDITOR),
    MEMBERS_INVITE: Rule(Role.ADMIN, "Only the team's admins invite people."),
    MEMBERS_MANAGE: Rule(Role.ADMIN, "Only the team's admins remove members."),
    SCALE_MANAGE: Rule(Role.ADMIN, "Only the team's admins change the rating scale."),
    PUBLISHING_MANAGE: Rule(Role.ADMIN, "Only the team's admins change the publishing settings."),
    TEAM_IMPORT: Rule(Role.ADMIN),
}


def least_role(action: str) -> str:
    return RULES[action].least


def allows(member: HasRole | str | None, action: str) -> bool:
    """Whether a member (a Membership, or a role) may do `action`; None (no member) may not."""
    if member is None:
        return False
    role = member if isinstance(member, str) else member.role
    return Role.rank(role) >= Role.rank(RULES[action].least)


def refusal(action: str) -> str:
    """What a page tells a member whose role is below the action's."""
    found = RULES[action].refusal
    assert found, f"{action} has no page refusal of its own: use role_refusal"
    return found


def role_refusal(team_name: str, role: str, needed: str) -> str:
    """The general refusal of the services and the API: the member's role and the one needed."""
    return (
        f"Your role in {team_name} is {Role(role).label.lower()}; this needs "
        f"{Role(needed).label.lower()} or higher."
    )
