from django.urls import include, path

from annotations.pages import agreement as agreement_pages
from annotations.pages import article_list, imports, tokens
from annotations.pages import articles as article_pages
from annotations.pages import assignments as queue_pages
from annotations.pages import audit as audit_pages
from annotations.pages import discussion as comment_pages
from annotations.pages import notifications as notification_pages
from annotations.pages import revisions as revision_pages
from annotations.pages import teams as team_pages
from annotations.pages.workspace import views as workspace

# One list per area, each with its full paths: an area's pages sit under several prefixes
# (a claim's workspace endpoints are under articles/, claims/, sources/ and teams/).

# The article list, importing, and managing an article (articles.py): its details,
# archive, restore, delete.
articles = [
    path("", article_list.article_list, name="article_list"),
    path("articles/import/", imports.article_import, name="article_import"),
    path("articles/import/batch/", imports.article_import_batch, name="article_import_batch"),
    path("articles/import/item/", imports.article_import_item, name="article_import_item"),
    path("articles/<int:pk>/edit/", article_pages.article_edit, name="article_edit"),
    path("articles/<int:pk>/archive/", article_pages.article_archive, name="article_archive"),
    path("articles/<int:pk>/restore/", article_pages.article_restore, name="article_restore"),
    path("articles/<int:pk>/delete/", article_pages.article_delete, name="article_delete"),
]

# The reviewing workspace (workspace/views.py): the article page and its claim endpoints.
workspace_claims = [
    path("articles/<int:pk>/", workspace.article_detail, name="article_detail"),
    path("articles/<int:pk>/claims/new/", workspace.claim_new, name="claim_new"),
    # What the page fetches after a live Event (the stream itself is live/).
    path(
        "articles/<int:pk>/live/refresh/",
        workspace.article_live_refresh,
        name="article_live_refresh",
    ),
    path("articles/<int:pk>/claims/", workspace.claim_create, name="claim_create"),
    path("articles/<int:pk>/claims/restore/", workspace.claim_restore, name="claim_restore"),
    path("claims/<int:claim_id>/", workspace.claim_card, name="claim_card"),
    # A claim's permanent address: its number in the team (#123).
    path(
        "teams/<slug:slug>/claims/<int:number>/",
        workspace.claim_permalink,
        name="claim_permalink",
    ),
    path("claims/<int:claim_id>/edit/", workspace.claim_edit, name="claim_edit"),
    path("claims/<int:claim_id>/verdict/", workspace.claim_verdict, name="claim_verdict"),
    path("claims/<int:claim_id>/sources/", workspace.claim_source_add, name="claim_source_add"),
    path("claims/<int:claim_id>/status/", workspace.claim_status, name="claim_status"),
    path(
        "claims/<int:claim_id>/public-url/",
        workspace.claim_public_url,
        name="claim_public_url",
    ),
    path("claims/<int:claim_id>/delete/", workspace.claim_delete, name="claim_delete"),
    path("sources/<int:source_id>/remove/", workspace.source_remove, name="source_remove"),
]

# Revisions (revisions.py): a new version, the list, one revision, a diff, attention.
revisions = [
    path("articles/<int:pk>/revise/", revision_pages.article_revise, name="article_revise"),
    path("articles/<int:pk>/revisions/", revision_pages.revision_list, name="revision_list"),
    path(
        "articles/<int:pk>/revisions/diff/",
        revision_pages.revision_diff,
        name="revision_diff",
    ),
    path(
        "articles/<int:pk>/revisions/<int:number>/",
        revision_pages.revision_detail,
        name="revision_detail",
    ),
    path(
        "claims/<int:claim_id>/confirm-anchor/",
        revision_pages.claim_confirm_anchor,
        name="claim_confirm_anchor",
    ),
    path("claims/<int:claim_id>/reattach/", revision_pages.claim_reattach, name="claim_reattach"),
]

