"""Render an article's canonical text as blocks with claim highlights.

Every block element carries `data-start`/`data-end` (code-point offsets into Article.text)
and its text content is exactly `text[start:end]`: highlights are `<mark>` elements around
runs of that text, and the links to the claim list carry no text of their own (CSS draws
their number from `data-n`), so offsets counted over the DOM text stay right. When the text
between two blocks is not the usual blank line ("\\n\\n"), the later block says what it is in
`data-gap`, so the selection script can rebuild the exact quote of a selection across blocks.

Overlapping claims split a block into segments; a segment covered by several claims is wrapped
in one nested mark per claim, outermost first, so `mark[data-claim-id="X"]` finds every
segment of claim X, and the innermost mark of a segment lists all of them in `data-claim-ids`.

Each claim's link to the claim list (`a.claim-ref`) sits just before its first segment, so the
links come in the claim list's order (start, end, id) and the n-th link is claim n. A block's
HTML depends only on the claims that touch it (and their numbers), so a change to one claim
re-renders only its blocks; the page's script renumbers the links after such a partial update.

The whole text is laid out in one sweep over the blocks and the claims sorted by start, so
rendering stays linear in the size of the text plus the number of highlight segments.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

HEADING_TAGS = ["h2", "h3", "h4", "h5", "h6"]
LINK_SCHEMES = ("http://", "https://", "mailto:")
BLOCK_GAP = "\n\n"


@dataclass
class Block:
    kind: str
    tag: str
    start: int
    end: int
    gap: str | None
    inner: str = ""

    def element(self, *, oob: bool = False) -> SafeString:
        """The block element; `oob` adds htmx's out-of-band swap for partial updates."""
        gap = f' data-gap="{escape(self.gap)}"' if self.gap is not None else ""
        swap = ' hx-swap-oob="outerHTML"' if oob else ""
        return mark_safe(  # noqa: S308 - the text and every attribute are escaped here
            f'<{self.tag} id="block-{self.start}" data-start="{self.start}" '
            f'data-end="{self.end}"{gap}{swap}>{self.inner}</{self.tag}>'
        )

    @property
    def html(self) -> SafeString:
        return self.element()

    @property
    def oob_html(self) -> SafeString:
        return self.element(oob=True)


@dataclass
class BlockGroup:
    """Consecutive list items share one list element; every other block is a group of one."""

    list_tag: str | None
    blocks: list[Block]


def blocks_of(text: str, blocks: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The article's block structure, or paragraphs split at blank lines when it has none."""
    usable = [
        b
        for b in blocks or []
        if isinstance(b, dict)
        and isinstance(b.get("start"), int)
        and isinstance(b.get("end"), int)
        and 0 <= b["start"] < b["end"] <= len(text)
    ]
    if usable:
        ordered = sorted(usable, key=lambda b: (b["start"], b["end"]))
        # Overlapping blocks would repeat text (and offsets); keep the first of any overlap.
        kept: list[dict[str, Any]] = []
        for block in ordered:
            if not kept or block["start"] >= kept[-1]["end"]:
                kept.append(block)
        return kept
    paragraphs: list[dict[str, Any]] = []
    offset = 0
    for chunk in text.split(BLOCK_GAP):
        stripped = chunk.strip()
        if stripped:
            start = offset + chunk.index(stripped)
            paragraphs.append({"kind": "paragraph", "start": start, "end": start + len(stripped)})
        offset += len(chunk) + len(BLOCK_GAP)
    return paragraphs


def _tag_for(block: dict[str, Any]) -> str:
    kind = block.get("kind")
    if kind == "heading":
        level = block.get("level") if isinstance(block.get("level"), int) else 1
        return HEADING_TAGS[min(max(level, 1), len(HEADING_TAGS)) - 1]
    return {"quote": "blockquote", "list_item": "li"}.get(kind, "p")


def blocks_touching(
    text: str, blocks: Sequence[dict[str, Any]] | None, start: int | None, end: int | None
) -> set[int]:
    """The starts of the blocks that a range [start, end) shows in (for partial updates)."""
    if start is None or end is None:
        return set()
    return {b["start"] for b in blocks_of(text, blocks) if b["start"] < end and start < b["end"]}


def _badge(pk: int, mark_class: str, number: Any, label: str) -> str:
    return (
        f'<a class="claim-ref {mark_class}" href="#claim-{pk}" data-claim="{pk}" '
        f'data-n="{number}" aria-label="{escape(label or "Claim")}"></a>'
    )


def _usable_links(links: Sequence[Any] | None, length: int) -> list[tuple[int, int, str]]:
    """Stored link spans that can be drawn: in range, ordered, not overlapping, safe."""
    found: list[tuple[int, int, str]] = []
    for link in links or []:
        if not isinstance(link, dict):
            continue
        start, end, href = link.get("start"), link.get("end"), link.get("href")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(href, str)):
            continue
        if not 0 <= start < end <= length or not href.lower().startswith(LINK_SCHEMES):
            continue
        if found and start < found[-1][1]:
            continue
        found.append((start, end, href))
    return found


