"""Request rates: per token (or per user for session requests) and per anonymous address.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (FACTCHECK_API_RATE_USER,
FACTCHECK_API_RATE_ANON), read on every request rather than once at import as DRF's classes do,
so that a changed setting (a test, a reload) takes effect. Counts live in the default cache.
An anonymous caller's address is lib.client_address's: the socket's peer unless
FACTCHECK_TRUSTED_PROXIES says otherwise, never a header the client made up.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from annotations.lib.client_address import client_address
from annotations.models import ApiToken


class _SettingsRate:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:  # noqa: ANN001
        return client_address(request.META, settings.FACTCHECK_TRUSTED_PROXIES)


class ApiUserRateThrottle(_SettingsRate, SimpleRateThrottle):
    """Authenticated requests: one budget per API token, or per user for session requests."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:  # noqa: ANN001
        if not request.user or not request.user.is_authenticated:
            return None
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiAnonRateThrottle(_SettingsRate, SimpleRateThrottle):
    """Requests without valid credentials, per client address (failed token guesses count)."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:  # noqa: ANN001
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
