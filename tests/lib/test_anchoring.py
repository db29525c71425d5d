"""Anchoring: placing claims on the canonical article text. Pure functions, no database.

Offsets count Unicode code points (Python string indices); browsers count UTF-16 code units.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from annotations.lib.anchoring import (
    CONTEXT_LENGTH,
    AnchorError,
    anchor_at,
    codepoint_to_utf16,
    context,
    locate_quote,
    resolve_selector,
    segment,
    utf16_to_codepoint,
)

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
LEFT = "".join(ALPHABET[i % 26] for i in range(40))  # 40 distinct-enough code points
RIGHT = LEFT.upper()

# A quote that occurs twice, with different surroundings each time.
TWICE = (
    "The minister said crime fell by half last year. "
    "Critics replied that crime fell by half only in the capital."
)
FIRST = TWICE.index("crime fell by half")
SECOND = TWICE.index("crime fell by half", FIRST + 1)
QUOTE = "crime fell by half"

# Text with astral characters: an emoji, a CJK Extension B ideograph, plus BMP CJK and a
# combining accent (one visible letter, two code points).
ASTRAL = st.sampled_from(["👍", "🇺🇦", "𠜎", "𝔘", "事", "实", "e\u0301", " ", "\n\n"])
MIXED_TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), ASTRAL), min_size=0, max_size=60).map(
    "".join
)


def utf16_length(text: str) -> int:
    """How a browser's String.length counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# --- context -------------------------------------------------------------------------------


def test_context_is_32_code_points_on_each_side():
    text = LEFT + "CLAIM" + RIGHT
    start = len(LEFT)

    prefix, suffix = context(text, start, start + len("CLAIM"))

    assert CONTEXT_LENGTH == 32
    assert prefix == LEFT[-32:]
    assert suffix == RIGHT[:32]


def test_context_is_clipped_at_the_start_and_the_end_of_the_text():
    text = "short CLAIM here"

    prefix, suffix = context(text, 6, 11)

    assert prefix == "short "
    assert suffix == " here"
    assert context(text, 0, 5) == ("", " CLAIM here"[:32])
    assert context(text, 0, len(text)) == ("", "")


def test_context_counts_emoji_as_one_code_point_each():
    text = "👍" * 40 + "claim" + "🇺" * 40

    prefix, suffix = context(text, 40, 45)

    assert prefix == "👍" * 32
    assert suffix == "🇺" * 32


# --- anchor_at -----------------------------------------------------------------------------


def test_anchor_at_gives_the_quote_and_its_context():
    text = LEFT + "CLAIM" + RIGHT
    start = len(LEFT)

    anchor = anchor_at(text, start, start + 5)

    assert (anchor.start, anchor.end, anchor.exact) == (start, start + 5, "CLAIM")
    assert (anchor.prefix, anchor.suffix) == context(text, start, start + 5)


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        (-1, 4, "cannot be negative"),
        (3, -2, "cannot be negative"),
        (4, 4, "start must come before end"),
        (5, 3, "start must come before end"),
        (0, 22, "past the end of the article text"),
        (5, 6, "only white space"),
    ],
    ids=["negative-start", "negative-end", "empty", "reversed", "past-end", "whitespace"],
)
def test_anchor_at_refuses_a_range_that_selects_no_real_text(start, end, says):
    with pytest.raises(AnchorError) as raised:
        anchor_at("Claim one. Claim two.", start, end)

    assert says in raised.value.message
    assert raised.value.code == "invalid_selector"


def test_anchor_at_accepts_a_claim_that_ends_exactly_at_the_end_of_the_text():
    text = "It rained."

    anchor = anchor_at(text, 3, len(text))

    assert anchor.exact == "rained."
    assert anchor.suffix == ""


def test_anchor_at_refuses_offsets_that_are_not_whole_numbers():
    with pytest.raises(AnchorError, match="whole numbers"):
        anchor_at("Some text here", "1", 4)  # type: ignore[arg-type]


# --- locate_quote --------------------------------------------------------------------------


def test_a_unique_quote_is_found_where_it_is():
    anchor = locate_quote(TWICE, "The minister said")

    assert (anchor.start, anchor.end) == (0, len("The minister said"))
    assert anchor.exact == "The minister said"


def test_a_quote_that_is_not_in_the_text_is_reported_as_not_found():
    with pytest.raises(AnchorError) as raised:
        locate_quote(TWICE, "crime doubled")

    assert raised.value.code == "quote_not_found"
    assert "does not occur" in raised.value.message


def test_an_empty_or_blank_quote_is_refused():
    for blank in ("", "   "):
        with pytest.raises(AnchorError) as raised:
            locate_quote(TWICE, blank)
        assert raised.value.code == "invalid_selector"


def test_a_quote_that_occurs_twice_without_context_is_ambiguous_and_says_so():
    with pytest.raises(AnchorError) as raised:
        locate_quote(TWICE, QUOTE)

    assert raised.value.code == "ambiguous_quote"
    assert "occurs 2 times" in raised.value.message
    assert "prefix/suffix" in raised.value.message


