"""Text anchoring: pure functions over the canonical article text. No Django here.

Offsets count Unicode code points (Python string indices), end exclusive, as the W3C Web
Annotation model's TextPositionSelector requires. The browser counts UTF-16 code units;
`utf16_to_codepoint` and `codepoint_to_utf16` convert between the two.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
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


# ============================================================================================
# Re-anchoring: placing existing claims on a new revision of the text
# ============================================================================================
#
# One `Reanchorer` per revision compares the old and the new text once, then places each claim:
#
#   (a) the old position, carried through the diff, still holds the exact quote   -> anchored
#   (b) the exact quote elsewhere; several occurrences are told apart by the claim's
#       prefix/suffix, and on a tie by the distance to the carried position          -> anchored
#   (c) approximate matching: Myers' bit-parallel edit-distance search for the quote with
#       bounded errors (similarity >= FUZZY_THRESHOLD), around the carried position and, if
#       nothing convincing is there, wherever the quote's words reappear; candidates scored
#       by quote similarity, context similarity and distance                        -> fuzzy
#   (d) nothing good enough                                                            -> orphaned
#
# Matching runs on a *folded* form of both texts: typographic variants are made equal (curly
# and straight quotes, dashes, non-breaking and other spaces, soft hyphens, zero-width
# characters) and whitespace is left out, so "(CNN) President" and "(CNN)President" match.
# Every folded position maps back to a code point of the real text: results are always offsets
# into the new text as it is.
#
# The diff is word-level (CJK ideographs one by one) and two-tier for speed: sentences are
# compared first, and only the sentences that differ are compared word by word.

# A fuzzy match must keep at least this share of the quote (1 - edit distance / length, on the
# folded text); below it the claim is orphaned rather than placed on text that may mean
# something else.
FUZZY_THRESHOLD = 0.75
# Quotes shorter than this (folded code points) are only placed fuzzily when their context
# agrees too: "12,000" resembles every other number in the article.
SHORT_QUOTE = 16
SHORT_QUOTE_CONTEXT = 0.6
# Relocating an exact quote whose context no longer agrees at all, while a close variant sits
# where the diff says the claim went, is more likely wrong than right: the variant is proposed
# (fuzzy, for a person to confirm) instead.
# (Context similarity is edit-distance based: unrelated text of 32 characters scores ~0.3.)
POOR_CONTEXT = 0.5
GOOD_CONTEXT = 0.8
# Occurrences of an exact quote ranked by context edit distance; beyond this many, a cheap
# exact-agreement cut comes first.
_RANKED_OCCURRENCES = 12
# A fuzzy match this close (or with its context agreeing this well) where the diff carried
# the claim is taken without searching the rest of the text.
SURE_SIMILARITY = 0.9
# Words that occur more often than this are useless for finding where a quote went.
_SEED_MAX_OCCURRENCES = 200
_SEED_WINDOWS = 4

_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_FOLD_TABLE = str.maketrans(
    {
        # quotation marks and apostrophes
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
        # hyphens, dashes and the minus sign
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        # spaces of every width and invisible characters: left out of the folded form
        **dict.fromkeys(
            "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
            "\u202f\u205f\u3000" + _INVISIBLE,
            " ",
        ),
    }
)
# For comparing words: an invisible character (a soft hyphen, a zero-width space) inside a
# word does not break it in two.
_WORDS_TABLE = {**_FOLD_TABLE, **dict.fromkeys(map(ord, _INVISIBLE))}
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Words (CJK ideographs and kana one at a time, as they are not separated by spaces) and
# single other non-space characters (punctuation, symbols, emoji).
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]")
_SENTENCE_END = frozenset(".!?;。！？；…")
_UNIT_SOFT_LIMIT = 24  # tokens after which a comma also ends a diff unit
_UNIT_HARD_LIMIT = 300


def fold(text: str) -> str:
    """The form texts are compared in: typographic variants made equal, whitespace left out."""
    return "".join(_TOKEN_RE.findall(text.translate(_FOLD_TABLE)))


def _fold_tokens(text: str) -> list[str]:
    """The folded words and symbols of a text, to tell "the rapist" from "therapist"."""
    return _TOKEN_RE.findall(text.translate(_WORDS_TABLE))


class _Folded:
    """A text, its tokens, its folded form, and the maps between real and folded offsets.

    Folding is one code point for one code point (str.translate with single characters) and
    whitespace sits only between tokens, so inside a token the two forms are aligned exactly.
    """

    __slots__ = ("text", "tokens", "real", "folded_at", "folded", "_index")

    def __init__(self, text: str) -> None:
        self.text = text
        translated = text.translate(_FOLD_TABLE)
        matches = list(_TOKEN_RE.finditer(translated))
        self.tokens: list[str] = [m.group() for m in matches]
        self.real: list[int] = [m.start() for m in matches]  # real start of each token
        folded_at = [0]
        position = 0
        for token in self.tokens:
            position += len(token)
            folded_at.append(position)
        self.folded_at = folded_at  # folded start of each token, plus the folded length
        self.folded = "".join(self.tokens)
        self._index: dict[str, list[int]] | None = None

    # real -> folded ---------------------------------------------------------------------
    def folded_start(self, real: int) -> int:
        """The folded offset of the first folded character at or after `real`."""
        i = bisect_right(self.real, real) - 1
        if i < 0:
            return 0
        inside = real - self.real[i]
        length = len(self.tokens[i])
        return self.folded_at[i] + inside if inside < length else self.folded_at[i + 1]

    def folded_end(self, real: int) -> int:
        """The folded offset just after the last folded character before `real`."""
        i = bisect_right(self.real, real - 1) - 1
        if i < 0:
            return 0
        return self.folded_at[i] + min(real - self.real[i], len(self.tokens[i]))

    # folded -> real ---------------------------------------------------------------------
    def real_start(self, folded: int) -> int:
        if folded >= self.folded_at[-1]:
            return len(self.text)
        i = bisect_right(self.folded_at, folded) - 1
        return self.real[i] + folded - self.folded_at[i]

    def real_end(self, folded: int) -> int:
        if folded <= 0:
            return 0
        i = bisect_right(self.folded_at, folded - 1) - 1
        return self.real[i] + folded - self.folded_at[i]

    # tokens -----------------------------------------------------------------------------
    def token_at(self, folded: int) -> int:
        """Index of the token holding folded offset `folded`."""
        return bisect_right(self.folded_at, folded) - 1

    def is_token_start(self, folded: int) -> bool:
        i = self.token_at(folded)
        return i >= len(self.tokens) or self.folded_at[i] == folded

    def index(self) -> dict[str, list[int]]:
        """token -> the indices where it occurs (built when first needed)."""
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, token in enumerate(self.tokens):
                index.setdefault(token, []).append(i)
            self._index = index
        return self._index


# --- edit distance (Myers 1999, bit-parallel) ------------------------------------------------


def _pattern_masks(pattern: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for i, char in enumerate(pattern):
        masks[char] = masks.get(char, 0) | (1 << i)
    return masks


def _search(pattern: str, text: str) -> tuple[int, list[int]]:
    """Approximate search (Myers 1999, bit-parallel): the smallest edit distance between
    `pattern` and any stretch of `text`, and the end offsets (exclusive) of the stretches
    that reach it. One pass of a dozen integer operations per character of `text`, whatever
    the pattern's length (Python integers are as wide as the pattern).
    """
    m = len(pattern)
    if m == 0 or not text:
        return m, []
    get = _pattern_masks(pattern).get
    full = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = full, 0, m
    best, ends = m + 1, []
    for position, char in enumerate(text, 1):
        eq = get(char, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = mv | (full ^ (xh | pv))
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        # The top row of the matrix stays 0: a match may start anywhere.
        ph = (ph << 1) & full
        mh = (mh << 1) & full
        pv = mh | (full ^ (xv | ph))
        mv = ph & xv
        if score <= best:
            if score < best:
                best, ends = score, []
            ends.append(position)
    return best, ends


def levenshtein(a: str, b: str) -> int:
    """The Levenshtein distance (insertions, deletions, substitutions) between two strings.

    Bit-parallel (Myers 1999, in Hyyrö's global form): one pass over the longer string.
    """
    if len(a) > len(b):
        a, b = b, a
    m = len(a)
    if m == 0:
        return len(b)
    get = _pattern_masks(a).get
    full = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for char in b:
        eq = get(char, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) & full) ^ pv) | eq
        ph = mv | (full ^ (xh | pv))
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        # The top row grows by one per character: the match starts at b[0].
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (full ^ (xv | ph))
        mv = ph & xv
    return score


def similarity(a: str, b: str) -> float:
    """1 - edit distance / length of the longer, on the folded forms (1.0 = same text)."""
    fa, fb = fold(a), fold(b)
    if not fa and not fb:
        return 1.0
    return 1.0 - levenshtein(fa, fb) / max(len(fa), len(fb))


def _folded_similarity(fa: str, fb: str) -> float:
    if not fa and not fb:
        return 1.0
    return 1.0 - levenshtein(fa, fb) / max(len(fa), len(fb))


# --- the diff --------------------------------------------------------------------------------


def _units(tokens: list[str]) -> list[int]:
    """Token indices where diff units (about a sentence each) end, the last one included."""
    cuts: list[int] = []
    size = 0
    for i, token in enumerate(tokens):
        size += 1
        if (
            token in _SENTENCE_END
            or (size >= _UNIT_SOFT_LIMIT and token in ",、，")
            or size >= _UNIT_HARD_LIMIT
        ):
            cuts.append(i + 1)
            size = 0
    if not cuts or cuts[-1] != len(tokens):
        cuts.append(len(tokens))
    return cuts


def _token_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes between two token lists: sentences first, then words."""
    a_cuts, b_cuts = _units(a), _units(b)
    a_bounds, b_bounds = [0, *a_cuts], [0, *b_cuts]
    a_units = ["\x1f".join(a[s:e]) for s, e in zip(a_bounds, a_cuts, strict=False)]
    b_units = ["\x1f".join(b[s:e]) for s, e in zip(b_bounds, b_cuts, strict=False)]
    coarse = difflib.SequenceMatcher(None, a_units, b_units, autojunk=False).get_opcodes()
    opcodes: list[tuple[str, int, int, int, int]] = []

    def add(tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        if i1 == i2 and j1 == j2:
            return
        if opcodes and opcodes[-1][0] == tag == "equal":
            last = opcodes.pop()
            opcodes.append(("equal", last[1], i2, last[3], j2))
        else:
            opcodes.append((tag, i1, i2, j1, j2))

    for tag, u1, u2, v1, v2 in coarse:
        i1, i2, j1, j2 = a_bounds[u1], a_bounds[u2], b_bounds[v1], b_bounds[v2]
        if tag == "equal":
            add("equal", i1, i2, j1, j2)
            continue
        if i1 == i2 or j1 == j2:
            add("insert" if i1 == i2 else "delete", i1, i2, j1, j2)
            continue
        # Large rewritten stretches (a re-extraction, a reflowed text) would make the word
        # diff quadratic; difflib's junk heuristic keeps it fast there.
        big = (i2 - i1) * (j2 - j1) > 4_000_000
        fine = difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=big)
        for ftag, fi1, fi2, fj1, fj2 in fine.get_opcodes():
            add(ftag, i1 + fi1, i1 + fi2, j1 + fj1, j1 + fj2)
    return opcodes


class _OffsetMap:
    """Carries folded offsets of the old text to folded offsets of the new one."""

    __slots__ = ("ops", "starts")

    def __init__(self, old: _Folded, new: _Folded) -> None:
        self.ops: list[tuple[str, int, int, int, int]] = []
        for tag, i1, i2, j1, j2 in _token_opcodes(old.tokens, new.tokens):
            self.ops.append(
                (tag, old.folded_at[i1], old.folded_at[i2], new.folded_at[j1], new.folded_at[j2])
            )
        if not self.ops:
            self.ops.append(("equal", 0, 0, 0, 0))
        self.starts = [op[1] for op in self.ops]

    def _op(self, position: int) -> tuple[str, int, int, int, int]:
        return self.ops[max(0, bisect_right(self.starts, position) - 1)]

    def start(self, position: int) -> tuple[int, bool]:
        """Where a start offset goes, and whether it lies in unchanged text (exact)."""
        tag, i1, i2, j1, j2 = self._op(position)
        if tag == "equal" and i1 <= position < i2:
            return j1 + position - i1, True
        if i2 == i1 or position >= i2:
            return j2 if position >= i2 else j1, False
        return j1 + (position - i1) * (j2 - j1) // (i2 - i1), False

    def end(self, position: int) -> tuple[int, bool]:
        """Where an end offset (exclusive) goes, and whether it lies in unchanged text."""
        if position <= 0:
            return 0, True
        carried, exact = self.start(position - 1)
        return carried + 1, exact


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    """What is known of a claim on the old text: its position (None when orphaned) and quote."""

    start: int | None
    end: int | None
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Reanchored:
    """Where a claim goes on the new text.

    `state` is anchored, fuzzy or orphaned. `start`/`end` are code points of the new text (None
    when orphaned); `exact` is the new text there (the old quote when orphaned) and
    `prefix`/`suffix` its context in the new text (the old ones when orphaned). `score` is 1.0
    for an anchored claim, the similarity of the found text to the old quote for a fuzzy one
    (on the folded forms, at least FUZZY_THRESHOLD), 0.0 for an orphan. `method` says how it
    was found: "position" (where the diff carried it), "normalised" (equal once typography and
    whitespace are folded), "search" (the exact quote elsewhere), "fuzzy" or "orphaned".
    """

    state: str
    start: int | None
    end: int | None
    exact: str
    prefix: str
    suffix: str
    score: float
    method: str

    @property
    def moved(self) -> bool:
        """Anything but the same quote where the diff carried it: what an editor should see."""
        return self.method != "position"


@dataclass
class _Candidate:
    start: int  # folded offsets in the new text
    end: int
    similarity: float
    context: float | None
    proximity: float

    @property
    def rank(self) -> float:
        context = 0.5 if self.context is None else self.context
        return 0.75 * self.similarity + 0.2 * context + 0.05 * self.proximity


def _common_suffix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Reanchorer:
    """Re-anchors claims from `old_text` onto `new_text`; build once per revision.

    The texts are folded, tokenised and diffed here (tens of milliseconds for 100 KB); each
    `place()` then costs microseconds when the quote is intact and a few milliseconds when it
    has to be searched for.
    """

    def __init__(self, old_text: str, new_text: str) -> None:
        self.old = _Folded(old_text)
        self.new = _Folded(new_text)
        self.map = _OffsetMap(self.old, self.new)

    # -- the four steps -----------------------------------------------------------------
    def place(self, selector: Selector) -> Reanchored:
        exact = selector.exact
        old_text = self.old.text
        start, end = selector.start, selector.end
        positioned = (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(old_text)
        )
        expected: int | None = None  # folded offsets in the new text, where the diff
        expected_end: int | None = None  # carried the claim's start and end
        carried: Reanchored | None = None
        if positioned:
            prefix, suffix = context(old_text, start, end)
            old_fs, old_fe = self.old.folded_start(start), self.old.folded_end(end)
            new_fs, start_exact = self.map.start(old_fs)
            new_fe, end_exact = self.map.end(old_fe)
            expected, expected_end = new_fs, new_fe
            if start_exact and end_exact and new_fe > new_fs:
                carried = self._at_carried_position(
                    selector, start, end, new_fs, new_fe, old_fs, old_fe
                )
                if carried is not None and carried.method != "normalised":
                    return carried
        else:
            prefix, suffix = selector.prefix, selector.suffix
        tokens = _TOKEN_RE.findall(exact.translate(_FOLD_TABLE))
        quote = "".join(tokens)  # fold(exact)
        fprefix, fsuffix = fold(prefix), fold(suffix)
        if carried is not None:
            # Equal once folded where the diff carried it. If the exact quote is elsewhere
            # too (repetitive text, where a diff may pair the wrong repeats), the context
            # decides; on a tie the carried place wins.
            if exact not in self.new.text:
                return carried
            relocated = self._search_exact(exact, quote, fprefix, fsuffix, expected)
            carried_fs = self.new.folded_start(carried.start)
            carried_fe = self.new.folded_end(carried.end)
            here = self._context_similarity(carried_fs, carried_fe, fprefix, fsuffix) or 0.0
            if relocated is not None and (relocated[1] or 0.0) > here:
                return relocated[0]
            return carried
        starts_word = self._starts_word(selector, positioned)
        ends_word = self._ends_word(selector, positioned)

        relocated = self._search_exact(exact, quote, fprefix, fsuffix, expected)
        if relocated is not None:
            found, agreement = relocated
            if agreement is None or agreement >= POOR_CONTEXT or expected is None:
                return found
            nearby = self._fuzzy(
                tokens,
                fprefix,
                fsuffix,
                expected,
                expected_end,
                starts_word,
                ends_word,
                seeds=False,
            )
            if nearby is not None and (nearby.context or 0.0) >= GOOD_CONTEXT:
                placed = self._fuzzy_result(nearby)
                return (
                    placed
                    if placed.exact != exact
                    else self._anchored(placed.start, placed.end, "search")
                )
            return found

        candidate = self._fuzzy(
            tokens, fprefix, fsuffix, expected, expected_end, starts_word, ends_word
        )
        if candidate is not None:
            return self._fuzzy_result(candidate)
        return Reanchored(
            state="orphaned",
            start=None,
            end=None,
            exact=exact,
            prefix=selector.prefix,
            suffix=selector.suffix,
            score=0.0,
            method="orphaned",
        )

    def _at_carried_position(
        self,
        selector: Selector,
        start: int,
        end: int,
        new_fs: int,
        new_fe: int,
        old_fs: int,
        old_fe: int,
    ) -> Reanchored | None:
        """Step (a): the quote where the diff carried it (real or folded equality)."""
        new_text = self.new.text
        exact = selector.exact
        # A quote's leading or trailing spaces are not in the folded form: keep them.
        lead = len(exact) - len(exact.lstrip())
        trail = len(exact) - len(exact.rstrip())
        new_start = self.new.real_start(new_fs) - lead
        new_end = self.new.real_end(new_fe) + trail
        if new_start < 0 or new_end > len(new_text):
            return None
        found = new_text[new_start:new_end]
        if found == exact:
            return self._anchored(new_start, new_end, "position")
        folded_new = self.new.folded[new_fs:new_fe]
        if folded_new == fold(exact) and _fold_tokens(found) == _fold_tokens(exact):
            return self._anchored(new_start, new_end, "normalised")
        # A fuzzy claim (its quote differs from the text it points at) whose text did not
        # change stays where it was, still fuzzy: only a person confirms it.
        old_span = self.old.text[start:end]
        if old_span != exact and self.old.folded[old_fs:old_fe] == folded_new:
            score = _folded_similarity(fold(exact), folded_new)
            if score >= FUZZY_THRESHOLD:
                prefix, suffix = self._context(new_start, new_end)
                return Reanchored(
                    "fuzzy", new_start, new_end, found, prefix, suffix, round(score, 4), "fuzzy"
                )
        return None

    def _search_exact(
        self, exact: str, quote: str, fprefix: str, fsuffix: str, expected: int | None
    ) -> tuple[Reanchored, float | None] | None:
        """Step (b): the quote elsewhere, exactly, else equal once folded.

        Occurrences are ranked by how well the text around them agrees with the claim's old
        context, then by distance to where the diff carried the claim. Returns the placement
        and its context similarity (None without context), so the caller can doubt a
        relocation that nothing around agrees with.
        """
        new = self.new
        starts = find_all(new.text, exact)
        method = "search"
        spans: list[tuple[int, int, int, int]] = []  # real start/end, folded start/end
        if starts:
            for real_start in starts:
                real_end = real_start + len(exact)
                spans.append(
                    (real_start, real_end, new.folded_start(real_start), new.folded_end(real_end))
                )
        elif quote:
            method = "normalised"
            tokens = _fold_tokens(exact)
            lead = len(exact) - len(exact.lstrip())
            trail = len(exact) - len(exact.rstrip())
            for folded_start in find_all(new.folded, quote):
                folded_end = folded_start + len(quote)
                real_start = new.real_start(folded_start) - lead
                real_end = new.real_end(folded_end) + trail
                if real_start < 0 or real_end > len(new.text):
                    continue
                # Same words, not just the same letters: "the rapist" is not "therapist".
                if _fold_tokens(new.text[real_start:real_end]) == tokens:
                    spans.append((real_start, real_end, folded_start, folded_end))
        if not spans:
            return None

        def distance(span: tuple[int, int, int, int]) -> int:
            return abs(span[2] - expected) if expected is not None else 0

        if len(spans) > _RANKED_OCCURRENCES:
            # A quote found hundreds of times ("the"): a cheap first cut by how many context
            # characters agree exactly, then the edit-distance ranking on the best few.
            total = max(1, len(fprefix) + len(fsuffix))

            def agreement(span: tuple[int, int, int, int]) -> float:
                _, _, fs, fe = span
                before = new.folded[max(0, fs - len(fprefix)) : fs]
                after = new.folded[fe : fe + len(fsuffix)]
                return (_common_suffix(before, fprefix) + _common_prefix(after, fsuffix)) / total

            spans = sorted(spans, key=lambda span: (-agreement(span), distance(span)))
            spans = spans[:_RANKED_OCCURRENCES]
        ranked = [
            (self._context_similarity(span[2], span[3], fprefix, fsuffix), span) for span in spans
        ]
        agreement_of_best, best = min(
            ranked, key=lambda item: (-(item[0] or 0.0), distance(item[1]))
        )
        return self._anchored(best[0], best[1], method), agreement_of_best

    def _context_similarity(self, start: int, end: int, fprefix: str, fsuffix: str) -> float | None:
        """How alike the folded text around new.folded[start:end] is to the old context
        (0..1, weighted by the context's lengths); None when there is no context."""
        folded = self.new.folded
        parts = []
        if fprefix:
            before = folded[max(0, start - len(fprefix)) : start]
            parts.append((len(fprefix), _folded_similarity(fprefix, before)))
        if fsuffix:
            after = folded[end : end + len(fsuffix)]
            parts.append((len(fsuffix), _folded_similarity(fsuffix, after)))
        if not parts:
            return None
        return sum(weight * value for weight, value in parts) / sum(w for w, _ in parts)

    # -- fuzzy ------------------------------------------------------------------------------
    def _fuzzy(
        self,
        tokens: list[str],
        fprefix: str,
        fsuffix: str,
        expected: int | None,
        expected_end: int | None,
        starts_word: bool,
        ends_word: bool,
        *,
        seeds: bool = True,
    ) -> _Candidate | None:
        """Step (c): the best approximate match of the quote (its folded tokens), or None.

        First where the diff carried the claim; only when nothing convincing is there, also
        wherever the quote's words reappear.
        """
        quote = "".join(tokens)
        m = len(quote)
        if m < 4:
            return None
        # Similarity is measured against the longer of quote and match, so a match with
        # inserted words may hold up to m(1-T)/T errors and still pass the threshold T.
        max_errors = int(m * (1 - FUZZY_THRESHOLD) / FUZZY_THRESHOLD)
        if max_errors < 1:
            return None
        slack = max_errors + 32
        search = (quote, max_errors, fprefix, fsuffix, expected, expected_end)
        best: _Candidate | None = None
        scanned: tuple[int, int] | None = None
        if expected is not None:
            end_guess = expected_end if expected_end is not None else expected + m
            scanned = (min(expected, end_guess - m) - slack, max(end_guess, expected + m) + slack)
            best = self._best_in([scanned], search, starts_word, ends_word)
            convincing = best is not None and (
                best.similarity >= SURE_SIMILARITY or (best.context or 0.0) >= GOOD_CONTEXT
            )
            if convincing or not seeds:
                return best
        if seeds:
            windows = [
                (lo, hi)
                for lo, hi in self._seed_windows(quote, tokens, slack)
                if scanned is None or not (scanned[0] <= lo and hi <= scanned[1])
            ]
            elsewhere = self._best_in(windows, search, starts_word, ends_word)
            if elsewhere is not None and (best is None or elsewhere.rank > best.rank):
                best = elsewhere
        return best

    def _best_in(
        self,
        windows: list[tuple[int, int]],
        search: tuple[str, int, str, str, int | None, int | None],
        starts_word: bool,
        ends_word: bool,
    ) -> _Candidate | None:
        quote, max_errors, fprefix, fsuffix, expected, expected_end = search
        size = len(self.new.folded)
        merged: list[list[int]] = []
        for lo, hi in sorted((max(0, lo), min(size, hi)) for lo, hi in windows):
            if hi <= lo:
                continue
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        best: _Candidate | None = None
        for lo, hi in merged:
            for start, end in self._align(quote, lo, hi, max_errors, expected_end):
                candidate = self._score(
                    quote, start, end, fprefix, fsuffix, expected, starts_word, ends_word
                )
                if candidate is not None and (best is None or candidate.rank > best.rank):
                    best = candidate
        return best

    def _seed_windows(self, quote: str, tokens: list[str], slack: int) -> list[tuple[int, int]]:
        """Where the quote's words reappear together: the diagonal of each shared word votes
        for a start, and the best-voted starts become search windows."""
        index = self.new.index()
        m = len(quote)
        bucket = max(8, m // 4)
        votes: Counter[int] = Counter()
        offset = 0
        usable = 0
        for token in tokens:
            positions = index.get(token)
            # Short Latin words are everywhere; one CJK or Hangul character already says much.
            long_enough = len(token) >= 3 or ord(token[0]) >= 0x3040
            if positions and long_enough and len(positions) <= _SEED_MAX_OCCURRENCES:
                usable += 1
                seen: set[int] = set()
                for i in positions:
                    cell = (self.new.folded_at[i] - offset) // bucket
                    if cell not in seen:
                        seen.add(cell)
                        votes[cell] += 1
            offset += len(token)
        if not votes:
            return []
        needed = 1 if usable <= 2 else max(2, usable // 5)
        windows = []
        for cell, count in votes.most_common(_SEED_WINDOWS):
            if count < needed:
                break
            guess = cell * bucket
            windows.append((guess - bucket - slack, guess + m + bucket + slack))
        return windows

    def _align(
        self, quote: str, lo: int, hi: int, max_errors: int, expected_end: int | None
    ) -> list[tuple[int, int]]:
        """Best approximate occurrences of `quote` in folded[lo:hi], as folded (start, end).

        The forward search finds where the best matches end; a search of the reversed quote
        back from each end finds where it starts.
        """
        window = self.new.folded[lo:hi]
        best, ends = _search(quote, window)
        if best > max_errors:
            return []
        m = len(quote)
        clusters: list[list[int]] = []
        for end in ends:
            if clusters and end - clusters[-1][-1] <= 1:
                clusters[-1].append(end)
            else:
                clusters.append([end])
        reversed_quote = quote[::-1]
        found: list[tuple[int, int]] = []
        for cluster in clusters[:3]:
            if expected_end is not None:
                end = min(cluster, key=lambda e: abs(lo + e - expected_end))
            else:
                end = cluster[-1]
            # A match is at most m + max_errors long.
            reach = window[max(0, end - m - max_errors) : end][::-1]
            back_best, lengths = _search(reversed_quote, reach)
            if back_best != best or not lengths:  # cannot happen; stay safe
                continue
            length = min(lengths, key=lambda n: (abs(n - m), -n))
            found.append((lo + end - length, lo + end))
        return found

    def _score(
        self,
        quote: str,
        start: int,
        end: int,
        fprefix: str,
        fsuffix: str,
        expected: int | None,
        starts_word: bool,
        ends_word: bool,
    ) -> _Candidate | None:
        new = self.new
        # A quote that began and ended on word boundaries covers whole words in the new text
        # too: a changed first or last word is taken in whole, not cut.
        if starts_word and not new.is_token_start(start):
            start = new.folded_at[new.token_at(start)]
        if ends_word and end < len(new.folded) and not new.is_token_start(end):
            end = new.folded_at[new.token_at(end) + 1]
        if end <= start:
            return None
        found = new.folded[start:end]
        score = _folded_similarity(quote, found)
        if score < FUZZY_THRESHOLD:
            return None
        agreement = self._context_similarity(start, end, fprefix, fsuffix)
        if len(quote) < SHORT_QUOTE and (agreement or 0.0) < SHORT_QUOTE_CONTEXT:
            return None
        proximity = 0.0 if expected is None else 1.0 / (1.0 + abs(start - expected) / 500)
        return _Candidate(start, end, score, agreement, proximity)

    # -- helpers ----------------------------------------------------------------------------
    def _starts_word(self, selector: Selector, positioned: bool) -> bool:
        exact = selector.exact
        if positioned:
            return self.old.is_token_start(self.old.folded_start(selector.start))
        before = selector.prefix[-1:] if selector.prefix else ""
        return not (before.isalnum() and exact[:1].isalnum())

    def _ends_word(self, selector: Selector, positioned: bool) -> bool:
        exact = selector.exact
        if positioned:
            folded_end = self.old.folded_end(selector.end)
            return folded_end >= len(self.old.folded) or self.old.is_token_start(folded_end)
        after = selector.suffix[:1] if selector.suffix else ""
        return not (after.isalnum() and exact[-1:].isalnum())

    def _context(self, start: int, end: int) -> tuple[str, str]:
        return context(self.new.text, start, end)

    def _anchored(self, start: int, end: int, method: str) -> Reanchored:
        prefix, suffix = self._context(start, end)
        return Reanchored(
            "anchored", start, end, self.new.text[start:end], prefix, suffix, 1.0, method
        )

    def _fuzzy_result(self, candidate: _Candidate) -> Reanchored:
        start = self.new.real_start(candidate.start)
        end = self.new.real_end(candidate.end)
        prefix, suffix = self._context(start, end)
        return Reanchored(
            "fuzzy",
            start,
            end,
            self.new.text[start:end],
            prefix,
            suffix,
            round(candidate.similarity, 4),
            "fuzzy",
        )


def reanchor(old_text: str, new_text: str, selectors: Sequence[Selector]) -> list[Reanchored]:
    """Place every claim of `old_text` on `new_text`; one result per selector, in order."""
    if not selectors:
        return []
    reanchorer = Reanchorer(old_text, new_text)
    return [reanchorer.place(selector) for selector in selectors]


@dataclass(frozen=True)
class DiffOp:
    """One piece of a readable diff: `tag` is equal, insert, delete or replace; `old`/`new` are
    the real texts of both sides (offsets into each text included, for highlighting)."""

    tag: str
    old_start: int
    old_end: int
    new_start: int
    new_end: int
    old: str
    new: str


def text_diff(old_text: str, new_text: str) -> list[DiffOp]:
    """A word-level diff between two revisions' texts, for showing what changed.

    Typographic variants and whitespace count as equal (the same folding as re-anchoring);
    each piece runs up to the next piece's first word, so the pieces of each side concatenate
    back to that side's text.
    """
    old, new = _Folded(old_text), _Folded(new_text)
    # Piece boundaries: each token's start, except that the first piece starts at 0 and the
    # last ends at the end, so leading and trailing whitespace belong to a piece too.
    old_starts = [0, *old.real[1:], len(old_text)] if old.real else [0, len(old_text)]
    new_starts = [0, *new.real[1:], len(new_text)] if new.real else [0, len(new_text)]
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in _token_opcodes(old.tokens, new.tokens):
        o1, o2 = old_starts[i1], old_starts[i2]
        n1, n2 = new_starts[j1], new_starts[j2]
        ops.append(DiffOp(tag, o1, o2, n1, n2, old_text[o1:o2], new_text[n1:n2]))
    if not ops and (old_text or new_text):
        ops.append(DiffOp("equal", 0, len(old_text), 0, len(new_text), old_text, new_text))
    return ops
