"""Sign-in limits for the login page and /admin/login/: failed sign-ins are counted per account
and per client address, and over a limit every sign-in there is refused for the rest of the
window, with a sentence saying which limit and for how long (429 with Retry-After, the form
shown again with the message).

Limits: FACTCHECK_LOGIN_FAILURES_PER_ACCOUNT, FACTCHECK_LOGIN_FAILURES_PER_ADDRESS, in a window of
FACTCHECK_LOGIN_WINDOW_SECONDS that starts with the first counted attempt. The address is
lib.client_address's (FACTCHECK_TRUSTED_PROXIES). Each attempt is counted before the password is
checked (one atomic increment in the cache), so parallel guesses cannot slip past the limit; a
successful sign-in then clears the account's count and takes itself off the address's. Counts
live in Django's default cache: per process unless CACHES names a shared one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from annotations.lib.client_address import client_address

PREFIX = "login-limit"


@dataclass(frozen=True)
class _Window:
    """One counter's current window: the cache keys of its end and of its count, and its end."""

    start_key: str
    key: str
    ends_at: float

    @classmethod
    def current(cls, name: str) -> _Window:
        window = max(1, settings.FACTCHECK_LOGIN_WINDOW_SECONDS)
        start_key = f"{PREFIX}:{name}:ends"
        cache.add(start_key, time.time() + window, timeout=window)
        ends_at = cache.get(start_key) or time.time() + window
        # The count's key names its window, so a count never outlives the window it belongs to
        # (not every cache backend keeps a key's expiry when it is incremented).
        return cls(start_key, f"{PREFIX}:{name}:{ends_at!r}", ends_at)

    def seconds_left(self) -> int:
        return max(1, math.ceil(self.ends_at - time.time()))

    def bump(self) -> int:
        cache.add(self.key, 0, timeout=self.seconds_left())
        try:
            return cache.incr(self.key)
        except ValueError:  # expired between the two calls
            cache.add(self.key, 1, timeout=self.seconds_left())
            return 1

    def take_back(self) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(self.key)


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int


def _refusal(whose: str, window: _Window) -> Refusal:
    seconds = window.seconds_left()
    minutes = math.ceil(seconds / 60)
    wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return Refusal(f"Too many failed sign-ins {whose}; try again in {wait}.", seconds)


class LoginAttempt:
    """One sign-in: `start()` counts it (or refuses it), then `succeeded()` if the password was
    right."""

    def __init__(self, username: str, address: str) -> None:
        digest = hashlib.sha256(username.encode()).hexdigest()
        self.account = _Window.current(f"account:{digest}")
        self.address = _Window.current(f"address:{address}")

    def start(self) -> Refusal | None:
        """Counts this attempt on the address and the account, or refuses it. A refused attempt
        checks no password, so it is not counted: it neither locks the other counter nor
        lengthens anything."""
        if self.address.bump() > settings.FACTCHECK_LOGIN_FAILURES_PER_ADDRESS:
            self.address.take_back()
            return _refusal("from your address", self.address)
        if self.account.bump() > settings.FACTCHECK_LOGIN_FAILURES_PER_ACCOUNT:
            self.account.take_back()
            self.address.take_back()
            return _refusal("for this account", self.account)
        return None

    def succeeded(self) -> None:
        cache.delete_many([self.account.start_key, self.account.key])
        self.address.take_back()


class LimitedLoginMixin:
    """An authentication form that counts its attempts; `retry_after` is set when refused."""

    retry_after: int | None = None

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # a missing field: nothing is tried, nothing counted
        request = self.request
        address = client_address(
            request.META if request else {}, settings.FACTCHECK_TRUSTED_PROXIES
        )
        attempt = LoginAttempt(username, address)
        refusal = attempt.start()
        if refusal is not None:
            self.retry_after = refusal.retry_after
            raise ValidationError(refusal.message, code="throttled")
        try:
            return super().clean()
        finally:
            # A right password counts as a success even when the account may not sign in here
            # (inactive, or not staff on /admin/login/): whoever typed it is not guessing.
            if self.user_cache is not None:
                attempt.succeeded()


class LoginForm(LimitedLoginMixin, AuthenticationForm):
    """The login page's form."""


class AdminLoginForm(LimitedLoginMixin, AdminAuthenticationForm):
    """/admin/login/'s form."""


def limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A login view whose refusal over a limit answers 429 with Retry-After (the same page)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        retry_after = getattr(form, "retry_after", None)
        if retry_after:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    return wrapper
