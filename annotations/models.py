"""The domain model: teams, articles and their revisions, claims with verdicts and evidence.

Writes happen in services/; reads are shaped by the querysets of queries/.
Every offset counts Unicode code points of Article.text (Python string indices).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Role(models.TextChoices):
    """Each role includes the powers of the ones before it."""

    VIEWER = "viewer", "Viewer"
    REVIEWER = "reviewer", "Reviewer"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"

    @classmethod
    def rank(cls, role: str) -> int:
        return [choice.value for choice in cls].index(role)


class Team(models.Model):
    """A newsroom desk. Nothing crosses team borders."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last claim number given out in this team (services.next_claim_number). Only ever
    # raised, so a number is never given twice, not even after its claim was deleted.
    claim_counter = models.PositiveIntegerField(default=0)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    # Publishing settings (admins; annotations/lib/publishing.py): who publishes the team's fact
    # checks, for the ClaimReview `author`, and where they are published.
    organisation_name = models.CharField(max_length=200, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    logo_url = models.URLField(max_length=2000, blank=True)
    # e.g. https://desk.example.org/fact-checks/{claim}; placeholders in publishing.PLACEHOLDERS.
    public_url_pattern = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_user_team"),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="membership_role_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def has_role(self, role: str) -> bool:
        return Role.rank(self.role) >= Role.rank(role)


class Rating(models.Model):
    """One step of a team's verdict scale. Retired (active=False), never deleted once used."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ratings")
    slug = models.SlugField(max_length=60)
    label = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    colour = models.CharField(max_length=7, default="#6b7280", help_text="#rrggbb")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="rating_slug_unique_in_team"),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="rating_colour_is_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ArticleStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    READY = "ready", "Ready"
    PUBLISHED = "published", "Published"


class SourceKind(models.TextChoices):
    TEXT = "text", "Plain text"
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML"
    URL = "url", "URL"


class Article(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateField(null=True, blank=True)
    # True when the page did not state the date and the extractor inferred it (from the
    # address, a copyright line, the text): shown as a guess.
    published_at_guessed = models.BooleanField(default=False)
    language = models.CharField(max_length=16, blank=True)
    # The canonical plain text every offset refers to; paragraphs separated by a blank line.
    text = models.TextField()
    # [{"kind": "heading"|"paragraph"|"quote"|"list_item", "start": int, "end": int, "level": int}]
    blocks = models.JSONField(default=list)
    # The article's hyperlinks: [{"start": int, "end": int, "href": str}] over `text` (code
    # points, end exclusive, ordered, not overlapping; http, https and mailto only).
    links = models.JSONField(default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.NEW
    )
    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="ArticleAssignment",
        through_fields=("article", "user"),
        related_name="assigned_articles",
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imported_articles",
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # sha256 of the current text, to give back the existing article instead of a duplicate.
    content_hash = models.CharField(max_length=64, db_index=True)
    # Archived: out of the lists and queues, kept with its claims, restorable (articles.py).
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["team", "content_hash"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ArticleRevision(models.Model):
    """Every version of an article's text ever loaded."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    blocks = models.JSONField(default=list)
    links = models.JSONField(default=list, blank=True)  # as Article.links, over this text
    title = models.CharField(max_length=500)
    source_kind = models.CharField(max_length=16, choices=SourceKind.choices)
    source_url = models.URLField(max_length=2000, blank=True)
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="revision_number_unique_in_article"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} r{self.number}"


