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
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .conflicts import greedy_cliques, neighbour_masks, violated_cliques
from .propagation import Propagator
from .relaxation import TINY, U, FloatRows

try:  # highspy comes with the "solvers" extra; without it this method is unavailable
    import highspy

    HAVE_HIGHS = True
except ImportError:  # pragma: no cover - exercised on machines without the extra
    highspy = None
    HAVE_HIGHS = False

_BANNER_SHOWN = False
ROOT_CUT_ROUNDS, NODE_CUT_ROUNDS = 8, 1  # clique separation rounds per LP solve (root, other nodes)
BEST_BOUND_EVERY = 8  # every 8th node is the open node of largest bound (the others continue the dive)


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


class _SafeBound:
    """Neumaier-Shcherbina bound from approximate row multipliers, with rigorous rounding."""

    def __init__(self, c: np.ndarray) -> None:
        self.c = c

    def __call__(self, G: np.ndarray, rl: np.ndarray, ru: np.ndarray, vl: np.ndarray, vu: np.ndarray,
                 pi: np.ndarray):
        """(bound, per-variable terms, reduced costs r, per-variable error) for max c^T v."""
        pi = np.where(pi > 0, np.where(np.isfinite(ru), pi, 0.0), np.where(np.isfinite(rl), pi, 0.0))
        pi = np.where(np.isfinite(pi), pi, 0.0)
        R = G.shape[0]
        r = self.c - G.T @ pi
        er = 2 * (R + 4) * U * (np.abs(self.c) + np.abs(G).T @ np.abs(pi)) + TINY
        vmax = np.maximum(np.abs(vl), np.abs(vu))
        t0 = np.maximum(r * vl, r * vu)
        terms = t0 + er * vmax + 4 * U * (np.abs(t0) + er * vmax) + TINY
        rowt = np.where(pi > 0, pi * np.where(np.isfinite(ru), ru, 0.0), pi * np.where(np.isfinite(rl), rl, 0.0))
        total = terms.sum() + rowt.sum()
        N = terms.size + rowt.size
        total += 2 * (N + 4) * U * (np.abs(terms).sum() + np.abs(rowt).sum()) + TINY
        return float(total), terms, r, er


