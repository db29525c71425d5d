"""Team pages: your teams, a team's members and invitations, its rating scale editor, accepting
an invitation, and switching the team the other pages start from.

Views find the team through the user's membership (outsiders get 404), call a service in
services/teams.py for every write (roles are checked there: lesser roles get 403 with the
reason), and redirect after a successful POST. The one exception is a new invitation, whose
link is rendered straight into the POST's response so the secret is never stored anywhere.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotations import policies, queries, services
from annotations.errors import Forbidden, ServiceError
from annotations.lib import publishing
from annotations.models import Invite, Membership, Rating, Role, Team
from annotations.pages.forms import PageForm, optional_text
from annotations.pages.ratings import STYLED_RATINGS
from annotations.pages.responses import refused
from annotations.pages.session import SESSION_TEAM, optional_url

# --- forms ---------------------------------------------------------------------------------------


class TeamCreateForm(PageForm):
    name = forms.CharField(label="Team name", max_length=120)
    slug = optional_text(
        "Address",
        max_length=60,
        help_text="Optional: letters, digits and hyphens; made from the name when left empty.",
    )


class InviteForm(PageForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.REVIEWER)
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=services.MAX_INVITE_DAYS,
        initial=services.DEFAULT_INVITE_DAYS,
    )
    note = optional_text(
        "Note",
        max_length=200,
        help_text="Who the link is for; only admins see it.",
    )


class RatingForm(PageForm):
    label = forms.CharField(label="Label", max_length=80)
    slug = optional_text(
        "Slug",
        max_length=60,
        help_text="Optional; made from the label. It never changes afterwards.",
    )
    value = optional_text(
        "Number",
        max_length=12,
        help_text="Optional: where the rating sits on a numeric scale (e.g. 1 to 5).",
    )
    colour = forms.CharField(
        label="Colour",
        max_length=7,
        initial=services.DEFAULT_COLOUR,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]


class PublishingForm(PageForm):
    organisation_name = optional_text(
        "Organisation name",
        max_length=200,
        help_text="Who publishes your fact checks (the ClaimReview author). Empty: the team's "
        "name.",
    )
    site_url = optional_text(
        "Public site URL",
        max_length=2000,
        help_text="Your organisation's public website, e.g. https://desk.example.org/.",
    )
    logo_url = optional_text(
        "Logo URL",
        max_length=2000,
        help_text="An image of your logo, e.g. https://desk.example.org/logo.png.",
    )
    public_url_pattern = optional_text(
        "Fact-check URL pattern",
        max_length=2000,
        help_text="Optional. The address of a published fact check, e.g. "
        "https://desk.example.org/fact-checks/{claim}. {claim} (required) becomes the claim's "
        "number, {article} the article's, {slug} the claim's wording in-lower-case-words. "
        "Publish offers it as the claim's public URL.",
    )


# --- your teams ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    """Your teams with your role in each, and a form to create one."""
    form = TeamCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_start(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
            status = error.status
        else:
            request.session[SESSION_TEAM] = team.pk
            messages.success(request, f"Created {team.name}; you are its admin.")
            return redirect("team_detail", slug=team.slug)
    elif request.method == "POST":
        status = 400
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("team")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__name")
    )
    context = {"memberships": memberships, "form": form}
    return render(request, "annotations/teams/team_list.html", context, status=status)


@login_required
@require_POST
def team_switch(request: HttpRequest) -> HttpResponse:
    """Remember the chosen team; the article list and import form start from it."""
    slug = request.POST.get("team", "")
    if slug:
        membership = queries.membership_for_user(request.user, slug)
        request.session[SESSION_TEAM] = membership.team_id
        messages.info(request, f"Now working in {membership.team.name}.")
    else:
        request.session.pop(SESSION_TEAM, None)
        messages.info(request, "Now showing all your teams.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("article_list")
    return redirect(target)


# --- one team: members and invitations -----------------------------------------------------------


def _team_context(request: HttpRequest, membership: Membership, **extra: Any) -> dict[str, Any]:
    team = membership.team
    is_admin = policies.allows(membership, policies.MEMBERS_MANAGE)
    members = list(
        Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    admin_count = sum(1 for m in members if m.role == Role.ADMIN)
    for member in members:
        member.is_last_admin = member.role == Role.ADMIN and admin_count == 1
    invites = []
    if is_admin:
        now = timezone.now()
        invites = list(
            Invite.objects.filter(
                team=team, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
            )
            .select_related("created_by")
            .order_by("-created_at", "-id")
        )
    return {
        "team": team,
        "membership": membership,
        "is_admin": is_admin,
        "members": members,
        "invites": invites,
        "invite_form": extra.pop("invite_form", None) or InviteForm(),
        "role_choices": Role.choices,
        "activity_url": optional_url("team_activity", team.slug),
        "publishing_url": reverse("team_publishing", args=[team.slug]),
        "agreement_url": optional_url("team_agreement", team.slug),
        **extra,
    }


@login_required
@never_cache
@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    membership = queries.membership_for_user(request.user, slug)
    return render(request, "annotations/teams/team_detail.html", _team_context(request, membership))


@login_required
@never_cache
@require_POST
def invite_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Make an invitation link; it is shown in this response only."""
    membership = queries.membership_for_user(request.user, slug)
    form = InviteForm(request.POST)
    template = "annotations/teams/team_detail.html"
    if not policies.allows(membership, policies.MEMBERS_INVITE):
        return refused(
            request, Forbidden(policies.refusal(policies.MEMBERS_INVITE)), team=membership.team
        )
    if not form.is_valid():
        return render(
            request, template, _team_context(request, membership, invite_form=form), status=400
        )
    try:
        invite, raw = services.invite_create(
            team=membership.team, actor=request.user, **form.cleaned_data
        )
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        form.add_service_error(error)
        return render(
            request,
            template,
            _team_context(request, membership, invite_form=form),
            status=error.status,
        )
    link = request.build_absolute_uri(reverse("invite_accept", args=[raw]))
    context = _team_context(request, membership, new_invite=invite, new_link=link)
    return render(request, template, context, status=201)