class AnchorState(models.TextChoices):
    ANCHORED = "anchored", "Anchored"
    FUZZY = "fuzzy", "Fuzzy"
    ORPHANED = "orphaned", "Orphaned"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class Claim(models.Model):
    """A highlighted claim in an article: the annotation.

    `number` is the claim's permanent reference inside its team (shown as #123): given at
    creation from Team.claim_counter, never changed, never reused. `team` repeats the article's
    team so that the database itself can hold the numbers unique per team.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="claims")
    number = models.PositiveIntegerField()
    # Selectors over the current revision. An orphaned claim has no position, only its quote.
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    anchor = models.CharField(
        max_length=16, choices=AnchorState.choices, default=AnchorState.ANCHORED
    )
    anchored_revision = models.PositiveIntegerField(
        default=1, help_text="The article revision the quote was taken from."
    )
    claimant = models.CharField(max_length=300, blank=True, help_text="Who made the claim.")
    summary = models.TextField(blank=True, help_text="The claim as checked (claimReviewed).")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    tags = models.JSONField(default=list, blank=True)
    final_verdict = models.ForeignKey(
        "Verdict", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="ClaimAssignment",
        through_fields=("claim", "user"),
        related_name="assigned_claims",
    )
    # The latest correction of a published claim (every one is also an Event with its note).
    correction_note = models.TextField(blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    # Where the fact check is published (ClaimReview `url`); set at Publish, editable after.
    public_url = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_claims",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every write; a write that names an older version is a conflict.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                # Both or neither. The isnull tests matter: SQL CHECK passes a NULL (unknown)
                # condition, so `end > start` alone would let a half-NULL pair through.
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (
                    Q(start__isnull=False)
                    & Q(end__isnull=False)
                    & Q(start__gte=0)
                    & Q(end__gt=F("start"))
                ),
                name="claim_start_before_end",
            ),
            models.CheckConstraint(
                condition=~Q(anchor="orphaned") | Q(start__isnull=True),
                name="claim_orphan_has_no_position",
            ),
            models.CheckConstraint(
                condition=Q(anchor="orphaned") | Q(start__isnull=False),
                name="claim_anchored_has_position",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claim_status_is_known"
            ),
            models.CheckConstraint(
                condition=Q(anchor__in=AnchorState.values), name="claim_anchor_is_known"
            ),
            models.CheckConstraint(condition=~Q(exact=""), name="claim_exact_not_empty"),
            models.CheckConstraint(
                condition=Q(public_url="")
                | Q(public_url__startswith="http://")
                | Q(public_url__startswith="https://"),
                name="claim_public_url_is_http",
            ),
            models.UniqueConstraint(fields=["team", "number"], name="claim_number_unique_in_team"),
            models.CheckConstraint(condition=Q(number__gte=1), name="claim_number_positive"),
        ]

    def __str__(self) -> str:
        return self.summary or self.exact[:80]

    @property
    def ref(self) -> str:
        """How people cite the claim: its number in its team, e.g. "#123"."""
        return f"#{self.number}"


class Verdict(models.Model):
    """A reviewer's rating of a claim. Superseded verdicts are kept, not current."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="verdicts")
    rationale = models.TextField(blank=True)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "reviewer"],
                condition=Q(is_current=True),
                name="one_current_verdict_per_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating} by {self.reviewer}"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class Source(models.Model):
    """A piece of evidence for or against a claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    excerpt = models.TextField(blank=True)
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.CONTEXT)
    accessed_at = models.DateField(null=True, blank=True)
    archived_url = models.URLField(max_length=2000, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="source_url_is_http",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="source_stance_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Comment(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    body = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A deleted comment stays as a tombstone so that the replies under it keep their thread.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["claim", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return self.body[:80]


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003 - same signature as QuerySet.update
        raise TypeError("Events are append-only.")

    # Bulk delete skips Event.delete(). Deleting a team still removes its events: the
    # cascade deletes rows directly and never calls QuerySet.delete().
    def delete(self):
        raise TypeError("Events are append-only.")

    delete.alters_data = True


class Event(models.Model):
    """Append-only log: the audit trail, the activity feed and the source of live updates.

    The article and claim references carry no database constraint so that the history of a
    deleted claim stays readable under its old id.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="events")
    article = models.ForeignKey(
        Article,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="events",
    )
    claim = models.ForeignKey(
        Claim,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    verb = models.CharField(max_length=60)
    # {"field": [before, after]} for updates; {"field": [None, value]} for creations.
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-id"]), models.Index(fields=["article", "-id"])]

    def __str__(self) -> str:
        return f"{self.verb} by {self.actor}"

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise TypeError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003
        raise TypeError("Events are append-only.")


class ApiToken(models.Model):
    """A named, revocable API token. Only a hash of the secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the token, shown so people can tell their tokens apart.
    key_prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- collaboration ------------------------------------------------------------------------------


class Assignment(models.Model):
    """What an article's and a claim's assignment have in common: a due date, who gave it, when."""

    due_on = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class ArticleAssignment(Assignment):
    """An article given to a team member to check, with an optional due date."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_assignments"
    )

    class Meta:
        # The table of the plain many-to-many field this model took over.
        db_table = "annotations_article_assignees"
        unique_together = [("article", "user")]

    def __str__(self) -> str:
        return f"{self.article} → {self.user}"


class ClaimAssignment(Assignment):
    """A single claim given to a team member, with an optional due date."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_assignments"
    )

    class Meta:
        db_table = "annotations_claim_assignees"
        unique_together = [("claim", "user")]

    def __str__(self) -> str:
        return f"{self.claim} → {self.user}"


class Invite(models.Model):
    """A single-use link that makes whoever opens it (logged in) a member with `role`.

    Only a hash of the secret is stored; the link is shown once, when it is made.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REVIEWER)
    key_prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True, help_text="Who the link is for.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invite_role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.team} invite ({self.role}, {self.key_prefix}…)"


class Notification(models.Model):
    """Something a user should see: a mention, an assignment, a claim sent back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"


class Presence(models.Model):
    """Who has an article open: one row per open page, refreshed while its stream is alive."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences"
    )
    channel = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "user", "-last_seen"]
        indexes = [models.Index(fields=["article", "last_seen"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.article}"