def lp_branch_and_bound(rel: FloatRows, integral: bool, best_known: int, deadline: float | None,
                        count_exact: Callable[[np.ndarray], int], *,
                        strict_point: Callable[[list[int], bool], np.ndarray | list | None] | None = None,
                        inner: tuple[np.ndarray, np.ndarray] | None = None,
                        stop_above: int | None = None, conflicts: np.ndarray | None = None,
                        node_limit: int | None = None) -> LPOutcome:
    """Exact max of the number of active rows over the relaxation's box (cube when ``integral``).

    ``count_exact(v)`` counts active rows exactly at a point of the domain; ``strict_point(units, exact)``
    (real domains) returns a domain point where all ``units`` are strictly active, or None; with
    ``exact`` a None is a proof that there is none (without, it is only a cheap attempt).
    ``inner`` is a float box inside the domain for rounding candidate points. With ``stop_above`` the search ends as soon as the count exceeds it.
    ``conflicts`` (from :func:`pair_conflicts`) adds the clique rows sum_{i in Q} a_i <= 1 of the
    conflict graph to the relaxation and switches conflicting units off once a unit is on.
    ``node_limit`` caps the number of LP nodes solved: a deterministic budget (with ``deadline``
    None the whole search is reproducible). At the deadline or the node limit the search stops
    with ``upper`` the largest safe bound among the open nodes (each unsolved node carries its
    parent's bound), floored since the count is an integer.
    """
    if node_limit is not None and (isinstance(node_limit, bool) or int(node_limit) != node_limit or node_limit < 0):
        raise ValueError(f"node_limit must be a non-negative integer or None, got {node_limit!r}")
    A = rel.A
    s, m = A.shape
    inner_lo, inner_hi = inner if inner is not None else (rel.lo, rel.hi)
    h = new_highs()
    h.setOptionValue("presolve", "off")
    inf = highspy.kHighsInf
    h.addVars(m, rel.lo, rel.hi)
    h.addVars(s, np.zeros(s), np.ones(s))
    h.changeColsCost(s, np.arange(m, m + s, dtype=np.int32), np.ones(s))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    G = np.zeros((2 * s, m + s))
    G[:s, :m] = A
    G[s:, :m] = A
    for i in range(s):
        idx = np.r_[np.arange(m), m + i].astype(np.int32)
        h.addRow(-inf, inf, m + 1, idx, np.r_[A[i], 0.0])
    for i in range(s):
        idx = np.r_[np.arange(m), m + i].astype(np.int32)
        h.addRow(-inf, inf, m + 1, idx, np.r_[A[i], 0.0])
    rl = np.full(2 * s, -np.inf)  # row ranges: "on" rows [L, inf), "off" rows (-inf, inact_hi] or free,
    ru = np.full(2 * s, np.inf)  # then clique rows (-inf, 1]

    def add_clique_rows(qs: list[tuple[int, ...]]) -> None:
        """Rows sum_{i in q} a_i <= 1, valid for the whole search, in HiGHS and in (G, rl, ru) alike."""
        nonlocal G, rl, ru
        Q = np.zeros((len(qs), m + s))
        for k, q in enumerate(qs):
            h.addRow(-inf, 1.0, len(q), np.asarray([m + i for i in q], dtype=np.int32), np.ones(len(q)))
            Q[k, [m + i for i in q]] = 1.0
        G = np.vstack((G, Q))
        rl = np.r_[rl, np.full(len(qs), -np.inf)]
        ru = np.r_[ru, np.ones(len(qs))]

    def exclude_conflicts(al: np.ndarray, au: np.ndarray) -> np.ndarray:
        """A unit that is on switches off every unit it conflicts with."""
        return np.where(conflicts[al == 1].any(axis=0), 0.0, au) if has_conflicts and al.any() else au

    propagator = Propagator(rel, integral)
    cliques = greedy_cliques(conflicts) if conflicts is not None and conflicts.any() else []
    has_conflicts = bool(cliques)
    known_cliques = set(cliques)
    nb_masks = neighbour_masks(conflicts) if has_conflicts else []
    if cliques:
        add_clique_rows(cliques)
    safe = _SafeBound(np.r_[np.zeros(m), np.ones(s)])
    rows_idx = np.arange(2 * s, dtype=np.int32)
    cols_idx = np.arange(m + s, dtype=np.int32)
    unit_cols = m + np.arange(s)
    cur_M = np.zeros(s)
    signs = [1.0, -1.0]  # the multipliers' sign convention that gave the bound last time goes first
    best = best_known
    best_point: np.ndarray | None = None
    target = best if stop_above is None else max(best, stop_above)  # prune what cannot exceed this
    tried_sets: set[frozenset] = set()
    # stack entries: (xl, xu, al, au, parent bound)
    stack = [(rel.lo.copy(), rel.hi.copy(), np.zeros(s), np.ones(s), float(s))]
    nodes = 0
    complete = True
    open_bound = best

    def frontier_bound() -> int:
        """Largest proved count among the open nodes (a safe real bound, so its floor)."""
        return max((int(math.floor(e[4])) if math.isfinite(e[4]) else s for e in stack), default=best)

    def improve(v: np.ndarray) -> bool:
        nonlocal best, best_point, target
        cnt = count_exact(v)
        if cnt > best:
            best, best_point = cnt, (v.copy() if isinstance(v, np.ndarray) else list(v))
            target = best if stop_above is None else max(best, stop_above)
            return True
        return False

    def split_unit(i: int, xl, xu, al, au, node_bound: float) -> None:
        """Two children: unit i off, then unit i on (popped first, the dive towards more units)."""
        au0 = au.copy()
        au0[i] = 0.0
        al1 = al.copy()
        al1[i] = 1.0
        stack.append((xl, xu, al, au0, node_bound))
        stack.append((xl, xu, al1, au, node_bound))

    while stack:
        if stop_above is not None and best > stop_above:
            break
        if nodes % BEST_BOUND_EVERY == BEST_BOUND_EVERY - 1 and len(stack) > 1:
            # now and then the open node of largest bound instead of the dive: the proved upper
            # bound (the frontier's largest) then keeps falling while the dive looks for points
            k = max(range(len(stack)), key=lambda i: stack[i][4])
            xl, xu, al, au, pbound = stack.pop(k)
            if pbound < target + 1:  # the largest bound cannot beat the target: neither can the rest
                stack.clear()
        else:
            xl, xu, al, au, pbound = stack.pop()
        if pbound < target + 1:
            continue
        if (deadline is not None and time.monotonic() > deadline) or (node_limit is not None and nodes >= node_limit):
            stack.append((xl, xu, al, au, pbound))  # still open: it counts towards the frontier's bound
            complete = False
            open_bound = max(open_bound, frontier_bound())
            break
        nodes += 1
        prop = propagator(xl, xu, al, exclude_conflicts(al, au))
        if prop is None:
            continue
        xl, xu, al, au, L, H = prop  # units surely on/off and the box their rows leave
        au = exclude_conflicts(al, au)  # propagation may have switched more units on
        if (al > au).any() or au.sum() < target + 1:
            continue
        # a_i = 1 gives A v >= L + M: M is rounded down so that L + M <= act_lo, a valid row
        M = np.maximum(rel.act_lo - L, 0.0) * (1 - 4 * U)
        for i in np.flatnonzero(M != cur_M):
            h.changeCoeff(int(i), m + int(i), -float(M[i]))
        cur_M = M
        G[np.arange(s), unit_cols] = -M
        # the "off" rows are finite only where a_i is fixed to 0, so they need no indicator column
        rl[:s] = L
        ru[s:2 * s] = np.where(au == 0, rel.inact_hi, np.inf)
        h.changeRowsBounds(2 * s, rows_idx, np.where(np.isfinite(rl[:2 * s]), rl[:2 * s], -inf),
                           np.where(np.isfinite(ru[:2 * s]), ru[:2 * s], inf))
        vl, vu = np.concatenate((xl, al)), np.concatenate((xu, au))
        h.changeColsBounds(m + s, cols_idx, vl, vu)
        if deadline is not None:  # HiGHS compares time_limit with its run time summed over all runs
            h.setOptionValue("time_limit", h.getRunTime() + max(0.01, deadline - time.monotonic()))
        rounds = 0
        solved = None  # the last solved round's (bound, terms, r, er, v): still valid if a later round stops
        timed_out = False
        while True:
            h.run()
            status = h.getModelStatus()
            sol = h.getSolution()
            bound = None
            v = None
            infeasible = False
            if status == highspy.HighsModelStatus.kTimeLimit:
                timed_out = True
                if solved is not None:  # a bound without the newest clique rows holds all the same
                    bound, terms, r, er, v = solved
                break
            if status == highspy.HighsModelStatus.kOptimal:
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
            elif status == highspy.HighsModelStatus.kInfeasible:
                _, has_ray, ray = h.getDualRay()
                if has_ray:
                    zero = _SafeBound(np.zeros(m + s))
                    cands = [zero(G, rl, ru, vl, vu, sg * np.asarray(ray)) for sg in (1.0, -1.0)]
                    infeasible = min(c[0] for c in cands) < 0  # 0 <= (a valid upper bound of 0 over the node) < 0
            if (v is None or bound < target + 1 or not has_conflicts
                    or rounds >= (ROOT_CUT_ROUNDS if nodes == 1 else NODE_CUT_ROUNDS)):
                break
            cuts = violated_cliques(nb_masks, v[m:], known_cliques)
            if not cuts:
                break
            rounds += 1
            add_clique_rows(cuts)
        if infeasible:
            continue
        if timed_out and bound is None:  # the deadline came during this node's LP: it stays open
            stack.append((xl, xu, al, au, pbound))
            complete = False
            open_bound = max(open_bound, frontier_bound())
            break
        if bound is not None and bound < target + 1:
            continue
        if bound is not None:
            # fixing by the same bound: a variable whose other end cannot reach target + 1 is fixed
            vmax_hi = r * vu + er * np.abs(vu)
            vmax_lo = r * vl + er * np.abs(vl)
            slack = 8 * U * (abs(bound) + np.abs(terms) + np.abs(vmax_hi) + np.abs(vmax_lo)) + TINY
            at_hi = bound - terms + vmax_hi + slack < target + 1
            at_lo = bound - terms + vmax_lo + slack < target + 1
            free = vl < vu
            if integral:
                fix_lo = free & at_hi  # binaries: the upper end is impossible
                fix_hi = free & at_lo
            else:
                fix_lo = np.concatenate((np.zeros(m, bool), (free & at_hi)[m:]))
                fix_hi = np.concatenate((np.zeros(m, bool), (free & at_lo)[m:]))
            if (fix_lo & fix_hi).any():
                continue
            vu = np.where(fix_lo, vl, vu)
            vl = np.where(fix_hi, vu, vl)
            xl, xu, al, au = vl[:m], vu[:m], vl[m:], vu[m:]
        # the parent's bound holds on this node too: keep the smaller (an unsolved LP keeps the parent's)
        node_bound = pbound if bound is None else min(bound, pbound)
        # primal: the LP point, rounded into the domain, counted exactly when it looks better
        if v is not None:
            x = v[:m]
            if integral:
                y = np.round(np.clip(x, xl, xu))
                if int((A @ y >= rel.act_lo).sum()) > best and improve(y):
                    if node_bound < target + 1 or (stop_above is not None and best > stop_above):
                        continue
            else:
                xc = np.clip(x, inner_lo, inner_hi)
                loose = np.flatnonzero(A @ xc >= rel.act_lo - 1e-9 * (1 + np.abs(rel.act_lo)))
                if loose.size > best:
                    key = frozenset(int(i) for i in loose)
                    if key not in tried_sets and strict_point is not None:
                        tried_sets.add(key)
                        p = strict_point([int(i) for i in loose], False)
                        if p is not None:
                            improve(p)
                    elif (A @ xc > rel.inact_hi).sum() > best:
                        improve(xc)
                    if node_bound < target + 1 or (stop_above is not None and best > stop_above):
                        continue
        # branching
        free_a = np.flatnonzero(al < au)
        if v is not None:
            a = v[m:]
            frac = np.minimum(a - al, au - a)
        else:
            a = np.full(s, 0.5)
            frac = np.where(al < au, 0.5, 0.0)
        if frac.max(initial=0.0) > 1e-6:
            split_unit(int(np.argmax(frac)), xl, xu, al, au, node_bound)
            continue
        if integral:
            free_x = np.flatnonzero(xl < xu)
            if free_x.size:
                x = v[:m] if v is not None else (xl + xu) / 2
                fx = np.abs(x - np.round(x))[free_x]
                score = fx * np.abs(A[:, free_x]).sum(axis=0) + 1e-12 * np.abs(A[:, free_x]).sum(axis=0)
                j = int(free_x[np.argmax(score)])
                xl0, xu0 = xl.copy(), xu.copy()
                xu0[j] = 0.0
                xl1, xu1 = xl.copy(), xu.copy()
                xl1[j] = 1.0
                first, second = ((xl0, xu0), (xl1, xu1)) if x[j] > 0.5 else ((xl1, xu1), (xl0, xu0))
                stack.append((*first, al, au, node_bound))
                stack.append((*second, al, au, node_bound))
                continue
            improve(np.asarray(xl))  # a fully fixed cube point: its exact count settles the node
            continue
        if free_a.size:  # integral LP indicators that do not match an exact count: split a unit
            split_unit(int(free_a[np.argmax(a[free_a])]), xl, xu, al, au, node_bound)
            continue
        # every indicator fixed on a real domain: is the fixed active set strictly attainable?
        on = [int(i) for i in np.flatnonzero(al == 1)]
        if len(on) > best and strict_point is not None:
            p = strict_point(on, True)
            if p is not None:
                improve(p)
            continue
        if len(on) > best:  # cannot decide this cell exactly without strict_point
            complete = False
            open_bound = max(open_bound, len(on))
    if stop_above is not None and best > stop_above:
        return LPOutcome(best, best_point, False, s, nodes)  # stopped at a violation: nothing proved above
    # pruned nodes hold at most ``target`` active units; open ones at most their parents' bounds
    upper = max(best, target) if complete else max(best, target, min(s, open_bound))
    return LPOutcome(best, best_point, complete and upper == best, upper, nodes)


