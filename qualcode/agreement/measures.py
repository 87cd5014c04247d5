"""Inter-coder agreement statistics on a units-by-coders array (numpy; no database).

Input: rows are units, columns are coders; a value is a category, and ``nan`` (or ``None`` in an
object array) marks a missing value. Optional integer ``weights`` count a unit that many times
(character-level agreement gives each run of characters its length).

Definitions, as published:

- **Percent agreement.** For more than two coders several definitions are in use: (a) the mean,
  over units with at least two values, of the proportion of agreeing coder pairs within the
  unit (Fleiss' P̄o) — *the one qualcode reports*; (b) the proportion of units on which all
  coders agree; (c) the proportion of values that agree with the unit's majority. For two coders
  (a) and (b) are the same: the proportion of units on which both agree.
- **Cohen's kappa** (Cohen 1960), two coders: (po − pe) / (1 − pe) with pe = Σc p1c·p2c from
  each coder's own marginals, over the units both coded.
- **Scott's pi** (Scott 1955), two coders: as Cohen's but pe = Σc ((p1c + p2c)/2)².
- **Fleiss' kappa** (Fleiss 1971): every unit rated by the same number of coders; units that
  lack some coder's value are left out (and counted).
- **Brennan–Prediger kappa** (Brennan & Prediger 1981): (po − 1/q) / (1 − 1/q) with q the number
  of categories the coding scheme offers (from the codebook: 2 for present/absent), not the
  number observed.
- **Krippendorff's alpha** (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
  1 − Do/De from the coincidence matrix of pairable values, any number of coders, missing values
  allowed, at the nominal, ordinal, interval or ratio level; units with a single value are not
  pairable and are dropped (and counted).

Some tools report a "Cohen's kappa" that multiplies chance terms across codes or counts only
characters someone coded; these functions follow the definitions above exactly.

A statistic that the data cannot define (no pairable units, a single category so that expected
disagreement is zero, fewer than two coders) is returned with ``value=None`` and a ``reason``,
never as 0 or 1 and never as an exception, and ``average`` leaves it out and counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
PERCENT_DEFINITION = ("mean pairwise agreement within units (Fleiss' P̄o); "
                      "for two coders, the share of units on which both agree")


@dataclass(frozen=True)
class AgreementResult:
    measure: str
    value: float | None
    reason: str | None
    n_units: int  # units given
    n_units_used: int  # units that entered the statistic
    n_pairable: int  # pairable values (weighted)
    marginals: dict = field(default_factory=dict)  # category -> number of values (weighted)
    dropped_single: int = 0  # units left out for having a single value
    definition: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Average:
    value: float | None
    n_averaged: int
    n_left_out: int


def average(results: Iterable[AgreementResult]) -> Average:
    """Mean of the defined values; undefined ones are left out and counted."""
    values, left_out = [], 0
    for r in results:
        if r.value is None:
            left_out += 1
        else:
            values.append(r.value)
    return Average(float(np.mean(values)) if values else None, len(values), left_out)


# ---------------------------------------------------------------------- input


@dataclass
class Coded:
    """Integer category codes (−1 missing), the categories' values, and weights."""

    codes: np.ndarray  # (units, coders) int64
    categories: list
    weights: np.ndarray  # (units,) int64
    counts: np.ndarray  # (units, categories): how many coders chose each category


def prepare(data, weights: Sequence[int] | np.ndarray | None = None) -> Coded:
    array = np.asarray(data, dtype=object) if not isinstance(data, np.ndarray) else data
    if array.ndim != 2:
        array = np.asarray(array, dtype=object).reshape(len(array), -1) if len(array) else np.zeros((0, 0))
    n_units = array.shape[0]
    if array.dtype.kind in "fiub":
        floats = array.astype(float)
        present = ~np.isnan(floats)
        categories = sorted(np.unique(floats[present]).tolist())
        codes = np.full(floats.shape, -1, dtype=np.int64)
        if categories:
            codes[present] = np.searchsorted(np.asarray(categories, dtype=float), floats[present])
    else:
        flat = array.ravel()
        present_flat = np.array([not _missing(v) for v in flat], dtype=bool)
        seen = {v for v, p in zip(flat, present_flat) if p}
        categories = sorted(seen, key=lambda v: (not isinstance(v, (int, float)), v if isinstance(v, (int, float)) else str(v)))
        index = {v: i for i, v in enumerate(categories)}
        codes = np.array([index[v] if p else -1 for v, p in zip(flat, present_flat)], dtype=np.int64).reshape(array.shape)
    if weights is None:
        w = np.ones(n_units, dtype=np.int64)
    else:
        w = np.asarray(weights, dtype=np.int64)
        if w.shape != (n_units,) or (w < 0).any():
            raise ValueError("weights must be one non-negative integer per unit")
    k = max(len(categories), 1)
    counts = np.zeros((n_units, k), dtype=np.int64)
    units, coders = np.nonzero(codes >= 0)
    if len(units):
        np.add.at(counts, (units, codes[units, coders]), 1)
    return Coded(codes, categories, w, counts)


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(np.isnan(value))
    except (TypeError, ValueError):
        return False


