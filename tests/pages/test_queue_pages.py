"""Pages for assignments (pages/assignments.py): "My queue", the count in the navigation,
and the Assignees forms on the article page and in an open claim, with htmx and without."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import queries, services
from annotations.models import ArticleAssignment, ClaimAssignment, Event, Notification
from tests.factories import QUOTE, days, fill_queue, make_article
from tests.pages.test_pages import assert_csp_safe

pytestmark = [pytest.mark.django_db, pytest.mark.article(title="Troops in Kursk")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def html_of(response) -> str:
    return response.content.decode()


def words(html: str) -> str:
    """The text a reader sees: tags dropped, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, heading: str) -> str:
    """The HTML of the <section> whose heading says `heading`."""
    for match in re.finditer(r"<section\b.*?</section>", html, re.S):
        if re.search(rf"<h[1-6][^>]*>\s*{re.escape(heading)}\b", match.group(0)):
            return match.group(0)
    raise AssertionError(f"no section headed {heading!r}")


def nav_link(html: str) -> str:
    match = re.search(r'<a href="/queue/"[^>]*>.*?</a>', html, re.S)
    assert match, "no My queue link"
    return match.group(0)


# --- My queue ---------------------------------------------------------------------------------


def test_the_queue_needs_a_login(client, desk):
    response = client.get(reverse("queue"))
    assert response.status_code == 302 and "/login" in response.url


def test_the_queue_lists_what_is_assigned_overdue_first_and_flags_it(client, desk):
    late = make_article(desk.team, text="Late story.", title="Late story")
    soon = make_article(desk.team, text="Soon story.", title="Soon story")
    undated = make_article(desk.team, text="Some story.", title="Undated story")
    services.article_assign(article=undated, assignee=desk.reviewer, actor=desk.editor)
    services.article_assign(article=soon, assignee=desk.reviewer, due_on=days(2), actor=desk.editor)
    services.article_assign(
        article=late, assignee=desk.reviewer, due_on=days(-3), actor=desk.editor
    )
    client.force_login(desk.reviewer)

    response = client.get(reverse("queue"))

    assert response.status_code == 200
    assigned = section(html_of(response), "Assigned to me")
    text = words(assigned)
    assert text.index("Late story") < text.index("Soon story") < text.index("Undated story")
    assert "Late story Overdue: was due" in text
    assert text.count("Overdue") == 1
    assert "queue-item--overdue" in assigned
    assert f'href="{reverse("article_detail", args=[late.pk])}"' in assigned
    assert "1 overdue" in words(html_of(response))
    assert_csp_safe(response)


def test_an_assigned_claim_links_to_its_card_on_the_article_page(client, desk, article, claim):
    services.claim_assign(claim=claim, assignee=desk.reviewer, due_on=days(1), actor=desk.editor)
    client.force_login(desk.reviewer)

    page = html_of(client.get(reverse("queue")))

    link = f"{reverse('article_detail', args=[article.pk])}#claim-{claim.pk}"
    assert f'href="{link}"' in section(page, "Assigned to me")
    assert QUOTE in words(section(page, "Waiting for my review"))


def test_an_editor_sees_claims_in_review_and_their_own_are_marked(client, desk, article, claim):
    mine = services.claim_create(article=article, actor=desk.editor, exact="Troops in Kursk")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    services.claim_transition(claim=mine, actor=desk.editor, to="in_review")
    client.force_login(desk.editor)

    waiting = words(section(html_of(client.get(reverse("queue"))), "Waiting for my review"))

    assert QUOTE in waiting and "Troops in Kursk Yours" in waiting
    assert waiting.count("Yours") == 1


def test_an_empty_queue_says_so(client, desk):
    client.force_login(desk.viewer)
    page = words(html_of(client.get(reverse("queue"))))
    assert "Nothing is waiting for you." in page
    assert "Nothing is assigned to you." in page


