"""Hypothesis properties of max_active / check_sparsity, the large planted and junta
instances, and UNKNOWN with valid bounds on a deliberately hard instance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models import Hypercube, MLPBlock, junta_block, parity_block, planted_sparse, random_block, stack
from sparsecert.verify import MaxActive, Unknown, Verified, Violated, check_sparsity, max_active

from .oracle import exact_count_at


@st.composite
def small_blocks(draw):
    n = draw(st.integers(1, 8))
    s = draw(st.integers(1, 8))
    ints = draw(st.booleans())
    elems = st.integers(-3, 3).map(float) if ints else st.floats(-4, 4, allow_nan=False, width=32)
    W = np.array(draw(st.lists(elems, min_size=n * s, max_size=n * s))).reshape(s, n)
    b = np.array(draw(st.lists(elems, min_size=s, max_size=s)))
    scale = draw(st.sampled_from([1.0, 1e-12, 1e12]))
    return MLPBlock(W * scale, b * scale)


@settings(max_examples=60)
@given(small_blocks(), st.sampled_from([(-1, 1), (0, 1)]), st.integers(0, 2**31))
def test_max_active_dominates_every_sampled_point(block, values, seed):
    cube = Hypercube(block.n, values)
    res = max_active(block, cube)
    assert res.optimal
    X = cube.sample(seed, 64)
    counts = [exact_count_at(block.W1, block.b1, x, 0.0) for x in X]
    assert res.value >= max(counts)
    assert exact_count_at(block.W1, block.b1, res.witness.x, 0.0) == res.value


@settings(max_examples=40)
@given(small_blocks(), st.data())
def test_check_sparsity_verified_iff_k_at_least_max(block, data):
    cube = Hypercube(block.n)
    m = max_active(block, cube).value
    k = data.draw(st.integers(0, block.s))
    res = check_sparsity(block, k, cube, method=data.draw(st.sampled_from(["auto", "z3"])))
    assert isinstance(res, Verified) == (k >= m)
    assert isinstance(res, (Verified, Violated))


@settings(max_examples=40)
@given(small_blocks(), st.sampled_from(["auto", "z3"]))
def test_presolve_never_changes_the_answer(block, method):
    cube = Hypercube(block.n)
    with_p = max_active(block, cube, method=method)
    without = max_active(block, cube, method=method, presolve=False)
    assert with_p.value == without.value


@pytest.mark.parametrize("n,s,k", [(32, 256, 3), (64, 1024, 8), (128, 1024, 6), (128, 512, 12)])
def test_planted_large_proved_exactly(n, s, k):
    planted = planted_sparse(n, s, k, seed=n + s + k)
    res = check_sparsity(planted.block, k, Hypercube(n))
    assert isinstance(res, Verified)
    m = max_active(planted.block, Hypercube(n))
    assert m.optimal and m.value == k
    assert isinstance(check_sparsity(planted.block, k - 1, Hypercube(n)), Violated)


@pytest.mark.parametrize("n", [32, 64, 128])
def test_juntas_and_parities_are_one_sparse(n):
    block = stack(junta_block(n, [0, 5, 9], lambda a: a.sum()), parity_block(n, [1, 2, 3, 4]))
    res = max_active(block, Hypercube(n))
    assert res.optimal and res.value == 2  # one unit per junta, at every point
    assert isinstance(check_sparsity(parity_block(n, [n - 1, 0, 7]), 1, Hypercube(n)), Verified)


def test_hard_instance_times_out_with_valid_bounds():
    block = random_block(40, 48, seed=1, fire_rate=0.3)
    cube = Hypercube(40)
    res = max_active(block, cube, timeout=1.0, method="z3")
    assert isinstance(res, MaxActive) and not res.optimal
    assert res.value <= res.upper_bound <= block.s
    assert exact_count_at(block.W1, block.b1, res.witness.x, 0.0) == res.value
    chk = check_sparsity(block, res.value, cube, timeout=1.0, method="z3")
    assert isinstance(chk, Unknown) and chk.lower <= res.value + 0 <= chk.upper or isinstance(chk, Violated)


def test_unknown_lower_bound_never_exceeds_true_max():
    block = random_block(18, 40, seed=4, fire_rate=0.3)
    exact = max_active(block, Hypercube(18)).value  # enumeration
    res = max_active(block, Hypercube(18), timeout=0.5, method="z3")
    assert res.value <= exact <= res.upper_bound


@pytest.mark.parametrize("seed", range(3))
def test_branch_and_bound_agrees_with_enumeration_on_trained_like_blocks(seed):
    pytest.importorskip("numba")
    block = random_block(18, 24, seed=seed, fire_rate=0.1)
    a = max_active(block, Hypercube(18), method="bnb")
    b = max_active(block, Hypercube(18), method="enumerate")
    assert a.optimal and b.optimal and a.value == b.value
    assert exact_count_at(block.W1, block.b1, a.witness.x, 0.0) == a.value