def layout(
    text: str,
    blocks: Sequence[dict[str, Any]] | None,
    claims: Sequence[Any],
    *,
    only: Collection[int] | None = None,
    links: Sequence[Any] | None = None,
) -> list[BlockGroup]:
    """The article's blocks with their highlighted HTML, grouped for list elements.

    `claims` need `pk`, `start`, `end` (None for orphans, which are skipped), `mark_class`, and
    optionally `number` and `ref_label` (the accessible name of the link to the claim). With
    `only` (a set of block starts), just those blocks get HTML, for out-of-band updates.
    `links` are the article's hyperlinks ({start, end, href}), drawn as links around the text
    (and its highlights) they cover.
    """
    spans = sorted(_usable_links(links, len(text)))
    next_link = 0
    anchored = sorted(
        (c for c in claims if c.start is not None and c.end is not None and c.start < c.end),
        key=lambda c: (c.start, c.end, c.pk),
    )
    groups: list[BlockGroup] = []
    live: list[Any] = []  # claims that started before the current block ends and may reach it
    next_claim = 0
    badged: set[int] = set()  # claims whose link is in an earlier block
    for meta in blocks_of(text, blocks):
        block_start, block_end = meta["start"], meta["end"]
        while next_claim < len(anchored) and anchored[next_claim].start < block_end:
            live.append(anchored[next_claim])
            next_claim += 1
        live = [c for c in live if c.end > block_start]
        touching = [c for c in live if c.start < block_end]
        previous_end = groups[-1].blocks[-1].end if groups else None
        gap = text[previous_end:block_start] if previous_end is not None else None
        block = Block(
            kind=str(meta.get("kind", "paragraph")),
            tag=_tag_for(meta),
            start=block_start,
            end=block_end,
            gap=None if gap is None or gap == BLOCK_GAP else gap,
        )
        while next_link < len(spans) and spans[next_link][1] <= block_start:
            next_link += 1
        block_links = []
        for link_start, link_end, href in spans[next_link:]:
            if link_start >= block_end:
                break
            block_links.append((max(link_start, block_start), min(link_end, block_end), href))
        if only is None or block_start in only:
            block.inner = _block_html(
                text[block_start:block_end],
                block_start,
                tuple(
                    (
                        c.pk,
                        c.start,
                        c.end,
                        c.mark_class,
                        getattr(c, "number", ""),
                        getattr(c, "ref_label", ""),
                        c.pk not in badged,
                    )
                    for c in touching
                ),
                tuple(block_links),
            )
        badged.update(c.pk for c in touching)
        list_tag = ("ol" if meta.get("ordered") else "ul") if block.tag == "li" else None
        if list_tag and groups and groups[-1].list_tag == list_tag:
            groups[-1].blocks.append(block)
        else:
            groups.append(BlockGroup(list_tag=list_tag, blocks=[block]))
    return groups


def _link_tag(href: str) -> str:
    # draggable="false": pressing on a link and moving selects its text (to quote it in a
    # claim) instead of dragging the address away
    return (
        f'<a class="article-link" href="{escape(href)}" rel="noopener noreferrer nofollow" '
        'target="_blank" draggable="false">'
    )


