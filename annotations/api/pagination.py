"""Cursor pagination for every list: stable under inserts, no COUNT(*) per page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination

from annotations.api.errors import InvalidCursor

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ApiCursorPagination(CursorPagination):
    """`?cursor=` from the `next`/`previous` links, `?page_size=` (default 50, at most 200).

    The order is the view's `ordering`, or the `ordering` parameter (see ApiOrderingFilter).
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):  # noqa: ANN001, ANN201
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