@login_required
@require_POST
def invite_revoke(request: HttpRequest, slug: str, invite_id: int) -> HttpResponse:
    membership = queries.membership_for_user(request.user, slug)
    invite = (
        Invite.objects.filter(team=membership.team, pk=invite_id).select_related("team").first()
    )
    if invite is None:
        raise Http404("No such invitation.")
    try:
        services.invite_revoke(invite=invite, actor=request.user)
    except ServiceError as error:
        return refused(request, error, team=membership.team)
    messages.success(request, "Revoked the invitation: its link no longer works.")
    return redirect("team_detail", slug=slug)


def _member_of(team: Team, username: str) -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username, memberships__team=team).first()
    if user is None:
        raise Http404("No such member.")
    return user


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    membership = queries.membership_for_user(request.user, slug)
    member = _member_of(membership.team, username)
    role = request.POST.get("role", "")
    try:
        services.member_role_set(team=membership.team, user=member, role=role, actor=request.user)
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        messages.error(request, error.message)
        return redirect("team_detail", slug=slug)
    messages.success(
        request,
        f"{member.get_username()} is now {Role(role).label.lower()} in {membership.team.name}.",
    )
    return redirect("team_detail", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """GET asks first; POST removes."""
    membership = queries.membership_for_user(request.user, slug)
    member = _member_of(membership.team, username)
    if not policies.allows(membership, policies.MEMBERS_MANAGE):
        return refused(
            request, Forbidden(policies.refusal(policies.MEMBERS_MANAGE)), team=membership.team
        )
    if request.method == "GET":
        context = {"team": membership.team, "member": member}
        return render(request, "annotations/teams/member_remove.html", context)
    try:
        services.member_remove(team=membership.team, user=member, actor=request.user)
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        messages.error(request, error.message)
        return redirect("team_detail", slug=slug)
    messages.success(
        request,
        f"Removed {member.get_username()} from {membership.team.name}. Their claims, verdicts "
        "and comments stay, under their name.",
    )
    if member.pk == request.user.pk:
        request.session.pop(SESSION_TEAM, None)
        return redirect("team_list")
    return redirect("team_detail", slug=slug)


# --- accepting an invitation ---------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: which team, which role, and a Join button."""
    try:
        invite = services.invite_for_token(token)
    except ServiceError as error:
        return render(
            request, "annotations/teams/invite.html", {"error": error.message}, status=404
        )
    context: dict[str, Any] = {"invite": invite, "team": invite.team, "token": token}
    state = services.invite_state(invite)
    if request.method == "POST":
        try:
            services.invite_accept(raw=token, actor=request.user)
        except ServiceError as error:
            context["error"] = error.message
            return render(request, "annotations/teams/invite.html", context, status=error.status)
        request.session[SESSION_TEAM] = invite.team_id
        messages.success(
            request,
            f"Welcome to {invite.team.name}: you joined as {invite.get_role_display().lower()}.",
        )
        return redirect("team_detail", slug=invite.team.slug)
    context["state"] = state
    existing = Membership.objects.filter(team=invite.team, user=request.user).first()
    context["existing"] = existing
    return render(request, "annotations/teams/invite.html", context)


# --- the rating scale ----------------------------------------------------------------------------


def _scale_context(membership: Membership, **extra: Any) -> dict[str, Any]:
    team = membership.team
    ratings = (
        Rating.objects.filter(team=team).annotate(in_use=Count("verdicts")).order_by("order", "id")
    )
    return {
        "team": team,
        "membership": membership,
        "is_admin": policies.allows(membership, policies.SCALE_MANAGE),
        "ratings": list(ratings),
        "form": extra.pop("form", None) or RatingForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def team_scale(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's rating scale: every member reads it, admins change it."""
    membership = queries.membership_for_user(request.user, slug)
    template = "annotations/teams/scale.html"
    if request.method == "GET":
        return render(request, template, _scale_context(membership))
    if not policies.allows(membership, policies.SCALE_MANAGE):
        # Refused before the form is read: a viewer's invalid form is still a 403, not a 400.
        return refused(
            request, Forbidden(policies.refusal(policies.SCALE_MANAGE)), team=membership.team
        )
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(request, template, _scale_context(membership, form=form), status=400)
    try:
        rating = services.rating_create(
            team=membership.team, actor=request.user, **form.cleaned_data
        )
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        form.add_service_error(error)
        return render(request, template, _scale_context(membership, form=form), status=error.status)
    messages.success(request, f"Added “{rating.label}” to the scale.")
    return redirect("team_scale", slug=slug)


def _rating(membership: Membership, rating_slug: str) -> Rating:
    rating = (
        Rating.objects.filter(team=membership.team, slug=rating_slug).select_related("team").first()
    )
    if rating is None:
        raise Http404("No such rating.")
    return rating


@login_required
@require_http_methods(["GET", "POST"])
def rating_edit(request: HttpRequest, slug: str, rating_slug: str) -> HttpResponse:
    membership = queries.membership_for_user(request.user, slug)
    rating = _rating(membership, rating_slug)
    template = "annotations/teams/rating_edit.html"
    if not policies.allows(membership, policies.SCALE_MANAGE):
        return refused(
            request, Forbidden(policies.refusal(policies.SCALE_MANAGE)), team=membership.team
        )
    if request.method == "GET":
        initial = {
            "label": rating.label,
            "description": rating.description,
            "value": "" if rating.value is None else f"{rating.value.normalize():f}",
            "colour": rating.colour,
        }
        form = RatingForm(initial=initial, editing=True)
        return render(request, template, {"team": membership.team, "rating": rating, "form": form})
    form = RatingForm(request.POST, editing=True)
    if form.is_valid():
        try:
            services.rating_update(rating=rating, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            if error.status in (403, 404):
                return refused(request, error, team=membership.team)
            form.add_service_error(error)
        else:
            messages.success(request, f"Saved “{form.cleaned_data['label']}”.")
            return redirect("team_scale", slug=slug)
    context = {"team": membership.team, "rating": rating, "form": form}
    return render(request, template, context, status=400)


RATING_ACTIONS = {
    "up": (services.rating_move, {"direction": "up"}, "Moved “{}” up."),
    "down": (services.rating_move, {"direction": "down"}, "Moved “{}” down."),
    "retire": (
        services.rating_retire,
        {},
        "Retired “{}”: it is no longer offered for new verdicts; existing ones keep it.",
    ),
    "restore": (services.rating_restore, {}, "Restored “{}”: it is offered again."),
    "delete": (services.rating_delete, {}, "Deleted “{}”."),
}


@login_required
@require_POST
def rating_action(request: HttpRequest, slug: str, rating_slug: str, action: str) -> HttpResponse:
    """Move up/down, retire, restore or delete one rating."""
    membership = queries.membership_for_user(request.user, slug)
    rating = _rating(membership, rating_slug)
    if action not in RATING_ACTIONS:
        raise Http404("No such action.")
    service, arguments, message = RATING_ACTIONS[action]
    try:
        service(rating=rating, actor=request.user, **arguments)
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        messages.error(request, error.message)
        return redirect("team_scale", slug=slug)
    messages.success(request, message.format(rating.label))
    return redirect("team_scale", slug=slug)


# --- publishing settings -------------------------------------------------------------------------


def _publishing_context(membership: Membership, form: PublishingForm | None) -> dict[str, Any]:
    team = membership.team
    is_admin = policies.allows(membership, policies.PUBLISHING_MANAGE)
    if form is None and is_admin:
        form = PublishingForm(initial=publishing.settings_of(team))
    return {
        "team": team,
        "membership": membership,
        "is_admin": is_admin,
        "form": form,
        "settings": publishing.settings_of(team),
        "author": publishing.organisation(team),
        "example_url": publishing.fill(
            team.public_url_pattern, claim=123, article=45, slug="an-example-claim"
        )
        if team.public_url_pattern
        else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def team_publishing(request: HttpRequest, slug: str) -> HttpResponse:
    """Who publishes the team's fact checks and where: every member reads, admins change."""
    membership = queries.membership_for_user(request.user, slug)
    template = "annotations/teams/publishing.html"
    if request.method == "GET":
        return render(request, template, _publishing_context(membership, None))
    if not policies.allows(membership, policies.PUBLISHING_MANAGE):
        return refused(
            request, Forbidden(policies.refusal(policies.PUBLISHING_MANAGE)), team=membership.team
        )
    form = PublishingForm(request.POST)
    if not form.is_valid():
        return render(request, template, _publishing_context(membership, form), status=400)
    try:
        services.team_publishing_update(
            team=membership.team, actor=request.user, **form.cleaned_data
        )
    except ServiceError as error:
        if error.status in (403, 404):
            return refused(request, error, team=membership.team)
        form.add_service_error(error)
        return render(request, template, _publishing_context(membership, form), status=error.status)
    messages.success(request, "Saved the publishing settings.")
    return redirect("team_publishing", slug=slug)


# --- the team's rating colours -------------------------------------------------------------------


@login_required
@require_GET
def team_ratings_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The colours the team chose for its ratings, as a stylesheet (the Content-Security-Policy
    allows no style attributes). app.css colours the default scale's slugs; this overrides
    those with the team's colours and gives every other rating its own `rating-<id>` class."""
    membership = queries.membership_for_user(request.user, slug)
    lines = []
    for pk, rating_slug, colour in (
        Rating.objects.filter(team=membership.team)
        .order_by("order", "id")
        .values_list("pk", "slug", "colour")
    ):
        if not services.COLOUR_RE.match(colour):  # never emit anything but #rrggbb
            continue
        if rating_slug in STYLED_RATINGS:
            selector = f".verdict-{rating_slug},\n.claim-card--verdict-{rating_slug}"
        else:
            selector = f".rating-{pk}"
        lines.append(f"{selector} {{ --c: {colour}; }}\n")
    body = "".join(lines)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    # Revalidated on every page: a recoloured rating shows at once.
    response["Cache-Control"] = "private, no-cache"
    return response
