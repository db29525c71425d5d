"""The world the permission matrices run in (test_service_permissions.py and
test_page_permissions.py beside it): the desk's team with an article and the admin's draft
claim, and helpers that make whatever else one action needs, owned by whoever it has to be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from annotations import services
from annotations.models import (
    AnchorState,
    Article,
    ArticleAssignment,
    Claim,
    ClaimAssignment,
    ClaimStatus,
    Comment,
    Membership,
    Rating,
    Role,
    Source,
    Team,
    Verdict,
)
from tests.conftest import Desk
from tests.factories import QUOTE, UserFactory, make_article, make_discussed_claim

OTHER_QUOTE = "10.000 North Korean soldiers"


@dataclass
class Scene:
    """The desk's team with an article and the admin's draft claim on it (with the admin's
    verdict, a source and a comment), and helpers for whatever else an action needs."""

    desk: Desk
    article: Article
    claim: Claim
    source: Source
    comment: Comment

    def claim_of(
        self,
        owner: Any,
        status: str = ClaimStatus.DRAFT,
        *,
        anchor: str = AnchorState.ANCHORED,
        with_source: bool = False,
    ) -> Claim:
        """A claim of `owner`'s (anyone, even a viewer or nobody) in the given state. The
        admin's verdict is on it, so it can be approved; approved and published claims have it
        as their final verdict."""
        claim = services.claim_create(
            article=self.article, actor=self.desk.admin, exact=QUOTE, rating="mostly-true"
        )
        verdict = Verdict.objects.get(claim=claim, is_current=True)
        final = verdict if status in (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED) else None
        Claim.objects.filter(pk=claim.pk).update(
            created_by=owner if owner.is_authenticated else None,
            status=status,
            anchor=anchor,
            final_verdict=final,
        )
        if with_source:
            added_by = owner if owner.is_authenticated else None
            Source.objects.create(claim=claim, url="https://example.org/own", added_by=added_by)
        claim.refresh_from_db()
        return claim

    def other_than(self, who: Any) -> Any:
        """A member of the team who is not the caller: whose work "anyone's" actions touch."""
        return self.desk.editor if who == self.desk.admin else self.desk.admin

    def claim_rated_by(self, who: Any) -> Claim:
        """The scene's claim, with a current verdict of the caller's (made directly: a viewer
        cannot give one)."""
        if who.is_authenticated:
            rating = Rating.objects.get(team=self.desk.team, slug="false")
            Verdict.objects.get_or_create(
                claim=self.claim, reviewer=who, is_current=True, defaults={"rating": rating}
            )
        return self.claim

    def new_member(self, role: str = Role.VIEWER) -> Any:
        """Someone who just joined the team (whose role changes, or who is removed)."""
        user = UserFactory()
        Membership.objects.create(team=self.desk.team, user=user, role=role)
        return user

    def rating(self, slug: str, *, active: bool = True) -> Rating:
        Rating.objects.filter(team=self.desk.team, slug=slug).update(active=active)
        return Rating.objects.get(team=self.desk.team, slug=slug)

    def scale_slugs(self) -> list[str]:
        ratings = Rating.objects.filter(team=self.desk.team).order_by("order", "id")
        return list(ratings.values_list("slug", flat=True))

    def assigned(self, work: Article | Claim) -> Any:
        """The reviewer, assigned to the article or claim (directly: as if an editor had)."""
        if isinstance(work, Article):
            ArticleAssignment.objects.create(article=work, user=self.desk.reviewer)
        else:
            ClaimAssignment.objects.create(claim=work, user=self.desk.reviewer)
        return self.desk.reviewer

    def comment_of(self, author: Any) -> Comment:
        return Comment.objects.create(
            claim=self.claim, author=author if author.is_authenticated else None, body="Mine."
        )

    def deleted_claim_of(self, owner: Any) -> dict[str, Any]:
        """The snapshot of a deleted claim of `owner`'s, as an undo sends it back."""
        return services.claim_delete(claim=self.claim_of(owner), actor=self.desk.admin)

    def archived_article(self) -> Article:
        """Another article of the team, archived (directly: as if an editor had)."""
        article = make_article(self.desk.team, "An older story.\n\nArchived since.")
        Article.objects.filter(pk=article.pk).update(archived_at=timezone.now())
        article.refresh_from_db()
        return article

    def empty_team(self) -> Team:
        """A team without articles, where each persona has the same role as in the desk."""
        team = services.team_create(name="Empty desk", slug="empty-desk")
        for role in Role.values:
            Membership.objects.create(team=team, user=self.desk.user(role), role=role)
        return team


def make_scene(desk: Desk) -> Scene:
    article, claim, comment = make_discussed_claim(desk.team, desk.admin)
    return Scene(
        desk=desk,
        article=article,
        claim=claim,
        source=Source.objects.get(claim=claim),
        comment=comment,
    )
