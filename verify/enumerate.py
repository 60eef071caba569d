"""Exact enumeration of a cube: every point, vectorised and chunked, exact decisions.

Rows whose scaled integer form keeps every partial sum below 2**53 are evaluated exactly
in float64 (0/1 inputs make every product and sum an exact integer). Other rows are
evaluated on the float weights with a rigorous rounding margin and re-decided in integer
arithmetic where the float value is too close to tau.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from sparse_models.exact import rounding_margin

from .integer_form import IntegerRows

DEFAULT_CHUNK = 1 << 15


@dataclass(frozen=True)
class EnumerationOutcome:
    best: int  # largest count of active rows found
    best_y: np.ndarray  # 0/1 assignment of the enumerated coordinates attaining it
    complete: bool  # every point was visited (False: deadline, or stopped above a threshold)
    points: int
    exact_rechecks: int


def _bits(start: int, stop: int, width: int) -> np.ndarray:
    idx = np.arange(start, stop, dtype=np.int64)
    return ((idx[:, None] >> np.arange(width, dtype=np.int64)) & 1).astype(np.float64)


def enumerate_cube(
    rows: IntegerRows,
    coords: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    lo: float,
    hi: float,
    tau: float,
    *,
    stop_above: int | None = None,
    deadline: float | None = None,
    chunk: int = DEFAULT_CHUNK,
) -> EnumerationOutcome:
    """Max over y in {0,1}^coords of the number of active rows (units whose weights live on ``coords``)."""
    coords = np.asarray(coords, dtype=np.int64)
    nj = int(coords.size)
    units = np.asarray(rows.units, dtype=np.int64)
    exact_mask = rows.float_exact_rows()
    ex = np.flatnonzero(exact_mask)
    mg = np.flatnonzero(~exact_mask)
    Cf = np.array([[rows.C[r][j] for j in coords] for r in ex], dtype=np.float64).reshape(ex.size, nj)
    Tf = np.array([rows.T[r] for r in ex], dtype=np.float64)
    Wm = W[units[mg]][:, coords]
    bm = b[units[mg]]
    margin = rounding_margin(Wm, bm, max(abs(lo), abs(hi)), tau) if mg.size else np.zeros(0)
    Cm_int = [[rows.C[r][j] for j in coords] for r in mg]
    Tm_int = [rows.T[r] for r in mg]
    best, best_y, rechecks, points = -1, np.zeros(nj), 0, 0
    total = 1 << nj
    for start in range(0, total, chunk):
        if deadline is not None and time.monotonic() > deadline:
            return EnumerationOutcome(max(best, 0), best_y, False, points, rechecks)
        Y = _bits(start, min(start + chunk, total), nj)
        counts = np.zeros(Y.shape[0], dtype=np.int64)
        if ex.size:
            counts += (Y @ Cf.T > Tf).sum(axis=1)
        if mg.size:
            Z = np.where(Y == 1.0, hi, lo) @ Wm.T + bm  # the cube points exactly
            D = Z - tau
            act = D > 0
            near = ~(np.abs(D) > margin)
            ps, rs = np.nonzero(near)
            for p, r in zip(ps.tolist(), rs.tolist()):
                y = Y[p]
                act[p, r] = sum(c for c, yj in zip(Cm_int[r], y) if yj and c) > Tm_int[r]
            rechecks += int(ps.size)
            counts += act.sum(axis=1)
        points += Y.shape[0]
        top = int(np.argmax(counts)) if counts.size else 0
        if counts.size and counts[top] > best:
            best, best_y = int(counts[top]), Y[top].copy()
        if stop_above is not None and best > stop_above:
            return EnumerationOutcome(best, best_y, False, points, rechecks)
    return EnumerationOutcome(max(best, 0), best_y, True, points, rechecks)
