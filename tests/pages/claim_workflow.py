"""What the claim panel's workflow tests share (test_workflow_ui.py, test_workflow_unsaved.py):
the article and claim they move (their `pytestmark`; test_workspace.py's claim is the same one
with a source), a claim put at any status, the open claim's form as the page sends it (also
for test_workspace.py and the page permission matrix), the answer's text."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from annotations.models import Claim

QUOTE = "11.000 North Korean soldiers had arrived in the region"
HTMX = {"HTTP_HX_REQUEST": "true"}

KURSK_CLAIM = {
    "exact": QUOTE,
    "claimant": "Volodymyr Zelensky",
    "rating": "half-true",
    "rationale": "Other estimates are lower.",
}
MARKS = [
    pytest.mark.django_db,
    pytest.mark.article(title="Kursk troop numbers"),
    pytest.mark.claim(**KURSK_CLAIM),
]


def at(claim: Claim, status: str) -> Claim:
    final = (
        claim.verdicts.filter(is_current=True).first()
        if status in ("approved", "published")
        else None
    )
    Claim.objects.filter(pk=claim.pk).update(status=status, final_verdict=final)
    claim.refresh_from_db()
    return claim


def editor_data(claim: Claim, **extra: Any) -> dict[str, Any]:
    """The open claim's form as the page sends it: the claim's wording, no verdict and one
    empty source row, with `extra` added or replacing fields."""
    return {
        "version": claim.version,
        "claimant": claim.claimant,
        "summary": claim.summary,
        "rating": "",
        "rationale": "",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        **extra,
    }


def text(response) -> str:
    return unescape(response.content.decode())
