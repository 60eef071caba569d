"""Exact integer forms of activity constraints.

Scaling a row by a positive power of two preserves every sign, so unit i is active iff

* on a cube {lo, hi}^n, with x_j = lo + (hi - lo) y_j and y in {0,1}^n:  sum_j C_ij y_j > T_i;
* on a real domain:                                                    sum_j C_ij x_j > T_i,

with integers C_ij, T_i (Python ints, any size: weights from 1e-300 to 1e300 are exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import gcd
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.exact import scale_exponent, scaled_ints

_FLOAT_EXACT = 2**53


@dataclass(frozen=True)
class IntegerRows:
    """Units ``units`` of a block: active iff sum_j C[r][j] v_j > T[r] (v = y on cubes, x on real domains)."""

    units: tuple[int, ...]
    C: tuple[tuple[int, ...], ...]
    T: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.units)

    def float_exact_rows(self, vmax: int = 1) -> np.ndarray:
        """Rows whose float64 evaluation on |v_j| <= vmax integer points is exact (all partial sums < 2**53)."""
        out = np.zeros(len(self.units), bool)
        for r, (row, t) in enumerate(zip(self.C, self.T)):
            out[r] = sum(abs(c) for c in row) * vmax + abs(t) < _FLOAT_EXACT
        return out

    def active(self, r: int, v: Sequence) -> bool:
        """Exact decision for row r at the point v (ints or Fractions)."""
        total = sum(c * vj for c, vj in zip(self.C[r], v) if c)
        return total > self.T[r]


def active_at_rational(rows: IntegerRows, point) -> list[bool]:
    """Exact activity of every row at a rational point, over one common denominator (plain ints)."""
    fr = [v if isinstance(v, Fraction) else Fraction(v) for v in point]
    den = 1
    for v in fr:
        den = den * v.denominator // gcd(den, v.denominator)
    X = [v.numerator * (den // v.denominator) for v in fr]
    return [sum(c * v for c, v in zip(Cr, X) if c and v) > t * den for Cr, t in zip(rows.C, rows.T)]


def count_active_at_float(rows: IntegerRows, x) -> int:
    """Exact number of active rows at a float point (all coordinates over one power of two:
    plain integer arithmetic, no Fractions)."""
    return sum(active_at_float(rows, x))


def active_at_float(rows: IntegerRows, x) -> list[bool]:
    """Exact activity of every row at a float point, in plain integers over one power of two."""
    X, e = _ints_over_common_power([float(v) for v in x])
    return [sum(c * v for c, v in zip(Cr, X) if c and v) > (t << e) for Cr, t in zip(rows.C, rows.T)]


def _dyadic(v: float) -> tuple[int, int]:
    """v = num / 2**k exactly, as (num, k) with k >= 0."""
    num, den = float(v).as_integer_ratio()
    return num, den.bit_length() - 1


def _ints_over_common_power(values) -> tuple[list[int], int]:
    """Integers n_i and k with values_i = n_i / 2**k exactly (Python ints, no Fractions)."""
    vals = np.asarray(values, dtype=np.float64)
    k = scale_exponent(vals)
    return scaled_ints(vals, k).tolist(), k


def cube_rows(W: np.ndarray, b: np.ndarray, units: Sequence[int], lo: float, hi: float, tau: float) -> IntegerRows:
    """Integer form on {lo, hi}^n in the 0/1 variables y (y_j = 1 means x_j = hi).

    z = (b + lo sum_j w_j) + sum_j (hi - lo) w_j y_j, everything scaled by one power of two.
    """
    (L, H), a = _ints_over_common_power([lo, hi])  # lo = L / 2^a, hi = H / 2^a
    tnum, et = _dyadic(tau)
    Cs, Ts = [], []
    for i in units:
        Wint, ew = _ints_over_common_power(W[i].tolist())  # w_j = Wint_j / 2^ew
        bnum, eb = _dyadic(b[i])
        S = max(ew + a, eb, et)
        cshift = S - ew - a
        width = H - L
        C = [(wj * width) << cshift for wj in Wint]
        D = (bnum << (S - eb)) + ((L * sum(Wint)) << cshift)
        Cs.append(tuple(C))
        Ts.append((tnum << (S - et)) - D)
    return IntegerRows(tuple(int(u) for u in units), tuple(Cs), tuple(Ts))


def real_rows(W: np.ndarray, b: np.ndarray, units: Sequence[int], tau: float) -> IntegerRows:
    """Integer form in the real variables x: active iff sum_j C_ij x_j > T_i."""
    Cs, Ts = [], []
    for i in units:
        vals = np.append(np.asarray(W[i], dtype=np.float64), [float(b[i]), float(tau)])
        ints = scaled_ints(vals, scale_exponent(vals)).tolist()  # each row over its own least power of two
        Cs.append(tuple(ints[:-2]))
        Ts.append(ints[-1] - ints[-2])
    return IntegerRows(tuple(int(u) for u in units), tuple(Cs), tuple(Ts))
