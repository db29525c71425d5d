"""The client's address, for every limit kept per address (API throttle, sign-in limits).

A client chooses its headers, so `X-Forwarded-For` alone proves nothing: the address is the
socket's peer (`REMOTE_ADDR`) unless the site sits behind `trusted_proxies` proxies
(FACTCHECK_TRUSTED_PROXIES), each appending the address it saw to `X-Forwarded-For`. Then the
N-th address from the right is the one the outermost trusted proxy saw; whatever the client
wrote further left is ignored. This is Django REST Framework's NUM_PROXIES rule, which the
settings keep equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def client_address(meta: Mapping[str, Any], trusted_proxies: int) -> str:
    """The address of the client of a request with WSGI/ASGI environ `meta`."""
    remote = str(meta.get("REMOTE_ADDR") or "").strip()
    if trusted_proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    return forwarded[-min(trusted_proxies, len(forwarded))]
