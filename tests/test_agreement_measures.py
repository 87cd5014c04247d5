"""Agreement statistics: published worked examples, undefined cases, properties, reference packages."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qualcode.agreement import (
    MEASURES,
    PERCENT_DEFINITION,
    average,
    binary_per_code,
    brennan_prediger,
    cohen_kappa,
    compute_all,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers (rows
# here before the transpose), 12 units, missing values; printed: nominal .743, ordinal .815,
# interval .849.
KRIPPENDORFF = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
).T

# Fleiss (1971): 30 patients, 6 psychiatrists, 5 diagnoses; kappa = 0.430 (0.4302445 in R's irr).
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)

# The Wikipedia example (10 subjects, 14 raters, 5 categories, as counts per category): 0.210.
FLEISS_WIKIPEDIA_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def from_counts(counts):
    """A units-by-raters array from per-unit category counts."""
    return np.array([[c for c, k in enumerate(row) for _ in range(k)] for row in counts], dtype=float)


def from_table(table):
    """Two coders' values from a contingency table (rows: coder 1, columns: coder 2)."""
    pairs = [(i, j) for i, row in enumerate(table) for j, k in enumerate(row) for _ in range(k)]
    return np.array(pairs, dtype=float)


def by_name(results):
    return {r.measure: r for r in results}


# ---------------------------------------------------------------------- published examples


def test_krippendorff_worked_example_with_missing_values():
    nominal = krippendorff_alpha(KRIPPENDORFF, "nominal")
    assert round(nominal.value, 3) == 0.743
    assert nominal.n_units == 12 and nominal.n_units_used == 11
    assert nominal.dropped_single == 1  # unit 12 has a single value
    assert nominal.n_pairable == 40
    assert nominal.marginals == {1: 9, 2: 13, 3: 10, 4: 5, 5: 3}  # n_c as printed in the paper
    assert nominal.definition == "nominal level"
    assert round(krippendorff_alpha(KRIPPENDORFF, "ordinal").value, 3) == 0.815
    assert round(krippendorff_alpha(KRIPPENDORFF, "interval").value, 3) == 0.849


def test_krippendorff_worked_example_matches_the_package_at_every_level():
    krippendorff = pytest.importorskip("krippendorff")
    for level in ("nominal", "ordinal", "interval", "ratio"):
        theirs = krippendorff.alpha(reliability_data=KRIPPENDORFF.T, level_of_measurement=level)
        assert krippendorff_alpha(KRIPPENDORFF, level).value == pytest.approx(theirs, abs=1e-12)


def test_textbook_cohen_kappa_table():
    # 50 units: both yes 20, coder 1 yes / coder 2 no 5, coder 1 no / coder 2 yes 10, both no 15.
    # po = 0.70; marginals 25/50 and 30/50 give pe = 0.5·0.6 + 0.5·0.4 = 0.50; kappa = 0.40.
    data = from_table([[20, 5], [10, 15]])
    assert percent_agreement(data).value == pytest.approx(0.70)
    kappa = cohen_kappa(data)
    assert kappa.value == pytest.approx(0.40)
    assert kappa.n_units_used == 50 and kappa.n_pairable == 100
    assert kappa.marginals == {0: 55, 1: 45}
    # Scott's pi pools the marginals (0.55, 0.45): pe = 0.505.
    assert scott_pi(data).value == pytest.approx((0.70 - 0.505) / (1 - 0.505))
    # A 3x3 table with SAS's printed kappa 0.4842 (po = 13/19).
    assert round(cohen_kappa(from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]])).value, 4) == 0.4842


def test_fleiss_published_examples():
    original = fleiss_kappa(FLEISS_1971)
    assert round(original.value, 3) == 0.430
    assert original.value == pytest.approx(0.4302445, abs=1e-7)
    assert original.n_units_used == 30 and original.n_pairable == 180
    assert original.marginals == {1: 26, 2: 26, 3: 30, 4: 55, 5: 43}
    wikipedia = fleiss_kappa(from_counts(FLEISS_WIKIPEDIA_COUNTS))
    assert round(wikipedia.value, 3) == 0.210


def test_fleiss_drops_units_without_every_coder_and_counts_them():
    data = np.vstack([FLEISS_1971, [[1, 2, nan, 3, 3, 3], [nan] * 6]])
    result = fleiss_kappa(data)
    assert result.value == pytest.approx(fleiss_kappa(FLEISS_1971).value)
    assert result.n_units == 32 and result.n_units_used == 30 and result.n_dropped == 2


