"""The exact SMT solver: "can at least c units be active?" asked until UNSAT.

The reference method: it takes every group on every domain kind, so each plan ends with
it. The encoding is the backend's (Z3 by default, :mod:`sparsecert.verify.backends`);
every SAT point is counted again exactly before its count is believed.
"""

from __future__ import annotations

from sparsecert.sparse_models.errors import SoundnessError

from ..backends import make_backend
from ..backends.base import CubeQuery, RealQuery
from .base import GroupOutcome


def group_query(group) -> CubeQuery | RealQuery:
    """The exact query of a group: rows over a cube with its structure hints, or rows over
    a real domain's exact bounds and polytope rows."""
    ctx = group.ctx
    if group.cube:
        st = group.structure
        return CubeQuery(group.rows, ctx.block.n, st.implied if st else (), st.cliques if st else ())
    b = group.bounds
    return RealQuery(group.rows, tuple(b.exact_lower), tuple(b.exact_upper), b.A, b.c)


class SMT:
    """Ask the backend for one more active unit than proved (for the only group of a check
    ``max <= k?``, directly for k + 1: one UNSAT answer then proves it)."""

    name = "smt"

    def available(self) -> bool:
        return True

    def applies(self, group) -> bool:
        return True

    def run(self, group, goal, budget) -> GroupOutcome:
        if budget.nodes_expired():  # the node budget is spent: stop like a timeout, with the bounds proved
            return GroupOutcome.nothing(group, stopped="node limit")
        backend = make_backend(group.ctx.backend, group_query(group), deadline=budget.deadline)
        part = group.part_goal(goal)
        lower, upper, point, calls = group.lower, group.upper, None, 0
        stopped, notes = None, ()
        while lower < upper and not part.settled(lower, upper):
            target = part.target(lower) if group.single else lower + 1
            if target > upper:
                target = lower + 1
            rem = budget.remaining()
            if rem is not None and rem <= 0:
                stopped = "timeout"
                break
            calls += 1
            out = backend.at_least(target, rem)
            if out.status == "sat":
                count = group.count(out.point)
                if count < target:
                    raise SoundnessError(f"{backend.name} claimed {target} active units, exact check finds {count}")
                lower, point = count, {int(j): out.point[j] for j in group.coords}
            elif out.status == "unsat":
                upper = target - 1
            else:
                stopped, notes = out.reason or "unknown", (f"{backend.name}: {out.reason or 'unknown'}",)
                break
        return GroupOutcome(lower, point, upper, complete=lower >= upper, stopped=stopped, calls=calls, notes=notes)


SOLVER = SMT()
