"""HiGHS, the floating-point LP / MILP engine (the "solvers" extra): the only module importing highspy.

Nothing HiGHS answers is trusted as a proof: its LP solutions are primal hints and its duals
feed the safe bounds of :mod:`verify.solvers.lp.bnb`. This module only builds instances and
names HiGHS's constants, so its callers stay free of the highspy API's module-level names;
they call methods of the instance (``run``, ``changeColsBounds``, ...) directly, at no cost
in the branch and bound's node loop.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

try:  # highspy comes with the "solvers" extra; without it the LP methods are unavailable
    import highspy

    HAVE_HIGHS = True
except ImportError:  # pragma: no cover - exercised on machines without the extra
    highspy = None
    HAVE_HIGHS = False

_BANNER_SHOWN = False


def _reset_scheduler_in_child() -> None:
    """After a fork: HiGHS's global task scheduler was copied without its worker threads, and the
    child's first solve would wait on them forever (certify_balls(jobs=2) after one LP in the
    parent never returned). Resetting it (non-blocking: there is nothing to join) makes the
    child start its own."""
    highspy.Highs.resetGlobalScheduler(False)


if HAVE_HIGHS and hasattr(os, "register_at_fork") and hasattr(highspy.Highs, "resetGlobalScheduler"):
    os.register_at_fork(after_in_child=_reset_scheduler_in_child)

# HiGHS's infinity (bounds at or beyond it are infinite) and the model statuses the callers test;
# without highspy: inf and None (no instance can be built then, so no status is ever compared)
INF = highspy.kHighsInf if HAVE_HIGHS else math.inf
OPTIMAL = highspy.HighsModelStatus.kOptimal if HAVE_HIGHS else None
INFEASIBLE = highspy.HighsModelStatus.kInfeasible if HAVE_HIGHS else None
TIME_LIMIT = highspy.HighsModelStatus.kTimeLimit if HAVE_HIGHS else None


def new_highs():
    """A silent HiGHS instance (the first construction in a process prints a banner on fd 1)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def maximize(h) -> None:
    """Make the instance's objective a maximisation."""
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)


def minimize(h) -> None:
    """Make the instance's objective a minimisation."""
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)


def add_unit_count_columns(h, lo: np.ndarray, hi: np.ndarray, s: int) -> None:
    """Columns v in [lo, hi] (m of them), then s indicators a in [0, 1]; objective max sum_i a_i."""
    m = len(lo)
    h.addVars(m, lo, hi)
    h.addVars(s, np.zeros(s), np.ones(s))
    h.changeColsCost(s, np.arange(m, m + s, dtype=np.int32), np.ones(s))
    maximize(h)


def set_integer_columns(h, integer: "list[bool]") -> None:
    """Column j integer where ``integer[j]``, continuous elsewhere (all columns, in order)."""
    kinds = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous for v in integer]
    h.changeColsIntegrality(len(kinds), np.arange(len(kinds), dtype=np.int32), np.array(kinds))


def max_slack_box(A: np.ndarray, rhs: np.ndarray, lo, hi) -> np.ndarray | None:
    """Float point of the box [lo, hi] with the largest common slack on the rows of ``A``.

    Maximises t <= 1 subject to ``A x - t * ||A_r||_1 >= rhs`` and lo <= x <= hi; returns
    ``clip(x, lo, hi)`` when HiGHS reports an optimum with t > 0, else None. A float hint
    only: callers re-check the point exactly."""
    A = np.asarray(A)
    m = A.shape[1]
    h = new_highs()
    h.addVars(m, np.asarray(lo, float), np.asarray(hi, float))
    h.addVar(-INF, 1.0)
    h.changeColCost(m, 1.0)
    maximize(h)
    norms = np.abs(A).sum(axis=1) + 1e-300
    idx = np.arange(m + 1, dtype=np.int32)
    for r in range(A.shape[0]):
        h.addRow(float(rhs[r]), INF, m + 1, idx, np.r_[A[r], -norms[r]])
    h.run()
    if h.getModelStatus() != OPTIMAL:
        return None
    v = np.asarray(h.getSolution().col_value)
    if not v[m] > 0:
        return None
    return np.clip(v[:m], lo, hi)


class SlackModel:
    """An LP over the box [lo, hi] to which rows are added one at a time: is there a point
    where every row kept holds with a positive slack? (The greedy search of
    :mod:`verify.solvers.lp.greedy`; each test re-solves from the last basis.)

    Row r reads ``a_r v - t * scale_r >= rhs_r`` with one shared t, maximised (bounded: v lies
    in a box); a row is kept when the optimum has t > 0. ``deadline`` (monotonic seconds)
    caps every solve. Float answers with tolerances: a hint, re-checked exactly by the caller."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self.m = len(lo)
        self.h = new_highs()
        self.h.addVars(self.m, np.asarray(lo, float), np.asarray(hi, float))
        self.h.addVar(-INF, INF)  # t: uncapped (a cap t <= 1 made the optimum massively degenerate:
        self.h.changeColCost(self.m, 1.0)  # a million simplex iterations on MiniLM rows)
        maximize(self.h)
        self.rows = 0
        self._idx = np.arange(self.m + 1, dtype=np.int32)

    def try_row(self, a: np.ndarray, rhs: float, scale: float, deadline: float | None = None) -> bool:
        """Add the row; keep it and return True when the rows kept still have a common positive
        slack, else (or when the solve hits ``deadline``) remove it again and return False."""
        self.h.addRow(float(rhs), INF, self.m + 1, self._idx, np.r_[a, -float(scale)])
        if deadline is not None:
            # (HiGHS compares time_limit with its run time summed over all runs of the instance)
            self.h.setOptionValue("time_limit", self.h.getRunTime() + max(1e-3, deadline - time.monotonic()))
        self.h.run()
        if self.h.getModelStatus() == OPTIMAL and self.h.getSolution().col_value[self.m] > 0:
            self.rows += 1
            return True
        self.h.deleteRows(1, np.array([self.rows], dtype=np.int32))
        return False

    def point(self) -> np.ndarray:
        """The last optimum's point (meaningful after a row was kept)."""
        return np.asarray(self.h.getSolution().col_value)[: self.m]
