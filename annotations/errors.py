"""Errors raised by services. Each carries a user-facing message, a code and an HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field


class InvalidInput(ServiceError):
    status = 400
    code = "invalid"


class NotFound(ServiceError):
    """Outside the user's teams, or gone: the same answer, so nothing leaks."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The user can see the object but their role may not change it."""

    status = 403
    code = "permission_denied"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotAnArticle(ServiceError):
    """A page that does not look like an article, refused unless the import is forced.

    `reasons` are sentences for the user; `preview` is what was extracted (title, the first
    lines, the word count), so the page can show it and ask to confirm.
    """

    status = 422
    code = "not_an_article"

    def __init__(self, message: str, *, reasons: list[str], preview: dict) -> None:
        super().__init__(message)
        self.reasons = reasons
        self.preview = preview

    @property
    def extra(self) -> dict:
        return {"reasons": self.reasons, "preview": self.preview}
