"""The greedy active-set search (verify/solvers/lp/greedy.py): its points lie in the box, it
finds every unit of a planted set that fits together, and on the wide ball of issue 18 it
finds far more than sampling (counted exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import LinfBall, random_block
from sparsecert.verify.backends.highs import HAVE_HIGHS
from sparsecert.verify.integer_form import count_active_at_float, real_rows
from sparsecert.verify.presolve import unit_ranges
from sparsecert.verify.solvers.lp.greedy import greedy_points
from sparsecert.verify.solvers.lp.relaxation import float_rows

pytestmark = pytest.mark.skipif(not HAVE_HIGHS, reason="the greedy search runs on HiGHS")


def _setup(W, b, lo, hi):
    rows = real_rows(np.asarray(W, float), np.asarray(b, float), range(len(b)), 0.0)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return rows, float_rows(rows, np.arange(lo.size), lo, hi, False), lo, hi


def test_planted_units_that_fit_together_are_all_found():
    W = np.vstack([np.eye(5), -np.eye(5)[:2]])  # units 5, 6 need x_0, x_1 < -0.5: they exclude 0, 1
    b = np.full(7, -0.5)
    rows, rel, lo, hi = _setup(W, b, -np.ones(5), np.ones(5))
    counts = [count_active_at_float(rows, x) for x in greedy_points(rel, lo, hi, restarts=2)]
    assert counts and max(counts) == 5


def test_points_lie_in_the_box_and_the_incumbent_order_is_tried():
    block = random_block(12, 40, seed=3, fire_rate=0.2)
    rng = np.random.default_rng(0)
    lo, hi = -rng.uniform(0.2, 1, 12), rng.uniform(0.2, 1, 12)
    rows, rel, lo, hi = _setup(block.W1, block.b1, lo, hi)
    first = np.zeros(40, bool)
    first[:3] = True
    points = list(greedy_points(rel, lo, hi, first, restarts=3, seed=1))
    assert len(points) == 5  # ease order, incumbent order, three perturbed orders
    assert all(np.all(lo <= x) and np.all(x <= hi) for x in points)


def test_the_784_ball_of_issue_18():
    block = random_block(784, 512, seed=0, fire_rate=0.05)
    ball = LinfBall(np.random.default_rng(0).uniform(0, 1, 784), 0.05)
    U = np.flatnonzero(unit_ranges(block, ball).undecided)
    lo_o, hi_o = (np.asarray(v, float) for v in ball.outer_bounds())
    rows = real_rows(block.W1, block.b1, U, 0.0)
    rel = float_rows(rows, np.arange(784), lo_o, hi_o, False)
    lo, hi = (np.asarray(v, float) for v in ball.inner_bounds())
    best = max(count_active_at_float(rows, x) for x in greedy_points(rel, lo, hi, restarts=0))
    assert best >= 12  # 14 measured; the box search's sampling finds 3 to 7
