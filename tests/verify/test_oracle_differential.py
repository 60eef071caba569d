"""Differential test: max_active / check_sparsity against the brute-force oracle on 2,000+
generated cube instances, with the degenerate cases that break naive float code."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.verify import Verified, Violated, check_sparsity, max_active

from .oracle import brute_max_active, exact_count_at

KINDS = ("gauss", "int_ties", "duplicates", "zero_rows", "tiny", "huge", "mixed_scale", "tau", "cube01")


def make_instance(rng: np.random.Generator, kind: str, n: int, s: int):
    tau = 0.0
    values = (-1, 1)
    if kind == "int_ties":
        W = rng.integers(-2, 3, size=(s, n)).astype(float)
        b = rng.integers(-3, 4, size=s).astype(float)
    elif kind == "duplicates":
        W = rng.normal(size=(s, n))
        b = rng.normal(size=s)
        k = rng.integers(1, s + 1)
        W[k - 1:] = W[0]
        b[k - 1:] = b[0]
    elif kind == "zero_rows":
        W = rng.normal(size=(s, n))
        W[rng.random(s) < 0.4] = 0.0
        b = rng.choice([-1.0, 0.0, 1.0], size=s)
    elif kind == "tiny":
        W = rng.integers(-3, 4, size=(s, n)) * 1e-12
        b = rng.integers(-3, 4, size=s) * 1e-12
    elif kind == "huge":
        W = rng.integers(-3, 4, size=(s, n)) * 1e12
        b = rng.integers(-3, 4, size=s) * 1e12
    elif kind == "mixed_scale":
        W = rng.normal(size=(s, n)) * 10.0 ** rng.integers(-300, 300, size=(s, 1)).astype(float)
        b = -np.abs(W).sum(axis=1) * rng.uniform(-1, 1, size=s)
    elif kind == "tau":
        W = rng.integers(-2, 3, size=(s, n)).astype(float)
        b = rng.integers(-2, 3, size=s).astype(float)
        tau = float(rng.choice([-1.0, 0.5, 1.0, 2.0]))
    elif kind == "cube01":
        W = rng.integers(-2, 3, size=(s, n)).astype(float)
        b = rng.integers(-2, 3, size=s).astype(float)
        values = (0, 1)
    else:
        W = rng.normal(size=(s, n))
        b = rng.normal(size=s) - 0.5
    # an exact tie z = tau at some cube point: bias chosen from a point's exact partial sum
    if kind in ("gauss", "int_ties") and rng.random() < 0.5:
        x = rng.choice(values, size=n).astype(float)
        i = int(rng.integers(0, s))
        if np.all(np.abs(W[i]) < 4):
            W[i] = np.round(W[i] * 4) / 4
            b[i] = tau - float(W[i] @ x)  # exact: quarter-integers of small size
    return MLPBlock(W, b), values, tau


def _instances(count: int, seed: int, n_max: int, s_max: int):
    rng = np.random.default_rng(seed)
    for idx in range(count):
        kind = KINDS[idx % len(KINDS)]
        n = int(rng.integers(1, n_max + 1))
        s = int(rng.integers(1, s_max + 1))
        yield idx, kind, make_instance(rng, kind, n, s)


@pytest.mark.parametrize("part", range(4))
def test_max_active_matches_oracle_on_2000_instances(part):
    """500 instances per part (2,000 in all), n <= 10 mostly and up to 14."""
    for idx, kind, (block, values, tau) in _instances(500, 1000 + part, 10 if part < 3 else 14, 10):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau)
        assert res.optimal, (idx, kind)
        assert res.value == expected, (idx, kind, res.value, expected)
        assert exact_count_at(block.W1, block.b1, res.witness.x, tau) == expected, (idx, kind)


def test_z3_path_matches_oracle():
    for idx, kind, (block, values, tau) in _instances(270, 7, 7, 7):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="z3", presolve=idx % 2 == 0)
        assert res.optimal and res.value == expected, (idx, kind, res.value, expected)


def test_check_sparsity_never_wrongly_verified():
    for idx, kind, (block, values, tau) in _instances(270, 11, 9, 8):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        for k in sorted({0, max(0, expected - 1), expected, min(block.s, expected + 1)}):
            method = "z3" if idx % 3 == 0 else "auto"
            res = check_sparsity(block, k, Hypercube(block.n, values), tau=tau, method=method)
            if k >= expected:
                assert isinstance(res, Verified), (idx, kind, k, expected, res)
            else:
                assert isinstance(res, Violated), (idx, kind, k, expected, res)
                assert exact_count_at(block.W1, block.b1, res.witness.x, tau) > k


def test_branch_and_bound_path_matches_oracle():
    pytest.importorskip("numba")
    for idx, kind, (block, values, tau) in _instances(600, 23, 11, 9):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="bnb", presolve=idx % 3 != 0)
        assert res.optimal and res.value == expected, (idx, kind, res.value, expected)
        assert exact_count_at(block.W1, block.b1, res.witness.x, tau) == expected
        if idx % 4 == 0 and expected >= 1:
            k = expected - 1
            assert isinstance(check_sparsity(block, k, Hypercube(block.n, values), tau=tau, method="bnb"), Violated)
            assert isinstance(check_sparsity(block, expected, Hypercube(block.n, values), tau=tau, method="bnb"), Verified)


def test_integer_enumeration_path_matches_oracle():
    """method="enumerate" skips the float scan of small cubes and runs the integer-form enumerator."""
    for idx, kind, (block, values, tau) in _instances(450, 29, 12, 9):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="enumerate", presolve=idx % 2 == 0)
        assert res.optimal and res.value == expected, (idx, kind, res.value, expected)
        assert exact_count_at(block.W1, block.b1, res.witness.x, tau) == expected