def test_occurrences_that_overlap_each_other_still_count_as_two():
    text = "He said: no, no, no."

    with pytest.raises(AnchorError) as raised:
        locate_quote(text, "no, no")

    assert raised.value.code == "ambiguous_quote"
    assert locate_quote(text, "no, no", suffix=".").start == text.rindex("no, no")


def test_a_prefix_chooses_the_occurrence_it_precedes():
    anchor = locate_quote(TWICE, QUOTE, prefix="Critics replied that ")

    assert anchor.start == SECOND
    assert anchor.end == SECOND + len(QUOTE)


def test_a_suffix_chooses_the_occurrence_it_follows():
    anchor = locate_quote(TWICE, QUOTE, suffix=" last year")

    assert anchor.start == FIRST


def test_the_stored_context_of_an_occurrence_finds_that_occurrence_again():
    for start in (FIRST, SECOND):
        prefix, suffix = context(TWICE, start, start + len(QUOTE))

        assert locate_quote(TWICE, QUOTE, prefix=prefix, suffix=suffix).start == start


def test_context_that_matches_no_occurrence_leaves_the_quote_ambiguous():
    with pytest.raises(AnchorError) as raised:
        locate_quote(TWICE, QUOTE, prefix="XYZ", suffix="QQQ")

    assert raised.value.code == "ambiguous_quote"


def test_near_breaks_a_tie_in_favour_of_the_closest_occurrence():
    assert locate_quote(TWICE, QUOTE, near=SECOND - 3).start == SECOND
    assert locate_quote(TWICE, QUOTE, near=FIRST + 3).start == FIRST


def test_near_exactly_between_two_occurrences_is_still_ambiguous():
    text = "tax up, and tax up"  # occurrences at 0 and 12

    with pytest.raises(AnchorError) as raised:
        locate_quote(text, "tax up", near=6)

    assert raised.value.code == "ambiguous_quote"


# --- resolve_selector ----------------------------------------------------------------------


def test_offsets_alone_are_taken_as_they_are():
    anchor = resolve_selector(TWICE, start=SECOND, end=SECOND + len(QUOTE))

    assert (anchor.start, anchor.end, anchor.exact) == (SECOND, SECOND + len(QUOTE), QUOTE)


def test_offsets_with_the_matching_quote_are_accepted():
    anchor = resolve_selector(TWICE, start=FIRST, end=FIRST + len(QUOTE), exact=QUOTE)

    assert (anchor.start, anchor.end) == (FIRST, FIRST + len(QUOTE))


def test_offsets_that_disagree_with_the_quote_give_way_to_where_the_quote_is():
    # The client's offsets are shifted by a few characters (say an emoji counted twice).
    anchor = resolve_selector(TWICE, start=4, end=12, exact="Critics replied")

    start = TWICE.index("Critics replied")
    assert (anchor.start, anchor.end, anchor.exact) == (start, start + 15, "Critics replied")


def test_shifted_offsets_pick_the_nearest_of_several_occurrences_of_the_quote():
    anchor = resolve_selector(TWICE, start=SECOND + 2, end=SECOND + 2 + len(QUOTE), exact=QUOTE)

    assert anchor.start == SECOND


def test_offsets_that_disagree_with_a_quote_that_is_nowhere_are_a_selector_mismatch():
    with pytest.raises(AnchorError) as raised:
        resolve_selector(TWICE, start=0, end=12, exact="crime doubled")

    assert raised.value.code == "selector_mismatch"
    assert "The minister" in raised.value.message
    assert "not the quote you sent" in raised.value.message


def test_a_quote_alone_is_searched_for():
    anchor = resolve_selector(TWICE, exact="Critics", suffix=" replied")

    assert anchor.start == TWICE.index("Critics")


def test_a_selector_needs_both_offsets_or_a_quote():
    with pytest.raises(AnchorError, match="both start and end"):
        resolve_selector(TWICE, start=3)
    with pytest.raises(AnchorError, match="both start and end"):
        resolve_selector(TWICE, end=3, exact="minister")
    with pytest.raises(AnchorError, match="or the exact quote"):
        resolve_selector(TWICE)


@given(text=MIXED_TEXT, data=st.data())
def test_a_valid_range_with_its_own_quote_resolves_to_exactly_that_range(text, data):
    assume(text.strip())
    start = data.draw(st.integers(0, len(text) - 1), label="start")
    end = data.draw(st.integers(start + 1, len(text)), label="end")
    assume(text[start:end].strip())

    anchor = resolve_selector(text, start=start, end=end, exact=text[start:end])

    assert (anchor.start, anchor.end) == (start, end)
    assert anchor.exact == text[start:end]
    assert anchor.prefix == text[max(0, start - 32) : start]
    assert anchor.suffix == text[end : end + 32]


# --- code points and UTF-16 ----------------------------------------------------------------


