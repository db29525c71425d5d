"""New versions of an article's text: each is kept as a revision, and every claim is re-anchored
onto the new text (exact, moved, fuzzy or orphaned); a reviewer then confirms a fuzzy match or
re-attaches an orphaned claim to newly selected text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotations import policies, verbs
from annotations.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
)
from annotations.lib import anchoring, ingest
from annotations.models import (
    AnchorState,
    Article,
    ArticleRevision,
    Claim,
    ClaimStatus,
    Event,
    Membership,
)
from annotations.queries.attention import claim_is_flagged
from annotations.services._base import (
    _claim_event,
    _jsonable,
    check_version,
    event_record,
    lock_claim,
    require,
    require_not_archived,
    validate_model,
)
from annotations.services.articles import content_hash, keepable_url, load_article_input

_SELECTOR_FIELDS = ("start", "end", "exact", "prefix", "suffix", "anchor")


@dataclass
class RevisionResult:
    """What article_revise did.

    `created` is False when the text was the current revision's (nothing changed, `revision`
    is None). `counts` has the claims per anchor state after the revision ("anchored",
    "fuzzy", "orphaned"), how many were "relocated" (anchored, but not where the diff carried
    them), "changed" (any selector field changed: version bumped, Event recorded) and
    "flagged" (published claims that moved). `flagged` lists those claims' ids.
    """

    article: Article
    revision: ArticleRevision | None
    created: bool
    message: str
    counts: dict[str, int]
    flagged: list[int]

    @property
    def unchanged(self) -> bool:
        return not self.created


def article_revise(
    *,
    article: Article,
    actor: AbstractBaseUser | None,
    text: str | None = None,
    markdown: str | None = None,
    html: str | None = None,
    url: str | None = None,
    file_name: str | None = None,
    file_data: bytes | None = None,
    title: str = "",
) -> RevisionResult:
    """Load a new version of an article (exactly like an import) and re-anchor every claim.

    Reviewers and up may add revisions (as they may import); `actor=None` is the command line.
    The input is loaded before the transaction (a URL fetch does not hold the database). Text
    identical to the current revision is not a new revision: the result says "unchanged".
    Otherwise the article gets revision number + 1 with its new text, blocks and metadata
    (author, publisher, date, language, URL where the new input has them; the title only
    when `title` is given, else the current one stays), and every
    claim is placed on the new text (anchoring.Reanchorer): anchored, fuzzy (it keeps its old
    quote, now pointing at the close variant, until a person confirms it) or orphaned (kept,
    with its quote, without a position). No claim is ever deleted. Each claim whose selector
    changed gets version + 1 and a `claim.reanchored` Event (before/after); a published one
    that moved or changed gets `claim.moved` instead, which flags it for an editor. One
    `article.revised` Event carries the counts.
    """
    if actor is not None:
        require(actor, article.team, policies.ARTICLE_IMPORT)
    require_not_archived(article, "loading a new version")
    loaded = load_article_input(
        text=text,
        markdown=markdown,
        html=html,
        url=url,
        file_name=file_name,
        file_data=file_data,
        title=title,
    )
    # The costly part, placing every claim on the new text, runs before the transaction too;
    # the transaction reuses it when the article and its claims are still as they were read.
    placed = _place_claims(article.pk, loaded.text)
    return _article_revise_apply(
        article=article,
        actor=actor,
        loaded=loaded,
        title_given=bool(title.strip()),
        placed=placed,
    )


@dataclass
class _Placement:
    """Where every claim goes on a new text, computed from the article's text and claims as they
    were read (`old_text`, `claims`, each claim's selector fields)."""

    old_text: str
    claims: list[tuple[Any, ...]]
    results: list[anchoring.Reanchored]


def _claims_to_place(article_id: int) -> list[Claim]:
    return list(
        Claim.objects.filter(article_id=article_id)
        .only("id", *_SELECTOR_FIELDS, "anchored_revision", "status", "version")
        .order_by("id")
    )


def _selector_key(claims: list[Claim]) -> list[tuple[Any, ...]]:
    return [(claim.pk, *(getattr(claim, name) for name in _SELECTOR_FIELDS)) for claim in claims]


def _selectors(claims: list[Claim]) -> list[anchoring.Selector]:
    return [
        anchoring.Selector(
            claim.start if claim.anchor != AnchorState.ORPHANED else None,
            claim.end if claim.anchor != AnchorState.ORPHANED else None,
            claim.exact,
            claim.prefix,
            claim.suffix,
        )
        for claim in claims
    ]


def _place_claims(article_id: int, new_text: str) -> _Placement | None:
    current = Article.objects.filter(pk=article_id).values_list("text", flat=True).first()
    if current is None or current == new_text:
        return None
    claims = _claims_to_place(article_id)
    return _Placement(
        current, _selector_key(claims), anchoring.reanchor(current, new_text, _selectors(claims))
    )


@transaction.atomic
def _article_revise_apply(
    *,
    article: Article,
    actor: AbstractBaseUser | None,
    loaded: ingest.LoadedArticle,
    title_given: bool,
    placed: _Placement | None = None,
) -> RevisionResult:
    # The article's claims first, then its row, the order every claim write takes them in
    # (the claim, then the article's status or an Event naming it): a claim being edited now is
    # re-anchored as its edit leaves it, and an edit starting now waits for the new positions
    # and sees the new text. The article row is the lock between two revisions of one article.
    list(
        Claim.objects.select_for_update()
        .filter(article_id=article.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked = Article.objects.select_for_update().get(pk=article.pk)
    digest = content_hash(loaded.text)
    if digest == locked.content_hash and loaded.text == locked.text:
        _copy_article(locked, article)
        return RevisionResult(
            article=article,
            revision=None,
            created=False,
            message=f"The text is the same as the current revision (r{locked.revision}) of "
            f"“{locked.title}”; no new revision was made.",
            counts={},
            flagged=[],
        )
    latest = (
        ArticleRevision.objects.filter(article=locked)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first() or 0
    number = max(locked.revision, latest) + 1
    old_text = locked.text

    before = {field: getattr(locked, field) for field in _REVISED_ARTICLE_FIELDS}
    locked.text = loaded.text
    locked.blocks = loaded.blocks
    locked.links = loaded.links
    locked.content_hash = digest
    locked.revision = number
    locked.source_kind = loaded.source_kind
    # A title left empty keeps the current one: the new input's own title (or its first
    # line) never replaces a title somebody chose.
    if title_given:
        locked.title = loaded.title[:500]
    for field, value, limit in (
        ("url", keepable_url(loaded), 2000),
        ("publisher", loaded.publisher, 200),
        ("author", loaded.author, 300),
        ("language", loaded.language, 16),
    ):
        if value:
            setattr(locked, field, value[:limit])
    if loaded.published_at:
        locked.published_at = loaded.published_at
        locked.published_at_guessed = loaded.published_at_guessed
    validate_model(locked, exclude=["assignees", "team", "imported_by"])
    locked.save()
    revision = ArticleRevision.objects.create(
        article=locked,
        number=number,
        text=locked.text,
        blocks=locked.blocks,
        links=locked.links,
        title=locked.title,
        source_kind=locked.source_kind,
        source_url=keepable_url(loaded),
        content_hash=digest,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    counts, flagged = _reanchor_claims(locked, old_text, number, actor, placed)

    changes: dict[str, tuple[Any, Any]] = {
        field: (before[field], getattr(locked, field))
        for field in _REVISED_ARTICLE_FIELDS
        if before[field] != getattr(locked, field)
    }
    changes.update({name: (None, value) for name, value in counts.items()})
    message = (
        f"Revision r{number} of “{locked.title}”: {counts['anchored']} claim(s) anchored, "
        f"{counts['fuzzy']} fuzzy, {counts['orphaned']} orphaned"
    )
    if flagged:
        message += f"; {counts['flagged']} published claim(s) moved, for an editor to check"
    message += "."
    event_record(
        team=locked.team,
        verb=verbs.ARTICLE_REVISED,
        actor=actor,
        article=locked,
        changes=changes,
        note=message,
    )
    _copy_article(locked, article)
    return RevisionResult(
        article=article,
        revision=revision,
        created=True,
        message=message,
        counts=counts,
        flagged=flagged,
    )


_REVISED_ARTICLE_FIELDS = (
    "revision",
    "title",
    "url",
    "publisher",
    "author",
    "published_at",
    "published_at_guessed",
    "language",
    "source_kind",
)


def _copy_article(source: Article, target: Article) -> None:
    """Bring the caller's Article object up to date with the saved row."""
    if source is target:
        return
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _reanchor_claims(
    article: Article,
    old_text: str,
    number: int,
    actor: AbstractBaseUser | None,
    placed: _Placement | None = None,
) -> tuple[dict[str, int], list[int]]:
    """Place every claim of `article` (whose text is already the new one) and save them.

    Bulk writes whatever the number of claims: one UPDATE statement executed for all changed
    claims, one INSERT per 500 Events, and one UPDATE raising anchored_revision on the anchored
    claims whose selectors did not change.
    """
    claims = _claims_to_place(article.pk)
    if placed and placed.old_text == old_text and placed.claims == _selector_key(claims):
        results = placed.results
    else:  # a claim or the text changed since they were placed: place them again
        results = anchoring.reanchor(old_text, article.text, _selectors(claims))
    counts = dict.fromkeys(("anchored", "fuzzy", "orphaned", "relocated", "changed", "flagged"), 0)
    flagged: list[int] = []
    changed: list[Claim] = []
    unchanged = 0
    events: list[Event] = []
    now = timezone.now()
    event_actor = actor if actor is not None and actor.is_authenticated else None
    for claim, result in zip(claims, results, strict=True):
        counts[result.state] += 1
        if result.state == AnchorState.ANCHORED and result.moved:
            counts["relocated"] += 1
        wanted: dict[str, Any] = {"anchor": result.state}
        if result.state == AnchorState.ANCHORED:
            # The quote as it is in the new text (only typography may differ), and its context.
            wanted.update(
                start=result.start,
                end=result.end,
                exact=result.exact,
                prefix=result.prefix,
                suffix=result.suffix,
            )
        elif result.state == AnchorState.FUZZY:
            # Points at the close variant but keeps the quote (and context) it was made on,
            # from anchored_revision, until a person confirms the match.
            wanted.update(start=result.start, end=result.end)
        else:
            wanted.update(start=None, end=None)
        diff = {
            field: (getattr(claim, field), value)
            for field, value in wanted.items()
            if getattr(claim, field) != value
        }
        if not diff:
            unchanged += result.state == AnchorState.ANCHORED
            continue
        if result.state == AnchorState.ANCHORED:
            diff["anchored_revision"] = (claim.anchored_revision, number)
            claim.anchored_revision = number
        for field, (_, value) in diff.items():
            setattr(claim, field, value)
        changed.append(claim)
        counts["changed"] += 1
        is_flagged = claim.status == ClaimStatus.PUBLISHED and result.moved
        if is_flagged:
            flagged.append(claim.pk)
            counts["flagged"] += 1
        events.append(
            Event(
                team_id=article.team_id,
                article=article,
                claim_id=claim.pk,
                actor=event_actor,
                verb=verbs.CLAIM_MOVED if is_flagged else verbs.CLAIM_REANCHORED,
                changes={
                    field: [_jsonable(old), _jsonable(new)] for field, (old, new) in diff.items()
                },
                note=_reanchor_note(result, number, is_flagged),
            )
        )
    if changed:
        _save_reanchored(changed, now)
        Event.objects.bulk_create(events, batch_size=500)
    if unchanged:
        # Their quote is verified in this revision too (the changed ones are already set).
        Claim.objects.filter(article=article, anchor=AnchorState.ANCHORED).exclude(
            anchored_revision=number
        ).update(anchored_revision=number)
    return counts, flagged


def _save_reanchored(claims: list[Claim], now: datetime) -> None:
    """Write the new selectors of many claims, raising each one's version in the database.

    One UPDATE statement run for every claim (executemany): Django's bulk_update builds a
    CASE expression per field and row, which takes seconds for a thousand claims.
    """
    from django.db import connections, router

    connection = connections[router.db_for_write(Claim)]
    quote = connection.ops.quote_name
    fields = [Claim._meta.get_field(name) for name in (*_SELECTOR_FIELDS, "anchored_revision")]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Claim._meta.db_table)} SET {assignments}, "  # noqa: S608 - names from the model, values are parameters
        f"{quote('version')} = {quote('version')} + 1, {quote('updated_at')} = %s "
        f"WHERE {quote('id')} = %s"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [
        [getattr(claim, field.attname) for field in fields] + [stamp, claim.pk] for claim in claims
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _reanchor_note(result: anchoring.Reanchored, number: int, flagged: bool) -> str:
    how = {
        "position": f"Kept in place in revision r{number}.",
        "normalised": f"Kept in revision r{number}; only typography or spacing changed.",
        "search": f"The quote moved in revision r{number}; found again by its text.",
        "fuzzy": f"The quote changed in revision r{number}; the closest text "
        f"({result.score:.0%} similar) awaits confirmation.",
        "orphaned": f"The quote was not found in revision r{number}; the claim is kept "
        "without a position.",
    }[result.method]
    if flagged:
        how += " This claim is published: an editor should check it."
    return how


def _require_anchor_fixer(actor: AbstractBaseUser, claim: Claim) -> Membership:
    """Reviewers fix the anchors of claims not yet approved; approved and published claims
    need an editor (their text is what the desk stands behind)."""
    membership = require(actor, claim.article.team, policies.CLAIM_WORK)
    if claim.status in (ClaimStatus.APPROVED, ClaimStatus.PUBLISHED) and not policies.allows(
        membership, policies.CLAIM_REVIEW
    ):
        raise Forbidden(
            f"This claim is {claim.get_status_display().lower()}; only an editor can change "
            "where it points."
        )
    return membership


def _save_anchor(
    claim: Claim,
    *,
    actor: AbstractBaseUser,
    article: Article,
    anchor: anchoring.Anchor,
    verb: str,
    note: str = "",
) -> Claim:
    values = {
        "start": anchor.start,
        "end": anchor.end,
        "exact": anchor.exact,
        "prefix": anchor.prefix,
        "suffix": anchor.suffix,
        "anchor": AnchorState.ANCHORED,
        "anchored_revision": article.revision,
    }
    changes = {
        field: (getattr(claim, field), value)
        for field, value in values.items()
        if getattr(claim, field) != value
    }
    for field, value in values.items():
        setattr(claim, field, value)
    if changes:
        validate_model(claim, exclude=["final_verdict", "assignees", "article", "created_by"])
        claim.version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True)[0] + 1
        claim.save(update_fields=[*values, "version", "updated_at"])
    _claim_event(claim=claim, verb=verb, actor=actor, changes=changes, note=note, article=article)
    return claim


@transaction.atomic
def claim_confirm_anchor(
    *, claim: Claim, actor: AbstractBaseUser, expected_version: int | str | None = None
) -> Claim:
    """A person confirms where a revision put a claim.

    A fuzzy claim becomes anchored and takes the new text it points at as its quote (with
    new context, from the current revision). A published claim that a revision moved is
    acknowledged, which takes it off the editors' attention list. An orphan has nothing to
    confirm: re-attach it. Reviewers confirm claims not yet approved; editors any.
    """
    require(actor, claim.article.team, policies.CLAIM_WORK)
    lock_claim(claim)  # the claim, then its article: the order of every claim write
    article = Article.objects.select_for_update().select_related("team").get(pk=claim.article_id)
    _require_anchor_fixer(actor, claim)  # on the claim's current status
    check_version(claim, expected_version)
    if claim.anchor == AnchorState.ORPHANED:
        raise Conflict(
            "This claim's quote was not found in the current text, so there is no match to "
            "confirm. Select the text it belongs to and re-attach it.",
            code="orphaned",
        )
    try:
        anchor = anchoring.anchor_at(article.text, claim.start, claim.end)
    except anchoring.AnchorError as error:
        raise Conflict(error.message, code="invalid_selector") from None
    if (
        claim.anchor == AnchorState.ANCHORED
        and anchor.exact == claim.exact
        and not claim_is_flagged(claim)
    ):
        return claim  # nothing to confirm (a second click, say)
    before_quote = claim.exact
    note = (
        f"Confirmed the match in revision r{article.revision}."
        if before_quote == anchor.exact
        else f"Confirmed the match in revision r{article.revision}: the quote is now the "
        "text there."
    )
    return _save_anchor(
        claim,
        actor=actor,
        article=article,
        anchor=anchor,
        verb=verbs.CLAIM_ANCHOR_CONFIRMED,
        note=note,
    )


@transaction.atomic
def claim_reattach(
    *,
    claim: Claim,
    actor: AbstractBaseUser,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
    expected_version: int | str | None = None,
) -> Claim:
    """Attach an orphaned or fuzzy claim (or a published one a revision moved) to newly
    selected text of the current revision: start/end and/or the quote, as in claim_create.

    The claim becomes anchored with that text as its quote. Reviewers re-attach claims not
    yet approved; editors any. Anchored claims that need no attention are moved by editing
    them (claim_update) instead.
    """
    require(actor, claim.article.team, policies.CLAIM_WORK)
    lock_claim(claim)  # the claim, then its article: the order of every claim write
    article = Article.objects.select_for_update().select_related("team").get(pk=claim.article_id)
    _require_anchor_fixer(actor, claim)  # on the claim's current status
    check_version(claim, expected_version)
    if claim.anchor == AnchorState.ANCHORED and not claim_is_flagged(claim):
        raise Conflict(
            "This claim is anchored; to point it at other text, edit the claim.",
            code="anchored",
        )
    try:
        anchor = anchoring.resolve_selector(
            article.text, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix
        )
    except anchoring.AnchorError as error:
        raise InvalidInput(error.message, code=error.code, field="exact") from None
    return _save_anchor(
        claim,
        actor=actor,
        article=article,
        anchor=anchor,
        verb=verbs.CLAIM_REATTACHED,
        note=f"Re-attached to new text in revision r{article.revision}.",
    )
