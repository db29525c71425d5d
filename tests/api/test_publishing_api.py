"""Publishing in the API: the team's settings, a claim's public URL at and after publishing,
and the ClaimReview that names them."""

from __future__ import annotations

import pytest

from annotations import services
from annotations.models import ClaimStatus, Event
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

PATTERN = "https://desk.example.org/fact-checks/{claim}"


def url(desk) -> str:
    return f"/api/v1/teams/{desk.team.slug}/publishing/"


def approve(world, desk) -> None:
    services.claim_transition(claim=world.claim, actor=desk.admin, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=world.claim, actor=desk.editor, to=ClaimStatus.APPROVED)


def test_members_read_the_settings_and_admins_change_them(desk, api_as):
    assert api_as("viewer").get(url(desk)).json() == {
        "organisation_name": "",
        "site_url": "",
        "logo_url": "",
        "public_url_pattern": "",
        "author_name": desk.team.name,
    }

    answer = api_as("admin").patch(
        url(desk),
        {"organisation_name": "Verify FC", "site_url": "https://verify.example.org/"},
        format="json",
    )

    assert answer.status_code == 200
    assert answer.json()["author_name"] == "Verify FC"
    assert answer.json()["site_url"] == "https://verify.example.org/"
    event = Event.objects.get(verb="team.publishing_changed")
    assert event.changes["organisation_name"] == ["", "Verify FC"]
    refused = api_as("editor").patch(url(desk), {"logo_url": ""}, format="json")
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"public_url_pattern": "https://x.example.org/{slug}"}, "public_url_pattern", "{claim}"),
        (
            {"public_url_pattern": "https://x.example.org/{claim}/{page}"},
            "public_url_pattern",
            "{page}",
        ),
        ({"logo_url": "data:image/png;base64,AAAA"}, "logo_url", "http"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_settings_are_a_400_naming_the_field(desk, api_as, body, field, words):
    answer = api_as("admin").patch(url(desk), body, format="json")

    assert answer.status_code == 400
    error = error_of(answer)
    assert words in error["detail"] + " ".join(error.get("errors", {}).get(field, []))
    assert not Event.objects.filter(verb="team.publishing_changed").exists()


def test_publishing_through_the_api_takes_a_public_url(desk, world, api_as):
    approve(world, desk)

    answer = api_as("editor").post(
        f"/api/v1/claims/{world.claim.pk}/transition/",
        {"to": "published", "public_url": "https://desk.example.org/checks/zelensky"},
        format="json",
    )

    assert answer.status_code == 200
    assert answer.json()["public_url"] == "https://desk.example.org/checks/zelensky"
    review = api_as("viewer").get(f"/api/v1/claims/{world.claim.pk}/claimreview")
    assert review.json()["url"] == "https://desk.example.org/checks/zelensky"
    assert review["X-Claims-Without-Public-URL"] == "0"


def test_publishing_through_the_api_without_a_url_uses_the_pattern(desk, world, api_as):
    api_as("admin").patch(url(desk), {"public_url_pattern": PATTERN}, format="json")
    approve(world, desk)

    answer = api_as("editor").post(
        f"/api/v1/claims/{world.claim.pk}/transition/", {"to": "published"}, format="json"
    )

    assert (
        answer.json()["public_url"] == f"https://desk.example.org/fact-checks/{world.claim.number}"
    )


def test_a_published_claim_without_a_url_has_a_claimreview_without_one(desk, world, api_as):
    approve(world, desk)
    api_as("editor").post(
        f"/api/v1/claims/{world.claim.pk}/transition/",
        {"to": "published", "public_url": None},
        format="json",
    )

    review = api_as("viewer").get(f"/api/v1/claims/{world.claim.pk}/claimreview")

    assert review.status_code == 200
    assert "url" not in review.json()
    assert review["X-Claims-Without-Public-URL"] == "1"
    assert "testserver" not in review.content.decode()


def test_an_editor_patches_a_published_claims_public_url(desk, world, api_as):
    approve(world, desk)
    services.claim_transition(claim=world.claim, actor=desk.editor, to=ClaimStatus.PUBLISHED)
    claim_url = f"/api/v1/claims/{world.claim.pk}/"
    etag = api_as("editor").get(claim_url)["ETag"]

    answer = api_as("editor").patch(
        claim_url,
        {"public_url": "https://desk.example.org/checks/1"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["public_url"] == "https://desk.example.org/checks/1"
    assert answer.json()["status"] == "published"
    # The wording of a published claim still needs a correction; the old ETag is stale.
    frozen = api_as("editor").patch(claim_url, {"summary": "Other words."}, format="json")
    assert frozen.status_code == 409 and error_of(frozen)["code"] == "published"
    stale = api_as("editor").patch(claim_url, {"public_url": ""}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    reviewer = api_as("reviewer").patch(claim_url, {"public_url": ""}, format="json")
    assert reviewer.status_code == 403


def test_the_schema_describes_the_publishing_endpoint_and_fields(desk, api_as):
    schema = api_as("viewer").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/teams/{slug}/publishing/" in schema["paths"]
    assert "patch" in schema["paths"]["/api/v1/teams/{slug}/publishing/"]
    components = schema["components"]["schemas"]
    assert "public_url" in components["Claim"]["properties"]
    assert "public_url" in components["TransitionInputRequest"]["properties"]
