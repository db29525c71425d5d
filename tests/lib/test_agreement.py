"""Krippendorff's alpha and pairwise agreement, against examples worked by hand.

Notation as in annotations/lib/agreement.py: o[c,k] the coincidences, n_c their row totals,
n the pairable values; alpha = 1 - (n - 1) * sum(o * d2) / sum(n_c * n_k * d2).
"""

from __future__ import annotations

import math

import pytest

from annotations.lib import agreement
from annotations.lib.agreement import (
    NOMINAL,
    NOT_ENOUGH_DATA,
    NOT_ENOUGH_VARIATION,
    ORDINAL,
    choose_metric,
    krippendorff_alpha,
    pairwise,
    rating_alpha,
)


def by_unit(**coders: list) -> dict[int, dict[str, object]]:
    """Reliability data as rows of coders (None = missing) -> {unit: {coder: value}}."""
    units: dict[int, dict[str, object]] = {}
    for coder, values in coders.items():
        for unit, value in enumerate(values, start=1):
            if value is not None:
                units.setdefault(unit, {})[coder] = value
    return units


def test_perfect_agreement_over_several_values_is_one():
    units = by_unit(ann=[1, 2, 3, 2], bob=[1, 2, 3, 2], cy=[1, 2, None, 2])
    for metric in (NOMINAL, ORDINAL):
        result = krippendorff_alpha(units, metric)
        assert result.value == pytest.approx(1.0)
        assert (result.units, result.values, result.coders) == (4, 11, 3)


def test_perfect_agreement_on_a_single_value_is_undefined_for_lack_of_variation():
    # Every pairable value is 3: the expected disagreement is 0, alpha is 0/0.
    result = krippendorff_alpha(by_unit(ann=[3, 3], bob=[3, 3]), ORDINAL)
    assert result.value is None
    assert result.reason == NOT_ENOUGH_VARIATION


def test_no_unit_with_two_values_is_undefined_for_lack_of_data():
    # Unit 1 has one value, unit 2 one value: nothing is pairable.
    result = krippendorff_alpha(by_unit(ann=[1, None], bob=[None, 2]))
    assert (result.value, result.reason, result.units, result.values) == (
        None,
        NOT_ENOUGH_DATA,
        0,
        0,
    )
    assert krippendorff_alpha({}).reason == NOT_ENOUGH_DATA


def test_systematic_disagreement_is_below_zero():
    # ann: 1 2, bob: 2 1. Each unit adds o[1,2] = o[2,1] = 1 (weight 1/(2-1)):
    # o[1,2] = o[2,1] = 2, n_1 = n_2 = 2, n = 4.
    # Nominal: observed = 4, expected = n_1*n_2 + n_2*n_1 = 8; alpha = 1 - 3*4/8 = -0.5.
    result = krippendorff_alpha(by_unit(ann=[1, 2], bob=[2, 1]), NOMINAL)
    assert result.value == pytest.approx(-0.5)
    # Two values only: ordinal d2(1,2) = (n_1 + n_2 - (n_1 + n_2)/2)^2 = 4 on both sums.
    assert krippendorff_alpha(by_unit(ann=[1, 2], bob=[2, 1]), ORDINAL).value == pytest.approx(-0.5)


def test_missing_values_drop_out_and_weigh_by_unit_size():
    # u1: ann=1 bob=1          -> o[1,1] += 2          (2 ordered pairs, weight 1)
    # u2: ann=2 bob=2 cy=2     -> o[2,2] += 6 * 1/2 = 3 (6 ordered pairs, weight 1/(3-1))
    # u3: ann=1 cy=2           -> o[1,2] += 1, o[2,1] += 1
    # u4: ann=1 only           -> not pairable
    # n_1 = 2 + 1 = 3, n_2 = 3 + 1 = 4, n = 7.
    # Nominal: observed = 2, expected = 2 * 3 * 4 = 24; alpha = 1 - 6 * 2 / 24 = 0.5.
    units = by_unit(ann=[1, 2, 1, 1], bob=[1, 2, None, None], cy=[None, 2, 2, None])
    result = krippendorff_alpha(units, NOMINAL)
    assert result.value == pytest.approx(0.5)
    assert (result.units, result.values, result.coders) == (3, 7, 3)


def test_a_two_coder_case_worked_by_hand():
    # ann: 1 2 3 3, bob: 1 3 3 2.
    # o[1,1] = 2, o[2,3] = o[3,2] = 2 (units 2 and 4), o[3,3] = 2 (unit 3).
    # n_1 = 2, n_2 = 2, n_3 = 4, n = 8.
    # Nominal: observed = 4; expected = 2 * (2*2 + 2*4 + 2*4) = 40; alpha = 1 - 7*4/40 = 0.3.
    # Ordinal d2: (1,2) = (2+2 - (2+2)/2)^2 = 4; (2,3) = (2+4 - (2+4)/2)^2 = 9;
    #   (1,3) = (2+2+4 - (2+4)/2)^2 = 25.
    #   observed = 2*9 + 2*9 = 36; expected = 2 * (2*2*4 + 2*4*9 + 2*4*25) = 576;
    #   alpha = 1 - 7*36/576 = 0.5625.
    units = by_unit(ann=[1, 2, 3, 3], bob=[1, 3, 3, 2])
    assert krippendorff_alpha(units, NOMINAL).value == pytest.approx(0.3)
    assert krippendorff_alpha(units, ORDINAL).value == pytest.approx(0.5625)
    # Pairwise: 4 claims both rated, 2 the same. Cohen's kappa: p_o = 1/2; marginals
    # ann {1:1, 2:1, 3:2}, bob {1:1, 2:1, 3:2}: p_e = (1 + 1 + 4) / 16 = 0.375;
    # kappa = (0.5 - 0.375) / (1 - 0.375) = 0.2.
    (pair,) = pairwise(units)
    assert (pair.first, pair.second, pair.both, pair.same) == ("ann", "bob", 4, 2)
    assert pair.share == 0.5
    assert pair.kappa == pytest.approx(0.2)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, values 1-5, with missing values. Unit 12 has one value only.
