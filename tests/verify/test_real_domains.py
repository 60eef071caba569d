"""Box, ball, polytope and point-set answers against an independent exact method.

The oracle enumerates unit subsets and decides each strict linear system by
Fourier-Motzkin elimination in Fractions (no solver, no code shared with verify/)."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest

from sparsecert.sparse_models import Box, LinfBall, MLPBlock, PointSet, Polytope
from sparsecert.verify import Verified, Violated, check_sparsity, max_active

from .oracle import exact_count_at


def _fm_feasible(rows: list[tuple[list[Fraction], Fraction, bool]], n: int) -> bool:
    """Is {x : a.x < c (strict) or a.x <= c} nonempty? Exact Fourier-Motzkin."""
    for j in range(n):
        pos, neg, rest = [], [], []
        for a, c, strict in rows:
            (pos if a[j] > 0 else neg if a[j] < 0 else rest).append((a, c, strict))
        new = list(rest)
        for ap, cp, sp in pos:
            for an, cn, sn in neg:
                lp, ln = -an[j], ap[j]  # positive multipliers cancelling x_j
                a = [lp * u + ln * v for u, v in zip(ap, an)]
                new.append((a, lp * cp + ln * cn, sp or sn))
        rows = new
    return all((c > 0) if strict else (c >= 0) for _, c, strict in rows)


def oracle_box_max(W, b, lower, upper, tau) -> int:
    s, n = W.shape
    box = []
    for j in range(n):
        e = [Fraction(0)] * n
        e[j] = Fraction(1)
        box.append((list(e), Fraction(float(upper[j])), False))
        box.append(([-v for v in e], -Fraction(float(lower[j])), False))
    t = Fraction(float(tau))
    for size in range(s, 0, -1):
        for S in combinations(range(s), size):
            rows = list(box)
            for i in S:  # w.x + b > tau  <=>  -w.x < b - tau
                rows.append(([-Fraction(float(v)) for v in W[i]], Fraction(float(b[i])) - t, True))
            if _fm_feasible(rows, n):
                return size
    return 0


def _case(rng, n, s):
    kind = rng.integers(0, 3)
    if kind == 0:
        W, b = rng.normal(size=(s, n)), rng.normal(size=s)
    elif kind == 1:
        W, b = rng.integers(-2, 3, size=(s, n)).astype(float), rng.integers(-2, 3, size=s).astype(float)
    else:
        W = rng.normal(size=(s, n))
        W[1:] = W[0] * rng.choice([1.0, -1.0, 2.0], size=(s - 1, 1)) if s > 1 else W
        b = rng.integers(-1, 2, size=s).astype(float)
    return MLPBlock(W, b)


def test_box_matches_fourier_motzkin_oracle():
    rng = np.random.default_rng(5)
    for idx in range(120):
        n, s = int(rng.integers(1, 3)), int(rng.integers(1, 6))
        block = _case(rng, n, s)
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(0, 3, size=n)
        tau = float(rng.choice([0.0, 0.5]))
        expected = oracle_box_max(block.W1, block.b1, lo, hi, tau)
        res = max_active(block, Box(lo, hi), tau=tau)
        assert res.optimal and res.value == expected, (idx, res.value, expected)
        x = res.witness.exact_x or res.witness.x
        assert exact_count_at(block.W1, block.b1, x, tau) == expected
        for k in {max(0, expected - 1), expected}:
            r = check_sparsity(block, k, Box(lo, hi), tau=tau)
            assert isinstance(r, Verified) == (k >= expected), (idx, k, expected, r)


def test_box_three_dims_with_z3_only_path():
    rng = np.random.default_rng(9)
    for idx in range(25):
        block = _case(rng, 3, int(rng.integers(2, 5)))
        expected = oracle_box_max(block.W1, block.b1, -np.ones(3), np.ones(3), 0.0)
        res = max_active(block, Box.uniform(3, -1, 1), presolve=bool(idx % 2))
        assert res.value == expected, (idx, res.value, expected)


def test_linf_ball_and_clipped_ball():
    rng = np.random.default_rng(3)
    for _ in range(40):
        block = _case(rng, 2, 4)
        c = rng.uniform(-1, 1, size=2)
        r = float(rng.choice([0.0, 0.1, 0.5]))
        within = Box.uniform(2, -1, 1)
        ball = LinfBall(c, r, within)
        lo, hi = ball.exact_bounds()
        expected = oracle_box_max(block.W1, block.b1, [float(v) for v in lo], [float(v) for v in hi], 0.0)
        if any(Fraction(float(v)) != v for v in lo + hi):
            continue  # the oracle takes float bounds; skip the rare inexact centre +- radius
        res = max_active(block, ball)
        assert res.value == expected
        assert ball.contains(res.witness.x)


def test_polytope_triangle():
    # x >= 0, y >= 0, x + y <= 1; units x > 0.6 and y > 0.6 cannot both fire
    block = MLPBlock([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [-0.6, -0.6, -0.5])
    tri = Polytope([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]], [0.0, 0.0, 1.0])
    res = max_active(block, tri)
    assert res.optimal and res.value == 2
    assert tri.contains(res.witness.x)
    assert isinstance(check_sparsity(block, 2, tri), Verified)
    assert isinstance(check_sparsity(block, 1, tri), Violated)


def test_point_set_exact_ties():
    # z = x1 - x2 is exactly 0 at the first point: inactive (strict)
    block = MLPBlock([[1.0, -1.0], [0.1, 0.2]], [0.0, -0.30000000000000004])
    pts = PointSet([[0.5, 0.5], [1.0, 0.0], [1.0, 1.0]])
    res = max_active(block, pts)
    assert res.optimal and res.value == exact_max_points(block, pts.X)


def exact_max_points(block, X) -> int:
    return max(exact_count_at(block.W1, block.b1, x, 0.0) for x in X)


@pytest.mark.parametrize("bad", [-1, 5, 1.5, True])
def test_k_out_of_range(bad):
    block = MLPBlock(np.eye(4), np.zeros(4))
    from sparsecert.sparse_models import Hypercube, InvalidArgument

    with pytest.raises(InvalidArgument, match="k"):
        check_sparsity(block, bad, Hypercube(4))


def test_domain_of_wrong_dimension():
    from sparsecert.sparse_models import Hypercube, ShapeError

    with pytest.raises(ShapeError, match="dimension 3 but the block takes n=4"):
        max_active(MLPBlock(np.eye(4), np.zeros(4)), Hypercube(3))
