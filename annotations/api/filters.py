"""List filters (django-filter). Querysets are already scoped to the caller's teams; a filter
naming another team's slug or article simply matches nothing."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from annotations.models import Article, ArticleStatus, Claim, ClaimStatus, Verdict
from annotations.queries import scope

# The largest id a database column holds: larger values are refused as invalid, not sent on.
MAX_ID = scope.MAX_ID


class SafeIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that can also be converted to UTC (year 1 at +14:00 cannot)."""

    def to_python(self, value):  # noqa: ANN001, ANN201
        parsed = super().to_python(value)
        if parsed is not None:
            try:
                parsed.astimezone(UTC)
            except (OverflowError, ValueError):
                raise forms.ValidationError(
                    "Enter a date and time between years 1 and 9999."
                ) from None
        return parsed


class SafeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _search(queryset: QuerySet, fields: list[str], value: str) -> QuerySet:
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class ArticleFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__slug", max_length=60, help_text="Team slug.")
    status = django_filters.ChoiceFilter(choices=ArticleStatus.choices)
    assignee = django_filters.CharFilter(
        field_name="assignees__username",
        max_length=150,
        help_text="Username of someone assigned to the article.",
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=200, help_text="Words in the title or publisher."
    )
    archived = django_filters.ChoiceFilter(
        choices=[("1", "1"), ("true", "true"), ("0", "0"), ("false", "false")],
        method="filter_archived",
        help_text="1: archived articles only. Without it (or 0) archived articles are left out.",
    )

    class Meta:
        model = Article
        fields = ["team", "status", "assignee", "q", "archived"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _search(queryset, ["title", "publisher"], value)

    def filter_archived(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in filter_queryset, also when the parameter is absent

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        archived = self.form.cleaned_data.get("archived") in ("1", "true")
        return super().filter_queryset(queryset).filter(archived_at__isnull=not archived)


class ClaimFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(
        field_name="article__team__slug", max_length=60, help_text="Team slug."
    )
    article = IdFilter(field_name="article_id", help_text="Article id.")
    number = IdFilter(
        field_name="number",
        help_text="The claim's number in its team (#123 is 123); with several teams, add team.",
    )
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    rating = django_filters.CharFilter(
        method="filter_rating",
        max_length=60,
        help_text="Rating slug of a current verdict or of the final verdict.",
    )
    claimant = django_filters.CharFilter(
        field_name="claimant", lookup_expr="icontains", max_length=300, help_text="Part of it."
    )
    reviewer = django_filters.CharFilter(
        method="filter_reviewer",
        max_length=150,
        help_text="Username of a reviewer with a current verdict on the claim.",
    )
    created_after = SafeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="ISO 8601 date or time, inclusive."
    )
    created_before = SafeIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="ISO 8601 date or time, exclusive."
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=200, help_text="Words in the quote, summary or claimant."
    )

    class Meta:
        model = Claim
        fields = [
            "team",
            "article",
            "number",
            "status",
            "rating",
            "claimant",
            "reviewer",
            "created_after",
            "created_before",
            "q",
        ]

    def filter_rating(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        current = Verdict.objects.filter(claim=OuterRef("pk"), is_current=True, rating__slug=value)
        return queryset.filter(Q(Exists(current)) | Q(final_verdict__rating__slug=value))

    def filter_reviewer(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        verdicts = Verdict.objects.filter(
            claim=OuterRef("pk"), is_current=True, reviewer__username=value
        )
        return queryset.filter(Exists(verdicts))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _search(queryset, ["exact", "summary", "claimant"], value)
