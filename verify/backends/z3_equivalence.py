"""Z3 encoding of an equivalence question (:mod:`verify.equivalence`): is there an input of the
domain where some output of an exact piecewise-linear difference leaves [-tol, tol]?

Coefficients are exact Fractions; relu / leaky_relu / step units are if-then-else terms.
The caller decides what the answers mean (proof, counterexample, rounding of points).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import z3

from .z3_encoding import model_fraction, real_vars, z3_fraction

# one hidden unit of the difference: (activation name, leaky slope, exact input weights,
# exact bias, exact output weights); the slope is read for "leaky_relu" only
Unit = tuple[str, float, Sequence[Fraction], Fraction, Sequence[Fraction]]


def affine_expr(coeffs: Sequence[Fraction], xs, const: Fraction):
    """sum_j coeffs[j] * xs[j] + const as a Z3 term (zero coefficients and constant skipped)."""
    terms = [z3_fraction(c) * x for c, x in zip(coeffs, xs) if c]
    expr = z3.Sum(terms) if terms else z3.RealVal(0)
    return expr + z3_fraction(const) if const else expr


def _unit_value(name: str, alpha: float, z):
    if name == "relu":
        return z3.If(z > 0, z, z3.RealVal(0))
    if name == "step":
        return z3.If(z > 0, z3.RealVal(1), z3.RealVal(0))
    return z3.If(z > 0, z, z3_fraction(Fraction(alpha)) * z)  # leaky_relu


class DifferenceSolver:
    """One Z3 solver over real inputs x_0..x_{n-1}: the domain first, then the difference."""

    def __init__(self, n: int) -> None:
        self.xs = real_vars("x", n)
        self.s = z3.Solver()
        self.outs: list = []

    def add_corners(self, lo: Fraction, hi: Fraction) -> None:
        """Every coordinate is ``lo`` or ``hi`` (a hypercube's vertices)."""
        zl, zh = z3_fraction(lo), z3_fraction(hi)
        for x in self.xs:
            self.s.add(z3.Or(x == zl, x == zh))

    def add_box(self, lower: Sequence[Fraction], upper: Sequence[Fraction]) -> None:
        for x, lq, hq in zip(self.xs, lower, upper):
            self.s.add(x >= z3_fraction(lq), x <= z3_fraction(hq))

    def add_rows(self, A: Sequence[Sequence[Fraction]], c: Sequence[Fraction]) -> None:
        """Rows ``A x <= c`` (exact)."""
        for row, ci in zip(A, c):
            self.s.add(affine_expr(row, self.xs, Fraction(0)) <= z3_fraction(ci))

    def add_difference(self, units: Sequence[Unit], A: Sequence[Sequence[Fraction]], c: Sequence[Fraction],
                       tol: Fraction) -> None:
        """Outputs ``A x + c + sum_u coeff_u[o] * sigma_u(w_u . x + b_u)``; asserts that one leaves [-tol, tol]."""
        hs = []
        for r, (name, alpha, w, b, _) in enumerate(units):
            z = affine_expr(w, self.xs, b)
            h = z3.Real(f"h{r}")
            self.s.add(h == _unit_value(name, alpha, z))
            hs.append(h)
        self.outs = []
        for o in range(len(c)):
            terms = [z3_fraction(u[4][o]) * h for u, h in zip(units, hs) if u[4][o]]
            self.outs.append(affine_expr(list(A[o]), self.xs, c[o]) + (z3.Sum(terms) if terms else 0))
        zt = z3_fraction(tol)
        self.s.add(z3.Or([z3.Or(e > zt, e < -zt) for e in self.outs]))

    def check(self, timeout_ms: int | None = None) -> str:
        """"sat", "unsat" or "unknown"; ``timeout_ms`` (None: leave Z3's setting alone) is kept for later checks."""
        if timeout_ms is not None:
            self.s.set("timeout", timeout_ms)
        res = self.s.check()
        return "sat" if res == z3.sat else ("unsat" if res == z3.unsat else "unknown")

    def reason_unknown(self) -> str:
        return self.s.reason_unknown()

    def point(self) -> list[Fraction]:
        """The last satisfying model's x, exactly."""
        m = self.s.model()
        return [model_fraction(m, x) for x in self.xs]

    def point_beyond(self, o: int, target: Fraction, positive: bool, timeout_ms: int) -> list[Fraction] | None:
        """A point with output ``o`` above ``target`` (``positive``) or below ``-target``, or None;
        the extra constraint is dropped again afterwards."""
        s = self.s
        s.push()
        s.add(self.outs[o] > z3_fraction(target) if positive else self.outs[o] < -z3_fraction(target))
        s.set("timeout", timeout_ms)
        better = s.check() == z3.sat
        new_point = self.point() if better else None
        s.pop()
        return new_point
