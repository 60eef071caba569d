"""Exact arithmetic on float64 data: every float64 is a dyadic rational.

Conversions go through ``Fraction(float)`` or ``float.as_integer_ratio``, never through
strings or rounding. Rows are scaled by a power of two to integers, which preserves the
sign of every pre-activation and so every activity decision.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np

# The float64 constants of the rigorous error bounds, here only (numba kernels read them as
# module globals, so import the names themselves).
UNIT_ROUNDOFF = 2.0**-53  # u: |fl(x) - x| <= u |x| for every x in the normal range
SMALLEST_SUBNORMAL = 2.0**-1074  # the smallest positive float64: bounds the absolute error of one underflow
# Absolute slack added to float error bounds so that underflow anywhere in a long sum or product
# chain is covered (it exceeds any count of SMALLEST_SUBNORMAL errors by far, and is far below
# every value that matters).
UNDERFLOW_SLACK = 2.0**-1000


def frac(value: float) -> Fraction:
    """The exact rational value of a float64."""
    return Fraction(float(value))


def nearest_float(q: Fraction) -> float:
    """q rounded to the nearest float64, as IEEE rounding does: +-inf past the largest float
    (``float(q)`` raises OverflowError there instead)."""
    try:
        return float(q)
    except OverflowError:
        return float("inf") if q > 0 else float("-inf")


def float_below(q: Fraction) -> float:
    """The largest float64 <= q (-inf only when q is below -DBL_MAX)."""
    f = nearest_float(q)
    if math.isinf(f):
        return f if f < 0 else float(np.finfo(np.float64).max)
    return f if compare_float(f, q) <= 0 else math.nextafter(f, -math.inf)


def float_above(q: Fraction) -> float:
    """The smallest float64 >= q (+inf only when q is above DBL_MAX)."""
    f = nearest_float(q)
    if math.isinf(f):
        return f if f > 0 else -float(np.finfo(np.float64).max)
    return f if compare_float(f, q) >= 0 else math.nextafter(f, math.inf)


def compare_float(f: float, q: "Fraction | int | float") -> int:
    """The sign of f - q exactly, for a float f (+-inf too) and a rational or float q: finite values in
    integers (no Fraction is built: this sits in loops over hundreds of coordinates)."""
    if not math.isfinite(f) or (isinstance(q, float) and not math.isfinite(q)):
        return (f > q) - (f < q)  # a float (or +-inf) compares exactly with a Fraction
    n, d = f.as_integer_ratio()
    qn, qd = q.as_integer_ratio() if isinstance(q, float) else (q.numerator, q.denominator)
    left, right = n * qd, qn * d  # both denominators are positive
    return (left > right) - (left < right)


def float_value(q: "Fraction | int") -> float | None:
    """q as a float64 when it is exactly one, else None (the fast path of exact code on float data)."""
    if isinstance(q, float):
        return float(q) if math.isfinite(q) else None
    try:
        f = float(q)
    except OverflowError:
        return None
    return f if f.as_integer_ratio() == (q.numerator, q.denominator) else None


def floats_if_exact(values: Sequence) -> np.ndarray | None:
    """The values as a float64 array when every one is exactly a float64 (Fractions, ints or
    floats), else None."""
    out = np.empty(len(values))
    for i, v in enumerate(values):
        f = float_value(v)
        if f is None:
            return None
        out[i] = f
    return out


def scale_exponent(values: np.ndarray) -> int:
    """The least e >= 0 with every value * 2^e an integer."""
    low, _ = dyadic_exponents(values)
    return int(max(0, int(-low.min()))) if low.size else 0


def scaled_ints(values: np.ndarray, e: int) -> np.ndarray:
    """values * 2^e as exact Python integers (an object array of the same shape; 2^e clears every
    denominator): v = M 2^(ex - 53) with M the signed 53-bit significand, so v 2^e = (M >> tz) << s
    with tz the trailing zero bits of M and s = ex - 53 + tz + e >= 0."""
    M, ex, tz, nz = _significands(np.asarray(values, dtype=np.float64))
    shift = np.where(nz, ex - 53 + tz + e, 0)
    if np.any(shift < 0):
        raise ValueError(f"2^{e} does not clear every denominator")
    return np.left_shift((M >> tz).astype(object), shift.astype(object))


def rational_less(a: "Fraction | int", b: "Fraction | int") -> bool:
    """a < b for rationals, by cross-multiplying (Fraction's own comparison is several times slower)."""
    return a.numerator * b.denominator < b.numerator * a.denominator


def clamp_rational(q: "Fraction | int", lo: "Fraction | int", hi: "Fraction | int") -> "Fraction | int":
    """min(max(q, lo), hi) for rationals, compared in integers (the very object q when it is inside)."""
    if rational_less(q, lo):
        q = lo
    return hi if rational_less(hi, q) else q


def as_fraction(v) -> Fraction:
    """v as a Fraction, without a copy when it is one already."""
    return v if type(v) is Fraction else Fraction(v)


def dyadic_exponents(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the nonzero float64 values: the exponent of the lowest set bit and of the leading bit
    (v = M 2^(ex - 53) with M the 53-bit integer significand from frexp, exact for subnormals too)."""
    _, ex, tz, nz = _significands(np.asarray(values, dtype=np.float64))
    return (ex - 53 + tz)[nz], (ex - 1)[nz]


def _significands(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(M, ex, tz, nonzero): v = M 2^(ex - 53) with M the signed 53-bit integer significand (frexp,
    exact for subnormals too) and tz its trailing zero bits (0 where v is 0)."""
    m, ex = np.frexp(v)
    M = (m * 2.0 ** 53).astype(np.int64)  # exact: m has at most 53 significant bits
    nz = M != 0
    tz = np.zeros(v.shape, dtype=np.int64)
    A = np.abs(M[nz])
    tz[nz] = np.log2(A & -A).astype(np.int64)  # A & -A is an exact power of two
    return M, ex.astype(np.int64), tz, nz


def fracs(values: Iterable[float]) -> list[Fraction]:
    return [Fraction(float(v)) for v in values]


def _exponent_needed(value: float) -> int:
    """Smallest e >= 0 with value * 2**e an integer."""
    num, den = float(value).as_integer_ratio()
    return den.bit_length() - 1  # den is a power of two


def integer_row(weights: Sequence[float], constant: float, extra: Sequence[float] = ()) -> tuple[list[int], int, int]:
    """Scale (weights, constant, *extra) by one power of two 2**e to integers.

    Returns (integer weights, integer constant, e). ``extra`` values are scaled with
    the same factor and appended to the weights list (used for tau).
    """
    vals = [float(v) for v in weights] + [float(constant)] + [float(v) for v in extra]
    e = max((_exponent_needed(v) for v in vals), default=0)
    scale = 1 << e
    ints = []
    for v in vals:
        num, den = v.as_integer_ratio()
        ints.append(num * (scale // den))
    k = len(weights)
    return ints[:k] + ints[k + 1:], ints[k], e


def exact_pre_activations(W: np.ndarray, b: np.ndarray, x: Sequence) -> list[Fraction]:
    """z = W x + b in exact rational arithmetic (x may hold floats or Fractions)."""
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    out = []
    for i in range(W.shape[0]):
        row = W[i]
        total = Fraction(float(b[i]))
        for j, xj in enumerate(xs):
            if xj and row[j]:
                total += Fraction(float(row[j])) * xj
        out.append(total)
    return out


def exact_active(W: np.ndarray, b: np.ndarray, x: Sequence, tau: float = 0.0) -> list[int]:
    """Indices of units with z_i(x) > tau, decided exactly."""
    t = Fraction(float(tau))
    return [i for i, z in enumerate(exact_pre_activations(W, b, x)) if z > t]


def rounding_margin(W: np.ndarray, b: np.ndarray, x_abs_max: np.ndarray | float, tau: float = 0.0) -> np.ndarray:
    """Per-unit bound on |fl(W x + b) - (W x + b) - ...| for any summation order.

    For |x_j| <= x_abs_max[j], the float64 value of z_i (matrix product then bias, any
    order, with or without FMA) differs from the exact value by at most
    gamma_{n+1} * (sum_j |w_ij| |x_j| + |b_i|) plus an underflow term; comparing with tau
    adds |tau|*U. A unit whose float z is farther than this from tau is decided
    correctly in floating point.
    """
    n = W.shape[1]
    gamma = (n + 2) * UNIT_ROUNDOFF / (1 - (n + 2) * UNIT_ROUNDOFF)
    mag = np.abs(W) @ np.broadcast_to(np.abs(np.asarray(x_abs_max, dtype=np.float64)), (n,)) + np.abs(b)
    # 2x safety factor on the relative part; absolute part covers subnormal underflow in n products
    return 2.0 * gamma * mag * (1 + 4 * UNIT_ROUNDOFF) + (n + 2) * 2 * SMALLEST_SUBNORMAL + 2 * abs(tau) * UNIT_ROUNDOFF
