from django.contrib import admin
from django.http import HttpRequest

from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Comment,
    Event,
    Membership,
    Rating,
    Source,
    Team,
    Verdict,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, RatingInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "team__name"]
    list_select_related = ["user", "team"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["label", "slug", "team", "value", "order", "active"]
    list_filter = ["active", "team"]
    search_fields = ["label", "slug"]
    list_select_related = ["team"]


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    fields = ["number", "title", "source_kind", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "publisher", "status", "revision", "imported_at"]
    list_filter = ["status", "team", "source_kind", "language"]
    search_fields = ["title", "url", "publisher", "author"]
    date_hierarchy = "imported_at"
    list_select_related = ["team"]
    readonly_fields = ["content_hash", "imported_at", "updated_at", "revision"]
    inlines = [RevisionInline]


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    fk_name = "claim"


class SourceInline(admin.StackedInline):
    model = Source
    extra = 0


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number", "claimant", "article", "status", "anchor", "updated_at"]
    list_filter = ["status", "anchor", "article__team"]
    search_fields = ["=number", "exact", "summary", "claimant", "article__title"]
    list_select_related = ["article"]
    raw_id_fields = ["article", "final_verdict"]
    # A claim's number and team are given once, at creation, by the services.
    readonly_fields = ["team", "number", "version", "created_at", "updated_at"]
    inlines = [VerdictInline, SourceInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # claims are made on the article page, where they get their number


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["claim", "reviewer", "rating", "is_current", "created_at"]
    list_filter = ["is_current", "rating__label"]
    search_fields = ["claim__exact", "rationale", "reviewer__username"]
    list_select_related = ["claim", "reviewer", "rating"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "stance", "claim", "created_at"]
    list_filter = ["stance"]
    search_fields = ["url", "title", "excerpt"]
    list_select_related = ["claim"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "claim", "created_at"]
    search_fields = ["body", "author__username"]
    list_select_related = ["author", "claim"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited."""

    list_display = ["created_at", "verb", "actor", "team", "article_id", "claim_id"]
    list_filter = ["verb", "team"]
    search_fields = ["verb", "actor__username", "note"]
    list_select_related = ["actor", "team"]

    def has_add_permission(self, request, obj=None):  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ANN001
        return False
