"""sparsify(): the returned shift is verified k-sparse, the next smaller one is not (checked by brute force)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import Box, Hypercube, InvalidArgument, LinfBall, MLPBlock, Polytope, random_block
from sparsecert.verify import check_sparsity, sparsify
from sparsecert.verify.results import Verified, Violated

from .exact_oracle import cube_points, exact_max_active


@pytest.mark.parametrize("per_unit", [False, True])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_both_ends_on_a_cube_against_brute_force(k, per_unit):
    block = random_block(7, 10, seed=k + 5 * per_unit)
    X = cube_points(7)
    res = sparsify(block, k, Hypercube(7), per_unit=per_unit)
    assert res.status == "verified" and isinstance(res.proof, Verified)
    assert exact_max_active(res.block, X) <= k
    if res.shift == 0:
        assert exact_max_active(block, X) <= k
        return
    assert isinstance(res.smaller_proof, Violated) and res.smaller_shift < res.shift
    assert res.shift - res.smaller_shift <= 1e-6 * res.shift or np.nextafter(res.smaller_shift, np.inf) == res.shift
    if not per_unit:
        assert np.all(res.direction == 1)
    smaller = block.replace(b1=block.b1 - res.smaller_shift * res.direction)
    assert exact_max_active(smaller, X) > k
    w = res.smaller_proof.witness
    assert w.count > k and Hypercube(7).contains(w.x)
    np.testing.assert_array_equal(res.block.b1, block.b1 - res.shift * res.direction)


def test_already_sparse_needs_no_shift():
    block = MLPBlock([[1.0, 1.0], [-1.0, -1.0]], [-1.0, -1.0], [[1.0, 1.0]], [0.0])
    res = sparsify(block, 1, Hypercube(2))
    assert res.shift == 0 and res.smaller_shift is None and res.change.max_abs == 0


def test_real_domain_and_function_change_report():
    block = random_block(5, 12, seed=3, output_dim=2)
    dom = LinfBall(np.zeros(5), 0.8)
    res = sparsify(block, 2, dom, rtol=1e-4)
    assert res.status == "verified"
    assert isinstance(check_sparsity(res.block, 2, dom), Verified)
    assert isinstance(check_sparsity(block.replace(b1=block.b1 - res.smaller_shift), 2, dom), Violated)
    assert res.change.points == 4096 and res.change.mean_active_after <= res.change.mean_active_before
    assert res.change.max_abs > 0


def test_unbounded_domain_is_refused():
    block = MLPBlock([[1.0, 0.0]], [0.0], [[1.0]], [0.0])
    with pytest.raises(InvalidArgument, match="unbounded"):
        sparsify(block, 0, Polytope([[0.0, 1.0]], [1.0]))
    with pytest.raises(InvalidArgument):
        sparsify(block, 2, Box.uniform(2, -1, 1))


def test_polytope_domain_both_ends():
    block = random_block(4, 8, seed=9)
    dom = Polytope.from_box(Box.uniform(4, -1, 1))
    res = sparsify(block, 1, dom, rtol=1e-4)
    assert res.status == "verified"
    assert isinstance(check_sparsity(res.block, 1, dom), Verified)
    smaller = block.replace(b1=block.b1 - res.smaller_shift * res.direction)
    assert isinstance(check_sparsity(smaller, 1, dom), Violated)
    assert dom.contains(res.smaller_proof.witness.x)
