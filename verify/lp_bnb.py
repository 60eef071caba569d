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

from .integer_form import IntegerRows

try:  # highspy comes with the "solvers" extra; without it this method is unavailable
    import highspy

    HAVE_HIGHS = True
except ImportError:  # pragma: no cover - exercised on machines without the extra
    highspy = None
    HAVE_HIGHS = False

U = 2.0**-53
TINY = 2.0**-1000
_BANNER_SHOWN = False


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


@dataclass(frozen=True)
class LPOutcome:
    """Result of one search: ``best`` is exact (attained at ``point``, or the known value when
    ``point`` is None); ``complete`` means no point has more; else ``upper`` bounds the rest."""

    best: int
    point: np.ndarray | list | None  # floats, or exact Fractions when no float point was found
    complete: bool
    upper: int
    nodes: int


@dataclass(frozen=True)
class FloatRows:
    """Float relaxation data of exact rows ``sum_j C_ij v_j > T_i`` over the box [lo, hi].

    For every v in the box: exact active => A v >= act_lo, exact inactive => A v <= inact_hi.
    """

    A: np.ndarray
    act_lo: np.ndarray
    inact_hi: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _scaled(x: int, k: int) -> float:
    """x / 2**k as a float within (1 + 2**-70) u relative error, for ints of any size."""
    if not x:
        return 0.0
    extra = abs(x).bit_length() - 80
    if extra > 0:  # keep 80 leading bits (truncation: relative error below 2**-79), then round once
        x = x >> extra if x > 0 else -((-x) >> extra)
        k -= extra
    return math.ldexp(float(x), -k)


def float_rows(rows: IntegerRows, coords: np.ndarray, lo: np.ndarray, hi: np.ndarray, integral: bool) -> FloatRows:
    """Widened float data for ``rows`` restricted to ``coords`` (integral: 0/1 cube, active iff C y >= T + 1)."""
    coords = np.asarray(coords, dtype=np.int64)
    s, m = len(rows), int(coords.size)
    A = np.zeros((s, m))
    thr = np.zeros(s)
    T = np.zeros(s)
    for i, (Cr, t) in enumerate(zip(rows.C, rows.T)):
        sub = [Cr[j] for j in coords]
        k = max(max((abs(c) for c in sub), default=1), abs(t) + 1, 1).bit_length()
        if k <= 1000:  # int -> float rounds correctly (relative error <= u), the scaling by 2^-k is exact
            A[i] = np.ldexp(np.array([float(c) for c in sub]), -k)
        else:
            A[i] = [_scaled(c, k) for c in sub]
        T[i] = _scaled(t, k)
        thr[i] = _scaled(t + 1, k) if integral else T[i]
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    # |A v - exact v| <= u |A| xmax per entry, plus underflowed entries (each < 2^-1074 before scaling)
    e = 1.05 * U * (np.abs(A) @ xmax) + m * 2.0**-1070 * (xmax.max(initial=1.0) + 1.0)
    act_lo = thr - U * np.abs(thr) - e
    act_lo = act_lo - 4 * U * np.abs(act_lo) - TINY
    inact_hi = T + U * np.abs(T) + e
    inact_hi = inact_hi + 4 * U * np.abs(inact_hi) + TINY
    return FloatRows(A, act_lo, inact_hi, np.asarray(lo, float), np.asarray(hi, float))


def _box_range(A: np.ndarray, Ap: np.ndarray, An: np.ndarray, xl: np.ndarray, xu: np.ndarray):
    """Rigorous float bounds on min and max of A v over [xl, xu]."""
    L = Ap @ xl + An @ xu
    H = Ap @ xu + An @ xl
    err = 2 * (A.shape[1] + 2) * U * (np.abs(A) @ np.maximum(np.abs(xl), np.abs(xu))) + TINY
    return L - err, H + err


def _tighten(G: np.ndarray, g: np.ndarray, xl: np.ndarray, xu: np.ndarray):
    """Bounds implied by the rows G x >= g on the box [xl, xu], rounded outward (new xl, new xu).

    For a row with G_ij > 0: G_ij x_j >= g_i - max_{x in box} sum_{k != j} G_ik x_k, and the
    other way round for G_ij < 0. Every float step carries an error allowance, so the new
    box still holds every point of the old one that satisfies the rows exactly.
    """
    Gp, Gn = np.maximum(G, 0.0), np.minimum(G, 0.0)
    _, H = _box_range(G, Gp, Gn, xl, xu)
    top = Gp * xu + Gn * xl  # each row's largest term per coordinate
    rest = H[:, None] - top
    rest = rest + 4 * U * (np.abs(H)[:, None] + np.abs(top)) + TINY
    num = g[:, None] - rest
    num = num - 2 * U * (np.abs(g)[:, None] + np.abs(rest)) - TINY  # a lower bound of g_i - rest
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = num / np.where(G != 0, G, 1.0)
    pad = 4 * U * np.abs(q) + 2.0**-1060
    new_lo = np.where(G > 0, q - pad, -np.inf)
    new_hi = np.where(G < 0, q + pad, np.inf)
    new_lo = np.where(np.isnan(new_lo), -np.inf, new_lo).max(axis=0, initial=-np.inf)
    new_hi = np.where(np.isnan(new_hi), np.inf, new_hi).min(axis=0, initial=np.inf)
    return np.maximum(xl, new_lo), np.minimum(xu, new_hi)


