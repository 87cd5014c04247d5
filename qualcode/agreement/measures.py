"""Inter-coder agreement statistics on a units-by-coders array (numpy only; no database).

Input
-----
Rows are units, columns are coders. A value is a category; ``nan`` in a float array (or ``None``
/ ``nan`` in an object array or nested lists) marks a missing value: the coder gave none for that
unit. Categories may be any hashable values in the object form; they are mapped to integer codes
internally and reported back as given (integral floats as ints). Optional ``weights``, one
non-negative integer per unit, count a unit that many times: every result equals the result on
the data with each unit repeated ``weight`` times (a weight of 0 drops the unit). Character-level
agreement gives each run of characters its length. All counts in a result are weighted.

Definitions, as published
-------------------------
``m_u`` is the number of values unit ``u`` has, ``n_uc`` how many of them are category ``c``.

- **Percent agreement.** For more than two coders several definitions are in use:
  (a) the mean, over units with at least two values, of the proportion of agreeing coder pairs
  within the unit, Σc n_uc(n_uc − 1) / (m_u(m_u − 1)) (Fleiss' P̄o, mean pairwise agreement);
  (b) the proportion of units on which all coders agree; (c) the proportion of values that agree
  with their unit's majority. qualcode reports (a) and names it in ``definition``. For two coders
  (a) and (b) coincide: the share of units coded by both on which they agree.
- **Cohen's kappa** (Cohen 1960), exactly two coders, over the units both coded (the others are
  dropped and counted): κ = (po − pe) / (1 − pe) with pe = Σc p1c·p2c from each coder's own
  marginals.
- **Scott's pi** (Scott 1955), exactly two coders: as Cohen's, but pe = Σc ((p1c + p2c) / 2)²
  from the pooled marginals.
- **Fleiss' kappa** (Fleiss 1971), the standard definition with a constant number of raters:
  only units with a value from every coder enter (the others are dropped and counted);
  κ = (P̄ − P̄e) / (1 − P̄e), P̄ the mean of the units' pairwise agreement, P̄e = Σc pc².
- **Brennan–Prediger kappa** (Brennan & Prediger 1981), free marginals: (po − 1/q) / (1 − 1/q),
  po the percent agreement above and q the number of categories the coding scheme offers (from
  the codebook: 2 for present/absent), a required parameter, never the number observed.
- **Krippendorff's alpha** (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
  α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck with the coincidence matrix
  o_ck = Σu Σ(i≠j) [v_ui = c][v_uj = k] / (m_u − 1) over pairable values, n_c its margins and n
  their total; any number of coders, missing values allowed, at the nominal, ordinal, interval or
  ratio level. Units with a single value are not pairable: they are dropped and counted
  (``dropped_single``). At the nominal level this reduces to
  α = 1 − (n − 1)(n − Σc o_cc) / (n² − Σc n_c²).

Some tools report a "Cohen's kappa" whose chance terms are multiplied over only the characters
somebody coded (or across codes); the functions here follow the published definitions above, with
chance agreement from the marginals over every unit that enters the statistic.

Results
-------
Each ``AgreementResult`` carries, beside the value: the units given, the units used, the values
used (``n_pairable``), the marginals of the values used (category -> count, categories with no
value left out), the units with a single value (``dropped_single``; they enter no statistic) and,
where there is a choice, the ``definition`` computed.

Undefined statistics
--------------------
A statistic the data cannot define (no units, fewer than two coders, no pairable units, a single
category so that the expected disagreement is zero) comes back as an ``AgreementResult`` with
``value=None`` and a human-readable ``reason``: never 0 or 1, never NaN, never an exception.
``average`` leaves such results out and says how many it left out. Malformed arguments (a ragged
array, negative weights, an unknown level) raise ``ValueError``.

Speed
-----
No Python loop runs over units. Every unit-level quantity depends on a unit only through its
state (m_u, S2_u), so sums over units are a ``bincount`` of unit states followed by small matrix
products; category totals and coincidences are ``bincount``s on category and pair codes. The only
Python loops run over coders or coder pairs. ``binary_per_code`` computes every measure for many
present/absent codes at once from a (codes, units, coders) array.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

LEVELS = ("nominal", "ordinal", "interval", "ratio")
MEASURES = ("percent", "cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger")
PERCENT_DEFINITION = (
    "mean pairwise agreement within units (Fleiss' P̄o); for two coders, the share of units on which both agree"
)


@dataclass(frozen=True)
class AgreementResult:
    """One statistic on one data set. Counts are weighted when unit weights were given."""

    measure: str  # one of MEASURES
    value: float | None  # None when undefined
    reason: str | None  # why the value is undefined
    n_units: int  # units given
    n_units_used: int  # units that entered the statistic
    n_pairable: int  # values that entered the statistic
    marginals: dict[object, int] = field(default_factory=dict)  # category -> number of values that entered
    dropped_single: int = 0  # units left out for having a single value
    definition: str | None = None  # which variant was computed, where there is a choice

    @property
    def defined(self) -> bool:
        return self.value is not None

    @property
    def n_dropped(self) -> int:
        """Units given that did not enter the statistic (missing values, single values)."""
        return self.n_units - self.n_units_used


@dataclass(frozen=True)
class Average:
    value: float | None  # None when no result was defined
    n_averaged: int
    n_left_out: int  # undefined results, left out


def average(results: Iterable[AgreementResult]) -> Average:
    """Mean of the defined values; undefined results are left out and counted."""
    values, left_out = [], 0
    for r in results:
        if r.value is None:
            left_out += 1
        else:
            values.append(r.value)
    return Average(float(np.mean(values)) if values else None, len(values), left_out)


# ---------------------------------------------------------------------- input


@dataclass
class _Encoded:
    codes: np.ndarray  # (coders, units) int64 category index, −1 where missing
    categories: list[object]  # category index -> the value as given
    numeric: bool  # categories are numbers (needed above the nominal level)
    weights: np.ndarray | None  # (units,) int64, or None for all ones


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # nan
    except Exception:
        return False


def _plain(value: object) -> object:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _order_key(value: object) -> tuple[int, float, str]:
    if isinstance(value, numbers.Real):
        return (0, float(value), "")
    return (1, 0.0, f"{type(value).__name__}:{value}")


def _encode(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> _Encoded:
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiub":
        array = data
    else:
        array = data if isinstance(data, np.ndarray) else np.array(data, dtype=object)
        if array.dtype.kind in "USO":
            array = array.astype(object)
        if array.size and array.ndim == 2:
            kinds = set(map(type, array.ravel().tolist()))
            if all(t is type(None) or (issubclass(t, numbers.Real)) for t in kinds):
                array = array.astype(float)
        elif array.size == 0:
            array = np.zeros(array.shape if array.ndim == 2 else (0, 0))
    if array.ndim != 2:
        raise ValueError(f"data must be a units-by-coders array, got {array.ndim} dimension(s)")
    if array.dtype.kind in "iubf":
        columns = np.ascontiguousarray(array.T, dtype=float if array.dtype.kind == "f" else None)
        present = ~np.isnan(columns) if array.dtype.kind == "f" else np.ones(columns.shape, dtype=bool)
        values = columns[present]
        categories, value_codes = _categorise(values)
        codes = np.full(columns.shape, -1, dtype=np.int64)
        codes[present] = value_codes
        labels, numeric = [_plain(v) for v in categories.tolist()], True
    else:
        index: dict[object, int] = {}
        flat = [-1 if _is_missing(v) else index.setdefault(v, len(index)) for v in array.T.ravel().tolist()]
        seen = list(index)
        order = sorted(range(len(seen)), key=lambda i: _order_key(seen[i]))
        rank = np.empty(len(seen) + 1, dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(seen))
        rank[-1] = -1  # missing (index −1) stays −1
        codes = rank[np.asarray(flat, dtype=np.int64)].reshape(array.T.shape)
        labels = [_plain(seen[i]) for i in order]
        numeric = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in labels)
    return _Encoded(codes, labels, numeric, _check_weights(weights, (array.shape[0],)))


def _categorise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each value's index among them; cheap when a sample of the
    values already holds every category (the usual case: few categories)."""
    guess = np.unique(values[:4096])
    if len(guess) and len(values) > 4096:
        at = np.minimum(np.searchsorted(guess, values), len(guess) - 1)
        if np.array_equal(guess[at], values):
            return guess, at
    categories = np.unique(values)
    return categories, np.searchsorted(categories, values)


