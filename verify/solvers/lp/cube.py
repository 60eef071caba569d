"""The LP branch and bound on a cube group (0/1 coordinates; integral relaxation)."""

from __future__ import annotations


import numpy as np

from ...backends.highs import HAVE_HIGHS
from ..base import cube_point
from .relaxation import float_rows
from .staged import staged_lp


class LPCube:
    """Safe-dual-bound LP branch and bound over a cube group, between primal heuristics.
    Takes every cube group (the compiled branch and bound keeps the small ones first)."""

    name = "lp-branch-and-bound"

    def available(self) -> bool:
        return HAVE_HIGHS

    def applies(self, group) -> bool:
        return group.cube

    def run(self, group, goal, budget):
        m = int(group.coords.size)
        rel = float_rows(group.rows, group.coords, np.zeros(m), np.ones(m), True)
        n = group.ctx.block.n

        def count(y) -> int:
            full = [0] * n
            for j, v in zip(group.coords, y):
                full[int(j)] = int(v)
            return group.count(full)

        return staged_lp(group, goal, budget, rel, True, count, lambda y: cube_point(group.coords, y))


LP_CUBE = LPCube()


