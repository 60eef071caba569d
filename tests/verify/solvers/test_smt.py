"""The SMT solver (Z3) on its own, on cubes and on boxes, against the oracles."""

import numpy as np

from sparsecert.verify.goal import Goal
from sparsecert.verify.solvers.smt import SOLVER as SMT

from ..test_real_domains import _case, oracle_box_max
from .support import box_group, check_outcome, cube_cases, unlimited


def test_cube_maximum_matches_oracle():
    for idx, kind, g, expected in cube_cases(60, 71, n_max=7, s_max=6):
        out = SMT.run(g, Goal.maximise(), unlimited())
        check_outcome(g, out, expected)
        assert out.complete and out.lower == expected, (idx, kind, out, expected)


def test_cube_checks_ask_for_k_plus_one():
    for idx, kind, g, expected in cube_cases(40, 72, n_max=7, s_max=6):
        for k in {max(0, expected - 1), expected}:
            goal = Goal.at_most(k)
            out = SMT.run(g, goal, unlimited())
            check_outcome(g, out, expected, goal)
            assert goal.settled(out.lower, out.upper)
            assert out.calls <= 2  # one question settles a check (plus one to find a first point)


def test_box_maximum_matches_fourier_motzkin_oracle():
    rng = np.random.default_rng(73)
    for idx in range(30):
        n, s = int(rng.integers(1, 3)), int(rng.integers(2, 6))
        block = _case(rng, n, s)
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(1, 3, size=n)
        expected = oracle_box_max(block.W1, block.b1, lo, hi, 0.0)
        g = box_group(block, lo, hi)
        out = SMT.run(g, Goal.maximise(), unlimited())
        assert out.complete and out.lower == expected, (idx, out, expected)
