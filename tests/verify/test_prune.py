"""prune(): proved equivalent, and equal pointwise (exactly) on exhaustive small cubes."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, PointSet, UnsupportedActivation, planted_sparse
from sparsecert.verify import prune

from .exact_oracle import cube_points, exact_output

ACTS = ["relu", "step", "leaky_relu:0.125", "identity"]


def _mixed_block(rng, n, act, with_w2=True):
    """Units of three kinds on {-1,1}^n: dead (b < -||w||_1), always on (b > ||w||_1), undecided."""
    rows, biases = [], []
    for kind in rng.permutation([0, 0, 0, 1, 1, 2, 2, 2]):
        w = rng.normal(size=n)
        l1 = float(np.abs(w).sum())
        biases.append(-l1 - rng.uniform(0, 1) if kind == 0 else (l1 + rng.uniform(0, 1) if kind == 1 else rng.normal() * 0.3))
        rows.append(w)
    W1, b1 = np.array(rows), np.array(biases)
    if not with_w2:
        return MLPBlock(W1, b1, activation=act)
    return MLPBlock(W1, b1, rng.normal(size=(2, len(b1))), rng.normal(size=2), act)


def _assert_pointwise_equal(res, X):
    for x in X:
        assert exact_output(res.original, x) == exact_output(res.block, x, res.linear)
        assert exact_output(res.original, x) == exact_output(res.file_block, x)
    np.testing.assert_allclose(res.forward(X), res.original.forward(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("with_w2", [True, False])
def test_prune_is_proved_and_exactly_equal_on_the_cube(act, with_w2):
    rng = np.random.default_rng(ACTS.index(act) + 10 * with_w2)
    for n in (3, 6):
        block = _mixed_block(rng, n, act, with_w2)
        res = prune(block, Hypercube(n))
        assert res.proof.status == "verified" and res.file_proof.status == "verified"
        assert set(res.kept) | set(res.dropped) | set(res.folded) == set(range(block.s))
        if act in ("relu", "step"):
            assert len(res.dropped) >= 3  # the planted dead units
        assert len(res.kept) <= 3 if act != "identity" else not res.kept
        _assert_pointwise_equal(res, cube_points(n))


def test_relu_folding_needs_a_skip_term_and_the_file_block_holds_it():
    block = MLPBlock([[1.0, 1.0], [1.0, -1.0], [0.5, 0.0], [-1.0, -1.0]], [-3.0, 2.5, 0.0, 0.0],
                     [[1.0, 2.0, 3.0, 4.0]], [0.5])
    res = prune(block, Hypercube(2))
    assert res.dropped == (0,) and res.folded == (1,) and res.kept == (2, 3)
    assert res.linear is not None and [str(v) for v in res.linear.A[0]] == ["2", "-2"] and str(res.linear.c[0]) == "5"
    # the file block is the pruned block itself: 2 units plus the folded unit as a rank-1 skip term
    assert res.file_block.s == 2 and res.file_is_exact_prune and res.file_block.skip.rank == 1
    assert np.array_equal(res.file_block.skip.W1, [[1.0, -1.0]]) and np.array_equal(res.file_block.skip.W2, [[2.0]])
    assert res.file_proof is res.proof and res.file_proof.status == "verified"
    _assert_pointwise_equal(res, cube_points(2))


def test_step_folding_goes_into_the_output_bias():
    block = MLPBlock([[1.0, 1.0], [1.0, -1.0], [0.0, 1.0]], [-3.0, 2.5, 0.0], [[1.0, 2.0, 3.0]], [0.5], "step")
    res = prune(block, Hypercube(2))
    assert res.linear is None and res.block.s == 1 and res.block.b2[0] == 2.5
    _assert_pointwise_equal(res, cube_points(2))


def test_planted_block_on_cube_and_real_domains():
    planted = planted_sparse(8, 24, 3, seed=2)
    res = prune(planted.block, Hypercube(8))
    assert set(planted.dead_units) <= set(res.dropped)
    assert res.proof.status == "verified"
    _assert_pointwise_equal(res, cube_points(8))
    for dom in (Box.uniform(8, -0.5, 0.5), LinfBall(planted.witness, 0.25), PointSet(cube_points(8)[:50])):
        r = prune(planted.block, dom)
        assert r.proof.status == "verified" and r.file_proof.status == "verified"
        X = dom.X if isinstance(dom, PointSet) else dom.sample(0, 200)
        np.testing.assert_allclose(r.forward(X), planted.block.forward(X), rtol=1e-12, atol=1e-12)


def test_everything_removed_keeps_one_zero_unit():
    block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [-5.0, -5.0], [[1.0, 2.0]], [0.25])
    res = prune(block, Hypercube(2))
    assert res.block.s == 1 and res.kept == () and res.dropped == (0, 1)
    assert any("zero unit" in note for note in res.notes)
    _assert_pointwise_equal(res, cube_points(2))


@pytest.mark.parametrize("act", ["gelu", "silu"])
def test_non_piecewise_linear_refused(act):
    with pytest.raises(UnsupportedActivation, match="does not output 0"):
        prune(MLPBlock([[1.0]], [-5.0], [[1.0]], [0.0], act), Hypercube(1))