@functools.lru_cache(maxsize=8192)
def _block_html(
    block_text: str,
    block_start: int,
    claims: tuple[tuple, ...],
    links: tuple[tuple[int, int, str], ...] = (),
) -> str:
    """The inner HTML of one block, from its text, the claims touching it and its links.

    `claims` are (id, start, end, mark class, number, link label, link here?) in list order;
    `links` are (start, end, href), clipped to the block, ordered and not overlapping.
    A pure function of its arguments, so it is cached: after a change to one claim, only the
    blocks that claim touches are built again, in any process that rendered the page before.

    A hyperlink is the outer element and the claims' marks sit inside it, segment by segment
    (marks are already cut at every boundary), so the two nest correctly however they
    overlap. A claim's own link to the list (`a.claim-ref`) cannot sit inside another link:
    the hyperlink is closed before it and opened again after it.
    """
    if not claims and not links:
        return escape(block_text)
    block_end = block_start + len(block_text)
    cuts = {block_start, block_end}
    for _, start, end, *_ in claims:
        cuts.add(start if start > block_start else block_start)
        cuts.add(end if end < block_end else block_end)
    for start, end, _href in links:
        cuts.add(start)
        cuts.add(end)
    points = sorted(cuts)
    pending_links = list(links)
    open_link: tuple[int, int, str] | None = None
    # Outermost first; filtering keeps this order, so no segment needs sorting.
    nested = sorted(claims, key=lambda c: (c[1], -c[2], c[0]))
    waiting = {c[0] for c in claims if c[6]}  # claims whose link goes in this block
    parts: list[str] = []
    for lo, hi in zip(points, points[1:], strict=False):
        active = [c for c in nested if c[1] <= lo and hi <= c[2]]
        while pending_links and pending_links[0][1] <= lo:
            pending_links.pop(0)
        link = pending_links[0] if pending_links and pending_links[0][0] <= lo else None
        badges = (
            [pk for pk, *_ in claims if pk in waiting and any(c[0] == pk for c in active)]
            if waiting
            else []
        )
        if open_link is not None and (link is not open_link or badges):
            parts.append("</a>")
            open_link = None
        first: set[int] = set()
        if badges:
            # `claims` is in list order (start, end, id): so are the links.
            for pk, _, _, mark_class, number, label, _ in claims:
                if pk in badges:
                    parts.append(_badge(pk, mark_class, number, label))
                    first.add(pk)
            waiting -= first
        if link is not None and open_link is None:
            parts.append(_link_tag(link[2]))
            open_link = link
        segment = escape(block_text[lo - block_start : hi - block_start])
        if not active:
            parts.append(segment)
            continue
        last = len(active) - 1
        for depth, (pk, _, _, mark_class, *_) in enumerate(active):
            tag = f'<mark class="mark {mark_class}" data-claim-id="{pk}"'
            if pk in first:
                tag += f' id="mark-{pk}"'
            if depth == last:
                tag += ' data-claim-ids="' + " ".join([str(c[0]) for c in active]) + '"'
            parts.append(tag + ">")
        parts.append(segment)
        parts.append("</mark>" * len(active))
    if open_link is not None:
        parts.append("</a>")
    return "".join(parts)


def groups_html(groups: Sequence[BlockGroup]) -> SafeString:
    """All the blocks as one piece of HTML, list items inside their list elements."""
    parts: list[str] = []
    for group in groups:
        if group.list_tag:
            parts.append(f"<{group.list_tag}>")
        parts.extend(block.element() for block in group.blocks)
        if group.list_tag:
            parts.append(f"</{group.list_tag}>")
    return mark_safe("".join(parts))  # noqa: S308 - Block.element escapes


def article_blocks(article: Any, claims: Sequence[Any]) -> list[BlockGroup]:
    """Template access to `layout` for pages that have not laid the text out in the view."""
    return layout(article.text, article.blocks, claims, links=getattr(article, "links", None))
