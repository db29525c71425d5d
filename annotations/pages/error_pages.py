"""The site's own 404, 403 and 500 pages in every mode, DEBUG on included.

With DEBUG off Django already answers with `handler404` / `handler403` / `handler500`. With
DEBUG on (what `make run` serves) it shows its technical pages instead: a 404 listing every URL
pattern, a 500 with the traceback and settings. A new desk trying the tool must see the pages a
desk will see in production, so this middleware puts the site's pages back under DEBUG too,
unless a developer asks for the technical ones with `FACTCHECK_DEBUG_ERROR_PAGES=1`.

403 needs nothing: Django renders `handler403` whatever DEBUG says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import get_resolver, get_urlconf
from django.utils.deprecation import MiddlewareMixin

request_logger = logging.getLogger("django.request")


def _site_pages_wanted() -> bool:
    """True when Django would show a technical page that the site's own one should replace."""
    return settings.DEBUG and not settings.FACTCHECK_DEBUG_ERROR_PAGES


def _handler(status: int) -> Callable[..., HttpResponse]:
    return get_resolver(get_urlconf()).resolve_error_handler(status)


def not_found_response(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The URLconf's 404 (JSON under /api/, the styled page elsewhere)."""
    exception = exception if exception is not None else Http404("No page at this address.")
    return _handler(404)(request, exception)


class SiteErrorPagesMiddleware(MiddlewareMixin):
    """Under DEBUG: the URLconf's 404 and 500 views in place of Django's technical pages."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _site_pages_wanted():
            return None
        if isinstance(exception, Http404):
            return not_found_response(request, exception)
        if _handled_by_django(exception):
            return None  # 400 and 403 pages: Django already uses the site's own
        # What Django would log before its technical page: the traceback, on the console.
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return _handler(500)(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # An address that matches no URL pattern never reaches a view: Django's resolver
        # answers it with the technical 404 (no `resolver_match` on the request).
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _site_pages_wanted()
        ):
            return not_found_response(request)
        return response


def _handled_by_django(exception: Exception) -> bool:
    """400 and 403: Django answers them with the URLconf's own pages in every mode."""
    return isinstance(
        exception, (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)
    )