def propagate(rel: FloatRows, integral: bool, xl, xu, al, au, rounds: int = 3):
    """Node propagation: rows of units fixed on (A v >= act_lo) and off (A v <= inact_hi) shrink
    the box, the box fixes more units. Returns (xl, xu, al, au, L, H) or None when the node is empty."""
    A = rel.A
    Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
    L, H = _box_range(A, Ap, An, xl, xu)
    for _ in range(rounds):
        al = np.where(L > rel.inact_hi, 1.0, al)
        au = np.where(H < rel.act_lo, 0.0, au)
        if (al > au).any():
            return None
        on, off = al == 1, au == 0
        if not (on.any() or off.any()):
            break
        G = np.vstack((A[on], -A[off]))
        g = np.concatenate((rel.act_lo[on], -rel.inact_hi[off]))
        nl, nu = _tighten(G, g, xl, xu)
        if integral:
            nl, nu = np.ceil(nl), np.floor(nu)
        if (nl > nu).any():
            return None
        width = xu - xl
        if not ((nl > xl + 1e-9 * width).any() or (nu < xu - 1e-9 * width).any()):
            break
        xl, xu = nl, nu
        L, H = _box_range(A, Ap, An, xl, xu)
    return xl, xu, al, au, L, H


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


CONFLICT_WORK = 4 * 10**7  # pairs * breakpoints * coordinates up to which pairwise conflicts are searched


