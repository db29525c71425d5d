"""Render an article's canonical text as blocks with claim highlights.

Every block element carries `data-start`/`data-end` (code-point offsets into Article.text)
and its text content is exactly `text[start:end]`: highlights are `<mark>` elements around
runs of that text, and the links to the claim list carry no text of their own (their number
is CSS generated content), so offsets counted over the DOM text stay right.

Overlapping claims split a block into segments (anchoring.segment); a segment covered by
several claims is wrapped in one nested mark per claim, outermost first, so
`mark[data-claim-id="X"]` finds every segment of claim X.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from annotations import anchoring

register = template.Library()

HEADING_TAGS = ["h2", "h3", "h4", "h5", "h6"]


@dataclass
class Block:
    kind: str
    tag: str
    start: int
    end: int
    html: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308


@dataclass
class BlockGroup:
    """Consecutive list items share one list element; every other block is a group of one."""

    list_tag: str | None
    blocks: list[Block]


def _blocks_of(text: str, blocks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
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
        return sorted(usable, key=lambda b: (b["start"], b["end"]))
    paragraphs: list[dict[str, Any]] = []
    offset = 0
    for chunk in text.split("\n\n"):
        stripped = chunk.strip()
        if stripped:
            start = offset + chunk.index(stripped)
            paragraphs.append({"kind": "paragraph", "start": start, "end": start + len(stripped)})
        offset += len(chunk) + 2
    return paragraphs


def _tag_for(block: dict[str, Any]) -> str:
    kind = block.get("kind")
    if kind == "heading":
        level = block.get("level") if isinstance(block.get("level"), int) else 1
        return HEADING_TAGS[min(max(level, 1), len(HEADING_TAGS)) - 1]
    return {"quote": "blockquote", "list_item": "li"}.get(kind, "p")


@register.simple_tag
def article_blocks(article: Any, claims: Sequence[Any]) -> list[BlockGroup]:
    """The article's blocks with their highlighted HTML, grouped for list elements.

    `claims` are the anchored claims (start not None), each with `mark_class` and `number`
    set by the view.
    """
    text: str = article.text
    anchored = [c for c in claims if c.start is not None and c.end is not None]
    spans = [(c.pk, c.start, c.end) for c in anchored]
    by_id = {c.pk: c for c in anchored}

    layout = []
    for block in _blocks_of(text, article.blocks):
        segments = anchoring.segment(text, block["start"], block["end"], spans)
        layout.append((block, segments))

    # Each claim's first segment gets the id the claim list links to; its last one is
    # followed by the link to the claim list.
    first: dict[int, tuple[int, int]] = {}
    last: dict[int, tuple[int, int]] = {}
    for block_index, (_, segments) in enumerate(layout):
        for segment_index, seg in enumerate(segments):
            for claim_id in seg.claim_ids:
                first.setdefault(claim_id, (block_index, segment_index))
                last[claim_id] = (block_index, segment_index)

    groups: list[BlockGroup] = []
    for block_index, (block, segments) in enumerate(layout):
        parts: list[str] = []
        for segment_index, seg in enumerate(segments):
            position = (block_index, segment_index)
            parts.append(_segment_html(seg, by_id, first, position))
            ending = [by_id[cid] for cid in seg.claim_ids if last[cid] == position]
            for claim in sorted(ending, key=lambda c: c.number):
                parts.append(
                    format_html(
                        '<a class="claim-ref" href="#claim-{}" data-ref="{}" '
                        'aria-label="Claim {}"></a>',
                        claim.pk,
                        claim.number,
                        claim.number,
                    )
                )
        rendered = Block(
            kind=str(block.get("kind", "paragraph")),
            tag=_tag_for(block),
            start=block["start"],
            end=block["end"],
            html=mark_safe("".join(parts)),  # noqa: S308 - every part is escaped above
        )
        list_tag = ("ol" if block.get("ordered") else "ul") if rendered.tag == "li" else None
        if list_tag and groups and groups[-1].list_tag == list_tag:
            groups[-1].blocks.append(rendered)
        else:
            groups.append(BlockGroup(list_tag=list_tag, blocks=[rendered]))
    return groups


def _segment_html(
    seg: anchoring.Segment,
    by_id: dict[int, Any],
    first: dict[int, tuple[int, int]],
    position: tuple[int, int],
) -> str:
    if not seg.claim_ids:
        return escape(seg.text)
    # Outermost first: the claim that starts earliest (and, on a tie, ends latest).
    nested = sorted((by_id[cid] for cid in seg.claim_ids), key=lambda c: (c.start, -c.end, c.pk))
    all_ids = " ".join(str(c.pk) for c in nested)
    opening: list[str] = []
    for depth, claim in enumerate(nested):
        innermost = depth == len(nested) - 1
        opening.append(
            format_html(
                '<mark class="mark {}" data-claim-id="{}"{}{}>',
                claim.mark_class,
                claim.pk,
                format_html(' id="mark-{}"', claim.pk) if first[claim.pk] == position else "",
                format_html(' data-claim-ids="{}"', all_ids) if innermost else "",
            )
        )
    return "".join(opening) + escape(seg.text) + "</mark>" * len(nested)