def test_percent_agreement_is_mean_pairwise_agreement():
    # Unit 1: three coders agree (3/3 pairs); unit 2: two of three agree (1/3); unit 3: one value only.
    data = np.array([[1, 1, 1], [1, 1, 2], [2, nan, nan]])
    result = percent_agreement(data)
    assert result.value == pytest.approx((1 + 1 / 3) / 2)
    assert result.definition == PERCENT_DEFINITION
    assert (result.n_units, result.n_units_used, result.n_pairable, result.dropped_single) == (3, 2, 6, 1)
    assert result.marginals == {1: 5, 2: 1}


def test_cohen_drops_and_counts_units_a_coder_left_missing():
    data = np.array([[1, 1], [0, 0], [1, 0], [0, nan], [nan, nan], [0, 0]])
    result = cohen_kappa(data)
    assert (result.n_units, result.n_units_used, result.n_dropped, result.n_pairable) == (6, 4, 2, 8)
    assert result.value == pytest.approx(cohen_kappa(data[[0, 1, 2, 5]]).value)


# ---------------------------------------------------------------------- undefined statistics


def test_one_category_only_is_undefined_not_one():
    data = np.ones((6, 2))
    results = by_name(compute_all(data, 2))
    for name in ("cohen_kappa", "scott_pi", "fleiss_kappa", "krippendorff_alpha"):
        assert results[name].value is None and not results[name].defined
        assert "one" in results[name].reason and "1" in results[name].reason
        assert results[name].marginals == {1: 12}
    assert results["percent"].value == 1.0  # percent agreement is defined: they agree
    assert results["brennan_prediger"].value == 1.0


def test_no_pairable_units():
    data = np.array([[1, nan], [nan, 0], [1, nan]])
    results = by_name(compute_all(data, 2))
    assert set(results) == set(MEASURES)
    for r in results.values():
        assert r.value is None and r.reason
        assert r.n_units == 3 and r.n_units_used == 0 and r.dropped_single == 3
    assert results["krippendorff_alpha"].reason.startswith("no pairable values")


@pytest.mark.parametrize("empty", [np.zeros((0, 2)), [], [[]], np.zeros((0, 0)), np.zeros((3, 0))])
def test_empty_input(empty):
    results = compute_all(empty, 2)
    assert results and all(r.value is None and r.reason for r in results)


def test_one_coder():
    results = compute_all(np.array([[1.0], [0.0], [1.0]]), 2, level="interval")
    assert [r.measure for r in results] == ["percent", "fleiss_kappa", "krippendorff_alpha", "brennan_prediger"]
    assert all(r.value is None and "coders" in r.reason for r in results)
    assert cohen_kappa(np.array([[1.0], [0.0]])).reason == "fewer than two coders (1)"
    three = scott_pi(np.array([[1, 0, 1], [0, 0, 1]]))
    assert three.value is None and three.reason == "Scott's pi is defined for exactly two coders, not 3"


def test_non_numeric_categories_above_nominal_level():
    data = np.array([["a", "b"], ["b", "b"], ["a", "a"]], dtype=object)
    assert krippendorff_alpha(data, "nominal").defined
    result = krippendorff_alpha(data, "interval")
    assert result.value is None and "numeric" in result.reason


def test_average_leaves_undefined_out_and_counts_them():
    one_category = cohen_kappa(np.ones((6, 2)))
    defined = cohen_kappa(np.c_[[1, 0, 1, 0], [1, 0, 0, 0]])
    summary = average([one_category, defined, cohen_kappa(np.zeros((0, 2)))])
    assert summary.n_averaged == 1 and summary.n_left_out == 2 and summary.value == pytest.approx(0.5)
    nothing = average([one_category])
    assert nothing.value is None and nothing.n_averaged == 0 and nothing.n_left_out == 1


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        krippendorff_alpha(KRIPPENDORFF, "cardinal")
    with pytest.raises(ValueError):
        percent_agreement(np.ones((3, 2)), weights=[1, -1, 1])
    with pytest.raises(ValueError):
        percent_agreement(np.ones((3, 2)), weights=[1, 1])
    with pytest.raises(ValueError):
        percent_agreement(np.ones(3))
    with pytest.raises(ValueError):
        binary_per_code(np.full((1, 3, 2), 2.0))


# ---------------------------------------------------------------------- Brennan–Prediger


def test_brennan_prediger_takes_q_from_the_coding_scheme():
    data = np.array([[1, 1], [2, 2], [1, 2], [1, 1]], dtype=float)  # po = 0.75, two categories observed
    assert brennan_prediger(data, 2).value == pytest.approx((0.75 - 1 / 2) / (1 - 1 / 2))
    assert brennan_prediger(data, 5).value == pytest.approx((0.75 - 1 / 5) / (1 - 1 / 5))
    assert brennan_prediger(data, 5).value != pytest.approx(brennan_prediger(data, 2).value)
    assert brennan_prediger(data, 5).definition.endswith("q = 5 categories in the coding scheme")
    assert brennan_prediger(data, 1).value is None
    too_few = brennan_prediger(np.array([[1, 2], [3, 3]]), 2)
    assert too_few.value is None and "3 categories observed" in too_few.reason
    assert by_name(compute_all(data, None))["brennan_prediger"].value is None


