"""Certified sparse inference (issue 18 item 3): on a certified region the sparse forward
pass equals the dense one, the skipped units never fire there, and outside it the dense
path is taken."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import Box, LinfBall, MLPBlock, Polytope
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.verify.sparse_inference import SparseBlock, certify_region


@pytest.fixture(scope="module")
def trained():
    """A ReLU block trained for sparse activations on scikit-learn's bundled digits."""
    from sklearn.datasets import load_digits

    from sparsecert.sparse_models.learners import SparseMLPTrainer

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Y = np.eye(10)[y]
    block, _ = SparseMLPTrainer(64, steps=200, lr=0.01, l1=0.002).fit(X[:800], Y[:800], seed=0)
    # a real, genuinely sparse model: accurate, and under 10% of its units active on test data
    assert (block.forward(X[1200:]).argmax(axis=1) == y[1200:]).mean() > 0.85
    assert 0.0 < block.active_mask(X[1200:]).mean() < 0.10
    return block, X[1200:]


@pytest.mark.parametrize("radius", [0.01, 0.05])
def test_sparse_equals_dense_on_1e5_points_per_region(trained, radius):
    block, X_test = trained
    rng = np.random.default_rng(int(radius * 1000))
    for c in X_test[:1]:
        region = LinfBall(c, radius, within=Box.uniform(64, 0.0, 1.0))
        sb = SparseBlock.certify(block, region)
        cert = sb.certificate
        assert cert.units_off, "a sparsely trained block has units proved off around its data"
        X = region.sample(rng, 100_000)
        assert sb.inside(X).all()
        # the skipped units never fire at any sampled point (float evaluation)
        Z = block.pre_activations(X)[:, list(cert.units_off)]
        assert (Z <= 0).all()
        # unit-order accumulation: identical to the dense pass in the same order
        assert np.array_equal(sb.forward(X, order="units"), sb.dense_forward(X, order="units"))
        # BLAS path: the block's function up to the summation order of the kept units
        fast, dense = sb.forward(X), block.forward(X)
        scale = np.abs(block.hidden(X)) @ np.abs(block.W2.T) + np.abs(block.b2)
        assert (np.abs(fast - dense) <= 4 * block.s * 2.0**-53 * scale + 1e-300).all()


def test_exact_outputs_agree_at_region_points(trained):
    """At a few points the exact rational outputs of the sparse and dense sums are equal."""
    block, X_test = trained
    region = LinfBall(X_test[0], 0.02, within=Box.uniform(64, 0.0, 1.0))
    sb = SparseBlock.certify(block, region)
    kept = set(sb.certificate.units_kept)
    for x in region.sample(np.random.default_rng(5), 20):
        xq = [Fraction(float(v)) for v in x]
        for i in range(block.s):
            z = sum(Fraction(float(w)) * v for w, v in zip(block.W1[i], xq)) + Fraction(float(block.b1[i]))
            if i not in kept:
                assert z <= 0  # exactly off: its term in the output is exactly zero


def test_outside_the_region_the_dense_path_is_taken():
    block = MLPBlock(np.array([[1.0, 0.0], [-1.0, -1.0]]), np.array([0.0, -3.0]), np.eye(2), np.zeros(2))
    sb = SparseBlock.certify(block, Box.uniform(2, -1, 1))
    assert sb.certificate.units_off == (1,)
    far = np.array([[-5.0, -5.0], [0.5, 0.5]])
    assert sb.inside(far).tolist() == [False, True]
    assert np.array_equal(sb.forward(far), block.forward(far))  # unit 1 fires at (-5, -5): dense there


def test_ties_are_kept_not_skipped():
    """A unit whose maximum on the region is exactly 0 is off in exact arithmetic but within
    rounding of 0: it is reported as exact_only and kept, so the float pass stays identical."""
    block = MLPBlock(np.array([[1.0, 1.0], [0.1, 0.2]]), np.array([-2.0, -0.30000000000000004]), np.eye(2), np.zeros(2))
    cert = certify_region(block, Box.uniform(2, -1, 1))
    assert 0 in cert.exact_only and 0 not in cert.units_off


def test_polytope_regions_and_bad_input():
    block = MLPBlock(np.array([[1.0, 1.0], [-1.0, 0.0]]), np.array([-3.0, -2.0]), np.eye(2), np.zeros(2))
    poly = Polytope(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]), np.ones(4))
    sb = SparseBlock.certify(block, poly)
    assert set(sb.certificate.units_off) == {0, 1}
    assert np.array_equal(sb.forward(np.zeros(2)), block.forward(np.zeros(2)))
    with pytest.raises(InvalidArgument, match="activation"):
        certify_region(block.replace(activation="gelu"), Box.uniform(2, -1, 1))
    with pytest.raises(InvalidArgument, match="output layer"):
        certify_region(MLPBlock(np.eye(2), np.zeros(2)), Box.uniform(2, -1, 1))
