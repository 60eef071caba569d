"""Z3 helpers in one place: exact rational constants and linear forms from float64 data."""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np
import z3


def z3_fraction(q: Fraction) -> z3.RatNumRef:
    """An exact Z3 rational (numerator and denominator as Python ints, never via str of a float)."""
    return z3.RealVal(f"{q.numerator}/{q.denominator}")  # integers' decimal strings: exact


def real_vars(prefix: str, n: int) -> list[z3.ArithRef]:
    return [z3.Real(f"{prefix}{j}") for j in range(n)]


def rational_linear(row: np.ndarray, xs: Sequence[z3.ArithRef]) -> z3.ArithRef:
    """sum_j row[j] * xs[j] with exact rational coefficients (zeros skipped)."""
    terms = [z3_fraction(Fraction(float(row[j]))) * xs[j] for j in np.flatnonzero(row)]
    if not terms:
        return z3.RealVal(0)
    return z3.Sum(terms) if len(terms) > 1 else terms[0]


def model_fraction(model: z3.ModelRef, var: z3.ArithRef) -> Fraction:
    """The value of a real/int variable in a model, as an exact Fraction (0 when unconstrained)."""
    val = model.eval(var, model_completion=True)
    if z3.is_int_value(val):
        return Fraction(val.as_long())
    if z3.is_rational_value(val):
        return Fraction(val.numerator_as_long(), val.denominator_as_long())
    if z3.is_algebraic_value(val):  # pragma: no cover - linear problems give rationals
        return Fraction(val.approx(40).as_fraction())
    raise ValueError(f"unexpected Z3 value {val}")