def _marginals(c: Coded) -> dict:
    totals = (c.counts * c.weights[:, None]).sum(axis=0)
    return {_plain(cat): int(totals[i]) for i, cat in enumerate(c.categories)}


def _plain(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _undefined(measure: str, reason: str, c: Coded, used: int = 0, pairable: int = 0, dropped: int = 0,
               definition: str | None = None) -> AgreementResult:
    return AgreementResult(measure, None, reason, c.codes.shape[0], used, pairable, _marginals(c), dropped, definition)


# ---------------------------------------------------------------------- measures


def percent_agreement(data, weights=None, *, _c: Coded | None = None) -> AgreementResult:
    c = _c or prepare(data, weights)
    m = c.counts.sum(axis=1)
    use = m >= 2
    if c.codes.shape[1] < 2:
        return _undefined("percent", "fewer than two coders", c, definition=PERCENT_DEFINITION)
    if not use.any() or c.weights[use].sum() == 0:
        return _undefined("percent", "no unit has values from two coders", c, definition=PERCENT_DEFINITION)
    agree = (c.counts[use] * (c.counts[use] - 1)).sum(axis=1) / (m[use] * (m[use] - 1))
    value = float(np.average(agree, weights=c.weights[use]))
    return AgreementResult("percent", value, None, c.codes.shape[0], int(c.weights[use].sum()),
                           int((m[use] * c.weights[use]).sum()), _marginals(c), int(((m == 1) * c.weights).sum()),
                           PERCENT_DEFINITION)


def _two(c: Coded, measure: str):
    if c.codes.shape[1] != 2:
        return None, _undefined(measure, f"{measure.replace('_', ' ')} is defined for exactly two coders", c)
    both = (c.codes >= 0).all(axis=1)
    w = c.weights[both]
    if not both.any() or w.sum() == 0:
        return None, _undefined(measure, "no unit was coded by both coders", c)
    return both, None


def _two_coder_chance(c: Coded, both: np.ndarray, scott: bool) -> tuple[float, float, int]:
    a, b = c.codes[both, 0], c.codes[both, 1]
    w = c.weights[both].astype(float)
    total = w.sum()
    k = len(c.categories)
    po = float(w[a == b].sum() / total)
    p1 = np.bincount(a, weights=w, minlength=k) / total
    p2 = np.bincount(b, weights=w, minlength=k) / total
    pe = float(((p1 + p2) / 2) @ ((p1 + p2) / 2)) if scott else float(p1 @ p2)
    return po, pe, int(total)


def cohen_kappa(data, weights=None, *, _c: Coded | None = None) -> AgreementResult:
    c = _c or prepare(data, weights)
    both, bad = _two(c, "cohen_kappa")
    if bad:
        return bad
    po, pe, used = _two_coder_chance(c, both, scott=False)
    if np.isclose(pe, 1.0, rtol=0, atol=1e-15):
        return _undefined("cohen_kappa", "expected agreement is 1: both coders used one and the same category throughout", c, used, 2 * used)
    return AgreementResult("cohen_kappa", (po - pe) / (1 - pe), None, c.codes.shape[0], used, 2 * used, _marginals(c))


def scott_pi(data, weights=None, *, _c: Coded | None = None) -> AgreementResult:
    c = _c or prepare(data, weights)
    both, bad = _two(c, "scott_pi")
    if bad:
        return bad
    po, pe, used = _two_coder_chance(c, both, scott=True)
    if np.isclose(pe, 1.0, rtol=0, atol=1e-15):
        return _undefined("scott_pi", "only one category was used: expected agreement is 1", c, used, 2 * used)
    return AgreementResult("scott_pi", (po - pe) / (1 - pe), None, c.codes.shape[0], used, 2 * used, _marginals(c))


def fleiss_kappa(data, weights=None, *, _c: Coded | None = None) -> AgreementResult:
    c = _c or prepare(data, weights)
    n = c.codes.shape[1]
    if n < 2:
        return _undefined("fleiss_kappa", "fewer than two coders", c)
    m = c.counts.sum(axis=1)
    use = m == n
    dropped = int(((m > 0) & ~use).sum())
    w = c.weights[use].astype(float)
    if not use.any() or w.sum() == 0:
        return _undefined("fleiss_kappa", "no unit was coded by every coder", c, dropped=dropped)
    counts = c.counts[use]
    p_unit = ((counts * (counts - 1)).sum(axis=1)) / (n * (n - 1))
    p_bar = float(np.average(p_unit, weights=w))
    p_cat = (counts * w[:, None]).sum(axis=0) / (w.sum() * n)
    pe = float(p_cat @ p_cat)
    if np.isclose(pe, 1.0, rtol=0, atol=1e-15):
        return _undefined("fleiss_kappa", "only one category was used: expected agreement is 1", c, int(w.sum()), int(w.sum()) * n, dropped)
    return AgreementResult("fleiss_kappa", (p_bar - pe) / (1 - pe), None, c.codes.shape[0], int(w.sum()),
                           int(w.sum()) * n, _marginals(c), dropped)


def brennan_prediger(data, n_categories: int, weights=None, *, _c: Coded | None = None) -> AgreementResult:
    c = _c or prepare(data, weights)
    po = percent_agreement(None, _c=c)
    if n_categories is None or n_categories < 2:
        return _undefined("brennan_prediger", "the coding scheme must offer at least two categories", c)
    if len(c.categories) > n_categories:
        return _undefined("brennan_prediger", f"{len(c.categories)} categories observed but the scheme offers {n_categories}", c)
    if po.value is None:
        return _undefined("brennan_prediger", po.reason or "no pairable units", c)
    chance = 1 / n_categories
    return AgreementResult("brennan_prediger", (po.value - chance) / (1 - chance), None, po.n_units, po.n_units_used,
                           po.n_pairable, po.marginals, po.dropped_single)


def _delta2(categories: list, level: str, totals: np.ndarray) -> np.ndarray | str:
    k = len(categories)
    if level == "nominal":
        return 1.0 - np.eye(k)
    try:
        values = np.asarray([float(v) for v in categories])
    except (TypeError, ValueError):
        return f"{level} alpha needs numeric values"
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return diff ** 2
    if level == "ratio":
        sums = values[:, None] + values[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(sums == 0, 0.0, (diff / np.where(sums == 0, 1, sums)) ** 2)
        return out
    if level == "ordinal":
        # Krippendorff: (sum of n_g from c to k, minus (n_c + n_k)/2) squared, categories in rank order.
        cum = np.concatenate([[0.0], np.cumsum(totals)])
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[hi + 1] - cum[lo]
        return (between - (totals[:, None] + totals[None, :]) / 2) ** 2
    raise ValueError(f"level must be one of {', '.join(LEVELS)}")


def krippendorff_alpha(data, level: str = "nominal", weights=None, *, _c: Coded | None = None) -> AgreementResult:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    c = _c or prepare(data, weights)
    measure = "krippendorff_alpha"
    m = c.counts.sum(axis=1)
    use = m >= 2
    dropped = int(((m == 1) * c.weights).sum())
    w = c.weights[use].astype(float)
    if c.codes.shape[1] < 2:
        return _undefined(measure, "fewer than two coders", c, dropped=dropped)
    if not use.any() or w.sum() == 0:
        return _undefined(measure, "no pairable values: no unit has values from two coders", c, dropped=dropped)
    counts = c.counts[use].astype(float)
    scale = w / (m[use] - 1)
    coincidence = (counts * scale[:, None]).T @ counts - np.diag((counts * scale[:, None]).sum(axis=0))
    totals = coincidence.sum(axis=1)
    n = totals.sum()
    delta = _delta2(c.categories, level, totals)
    if isinstance(delta, str):
        return _undefined(measure, delta, c, int(w.sum()), int(n), dropped)
    expected = float(totals @ delta @ totals)
    if expected <= 0:
        return _undefined(measure, "expected disagreement is zero: only one value was used", c, int(w.sum()), int(n), dropped)
    observed = float((coincidence * delta).sum())
    value = float(1.0 - (n - 1) * observed / expected)
    return AgreementResult(measure, value, None, c.codes.shape[0], int(w.sum()), int(round(n)), _marginals(c), dropped,
                           f"{level} level")


def compute_all(data, n_categories: int | None = None, level: str = "nominal", weights=None) -> list[AgreementResult]:
    """Every measure that applies: Cohen's and Scott's only for exactly two coders."""
    c = prepare(data, weights)
    results = [percent_agreement(None, _c=c)]
    if c.codes.shape[1] == 2:
        results += [cohen_kappa(None, _c=c), scott_pi(None, _c=c)]
    results += [fleiss_kappa(None, _c=c), krippendorff_alpha(None, level, _c=c)]
    q = n_categories if n_categories is not None else None
    if q is None:
        results.append(_undefined("brennan_prediger", "the number of categories the scheme offers was not given", c))
    else:
        results.append(brennan_prediger(None, q, _c=c))
    return results