def test_the_queue_page_costs_the_same_queries_for_few_and_many_items(client, desk):
    client.force_login(desk.editor)

    def grow(to: int) -> int:
        fill_queue(desk, to, actor=desk.admin, first_due=-3)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("queue"))
        assert html_of(response).count('<li class="queue-item') == 3 * to
        return len(captured)

    few = grow(3)
    assert grow(20) == few
    assert few <= 10


# --- the navigation count --------------------------------------------------------------------


def test_the_navigation_shows_the_number_of_open_items(client, desk, article, claim):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    client.force_login(desk.reviewer)

    link = nav_link(html_of(client.get(reverse("article_list"))))

    # The article, and the claim (assigned, and waiting for a verdict: counted once).
    assert 'aria-label="My queue, 2 items"' in link
    assert words(link) == "My queue 2"


def test_the_navigation_count_goes_down_as_work_is_done(client, desk, claim):
    services.claim_assign(claim=claim, assignee=desk.reviewer, actor=desk.editor)
    client.force_login(desk.reviewer)
    assert words(nav_link(html_of(client.get(reverse("token_list"))))) == "My queue 1"

    services.verdict_set(claim=claim, actor=desk.reviewer, rating="false")
    services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
    services.claim_transition(claim=claim, actor=desk.editor, to="approved")
    services.claim_transition(claim=claim, actor=desk.editor, to="published")

    link = nav_link(html_of(client.get(reverse("token_list"))))
    assert words(link) == "My queue" and 'aria-label="My queue, 0 items"' in link


def test_the_navigation_count_costs_one_query(client, desk, article):
    client.force_login(desk.reviewer)
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("token_list"))
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("token_list"))

    assert "My queue, 1 item" in html_of(response)
    counting = [q["sql"] for q in captured.captured_queries if "assignees" in q["sql"]]
    assert len(counting) == 1
    assert len(captured) == len(without)


# --- assigning on the article page --------------------------------------------------------------


def test_editors_get_the_assign_form_and_reviewers_only_the_list(client, desk, article):
    services.article_assign(
        article=article, assignee=desk.reviewer, due_on=days(-1), actor=desk.editor
    )
    url = reverse("article_detail", args=[article.pk])

    client.force_login(desk.editor)
    block = section(html_of(client.get(url)), "Assignees")
    assert '<label for="assign-user">Reviewer' in block
    assert '<label for="assign-due_on">Due date' in block
    assert ">Assign</button>" in block
    assert 'aria-label="Remove reviewer-user"' in block
    assert "reviewer-user Overdue: was due" in words(block)
    # Viewers cannot be given work: the select offers reviewers and up only.
    assert 'value="reviewer-user"' in block and 'value="viewer-user"' not in block

    client.force_login(desk.reviewer)
    block = section(html_of(client.get(url)), "Assignees")
    assert "reviewer-user" in words(block)
    assert "<form" not in block


def test_assigning_without_javascript_redirects_with_a_message(client, desk, article):
    client.force_login(desk.editor)
    url = reverse("article_assign", args=[article.pk])

    response = client.post(url, {"user": "reviewer-user", "due_on": days(4).isoformat()})

    assert response.status_code == 302
    assert response.url == reverse("article_detail", args=[article.pk]) + "#assignees"
    assert ArticleAssignment.objects.get(article=article).due_on == days(4)
    page = words(html_of(client.get(response.url)))
    assert f"Assigned to reviewer-user, due {queries.due_text(days(4))}." in page
    assert Notification.objects.filter(user=desk.reviewer, kind="assigned").exists()


def test_assigning_with_htmx_answers_with_the_assignees_block(client, desk, article):
    client.force_login(desk.editor)
    response = client.post(
        reverse("article_assign", args=[article.pk]), {"user": "admin-user", "due_on": ""}, **HTMX
    )

    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith('<section id="assignees"')
    assert "Assigned to admin-user." in words(html)
    assert 'aria-label="Remove admin-user"' in html