def test_an_emoji_before_a_claim_counts_as_one_code_point_but_two_utf16_units():
    text = "👍 claim that prices doubled"

    anchor = locate_quote(text, "claim")

    assert anchor.start == 2
    assert codepoint_to_utf16(text, anchor.start) == 3
    assert utf16_to_codepoint(text, 3) == 2


@pytest.mark.parametrize(
    ("text", "quote", "utf16_start"),
    [
        ("🇺🇦 flag then claim", "claim", 15),  # a flag is two astral code points
        ("事实核查: claim", "claim", 6),  # BMP CJK: one unit each
        ("𠜎𠜎 claim", "claim", 5),  # CJK Extension B: astral
        ("cafe\u0301 claim", "claim", 6),  # combining accent: its own code point
        ("\uffff claim", "claim", 2),  # the last one-unit character
        ("\U00010000 claim", "claim", 3),  # the first two-unit character
    ],
    ids=["flag", "cjk", "cjk-ext-b", "combining", "last-bmp", "first-astral"],
)
def test_browser_offsets_convert_to_code_points_and_back(text, quote, utf16_start):
    start = text.index(quote)

    assert codepoint_to_utf16(text, start) == utf16_start == utf16_length(text[:start])
    assert utf16_to_codepoint(text, utf16_start) == start
    assert text[start : start + len(quote)] == quote


def test_conversions_at_the_ends_of_the_text():
    text = "a👍b"

    assert codepoint_to_utf16(text, 0) == 0
    assert utf16_to_codepoint(text, 0) == 0
    assert codepoint_to_utf16(text, 3) == 4
    assert utf16_to_codepoint(text, 4) == 3
    assert utf16_to_codepoint(text, 99) == 3


@given(text=MIXED_TEXT, data=st.data())
def test_utf16_and_code_point_offsets_round_trip(text, data):
    offset = data.draw(st.integers(0, len(text)), label="offset")

    units = codepoint_to_utf16(text, offset)

    assert units == utf16_length(text[:offset])
    assert utf16_to_codepoint(text, units) == offset


# --- segment -------------------------------------------------------------------------------


def as_runs(segments):
    return [(s.start, s.end, s.claim_ids) for s in segments]


def test_overlapping_claims_split_a_block_into_runs_with_the_claims_covering_each():
    text = "0123456789"

    segments = segment(text, 0, 10, [(1, 2, 6), (2, 4, 8)])

    assert as_runs(segments) == [
        (0, 2, ()),
        (2, 4, (1,)),
        (4, 6, (1, 2)),
        (6, 8, (2,)),
        (8, 10, ()),
    ]
    assert [s.text for s in segments] == ["01", "23", "45", "67", "89"]


def test_a_claim_nested_in_another_is_marked_inside_it():
    segments = segment("0123456789", 0, 10, [(7, 1, 9), (3, 4, 6)])

    assert as_runs(segments) == [
        (0, 1, ()),
        (1, 4, (7,)),
        (4, 6, (3, 7)),
        (6, 9, (7,)),
        (9, 10, ()),
    ]


def test_two_claims_on_the_same_text_share_one_run():
    segments = segment("abcdef", 0, 6, [(2, 1, 3), (1, 1, 3)])

    assert as_runs(segments) == [(0, 1, ()), (1, 3, (1, 2)), (3, 6, ())]


def test_claims_crossing_the_edges_of_a_block_are_clipped_to_it():
    text = "First paragraph.\n\nSecond paragraph here.\n\nThird."
    block_start = text.index("Second")
    block_end = text.index("\n\nThird")
    spans = [
        (1, 6, block_start + 6),  # starts in the first paragraph
        (2, block_end - 5, len(text)),  # runs into the third
        (3, 0, 5),  # entirely in another block
    ]

    segments = segment(text, block_start, block_end, spans)

    assert as_runs(segments) == [
        (block_start, block_start + 6, (1,)),
        (block_start + 6, block_end - 5, ()),
        (block_end - 5, block_end, (2,)),
    ]
    assert "".join(s.text for s in segments) == "Second paragraph here."


def test_a_block_without_claims_is_one_plain_run():
    assert as_runs(segment("Just text.", 0, 10, [])) == [(0, 10, ())]


@given(
    ends=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=6),
    edges=st.tuples(st.integers(0, 30), st.integers(0, 30)),
)
def test_segments_cover_the_block_and_carry_exactly_the_claims_over_them(ends, edges):
    text = "".join(ALPHABET[i % 26] for i in range(30))
    block_start, block_end = sorted(edges)
    spans = [(cid, min(a, b), max(a, b)) for cid, (a, b) in enumerate(ends, start=1)]

    segments = segment(text, block_start, block_end, spans)

    assert "".join(s.text for s in segments) == text[block_start:block_end]
    for run in segments:
        assert run.start < run.end
        covering = sorted(cid for cid, s, e in spans if s <= run.start and run.end <= e)
        assert list(run.claim_ids) == covering
