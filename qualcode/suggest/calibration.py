"""Turning raw scores into probabilities a threshold can mean something with.

A small logistic regression fitted by Newton's method (numpy only): Platt scaling of a model's
log-odds, or a combination of the model's log-odds with keyword evidence. The weights are fitted
on codings the model did not train on, so "0.7" means "about seven in ten such suggestions were
codes the coders applied".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


def logit(p: npt.ArrayLike, eps: float = 1e-6) -> np.ndarray:
    clipped = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    out: np.ndarray = np.log(clipped / (1 - clipped))
    return out


def sigmoid(x: npt.ArrayLike) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
    return out


@dataclass(frozen=True)
class Calibrator:
    """P(code applied) = sigmoid(weights · features + bias)."""

    weights: tuple[float, ...]
    bias: float

    def __call__(self, features: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(features, dtype=float))
        return sigmoid(x @ np.asarray(self.weights) + self.bias)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]))


# The smallest weight an increasing feature keeps: a calibration fitted on held-out codings where
# the model's scores ran the wrong way (a small or unlucky fold) flattens them towards the base
# rate instead of turning the model's ranking upside down.
MIN_SLOPE = 1e-3


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1e-2,
    iterations: int = 50,
    sample_weight: np.ndarray | None = None,
    increasing: int = 0,
) -> Calibrator:
    """Logistic regression (with a little L2 on the weights) by Newton's method.

    The first ``increasing`` features are evidence for the code (a model's log-odds): their
    weights are kept at ``MIN_SLOPE`` or more, so the probability never falls as they rise and
    the order they give is kept (a weight the data would make smaller is held at the floor and
    the others are fitted again)."""
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.asarray(y, dtype=float)
    w_s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    n, d = x.shape
    if n == 0 or y.min(initial=1) == y.max(initial=0):
        # No data, or only one class: the best constant (the order of the scores kept).
        rate = (y * w_s).sum() / w_s.sum() if n else 0.5
        rate = min(max(rate, 1e-3), 1 - 1e-3)
        floor = [MIN_SLOPE if j < increasing else 0.0 for j in range(d)]
        return Calibrator(tuple(floor), float(np.log(rate / (1 - rate))))
    fixed: dict[int, float] = {}
    while True:
        free = [j for j in range(d) if j not in fixed]
        offset = x[:, list(fixed)] @ np.array(list(fixed.values())) if fixed else np.zeros(n)
        beta = _newton(x[:, free], y, w_s, offset, l2, iterations)
        weights = dict(zip(free, beta[:-1]))
        low = [j for j in free if j < increasing and weights[j] < MIN_SLOPE]
        if not low:
            weights.update(fixed)
            return Calibrator(tuple(float(weights[j]) for j in range(d)), float(beta[-1]))
        fixed.update((j, MIN_SLOPE) for j in low)


def _newton(
    x: np.ndarray, y: np.ndarray, w_s: np.ndarray, offset: np.ndarray, l2: float, iterations: int
) -> np.ndarray:
    """Weights and bias (last) of sigmoid(x · w + b + offset), fitted by Newton's method."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = sigmoid(xb @ beta + offset)
        grad = xb.T @ (w_s * (p - y)) + penalty * beta
        hess = (xb * (w_s * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Mean |predicted - observed| over equal-width probability bins, weighted by bin size."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if not len(p):
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / len(p))
