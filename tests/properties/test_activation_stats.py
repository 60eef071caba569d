"""Activation statistics: exact enumeration against direct definitions, exact near-tie decisions, sampling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.activation_statistics import activation_stats, exact_activation_stats, sampled_activation_stats
from sparsecert.properties.cube_table import edge_sums, tabulate_cube
from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, PointSet, Polytope, planted_sparse, random_block
from sparsecert.sparse_models.errors import DomainError
from sparsecert.verify.exact_eval import exact_active_mask


def _exact_masks(block, cube):
    X = np.vstack([X for _, X in cube.chunks()])
    return X, exact_active_mask(block, X)[0]


@settings(max_examples=25)
@given(n=st.integers(1, 9), s=st.integers(1, 10), seed=st.integers(0, 10**6),
       fire=st.sampled_from([None, 0.05, 0.3]), values=st.sampled_from([(-1, 1), (0, 1)]))
def test_exact_stats_match_direct_definitions(n, s, seed, fire, values):
    block = random_block(n, s, seed, fire_rate=fire)
    cube = Hypercube(n, values)
    stats = exact_activation_stats(block, cube)
    X, M = _exact_masks(block, cube)
    N = 1 << n
    assert stats.exact and stats.max_is_exact and stats.points == N
    assert np.array_equal(stats.rates, M.mean(axis=0))
    assert np.allclose(stats.coactivation, (M.T.astype(float) @ M) / N)
    counts = M.sum(axis=1)
    assert np.array_equal(stats.count_histogram, np.bincount(counts, minlength=s + 1))
    assert stats.max_active == counts.max()
    assert stats.mean_active == pytest.approx(stats.rates.sum(), rel=1e-12)
    # the witness attains the max
    assert exact_active_mask(block, stats.max_witness)[0].sum() == stats.max_active
    # q_ij by its definition: i active at x or at x with coordinate j flipped
    r = np.arange(N)
    for j in range(n):
        q_j = (M | M[r ^ (1 << j)]).mean(axis=0)
        assert np.array_equal(stats.q[:, j], q_j)
    assert np.all(stats.q <= np.minimum(1.0, 2 * stats.rates)[:, None] + 1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_planted_max_is_recovered_exactly(seed):
    pb = planted_sparse(12, 30, 4, seed=seed)
    stats = activation_stats(pb.block, Hypercube(12))
    assert stats.max_active == pb.k and stats.max_is_exact
    for u in pb.dead_units:
        assert stats.rates[u] == 0.0
    assert set(pb.dead_units) <= set(stats.dead_units)


def test_near_ties_are_decided_exactly():
    """float64 evaluates 1e16 + 1 - 1e16 to 0 (inactive); exactly it is 1 (active)."""
    W1 = np.array([[1e16, 1.0, -1e16], [0.0, 0.0, 1.0]])
    block = MLPBlock(W1, np.zeros(2), np.ones((1, 2)), np.zeros(1))
    cube = Hypercube(3)
    stats = exact_activation_stats(block, cube)
    X = np.vstack([X for _, X in cube.chunks()])
    exact = np.array([[sum(int(w) * int(x) for w, x in zip(row, pt)) > 0 for row in W1.astype(object)]
                      for pt in X])
    assert np.array_equal(stats.rates, exact.mean(axis=0))
    assert stats.redecided > 0
    # the all-ones point has unit 0 exactly active although float says z = 0
    assert float((X[0] @ W1.T)[0]) <= 0.0 and exact[0, 0]


def test_pointset_is_exact_over_the_data():
    rng = np.random.default_rng(0)
    block = random_block(5, 7, 2, fire_rate=0.3)
    X = rng.normal(size=(300, 5))
    stats = activation_stats(block, PointSet(X))
    M = exact_active_mask(block, X)[0]
    assert stats.exact and stats.max_is_exact and stats.points == 300
    assert np.array_equal(stats.rates, M.mean(axis=0))
    assert stats.max_active == M.sum(axis=1).max()
    assert stats.q is None


def test_sampled_stats_cover_exact_values_and_mark_the_max_as_lower_bound():
    block = random_block(10, 12, 5, fire_rate=0.2)
    exact = exact_activation_stats(block, Hypercube(10))
    sampled = sampled_activation_stats(block, Hypercube(10), samples=4000, delta=0.01, rng=1)
    assert not sampled.exact and not sampled.max_is_exact
    assert "lower bound" in sampled.max_kind
    assert sampled.max_active <= exact.max_active
    assert np.all(sampled.rate_intervals.contains(exact.rates))
    assert sampled.mean_active_interval.contains(exact.mean_active)
    iu, ju = np.triu_indices(12, 1)
    assert np.all(sampled.coactivation_intervals.contains(exact.coactivation[iu, ju]))
    assert sampled.count_histogram.sum() == 4000


def test_dispatch_and_continuous_domains():
    block = random_block(6, 5, 1, fire_rate=0.3)
    assert not activation_stats(block, Hypercube(6), exact_max_n=5, samples=500).exact
    for dom in (Box.uniform(6, -1, 1), LinfBall(np.zeros(6), 0.5), [LinfBall(np.zeros(6), 0.1),
                                                                     LinfBall(np.ones(6), 0.1)]):
        st_ = sampled_activation_stats(block, dom, samples=500, rng=0)
        assert st_.points == 500 and 0 <= st_.mean_active <= 5
    poly = Polytope.from_box(Box.uniform(6, -1, 1))
    with pytest.raises(DomainError, match="Markov chain"):
        sampled_activation_stats(block, poly, samples=10)
    with pytest.raises(DomainError):
        exact_activation_stats(block, Box.uniform(6, -1, 1))
    with pytest.raises(DomainError):
        exact_activation_stats(block, Hypercube(7))


def test_edge_sums_without_values_and_chunk_boundaries(monkeypatch):
    """Force tiny chunks so that flips cross chunk boundaries; q and flips must not change."""
    import sparsecert.properties.cube_table as ct

    block = random_block(9, 6, 3, fire_rate=0.25)
    ref_table = tabulate_cube(block)
    ref = edge_sums(ref_table, block)
    monkeypatch.setattr(ct, "chunk_points", lambda n, s: 8)
    small = tabulate_cube(block)
    assert small.chunk == 8
    es = edge_sums(small, block)
    assert np.array_equal(es.q_counts, ref.q_counts)
    assert np.array_equal(es.flip_counts, ref.flip_counts)
    assert np.array_equal(small.unit_counts, ref_table.unit_counts)
    assert np.array_equal(small.coactivation_counts, ref_table.coactivation_counts)