# Discussion on a claim (discussion.py).
discussion = [
    path("claims/<int:claim_id>/discussion/", comment_pages.discussion, name="discussion"),
    path("claims/<int:claim_id>/comments/", comment_pages.comment_post, name="comment_post"),
    path("comments/<int:comment_id>/reply/", comment_pages.comment_reply, name="comment_reply"),
    path("comments/<int:comment_id>/edit/", comment_pages.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", comment_pages.comment_delete, name="comment_delete"),
]

# Assignments (assignments.py): My queue, and the assignees of an article or a claim.
assignments = [
    path("queue/", queue_pages.queue, name="queue"),
    path("articles/<int:pk>/assignees/", queue_pages.article_assign, name="article_assign"),
    path(
        "articles/<int:pk>/assignees/remove/",
        queue_pages.article_unassign,
        name="article_unassign",
    ),
    path("claims/<int:claim_id>/assignees/", queue_pages.claim_assign, name="claim_assign"),
    path(
        "claims/<int:claim_id>/assignees/remove/",
        queue_pages.claim_unassign,
        name="claim_unassign",
    ),
]

# Notifications (notifications.py).
notifications = [
    path("notifications/", notification_pages.notification_list, name="notification_list"),
    path(
        "notifications/read-all/",
        notification_pages.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        notification_pages.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        notification_pages.notification_open,
        name="notification_open",
    ),
]

# The audit trail (audit.py): a claim's history and the team's activity feed.
audit = [
    path("claims/<int:claim_id>/history/", audit_pages.claim_history, name="claim_history"),
    path("teams/<slug:slug>/activity/", audit_pages.team_activity, name="team_activity"),
]

# Agreement between reviewers (agreement.py): Krippendorff's alpha and pairwise.
agreement = [
    path("teams/<slug:slug>/agreement/", agreement_pages.team_agreement, name="team_agreement"),
    path(
        "articles/<int:pk>/agreement/", agreement_pages.article_agreement, name="article_agreement"
    ),
]

# Teams (teams.py): members, invitations, the rating scale, the team switcher.
teams = [
    path("teams/", team_pages.team_list, name="team_list"),
    path("teams/switch/", team_pages.team_switch, name="team_switch"),
    path("teams/<slug:slug>/", team_pages.team_detail, name="team_detail"),
    path("teams/<slug:slug>/invites/", team_pages.invite_create, name="invite_create"),
    path(
        "teams/<slug:slug>/invites/<int:invite_id>/revoke/",
        team_pages.invite_revoke,
        name="invite_revoke",
    ),
    path(
        "teams/<slug:slug>/members/<str:username>/role/",
        team_pages.member_role,
        name="member_role",
    ),
    path(
        "teams/<slug:slug>/members/<str:username>/remove/",
        team_pages.member_remove,
        name="member_remove",
    ),
    path("teams/<slug:slug>/scale/", team_pages.team_scale, name="team_scale"),
    path("teams/<slug:slug>/publishing/", team_pages.team_publishing, name="team_publishing"),
    path("teams/<slug:slug>/ratings.css", team_pages.team_ratings_css, name="team_ratings_css"),
    path(
        "teams/<slug:slug>/scale/<slug:rating_slug>/edit/",
        team_pages.rating_edit,
        name="rating_edit",
    ),
    path(
        "teams/<slug:slug>/scale/<slug:rating_slug>/<str:action>/",
        team_pages.rating_action,
        name="rating_action",
    ),
    path("invites/<str:token>/", team_pages.invite_accept, name="invite_accept"),
]

# API tokens (tokens.py).
api_tokens = [
    path("tokens/", tokens.token_list, name="token_list"),
]

urlpatterns = [
    path("", include(area))
    for area in (
        articles,
        workspace_claims,
        revisions,
        discussion,
        assignments,
        notifications,
        audit,
        agreement,
        teams,
        api_tokens,
    )
]
