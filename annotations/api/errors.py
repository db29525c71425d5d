"""One error format for the whole API: `{"detail": str, "code": str}` with the right status.

Validation errors add `"errors": {field: [message, ...]}` (nested fields as dotted paths, e.g.
`sources.0.url`) and their `detail` is a readable sentence naming the fields.

Reuse from other API modules:
- `api_exception_handler` is the REST_FRAMEWORK EXCEPTION_HANDLER; it also turns the services'
  ServiceError (.message/.code/.status/.field) and Django's RequestDataTooBig into this format.
- `error_response(status, code, detail)` builds such a response by hand (plain Django views).
- `PreconditionFailed` (412), `RequestTooLarge` (413), `InvalidCursor` (400) exceptions.
- `ErrorSerializer`, `ValidationErrorSerializer` and `error_responses(400, 404, …)` for
  drf-spectacular's `extend_schema(responses=...)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from annotations.errors import ServiceError
from annotations.lib.text import human_size
from annotations.queries import conflicts


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "This object changed since you read it (If-Match does not match its ETag). "
        "GET it again and reapply your change."
    )
    default_code = "precondition_failed"


def precondition_failed_from(error: Exception) -> PreconditionFailed:
    """The 412 for a stale write the service refused, naming the same claim and version."""
    failed = PreconditionFailed()
    for name in ("claim_id", "your_version"):
        if hasattr(error, name):
            setattr(failed, name, getattr(error, name))
    return failed


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"

    @classmethod
    def for_limit(cls, limit: int) -> RequestTooLarge:
        return cls(f"The request body is larger than the {human_size(limit)} limit.")


class InvalidCursor(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid cursor: use the `next` or `previous` link of a list response."
    default_code = "invalid_cursor"


def _flatten(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {dotted.path: [messages]}."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            key = str(key)
            if key == "non_field_errors" and path:
                key = ""  # the nested object as a whole: name it by its own path
            nested = f"{path}.{key}" if path and key else (path or key)
            for field, messages in _flatten(value, nested).items():
                found.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (list, Mapping)) for item in detail):
            found[path or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item in ({}, []):
                    continue
                for field, messages in _flatten(
                    item, f"{path}.{index}" if path else str(index)
                ).items():
                    found.setdefault(field, []).extend(messages)
    else:
        found[path or "non_field_errors"] = [str(detail)]
    return found


def _sentence(errors: Mapping[str, Iterable[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        text = " ".join(messages)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return "Invalid input. " + " ".join(
        part if part.endswith((".", "?", "!")) else part + "." for part in parts
    )


def _first_code(detail: Any) -> str:
    if isinstance(detail, Mapping):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list):
        for item in detail:
            return _first_code(item)
    return getattr(detail, "code", None) or "invalid"


def error_body(code: str, detail: str, errors: Mapping[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = dict(errors)
    return body


def error_response(
    status_code: int,
    code: str,
    detail: str,
    *,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    """An error in the API's format from a plain Django view (outside DRF's handler)."""
    response = JsonResponse(error_body(code, detail, errors), status=status_code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as {"detail", "code"} (+ "errors")."""
    if isinstance(exc, ServiceError):
        set_rollback()
        errors = {exc.field: [exc.message]} if exc.field and exc.status == 400 else None
        body = error_body(exc.code, exc.message, errors) | conflicts.api_details(exc)
        body |= getattr(exc, "extra", {})  # e.g. a page that is not an article: its reasons
        return Response(body, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        from django.conf import settings

        exc = RequestTooLarge.for_limit(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))

    if isinstance(exc, exceptions.ValidationError) or isinstance(exc.detail, (list, dict)):
        errors = _flatten(exc.detail)
        body = error_body(_first_code(exc.detail), _sentence(errors), errors)
    else:
        body = error_body(
            str(getattr(exc.detail, "code", None) or exc.default_code), str(exc.detail)
        )
    body |= conflicts.api_details(exc)  # a stale write: the current version, what changed
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# --- schema ----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(help_text="A stable machine-readable code.")


class NotAnArticleErrorSerializer(ErrorSerializer):
    reasons = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Why, one sentence each."
    )
    preview = serializers.DictField(
        required=False, help_text="What was extracted: `title`, `first_lines`, `words`."
    )


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field; nested fields as dotted paths (`sources.0.url`).",
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input (wrong types, unknown fields, malformed JSON, invalid selectors…).",
    401: "No credentials, or an invalid or revoked token (`WWW-Authenticate: Token`).",
    403: "Your role in the team may read this but not change it (or a failed CSRF check).",
    404: "Not found, or outside your teams.",
    405: "Method not allowed.",
    406: "Cannot produce the media type asked for in Accept.",
    409: "Conflict: a stale `version`, a workflow step that is not allowed, a frozen claim.",
    412: "If-Match does not match the current ETag.",
    413: "The request body (or an uploaded file) is too large.",
    415: "Unsupported media type.",
    422: "No article text was found (`no_article_text`), or the page does not look like an "
    "article (`not_an_article`, with `reasons` and a `preview`; send `force` to import it).",
    429: "Too many requests; retry after `Retry-After` seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """{status: OpenApiResponse} for extend_schema(responses=...), 400 with field errors."""
    return {
        code: OpenApiResponse(
            {400: ValidationErrorSerializer, 422: NotAnArticleErrorSerializer}.get(
                code, ErrorSerializer
            ),
            description=ERROR_DESCRIPTIONS[code],
        )
        for code in statuses
    }


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/ (clients parse it), the friendly page everywhere else."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "Not found.")
    return page_not_found(request, exception)
