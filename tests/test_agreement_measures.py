"""Agreement statistics: published worked examples, undefined cases, properties, reference packages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qualcode.agreement import (
    average,
    brennan_prediger,
    cohen_kappa,
    compute_all,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    scott_pi,
)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers, 12 units.
KRIPPENDORFF = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]).T

# Fleiss (1971) as reproduced widely: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]


def from_counts(counts):
    return np.array([[c for c, k in enumerate(row) for _ in range(k)] for row in counts], dtype=float)


def test_krippendorff_worked_example_with_missing_values():
    nominal = krippendorff_alpha(KRIPPENDORFF, "nominal")
    assert round(nominal.value, 3) == 0.743
    assert nominal.dropped_single == 1  # unit 12 has a single value
    assert nominal.n_pairable == 40
    assert round(krippendorff_alpha(KRIPPENDORFF, "interval").value, 3) == 0.849
    assert round(krippendorff_alpha(KRIPPENDORFF, "ordinal").value, 3) == 0.815


def test_textbook_cohen_kappa_table():
    # 50 units: both yes 20, coder 1 yes/coder 2 no 5, coder 1 no/coder 2 yes 10, both no 15.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    data = np.c_[a, b]
    assert percent_agreement(data).value == pytest.approx(0.70)
    assert cohen_kappa(data).value == pytest.approx(0.40)
    # Scott's pi uses the pooled marginals (0.55, 0.45): pe = 0.505.
    assert scott_pi(data).value == pytest.approx((0.70 - 0.505) / (1 - 0.505))


def test_fleiss_original_example():
    result = fleiss_kappa(from_counts(FLEISS_COUNTS))
    assert round(result.value, 3) == 0.210
    assert result.n_units_used == 10


def test_undefined_cases_are_reported_not_zero_or_one():
    one_category = np.ones((6, 2))
    for result in (cohen_kappa(one_category), scott_pi(one_category), fleiss_kappa(one_category), krippendorff_alpha(one_category)):
        assert result.value is None and "one" in result.reason
    no_pairs = np.array([[1, nan], [nan, 0], [1, nan]])
    assert cohen_kappa(no_pairs).value is None
    assert krippendorff_alpha(no_pairs).reason.startswith("no pairable values")
    assert krippendorff_alpha(no_pairs).dropped_single == 3
    empty = np.zeros((0, 2))
    assert all(r.value is None for r in compute_all(empty, 2))
    single_coder = np.array([[1.0], [0.0]])
    assert all(r.value is None for r in compute_all(single_coder, 2))
    summary = average([cohen_kappa(one_category), cohen_kappa(np.c_[[1, 0, 1, 0], [1, 0, 0, 0]])])
    assert summary.n_averaged == 1 and summary.n_left_out == 1 and summary.value == pytest.approx(0.5)


def test_brennan_prediger_takes_categories_from_the_scheme():
    data = np.array([[1, 1], [2, 2], [1, 2], [1, 1]], dtype=float)
    assert brennan_prediger(data, 2).value == pytest.approx((0.75 - 0.5) / 0.5)
    assert brennan_prediger(data, 5).value == pytest.approx((0.75 - 0.2) / 0.8)
    assert brennan_prediger(data, 1).value is None


def test_object_categories_and_weights():
    data = np.array([["a", "a"], ["b", None], ["a", "b"]], dtype=object)
    assert cohen_kappa(data).n_units_used == 2
    repeated = np.array([[1, 1], [0, 1], [0, 1], [0, 1], [0, 0]], dtype=float)
    weighted = np.array([[1, 1], [0, 1], [0, 0]], dtype=float)
    w = [1, 3, 1]
    for f in (percent_agreement, cohen_kappa, krippendorff_alpha, fleiss_kappa, scott_pi):
        assert f(weighted, weights=w).value == pytest.approx(f(repeated).value)


binary_2 = arrays(np.float64, st.tuples(st.integers(2, 40), st.just(2)), elements=st.sampled_from([0.0, 1.0, 2.0, nan]))
many = arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(2, 6)), elements=st.sampled_from([0.0, 1.0, 2.0, 3.0, nan]))


@settings(max_examples=120, deadline=None)
@given(many, st.randoms())
def test_bounds_symmetry_and_relabelling(data, rnd):
    results = {r.measure: r for r in compute_all(data, n_categories=4)}
    for r in results.values():
        if r.value is not None:
            assert r.value <= 1 + 1e-12
    if results["percent"].value is not None:
        assert 0 <= results["percent"].value <= 1
    columns = list(range(data.shape[1]))
    rnd.shuffle(columns)
    permuted = {r.measure: r.value for r in compute_all(data[:, columns], n_categories=4)}
    relabel = {0.0: 3.0, 1.0: 0.0, 2.0: 1.0, 3.0: 2.0}
    relabelled_data = np.vectorize(lambda v: relabel.get(v, v))(data)
    relabelled = {r.measure: r.value for r in compute_all(relabelled_data, n_categories=4)}
    for name, r in results.items():
        for other in (permuted[name], relabelled[name]):
            assert (r.value is None) == (other is None)
            if r.value is not None:
                assert other == pytest.approx(r.value, abs=1e-9)


@settings(max_examples=120, deadline=None)
@given(many, st.sampled_from(["nominal", "interval", "ordinal", "ratio"]))
def test_alpha_matches_the_krippendorff_package(data, level):
    krippendorff = pytest.importorskip("krippendorff")
    ours = krippendorff_alpha(data, level)
    try:
        theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement=level)
    except (ValueError, ZeroDivisionError):
        assert ours.value is None
        return
    if ours.value is None:
        assert not np.isfinite(theirs) or np.unique(data[~np.isnan(data)]).size <= 1
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=120, deadline=None)
@given(binary_2)
def test_cohen_matches_scikit_learn(data):
    metrics = pytest.importorskip("sklearn.metrics")
    ours = cohen_kappa(data)
    both = ~np.isnan(data).any(axis=1)
    if ours.value is None:
        return
    theirs = metrics.cohen_kappa_score(data[both, 0], data[both, 1])
    assert ours.value == pytest.approx(theirs, abs=1e-9)
