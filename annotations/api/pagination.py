"""Cursor pagination for every list: stable under inserts, no COUNT(*) per page."""

from __future__ import annotations

import binascii
import re
from base64 import b64decode
from urllib.parse import parse_qs

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import Cursor, CursorPagination

from annotations.api.errors import InvalidCursor

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_POSITION_CHARS = 1000  # longer than any value a list is ordered by


_INTEGER_RE = re.compile(r"-?\d{1,19}")


class ApiCursorPagination(CursorPagination):
    """`?cursor=` from the `next`/`previous` links, `?page_size=` (default 50, at most 200).

    The order is the view's `ordering`, or the `ordering` parameter (see ApiOrderingFilter).
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def decode_cursor(self, request):  # noqa: ANN001, ANN201
        """The cursor of a `next`/`previous` link: base64 of `o=<offset>&r=1&p=<position>`
        (each optional, at least one present); anything else is InvalidCursor."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse_qs(
                querystring, keep_blank_values=True, strict_parsing=True, max_num_fields=3
            )
        except (ValueError, UnicodeError, binascii.Error):
            raise InvalidCursor() from None
        if set(tokens) - {"o", "r", "p"} or any(len(values) != 1 for values in tokens.values()):
            raise InvalidCursor()
        offset = tokens.get("o", ["0"])[0]
        reverse = tokens.get("r", ["0"])[0]
        if not offset.isdigit() or len(offset) > 9 or reverse not in ("0", "1"):
            raise InvalidCursor()
        position = tokens.get("p", [None])[0]
        if position is not None and not self._position_fits(position):
            raise InvalidCursor()
        return Cursor(
            offset=min(int(offset), self.offset_cutoff), reverse=reverse == "1", position=position
        )

    def _position_fits(self, position: str) -> bool:
        """A position is a value of the first ordering field, as the links write it."""
        if len(position) > MAX_POSITION_CHARS or not position.isprintable():
            return False
        name = self.ordering[0].lstrip("-")
        annotation = self._annotations.get(name)
        try:
            field = (
                annotation.output_field
                if annotation is not None
                else self._model._meta.get_field(name)
            )
        except (AttributeError, FieldDoesNotExist):
            return True  # the query itself refuses what does not fit
        if isinstance(field, (models.IntegerField, models.AutoField)):
            return bool(_INTEGER_RE.fullmatch(position)) and abs(int(position)) < 2**63
        try:
            field.to_python(position)
        except ValidationError:
            return False
        return True

    def paginate_queryset(self, queryset, request, view=None):  # noqa: ANN001, ANN201
        self._model = queryset.model
        self._annotations = queryset.query.annotations
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise InvalidCursor() from None
        except (ValidationError, ValueError, TypeError, OverflowError):
            # A hand-made cursor whose position does not fit the ordering field.
            raise InvalidCursor() from None


class ApiOrderingFilter(OrderingFilter):
    """`?ordering=field` or `-field`, among the view's ordering_fields; `id` breaks ties so the
    order is total (the cursor itself uses the first field)."""

    def get_ordering(self, request, queryset, view):  # noqa: ANN001, ANN201
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering
