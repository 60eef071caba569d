"""Exact LP-based branch and bound for max-active (HiGHS as the LP engine, safe dual bounds).

The relaxation has one indicator a_i in [0, 1] per unit and the input variables v (0/1
cube coordinates y, or real inputs x in a box):

    A_i v - M_i a_i >= L_i            (a_i = 1 forces the unit's activity threshold)
    A_i v - N_i a_i <= H_i            (a_i = 0 forces the unit to be off)

with float data derived from the exact integer rows and widened outward, so that the exact
indicator of every point of the node satisfies both rows. HiGHS solves the LP in floating
point; nothing it says is trusted. Each node's bound is recomputed from HiGHS's duals in
the way of Neumaier and Shcherbina: for any multipliers pi,

    sum_i a_i <= sum_j max_{v_j in [lo_j, hi_j]} (c - G^T pi)_j v_j + sum_r max(pi_r l_r, pi_r u_r),

evaluated here with a rigorous floating-point error bound. A node is pruned only when this
safe bound is below best + 1 (the count is an integer), and variables are fixed only when
the same bound with that variable moved to its other end is. Every improvement of the
best count is an exactly re-checked point (``count_exact``). So the answer is exact
whatever HiGHS returns; HiGHS only decides how fast the proof goes.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from ...progress import REPORT_EVERY_S
from ...backends.highs import INF, INFEASIBLE, OPTIMAL, TIME_LIMIT, add_unit_count_columns, new_highs
from .safe_bound import SafeBound
from .conflicts import greedy_cliques, neighbour_masks, violated_cliques
from .propagation import Propagator
from .relaxation import FloatRows

ROOT_CUT_ROUNDS, NODE_CUT_ROUNDS = 8, 1  # clique separation rounds per LP solve (root, other nodes)
BEST_BOUND_EVERY = 8  # every 8th node is the open node of largest bound (the others continue the dive)
LP_COORD_LIMIT = 1e15  # HiGHS reads bounds beyond 1e20 as infinite; boxes past this go to the exact solver


def lp_ready_box(lo: np.ndarray, hi: np.ndarray) -> bool:
    """Whether the LP methods can take this box: every bound finite and well inside HiGHS's finite range."""
    both = np.concatenate((np.asarray(lo, float), np.asarray(hi, float)))
    return bool(np.all(np.abs(both) < LP_COORD_LIMIT))


@dataclass(frozen=True)
class LPOutcome:
    """Result of one search: ``best`` is exact (attained at ``point``, or the known value when
    ``point`` is None); ``complete`` means no point has more; else ``upper`` bounds the rest
    (on a timeout or node limit: the largest safe bound of the open nodes, floored)."""

    best: int
    point: np.ndarray | list | None  # floats, or exact Fractions when no float point was found
    complete: bool
    upper: int
    nodes: int


_PRUNED, _OPEN = object(), object()  # _LPSearch._solve_lp: the LP proves the node empty / timed out before a bound


