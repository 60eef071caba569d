"""The LP branch and bound run in short stages between primal heuristics.

On cubes: LP (1 s), annealing (numba), LP (1 s), HiGHS's MILP on the big-M model, then LP
with the rest of the budget; on real boxes: LP (0.25 s), the greedy active-set search
(:mod:`.greedy`), LP (1 s), the MILP, then LP with the rest. Heuristic points are counted exactly and kept when they beat
the group's lower bound; each LP run starts from the best count so far, so a better
incumbent shortens its proof. Every bound claimed is the LP search's safe bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...budget import Budget, OutOfBudget
from ..base import GroupOutcome
from ..heuristics import HAVE_ANNEAL, cube_anneal
from .bnb import lp_branch_and_bound
from .greedy import greedy_points
from .milp import milp_candidates
from .conflicts import pair_conflicts

LP_STAGE_SECONDS = 1.0  # the short LP runs between heuristics
LP_STAGE_NODES = 500  # ... and their node cap under a node limit
LP_QUICK_SECONDS, LP_QUICK_NODES = 0.25, 100  # the first, short LP run on real boxes
ANNEAL_SECONDS, ANNEAL_SHARE, ANNEAL_RESTARTS = 2.0, 0.1, 16  # deterministic runs: a fixed number of restarts
MILP_SECONDS, MILP_SHARE, MILP_NODES = 10.0, 0.25, 500
GREEDY_SECONDS, GREEDY_SHARE, GREEDY_RESTARTS = 2.0, 0.2, 4  # the greedy active-set search on real boxes


@dataclass
class _Incumbent:
    """The best exactly counted point of this run (``to_point`` turns a solver vector into
    the group's coordinate -> exact value map)."""

    lower: int
    upper: int
    point: dict | None = None
    to_point: Callable[[Any], dict] = field(default=lambda v: {})
    calls: int = 0

    def accept(self, count_at: int, v) -> None:
        if count_at > self.lower:
            self.lower, self.point = count_at, self.to_point(v)


def staged_lp(group, goal, budget: Budget, rel, integral: bool, count: Callable[[Any], int],
              to_point: Callable[[Any], dict], strict=None, inner=None) -> GroupOutcome:
    """Run the stages on one group; the outcome carries the best point and the safe bound."""
    inc = _Incumbent(group.lower, group.upper, None, to_point)
    part = group.part_goal(goal)
    # the LP search prunes to ``stop_above``; sound as a bound only when both sides of the check agree
    stop = part.exceed if part.exceed == part.within else None
    conflicts = pair_conflicts(rel)
    if integral:
        stages = ["lp", "anneal", "lp", "milp", "lp-final"] if HAVE_ANNEAL else ["lp", "milp", "lp-final"]
    else:
        # a short LP run first settles small groups before the greedy search costs anything
        stages = ["lp-quick", "greedy", "lp", "milp", "lp-final"] if inner is not None else ["lp", "milp", "lp-final"]
    stopped = None
    prog = budget.progress  # live progress: the group's proved bracket at the start and after every stage
    if prog is not None:
        prog.report(inc.lower, inc.upper)
    try:
        for stage in stages:
            rem = budget.remaining()
            if rem is not None and rem <= 0:
                break
            if prog is not None:
                prog.step = stage
            if stage == "anneal":
                _anneal(group, inc, rel, budget, count)
            elif stage == "greedy":
                _greedy(group, inc, rel, budget, count, inner)
            elif stage == "milp":
                _milp(inc, rel, integral, budget, count, inner)
            elif _lp(inc, rel, integral, budget, count, strict, inner, stop, conflicts, final=stage == "lp-final",
                     quick=stage == "lp-quick"):
                break
            if prog is not None:
                prog.report(inc.lower, inc.upper)
            if inc.lower >= inc.upper or part.settled(inc.lower, inc.upper):
                break
    except OutOfBudget as e:  # an exact sub-step ran out of time: keep what this run found
        stopped = e.reason
    return GroupOutcome(inc.lower, inc.point, inc.upper, complete=inc.lower >= inc.upper, stopped=stopped,
                        calls=inc.calls)


def _anneal(group, inc: _Incumbent, rel, budget: Budget, count) -> None:
    det = budget.deterministic  # a fixed number of restarts instead of a time budget
    point = inc.point if inc.point is not None else group.point
    starts = [np.array([float(point.get(int(j), 0)) for j in group.coords])]
    y = cube_anneal(rel.A, rel.act_lo, starts, None if det else budget.seconds(ANNEAL_SHARE, ANNEAL_SECONDS),
                    seed=group.ctx.seed, target=inc.upper, restarts=ANNEAL_RESTARTS if det else None)
    inc.accept(count(y), y)


def _greedy(group, inc: _Incumbent, rel, budget: Budget, count, inner) -> None:
    """The greedy active-set search, started from the rows active at the best point so far."""
    point = inc.point if inc.point is not None else group.point
    x0 = np.array([float(point.get(int(j), 0)) for j in group.coords])
    first = rel.A @ x0 > rel.inact_hi  # (a float test: only the order of the search depends on it)
    deadline = None if budget.deterministic else time.monotonic() + budget.seconds(GREEDY_SHARE, GREEDY_SECONDS)
    for x in greedy_points(rel, inner[0], inner[1], first, deadline, GREEDY_RESTARTS, seed=group.ctx.seed):
        inc.accept(count(x), x)
        if budget.progress is not None:
            budget.progress.report(inc.lower, inc.upper)
        if inc.lower >= inc.upper:
            return


def _milp(inc: _Incumbent, rel, integral: bool, budget: Budget, count, inner) -> None:
    inc.calls += 1
    det = budget.deterministic  # a node cap instead of a time limit
    nodes = min(MILP_NODES, max(1, budget.nodes_left() // 4)) if det else None
    for v in milp_candidates(rel, integral, None if det else budget.seconds(MILP_SHARE, MILP_SECONDS),
                             node_limit=nodes):
        if not integral and inner is not None:
            v = np.clip(v, inner[0], inner[1])
        inc.accept(count(v), v)


def _lp(inc: _Incumbent, rel, integral: bool, budget: Budget, count, strict, inner, stop, conflicts,
        final: bool, quick: bool = False) -> bool:
    """One LP branch-and-bound run; True when it settled the group (or the check)."""
    seconds, cap = (LP_QUICK_SECONDS, LP_QUICK_NODES) if quick else (LP_STAGE_SECONDS, LP_STAGE_NODES)
    if budget.deterministic:
        deadline = None
    elif final:
        deadline = budget.deadline
    else:
        deadline = time.monotonic() + (seconds if budget.deadline is None else min(seconds, max(0.0, budget.remaining())))
    left = budget.nodes_left()
    nodes = None if left is None else (left if final else min(left, cap))
    inc.calls += 1
    prog = budget.progress  # the search reports its proved bracket on the group as it goes
    out = lp_branch_and_bound(rel, integral, inc.lower, deadline, count, strict_point=strict, inner=inner,
                              stop_above=stop, conflicts=conflicts, node_limit=nodes,
                              report=None if prog is None else prog.report)
    budget.charge(out.nodes)
    if prog is not None:
        prog.searched(out.nodes)
    if out.point is not None:
        inc.accept(out.best, out.point)
    inc.upper = min(inc.upper, max(out.upper, inc.lower))
    return inc.lower >= inc.upper or (stop is not None and (inc.lower > stop or inc.upper <= stop))
