"""One max-active computation: arguments, presolve, the budget, and the walk over a plan.

The domain-specific stages (:mod:`.cube`, :mod:`.real`, :mod:`.points`) build the groups
and the witness; :meth:`Engine.solve_groups` runs the portfolio's plan over the groups
(:mod:`sparsecert.verify.portfolio`) and keeps, per group, the best point and the tightest
bound any solver proved. A timeout or node limit (:class:`OutOfBudget`) and Ctrl-C end
the walk with the bounds proved so far.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sparsecert.sparse_models import MLPBlock, check_domain
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models.validation import as_count, as_finite_float

from ..budget import Budget, OutOfBudget
from ..compiled import warm_up
from ..extras import notice_missing_extras
from ..goal import Goal
from ..portfolio import Plan, canonical_method, first_step, plan_for
from ..presolve import UnitRanges, unit_ranges
from ..results import Stats, Witness
from ..solvers.base import Group, GroupOutcome, SolveContext

# the exact engine behind each solver, as Stats.backend reports it (the SMT one: the backend's name)
_ENGINE_OF = {"tiny-scan": "numpy", "enumeration": "numpy", "branch-and-bound": "numba",
              "lp-branch-and-bound": "highs", "cpsat": "ortools"}


@dataclass(frozen=True)
class Bracket:
    """What a stage proved: ``lower <= max <= upper``, ``lower`` attained at ``witness``."""

    lower: int
    upper: int
    witness: Witness | None


@dataclass
class Record:
    """Counters a solve reports in its :class:`Stats`."""

    calls: int = 0
    rechecks: int = 0
    notes: list[str] = field(default_factory=list)
    solvers: list[str] = field(default_factory=list)

    def ran(self, name: str) -> None:
        if name not in self.solvers:
            self.solvers.append(name)

    def add(self, out: GroupOutcome) -> None:
        self.calls += out.calls
        self.rechecks += out.rechecks
        self.notes.extend(out.notes)


class Engine:
    """The state of one solve; ``run(goal)`` gives a :class:`Bracket`."""

    def __init__(self, block: MLPBlock, domain: Any, tau: float, timeout: float | None, method: str,
                 presolve: bool, seed: int, backend: str, jobs: int = 1, node_limit: int | None = None,
                 progress=None) -> None:
        block = as_block(block)  # a one-hidden-layer Network is its block
        check_domain(domain, block.n)
        self.block, self.domain = block, domain
        self.tau = as_finite_float("tau", tau)
        if timeout is not None:
            timeout = as_finite_float("timeout", timeout)
            if timeout <= 0:
                raise InvalidArgument(f"timeout must be positive seconds (or None), got {timeout}")
        self.method = canonical_method(method)
        self.backend_name = backend
        jobs = as_count("jobs", jobs, low=1)
        node_limit = None if node_limit is None else as_count("node_limit", node_limit, low=0)
        self.start = time.monotonic()
        self.budget = Budget.start(timeout, node_limit)
        self.budget.progress = progress  # live progress (verify/progress.py): every share finds it
        self.record = Record()
        self.interrupted = False  # Ctrl-C: the bounds so far are returned, then re-raised as Interrupted
        self.ranges = unit_ranges(block, domain, self.tau) if presolve else UnitRanges(
            np.full(block.s, -np.inf), np.full(block.s, np.inf), np.zeros(block.s, bool), np.zeros(block.s, bool))
        self.on = self.ranges.n_on
        self.undecided = np.flatnonzero(self.ranges.undecided)
        always_on = tuple(int(u) for u in np.flatnonzero(self.ranges.always_on))
        self.ctx = SolveContext(block, domain, self.tau, self.method, seed, backend, jobs, always_on)
        if progress is not None:  # presolve's bracket: the always-on units, plus every undecided one
            progress.bracket(self.on, self.on + int(self.undecided.size))

    @property
    def plan(self) -> Plan:
        return plan_for(self.domain.kind, self.method)

    # -- budget ---------------------------------------------------------------------------
    def warm(self) -> None:
        """Compile the numba kernels before their first use (once per process), moving the
        deadline by the time it took: compilation never eats the caller's timeout."""
        notice_missing_extras()
        prog = self.budget.progress
        if prog is not None:
            prog.enter("loading compiled kernels")
        spent = warm_up()
        if prog is not None:
            prog.enter("primal search")
        if spent:
            self.record.notes.append(f"numba kernels compiled or loaded in {spent:.2f} s (once per process, not counted)")
            self.budget.extend(spent)

    def stop_reason(self) -> str:
        return self.budget.reason()

    # -- the walk over a plan ---------------------------------------------------------------
    def run_whole(self, group: Group, goal: Goal) -> GroupOutcome | None:
        """The plan's whole-problem steps (before grouping); the first complete answer, or None."""
        for step in self.plan.whole:
            if step.solver.available() and step.solver.applies(group):
                self.record.ran(step.solver.name)
                self._enter(step.solver.name, group)
                out = step.solver.run(group, goal, self.budget)
                self.record.add(out)
                if out.complete:
                    return out
        return None

    def solve_groups(self, groups: list[Group], goal: Goal) -> list[Group]:
        """Run the plan over every group until the goal is settled or the budget is spent."""
        plan = self.plan
        order = sorted(range(len(groups)), key=lambda i: (first_step(plan, groups[i]), groups[i].coords.size))
        self._report(groups)
        try:
            for i in order:
                if goal.settled(*self.totals(groups)):
                    break
                self._solve_group(groups, i, goal, plan)
        except OutOfBudget as e:
            self.record.notes.append(e.reason)
        except KeyboardInterrupt:
            self.interrupt()
        return groups

    def _solve_group(self, groups: list[Group], i: int, goal: Goal, plan: Plan) -> None:
        for step in plan.groups:
            g = groups[i]
            if g.settled or goal.settled(*self.totals(groups)):
                return
            if not (step.solver.available() and step.solver.applies(g)):
                continue
            g = replace(g, others=self.others(groups, i))
            share = self.budget if step.time >= 1.0 and step.nodes >= 1.0 else \
                self.budget.share(step.time, nodes=step.nodes)
            self.record.ran(step.solver.name)
            self._enter(step.solver.name, g)
            out = step.solver.run(g, goal, share)
            self.record.add(out)
            groups[i] = g.with_outcome(out)
            self._report(groups)
            if groups[i].settled or goal.settled(*self.totals(groups)):
                return
            if out.stopped is not None or self.budget.expired():
                raise OutOfBudget(self.budget.reason())

    def totals(self, groups: list[Group]) -> tuple[int, int]:
        return self.on + sum(g.lower for g in groups), self.on + sum(g.upper for g in groups)

    def others(self, groups: list[Group], i: int) -> tuple[int, int]:
        lo, up = self.totals(groups)
        return lo - groups[i].lower, up - groups[i].upper

    # -- live progress (verify/progress.py): proved bounds only -----------------------------------
    def _enter(self, solver: str, g: Group) -> None:
        """A solver starts on ``g``: its reports on the group become whole-problem bounds with ``g.others``."""
        if self.budget.progress is not None:
            self.budget.progress.enter(solver, g.others, (g.lower, g.upper))

    def _report(self, groups: list[Group]) -> None:
        if self.budget.progress is not None:
            self.budget.progress.bracket(*self.totals(groups))

    def interrupt(self) -> None:
        """Ctrl-C inside the solve: keep the proved bounds; the entry point re-raises."""
        self.interrupted = True
        self.record.notes.append("interrupted")

    # -- reporting --------------------------------------------------------------------------
    def method_name(self, fallback: str) -> str:
        """What ran, joined by "+" ("presolve" / "presolve+search" when no solver was needed)."""
        return "+".join(self.record.solvers) or fallback

    def stats(self, method: str) -> Stats:
        solvers = tuple(self.record.solvers)
        last = solvers[-1] if solvers else ""
        backend = self.backend_name if last == "smt" else _ENGINE_OF.get(last, "numpy")
        return Stats(time.monotonic() - self.start, backend, method, self.block.s, self.ranges.n_off, self.on,
                     int(self.undecided.size), self.record.calls, self.record.rechecks, tuple(self.record.notes),
                     solvers=solvers)

    def run(self, goal: Goal) -> tuple[Bracket, str]:
        """The bracket on the whole domain and the name of the method that gave it."""
        from . import cube, points, real

        kind = self.domain.kind
        if kind == "points":
            return points.solve(self), "enumeration"
        if kind == "cube":
            return cube.solve(self, goal)
        return real.solve(self, goal)