class _LPSearch:
    """One search's state: the HiGHS model and its float copy (G, rl, ru), the stack of open nodes,
    the incumbent and the counters. :meth:`run` is the node loop; each node is one LP (with clique
    cut rounds), then a safe bound, fixing, a primal attempt and a branching decision."""

    __slots__ = ("A", "best", "best_point", "cols_idx", "complete", "conflicts", "count_exact", "cur_M",
                 "deadline", "G", "h", "has_conflicts", "inner_hi", "inner_lo", "integral", "known_cliques",
                 "m", "nb_masks", "node_limit", "nodes", "open_bound", "propagator", "rel", "report", "report_at",
                 "rl", "rows_idx",
                 "ru", "s", "safe", "signs", "stack", "stop_above", "strict_point", "target", "tried_sets",
                 "unit_cols", "zero_safe")

    def __init__(self, rel: FloatRows, integral: bool, best_known: int, deadline: float | None,
                 count_exact, strict_point, inner, stop_above: int | None, conflicts: np.ndarray | None,
                 node_limit: int | None) -> None:
        self.rel, self.integral, self.deadline, self.node_limit = rel, integral, deadline, node_limit
        self.count_exact, self.strict_point, self.inner_lo, self.inner_hi = count_exact, strict_point, *inner
        self.stop_above, self.conflicts = stop_above, conflicts
        self.A = rel.A
        s, m = self.s, self.m = rel.A.shape
        self._build_model()
        self.propagator = Propagator(rel, integral)
        cliques = greedy_cliques(conflicts) if conflicts is not None and conflicts.any() else []
        self.has_conflicts = bool(cliques)
        self.known_cliques = set(cliques)
        self.nb_masks = neighbour_masks(conflicts) if self.has_conflicts else []
        if cliques:
            self.add_clique_rows(cliques)
        self.safe = SafeBound(np.r_[np.zeros(m), np.ones(s)])
        self.zero_safe = SafeBound(np.zeros(m + s))  # for Farkas rays: a bound of 0 over the node
        self.rows_idx = np.arange(2 * s, dtype=np.int32)
        self.cols_idx = np.arange(m + s, dtype=np.int32)
        self.unit_cols = m + np.arange(s)
        self.cur_M = np.zeros(s)
        self.signs = [1.0, -1.0]  # the multipliers' sign convention that gave the bound last time goes first
        self.best = best_known
        self.best_point: np.ndarray | None = None
        self.target = best_known if stop_above is None else max(best_known, stop_above)  # prune what cannot exceed this
        self.tried_sets: set[frozenset] = set()
        # stack entries: (xl, xu, al, au, parent bound)
        self.stack = [(rel.lo.copy(), rel.hi.copy(), np.zeros(s), np.ones(s), float(s))]
        self.nodes = 0
        self.complete = True
        self.open_bound = best_known
        self.report, self.report_at = None, 0.0  # live progress: report(best, upper_now(), nodes)

    def _build_model(self) -> None:
        """HiGHS columns (v, a) and the 2s unit rows; their float copy G with row ranges (rl, ru)."""
        A, s, m = self.A, self.s, self.m
        h = self.h = new_highs()
        h.setOptionValue("presolve", "off")
        add_unit_count_columns(h, self.rel.lo, self.rel.hi, s)
        G = self.G = np.zeros((2 * s, m + s))
        G[:s, :m] = A
        G[s:, :m] = A
        for _ in range(2):  # the "on" rows, then the "off" rows (coefficients and bounds set per node)
            for i in range(s):
                idx = np.r_[np.arange(m), m + i].astype(np.int32)
                h.addRow(-INF, INF, m + 1, idx, np.r_[A[i], 0.0])
        self.rl = np.full(2 * s, -np.inf)  # row ranges: "on" rows [L, inf), "off" rows (-inf, inact_hi] or free,
        self.ru = np.full(2 * s, np.inf)  # then clique rows (-inf, 1]

    def add_clique_rows(self, qs: list[tuple[int, ...]]) -> None:
        """Rows sum_{i in q} a_i <= 1, valid for the whole search, in HiGHS and in (G, rl, ru) alike."""
        h, m = self.h, self.m
        Q = np.zeros((len(qs), m + self.s))
        for k, q in enumerate(qs):
            h.addRow(-INF, 1.0, len(q), np.asarray([m + i for i in q], dtype=np.int32), np.ones(len(q)))
            Q[k, [m + i for i in q]] = 1.0
        self.G = np.vstack((self.G, Q))
        self.rl = np.r_[self.rl, np.full(len(qs), -np.inf)]
        self.ru = np.r_[self.ru, np.ones(len(qs))]

    def exclude_conflicts(self, al: np.ndarray, au: np.ndarray) -> np.ndarray:
        """A unit that is on switches off every unit it conflicts with."""
        return np.where(self.conflicts[al == 1].any(axis=0), 0.0, au) if self.has_conflicts and al.any() else au

    def frontier_bound(self) -> int:
        """Largest proved count among the open nodes (a safe real bound, so its floor)."""
        s = self.s
        return max((int(math.floor(e[4])) if math.isfinite(e[4]) else s for e in self.stack), default=self.best)

    def upper_now(self) -> int:
        """A proved bound between nodes: pruned nodes hold at most ``target``, open ones their bounds."""
        return max(self.best, self.target, min(self.s, max(self.open_bound, self.frontier_bound())))

    def improve(self, v) -> bool:
        """Count ``v`` exactly; a new best count (and its point) when it beats the incumbent."""
        cnt = self.count_exact(v)
        if cnt > self.best:
            self.best, self.best_point = cnt, (v.copy() if isinstance(v, np.ndarray) else list(v))
            self.target = cnt if self.stop_above is None else max(cnt, self.stop_above)
            return True
        return False

    def split_unit(self, i: int, xl, xu, al, au, node_bound: float) -> None:
        """Two children: unit i off, then unit i on (popped first, the dive towards more units)."""
        au0 = au.copy()
        au0[i] = 0.0
        al1 = al.copy()
        al1[i] = 1.0
        self.stack.append((xl, xu, al, au0, node_bound))
        self.stack.append((xl, xu, al1, au, node_bound))

    def _leave_open(self, node: tuple) -> None:
        """The search stops with ``node`` unsolved: it counts towards the frontier's bound."""
        self.stack.append(node)
        self.complete = False
        self.open_bound = max(self.open_bound, self.frontier_bound())

    def _next_node(self) -> tuple:
        """The dive's next node, except every BEST_BOUND_EVERY-th: the open node of largest bound."""
        stack = self.stack
        if self.nodes % BEST_BOUND_EVERY == BEST_BOUND_EVERY - 1 and len(stack) > 1:
            # now and then the open node of largest bound instead of the dive: the proved upper
            # bound (the frontier's largest) then keeps falling while the dive looks for points
            node = stack.pop(max(range(len(stack)), key=lambda i: stack[i][4]))
            if node[4] < self.target + 1:  # the largest bound cannot beat the target: neither can the rest
                stack.clear()
            return node
        return stack.pop()

    def run(self) -> LPOutcome:
        """The node loop, until the stack is empty, the count exceeds ``stop_above``, or the budget ends."""
        stack, stop_above, deadline, node_limit = self.stack, self.stop_above, self.deadline, self.node_limit
        while stack:
            if stop_above is not None and self.best > stop_above:
                break
            if self.report is not None and time.monotonic() >= self.report_at:
                self.report_at = time.monotonic() + REPORT_EVERY_S
                self.report(self.best, self.upper_now(), self.nodes)
            node = self._next_node()
            if node[4] < self.target + 1:
                continue
            if ((deadline is not None and time.monotonic() > deadline)
                    or (node_limit is not None and self.nodes >= node_limit)):
                self._leave_open(node)
                break
            self.nodes += 1
            if self._solve_node(*node):
                break
        return self._finish()

    def _solve_node(self, xl, xu, al, au, pbound: float) -> bool:
        """Propagation, the LP and its safe bound, fixing, a primal point, branching. True: stop the search."""
        prop = self.propagator(xl, xu, al, self.exclude_conflicts(al, au))
        if prop is None:
            return False
        xl, xu, al, au, L, _ = prop  # units surely on/off and the box their rows leave
        au = self.exclude_conflicts(al, au)  # propagation may have switched more units on
        if (al > au).any() or au.sum() < self.target + 1:
            return False
        vl, vu = self._load_node(xl, xu, al, au, L)
        solved = self._solve_lp(vl, vu)
        if solved is _PRUNED:
            return False
        if solved is _OPEN:  # the deadline came during this node's LP: it stays open
            self._leave_open((xl, xu, al, au, pbound))
            return True
        v = None
        node_bound = pbound  # an unsolved LP keeps the parent's bound
        if solved is not None:
            bound, terms, r, er, v = solved
            if bound < self.target + 1:
                return False
            fixed = self._fix_by_bound(bound, terms, r, er, vl, vu)
            if fixed is None:
                return False
            vl, vu = fixed
            m = self.m
            xl, xu, al, au = vl[:m], vu[:m], vl[m:], vu[m:]
            node_bound = min(bound, pbound)  # the parent's bound holds on this node too: keep the smaller
        if v is not None and self._try_point(v, xl, xu, node_bound):
            return False
        self._branch(v, xl, xu, al, au, node_bound)
        return False

    def _load_node(self, xl, xu, al, au, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write the node into HiGHS and into (G, rl, ru); the column bounds (vl, vu) it gives."""
        rel, h, s, m = self.rel, self.h, self.s, self.m
        # a_i = 1 gives A v >= L + M: M is rounded down so that L + M <= act_lo, a valid row
        M = np.maximum(rel.act_lo - L, 0.0) * (1 - 4 * UNIT_ROUNDOFF)
        for i in np.flatnonzero(M != self.cur_M):
            h.changeCoeff(int(i), m + int(i), -float(M[i]))
        self.cur_M = M
        rl, ru = self.rl, self.ru
        self.G[np.arange(s), self.unit_cols] = -M
        # the "off" rows are finite only where a_i is fixed to 0, so they need no indicator column
        rl[:s] = L
        ru[s:2 * s] = np.where(au == 0, rel.inact_hi, np.inf)
        h.changeRowsBounds(2 * s, self.rows_idx, np.where(np.isfinite(rl[:2 * s]), rl[:2 * s], -INF),
                           np.where(np.isfinite(ru[:2 * s]), ru[:2 * s], INF))
        vl, vu = np.concatenate((xl, al)), np.concatenate((xu, au))
        h.changeColsBounds(m + s, self.cols_idx, vl, vu)
        if self.deadline is not None:  # HiGHS compares time_limit with its run time summed over all runs
            h.setOptionValue("time_limit", h.getRunTime() + max(0.01, self.deadline - time.monotonic()))
        return vl, vu

    def _solve_lp(self, vl: np.ndarray, vu: np.ndarray):
        """The node's LP with clique cut rounds: (bound, terms, r, er, v) of the last solved round,
        _PRUNED (a Farkas ray proves the node empty), _OPEN (timed out before any bound) or None."""
        h, safe, signs = self.h, self.safe, self.signs
        max_rounds = ROOT_CUT_ROUNDS if self.nodes == 1 else NODE_CUT_ROUNDS
        rounds = 0
        solved = None  # the last solved round's (bound, terms, r, er, v): still valid if a later round stops
        while True:
            h.run()
            status = h.getModelStatus()
            sol = h.getSolution()
            if status == TIME_LIMIT:  # a bound without the newest clique rows holds all the same
                return _OPEN if solved is None else solved
            if status != OPTIMAL:
                return _PRUNED if status == INFEASIBLE and self._infeasible_by_ray(vl, vu) else None
            G, rl, ru = self.G, self.rl, self.ru
            pi = np.asarray(sol.row_dual)
            lp_obj = h.getInfo().objective_function_value
            bound, terms, r, er = safe(G, rl, ru, vl, vu, signs[0] * pi)
            if not bound <= lp_obj + 1e-6 * (1 + abs(lp_obj)):  # the other convention, kept if better
                other = safe(G, rl, ru, vl, vu, signs[1] * pi)
                if other[0] < bound:
                    bound, terms, r, er = other
                    signs.reverse()
            v = np.asarray(sol.col_value)
            solved = (bound, terms, r, er, v)
            if bound < self.target + 1 or not self.has_conflicts or rounds >= max_rounds:
                return solved
            cuts = violated_cliques(self.nb_masks, v[self.m:], self.known_cliques)
            if not cuts:
                return solved
            rounds += 1
            self.add_clique_rows(cuts)

    def _infeasible_by_ray(self, vl: np.ndarray, vu: np.ndarray) -> bool:
        """Whether HiGHS's dual ray, re-checked safely, proves the node's LP infeasible."""
        _, has_ray, ray = self.h.getDualRay()
        if not has_ray:
            return False
        G, rl, ru, zero = self.G, self.rl, self.ru, self.zero_safe
        cands = [zero(G, rl, ru, vl, vu, sg * np.asarray(ray)) for sg in (1.0, -1.0)]
        return min(c[0] for c in cands) < 0  # 0 <= (a valid upper bound of 0 over the node) < 0

    def _fix_by_bound(self, bound: float, terms, r, er, vl, vu):
        """Reduced-cost fixing by the safe bound: a variable whose other end cannot reach target + 1
        is fixed. The new (vl, vu), or None when some variable can take neither end (node pruned)."""
        m, target = self.m, self.target
        vmax_hi = r * vu + er * np.abs(vu)
        vmax_lo = r * vl + er * np.abs(vl)
        slack = 8 * UNIT_ROUNDOFF * (abs(bound) + np.abs(terms) + np.abs(vmax_hi) + np.abs(vmax_lo)) + UNDERFLOW_SLACK
        at_hi = bound - terms + vmax_hi + slack < target + 1
        at_lo = bound - terms + vmax_lo + slack < target + 1
        free = vl < vu
        if self.integral:
            fix_lo = free & at_hi  # binaries: the upper end is impossible
            fix_hi = free & at_lo
        else:
            fix_lo = np.concatenate((np.zeros(m, bool), (free & at_hi)[m:]))
            fix_hi = np.concatenate((np.zeros(m, bool), (free & at_lo)[m:]))
        if (fix_lo & fix_hi).any():
            return None
        vu = np.where(fix_lo, vl, vu)
        vl = np.where(fix_hi, vu, vl)
        return vl, vu

    def _settled(self, node_bound: float) -> bool:
        """After a new point: whether the node can no longer beat the target, or the search is over."""
        return node_bound < self.target + 1 or (self.stop_above is not None and self.best > self.stop_above)

    def _try_point(self, v: np.ndarray, xl, xu, node_bound: float) -> bool:
        """Primal: the LP point, rounded into the domain, counted exactly when it looks better.
        True when the node is settled by it (nothing to branch on)."""
        A, rel = self.A, self.rel
        x = v[:self.m]
        if self.integral:
            y = np.round(np.clip(x, xl, xu))
            return int((A @ y >= rel.act_lo).sum()) > self.best and self.improve(y) and self._settled(node_bound)
        xc = np.clip(x, self.inner_lo, self.inner_hi)
        loose = np.flatnonzero(A @ xc >= rel.act_lo - 1e-9 * (1 + np.abs(rel.act_lo)))
        if loose.size <= self.best:
            return False
        key = frozenset(int(i) for i in loose)
        if key not in self.tried_sets and self.strict_point is not None:
            self.tried_sets.add(key)
            p = self.strict_point([int(i) for i in loose], False)
            if p is not None:
                self.improve(p)
        elif (A @ xc > rel.inact_hi).sum() > self.best:
            self.improve(xc)
        return self._settled(node_bound)

    def _branch(self, v, xl, xu, al, au, node_bound: float) -> None:
        """Split the most fractional indicator; else a cube coordinate; else decide the fixed cell."""
        if v is not None:
            a = v[self.m:]
            frac = np.minimum(a - al, au - a)
        else:
            a = np.full(self.s, 0.5)
            frac = np.where(al < au, 0.5, 0.0)
        if frac.max(initial=0.0) > 1e-6:
            self.split_unit(int(np.argmax(frac)), xl, xu, al, au, node_bound)
            return
        if self.integral:
            self._branch_coordinate(v, xl, xu, al, au, node_bound)
            return
        free_a = np.flatnonzero(al < au)
        if free_a.size:  # integral LP indicators that do not match an exact count: split a unit
            self.split_unit(int(free_a[np.argmax(a[free_a])]), xl, xu, al, au, node_bound)
            return
        # every indicator fixed on a real domain: is the fixed active set strictly attainable?
        on = [int(i) for i in np.flatnonzero(al == 1)]
        if len(on) > self.best and self.strict_point is not None:
            p = self.strict_point(on, True)
            if p is not None:
                self.improve(p)
            return
        if len(on) > self.best:  # cannot decide this cell exactly without strict_point
            self.complete = False
            self.open_bound = max(self.open_bound, len(on))

    def _branch_coordinate(self, v, xl, xu, al, au, node_bound: float) -> None:
        """Cube, integral indicators: split the free coordinate of largest weighted fractionality
        (the side the LP point leans to first), or count a fully fixed point exactly."""
        free_x = np.flatnonzero(xl < xu)
        if not free_x.size:
            self.improve(np.asarray(xl))  # a fully fixed cube point: its exact count settles the node
            return
        A = self.A
        x = v[:self.m] if v is not None else (xl + xu) / 2
        fx = np.abs(x - np.round(x))[free_x]
        score = fx * np.abs(A[:, free_x]).sum(axis=0) + 1e-12 * np.abs(A[:, free_x]).sum(axis=0)
        j = int(free_x[np.argmax(score)])
        xl0, xu0 = xl.copy(), xu.copy()
        xu0[j] = 0.0
        xl1, xu1 = xl.copy(), xu.copy()
        xl1[j] = 1.0
        first, second = ((xl0, xu0), (xl1, xu1)) if x[j] > 0.5 else ((xl1, xu1), (xl0, xu0))
        self.stack.append((*first, al, au, node_bound))
        self.stack.append((*second, al, au, node_bound))

    def _finish(self) -> LPOutcome:
        """The outcome: exact best and point; complete, or the bound of what stayed open."""
        best, target, s = self.best, self.target, self.s
        if self.stop_above is not None and best > self.stop_above:
            # stopped at a violation: nothing proved above
            return LPOutcome(best, self.best_point, False, s, self.nodes)
        # pruned nodes hold at most ``target`` active units; open ones at most their parents' bounds
        upper = max(best, target) if self.complete else max(best, target, min(s, self.open_bound))
        return LPOutcome(best, self.best_point, self.complete and upper == best, upper, self.nodes)


def lp_branch_and_bound(rel: FloatRows, integral: bool, best_known: int, deadline: float | None,
                        count_exact: Callable[[np.ndarray], int], *,
                        strict_point: Callable[[list[int], bool], np.ndarray | list | None] | None = None,
                        inner: tuple[np.ndarray, np.ndarray] | None = None,
                        stop_above: int | None = None, conflicts: np.ndarray | None = None,
                        node_limit: int | None = None, report=None) -> LPOutcome:
    """Exact max of the number of active rows over the relaxation's box (cube when ``integral``).

    ``count_exact(v)`` counts active rows exactly at a point of the domain; ``strict_point(units, exact)``
    (real domains) returns a domain point where all ``units`` are strictly active, or None; with
    ``exact`` a None is a proof that there is none (without, it is only a cheap attempt).
    ``inner`` is a float box inside the domain for rounding candidate points. With ``stop_above``
    the search ends as soon as the count exceeds it.
    ``conflicts`` (from :func:`pair_conflicts`) adds the clique rows sum_{i in Q} a_i <= 1 of the
    conflict graph to the relaxation and switches conflicting units off once a unit is on.
    ``node_limit`` caps the number of LP nodes solved: a deterministic budget (with ``deadline``
    None the whole search is reproducible). At the deadline or the node limit the search stops
    with ``upper`` the largest safe bound among the open nodes (each unsolved node carries its
    parent's bound), floored since the count is an integer. ``report(best, upper, nodes)``, when
    given, receives the proved bracket and the node count a few times a second (live progress).
    """
    if node_limit is not None and (isinstance(node_limit, bool) or int(node_limit) != node_limit or node_limit < 0):
        raise ValueError(f"node_limit must be a non-negative integer or None, got {node_limit!r}")
    inner = inner if inner is not None else (rel.lo, rel.hi)
    search = _LPSearch(rel, integral, best_known, deadline, count_exact, strict_point, inner, stop_above,
                       conflicts, node_limit)
    search.report = report
    return search.run()
