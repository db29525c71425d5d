"""GET /api/v1/export?format=json|csv|ndjson|w3c|claimreview&team=SLUG[&article=ID] — streamed.

A team export may be narrowed as the article list is: `status` (the article's), `q` (words in
the title or publisher), `assignee` (a username).

Any member of the team may export (viewers included: it is a read); a team the caller is not in
is a 404, like every object outside their teams. The body is produced while it is sent, a chunk
of claims at a time, so the server's memory stays flat however large the team is.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from annotations import policies, services
from annotations.api.errors import error_responses
from annotations.errors import InvalidInput, NotFound
from annotations.exports import streams
from annotations.models import Article, ArticleStatus, Team


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`format` names the export here, not one of DRF's renderers.

    DRF reads `?format=` as a renderer override (URL_FORMAT_OVERRIDE) and answers 404 when no
    renderer has that name. The export's body is not rendered by DRF at all; errors are JSON.
    """

    def select_renderer(self, request, renderers, format_suffix=None):  # noqa: ANN001, ANN201
        renderer = renderers[0]
        return renderer, renderer.media_type


async def in_thread(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Serve a synchronous export under ASGI without collecting it first.

    Given a synchronous iterator, Django's ASGI handler reads it to the end into a list before
    sending a byte. Here each chunk is produced in the request's sync thread (thread-sensitive:
    the same database connection throughout) and sent before the next is made.
    """
    done = object()
    next_chunk = sync_to_async(next, thread_sensitive=True)
    try:
        while (chunk := await next_chunk(chunks, done)) is not done:
            yield chunk
    finally:
        await sync_to_async(chunks.close, thread_sensitive=True)()


def _team_for(request: Request, slug: str | None) -> Team:
    if not slug:
        raise InvalidInput(
            "Say which team to export: ?team=SLUG.", code="team_required", field="team"
        )
    # Not a slug (a NUL byte, say, which PostgreSQL refuses): no such team, not a 500.
    team = Team.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if team is None:
        raise NotFound("No such team.")
    services.require(request.user, team, policies.READ)  # outsiders: 404
    return team


def _article_for(team: Team, value: str | None) -> Article | None:
    if value in (None, ""):
        return None
    try:
        article_id = int(value)
    except ValueError:
        raise InvalidInput(
            f"article must be an article id (a whole number), not {value!r}.",
            field="article",
        ) from None
    if not 0 < article_id < 2**63:  # beyond a bigint: no such article, not a database error
        raise NotFound("No such article in this team.")
    article = Article.objects.filter(team=team, pk=article_id).only("id", "title").first()
    if article is None:
        raise NotFound("No such article in this team.")
    return article


def _flag(value: str | None, name: str = "include_archived") -> bool:
    if value in (None, "", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise InvalidInput(f"{name} must be 1 or 0, not {value!r}.", field=name)


def _within(request: Request) -> streams.ArticleFilter:
    """The article list's filters, checked: an unknown status is a 400, not an empty file."""
    params = request.query_params
    status = params.get("status") or ""
    if status and status not in ArticleStatus.values:
        raise InvalidInput(
            f"Unknown article status {status!r}: use one of {', '.join(ArticleStatus.values)}.",
            field="status",
        )
    q = (params.get("q") or "").strip()
    if len(q) > 200:
        raise InvalidInput("q is at most 200 characters.", field="q")
    assignee = (params.get("assignee") or "").strip()
    if len(assignee) > 150:
        raise InvalidInput("assignee is a username of at most 150 characters.", field="assignee")
    archived = _flag(params.get("archived"), "archived")
    return streams.ArticleFilter(status=status, q=q, assignee=assignee, archived=archived)


FORMAT_NAMES = ", ".join(streams.FORMATS)
WITHOUT_PUBLIC_URL = "X-Claims-Without-Public-URL"
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


class ExportView(APIView):
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        operation_id="export",
        summary="Export a team's (or one article's) claims",
        description=(
            "Streamed. `json`: our complete, versioned export (the input of "
            "`manage.py import_export`); `csv`: one row per claim, UTF-8 with BOM, "
            "formula cells neutralised; `ndjson`: one claim per line; `w3c`: a W3C Web "
            "Annotation AnnotationCollection; `claimreview`: a schema.org DataFeed of "
            "ClaimReviews for approved and published claims, with the header "
            "`X-Claims-Without-Public-URL`: how many of them have no public URL (no `url`: "
            "search engines ignore them)."
        ),
        parameters=[
            OpenApiParameter(
                "format", str, required=True, enum=list(streams.FORMATS), description="Format."
            ),
            OpenApiParameter("team", str, required=True, description="The team's slug."),
            OpenApiParameter(
                "article",
                int,
                required=False,
                description="One article only (archived or not).",
            ),
            OpenApiParameter(
                "include_archived",
                str,
                required=False,
                enum=["0", "1"],
                description="1: a team's export includes its archived articles (left out "
                "otherwise).",
            ),
            OpenApiParameter(
                "status",
                str,
                required=False,
                enum=ArticleStatus.values,
                description="Only articles with this status.",
            ),
            OpenApiParameter(
                "q",
                str,
                required=False,
                description="Only articles with these words in the title or publisher.",
            ),
            OpenApiParameter(
                "assignee",
                str,
                required=False,
                description="Only articles assigned to this username.",
            ),
            OpenApiParameter(
                "archived",
                str,
                required=False,
                enum=["0", "1"],
                description="1: only the team's archived articles (the list's Archived tab).",
            ),
        ],
        responses={
            (200, media_type): OpenApiResponse(
                OpenApiTypes.OBJECT
                if media_type.endswith("+json") or media_type.endswith("/json")
                else OpenApiTypes.STR,
                description="The export, as an attachment (streamed).",
            )
            for media_type in sorted(
                {fmt.content_type.split(";")[0] for fmt in streams.FORMATS.values()}
            )
        }
        | error_responses(400, 401, 404, 429),
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        name = request.query_params.get("format") or ""
        fmt = streams.FORMATS.get(name)
        if fmt is None:
            raise InvalidInput(
                f"Unknown export format {name!r}: use one of {FORMAT_NAMES}."
                if name
                else f"Say which format to export: ?format= one of {FORMAT_NAMES}.",
                code="unknown_format",
                field="format",
            )
        team = _team_for(request, request.query_params.get("team"))
        article = _article_for(team, request.query_params.get("article"))
        within = _within(request)
        # The Archived tab's export: its archived articles only, so they must not be left out.
        include_archived = _flag(request.query_params.get("include_archived")) or within.archived
        # IRIs name the host the client used, as the W3C protocol views' do.
        base_url = request.build_absolute_uri("/").rstrip("/")
        # Counted before the body streams: a header cannot follow it.
        missing = (
            streams.without_public_url(
                team, article=article, include_archived=include_archived, within=within
            )
            if name == "claimreview"
            else 0
        )
        chunks = fmt.stream(
            team,
            article=article,
            base_url=base_url,
            include_archived=include_archived,
            within=within,
        )
        if isinstance(request._request, ASGIRequest):
            chunks = in_thread(chunks)
        response = StreamingHttpResponse(chunks, content_type=fmt.content_type)
        filename = streams.filename(name, team, article)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # Proxies such as nginx buffer responses by default; an export is meant to flow.
        response["X-Accel-Buffering"] = "no"
        response["Cache-Control"] = "no-store"
        if name == "claimreview":
            # ClaimReviews without a public URL have no `url`: search engines ignore them.
            response[WITHOUT_PUBLIC_URL] = str(missing)
        return response


urlpatterns = [
    path("export", ExportView.as_view(), name="api-export"),
]
