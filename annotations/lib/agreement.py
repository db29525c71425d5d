"""Agreement between reviewers: Krippendorff's alpha, and agreement of each pair of reviewers.

Pure: no Django. The data are *units* (claims), each with the values (ratings) that its
*coders* (reviewers) gave it: ``{claim_id: {reviewer: rating}}``. A reviewer who did not rate
a claim is a missing value; a claim with fewer than two values is not pairable and does not
count (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011).

Alpha, through the coincidence matrix::

    o[c][k] = sum over units u of  (number of ordered pairs of values c, k in u) / (m_u - 1)
    n_c     = sum over k of o[c][k]          n = sum over c of n_c  (the pairable values)
    alpha   = 1 - (n - 1) * sum o[c][k] * d2(c, k) / sum n_c * n_k * d2(c, k)

with the metric's squared difference d2:

- nominal: 0 for equal values, 1 otherwise;
- ordinal: values ranked in order (by their numbers); for c ranked below k,
  d2(c, k) = (n_c + n_(c+1) + ... + n_k  -  (n_c + n_k) / 2) ** 2,
  so two values are farther apart the more values were observed between them.

Which metric: ``choose_metric`` takes ordinal when every pairable value has a number (the
rating's numeric value) and nominal otherwise (a scale without numbers, or any rating used
without one, such as "Misleading": it has no place on the true-false line).

When alpha is undefined it is None, never NaN, with the reason:

- "not enough data": fewer than two pairable values (no claim with two verdicts);
- "not enough variation": every pairable value is the same, so no disagreement could be
  expected (the denominator is 0). This is also the case of reviewers agreeing perfectly on a
  single rating: Krippendorff leaves alpha undefined there, since data without variation say
  nothing about the reliability of telling values apart. Perfect agreement over two or more
  different values gives 1.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NOMINAL = "nominal"
ORDINAL = "ordinal"
NOT_ENOUGH_DATA = "not enough data"
NOT_ENOUGH_VARIATION = "not enough variation"
# A figure computed from fewer claims than this is shown, but flagged as too few to rely on:
# with 3 claims, one verdict changed moves alpha or a pair's agreement by a third.
FEW_UNITS = 5

Units = Mapping[Hashable, Mapping[Hashable, Hashable]]


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha over some units, with what it was computed from."""

    value: float | None
    metric: str
    units: int  # pairable units (two values or more)
    values: int  # pairable values (n)
    coders: int  # coders with at least one pairable value
    reason: str | None = None  # why value is None

    @property
    def few_units(self) -> bool:
        """Computed (or not) from fewer than FEW_UNITS units: too few to rely on."""
        return self.units < FEW_UNITS

    def as_dict(self) -> dict[str, Any]:
        return {
            "alpha": self.value,
            "metric": self.metric,
            "units": self.units,
            "values": self.values,
            "coders": self.coders,
            "undefined_because": self.reason,
            "few_claims": self.few_units,
        }


@dataclass(frozen=True)
class PairAgreement:
    """How often two coders gave the same value to the units both coded."""

    first: Hashable
    second: Hashable
    both: int  # units both coded
    same: int  # of those, units they gave the same value
    kappa: float | None = field(default=None)  # Cohen's kappa over those units, if defined

    @property
    def share(self) -> float | None:
        return self.same / self.both if self.both else None


def pairable(units: Units) -> dict[Hashable, dict[Hashable, Hashable]]:
    """The units with at least two values (missing values, None, dropped)."""
    kept = {}
    for unit, values in units.items():
        present = {coder: value for coder, value in values.items() if value is not None}
        if len(present) >= 2:
            kept[unit] = present
    return kept


def coincidences(units: Units) -> dict[tuple[Hashable, Hashable], float]:
    """The coincidence matrix o[(c, k)] of the pairable units (see the module docstring)."""
    matrix: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for values in pairable(units).values():
        found = list(values.values())
        weight = 1.0 / (len(found) - 1)
        for i, j in itertools.permutations(range(len(found)), 2):
            matrix[(found[i], found[j])] += weight
    return dict(matrix)


def _nominal_d2(categories: list[Any], totals: Mapping[Any, float]) -> Any:
    def d2(c: Any, k: Any) -> float:
        return 0.0 if c == k else 1.0

    return d2