def test_a_refused_assignment_says_why(client, desk, article):
    client.force_login(desk.editor)
    url = reverse("article_assign", args=[article.pk])

    response = client.post(url, {"user": "viewer-user"}, **HTMX)
    # The viewer is not among the choices, so the form itself refuses.
    assert response.status_code == 400
    assert "Reviewer:" in words(html_of(response))

    response = client.post(url, {"user": "", "due_on": "tomorrow"}, **HTMX)
    assert response.status_code == 400
    assert 'role="alert"' in html_of(response)
    assert not ArticleAssignment.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("reviewer", 403), ("viewer", 403), ("outsider", 404)]
)
def test_only_editors_may_assign_on_the_page(client, desk, article, persona, status):
    client.force_login(desk.user(persona))
    response = client.post(reverse("article_assign", args=[article.pk]), {"user": "reviewer-user"})
    assert response.status_code == status
    assert not ArticleAssignment.objects.exists()


def test_removing_an_assignee(client, desk, article):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    client.force_login(desk.admin)

    response = client.post(
        reverse("article_unassign", args=[article.pk]), {"user": "reviewer-user"}, **HTMX
    )

    assert response.status_code == 200
    assert "reviewer-user is no longer assigned." in words(html_of(response))
    assert "Nobody is assigned to this article yet." in words(html_of(response))
    assert Event.objects.filter(verb="article.unassigned", actor=desk.admin).exists()


def test_a_reviewer_cannot_remove_an_assignee(client, desk, article):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    client.force_login(desk.reviewer)
    response = client.post(
        reverse("article_unassign", args=[article.pk]), {"user": "reviewer-user"}
    )
    assert response.status_code == 403
    assert article.assignees.exists()


# --- assigning a single claim ------------------------------------------------------------------


def test_an_open_claim_offers_editors_the_assign_claim_form(client, desk, claim):
    services.claim_assign(claim=claim, assignee=desk.reviewer, due_on=days(2), actor=desk.editor)
    client.force_login(desk.editor)

    html = html_of(client.get(reverse("claim_edit", args=[claim.pk]), **HTMX))

    block = section(html, "Assignees")
    assert f'id="claim-{claim.pk}-assignees"' in block
    assert ">Assign claim</button>" in block
    assert f'<label for="c{claim.pk}-assign-user">Reviewer' in block
    assert "reviewer-user due" in words(block)
    assert 'aria-label="Remove reviewer-user from this claim"' in block


def test_assigning_a_claim_with_htmx_and_without(client, desk, claim):
    client.force_login(desk.editor)
    url = reverse("claim_assign", args=[claim.pk])

    response = client.post(url, {"user": "reviewer-user", "due_on": days(1).isoformat()}, **HTMX)
    assert response.status_code == 200
    assert html_of(response).lstrip().startswith(f'<section id="claim-{claim.pk}-assignees"')
    assert "Assigned to reviewer-user, due" in words(html_of(response))

    response = client.post(url, {"user": "admin-user"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("claim_edit", args=[claim.pk]))
    assert set(claim.assignees.values_list("username", flat=True)) == {
        "reviewer-user",
        "admin-user",
    }

    response = client.post(reverse("claim_unassign", args=[claim.pk]), {"user": "admin-user"})
    assert response.status_code == 302
    assert list(ClaimAssignment.objects.values_list("user__username", flat=True)) == [
        "reviewer-user"
    ]


@pytest.mark.parametrize(("persona", "status"), [("reviewer", 403), ("outsider", 404)])
def test_only_editors_may_assign_a_claim(client, desk, claim, persona, status):
    client.force_login(desk.user(persona))
    response = client.post(reverse("claim_assign", args=[claim.pk]), {"user": "reviewer-user"})
    assert response.status_code == status
    assert not ClaimAssignment.objects.exists()


# --- the article list ---------------------------------------------------------------------------


def test_the_article_list_shows_assignees(client, desk, article):
    services.article_assign(article=article, assignee=desk.reviewer, actor=desk.editor)
    services.article_assign(article=article, assignee=desk.admin, actor=desk.editor)
    client.force_login(desk.viewer)

    html = html_of(client.get(reverse("article_list")))

    assert '<th scope="col">Assignees</th>' in html
    assert "admin-user, reviewer-user" in words(html)
