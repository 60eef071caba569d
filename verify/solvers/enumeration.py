"""Exact enumeration of a cube: every point, vectorised and chunked, exact decisions.

Meet in the middle: the coordinates are split into a low half (table P of 2^m1 rows:
threshold minus the low part of every unit) and a high half (table Q: the high part),
so unit r is active at (low l, high h) iff Q[h, r] > P[l, r] -- one comparison per unit
and point, no multiplication. Rows whose scaled integer form stays below 2**53 are
exact in float64; the others get a rigorous rounding margin e_r, and the comparison
Q > P - e over-approximates activity. Only points whose over-approximated count beats
the best count so far are re-counted exactly (integer arithmetic near tau).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from ..integer_form import IntegerRows

CELLS = 1 << 23  # booleans per comparison block (8 MiB)

_IMPORT_PID = os.getpid()


def _count_possible_py(Q, Pm):  # pragma: no cover - compiled
    H, s = Q.shape
    L = Pm.shape[0]
    out = np.empty((H, L), dtype=np.int64)
    for h in numba.prange(H):
        for l in range(L):
            c = 0
            for i in range(s):
                if Q[h, i] > Pm[l, i]:
                    c += 1
            out[h, l] = c
    return out


def _count_possible_serial_py(Q, Pm):  # pragma: no cover - compiled; its own function, so its own cache entry
    H, s = Q.shape
    L = Pm.shape[0]
    out = np.empty((H, L), dtype=np.int64)
    for h in range(H):
        for l in range(L):
            c = 0
            for i in range(s):
                if Q[h, i] > Pm[l, i]:
                    c += 1
            out[h, l] = c
    return out


try:  # optional ("fast" extra): a fused, multi-threaded comparison count
    import numba

    _count_possible_nb = numba.njit(cache=True, parallel=True, nogil=True)(_count_possible_py)
    # in a forked child (jobs > 1) the processes are the parallelism, and GNU OpenMP, numba's
    # default threading layer, aborts a child forked after the parent used it: one thread there
    _count_possible_serial_nb = numba.njit(cache=True, nogil=True)(_count_possible_serial_py)
except ImportError:  # pragma: no cover
    _count_possible_nb = _count_possible_serial_nb = None


def count_possible(Q: np.ndarray, Pm: np.ndarray) -> np.ndarray:
    """count[h, l] = #{i : Q[h, i] > Pm[l, i]} (the over-approximated active count)."""
    if _count_possible_nb is not None:
        kernel = _count_possible_nb if os.getpid() == _IMPORT_PID else _count_possible_serial_nb
        return kernel(np.ascontiguousarray(Q), np.ascontiguousarray(Pm))
    return np.count_nonzero(Q[:, None, :] > Pm[None, :, :], axis=2)


@dataclass(frozen=True)
class EnumerationOutcome:
    best: int  # largest count of active rows found (exact)
    best_y: np.ndarray  # 0/1 assignment of the enumerated coordinates attaining it
    complete: bool  # every point was visited (False: deadline, or stopped above a threshold)
    points: int
    exact_rechecks: int


def _bits(idx: np.ndarray, width: int) -> np.ndarray:
    return ((idx[:, None] >> np.arange(width, dtype=np.int64)) & 1).astype(np.float64)


