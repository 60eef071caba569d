"""The reach bound (verify/solvers/lp/reach.py): never below the exact maximum on boxes
(Z3's exact answer as the oracle, ties and extreme scales included), decisive where rows
need more of the box's reach than they can share, and silent (no bound) on non-finite data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sparsecert.sparse_models import Box, LinfBall, MLPBlock, random_block
from sparsecert.verify.api import max_active
from sparsecert.verify.integer_form import real_rows
from sparsecert.verify.presolve import unit_ranges
from sparsecert.verify.solvers.lp.reach import reach_bound
from sparsecert.verify.solvers.lp.relaxation import float_rows


def _rel(W, b, lo, hi, tau=0.0):
    rows = real_rows(np.asarray(W, float), np.asarray(b, float), range(len(b)), tau)
    return float_rows(rows, np.arange(len(lo)), np.asarray(lo, float), np.asarray(hi, float), False)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 5), s=st.integers(1, 7), seed=st.integers(0, 10**6),
       rate=st.sampled_from([0.05, 0.2, 0.5]), scale=st.sampled_from([1e-300, 1e-8, 1.0, 1e8, 1e300]),
       tie=st.booleans(), tau=st.sampled_from([0.0, 0.25, -0.25]))
def test_never_below_the_exact_maximum(n, s, seed, rate, scale, tie, tau):
    block = random_block(n, s, seed=seed, fire_rate=rate)
    W, b = block.W1 * scale, block.b1 * scale
    rng = np.random.default_rng(seed)
    lo = -rng.uniform(0.1, 1.0, n)
    hi = rng.uniform(0.1, 1.0, n)
    if tie:  # a unit whose best value over the box is exactly its threshold: never active
        W[0] = np.where(W[0] == 0, 1.0, W[0])
        b[0] = -(np.where(W[0] > 0, W[0] * hi, W[0] * lo)).sum()
        b[0] = b[0] if np.isfinite(b[0]) else 0.0
    tau = tau * scale if np.isfinite(tau * scale) else 0.0  # a threshold on the weights' scale
    res = max_active(MLPBlock(W, b), Box(lo, hi), method="smt", timeout=60, tau=tau)
    assert res.optimal
    assert reach_bound(_rel(W, b, lo, hi, tau)) >= res.lower


def test_decides_where_units_cannot_share_the_reach():
    """Four units each needing both coordinates near one corner of the square: at most one."""
    W = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    b = np.full(4, -1.5)
    assert reach_bound(_rel(W, b, [-1, -1], [1, 1])) == 1
    assert max_active(MLPBlock(W, b), Box([-1, -1], [1, 1])).lower == 1


def test_orthogonal_units_that_all_fit_get_no_bound():
    W, b = np.eye(4), np.full(4, -0.5)
    assert reach_bound(_rel(W, b, -np.ones(4), np.ones(4))) == 4


def test_single_point_box():
    W, b = np.array([[1.0], [-1.0], [2.0]]), np.array([0.0, 0.0, -1.0])
    # at x = 0.25 only unit 0 is active (z = 0.25, -0.25, -0.5)
    assert reach_bound(_rel(W, b, [0.25], [0.25])) >= 1


@pytest.mark.parametrize("lo,hi", [([-1e308, -1e308], [1e308, 1e308]), ([-np.inf, 0.0], [0.0, 1.0])])
def test_huge_or_unbounded_boxes_give_a_sound_answer(lo, hi):
    W, b = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([-1.0, -1.0])
    rows = real_rows(W, b, range(2), 0.0)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    if not np.isfinite(lo).all():
        from sparsecert.verify.solvers.lp.relaxation import FloatRows
        rel = FloatRows(np.ones((2, 2)), np.zeros(2), np.zeros(2), lo, hi)
    else:
        rel = float_rows(rows, np.arange(2), lo, hi, False)
    assert reach_bound(rel) == 2  # both fire at (1e308/2, 0): the bound must not claim fewer


def test_the_784_ball_of_issue_18():
    """The random 784 x 512 block on its ball: 88 undecided units, at most 25 together (the LP
    search proved 46 in ten seconds), and a point with 14 is known (so 25 is not below it)."""
    block = random_block(784, 512, seed=0, fire_rate=0.05)
    ball = LinfBall(np.random.default_rng(0).uniform(0, 1, 784), 0.05)
    U = np.flatnonzero(unit_ranges(block, ball).undecided)
    rows = real_rows(block.W1, block.b1, U, 0.0)
    lo, hi = ball.outer_bounds()
    bound = reach_bound(float_rows(rows, np.arange(784), np.asarray(lo, float), np.asarray(hi, float), False))
    assert U.size == 88 and 14 <= bound <= 25
