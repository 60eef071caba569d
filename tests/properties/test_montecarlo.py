"""Monte Carlo estimates and their intervals: coverage in repeated runs (fixed seeds), widths, ranges, LD checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sparsecert.properties.activation_statistics import exact_activation_stats, sampled_activation_stats
from sparsecert.properties.fourier import Spectrum, binomial_count, spectrum
from sparsecert.properties.inequalities import lmn_sample_sizes
from sparsecert.properties.intervals import (bernstein_half_width, hoeffding_half_width, hoeffding_sample_size, mean_interval,
                                  proportion_interval)
from sparsecert.properties.montecarlo import (cube_output_range, estimate_influences, estimate_low_degree,
                                   low_degree_from_samples, subsets_up_to)
from sparsecert.properties.output import flip_lipschitz, select_output
from sparsecert.sparse_models import Hypercube, junta_block, planted_sparse, random_block
from sparsecert.sparse_models.errors import InvalidArgument

REPS = 120


def _min_coverage(delta: float, reps: int = REPS) -> float:
    """The promised coverage 1 - delta minus a 3-sigma binomial margin for ``reps`` runs."""
    return (1 - delta) - 3 * math.sqrt(delta * (1 - delta) / reps)


def _points(n):
    return np.vstack([X for _, X in Hypercube(n).chunks()])


def test_hoeffding_formulas_and_sample_size():
    assert hoeffding_half_width(100, 2.0, 0.05) == pytest.approx(2.0 * math.sqrt(math.log(40) / 200))
    for width, h, delta in [(1.0, 0.01, 0.05), (5.0, 0.3, 0.001), (0.2, 0.2, 0.5)]:
        N = hoeffding_sample_size(width, h, delta)
        assert hoeffding_half_width(N, width, delta) <= h * (1 + 1e-12)
        if N > 1:
            assert hoeffding_half_width(N - 1, width, delta) > h
    with pytest.raises(InvalidArgument):
        hoeffding_sample_size(1.0, 0.0, 0.05)
    with pytest.raises(InvalidArgument):
        hoeffding_half_width(10, 1.0, 1.5)


def test_bernstein_is_narrower_for_low_variance_and_values_must_lie_in_range():
    rng = np.random.default_rng(0)
    v = rng.binomial(1, 0.01, size=5000).astype(float)
    hb = mean_interval(v, 0, 1, 0.05, method="bernstein").half_width
    hh = mean_interval(v, 0, 1, 0.05, method="hoeffding").half_width
    ha = mean_interval(v, 0, 1, 0.05, method="auto").half_width
    assert hb < hh / 2 and ha <= hh
    assert bernstein_half_width(1, 0.0, 1.0, 0.05) == math.inf
    with pytest.raises(InvalidArgument, match="range"):
        mean_interval(np.array([0.5, 2.0]), 0, 1, 0.05)
    with pytest.raises(InvalidArgument):
        mean_interval(v, 0, 1, 0.05, method="magic")
    with pytest.raises(InvalidArgument):
        proportion_interval([3], 2, 0.05)


@pytest.mark.parametrize("method", ["hoeffding", "bernstein", "auto"])
@pytest.mark.parametrize("delta", [0.2, 0.5])
def test_mean_interval_coverage(method, delta):
    rng = np.random.default_rng(1234)
    hits = 0
    for _ in range(400):
        v = rng.beta(0.3, 3.0, size=60)  # skewed, low variance: where Bernstein's constant matters
        hits += mean_interval(v, 0, 1, delta, method=method).contains(0.3 / 3.3)
    assert hits / 400 >= _min_coverage(delta, 400)


@pytest.mark.parametrize("delta", [0.1, 0.5])
def test_influence_intervals_cover_the_exact_values(delta):
    block = planted_sparse(8, 14, 3, seed=4).block
    spec = spectrum(block)
    I, infl = spec.total_influence, spec.influences
    rng = np.random.default_rng(99)
    tot = per = 0
    widths = []
    reps = 60
    for _ in range(reps):
        est = estimate_influences(block, samples=1500, delta=delta, rng=rng)
        tot += est.total.contains(I)
        per += bool(np.all(est.per_coordinate.contains(infl)))
        widths.append(est.total.half_width)
    assert np.mean(widths) < I / 4  # informative intervals, so that coverage is not vacuous
    assert tot / reps >= _min_coverage(delta, reps)
    assert per / reps >= _min_coverage(delta, reps)  # simultaneous over all n coordinates


def test_influence_estimate_q_and_flip_rates_cover_exact():
    block = random_block(7, 6, 8, fire_rate=0.3)
    exact = exact_activation_stats(block, Hypercube(7))
    est = estimate_influences(block, samples=3000, delta=0.01, rng=5, with_q=True)
    assert np.all(est.q.contains(exact.q))
    assert est.evaluations == 3000 * 8
    assert est.per_sample_range <= 7 * max(abs(v) for v in est.output_range) ** 2 + 1e-9  # <= n F^2


def test_rate_intervals_coverage():
    block = random_block(8, 10, 2, fire_rate=0.15)
    exact = exact_activation_stats(block, Hypercube(8))
    delta = 0.3
    rng = np.random.default_rng(7)
    hits_rates = hits_mean = 0
    for _ in range(REPS):
        stt = sampled_activation_stats(block, Hypercube(8), samples=300, delta=delta, rng=rng, pairwise=False)
        hits_rates += bool(np.all(stt.rate_intervals.contains(exact.rates)))
        hits_mean += stt.mean_active_interval.contains(exact.mean_active)
        assert np.max(stt.rate_intervals.half_width) < 0.1
    assert hits_rates / REPS >= _min_coverage(delta)
    assert hits_mean / REPS >= _min_coverage(delta)


def test_low_degree_intervals_coverage_and_exact_identity():
    block = junta_block(8, [1, 4, 6], lambda a: float(a[0] * a[1] + 0.5 * a[2] - 0.25 * a.prod()))
    spec = spectrum(block)
    d = 2
    subsets = subsets_up_to(8, d)
    truth = np.array([spec.coefficient(S) for S in subsets])
    w_low = spec.low_weight(d)
    delta = 0.2
    rng = np.random.default_rng(21)
    hits_c = hits_w = 0
    for _ in range(60):
        est = estimate_low_degree(block, degree=d, samples=1600, delta=delta, rng=rng)
        hits_c += bool(np.all(est.coefficients.contains(truth)))
        hits_w += est.low_weight[0] <= w_low <= est.low_weight[1]
        assert est.coefficients.half_width[0] < 0.4  # the largest coefficients are 1 and 0.5
    assert hits_c / 60 >= _min_coverage(delta, 60)
    assert hits_w / 60 >= _min_coverage(delta, 60)
    # docs/theory.md §4 identity: ||h - f||^2 = sum_{|S|<=d} (f~ - f^)^2 + W^{>d}, exactly via the WHT
    X = _points(8)
    h = np.zeros(256)
    for S, c in zip(est.subsets, est.coefficients.estimate):
        h += c * (np.prod(X[:, list(S)], axis=1) if S else 1.0)
    f = block.forward(X)[:, 0]
    lhs = float(np.mean((h - f) ** 2))
    rhs = float(np.sum((est.coefficients.estimate - truth) ** 2)) + spec.tail_weight(d)
    assert lhs == pytest.approx(rhs, rel=1e-9)
    assert Spectrum.from_values(h - f).energy == pytest.approx(lhs, rel=1e-9)
    # clipping h to [-F, F] never increases the error
    F = float(np.max(np.abs(f)))
    assert float(np.mean((np.clip(h, -F, F) - f) ** 2)) <= lhs + 1e-12


@pytest.mark.parametrize("d", [1, 2])
def test_lmn_sample_size_failure_rate(d):
    """docs/theory.md §4 check: with m = min(m_C1, m_C2), P[sum_{|S|<=d} (f~ - f^)^2 > eps_est] <= delta (+ margin)."""
    n, delta, eps_est = 8, 0.1, 0.25
    block = random_block(n, 10, 3, fire_rate=0.3)
    spec = spectrum(block)
    vals = np.abs(block.forward(_points(n))[:, 0])
    F = float(vals.max())
    sizes = lmn_sample_sizes(n, d, F, eps_est, delta)
    assert sizes.N_d == binomial_count(n, d)
    subsets = subsets_up_to(n, d)
    truth = np.array([spec.coefficient(S) for S in subsets])
    rng = np.random.default_rng(5)
    fails = 0
    reps = 50
    sel = select_output(block)
    for _ in range(reps):
        X = Hypercube(n).sample(rng, sizes.m)
        y = block.forward(X)[:, 0]
        est = low_degree_from_samples(X, y, d, F, delta)
        fails += float(np.sum((est.coefficients.estimate - truth) ** 2)) > eps_est
    assert fails / reps <= delta + 3 * math.sqrt(delta * (1 - delta) / reps)
    assert sel.index == 0


@pytest.mark.parametrize("act", ["relu", "step"])
def test_output_range_and_flip_bounds_are_valid(act):
    for seed in range(5):
        block = random_block(8, 9, seed, activation=act, fire_rate=0.3)
        sel = select_output(block)
        f = block.forward(_points(8))[:, 0]
        lo, hi = cube_output_range(block, sel)
        assert lo <= f.min() and f.max() <= hi
        L = flip_lipschitz(block, sel)
        r = np.arange(256)
        for j in range(8):
            assert np.max(np.abs(f - f[r ^ (1 << j)]) / 2) <= L[j] * (1 + 1e-9) + 1e-12


def test_low_degree_input_validation():
    X = np.ones((4, 3))
    with pytest.raises(InvalidArgument):
        low_degree_from_samples(X * 0.5, np.zeros(4), 1, 1.0)
    with pytest.raises(InvalidArgument, match="at most F"):
        low_degree_from_samples(X, np.full(4, 2.0), 1, 1.0)
    with pytest.raises(InvalidArgument):
        estimate_influences(random_block(3, 2, 0, output_dim=2), samples=10)