def milp_candidates(rel: FloatRows, integral: bool, time_limit: float | None, *, margin: float = 1e-7,
                    node_limit: int | None = None) -> list[np.ndarray]:
    """Points from HiGHS's MILP on the big-M model (a primal heuristic only: callers count them exactly).

    On real domains each forced row asks for a relative margin, so that the points HiGHS returns
    tend to be strictly inside the active half-spaces rather than on their boundaries.
    ``node_limit`` caps HiGHS's branch-and-bound nodes (a deterministic budget; with
    ``time_limit`` None the result is reproducible). At least one of the two limits is needed.
    """
    if time_limit is None and node_limit is None:
        raise ValueError("milp_candidates needs a time_limit or a node_limit")
    A = rel.A
    s, m = A.shape
    h = new_highs()
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", max(1, int(node_limit)))
    inf = highspy.kHighsInf
    h.addVars(m, rel.lo, rel.hi)
    h.addVars(s, np.zeros(s), np.ones(s))
    h.changeColsCost(s, np.arange(m, m + s, dtype=np.int32), np.ones(s))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    kinds = ([highspy.HighsVarType.kInteger] * m if integral else [highspy.HighsVarType.kContinuous] * m) \
        + [highspy.HighsVarType.kInteger] * s
    h.changeColsIntegrality(m + s, np.arange(m + s, dtype=np.int32), np.array(kinds))
    Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
    L = Ap @ rel.lo + An @ rel.hi
    scale = np.abs(A) @ np.maximum(np.abs(rel.lo), np.abs(rel.hi)) + np.abs(rel.act_lo)
    need = rel.act_lo + (0.0 if integral else margin) * scale
    for i in range(s):
        idx = np.r_[np.arange(m), m + i].astype(np.int32)
        h.addRow(float(L[i]), inf, m + 1, idx, np.r_[A[i], -max(float(need[i] - L[i]), 0.0)])
    h.run()
    out = []
    sol = h.getSolution()
    if sol.value_valid:
        v = np.asarray(sol.col_value)[:m]
        out.append(np.round(v) if integral else np.clip(v, rel.lo, rel.hi))
    return out