def _ordinal_d2(categories: list[Any], totals: Mapping[Any, float]) -> Any:
    ranked = sorted(categories)
    position = {value: index for index, value in enumerate(ranked)}
    # cumulative[i] = n of the values ranked below position i
    cumulative = [0.0]
    for value in ranked:
        cumulative.append(cumulative[-1] + totals[value])

    def d2(c: Any, k: Any) -> float:
        low, high = sorted((position[c], position[k]))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (totals[ranked[low]] + totals[ranked[high]]) / 2) ** 2

    return d2


def krippendorff_alpha(units: Units, metric: str = NOMINAL) -> Alpha:
    """Krippendorff's alpha of the units for the metric ("nominal" or "ordinal"; ordinal
    values must be numbers, or anything ordered)."""
    if metric not in (NOMINAL, ORDINAL):
        raise ValueError(f"Unknown metric {metric!r}: use {NOMINAL!r} or {ORDINAL!r}.")
    kept = pairable(units)
    coders = len({coder for values in kept.values() for coder in values})
    matrix = coincidences(kept)
    totals: dict[Any, float] = defaultdict(float)
    for (c, _k), weight in matrix.items():
        totals[c] += weight
    n = sum(totals.values())
    count = sum(len(values) for values in kept.values())

    def result(value: float | None, reason: str | None = None) -> Alpha:
        return Alpha(value, metric, len(kept), count, coders, reason)

    if count < 2:
        return result(None, NOT_ENOUGH_DATA)
    categories = list(totals)
    d2 = (_ordinal_d2 if metric == ORDINAL else _nominal_d2)(categories, totals)
    observed = sum(weight * d2(c, k) for (c, k), weight in matrix.items())
    expected = sum(
        totals[c] * totals[k] * d2(c, k) for c, k in itertools.product(categories, repeat=2)
    )
    if expected == 0:
        return result(None, NOT_ENOUGH_VARIATION)
    return result(1.0 - (n - 1) * observed / expected)


def cohen_kappa(pairs: list[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two coders over (value of one, value of the other) pairs; None when
    chance agreement is certain (both always gave one and the same value) or there are none."""
    if not pairs:
        return None
    total = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / total
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    chance = sum(first[value] * second[value] for value in first) / (total * total)
    if chance == 1:
        return None
    return (observed - chance) / (1 - chance)


def pairwise(units: Units) -> list[PairAgreement]:
    """Every pair of coders who coded at least one unit in common, coders in sorted order."""
    shared: dict[tuple[Any, Any], list[tuple[Hashable, Hashable]]] = defaultdict(list)
    for values in units.values():
        present = sorted(
            ((coder, value) for coder, value in values.items() if value is not None),
            key=lambda item: str(item[0]),
        )
        for (a, value_a), (b, value_b) in itertools.combinations(present, 2):
            shared[(a, b)].append((value_a, value_b))
    return [
        PairAgreement(
            first=a,
            second=b,
            both=len(pairs),
            same=sum(1 for x, y in pairs if x == y),
            kappa=cohen_kappa(pairs),
        )
        for (a, b), pairs in sorted(shared.items(), key=lambda item: tuple(map(str, item[0])))
    ]


def choose_metric(units: Units, numbers: Mapping[Hashable, Decimal | float | int | None]) -> str:
    """Ordinal when every pairable value has a number in `numbers`, else nominal."""
    used = {value for values in pairable(units).values() for value in values.values()}
    if used and all(numbers.get(value) is not None for value in used):
        return ORDINAL
    return NOMINAL


def rating_alpha(units: Units, numbers: Mapping[Hashable, Decimal | float | int | None]) -> Alpha:
    """Alpha of ratings: ordinal over their numbers when all have one, nominal otherwise."""
    metric = choose_metric(units, numbers)
    if metric == NOMINAL:
        return krippendorff_alpha(units, NOMINAL)
    as_numbers = {
        unit: {coder: float(numbers[value]) for coder, value in values.items()}
        for unit, values in pairable(units).items()
    }
    return krippendorff_alpha(as_numbers, ORDINAL)
