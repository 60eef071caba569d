"""Small cubes scanned in one float64 product, exact whenever the maximum is clear.

z over all points is the sum of the two half-cubes' partial sums. The scan is exact when
the largest count of surely active units (z - tau above a rigorous rounding bound) equals
the largest count of possibly active ones; the integer-form machinery would cost more than
the whole scan. When near-ties leave the maximum open it answers nothing and the exact
solvers take over.
"""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.errors import SoundnessError
from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from ..witness import witness_at
from .base import GroupOutcome, cube_point

TINY_CUBE_WORK = 2**20  # 2^n * undecided units up to which a cube is scanned in one float64 product


class TinyScan:
    """The whole cube's undecided units at once (it runs before the units are grouped)."""

    name = "tiny-scan"

    def available(self) -> bool:
        return True

    def applies(self, group) -> bool:
        return group.cube and (1 << int(group.coords.size)) * int(group.unit_ids.size) <= TINY_CUBE_WORK

    def run(self, group, goal, budget) -> GroupOutcome:
        ctx = group.ctx
        d, U = ctx.domain, group.unit_ids
        n = int(group.coords.size)
        Wu, bu = ctx.block.W1[U], ctx.block.b1[U]
        h1 = n // 2

        def half(cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            k = cols.size
            bits = (np.arange(1 << k)[:, None] >> np.arange(k)) & 1
            X = np.where(bits == 1, d.hi, d.lo).astype(np.float64)
            return X, X @ Wu[:, cols].T

        X1, Z1 = half(np.arange(h1))  # may overflow on huge weights (numpy's warnings are off) ...
        X2, Z2 = half(np.arange(h1, n))
        Z = (Z1 + (bu - ctx.tau))[:, None, :] + Z2[None, :, :]
        xmax = max(abs(d.lo), abs(d.hi))
        err = 2 * (n + 4) * UNIT_ROUNDOFF * (xmax * np.abs(Wu).sum(axis=1) + np.abs(bu) + abs(ctx.tau)) + UNDERFLOW_SLACK
        if not (np.isfinite(err).all() and np.isfinite(Z).all()):
            return GroupOutcome.nothing(group)  # ... which is detected here: only the exact path can decide
        # possibly active units per point (a near-tie may be either); bytes summed in a small integer type
        possible = (Z > -err).view(np.uint8).sum(axis=2, dtype=np.uint16 if Z.shape[2] < 2**16 else np.int64)
        best = int(possible.max())
        # the maximum is exact when some point reaching it has all its possible units surely active
        tops = np.argwhere(possible == best)
        sure = (Z[tops[:, 0], tops[:, 1]] > err).sum(axis=1)
        hit = np.flatnonzero(sure == best)
        if hit.size == 0:
            return GroupOutcome.nothing(group)  # a near-tie could decide the maximum: leave it to the exact path
        p1, p2 = tops[int(hit[0])]
        x = np.concatenate([X1[p1], X2[p2]])
        on = len(ctx.always_on)
        w = witness_at(ctx.block, x, ctx.tau)
        if w.count != on + best:
            raise SoundnessError(f"float scan counted {on + best} at a cube point, exact count {w.count}")
        return GroupOutcome(best, cube_point(group.coords, (x == d.hi).astype(np.int64)), best, complete=True)


TINY_SCAN = TinyScan()
