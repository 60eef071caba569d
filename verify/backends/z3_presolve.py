"""Exact optima of affine forms over a polytope {x : A x <= c}, answered by Z3 (:mod:`verify.presolve`)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import z3

from .z3_encoding import rational_linear, real_vars, value_fraction, z3_fraction


class PolytopeExtremes:
    """The rows ``A x <= c`` (float64 entries, taken exactly) over x in R^n, kept for many optima."""

    def __init__(self, A: np.ndarray, c: np.ndarray, n: int) -> None:
        self.x = real_vars("x", n)
        self.base = [rational_linear(A[i], self.x) <= z3_fraction(Fraction(float(c[i]))) for i in range(A.shape[0])]

    def empty(self) -> bool:
        """True when Z3 proves the polytope empty."""
        check = z3.Solver()
        check.add(*self.base)
        return check.check() == z3.unsat

    def extremes(self, w: np.ndarray, b: float) -> tuple[Fraction | None, Fraction | None]:
        """(min, max) of ``w . x + b`` over the polytope, exactly; None for a side without a
        finite optimum or when Z3 gives no answer (both sound: the unit stays undecided)."""
        zi = rational_linear(w, self.x) + z3_fraction(Fraction(float(b)))
        out = {}
        for sense in ("max", "min"):
            opt = z3.Optimize()
            opt.add(*self.base)
            h = opt.maximize(zi) if sense == "max" else opt.minimize(zi)
            # a numeral is the exact optimum (IntNumRef when integer-valued, RatNumRef otherwise),
            # anything else (oo) unbounded
            val = None
            if opt.check() == z3.sat:
                val = value_fraction(opt.upper(h) if sense == "max" else opt.lower(h))
            out[sense] = val
        return out["min"], out["max"]
