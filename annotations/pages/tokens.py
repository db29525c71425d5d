"""The API tokens page: list your tokens, create one (its secret is shown once), revoke one."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from annotations import services
from annotations.errors import ServiceError
from annotations.models import ApiToken


class TokenCreateForm(django_forms.Form):
    name = django_forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What will use it, e.g. “newsroom CMS” or “my laptop”.",
    )


def _token_page(request: HttpRequest, **context: object) -> dict:
    return {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id"),
        "form": TokenCreateForm(),
        **context,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """Your API tokens: create one (its secret is shown once, in this response only) or revoke one.

    The new token is rendered straight into the POST's response rather than after a redirect,
    so the secret is never kept anywhere (not even in the session) between two requests.
    """
    template = "annotations/tokens/tokens.html"
    if request.method == "GET":
        return render(request, template, _token_page(request))

    if "revoke" in request.POST:
        token = ApiToken.objects.filter(user=request.user, pk=_token_id(request)).first()
        if token is None:
            raise Http404("No such token.")
        services.token_revoke(token=token, actor=request.user)
        messages.success(request, f"Revoked “{token.name}”: it no longer works.")
        return redirect("token_list")

    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return render(request, template, _token_page(request, form=form), status=400)
    try:
        token, raw = services.token_create(actor=request.user, name=form.cleaned_data["name"])
    except ServiceError as error:
        form.add_error("name", error.message)
        return render(request, template, _token_page(request, form=form), status=400)
    return render(request, template, _token_page(request, new_token=token, new_secret=raw))


def _token_id(request: HttpRequest) -> int:
    try:
        value = int(request.POST.get("revoke", ""))
    except ValueError:
        raise Http404("No such token.") from None
    if not 1 <= value < 2**63:
        raise Http404("No such token.")
    return value
