"""The float64 scan of small cubes: exact when it answers, silent on near-ties."""

import numpy as np

from sparsecert.verify.engine.cube import NO_ROWS
from sparsecert.verify.goal import Goal
from sparsecert.verify.solvers.base import Group
from sparsecert.verify.solvers.tiny_scan import TINY_SCAN

from .support import check_outcome, cube_cases, unlimited


def test_answers_are_the_exact_maximum():
    answered = 0
    for idx, kind, g, expected in cube_cases(300, 61):
        whole = Group(g.ctx, NO_ROWS, np.arange(g.ctx.block.n), 0, g.ctx.block.s, units=np.arange(g.ctx.block.s))
        assert TINY_SCAN.applies(whole)
        out = TINY_SCAN.run(whole, Goal.maximise(), unlimited())
        if out.complete:
            answered += 1
            assert out.lower == expected, (idx, kind, out, expected)
            check_outcome(g, out, expected)
        else:
            assert out.point is None and out.upper is None
    assert answered >= 150