# ---------------------------------------------------------------------- input forms


def test_object_categories_lists_and_none():
    data = [["yes", "yes"], ["no", None], ["yes", "no"], [("a", 1), ("a", 1)], [float("nan"), "no"]]
    result = cohen_kappa(data)
    assert result.n_units == 5 and result.n_units_used == 3
    assert result.marginals == {"no": 1, "yes": 3, ("a", 1): 2}
    numeric = [[1, 1], [0, None], [1, 0]]
    assert cohen_kappa(numeric).value == cohen_kappa(np.array([[1, 1], [0, nan], [1, 0]])).value
    assert cohen_kappa(np.array([[1, 1], [0, 1], [1, 0], [0, 0]])).value == pytest.approx(0.0)
    assert cohen_kappa(np.array([[True, True], [False, True]])).n_units_used == 2


# ---------------------------------------------------------------------- properties

values = st.sampled_from([0.0, 1.0, 2.0, 3.0, nan])
many = arrays(np.float64, st.tuples(st.integers(0, 25), st.integers(1, 6)), elements=values)
two = arrays(np.float64, st.tuples(st.integers(1, 40), st.just(2)), elements=values)
LABELS = {0.0: "c", 1.0: "a", 2.0: "d", 3.0: "b"}


def assert_same(a, b, values_only=False):
    assert a.measure == b.measure and a.defined == b.defined
    if values_only:
        assert (a.reason is None) == (b.reason is None)
    else:
        assert a.reason == b.reason
    if a.value is None:
        assert b.value is None
    else:
        assert b.value == pytest.approx(a.value, abs=1e-9)
    if not values_only:
        assert (a.n_units, a.n_units_used, a.n_pairable, a.dropped_single, a.marginals, a.definition) == (
            b.n_units,
            b.n_units_used,
            b.n_pairable,
            b.dropped_single,
            b.marginals,
            b.definition,
        )


