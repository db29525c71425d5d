"""The hand-written fast paths of the claim, verdict and source serializers give exactly the
JSON DRF's generic field-by-field serialization gives, for model objects and for the values()
rows the claim lists use."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Prefetch
from rest_framework import serializers

from annotations import services
from annotations.api.serializers import ClaimSerializer, SourceSerializer, VerdictSerializer
from annotations.models import Claim, Source, Verdict
from annotations.queries import resources, scope

pytestmark = pytest.mark.django_db


def generic(serializer_class, instance) -> dict:
    """DRF's own field-by-field representation (nested serializers included)."""
    return serializers.Serializer.to_representation(serializer_class(), instance)


@pytest.fixture
def approved_claim(world, desk):
    services.source_add(
        claim=world.claim,
        actor=desk.admin,
        url="https://example.org/dated",
        accessed_at=date(2026, 11, 1),
        stance="refutes",
    )
    services.verdict_set(claim=world.claim, actor=desk.editor, rating="unverifiable")
    services.claim_transition(claim=world.claim, actor=desk.admin, to="in_review")
    services.claim_transition(
        claim=world.claim, actor=desk.editor, to="approved", final_verdict=world.verdict.pk
    )
    return world.claim


def test_verdicts_from_models_and_rows_match_drf(approved_claim):
    for verdict in Verdict.objects.filter(claim=approved_claim).select_related(
        "rating", "reviewer"
    ):
        expected = generic(VerdictSerializer, verdict)
        assert VerdictSerializer().to_representation(verdict) == expected
        row = resources.attach_nested([Claim.objects.get(pk=approved_claim.pk)])[0]
        rows = {r["id"]: r for r in row.current_verdicts}
        if verdict.is_current:
            assert VerdictSerializer().to_representation(rows[verdict.pk]) == expected


def test_sources_from_models_and_rows_match_drf(approved_claim):
    claim = resources.attach_nested([Claim.objects.get(pk=approved_claim.pk)])[0]
    rows = {row["id"]: row for row in claim.source_rows}
    for source in Source.objects.filter(claim=approved_claim):
        expected = generic(SourceSerializer, source)
        assert SourceSerializer().to_representation(source) == expected
        assert SourceSerializer().to_representation(rows[source.pk]) == expected
    assert any(row["accessed_at"] for row in rows.values())


@pytest.mark.parametrize("orphaned", [False, True])
def test_claims_from_the_api_queries_match_drf_on_plain_models(orphaned, approved_claim, desk):
    if orphaned:
        Claim.objects.filter(pk=approved_claim.pk).update(start=None, end=None, anchor="orphaned")
    found = scope.claim_for_user(desk.viewer, approved_claim.pk, prepare=resources.claim_detail)
    fast = ClaimSerializer(resources.attach_nested([found])[0]).data

    plain = (
        Claim.objects.select_related(
            "created_by", "final_verdict__rating", "final_verdict__reviewer"
        )
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.filter(is_current=True)
                .select_related("rating", "reviewer")
                .order_by("created_at", "id"),
                to_attr="current_verdicts",
            ),
            Prefetch("sources", queryset=Source.objects.order_by("created_at", "id")),
        )
        .get(pk=approved_claim.pk)
    )
    assert fast == generic(ClaimSerializer, plain)
    assert fast["final_verdict"]["rating"]["slug"] == "mostly-true"
    assert len(fast["verdicts"]) == 2 and len(fast["sources"]) == 2