class _Tables:
    """Float tables for the split, with per-row error bounds (zero for exact rows)."""

    def __init__(self, rows: IntegerRows, coords: np.ndarray, m1: int) -> None:
        m = coords.size
        Cint = [[row[j] for j in coords] for row in rows.C]
        self.Cint, self.Tint = Cint, list(rows.T)
        exact = rows.float_exact_rows()
        s = len(rows)
        C = np.empty((s, m))
        T = np.empty(s)
        err = np.zeros(s)
        for r in range(s):
            if exact[r]:
                C[r] = Cint[r]
                T[r] = rows.T[r]
            else:  # normalise by a power of two so the floats are near 1; relative error <= U each
                big = max(max((abs(c) for c in Cint[r]), default=1), abs(rows.T[r]), 1)
                shift = big.bit_length()
                C[r] = [_scaled(c, shift) for c in Cint[r]]
                T[r] = _scaled(rows.T[r], shift)
                err[r] = 4 * (m + 4) * UNIT_ROUNDOFF * (np.abs(C[r]).sum() + abs(T[r])) + UNDERFLOW_SLACK
        self.exact = exact
        self.C, self.T = C, T
        low = np.arange(1 << m1, dtype=np.int64)
        self.Ylow = _bits(low, m1)
        self.P = T[None, :] - self.Ylow @ C[:, :m1].T  # (2^m1, s): threshold minus the low part
        self.Chigh = C[:, m1:]
        self.m1, self.m2 = m1, m - m1
        self.err = err
        self.P_minus = self.P - err  # Q > P - err  over-approximates "active"

    def exact_counts(self, Y: np.ndarray) -> np.ndarray:
        """Exact active counts at full 0/1 points Y (rows: points over the enumerated coordinates).

        Exact rows are exact in float64; the others are decided in float64 where the value is
        farther than the row's error bound from the threshold, and in integers otherwise.
        """
        Z = Y @ self.C.T  # (points, s)
        act = Z > self.T
        near = ~(np.abs(Z - self.T) > self.err) & ~self.exact[None, :]
        ps, rs = np.nonzero(near)
        for p, r in zip(ps.tolist(), rs.tolist()):
            act[p, r] = sum(c for c, yj in zip(self.Cint[r], Y[p]) if c and yj) > self.Tint[r]
        return act.sum(axis=1)


def _scaled(v: int, shift: int) -> float:
    """v / 2**shift as the nearest float, for arbitrarily large ints (CPython's int / int is
    correctly rounded, like float(Fraction(v, 2**shift)), at a tenth of the cost)."""
    return v / (1 << shift)


