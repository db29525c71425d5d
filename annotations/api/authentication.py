"""API authentication: `Authorization: Token <token>` or `Bearer <token>` against ApiToken.

Tokens are looked up by their SHA-256 hash (services.token_hash); the raw value is never stored.
A revoked or unknown token is refused with 401, even when a session cookie is also present:
a client that sends a token means that token.

Reuse: list `ApiTokenAuthentication` first in a view's authentication_classes (it is the
project default) so that a request without credentials gets 401 with `WWW-Authenticate: Token`.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from annotations import services
from annotations.models import ApiToken

KEYWORDS = ("token", "bearer")
# A raw token is "fct_" and 43 URL-safe characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 200


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates `Authorization: Token <raw>` (or `Bearer <raw>`); sets request.auth to the
    ApiToken, so throttles and views can tell token requests from session requests."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiToken] | None:
        header = authentication.get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None  # another scheme (Basic, …): not ours to judge
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: send `Token <token>` with no spaces in the token.",
                code="invalid_token",
            )
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from None
        return self.authenticate_credentials(raw)

    def authenticate_credentials(self, raw: str) -> tuple[AbstractBaseUser, ApiToken]:
        if len(raw) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=services.token_hash(raw))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This token has been revoked.", code="token_revoked"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "The token's user is inactive.", code="user_inactive"
            )
        services.token_mark_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # noqa: ANN001, ANN201 - drf-spectacular API
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>` or `Bearer <token>`; create one on the Tokens page "
            "or with `manage.py api_token USERNAME`.",
        }