KRIPPENDORFF_2011 = by_unit(
    A=[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    B=[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    C=[None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    D=[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
)


def test_krippendorffs_published_example_nominal():
    # The paper's coincidence matrix (rows and columns 1..5):
    #   1: 7    4/3  1/3  1/3  0        n_1 = 9
    #   2: 4/3  10   4/3  1/3  0        n_2 = 13
    #   3: 1/3  4/3  8    1/3  0        n_3 = 10
    #   4: 1/3  1/3  1/3  4    0        n_4 = 5
    #   5: 0    0    0    0    3        n_5 = 3      n = 40
    # Nominal: observed = 40 - 32 = 8 off the diagonal; expected = 40^2 - sum n_c^2 = 1216;
    # alpha = 1 - 39 * 8 / 1216 = 113/152 = 0.743 (the paper's value).
    result = krippendorff_alpha(KRIPPENDORFF_2011, NOMINAL)
    assert result.value == pytest.approx(113 / 152)
    assert round(result.value, 3) == 0.743
    assert (result.units, result.values, result.coders) == (11, 40, 4)
    matrix = agreement.coincidences(KRIPPENDORFF_2011)
    assert matrix[(1, 2)] == pytest.approx(4 / 3)
    assert matrix[(2, 2)] == pytest.approx(10)


def test_krippendorffs_published_example_ordinal():
    # Ordinal d2(c, k) = (n_c + ... + n_k - (n_c + n_k)/2)^2 with n = 9, 13, 10, 5, 3:
    #   d2(1,2) = (22 - 11)^2 = 121        d2(2,3) = (23 - 11.5)^2 = 529/4
    #   d2(1,3) = (32 - 9.5)^2 = 2025/4    d2(2,4) = (28 - 9)^2 = 361
    #   d2(1,4) = (37 - 7)^2 = 900         d2(2,5) = (31 - 8)^2 = 529
    #   d2(1,5) = (40 - 6)^2 = 1156        d2(3,4) = (15 - 7.5)^2 = 225/4
    #   d2(3,5) = (18 - 6.5)^2 = 529/4     d2(4,5) = (8 - 4)^2 = 16
    # observed = 2 * (4/3*121 + 1/3*2025/4 + 1/3*900 + 4/3*529/4 + 1/3*361 + 1/3*225/4)
    #          = 2 * (458 + 187.5 + 300) = 1891      (value 5 coincides only with itself)
    # expected = 2 * sum over c < k of n_c * n_k * d2(c, k)
    #          = 2 * (14157 + 45562.5 + 40500 + 31212 + 17192.5 + 23465 + 20631 + 2812.5
    #                 + 3967.5 + 240) = 2 * 199740 = 399480
    # alpha = 1 - 39 * 1891 / 399480 = 325731 / 399480 = 0.8154 (interval would give 0.849,
    # the paper's interval value, so the data are read as published).
    result = krippendorff_alpha(KRIPPENDORFF_2011, ORDINAL)
    assert result.value == pytest.approx(325731 / 399480)
    assert round(result.value, 4) == 0.8154


def test_alpha_is_never_nan():
    for units in ({}, by_unit(a=[1], b=[None]), by_unit(a=[2, 2], b=[2, 2])):
        for metric in (NOMINAL, ORDINAL):
            value = krippendorff_alpha(units, metric).value
            assert value is None or not math.isnan(value)


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError):
        krippendorff_alpha({}, "interval")


# --- ratings: which metric -----------------------------------------------------------------------

NUMBERS = {"true": 5, "mostly-true": 4, "half-true": 3, "false": 1, "misleading": None}


def test_ratings_that_all_have_numbers_are_ordinal_over_those_numbers():
    units = by_unit(ann=["true", "half-true", "false"], bob=["mostly-true", "half-true", "false"])
    assert choose_metric(units, NUMBERS) == ORDINAL
    result = rating_alpha(units, NUMBERS)
    assert result.metric == ORDINAL
    # The same data as numbers 5 3 1 / 4 3 1 give the same alpha.
    expected = krippendorff_alpha(by_unit(a=[5, 3, 1], b=[4, 3, 1]), ORDINAL).value
    assert result.value == pytest.approx(expected)


def test_one_rating_without_a_number_makes_it_nominal():
    units = by_unit(ann=["true", "misleading"], bob=["true", "false"])
    assert choose_metric(units, NUMBERS) == NOMINAL
    assert rating_alpha(units, NUMBERS).metric == NOMINAL


def test_an_unpairable_rating_without_a_number_does_not_change_the_metric():
    # "misleading" on a claim with one verdict is not pairable: it takes no part.
    units = by_unit(ann=["true", "half-true", "misleading"], bob=["true", "false", None])
    assert choose_metric(units, NUMBERS) == ORDINAL
    assert rating_alpha(units, NUMBERS).value is not None


def test_pairwise_lists_every_pair_that_rated_a_claim_in_common():
    units = by_unit(ann=[1, 2, 3], bob=[1, 2, None], cy=[None, None, 1])
    pairs = [(p.first, p.second, p.both, p.same) for p in pairwise(units)]
    assert pairs == [("ann", "bob", 2, 2), ("ann", "cy", 1, 0)]
    perfect = pairwise(by_unit(a=[2, 2], b=[2, 2]))[0]
    assert (perfect.share, perfect.kappa) == (1.0, None)  # chance agreement is certain
