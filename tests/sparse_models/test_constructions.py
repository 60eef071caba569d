"""Constructions with known sparsity, checked by full enumeration of the hypercube."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models import (
    Hypercube,
    InvalidArgument,
    ShapeError,
    junta_block,
    parity_block,
    planted_sparse,
    random_block,
    sign_patterns,
    stack,
)
from sparsecert.sparse_models.exact import exact_active


def _all_points(n: int, values=(-1, 1)) -> np.ndarray:
    return np.vstack([c for _, c in Hypercube(n, values).chunks()])


def _pattern_index(xS: np.ndarray) -> np.ndarray:
    """Row of sign_patterns(t) equal to each ±1 row of xS: bit j set iff x_j = -1."""
    return ((xS < 0).astype(np.int64) << np.arange(xS.shape[1])).sum(axis=1)


def test_sign_patterns_follow_theory_order():
    P = sign_patterns(3)
    assert P.shape == (8, 3)
    for r in range(8):
        assert P[r].tolist() == [1 - 2 * ((r >> j) & 1) for j in range(3)]
    assert np.array_equal(_pattern_index(P), np.arange(8))


@settings(max_examples=30)
@given(st.data())
def test_junta_is_exactly_one_sparse_and_computes_its_table(data):
    n = data.draw(st.integers(1, 12), label="n")
    t = data.draw(st.integers(1, min(n, 5)), label="t")
    coords = data.draw(st.permutations(range(n)), label="perm")[:t]
    table = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=2**t, max_size=2**t), label="table"),
                     dtype=float)
    activation = data.draw(st.sampled_from(["relu", "step"]), label="activation")
    block = junta_block(n, coords, table, activation=activation)
    X = _all_points(n)
    counts = block.active_count(X)
    assert counts.min() == 1 and counts.max() == 1  # exactly one active unit on all 2^n points
    out = block.forward(X)[:, 0]
    np.testing.assert_array_equal(out, table[_pattern_index(X[:, coords])])  # exact: integer data


def test_junta_on_twelve_coordinates_with_a_callable_and_padding():
    n = 12
    block = junta_block(n, [11, 0, 5], lambda a: a[0] * a[1] + 2 * a[2], width=10)
    assert block.s == 10
    X = _all_points(n)
    assert set(block.active_count(X).tolist()) == {1}
    np.testing.assert_array_equal(block.forward(X)[:, 0], X[:, 11] * X[:, 0] + 2 * X[:, 5])
    assert not block.active_mask(X)[:, 8:].any()  # padding units never fire
    # the construction's claim is exact, not only in floats
    for x in X[::97]:
        assert len(exact_active(block.W1, block.b1, x)) == 1


@pytest.mark.parametrize("n, coords", [(1, [0]), (6, [0, 2, 4]), (12, [1, 3, 5, 7, 9, 11])])
@pytest.mark.parametrize("activation", ["relu", "step"])
def test_parity_block(n, coords, activation):
    block = parity_block(n, coords, activation=activation)
    X = _all_points(n)
    assert set(block.active_count(X).tolist()) == {1}
    np.testing.assert_array_equal(block.forward(X)[:, 0], np.prod(X[:, coords], axis=1))
    assert block.s == 2 ** len(coords) and block.name.startswith("parity")


@pytest.mark.parametrize("call, error, match", [
    (lambda: junta_block(4, [0, 0], [0.0] * 4), InvalidArgument, "distinct"),
    (lambda: junta_block(4, [4], [0.0] * 2), InvalidArgument, r"coordinate=4 is out of range"),
    (lambda: junta_block(4, [0, 1], [0.0] * 3), ShapeError, "needs a table of 4 values, got 3"),
    (lambda: junta_block(4, [0], [0.0] * 2, activation="gelu"), InvalidArgument, "only with relu or step"),
    (lambda: junta_block(4, [0, 1], [0.0] * 4, width=3), InvalidArgument, r"width=3 is out of range"),
    (lambda: junta_block(4, [0], [np.nan, 1.0]), InvalidArgument, "non-finite"),
])
def test_junta_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_stack_adds_active_counts_and_outputs():
    n = 8
    parts = [parity_block(n, [0, 1]), junta_block(n, [2, 3, 4], lambda a: a.sum()), parity_block(n, [7])]
    big = stack(*parts)
    X = _all_points(n)
    assert big.s == sum(p.s for p in parts)
    assert set(big.active_count(X).tolist()) == {3}
    np.testing.assert_array_equal(big.active_count(X), sum(p.active_count(X) for p in parts))
    np.testing.assert_allclose(big.forward(X), sum(p.forward(X) for p in parts), rtol=0, atol=1e-12)


def test_stack_errors():
    with pytest.raises(InvalidArgument, match="at least one block"):
        stack()
    with pytest.raises(ShapeError, match="same input dimension"):
        stack(parity_block(3, [0]), parity_block(4, [0]))
    with pytest.raises(InvalidArgument, match="one activation"):
        stack(parity_block(3, [0]), parity_block(3, [0], activation="step"))
    with pytest.raises(InvalidArgument, match="takes MLPBlocks"):
        stack(parity_block(3, [0]), "block")


def _check_planted(n: int, s: int, k: int, seed: int, values=(-1.0, 1.0), dead_fraction=0.5) -> None:
    p = planted_sparse(n, s, k, seed, values=values, dead_fraction=dead_fraction)
    block = p.block
    assert (block.n, block.s, p.k) == (n, s, k)
    X = _all_points(n, values)
    counts = block.active_count(X)
    assert int(counts.max()) == k  # exact max-active number, by full enumeration
    cube = Hypercube(n, values)
    assert cube.contains(p.witness)
    assert block.active_count(p.witness) == k
    assert len(exact_active(block.W1, block.b1, p.witness)) == k  # not a rounding accident
    mask = block.active_mask(X)
    assert not mask[:, list(p.dead_units)].any()  # dead units never fire
    # and they are dead for a simple reason: interval arithmetic on the enclosing box
    lo, hi = cube.bounds()
    W = block.W1[list(p.dead_units)]
    zmax = block.b1[list(p.dead_units)] + np.maximum(W * hi, W * lo).sum(axis=1)
    assert np.all(zmax < 0)


@settings(max_examples=25)
@given(n=st.integers(1, 16), s=st.integers(1, 40), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_planted_max_active_is_exact(n, s, data, seed):
    k = data.draw(st.integers(0, min(s, 6)), label="k")
    _check_planted(n, s, k, seed)


@pytest.mark.parametrize("seed, s, k", [(0, 40, 5), (1, 64, 12), (2, 16, 16)])
def test_planted_at_sixteen_inputs(seed, s, k):
    _check_planted(16, s, k, seed)


@pytest.mark.parametrize("values", [(0.0, 1.0), (-2.0, 3.0)])
def test_planted_on_other_cubes(values):
    _check_planted(10, 30, 4, seed=7, values=values)


@pytest.mark.parametrize("dead_fraction", [0.0, 1.0])
def test_planted_dead_fraction_extremes(dead_fraction):
    _check_planted(9, 20, 3, seed=11, dead_fraction=dead_fraction)


def test_planted_k_zero_is_all_dead():
    p = planted_sparse(6, 8, 0, seed=1)
    assert p.dead_units == tuple(range(8))
    assert int(p.block.active_count(_all_points(6)).max()) == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=4, s=3, k=4), r"k=4 is out of range"),
    (dict(n=4, s=3, k=1, dead_fraction=1.5), r"dead_fraction must lie in \[0, 1\]"),
    (dict(n=4, s=3, k=1, values=(1.0, 0.0)), "values must be increasing"),
    (dict(n=0, s=3, k=1), r"n=0 is out of range"),
])
def test_planted_errors(kwargs, match):
    with pytest.raises(InvalidArgument, match=match):
        planted_sparse(**kwargs)


def test_planted_is_deterministic_in_the_seed():
    a, b = planted_sparse(12, 30, 3, seed=5), planted_sparse(12, 30, 3, seed=5)
    assert a.block.same_as(b.block) and np.array_equal(a.witness, b.witness)
    assert not a.block.same_as(planted_sparse(12, 30, 3, seed=6).block)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5])
def test_random_block_fire_rate_is_roughly_achieved(p):
    block = random_block(64, 200, seed=3, fire_rate=p)
    X = Hypercube(64).sample(np.random.default_rng(0), size=4000)
    rate = block.active_mask(X).mean()
    assert abs(rate - p) < 0.1 * p + 0.01
    per_unit = block.active_mask(X).mean(axis=0)
    assert np.median(np.abs(per_unit - p)) < 0.25 * p + 0.02


def test_random_block_shapes_and_errors():
    b = random_block(5, 7, seed=0, output_dim=2, activation="gelu")
    assert (b.n, b.s, b.m) == (5, 7, 2) and b.activation.name == "gelu"
    assert random_block(5, 7, seed=0).same_as(random_block(5, 7, seed=0))
    for bad in (0.0, 1.0, float("nan")):
        with pytest.raises(InvalidArgument, match="fire_rate"):
            random_block(5, 7, fire_rate=bad)