@settings(max_examples=150, deadline=None)
@given(many, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_bounds_and_no_nan(data, level):
    for r in compute_all(data, 4, level=level):
        assert (r.value is None) == (r.reason is not None)
        if r.value is not None:
            assert math.isfinite(r.value) and r.value <= 1 + 1e-12
            if r.measure == "percent":
                assert 0 <= r.value <= 1


@settings(max_examples=150, deadline=None)
@given(many, st.randoms(use_true_random=False), st.sampled_from(["nominal", "interval"]))
def test_symmetric_in_coders_and_units(data, rnd, level):
    columns, rows = list(range(data.shape[1])), list(range(data.shape[0]))
    rnd.shuffle(columns)
    rnd.shuffle(rows)
    for a, b in zip(compute_all(data, 4, level), compute_all(data[rows][:, columns], 4, level)):
        assert_same(a, b)


@settings(max_examples=150, deadline=None)
@given(many)
def test_invariant_to_relabelling_categories(data):
    relabelled = np.array([[None if np.isnan(v) else LABELS[v] for v in row] for row in data], dtype=object)
    relabelled = relabelled.reshape(data.shape)
    for a, b in zip(compute_all(data, 4), compute_all(relabelled, 4)):
        assert_same(a, b, values_only=True)
        assert sorted(a.marginals.values()) == sorted(b.marginals.values())


@settings(max_examples=150, deadline=None)
@given(many, st.data(), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_weights_equal_repeating_units(data, draw, level):
    weights = np.array(draw.draw(st.lists(st.integers(0, 4), min_size=len(data), max_size=len(data))), dtype=np.int64)
    repeated = np.repeat(data, weights, axis=0)
    for a, b in zip(compute_all(data, 4, level, weights=weights), compute_all(repeated, 4, level)):
        assert_same(a, b)


@settings(max_examples=200, deadline=None)
@given(many, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_matches_the_krippendorff_package(data, level):
    krippendorff = pytest.importorskip("krippendorff")
    ours = krippendorff_alpha(data, level)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
    except (ValueError, ZeroDivisionError, IndexError):
        theirs = nan
    if ours.value is None:
        assert not np.isfinite(theirs)
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(two, st.data())
def test_cohen_matches_scikit_learn(data, draw):
    metrics = pytest.importorskip("sklearn.metrics")
    weights = np.array(draw.draw(st.lists(st.integers(1, 5), min_size=len(data), max_size=len(data))))
    both = ~np.isnan(data).any(axis=1)
    for w in (None, weights):
        ours = cohen_kappa(data, weights=w)
        if ours.value is None:
            assume(False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = metrics.cohen_kappa_score(
                data[both, 0], data[both, 1], sample_weight=None if w is None else w[both]
            )
        assert ours.value == pytest.approx(theirs, abs=1e-9)


def naive(data, q):
    """Unit-by-unit loops straight from the published formulas (nominal), as an independent check."""
    rows = [[v for v in row if not math.isnan(v)] for row in data.tolist()]
    coders = data.shape[1]
    out = {}
    pairable = [r for r in rows if len(r) >= 2]
    if coders >= 2 and pairable:
        out["percent"] = sum(
            sum(r.count(c) * (r.count(c) - 1) for c in set(r)) / (len(r) * (len(r) - 1)) for r in pairable
        ) / len(pairable)
        out["brennan_prediger"] = (out["percent"] - 1 / q) / (1 - 1 / q)
        o = {}  # coincidences: every ordered pair of values from different coders, weighted 1/(m − 1)
        for r in pairable:
            for i, a in enumerate(r):
                for j, b in enumerate(r):
                    if i != j:
                        o[a, b] = o.get((a, b), 0) + 1 / (len(r) - 1)
        n_c = {c: sum(v for (a, _), v in o.items() if a == c) for c in {a for a, _ in o}}
        n = sum(n_c.values())
        if len(n_c) > 1:
            observed = sum(v for (a, b), v in o.items() if a != b)
            expected = sum(n_c[a] * n_c[b] for a in n_c for b in n_c if a != b)
            out["krippendorff_alpha"] = 1 - (n - 1) * observed / expected
    full = [r for r in rows if len(r) == coders]
    if coders >= 2 and full:
        p_bar = sum(sum(r.count(c) * (r.count(c) - 1) for c in set(r)) / (coders * (coders - 1)) for r in full) / len(
            full
        )
        categories = {v for r in full for v in r}
        p = [sum(r.count(c) for r in full) / (len(full) * coders) for c in categories]
        if len(categories) > 1:
            pe = sum(x * x for x in p)
            out["fleiss_kappa"] = (p_bar - pe) / (1 - pe)
            if coders == 2:
                po = sum(r[0] == r[1] for r in full) / len(full)
                p1 = [sum(r[0] == c for r in full) / len(full) for c in categories]
                p2 = [sum(r[1] == c for r in full) / len(full) for c in categories]
                out["scott_pi"] = (po - pe) / (1 - pe)
                pe_cohen = sum(a * b for a, b in zip(p1, p2))
                if pe_cohen < 1:
                    out["cohen_kappa"] = (po - pe_cohen) / (1 - pe_cohen)
    return out


wide = arrays(np.float64, st.tuples(st.integers(0, 12), st.sampled_from([2, 3, 5, 13, 16])), elements=values)


@settings(max_examples=150, deadline=None)
@given(wide)
def test_matches_unit_by_unit_loops(data):
    expected = naive(data, 4)
    for r in compute_all(data, 4):
        if r.measure in expected:
            assert r.value == pytest.approx(expected[r.measure], abs=1e-9)
        else:
            assert r.value is None


# ---------------------------------------------------------------------- binary fast path

binary = arrays(
    np.float64,
    st.tuples(st.integers(0, 4), st.integers(0, 20), st.integers(1, 5)),
    elements=st.sampled_from([0.0, 1.0, nan]),
)


@settings(max_examples=200, deadline=None)
@given(binary, st.data(), st.sampled_from(["nominal", "interval"]))
def test_binary_per_code_equals_the_general_functions(matrix, draw, level):
    k, n, _ = matrix.shape
    kind = draw.draw(st.sampled_from(["none", "per unit", "per code"]))
    weight_list = st.lists(st.integers(0, 3), min_size=n, max_size=n)
    weights = None
    if kind == "per unit":
        weights = np.array(draw.draw(weight_list), dtype=np.int64)
    elif kind == "per code":
        weights = np.array([draw.draw(weight_list) for _ in range(k)], dtype=np.int64).reshape(k, n)
    fast = binary_per_code(matrix, 2, level, weights=weights)
    assert len(fast) == k
    for code in range(k):
        w = None if weights is None else (weights if weights.ndim == 1 else weights[code])
        general = compute_all(matrix[code], 2, level, weights=w)
        assert [r.measure for r in fast[code]] == [r.measure for r in general]
        for a, b in zip(general, fast[code]):
            assert_same(a, b)


def test_binary_per_code_accepts_booleans():
    rng = np.random.default_rng(7)
    matrix = rng.random((3, 50, 2)) < 0.3
    for code, results in enumerate(binary_per_code(matrix)):
        for a, b in zip(compute_all(matrix[code].astype(float), 2), results):
            assert_same(a, b)
