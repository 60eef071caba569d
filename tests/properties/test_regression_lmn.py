"""Regression: the Low-Degree Algorithm meets docs/theory.md §4's guarantee at the registry's sample size.

Targets are juntas on t <= d coordinates with ±1 values (F = 1, degree <= d, so W^{>d} = 0)
on {-1,1}^n. At m = min(ceil(m_C1), ceil(m_C2)) from the bounds registry, a draw *fails*
when the estimation error sum_{|S| <= d} (f~(S) - f^(S))^2, computed exactly against the
WHT spectrum, exceeds eps. Theorems C1/C2 promise P[fail] <= delta. Statistical margin:
with R repetitions we reject when P[Binomial(R, delta) >= failures] < alpha = 0.01 (an exact
one-sided binomial test), i.e. we allow up to ``allowed(R)`` failures: 6 of 20 and 18 of 100
at delta = 0.1. Seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import strategies as st

from sparsecert.properties import assert_learns
from sparsecert.properties.assertions import binomial_tail
from sparsecert.properties.bounds import evaluate
from sparsecert.properties.fourier import spectrum
from sparsecert.properties.strategies import juntas
from sparsecert.sparse_models import Hypercube, LowDegreeLearner, junta_block, parity_block

ALPHA = 0.01


def registry_m(n: int, d: int, eps: float, delta: float) -> tuple[int, int, int]:
    """(m_C1, m_C2, m) with F = 1, rounded up: the sample size the registry promises."""
    vals = {"F": 1, "n": n, "d": d, "epsilon": eps, "delta": delta}
    c1 = math.ceil(evaluate("lmn_samples_hoeffding", vals).number)
    c2 = math.ceil(evaluate("lmn_samples_mcdiarmid", vals).number)
    return c1, c2, min(c1, c2)


def allowed(R: int, delta: float) -> int:
    """The largest failure count the binomial test accepts."""
    return max(c for c in range(R + 1) if binomial_tail(c, R, delta) >= ALPHA)


def estimation_errors(target, d: int, m: int, reps: int, seed: int) -> list[float]:
    spec = spectrum(target)
    cube = Hypercube(target.n)
    out = []
    for r in range(reps):
        X = cube.sample(np.random.default_rng([seed, r]), m)
        lrn = LowDegreeLearner(d).fit(X, target.forward(X)[:, 0], seed=r)
        out.append(float(np.sum((lrn.coefficients_ - spec.coefficients[lrn.masks_]) ** 2)))
    return out


def test_registry_sample_sizes_are_the_theory_formulas():
    c1, c2, m = registry_m(6, 2, 0.1, 0.1)
    Nd = 1 + 6 + 15
    assert c1 == math.ceil(2 * Nd / 0.1 * math.log(2 * Nd / 0.1))
    assert c2 == math.ceil(Nd * (1 + math.sqrt(2 * math.log(10))) ** 2 / 0.1)
    assert m == min(c1, c2)
    assert allowed(20, 0.1) == 6 and allowed(100, 0.1) == 18


@pytest.mark.parametrize("target, d", [
    (parity_block(6, [1, 4]), 2),
    (junta_block(6, [0, 5], [1, -1, -1, -1]), 2),
    (junta_block(7, [2], [1, -1]), 1),
])
def test_failure_rate_at_registry_m_within_delta_plus_margin(target, d):
    eps, delta, R = 0.1, 0.1, 20
    _, _, m = registry_m(target.n, d, eps, delta)
    errors = estimation_errors(target, d, m, R, seed=7)
    failures = sum(e > eps for e in errors)
    assert failures <= allowed(R, delta), (failures, R, max(errors))


def test_too_few_samples_are_caught_by_the_same_test():
    # the test can fail: at m = 20 (far below the registry's 2,680) the estimates are poor
    errors = estimation_errors(parity_block(6, [1, 4]), 2, 20, 20, seed=7)
    assert sum(e > 0.1 for e in errors) > allowed(20, 0.1)


def test_parseval_identity_error_equals_estimation_plus_tail():
    target = junta_block(6, [0, 2, 3], [1, -1, -1, 1, 1, 1, -1, -1])  # degree 3: tail above d = 2
    X = Hypercube(6).sample(np.random.default_rng(3), 500)
    lrn = LowDegreeLearner(2).fit(X, target.forward(X)[:, 0])
    spec = spectrum(target)
    cube = np.concatenate([P for _, P in Hypercube(6).chunks()])
    total = float(np.mean((lrn.predict(cube) - target.forward(cube)[:, 0]) ** 2))
    est = float(np.sum((lrn.coefficients_ - spec.coefficients[lrn.masks_]) ** 2))
    assert total == pytest.approx(est + spec.tail_weight(2), rel=1e-9, abs=1e-12)


def test_assert_learns_on_generated_juntas_at_registry_m():
    # the user's view: total squared error <= eps (= estimation error here, since t <= d) for juntas Hypothesis picks
    _, _, m = registry_m(6, 2, 0.1, 0.1)
    assert_learns(LowDegreeLearner(2, clip=1.0), juntas(n=6, max_t=2), eps=0.1, delta=0.1, m=m, trials=10,
                  max_examples=6)


@pytest.mark.slow
@pytest.mark.parametrize("n, d", [(8, 1), (8, 2), (8, 3)])
def test_failure_rate_many_repetitions(n, d):
    eps, delta, R = 0.1, 0.1, 100
    _, _, m = registry_m(n, d, eps, delta)
    coords = list(range(0, 2 * d, 2))
    target = parity_block(n, coords) if d > 1 else junta_block(n, coords, [1, -1])
    errors = estimation_errors(target, d, m, R, seed=11)
    assert sum(e > eps for e in errors) <= allowed(R, delta)


@pytest.mark.slow
def test_assert_learns_many_targets():
    _, _, m = registry_m(8, 2, 0.1, 0.1)
    assert_learns(LowDegreeLearner(2), juntas(n=8, max_t=2), eps=0.1, delta=0.1, m=m, trials=50, max_examples=30)
    assert_learns(LowDegreeLearner(2), st.just(parity_block(8, [3, 6])), eps=0.1, delta=0.1, m=m, trials=100)
