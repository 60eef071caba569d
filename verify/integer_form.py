"""Exact integer forms of activity constraints.

Scaling a row by a positive power of two preserves every sign, so unit i is active iff

* on a cube {lo, hi}^n, with x_j = lo + (hi - lo) y_j and y in {0,1}^n:  sum_j C_ij y_j > T_i;
* on a real domain:                                                    sum_j C_ij x_j > T_i,

with integers C_ij, T_i (Python ints, any size: weights from 1e-300 to 1e300 are exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

_FLOAT_EXACT = 2**53


def _scale_to_ints(values: Sequence[Fraction]) -> list[int]:
    den = 1
    for v in values:
        if v.denominator > den:
            den = v.denominator  # all denominators are powers of two: the largest divides by the rest
    return [v.numerator * (den // v.denominator) for v in values]


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


def cube_rows(W: np.ndarray, b: np.ndarray, units: Sequence[int], lo: float, hi: float, tau: float) -> IntegerRows:
    """Integer form on {lo, hi}^n in the 0/1 variables y (y_j = 1 means x_j = hi)."""
    flo, fhi, ftau = Fraction(lo), Fraction(hi), Fraction(tau)
    width = fhi - flo
    Cs, Ts = [], []
    for i in units:
        w = [Fraction(float(v)) for v in W[i]]
        const = Fraction(float(b[i])) + flo * sum(w)
        ints = _scale_to_ints([wj * width for wj in w] + [const, ftau])
        C, D, tau_int = ints[:-2], ints[-2], ints[-1]
        Cs.append(tuple(C))
        Ts.append(tau_int - D)
    return IntegerRows(tuple(int(u) for u in units), tuple(Cs), tuple(Ts))


def real_rows(W: np.ndarray, b: np.ndarray, units: Sequence[int], tau: float) -> IntegerRows:
    """Integer form in the real variables x: active iff sum_j C_ij x_j > T_i."""
    ftau = Fraction(tau)
    Cs, Ts = [], []
    for i in units:
        vals = [Fraction(float(v)) for v in W[i]] + [Fraction(float(b[i])), ftau]
        ints = _scale_to_ints(vals)
        Cs.append(tuple(ints[:-2]))
        Ts.append(ints[-1] - ints[-2])
    return IntegerRows(tuple(int(u) for u in units), tuple(Cs), tuple(Ts))
