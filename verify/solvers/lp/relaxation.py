"""Float relaxation data of exact integer rows, widened outward, and rigorous interval ranges.

For every point v of the box, exactly active rows satisfy A v >= act_lo and exactly inactive
rows satisfy A v <= inact_hi, whatever the rows' bit lengths; every float step below carries
an error allowance so that these implications hold in exact arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from ...integer_form import IntegerRows


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
    """x / 2**k as a float within (1 + 2**-26) u relative error, for ints of any size (80 leading
    bits kept, then one rounding)."""
    if not x:
        return 0.0
    extra = abs(x).bit_length() - 80
    if extra > 0:  # keep 80 leading bits (truncation: relative error below 2**-79), then round once
        x = x >> extra if x > 0 else -((-x) >> extra)
        k -= extra
    return math.ldexp(float(x), -k)


def scaled_row(ints: list[int], k: int) -> np.ndarray:
    """ints / 2**k as floats, each within (1 + 2**-26) u relative error (plus underflow below 2**-1074)."""
    if k <= 1000:  # int -> float rounds correctly (relative error <= u), the scaling by 2^-k is exact
        return np.ldexp(np.array([float(c) for c in ints], dtype=np.float64), -k)
    return np.array([_scaled(c, k) for c in ints], dtype=np.float64)


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
        A[i] = scaled_row(sub, k)
        T[i] = _scaled(t, k)
        thr[i] = _scaled(t + 1, k) if integral else T[i]
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    # |A v - exact v| <= u |A| xmax per entry, plus underflowed entries (each < 2^-1074 before scaling)
    e = 1.05 * UNIT_ROUNDOFF * (np.abs(A) @ xmax) + m * 2.0**-1070 * (xmax.max(initial=1.0) + 1.0)
    act_lo = thr - UNIT_ROUNDOFF * np.abs(thr) - e
    act_lo = act_lo - 4 * UNIT_ROUNDOFF * np.abs(act_lo) - UNDERFLOW_SLACK
    inact_hi = T + UNIT_ROUNDOFF * np.abs(T) + e
    inact_hi = inact_hi + 4 * UNIT_ROUNDOFF * np.abs(inact_hi) + UNDERFLOW_SLACK
    return FloatRows(A, act_lo, inact_hi, np.asarray(lo, float), np.asarray(hi, float))


def _box_range(A: np.ndarray, Ap: np.ndarray, An: np.ndarray, xl: np.ndarray, xu: np.ndarray):
    """Rigorous float bounds on min and max of A v over [xl, xu]."""
    L = Ap @ xl + An @ xu
    H = Ap @ xu + An @ xl
    err = 2 * (A.shape[1] + 2) * UNIT_ROUNDOFF * (np.abs(A) @ np.maximum(np.abs(xl), np.abs(xu))) + UNDERFLOW_SLACK
    return L - err, H + err

