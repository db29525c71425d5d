"""Re-anchoring claims on a new revision of the text. Pure functions, no database.

Hand-written cases for each step of the algorithm (position, search, fuzzy, orphan) and for
the text changes newsrooms make, then property-based tests of what must always hold.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.lib.anchoring import (
    FUZZY_THRESHOLD,
    Reanchored,
    Reanchorer,
    Selector,
    _search,
    anchor_at,
    find_all,
    fold,
    levenshtein,
    reanchor,
    similarity,
    text_diff,
)

OLD = (
    "Troops in Kursk\n\n"
    "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n"
    "The Pentagon estimated that there are 10.000 North Korean soldiers in the Kursk region.\n\n"
    "Moscow denied any foreign troops were present."
)
QUOTE = "11.000 North Korean soldiers had arrived"


def selector(text: str, quote: str, occurrence: int = 0) -> Selector:
    """A claim on the `occurrence`-th copy of `quote` in `text`, as claim_create makes it."""
    start = find_all(text, quote)[occurrence]
    anchor = anchor_at(text, start, start + len(quote))
    return Selector(anchor.start, anchor.end, anchor.exact, anchor.prefix, anchor.suffix)


def place(old: str, new: str, quote: str = QUOTE, occurrence: int = 0) -> Reanchored:
    return reanchor(old, new, [selector(old, quote, occurrence)])[0]


def assert_consistent(new: str, result: Reanchored) -> None:
    """What every placed claim satisfies: its offsets select its (new) quote."""
    assert new[result.start : result.end] == result.exact
    assert result.prefix == new[max(0, result.start - 32) : result.start]
    assert result.suffix == new[result.end : result.end + 32]


# --- (a) the old position, carried through the diff ---------------------------------------


def test_unchanged_text_keeps_every_claim_where_it_was() -> None:
    result = place(OLD, OLD)
    assert (result.state, result.method, result.score) == ("anchored", "position", 1.0)
    assert (result.start, result.end) == (OLD.index(QUOTE), OLD.index(QUOTE) + len(QUOTE))
    assert not result.moved


def test_text_inserted_before_the_quote_shifts_the_claim() -> None:
    new = "UPDATE: this story was corrected on Monday.\n\n" + OLD
    result = place(OLD, new)
    assert (result.state, result.method) == ("anchored", "position")
    assert result.start == OLD.index(QUOTE) + len("UPDATE: this story was corrected on Monday.\n\n")
    assert result.exact == QUOTE
    assert_consistent(new, result)


def test_text_inserted_right_before_and_after_the_quote_keeps_it() -> None:
    new = OLD.replace(QUOTE, "about " + QUOTE + " recently")
    result = place(OLD, new)
    assert result.state == "anchored"
    assert result.exact == QUOTE
    assert result.start == new.index(QUOTE)
    assert_consistent(new, result)


def test_emoji_before_the_quote_counts_code_points_not_utf16_units() -> None:
    new = "🇺🇦🎉 𠜎 " + OLD
    result = place(OLD, new)
    assert result.state == "anchored"
    assert result.start == OLD.index(QUOTE) + len("🇺🇦🎉 𠜎 ")  # 5 code points, 8 UTF-16 units
    assert_consistent(new, result)


# --- normalisation: typography and whitespace never orphan a claim --------------------------


@pytest.mark.parametrize(
    ("old_quote", "new_quote"),
    [
        ('He said "enough" twice', "He said \u201cenough\u201d twice"),
        ("He said \u201cenough\u201d twice", 'He said "enough" twice'),
        ("the minister\u2019s aide", "the minister's aide"),
        ("in 2019-2020 alone", "in 2019\u20132020 alone"),
        ("prices \u2014 and wages \u2014 rose", "prices - and wages - rose"),
        ("11.000 North Korean soldiers", "11.000\u00a0North Korean\u202fsoldiers"),
        ("North Korean soldiers had arrived", "North  Korean\nsoldiers had\tarrived"),
        ("(CNN) President Donald Trump", "(CNN)President Donald Trump"),
        ("information campaign", "infor\u00admation\u200b campaign"),
    ],
)
def test_typographic_and_whitespace_changes_keep_the_claim_anchored(
    old_quote: str, new_quote: str
) -> None:
    old = f"First paragraph here.\n\nIt was reported that {old_quote} in Kursk.\n\nThe end."
    new = f"First paragraph here.\n\nIt was reported that {new_quote} in Kursk.\n\nThe end."
    result = place(old, new, old_quote)
    assert (result.state, result.method) == ("anchored", "normalised")
    # Offsets are real code points of the new text; the quote becomes the new text there.
    assert result.exact == new_quote
    assert result.moved  # the quote's characters changed: published claims get flagged
    assert_consistent(new, result)


def test_normalised_match_elsewhere_is_found_too() -> None:
    old = "Intro.\n\nShe said \u201cnever again\u201d to reporters.\n\nOutro."
    new = 'She said "never again" to reporters.\n\nIntro.\n\nOutro added.'
    result = place(old, new, "She said \u201cnever again\u201d to reporters.")
    assert result.state == "anchored"
    assert result.exact == 'She said "never again" to reporters.'
    assert_consistent(new, result)


def test_same_letters_with_different_word_breaks_are_not_the_same_quote() -> None:
    old = "Police arrested the rapist on Friday night."
    new = "Police arrested the therapist on Friday night."
    result = place(old, new, "the rapist")
    assert result.state != "anchored"


# --- (b) the exact quote elsewhere -----------------------------------------------------------


def test_reordered_paragraphs_move_claims_with_their_text() -> None:
    paragraphs = OLD.split("\n\n")
    new = "\n\n".join([paragraphs[0], paragraphs[3], paragraphs[2], paragraphs[1]])
    for quote in (QUOTE, "10.000 North Korean soldiers", "Moscow denied"):
        result = place(OLD, new, quote)
        assert result.state == "anchored", quote
        assert result.exact == quote
        assert result.start == new.index(quote)
        assert_consistent(new, result)


def test_a_duplicated_quote_is_told_apart_by_its_context() -> None:
    old = (
        "The minister said crime fell by half last year.\n\n"
        "Critics replied that crime fell by half only in the capital."
    )
    first, second = selector(old, "crime fell by half", 0), selector(old, "crime fell by half", 1)
    # Both sentences rewritten around the quotes, and a third copy added before them.
    new = (
        "A report claims crime fell by half everywhere.\n\n"
        "The minister said on Tuesday that crime fell by half last year.\n\n"
        "But critics replied that crime fell by half only in the capital."
    )
    results = reanchor(old, new, [first, second])
    starts = find_all(new, "crime fell by half")
    assert [r.state for r in results] == ["anchored", "anchored"]
    assert [r.start for r in results] == [starts[1], starts[2]]


def test_a_duplicate_added_elsewhere_does_not_steal_the_claim() -> None:
    new = OLD.replace("Moscow denied", f"Kyiv repeated that {QUOTE}. Moscow denied")
    result = place(OLD, new)
    assert result.start == OLD.index(QUOTE)
    assert result.method == "position"


def test_equal_context_picks_the_occurrence_nearest_to_the_carried_position() -> None:
    old = "x " * 30 + "alpha beta gamma. " + "y " * 300
    sel = selector(old, "alpha beta gamma")
    # The quote's own words change slightly (so step (a) fails), and two exact copies with
    # the same unrelated context appear: one near the old place, one far away.
    new = (
        "x " * 30
        + "alpha beta gamma!? "
        + "z " * 10
        + "alpha beta gamma. "
        + "y " * 300
        + "alpha beta gamma. "
    )
    reanchorer = Reanchorer(old, new)
    result = reanchorer.place(Selector(sel.start, sel.end, sel.exact, "", ""))
    assert result.state == "anchored"
    assert result.start == find_all(new, "alpha beta gamma")[0]


def test_an_orphan_comes_back_when_its_quote_returns() -> None:
    orphan = Selector(None, None, QUOTE, "President Zelensky said that ", " in the region.")
    new = OLD.replace("Moscow denied", f"Officials confirmed {QUOTE}. Moscow denied")
    result = reanchor(OLD, new, [orphan])[0]
    assert result.state == "anchored"
    assert_consistent(new, result)


# --- (c) fuzzy ----------------------------------------------------------------------------


def test_a_word_changed_inside_the_quote_gives_a_fuzzy_match_covering_the_new_quote() -> None:
    new = OLD.replace("11.000 North Korean", "12.000 North Korean")
    result = place(OLD, new)
    assert result.state == "fuzzy"
    assert result.exact == "12.000 North Korean soldiers had arrived"
    assert FUZZY_THRESHOLD <= result.score < 1.0
    assert result.score == pytest.approx(similarity(QUOTE, result.exact), abs=1e-4)
    assert_consistent(new, result)


def test_a_changed_last_word_is_covered_whole() -> None:
    new = OLD.replace("soldiers had arrived", "soldiers have come")
    result = place(OLD, new)
    assert result.state == "fuzzy"
    assert result.exact == "11.000 North Korean soldiers have come"


def test_a_longer_quote_with_words_inserted_is_covered_whole() -> None:
    new = OLD.replace("North Korean soldiers", "North Korean elite soldiers")
    result = place(OLD, new)
    assert result.state == "fuzzy"
    assert result.exact == "11.000 North Korean elite soldiers had arrived"


def test_too_many_changes_inside_the_quote_orphan_it() -> None:
    # 13 of 48 folded characters new: below the similarity threshold.
    new = OLD.replace("North Korean soldiers", "North Korean special forces soldiers")
    assert place(OLD, new).state == "orphaned"


def test_a_changed_quote_in_a_moved_paragraph_is_still_found() -> None:
    paragraphs = OLD.replace("had arrived", "have arrived").split("\n\n")
    new = "\n\n".join([paragraphs[0], paragraphs[3], paragraphs[2], paragraphs[1]])
    result = place(OLD, new)
    assert result.state == "fuzzy"
    assert result.exact == "11.000 North Korean soldiers have arrived"


def test_a_close_variant_in_place_beats_an_exact_copy_out_of_context() -> None:
    old = (
        "Opening remarks were short.\n\n"
        "The minister said crime fell by half last year in every region.\n\n"
        "Closing remarks."
    )
    new = (
        "Opening remarks were short.\n\n"
        "The minister said crime fell by almost half last year in every region.\n\n"
        "Closing remarks. Nobody believes crime fell by half last year, wrote a blogger."
    )
    result = place(old, new, "crime fell by half last year")
    assert result.state == "fuzzy"
    assert result.exact == "crime fell by almost half last year"


def test_a_short_quote_is_only_placed_fuzzily_when_its_context_agrees() -> None:
    old = "Officials counted 11,000 soldiers near the border on Monday."
    same_context = "Officials counted 12,000 soldiers near the border on Monday."
    assert place(old, same_context, "11,000").state == "fuzzy"
    new_context = "Totally different words here, and 12,000 appears once."
    assert place(old, new_context, "11,000").state == "orphaned"


def test_a_fuzzy_claim_whose_text_did_not_change_stays_fuzzy_where_it_is() -> None:
    # After one revision the claim points at the variant but keeps its original quote.
    text = OLD.replace("11.000 North Korean", "12.000 North Korean")
    start = text.index("12.000")
    end = start + len("12.000 North Korean soldiers had arrived")
    fuzzy = Selector(start, end, QUOTE, "", "")
    new = "New heading\n\n" + text
    result = reanchor(text, new, [fuzzy])[0]
    assert result.state == "fuzzy"
    assert result.exact == "12.000 North Korean soldiers had arrived"
    assert result.start == start + len("New heading\n\n")


# --- (d) orphaned --------------------------------------------------------------------------


def test_a_deleted_sentence_orphans_its_claim_and_keeps_the_quote() -> None:
    new = OLD.replace(
        "President Zelensky said that 11.000 North Korean soldiers had arrived in the region.\n\n",
        "",
    )
    sel = selector(OLD, QUOTE)
    result = reanchor(OLD, new, [sel])[0]
    assert (result.state, result.start, result.end, result.score) == ("orphaned", None, None, 0.0)
    assert (result.exact, result.prefix, result.suffix) == (sel.exact, sel.prefix, sel.suffix)


def test_a_rewritten_sentence_is_orphaned_rather_than_placed_on_other_text() -> None:
    new = OLD.replace(QUOTE, "reports of foreign troops could not be confirmed")
    assert place(OLD, new).state == "orphaned"


def test_an_empty_new_text_orphans_everything() -> None:
    assert place(OLD, "").state == "orphaned"


# --- the batch and the diff ------------------------------------------------------------------


def test_reanchor_keeps_the_order_of_its_selectors() -> None:
    quotes = ["Moscow denied", QUOTE, "Troops in Kursk", "10.000 North Korean soldiers"]
    new = "Breaking.\n\n" + OLD
    results = reanchor(OLD, new, [selector(OLD, quote) for quote in quotes])
    assert [r.exact for r in results] == quotes
    assert reanchor(OLD, new, []) == []


def test_a_claim_with_offsets_outside_the_old_text_is_searched_for_by_its_quote() -> None:
    broken = Selector(10_000, 10_040, QUOTE, "", "")
    assert reanchor(OLD, OLD, [broken])[0].state == "anchored"


def test_text_diff_pieces_rebuild_both_texts() -> None:
    new = OLD.replace("11.000", "12.000").replace("Moscow denied", "The Kremlin denied")
    ops = text_diff(OLD, new)
    assert "".join(op.old for op in ops) == OLD
    assert "".join(op.new for op in ops) == new
    changed = [(op.old.strip(), op.new.strip()) for op in ops if op.tag != "equal"]
    assert ("11.000", "12.000") in changed or ("11", "12") in changed
    assert any("Kremlin" in new_part for _, new_part in changed)
    assert [op.tag for op in text_diff(OLD, OLD)] == ["equal"]


def test_text_diff_treats_typography_as_equal() -> None:
    assert {op.tag for op in text_diff('He said "no".', "He  said \u201cno\u201d.")} == {"equal"}


def reference_distances(pattern: str, text: str) -> tuple[list[int], int]:
    """Textbook dynamic programming: for each end j, the smallest edit distance of `pattern`
    to a stretch of text ending at j (free start), and the plain Levenshtein distance."""
    free = [0] * (len(text) + 1)
    fixed = list(range(len(text) + 1))
    for i, p_char in enumerate(pattern, 1):
        previous_free, previous_fixed = free, fixed
        free, fixed = [i] + [0] * len(text), [i] + [0] * len(text)
        for j, t_char in enumerate(text, 1):
            cost = p_char != t_char
            free[j] = min(previous_free[j] + 1, free[j - 1] + 1, previous_free[j - 1] + cost)
            fixed[j] = min(previous_fixed[j] + 1, fixed[j - 1] + 1, previous_fixed[j - 1] + cost)
    return free[1:], fixed[-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcé🎉", max_size=70), st.text(alphabet="abcé🎉", max_size=90))
def test_the_bit_parallel_edit_distances_agree_with_the_textbook_algorithm(
    pattern: str, text: str
) -> None:
    free, fixed = reference_distances(pattern, text)
    assert levenshtein(pattern, text) == fixed == levenshtein(text, pattern)
    best, ends = _search(pattern, text)
    if pattern and text:
        assert best == min(free)
        assert ends == [j + 1 for j, distance in enumerate(free) if distance == best]


def test_fold_levenshtein_and_similarity() -> None:
    assert fold("A \u201cb\u201d\u00a0\u2014 c\u2019s") == 'A"b"-c\'s'
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert similarity("North  Korean", "North\u00a0Korean") == 1.0
    assert similarity("abcd", "abXd") == 0.75


# --- properties --------------------------------------------------------------------------

WORDS = [
    "the", "minister", "said", "crime", "fell", "by", "half", "soldiers", "in", "Kursk",
    "Pentagon", "11.000", "—", "\u201cquoted\u201d", "it's", "🎉", "事实", "señor", "and",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "\u00a0", "\n", "\n\n", ", ", ". "]

text_strategy = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), min_size=8, max_size=80
).map(lambda pairs: "".join(word + sep for word, sep in pairs).strip())
insert_strategy = st.text(
    alphabet=st.sampled_from(list("abc xyz.,\n\u201c\u2019-🎉事")), min_size=0, max_size=12
)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def claims_and_outside_edits(draw: st.DrawFn) -> tuple[str, str, list[Selector], list[int]]:
    """A text, claims on it, and a new text made by edits that touch no quote.

    Returns the old and new text, the selectors, and where each quote now starts.
    """
    text = draw(text_strategy)
    spans: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 40)))
        if text[start:end].strip():
            spans.append((start, end))
    if not spans:
        spans.append((0, len(text)))
    selectors = []
    for start, end in spans:
        anchor = anchor_at(text, start, end)
        selectors.append(Selector(start, end, anchor.exact, anchor.prefix, anchor.suffix))
    new = text
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    for _ in range(draw(st.integers(1, 3))):
        # A stretch [lo, hi) that overlaps no quote (touching one's edge is allowed).
        cut = draw(st.integers(0, len(new)))
        if any(s < cut < e for s, e in zip(starts, ends, strict=True)):
            continue
        limit = min([s for s in starts if s >= cut] + [len(new)])
        hi = draw(st.integers(cut, limit))
        inserted = draw(insert_strategy)
        new = new[:cut] + inserted + new[hi:]
        shift = len(inserted) - (hi - cut)
        starts = [s + shift if s >= hi else s for s in starts]
        ends = [e + shift if e > cut else e for e in ends]
    return text, new, selectors, starts


@PROPERTY_SETTINGS
@given(claims_and_outside_edits())
def test_edits_outside_every_quote_never_change_or_orphan_a_claim(
    case: tuple[str, str, list[Selector], list[int]],
) -> None:
    old, new, selectors, expected_starts = case
    for sel, result, expected in zip(
        selectors, reanchor(old, new, selectors), expected_starts, strict=True
    ):
        assert result.state == "anchored", (sel, result)
        assert result.exact == sel.exact
        assert new[result.start : result.end] == sel.exact
        if len(find_all(new, sel.exact)) == 1:
            assert result.start == expected


@st.composite
def claims_and_any_edits(draw: st.DrawFn) -> tuple[str, str, list[Selector]]:
    text = draw(text_strategy)
    selectors = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 60)))
        if text[start:end].strip():
            anchor = anchor_at(text, start, end)
            selectors.append(Selector(start, end, anchor.exact, anchor.prefix, anchor.suffix))
    new = text
    for _ in range(draw(st.integers(1, 4))):
        lo = draw(st.integers(0, len(new)))
        hi = draw(st.integers(lo, min(len(new), lo + 15)))
        replacement = draw(st.one_of(insert_strategy, text_strategy.map(lambda t: t[:30])))
        new = new[:lo] + replacement + new[hi:]
    if draw(st.booleans()):
        paragraphs = new.split("\n\n")
        new = "\n\n".join(draw(st.permutations(paragraphs)))
    return text, new, selectors


@PROPERTY_SETTINGS
@given(claims_and_any_edits())
def test_for_any_edit_anchored_claims_point_at_their_quote_and_fuzzy_ones_at_close_text(
    case: tuple[str, str, list[Selector]],
) -> None:
    old, new, selectors = case
    for sel, result in zip(selectors, reanchor(old, new, selectors), strict=True):
        if result.state == "orphaned":
            assert (result.start, result.end) == (None, None)
            assert result.exact == sel.exact
            continue
        assert 0 <= result.start < result.end <= len(new)
        assert new[result.start : result.end] == result.exact
        if result.state == "anchored":
            # Exactly the quote, or the quote with only typography and spacing changed.
            assert result.exact == sel.exact or fold(result.exact) == fold(sel.exact)
        else:
            assert result.state == "fuzzy"
            assert similarity(sel.exact, result.exact) >= FUZZY_THRESHOLD
            assert result.score == pytest.approx(similarity(sel.exact, result.exact), abs=1e-4)
