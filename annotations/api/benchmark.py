"""A bare Django view for benchmarks/bench_api_claims.py, and only for it.

It returns an article's claims with their current verdicts and sources built from values()
rows: the floor the real endpoint (DRF, authentication, throttling, serializers) is measured
against. Its URL exists only when FACTCHECK_BENCHMARK_VIEWS=1, so it never exists in normal runs;
it checks no permission, which is why it must never be enabled anywhere else.
"""

from __future__ import annotations

import os
from collections import defaultdict

from django.http import HttpRequest, JsonResponse
from django.urls import path

from annotations.models import Claim, Source, Verdict

CLAIM_FIELDS = (
    "id", "article_id", "start", "end", "exact", "prefix", "suffix", "anchor",
    "anchored_revision", "claimant", "summary", "status", "tags", "version",
    "created_by__username", "created_at", "updated_at", "final_verdict_id",
)  # fmt: skip


def bare_article_claims(request: HttpRequest, pk: int) -> JsonResponse:
    claims = list(Claim.objects.filter(article_id=pk).order_by("start", "id").values(*CLAIM_FIELDS))
    ids = [claim["id"] for claim in claims]
    verdicts = defaultdict(list)
    for row in Verdict.objects.filter(claim_id__in=ids, is_current=True).values(
        "id", "claim_id", "reviewer__username", "rating__slug", "rating__label", "rating__value",
        "rating__colour", "rationale", "is_current", "created_at",
    ):  # fmt: skip
        verdicts[row["claim_id"]].append(row)
    sources = defaultdict(list)
    for row in Source.objects.filter(claim_id__in=ids).values(
        "id", "claim_id", "url", "title", "publisher", "excerpt", "stance", "accessed_at",
        "archived_url",
    ):  # fmt: skip
        sources[row["claim_id"]].append(row)
    for claim in claims:
        claim["verdicts"] = verdicts[claim["id"]]
        claim["sources"] = sources[claim["id"]]
    return JsonResponse({"results": claims})


urlpatterns = (
    [path("_benchmark/articles/<int:pk>/claims/", bare_article_claims)]
    if os.environ.get("FACTCHECK_BENCHMARK_VIEWS") == "1"
    else []
)