def _check_weights(weights: npt.ArrayLike | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights)
    if w.dtype.kind == "f" and np.all(np.isfinite(w)) and np.all(w == np.round(w)):
        w = w.astype(np.int64)
    if w.dtype.kind not in "iub":
        raise ValueError("weights must be integers (a unit of weight k counts as k units)")
    if w.shape != shape[-1:] and w.shape != shape:
        raise ValueError(f"weights must have shape {shape[-1:]} (one per unit), got {w.shape}")
    if (w < 0).any():
        raise ValueError("weights must not be negative")
    return w.astype(np.int64)


# ---------------------------------------------------------------------- sufficient statistics


@dataclass
class _Stats:
    """Weighted sufficient statistics for K data sets (codes) at once; arrays have K rows.

    S2_u = Σc n_uc² for a unit with m_u values; every sum is over units weighted by w_u."""

    categories: list[object]  # labels of the q category indices
    numeric: bool
    n_coders: int
    n_units: np.ndarray  # Σ w
    observed: np.ndarray  # categories observed anywhere in the data
    single: np.ndarray  # Σ w over units with m = 1
    pair_units: np.ndarray  # Σ w over units with m ≥ 2
    pair_values: np.ndarray  # Σ w·m over those
    agree: np.ndarray  # Σ w·(S2 − m)/(m(m − 1)) over those: percent agreement numerator
    diagonal: np.ndarray  # Σ w·(S2 − m)/(m − 1) over those: Σc o_cc
    pair_totals: np.ndarray  # (K, q) n_c: values of each category in units with m ≥ 2
    full_units: np.ndarray  # Σ w over units with a value from every coder
    full_pairs: np.ndarray  # Σ w·(S2 − C) over those: agreeing ordered coder pairs
    full_totals: np.ndarray  # (K, q) values of each category in those units
    first: np.ndarray | None = None  # (K, q) two coders: coder 1's categories over units both coded
    second: np.ndarray | None = None  # (K, q) coder 2's
    coincidence: np.ndarray | None = None  # (q, q) for K = 1, above the nominal level only


