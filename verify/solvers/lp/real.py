"""The LP branch and bound on a box or an L-inf ball (real coordinates).

A fixed active set found by the LP search is realised by a point where every unit in it
is strictly active: first a float point of largest common slack (HiGHS), re-checked
exactly; else Z3's exact optimum, whose answer "no such point" is a proof.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from sparsecert.sparse_models.errors import SoundnessError

from ...backends.highs import HAVE_HIGHS, max_slack_box
from ...backends.z3_encoding import max_slack
from ...budget import OutOfBudget
from ...integer_form import active_at_float, active_at_rational, count_active_at_float
from .bnb import lp_ready_box
from .reach import reach_bound
from .relaxation import float_rows
from .staged import staged_lp


def exact_max_slack(rows, units: list[int], lower, upper, deadline: float | None):
    """Exact (Z3) point of the box with every row of ``units`` strictly active, or None
    when none exists; OutOfBudget when Z3 gives no answer by ``deadline``."""
    out = max_slack([rows.C[r] for r in units], [rows.T[r] for r in units], lower, upper, (), (), deadline)
    if out is None:
        raise OutOfBudget("timeout")
    t, point = out
    if t <= 0:
        return None
    floats = [Fraction(float(v)) for v in point]
    act = active_at_rational(rows, floats)
    if all(lo <= f <= hi for f, lo, hi in zip(floats, lower, upper)) and all(act[r] for r in units):
        return [float(v) for v in point]
    return point


class LPReal:
    """Applies to boxes and balls whose float box HiGHS can read (no polytope rows)."""

    name = "lp-branch-and-bound"

    def available(self) -> bool:
        return HAVE_HIGHS

    def applies(self, group) -> bool:
        b = group.bounds
        return (not group.cube and b is not None and not b.A and b.inner_lower is not None
                and lp_ready_box(b.outer_lower, b.outer_upper))

    def run(self, group, goal, budget):
        b, rows = group.bounds, group.rows
        rel = float_rows(rows, np.arange(group.ctx.block.n), np.asarray(b.outer_lower, float),
                         np.asarray(b.outer_upper, float), False)
        lo_f, hi_f = np.asarray(b.inner_lower, float), np.asarray(b.inner_upper, float)
        reach = reach_bound(rel)  # the Cauchy-Schwarz bound on rows active together (cheap, often decisive)
        if reach < group.lower:  # the lower bound is an exactly counted point: the bound is wrong
            raise SoundnessError(f"reach bound {reach} below the {group.lower} units active at a point")
        if reach < group.upper:
            group = replace(group, upper=reach)
        calls = [0]

        def count(x) -> int:
            if not any(isinstance(v, Fraction) for v in x):
                return count_active_at_float(rows, x)
            return sum(active_at_rational(rows, [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]))

        def strict(units: list[int], exact: bool):
            x = max_slack_box(rel.A[units], rel.inact_hi[units], lo_f, hi_f)
            if x is not None:
                act = active_at_float(rows, x)
                if all(act[r] for r in units):
                    return x
            if not exact:
                return None
            calls[0] += 1
            return exact_max_slack(rows, units, b.exact_lower, b.exact_upper, budget.deadline)

        def to_point(x) -> dict:
            return {j: (v if isinstance(v, Fraction) else Fraction(float(v))) for j, v in enumerate(x)}

        out = staged_lp(group, goal, budget, rel, False, count, to_point, strict, (lo_f, hi_f))
        return replace(out, calls=out.calls + calls[0])


LP_REAL = LPReal()
