"""Stable claim references: each claim's permanent number in its team (#123) — given at
creation, never reused, never changed — where people see it, its permalink, and the exports."""

from __future__ import annotations

import csv
import io
import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.errors import InvalidInput
from annotations.exports import streams
from annotations.models import Claim, ClaimStatus, Team
from tests.factories import TeamFactory, make_article

QUOTE = "11.000 North Korean soldiers"
OTHER = "10.000 North Korean soldiers"


def create(article, user, exact: str = QUOTE, **extra) -> Claim:
    return services.claim_create(article=article, actor=user, exact=exact, **extra)


def counter(team: Team) -> int:
    return Team.objects.values_list("claim_counter", flat=True).get(pk=team.pk)


# --- given once, never reused, never changed ----------------------------------------------------


def test_each_team_numbers_its_claims_from_one_on_its_own(desk, article):
    other_article = make_article(desk.other_team)

    first, second = create(article, desk.reviewer), create(article, desk.reviewer, OTHER)
    elsewhere = create(other_article, desk.outsider)
    later_article = make_article(desk.team, text="A second story.\n\nIt has 5 claims.")
    third = create(later_article, desk.reviewer, "5 claims")

    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert elsewhere.number == 1
    assert (counter(desk.team), counter(desk.other_team)) == (3, 1)


def test_a_deleted_claims_number_is_never_given_again(desk, article):
    first = create(article, desk.reviewer)
    second = create(article, desk.reviewer, OTHER)
    services.claim_delete(claim=second, actor=desk.editor)

    again = create(article, desk.reviewer, OTHER)

    assert (first.number, second.number, again.number) == (1, 2, 3)


def test_undo_of_a_deletion_gives_the_claim_back_its_number(desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)
    create(article, desk.reviewer, "Pentagon")
    claim_id = claim.pk
    snapshot = services.claim_delete(claim=claim, actor=desk.editor)

    restored = services.claim_restore(article=article, actor=desk.editor, snapshot=snapshot)

    assert (restored.pk, restored.number) == (claim_id, 2)
    assert counter(desk.team) == 3
    assert create(article, desk.reviewer).number == 4


def test_restoring_a_deletion_recorded_before_numbers_gives_the_next_number(desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)
    snapshot = services.claim_delete(claim=claim, actor=desk.editor)
    del snapshot["number"]  # what a deletion recorded before claims had numbers looks like

    restored = services.claim_restore(article=article, actor=desk.editor, snapshot=snapshot)

    assert restored.number == 3


def test_edits_workflow_and_new_revisions_leave_the_number_alone(desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER, rating="false")
    services.claim_update(claim=claim, actor=desk.reviewer, summary="Reworded.")
    services.claim_transition(claim=claim, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.APPROVED)
    before = claim.start
    # A new version moves the claim: text is inserted before it.
    services.article_revise(
        article=article, actor=desk.editor, text="New first line.\n\n" + article.text
    )

    claim.refresh_from_db()
    assert claim.start == before + len("New first line.\n\n")
    assert claim.number == 2


