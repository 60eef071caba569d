"""Regression: verify.prune and verify.sparsify keep their promises on generated blocks.

prune: the pruned function is proved equal to the original on the cube, drops only units
that are never active there, and does not raise the max-active number. sparsify: the
shifted block is proved k-sparse and the proved smaller shift is refuted by a witness.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparsecert.properties import SparsityAssertionError, assert_equivalent, assert_k_sparse
from sparsecert.properties.strategies import blocks, sparse_blocks
from sparsecert.sparse_models import Hypercube
from sparsecert.verify import Violated, check_sparsity, max_active, prune, sparsify

FAST = settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.one_of(blocks(max_n=4, max_s=5), sparse_blocks(max_n=5, max_s=6, k=2)))
def test_prune_keeps_the_function_and_the_sparsity(block):
    cube = Hypercube(block.n)
    res = prune(block, cube)
    assert_equivalent(block, res, cube)
    before = max_active(block, cube)
    assert before.optimal
    assert_k_sparse(res.block, before.value, cube)
    cube_pts = np.concatenate([X for _, X in cube.chunks()])
    for i in res.dropped:
        assert not np.any(block.pre_activations(cube_pts)[:, i] > 0)


@FAST
@given(blocks(max_n=4, max_s=5, degenerate=False), st.integers(0, 2))
def test_sparsify_shift_is_proved_and_minimal(block, k):
    k = min(k, block.s)
    cube = Hypercube(block.n)
    res = sparsify(block, k, cube)
    assert res.status == "verified"
    assert_k_sparse(res.block, k, cube)
    if res.smaller_shift is not None:  # uniform shift: b1 - t; the proved smaller t still violates
        smaller = block.replace(b1=block.b1 - res.smaller_shift)
        assert isinstance(check_sparsity(smaller, k, cube), Violated)
        try:
            assert_k_sparse(smaller, k, cube)
        except SparsityAssertionError as exc:
            assert "witness input x" in str(exc)
        else:
            raise AssertionError("the smaller shift was proved k-sparse, so sparsify's shift is not the smallest")


@pytest.mark.slow
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(blocks(max_n=6, max_s=8), sparse_blocks(max_n=8, max_s=16, k=3, planted=True)))
def test_prune_many_blocks(block):
    cube = Hypercube(block.n)
    res = prune(block, cube)
    assert_equivalent(block, res, cube)
    assert_k_sparse(res.block, max_active(block, cube).value, cube)
