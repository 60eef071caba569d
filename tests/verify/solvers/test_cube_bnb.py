"""The compiled cube branch and bound on its own, against the brute-force oracle."""

import pytest

from sparsecert.verify.budget import Budget
from sparsecert.verify.goal import Goal
from sparsecert.verify.solvers.cube_bnb import CUBE_BNB, HAVE_NUMBA

from .support import check_outcome, cube_cases, unlimited

pytestmark = pytest.mark.skipif(not HAVE_NUMBA, reason="numba (the 'fast' extra) is not installed")


def test_maximum_matches_oracle():
    for idx, kind, g, expected in cube_cases(300, 51):
        out = CUBE_BNB.run(g, Goal.maximise(), unlimited())
        check_outcome(g, out, expected)
        assert out.complete and out.lower == expected, (idx, kind, out, expected)


def test_checks_settle_either_way_and_prune_to_k():
    for idx, kind, g, expected in cube_cases(120, 52):
        for k in {max(0, expected - 1), expected}:
            goal = Goal.at_most(k)
            out = CUBE_BNB.run(g, goal, unlimited())
            check_outcome(g, out, expected, goal)
            assert goal.settled(out.lower, out.upper), (idx, k, out, expected)


def test_node_limited_bounds_hold_the_maximum():
    for idx, kind, g, expected in cube_cases(60, 53):
        for nodes in (0, 1, 3):
            budget = Budget(None, nodes)
            out = CUBE_BNB.run(g, Goal.maximise(), budget)
            check_outcome(g, out, expected)