def enumerate_cube(
    rows: IntegerRows,
    coords: np.ndarray,
    W: np.ndarray | None = None,
    b: np.ndarray | None = None,
    lo: float = -1.0,
    hi: float = 1.0,
    tau: float = 0.0,
    *,
    stop_above: int | None = None,
    deadline: float | None = None,
    best_known: int = -1,
    high_range: tuple[int, int] | None = None,
) -> EnumerationOutcome:
    """Max over y in {0,1}^coords of the number of active rows (units whose weights live on ``coords``).

    ``best_known`` (an exactly checked count) lets the scan skip points that cannot beat it;
    the returned ``best`` is then max(best_known, best found) and ``best_y`` is all zeros
    when nothing beat it. ``high_range`` restricts the scan to a slice of the high half
    (for parallel workers). W, b, lo, hi, tau are accepted for the caller's convenience;
    the integer rows already encode them exactly.
    """
    coords = np.asarray(coords, dtype=np.int64)
    m = int(coords.size)
    s = len(rows)
    m1 = min(m, 12)
    tab = _Tables(rows, coords, m1)
    nh = 1 << tab.m2
    h0, h1 = high_range if high_range is not None else (0, nh)
    best, best_y, rechecks, points = best_known, np.zeros(m), 0, 0
    H = max(1, CELLS // max(1, (1 << m1) * s))
    for start in range(h0, h1, H):
        if deadline is not None and time.monotonic() > deadline:
            return EnumerationOutcome(max(best, 0), best_y, False, points, rechecks)
        hidx = np.arange(start, min(start + H, h1), dtype=np.int64)
        Yhigh = _bits(hidx, tab.m2)
        Q = Yhigh @ tab.Chigh.T  # (H, s)
        possible = count_possible(Q, tab.P_minus)  # (H, 2^m1)
        points += possible.size
        cand = np.argwhere(possible > best)
        if cand.size:
            order = np.argsort(-possible[cand[:, 0], cand[:, 1]], kind="stable")
            cand = cand[order]
            for chunk in range(0, len(cand), 1024):
                part = cand[chunk:chunk + 1024]
                if possible[part[0, 0], part[0, 1]] <= best:
                    break
                Y = np.hstack([tab.Ylow[part[:, 1]], Yhigh[part[:, 0]]])
                counts = tab.exact_counts(Y)
                rechecks += len(part)
                top = int(np.argmax(counts))
                if counts[top] > best:
                    best, best_y = int(counts[top]), Y[top].copy()
        if stop_above is not None and best > stop_above:
            return EnumerationOutcome(best, best_y, False, points, rechecks)
    return EnumerationOutcome(max(best, 0), best_y, True, points, rechecks)


# -- the solver ------------------------------------------------------------------------------
ENUM_MAX_COORDS = 26  # method="auto": enumerate a group's cube when it has at most this many coordinates ...
ENUM_MAX_WORK = 2**36  # ... and 2^coords * rows stays below this
ENUM_FORCED_MAX_COORDS = 30  # method="enumerate": any group up to this many coordinates
PARALLEL_WORK = 2**29  # unit evaluations above which a scan is split over ``jobs`` processes


def _enumerate_part(task) -> EnumerationOutcome:
    rows, coords, stop_above, deadline, best_known, high_range = task
    return enumerate_cube(rows, coords, stop_above=stop_above, deadline=deadline, best_known=best_known,
                          high_range=high_range)


def _parallel(rows: IntegerRows, coords: np.ndarray, stop_above, deadline, floor: int, jobs: int):
    """The scan split over ``jobs`` processes by slices of its high half (None: not worth it)."""
    from ..executor import run_batch

    m2 = max(0, int(coords.size) - 12)
    if jobs <= 1 or (1 << int(coords.size)) * len(rows) < PARALLEL_WORK or m2 < 1:
        return None
    cuts = np.linspace(0, 1 << m2, jobs + 1).astype(np.int64)
    tasks = [(rows, coords, stop_above, deadline, floor, (int(a), int(b))) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    parts = run_batch(_enumerate_part, tasks, jobs=jobs)
    best = max(parts, key=lambda o: o.best)
    return EnumerationOutcome(best.best, best.best_y, all(o.complete for o in parts),
                              sum(o.points for o in parts), sum(o.exact_rechecks for o in parts))


@dataclass(frozen=True)
class Enumeration:
    """Exhaustive scan of a group's cube (half-cube partial sums, near-ties decided exactly).

    Applies to groups of at most ``max_coords`` coordinates whose work 2^coords * rows is at
    most ``max_work`` (None: no work cap). A check ``max <= k?`` scans only for points that
    beat ``max(lower, k)`` and stops at the first point above k."""

    name: str = "enumeration"
    max_coords: int = ENUM_MAX_COORDS
    max_work: int | None = ENUM_MAX_WORK

    def available(self) -> bool:
        return True

    def applies(self, group) -> bool:
        size = int(group.coords.size)
        return (group.cube and size <= self.max_coords
                and (self.max_work is None or (1 << size) * len(group.rows) <= self.max_work))

    def run(self, group, goal, budget):
        from .base import GroupOutcome, cube_point

        part = group.part_goal(goal)
        floor = part.floor(group.lower)
        out = _parallel(group.rows, group.coords, part.exceed, budget.deadline, floor, group.ctx.jobs)
        if out is None:
            out = enumerate_cube(group.rows, group.coords, stop_above=part.exceed, deadline=budget.deadline,
                                 best_known=floor)
        found = out.best > floor
        lower = out.best if found else group.lower
        upper = (out.best if found else floor) if out.complete else None
        return GroupOutcome(lower, cube_point(group.coords, out.best_y) if found else None, upper,
                            complete=out.complete and upper == lower, rechecks=out.exact_rechecks)


ENUMERATION = Enumeration()
ENUMERATION_FORCED = Enumeration(max_coords=ENUM_FORCED_MAX_COORDS, max_work=None)