@pytest.mark.django_db(transaction=True)
def test_two_claims_created_at_once_on_postgresql_get_different_numbers(desk):
    """Real threads, each with its own connection: the first holds its transaction open
    after taking a number; the second must wait for it, not reuse the number."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks and concurrent transactions need PostgreSQL (SQLite serialises).")
    article = make_article(desk.team)
    first_has_number = threading.Event()
    numbers: dict[str, int] = {}
    finished: dict[str, float] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                numbers["first"] = create(article, desk.reviewer).number
                first_has_number.set()
                time.sleep(0.5)  # the second creation starts meanwhile and has to wait
            finished["first"] = time.monotonic()
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
            first_has_number.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_has_number.wait(5)
            numbers["second"] = create(article, desk.editor, OTHER).number
            finished["second"] = time.monotonic()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert sorted(numbers.values()) == [1, 2]
    assert numbers["first"] == 1
    assert finished["second"] >= finished["first"]  # it waited for the first to commit
    assert counter(desk.team) == 2


@pytest.mark.django_db(transaction=True)
def test_many_threads_creating_claims_at_once_never_share_a_number(desk):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent transactions need PostgreSQL (SQLite serialises writers).")
    article = make_article(desk.team)
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(5)
            for _ in range(5):
                create(article, desk.reviewer)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    numbers = sorted(Claim.objects.filter(article=article).values_list("number", flat=True))
    assert numbers == list(range(1, 31))
    assert counter(desk.team) == 30


# --- the permalink -------------------------------------------------------------------------------


def permalink(team: Team, number: int) -> str:
    return reverse("claim_permalink", args=[team.slug, number])


def test_the_permalink_opens_the_article_with_the_claim_open_and_its_highlight_targeted(
    client, desk, article
):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)
    client.force_login(desk.viewer)

    response = client.get(permalink(desk.team, claim.number))

    detail = reverse("article_detail", args=[article.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{detail}?claim={claim.pk}#mark-{claim.pk}"
    page = client.get(response["Location"]).content.decode()
    opened = page[page.index(f'<li id="claim-{claim.pk}"') :]
    opened = opened[: opened.index("</li>")]
    assert "is-open" in opened and f"Claim #{claim.number}" in opened
    assert f'id="mark-{claim.pk}"' in page  # the fragment's target: its highlight
    assert f'href="{permalink(desk.team, claim.number)}"' in opened
    assert "Permanent link to #2" in opened


def test_an_orphaned_claims_permalink_targets_its_card(client, desk, article):
    claim = create(article, desk.reviewer)
    Claim.objects.filter(pk=claim.pk).update(anchor="orphaned", start=None, end=None)
    client.force_login(desk.viewer)

    response = client.get(permalink(desk.team, claim.number))

    assert response["Location"].endswith(f"?claim={claim.pk}#claim-{claim.pk}")


def test_a_permalink_is_a_404_outside_the_team_and_for_a_number_no_claim_has(client, desk, article):
    claim = create(article, desk.reviewer)
    gone = create(article, desk.reviewer, OTHER)
    services.claim_delete(claim=gone, actor=desk.editor)

    client.force_login(desk.outsider)
    assert client.get(permalink(desk.team, claim.number)).status_code == 404
    client.force_login(desk.viewer)
    assert client.get(permalink(desk.team, gone.number)).status_code == 404
    assert client.get(permalink(desk.team, 99)).status_code == 404
    assert client.get(permalink(desk.other_team, claim.number)).status_code == 404
    anonymous = Client().get(permalink(desk.team, claim.number))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_the_article_page_ignores_a_claim_of_another_article(client, desk, article):
    elsewhere = create(
        make_article(desk.team, text="Elsewhere 11.000 North Korean soldiers."), desk.reviewer
    )
    client.force_login(desk.viewer)

    page = client.get(reverse("article_detail", args=[article.pk]), {"claim": elsewhere.pk})

    assert page.status_code == 200
    assert "is-open" not in page.content.decode()


# --- where people see the number ---------------------------------------------------------------


def test_cards_and_highlights_show_the_number_not_the_position(client, desk, article):
    later = create(article, desk.reviewer, OTHER)  # #1, second in the text
    earlier = create(article, desk.reviewer, "President Zelensky")  # #2, first in the text
    client.force_login(desk.viewer)

    page = client.get(reverse("article_detail", args=[article.pk])).content.decode()

    assert page.index(f'id="claim-{earlier.pk}"') < page.index(f'id="claim-{later.pk}"')
    assert f"data-open-claim>Claim #{earlier.number}</a>" in page
    assert f"data-open-claim>Claim #{later.number}</a>" in page
    assert f'data-claim="{earlier.pk}" data-n="2" aria-label="Claim #2' in page
    assert f'data-claim="{later.pk}" data-n="1" aria-label="Claim #1' in page


def test_notifications_the_queue_and_history_cite_the_number(client, desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER, rating="false")
    services.claim_transition(claim=claim, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=claim, actor=desk.editor, to=ClaimStatus.DRAFT, note="Why?")
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    client.force_login(desk.reviewer)

    notifications = client.get(reverse("notification_list")).content.decode()
    assert "sent back your claim #2 “" in notifications
    assert "assigned you claim #2 “" in notifications
    queue = client.get(reverse("queue")).content.decode()
    assert '<span class="claim-number">#2</span>' in queue
    history = client.get(reverse("claim_history", args=[claim.pk])).content.decode()
    assert "<h1>History of claim #2</h1>" in history

    claim_id = claim.pk
    services.claim_delete(claim=claim, actor=desk.editor)
    client.force_login(desk.editor)
    history = client.get(reverse("claim_history", args=[claim_id])).content.decode()
    assert "<h1>History of claim #2</h1>" in history
    activity = client.get(reverse("team_activity", args=[desk.team.slug])).content.decode()
    assert "History of claim #2</a>" in activity


def test_the_article_agreement_page_lists_where_reviewers_differ_by_number(client, desk, article):
    create(article, desk.reviewer, rating="true")
    differ = create(article, desk.reviewer, OTHER, rating="false")
    services.verdict_set(claim=differ, actor=desk.editor, rating="true")
    client.force_login(desk.viewer)

    page = client.get(reverse("article_agreement", args=[article.pk])).content.decode()

    assert f'<a href="{permalink(desk.team, 2)}">#2</a>' in page
    assert "editor-user: True; reviewer-user: False" in page
    assert f'{permalink(desk.team, 1)}"' not in page


def test_the_api_gives_the_number_and_filters_on_it(desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)
    api = Client()
    api.force_login(desk.viewer)

    found = api.get("/api/v1/claims/", {"team": "verify", "number": 2}).json()["results"]

    assert [(c["id"], c["number"]) for c in found] == [(claim.pk, 2)]
    assert api.get("/api/v1/claims/", {"number": 0}).status_code == 400


def test_exports_carry_the_number(desk, article):
    create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)

    def export(fmt: str) -> str:
        return "".join(streams.FORMATS[fmt].stream(desk.team, base_url="http://testserver"))

    doc = json.loads(export("json"))
    assert {c["exact"]: c["number"] for c in doc["claims"]} == {QUOTE: 1, OTHER: 2}
    lines = [json.loads(line) for line in export("ndjson").splitlines()]
    assert {c["exact"]: c["number"] for c in lines} == {QUOTE: 1, OTHER: 2}
    rows = list(csv.DictReader(io.StringIO(export("csv").lstrip("\ufeff"), newline="")))
    assert {r["quote"]: r["claim"] for r in rows} == {QUOTE: "#1", OTHER: "#2"}
    w3c = json.loads(export("w3c"))["first"]["items"]
    assert {a["id"].rsplit("/", 1)[1]: a["https://schema.org/identifier"] for a in w3c} == {
        str(claim.pk - 1): "#1",
        str(claim.pk): "#2",
    }


# --- the JSON import keeps numbers ----------------------------------------------------------------


def exported(team: Team) -> dict:
    return json.loads("".join(streams.FORMATS["json"].stream(team, base_url="http://t")))


def test_an_import_keeps_the_numbers_and_sets_the_counter_past_them(desk, article):
    create(article, desk.reviewer)
    gone = create(article, desk.reviewer, OTHER)
    create(article, desk.reviewer, "President Zelensky")
    services.claim_delete(claim=gone, actor=desk.editor)  # a gap: #2 is gone
    copy = services.team_create(name="Copy", slug="copy")

    services.team_import_json(team=copy, data=exported(desk.team))

    assert sorted(Claim.objects.filter(team=copy).values_list("number", flat=True)) == [1, 3]
    assert counter(copy) == 3
    services.membership_set(team=copy, user=desk.admin, role="admin")
    assert create(copy.articles.get(), desk.admin, OTHER).number == 4


def test_a_file_from_before_numbers_imports_numbered_in_creation_order(desk, article):
    create(article, desk.reviewer)
    create(article, desk.reviewer, "President Zelensky")
    create(article, desk.reviewer, OTHER)
    data = exported(desk.team)
    by_creation = [c["exact"] for c in sorted(data["claims"], key=lambda c: c["created_at"])]
    for claim in data["claims"]:
        del claim["number"]
    copy = services.team_create(name="Copy", slug="copy")

    services.team_import_json(team=copy, data=data)

    numbered = Claim.objects.filter(team=copy).order_by("number").values_list("exact", flat=True)
    assert list(numbered) == by_creation
    assert counter(copy) == 3


def test_a_file_giving_one_number_to_two_claims_is_refused(desk, article):
    create(article, desk.reviewer)
    create(article, desk.reviewer, OTHER)
    data = exported(desk.team)
    data["claims"][1]["number"] = data["claims"][0]["number"]
    copy = TeamFactory(slug="copy")

    with pytest.raises(InvalidInput, match=r"claims\[1\]\.number"):
        services.team_import_json(team=copy, data=data)
    assert not Claim.objects.filter(team=copy).exists()


def test_a_comment_citing_a_claim_by_number_links_to_it(client, desk, article):
    first = create(article, desk.reviewer)
    claim = create(article, desk.reviewer, OTHER)
    services.comment_add(
        claim=claim, actor=desk.reviewer, body="Same source as #1, see page#3 & <#2>"
    )
    client.force_login(desk.viewer)

    page = client.get(reverse("claim_edit", args=[claim.pk])).content.decode()

    link = f'<a class="claim-link" href="{permalink(desk.team, first.number)}">#1</a>'
    assert f"Same source as {link}, see page#3 &amp; &lt;" in page
    assert f'href="{permalink(desk.team, 2)}">#2</a>&gt;' in page
    assert 'Discussion<span class="visually-hidden"> of claim #2</span>' in page


def test_the_admin_shows_the_number_but_never_changes_it(client, desk, article):
    claim = create(article, desk.reviewer)
    desk.admin.is_staff = desk.admin.is_superuser = True
    desk.admin.save()
    client.force_login(desk.admin)

    listing = client.get(reverse("admin:annotations_claim_changelist"), {"q": "1"})
    change = client.get(reverse("admin:annotations_claim_change", args=[claim.pk]))

    assert listing.status_code == 200 and QUOTE in listing.content.decode()
    page = change.content.decode()
    assert 'name="number"' not in page and 'name="team"' not in page
    assert client.get(reverse("admin:annotations_claim_add")).status_code == 403
