"""Text anchoring: pure functions over the canonical article text. No Django here.

Offsets count Unicode code points (Python string indices), end exclusive, as the W3C Web
Annotation model's TextPositionSelector requires. The browser counts UTF-16 code units;
`utf16_to_codepoint` and `codepoint_to_utf16` convert between the two.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT_LENGTH = 32


class AnchorError(ValueError):
    """A selector that cannot be placed on the text. The message is shown to the user."""

    code = "invalid_selector"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def context(text: str, start: int, end: int, length: int = CONTEXT_LENGTH) -> tuple[str, str]:
    """The `length` code points before `start` and after `end`."""
    return text[max(0, start - length) : start], text[end : end + length]


def anchor_at(text: str, start: int, end: int) -> Anchor:
    """Anchor a range, computing its quote and context."""
    if not isinstance(start, int) or not isinstance(end, int):
        raise AnchorError("start and end must be whole numbers.")
    if start < 0 or end < 0:
        raise AnchorError("start and end cannot be negative.")
    if start >= end:
        raise AnchorError("start must come before end: a claim covers at least one character.")
    if end > len(text):
        raise AnchorError(
            f"end ({end}) is past the end of the article text ({len(text)} characters)."
        )
    exact = text[start:end]
    if not exact.strip():
        raise AnchorError("The selected text is only white space.")
    prefix, suffix = context(text, start, end)
    return Anchor(start=start, end=end, exact=exact, prefix=prefix, suffix=suffix)


def find_all(text: str, needle: str) -> list[int]:
    """Every start index of `needle` in `text`, overlapping ones included."""
    found: list[int] = []
    index = text.find(needle)
    while index != -1:
        found.append(index)
        index = text.find(needle, index + 1)
    return found


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many code points of the given context agree with the text around a candidate."""
    score = 0
    if prefix:
        before = text[max(0, start - len(prefix)) : start]
        for a, b in zip(reversed(before), reversed(prefix), strict=False):
            if a != b:
                break
            score += 1
    if suffix:
        after = text[end : end + len(suffix)]
        for a, b in zip(after, suffix, strict=False):
            if a != b:
                break
            score += 1
    return score


def locate_quote(
    text: str,
    exact: str,
    *,
    prefix: str = "",
    suffix: str = "",
    near: int | None = None,
) -> Anchor:
    """Find `exact` in `text`, using the context to choose among several occurrences.

    Raises AnchorError when the quote is absent, or when it occurs more than once and
    neither the context nor `near` (an expected start) decides which one is meant.
    """
    if not exact or not exact.strip():
        raise AnchorError("The quote is empty.", code="invalid_selector")
    starts = find_all(text, exact)
    if not starts:
        raise AnchorError("The quote does not occur in the article text.", code="quote_not_found")
    occurrences = len(starts)
    if len(starts) == 1:
        return anchor_at(text, starts[0], starts[0] + len(exact))

    if prefix or suffix:
        scored = [(_context_score(text, s, s + len(exact), prefix, suffix), s) for s in starts]
        best = max(score for score, _ in scored)
        winners = [s for score, s in scored if score == best]
        if best > 0 and len(winners) == 1:
            return anchor_at(text, winners[0], winners[0] + len(exact))
        starts = winners if best > 0 else starts

    if near is not None:
        distances = sorted((abs(s - near), s) for s in starts)
        if len(distances) == 1 or distances[0][0] < distances[1][0]:
            start = distances[0][1]
            return anchor_at(text, start, start + len(exact))

    raise AnchorError(
        f"The quote occurs {occurrences} times in the article. Select a longer passage, or "
        "give prefix/suffix context or start/end offsets, so it is clear which one you mean.",
        code="ambiguous_quote",
    )


def resolve_selector(
    text: str,
    *,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
    prefix: str = "",
    suffix: str = "",
) -> Anchor:
    """Turn what a client sent into a checked anchor.

    Offsets alone are taken as they are. Offsets with a quote must agree with the text; when
    they do not, the quote is looked for (with its context, near the given start) rather
    than trusting either blindly. A quote alone is searched for.
    """
    has_position = start is not None or end is not None
    if has_position and (start is None or end is None):
        raise AnchorError("Give both start and end, or neither.")
    if not has_position and not exact:
        raise AnchorError("Give start and end offsets, or the exact quote.")
    if has_position:
        try:
            anchor = anchor_at(text, start, end)  # type: ignore[arg-type]
        except AnchorError:
            # Offsets that cannot be right (say, counted in UTF-16 units near the end of the
            # text) are only a hint when the quote itself is known.
            if not exact:
                raise
            selected = None
        else:
            if not exact or anchor.exact == exact:
                return anchor
            selected = anchor.exact
        try:
            near = start if isinstance(start, int) else None
            return locate_quote(text, exact, prefix=prefix, suffix=suffix, near=near)
        except AnchorError as error:
            if error.code == "quote_not_found":
                what = f"select {selected[:60]!r}" if selected else "do not fit the text"
                raise AnchorError(
                    f"The offsets {start}–{end} {what}, which is not the quote you sent, and "
                    "the quote does not occur in the article text.",
                    code="selector_mismatch",
                ) from None
            raise
    return locate_quote(text, exact or "", prefix=prefix, suffix=suffix)


def utf16_to_codepoint(text: str, utf16_offset: int) -> int:
    """Convert a UTF-16 code-unit offset (as browsers count) into a code-point offset."""
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset into UTF-16 code units."""
    return offset + sum(1 for char in text[:offset] if ord(char) > 0xFFFF)


@dataclass(frozen=True)
class Segment:
    """A run of text inside one block, covered by the same set of claims."""

    start: int
    end: int
    text: str
    claim_ids: tuple[int, ...]


def segment(
    text: str, block_start: int, block_end: int, spans: list[tuple[int, int, int]]
) -> list[Segment]:
    """Split one block at claim boundaries so overlapping highlights render as nested marks.

    `spans` is a list of (claim_id, start, end) over the whole text; spans outside the block
    are ignored, spans crossing its edges are clipped.
    """
    cuts = {block_start, block_end}
    inside: list[tuple[int, int, int]] = []
    for claim_id, start, end in spans:
        lo, hi = max(start, block_start), min(end, block_end)
        if lo < hi:
            inside.append((claim_id, lo, hi))
            cuts.update((lo, hi))
    points = sorted(cuts)
    segments: list[Segment] = []
    for lo, hi in zip(points, points[1:], strict=False):
        ids = tuple(sorted(cid for cid, s, e in inside if s <= lo and hi <= e))
        segments.append(Segment(start=lo, end=hi, text=text[lo:hi], claim_ids=ids))
    return segments