def pair_conflicts(rel: FloatRows) -> np.ndarray:
    """Proven pairwise conflicts: C[i, j] when no point of the box makes rows i and j both active.

    Rows i and j are both active only if A_i v >= act_lo_i and A_j v >= act_lo_j. For any
    multipliers lam, mu >= 0 the combination (lam A_i + mu A_j) v >= lam act_lo_i + mu act_lo_j
    follows; when its left side cannot reach the right side anywhere in the box, the pair
    conflicts. The best lam lies at a breakpoint of the convex function of lam in [0, 1], so
    every breakpoint is tried in float, and each conflict is then checked with a rigorous
    rounding-error bound. Empty (no conflicts claimed) when the search would cost more than
    ``CONFLICT_WORK``.
    """
    A, t = rel.A, rel.act_lo
    s, m = A.shape
    C = np.zeros((s, s), bool)
    if s < 2 or (s * (s - 1) // 2) * (m + 2) * m > CONFLICT_WORK:
        return C
    lo, hi = rel.lo, rel.hi
    vmax = np.maximum(np.abs(lo), np.abs(hi))
    # screen: a pair is certainly compatible when a vertex maximising one row or their sum serves both
    corners = [np.where(A > 0, hi, lo)]
    own = np.einsum("ij,ij->i", A, corners[0])
    for i in range(s - 1):
        B, tj = A[i + 1:], t[i + 1:]
        both = np.zeros(len(B), bool)
        for V in (np.broadcast_to(corners[0][i], B.shape), corners[0][i + 1:], np.where(A[i] + B > 0, hi, lo)):
            both |= (V @ A[i] >= t[i] + 1e-9 * abs(t[i])) & (np.einsum("ij,ij->i", B, V) >= tj + 1e-9 * np.abs(tj))
        keep = np.flatnonzero(~both & (own[i + 1:] >= tj) & (own[i] >= t[i]))
        if keep.size == 0:
            continue
        a, B, tj = A[i], B[keep], tj[keep]
        d = B - a
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where(d != 0, B / d, 0.0)  # lam a_k + (1 - lam) b_k = 0
        lam = np.where((lam > 0) & (lam < 1), lam, 0.0)
        lam = np.concatenate((np.zeros((len(B), 1)), np.ones((len(B), 1)), lam), axis=1)  # (k, m + 2)
        mu = 1.0 - lam
        g = lam[:, :, None] * a + mu[:, :, None] * B[:, None, :]
        val = np.maximum(g * lo, g * hi).sum(axis=2) - lam * t[i] - mu * tj[:, None]
        best = np.argmin(val, axis=1)
        rows = np.arange(len(B))
        lb, mb = lam[rows, best], mu[rows, best]
        # rigorous check of the chosen multipliers: sum_k max(g_k v_k) < lam t_i + mu t_j
        gb = lb[:, None] * a + mb[:, None] * B
        terms = np.maximum(gb * lo, gb * hi)
        left = terms.sum(axis=1)
        right = lb * t[i] + mb * tj
        err = (4 * U * ((np.abs(lb[:, None] * a) + np.abs(mb[:, None] * B)) * vmax).sum(axis=1)
               + 2 * (m + 4) * U * np.abs(terms).sum(axis=1)
               + 4 * U * (np.abs(lb * t[i]) + np.abs(mb * tj)) + (m + 4) * TINY)
        ok = np.isfinite(left) & np.isfinite(right) & np.isfinite(err) & (left + err < right)
        ok &= ~((lb == 0) & (mb == 0))
        C[i, i + 1 + keep[ok]] = True
    return C | C.T


def greedy_cliques(C: np.ndarray) -> list[tuple[int, ...]]:
    """Maximal cliques of the conflict graph grown greedily from every vertex (distinct, size >= 2)."""
    deg = C.sum(axis=1)
    order = np.argsort(-deg, kind="stable")
    out: set[tuple[int, ...]] = set()
    for i in np.flatnonzero(deg):
        members = [int(i)]
        common = C[i].copy()
        for j in order:
            if common[j]:
                members.append(int(j))
                common &= C[j]
        out.add(tuple(sorted(members)))
    return sorted(out)


def lp_branch_and_bound(rel: FloatRows, integral: bool, best_known: int, deadline: float | None,
                        count_exact: Callable[[np.ndarray], int], *,
                        strict_point: Callable[[list[int], bool], np.ndarray | list | None] | None = None,
                        inner: tuple[np.ndarray, np.ndarray] | None = None,
                        stop_above: int | None = None, conflicts: np.ndarray | None = None) -> LPOutcome:
    """Exact max of the number of active rows over the relaxation's box (cube when ``integral``).

    ``count_exact(v)`` counts active rows exactly at a point of the domain; ``strict_point(units, exact)``
    (real domains) returns a domain point where all ``units`` are strictly active, or None; with
    ``exact`` a None is a proof that there is none (without, it is only a cheap attempt).
    ``inner`` is a float box inside the domain for rounding candidate points. With ``stop_above`` the search ends as soon as the count exceeds it.
    ``conflicts`` (from :func:`pair_conflicts`) adds the clique rows sum_{i in Q} a_i <= 1 of the
    conflict graph to the relaxation and switches conflicting units off once a unit is on.
    """
    A = rel.A
    s, m = A.shape
    Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
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
    cliques = greedy_cliques(conflicts) if conflicts is not None and conflicts.any() else []
    for q in cliques:
        h.addRow(-inf, 1.0, len(q), np.asarray([m + i for i in q], dtype=np.int32), np.ones(len(q)))
    if cliques:
        Q = np.zeros((len(cliques), m + s))
        for r, q in enumerate(cliques):
            Q[r, [m + i for i in q]] = 1.0
        G = np.vstack((G, Q))
    has_conflicts = bool(cliques)
    safe = _SafeBound(np.r_[np.zeros(m), np.ones(s)])
    rows_idx = np.arange(2 * s, dtype=np.int32)
    cols_idx = np.arange(m + s, dtype=np.int32)
    unit_cols = m + np.arange(s)
    cur_M = np.zeros(s)
    rl = np.full(2 * s + len(cliques), -np.inf)  # "on" rows [L, inf), "off" rows (-inf, inact_hi] or free,
    ru = np.r_[np.full(2 * s, np.inf), np.ones(len(cliques))]  # clique rows (-inf, 1]
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
        if deadline is not None and time.monotonic() > deadline:
            complete = False
            open_bound = max(open_bound, max(int(math.floor(e[4])) if math.isfinite(e[4]) else s for e in stack))
            break
        xl, xu, al, au, pbound = stack.pop()
        if pbound < target + 1:
            continue
        nodes += 1
        if has_conflicts and al.any():
            au = np.where(conflicts[al == 1].any(axis=0), 0.0, au)  # a unit that is on excludes its conflicts
        prop = propagate(rel, integral, xl, xu, al, au)
        if prop is None:
            continue
        xl, xu, al, au, L, H = prop  # units surely on/off and the box their rows leave
        if has_conflicts and al.any():
            au = np.where(conflicts[al == 1].any(axis=0), 0.0, au)
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
        if deadline is not None:
            h.setOptionValue("time_limit", max(0.01, deadline - time.monotonic()))
        h.run()
        status = h.getModelStatus()
        sol = h.getSolution()
        bound = None
        v = None
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
        elif status == highspy.HighsModelStatus.kInfeasible:
            _, has_ray, ray = h.getDualRay()
            if has_ray:
                zero = _SafeBound(np.zeros(m + s))
                cands = [zero(G, rl, ru, vl, vu, sg * np.asarray(ray)) for sg in (1.0, -1.0)]
                if min(c[0] for c in cands) < 0:  # 0 <= (a valid upper bound of 0 over the node) < 0
                    continue
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
        node_bound = float(s) if bound is None else bound
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


def milp_candidates(rel: FloatRows, integral: bool, time_limit: float, *, margin: float = 1e-7) -> list[np.ndarray]:
    """Points from HiGHS's MILP on the big-M model (a primal heuristic only: callers count them exactly).

    On real domains each forced row asks for a relative margin, so that the points HiGHS returns
    tend to be strictly inside the active half-spaces rather than on their boundaries.
    """
    A = rel.A
    s, m = A.shape
    h = new_highs()
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
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