def _histogram(state: np.ndarray, n_states: int, w: np.ndarray | None) -> np.ndarray:
    """How many units (weighted) of each code are in each state: (K, units) -> (K, n_states)."""
    k, n = state.shape
    index = state.astype(np.intp, copy=False)
    if k > 1:
        index = index + (np.arange(k, dtype=np.intp) * n_states)[:, None]
    unit_w = None if w is None else np.broadcast_to(w, (k, n)).ravel()
    hist = np.bincount(index.ravel(), weights=unit_w, minlength=k * n_states).reshape(k, n_states)
    return hist.astype(np.int64) if w is None else np.rint(hist).astype(np.int64)


def _state_sums(hist: np.ndarray, m: np.ndarray, s2: np.ndarray, n_coders: int) -> dict[str, np.ndarray]:
    """The unit-level parts of _Stats from a histogram of unit states.

    ``hist`` (K, S) counts units per state; ``m`` and ``s2`` (S,) give each state's m_u and S2_u.
    Every per-unit quantity depends on the unit only through its state, so each sum over units is
    one small matrix product."""
    pairable = m >= 2
    agreeing = (s2 - m).astype(float)  # ordered coder pairs in the unit that agree
    full = (m == n_coders) & (n_coders >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(pairable, agreeing / (m * (m - 1)), 0.0)
        per_value = np.where(pairable, agreeing / (m - 1), 0.0)
    return dict(
        n_units=hist.sum(axis=1),
        single=hist @ (m == 1),
        pair_units=hist @ pairable,
        pair_values=hist @ np.where(pairable, m, 0),
        agree=hist @ per_unit,
        diagonal=hist @ per_value,
        full_units=hist @ full,
        full_pairs=hist @ np.where(full, s2 - n_coders, 0),
    )


def _count_by_unit(flags: np.ndarray) -> np.ndarray:
    """Σ over coders of a (coders, units) boolean array, one row at a time (fast for few coders)."""
    total = np.zeros(flags.shape[1:], dtype=np.int64)
    for row in flags:
        total += row
    return total


def _sums_of_squares(codes: np.ndarray, present: np.ndarray, m: np.ndarray) -> np.ndarray:
    """S2_u = Σc n_uc² for every unit (codes: coders × units)."""
    c, n = codes.shape
    if c <= 12:  # m_u plus twice the agreeing coder pairs
        s2: np.ndarray = m.copy()
        for i in range(c):
            for j in range(i + 1, c):
                s2 += 2 * ((codes[i] == codes[j]) & present[i])
        return s2
    flat = np.sort(codes.T, axis=1).ravel()  # runs of equal values in each sorted unit
    start = np.ones(flat.shape, dtype=bool)
    start[1:] = flat[1:] != flat[:-1]
    start[::c] = True
    run_length = np.bincount(np.cumsum(start) - 1)
    first = np.flatnonzero(start)
    keep = flat[first] >= 0
    return np.bincount(first[keep] // c, weights=run_length[keep] ** 2, minlength=n).astype(np.int64)


def _stats(e: _Encoded, level: str = "nominal") -> _Stats:
    codes, w = e.codes, e.weights
    c, n = codes.shape
    q = max(len(e.categories), 1)
    present = codes >= 0
    m = _count_by_unit(present)
    s2 = _sums_of_squares(codes, present, m) if n else np.zeros(0, dtype=np.int64)
    span = c * c + 1  # S2 ranges over 0..c²
    states = np.arange((c + 1) * span)
    hist = _histogram((m * span + s2)[None], len(states), w)
    # Category totals by unit class (0: fewer than two values, 1: pairable, 2: every coder) and coder.
    pairable = m >= 2
    unit_class = pairable.astype(np.int64) + ((m == c) & (c >= 2))
    bins = 3 * c * q
    index = np.where(present, (unit_class * c + np.arange(c)[:, None]) * q + codes, bins)
    unit_w = None if w is None else np.broadcast_to(w, codes.shape).ravel()
    totals = np.bincount(index.ravel(), weights=unit_w, minlength=bins + 1)[:bins]
    totals = np.rint(totals).astype(np.int64).reshape(3, c, q)
    stats = _Stats(
        e.categories,
        e.numeric,
        c,
        observed=np.array([len(e.categories)]),
        pair_totals=totals[1:].sum(axis=(0, 1))[None],
        full_totals=totals[2].sum(axis=0)[None],
        **_state_sums(hist, states // span, states % span, c),
    )
    if c == 2:
        stats.first, stats.second = totals[2, :1], totals[2, 1:]
    if level != "nominal" and c >= 2:
        scale = np.where(pairable, (1.0 if w is None else w) / np.maximum(m - 1, 1), 0.0)
        flat = np.zeros(q * q)
        for i in range(c):
            for j in range(i + 1, c):
                both = present[i] & present[j]
                flat += np.bincount(codes[i, both] * q + codes[j, both], weights=scale[both], minlength=q * q)
        o = flat.reshape(q, q)
        stats.coincidence = o + o.T
    return stats


# ---------------------------------------------------------------------- results


def _marginals(s: _Stats, totals: np.ndarray | None, k: int) -> dict[object, int]:
    if totals is None:
        return {}
    row = totals[k]
    return {s.categories[i]: int(row[i]) for i in np.flatnonzero(row)} if len(s.categories) else {}


def _only_category(s: _Stats, totals: np.ndarray, k: int) -> object:
    """The single category used, or None when there are several (or none)."""
    used = np.flatnonzero(totals[k])
    return s.categories[used[0]] if len(used) == 1 else None


def _common(s: _Stats, k: int) -> str | None:
    if s.n_units[k] == 0:
        return "no units"
    if s.n_coders < 2:
        return f"fewer than two coders ({s.n_coders})"
    return None


def _make(
    measure: str,
    s: _Stats,
    k: int,
    value: float | None,
    reason: str | None,
    used: float,
    pairable: float,
    totals: np.ndarray | None,
    definition: str | None = None,
) -> AgreementResult:
    return AgreementResult(
        measure,
        None if reason or value is None else float(value),
        reason,
        int(s.n_units[k]),
        int(used),
        int(pairable),
        _marginals(s, totals, k),
        int(s.single[k]),
        definition,
    )


def _percent(s: _Stats, k: int) -> AgreementResult:
    reason = _common(s, k)
    if reason is None and s.pair_units[k] == 0:
        reason = "no unit has values from two coders"
    value = None if reason else s.agree[k] / s.pair_units[k]
    return _make("percent", s, k, value, reason, s.pair_units[k], s.pair_values[k], s.pair_totals, PERCENT_DEFINITION)


def _two_coder(measure: str, s: _Stats, k: int) -> AgreementResult:
    name = "Cohen's kappa" if measure == "cohen_kappa" else "Scott's pi"
    reason = _common(s, k)
    if reason is None and s.n_coders != 2:
        reason = f"{name} is defined for exactly two coders, not {s.n_coders}"
    if reason:
        return _make(measure, s, k, None, reason, 0, 0, None)
    assert s.first is not None and s.second is not None  # _stats sets both whenever there are two coders
    n = int(s.full_units[k])
    totals = s.first + s.second
    if n == 0:
        return _make(measure, s, k, None, "no unit was coded by both coders", 0, 0, totals)
    agree = int(s.full_pairs[k]) // 2
    if measure == "cohen_kappa":  # κ = (po − pe)/(1 − pe) = (n·agree − Σ r_c s_c)/(n² − Σ r_c s_c)
        chance = int(s.first[k] @ s.second[k])
        numerator, denominator = n * agree - chance, n * n - chance
    else:  # pe = Σ ((r_c + s_c)/2n)²
        chance = int(totals[k] @ totals[k])
        numerator, denominator = 4 * n * agree - chance, 4 * n * n - chance
    if denominator == 0:
        only = _only_category(s, totals, k)
        return _make(
            measure,
            s,
            k,
            None,
            f"only one category ({only}) was used by both coders: expected agreement is 1",
            n,
            2 * n,
            totals,
        )
    return _make(measure, s, k, numerator / denominator, None, n, 2 * n, totals)


def _fleiss(s: _Stats, k: int) -> AgreementResult:
    c = s.n_coders
    definition = f"constant number of raters: units with a value from each of the {c} coders"
    reason = _common(s, k)
    if reason:
        return _make("fleiss_kappa", s, k, None, reason, 0, 0, None, definition)
    units = int(s.full_units[k])
    if units == 0:
        return _make(
            "fleiss_kappa", s, k, None, f"no unit has a value from every coder ({c})", 0, 0, s.full_totals, definition
        )
    only = _only_category(s, s.full_totals, k)
    if only is not None:
        return _make(
            "fleiss_kappa",
            s,
            k,
            None,
            f"only one category ({only}) was used: expected agreement is 1",
            units,
            units * c,
            s.full_totals,
            definition,
        )
    p_bar = s.full_pairs[k] / (units * c * (c - 1))
    p = s.full_totals[k] / (units * c)
    pe = float(p @ p)
    return _make("fleiss_kappa", s, k, (p_bar - pe) / (1 - pe), None, units, units * c, s.full_totals, definition)


def _delta(s: _Stats, level: str, totals: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference δ²_ck between the (sorted) categories."""
    q = len(s.categories)
    if level == "nominal":
        return 1.0 - np.eye(q)
    values = np.asarray(s.categories, dtype=float)
    if level == "interval":
        squared: np.ndarray = (values[:, None] - values[None, :]) ** 2
        return squared
    if level == "ratio":
        total = values[:, None] + values[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                total == 0, 0.0, ((values[:, None] - values[None, :]) / np.where(total == 0, 1, total)) ** 2
            )
    # ordinal: (Σ_{g=c..k} n_g − (n_c + n_k)/2)², categories in rank order
    cumulative = np.concatenate([[0.0], np.cumsum(totals, dtype=float)])
    idx = np.arange(q)
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    ordinal: np.ndarray = (cumulative[hi + 1] - cumulative[lo] - (totals[:, None] + totals[None, :]) / 2) ** 2
    return ordinal


def _alpha(s: _Stats, k: int, level: str) -> AgreementResult:
    definition = f"{level} level"
    reason = _common(s, k)
    if reason:
        return _make("krippendorff_alpha", s, k, None, reason, 0, 0, None, definition)
    units, n = int(s.pair_units[k]), int(s.pair_values[k])
    if units == 0:
        return _make(
            "krippendorff_alpha",
            s,
            k,
            None,
            "no pairable values: no unit has values from two coders",
            0,
            0,
            s.pair_totals,
            definition,
        )
    totals = s.pair_totals[k]
    only = _only_category(s, s.pair_totals, k)
    if only is not None:
        return _make(
            "krippendorff_alpha",
            s,
            k,
            None,
            f"only one value ({only}) among the pairable values: expected disagreement is zero",
            units,
            n,
            s.pair_totals,
            definition,
        )
    if level != "nominal" and not s.numeric:
        return _make(
            "krippendorff_alpha",
            s,
            k,
            None,
            f"{level} alpha needs numeric categories",
            units,
            n,
            s.pair_totals,
            definition,
        )
    if level == "nominal" or s.coincidence is None:
        # (binary_per_code: with two values there is a single δ² ≠ 0, so every level gives this value)
        expected = float(n * n - int(totals @ totals))
        observed = float(n - s.diagonal[k])
    else:
        delta = _delta(s, level, totals)
        expected = float(totals @ delta @ totals)
        observed = float((s.coincidence * delta).sum())
    if not expected > 0:  # e.g. ratio level with values summing to zero
        return _make(
            "krippendorff_alpha", s, k, None, "expected disagreement is zero", units, n, s.pair_totals, definition
        )
    return _make(
        "krippendorff_alpha", s, k, 1.0 - (n - 1) * observed / expected, None, units, n, s.pair_totals, definition
    )


def _brennan_prediger(s: _Stats, k: int, q: int | None) -> AgreementResult:
    po = _percent(s, k)
    definition: str | None = f"chance agreement 1/q with q = {q} categories in the coding scheme"
    reason: str | None = None
    value: float | None = None
    if q is None:
        reason, definition = "the number of categories in the coding scheme (q) was not given", None
    elif q < 2:
        reason = f"the coding scheme must offer at least two categories (q = {q})"
    elif s.observed[k] > q:
        reason = f"{int(s.observed[k])} categories observed but the coding scheme offers q = {q}"
    elif po.value is None:
        reason = po.reason
    else:
        value = (q * po.value - 1) / (q - 1)
    return AgreementResult(
        "brennan_prediger",
        value,
        reason,
        po.n_units,
        po.n_units_used,
        po.n_pairable,
        po.marginals,
        po.dropped_single,
        definition,
    )


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")


def _all(s: _Stats, k: int, n_categories: int | None, level: str) -> list[AgreementResult]:
    results = [_percent(s, k)]
    if s.n_coders == 2:
        results += [_two_coder("cohen_kappa", s, k), _two_coder("scott_pi", s, k)]
    results += [_fleiss(s, k), _alpha(s, k, level), _brennan_prediger(s, k, n_categories)]
    return results


# ---------------------------------------------------------------------- public API


def percent_agreement(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> AgreementResult:
    """Mean pairwise agreement within units (Fleiss' P̄o), over units with two or more values."""
    return _percent(_stats(_encode(data, weights)), 0)


def cohen_kappa(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> AgreementResult:
    """Cohen (1960): (po − pe)/(1 − pe), pe from each coder's marginals; two coders, units both coded."""
    return _two_coder("cohen_kappa", _stats(_encode(data, weights)), 0)


def scott_pi(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> AgreementResult:
    """Scott (1955): as Cohen's kappa with pe from the pooled marginals; two coders."""
    return _two_coder("scott_pi", _stats(_encode(data, weights)), 0)


def fleiss_kappa(data: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> AgreementResult:
    """Fleiss (1971) with a constant number of raters: units lacking any coder's value are dropped."""
    return _fleiss(_stats(_encode(data, weights)), 0)


def brennan_prediger(data: npt.ArrayLike, n_categories: int, weights: npt.ArrayLike | None = None) -> AgreementResult:
    """Brennan & Prediger (1981): (po − 1/q)/(1 − 1/q), q = ``n_categories`` from the coding scheme."""
    return _brennan_prediger(_stats(_encode(data, weights)), 0, n_categories)


def krippendorff_alpha(
    data: npt.ArrayLike, level: str = "nominal", weights: npt.ArrayLike | None = None
) -> AgreementResult:
    """Krippendorff (2011): 1 − (n − 1)·Σ o_ck δ²_ck / Σ n_c n_k δ²_ck from the coincidence matrix.

    ``level``: nominal, ordinal, interval or ratio (the last three need numeric categories)."""
    _check_level(level)
    return _alpha(_stats(_encode(data, weights), level), 0, level)


def compute_all(
    data: npt.ArrayLike, n_categories: int | None, level: str = "nominal", weights: npt.ArrayLike | None = None
) -> list[AgreementResult]:
    """Every applicable measure, in the order percent, [Cohen, Scott], Fleiss, alpha, Brennan–Prediger.

    Cohen's kappa and Scott's pi are included only for exactly two coders. ``n_categories`` is the
    number of categories the coding scheme offers (Brennan–Prediger's q); None leaves that
    measure undefined."""
    _check_level(level)
    return _all(_stats(_encode(data, weights), level), 0, n_categories, level)


def binary_per_code(
    matrix: npt.ArrayLike, n_categories: int | None = 2, level: str = "nominal", weights: npt.ArrayLike | None = None
) -> list[list[AgreementResult]]:
    """Every measure for many present/absent codes in one vectorised pass.

    ``matrix``: shape (codes, units, coders), 1 where the coder applied the code to the unit, 0
    where they did not, ``nan`` where the coder has no value for the unit (a boolean array has no
    missing values). ``weights``: one per unit, shape (units,) or (codes, units). Returns, for each
    code, the same list ``compute_all(matrix[k], n_categories, level, weights)`` returns (for two
    values every level of alpha gives the same number)."""
    _check_level(level)
    x = np.asarray(matrix)
    if x.ndim != 3:
        raise ValueError(f"matrix must have shape (codes, units, coders), got {x.ndim} dimension(s)")
    k_codes, n, c = x.shape
    w = _check_weights(weights, (k_codes, n))
    if w is not None and w.ndim == 1:
        w = w[None]
    if x.dtype == bool:
        one, missing = x, np.zeros(x.shape, dtype=bool)
    else:
        x = x.astype(float, copy=False)
        one, missing = x == 1, np.isnan(x)
        if np.count_nonzero(one) + np.count_nonzero(missing) + np.count_nonzero(x == 0) != x.size:
            raise ValueError("matrix values must be 0, 1 or nan")
    # A unit's state determines everything the statistics need: for two coders each coder's value
    # (0, 1 or 2 for missing), otherwise (m, number of ones).
    if c == 2:
        value = one.view(np.int8) + 2 * missing.view(np.int8)
        state = 3 * value[:, :, 0] + value[:, :, 1]
        v1, v2 = np.divmod(np.arange(9), 3)
        m_s, ones_s = (v1 < 2).astype(int) + (v2 < 2), (v1 == 1).astype(int) + (v2 == 1)
    else:
        ones, m = np.zeros((k_codes, n), dtype=np.int64), np.full((k_codes, n), c, dtype=np.int64)
        for j in range(c):
            ones += one[:, :, j]
            m -= missing[:, :, j]
        state = m * (c + 1) + ones
        m_s, ones_s = np.divmod(np.arange((c + 1) ** 2), c + 1)
        ones_s = np.minimum(ones_s, m_s)  # impossible states, never counted
    hist = _histogram(state, len(m_s), w)
    zeros_s = m_s - ones_s
    pairable, full = m_s >= 2, (m_s == c) & (c >= 2)

    def stacked(z: np.ndarray, o: np.ndarray) -> np.ndarray:  # (K, 2): categories 0, 1
        return np.stack([hist @ z, hist @ o], axis=1)

    stats = _Stats(
        [0, 1],
        True,
        c,
        observed=(hist @ (zeros_s > 0) > 0).astype(np.int64) + (hist @ (ones_s > 0) > 0),
        pair_totals=stacked(zeros_s * pairable, ones_s * pairable),
        full_totals=stacked(zeros_s * full, ones_s * full),
        **_state_sums(hist, m_s, ones_s**2 + zeros_s**2, c),
    )
    if c == 2:
        stats.first = stacked((v1 == 0) & full, (v1 == 1) & full)
        stats.second = stacked((v2 == 0) & full, (v2 == 1) & full)
    return [_all(stats, k, n_categories, level) for k in range(k_codes)]
