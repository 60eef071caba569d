"""The parameters of docs/theory.md §8 as sympy Symbols with their assumptions and value domains.

Every bound is written in these Symbol objects. Values are always substituted with the
Symbol objects themselves (never with strings: ``sympify('s')`` makes an assumption-free
symbol that silently does not match, see the note in docs/theory.md §8); :func:`symbol` maps a
name to its object and refuses unknown names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument

# positive=True as docs/theory.md §8 declares them, except B_b and d, which are declared
# nonnegative: bias-free networks (B_b = 0) and the degree-0 algorithm (d = 0) are real
# cases, and sympy simplifies under the declared assumptions (Max(0, ceiling(x) - 1) becomes
# ceiling(x) - 1 for positive x), so a value outside the assumption would be unsound.
# Whole-number parameters are enforced on the values (SymbolSpec.integer), not through
# sympy assumptions, which would make sympy's solvers discard non-integer roots.
n, s, k = sp.symbols("n s k", positive=True)
B_a, B_w, R = sp.symbols("B_a B_w R", positive=True)
B_b = sp.Symbol("B_b", nonnegative=True)
m = sp.Symbol("m", positive=True)
epsilon, delta = sp.symbols("epsilon delta", positive=True)
d = sp.Symbol("d", nonnegative=True)
F = sp.Symbol("F", positive=True)
t = sp.Symbol("t", positive=True)
tau, gamma = sp.symbols("tau gamma", positive=True)
Y = sp.Symbol("Y", positive=True)


@dataclass(frozen=True)
class SymbolSpec:
    """What a parameter means and which values it takes.

    ``low``/``high`` bound the value; ``low_strict``/``high_strict`` make the bound strict.
    Every parameter's domain lies inside its Symbol's sympy assumption (the
    expressions were simplified under those assumptions, so only such values are sound).
    """

    symbol: sp.Symbol
    meaning: str
    integer: bool = False
    low: Fraction = Fraction(0)
    low_strict: bool = True
    high: Fraction | None = None
    high_strict: bool = True

    @property
    def name(self) -> str:
        return self.symbol.name

    def domain_text(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        lo = f"{'>' if self.low_strict else '>='} {self.low}"
        if self.high is None:
            return f"{kind} {lo}"
        hi = f"{'<' if self.high_strict else '<='} {self.high}"
        return f"{kind} {lo} and {hi}"

    def check(self, value: sp.Rational) -> None:
        """Raise InvalidArgument when ``value`` lies outside this parameter's domain."""
        q = Fraction(int(value.p), int(value.q))
        ok = (q > self.low) if self.low_strict else (q >= self.low)
        if self.high is not None:
            ok = ok and ((q < self.high) if self.high_strict else (q <= self.high))
        if self.integer and q.denominator != 1:
            ok = False
        if not ok:
            raise InvalidArgument(f"{self.name} must be {self.domain_text()} ({self.meaning}), got {_show(value)}")


def _spec(sym: sp.Symbol, meaning: str, **kw: Any) -> SymbolSpec:
    for key in ("low", "high"):
        if key in kw and kw[key] is not None:
            kw[key] = Fraction(kw[key])
    return SymbolSpec(sym, meaning, **kw)


SYMBOLS: dict[str, SymbolSpec] = {
    spec.name: spec
    for spec in (
        _spec(n, "input dimension", integer=True, low=1, low_strict=False),
        _spec(s, "hidden width (number of units)", integer=True, low=1, low_strict=False),
        _spec(k, "sparsity: most units active at any input of the domain", integer=True, low=1, low_strict=False),
        _spec(B_a, "bound on output weights |a_i|", low=0),
        _spec(B_w, "bound on hidden weight norms ||w_i||_2", low=0),
        _spec(B_b, "bound on hidden biases |b_i|", low=0, low_strict=False),
        _spec(R, "radius of the input domain (max ||x||_2; sqrt(n) on the cube)", low=0),
        _spec(m, "number of samples", integer=True, low=1, low_strict=False),
        _spec(epsilon, "target error (see each bound for its convention)", low=0),
        _spec(delta, "failure probability", low=0, high=1),
        _spec(d, "degree of the low-degree algorithm", integer=True, low=0, low_strict=False),
        _spec(F, "bound on |f(x)| (and on the labels) over the domain", low=0),
        _spec(t, "number of relevant bits of the parities (t = floor(log2 s) for H(n,s,1))",
              integer=True, low=1, low_strict=False),
        _spec(tau, "tolerance of each statistical query", low=0),
        _spec(gamma, "correlation the SQ learner must reach", low=0, high=1, high_strict=False),
        _spec(Y, "label bound |y| <= Y for the squared loss (E6)", low=0),
    )
}


def symbol(name: "str | sp.Symbol") -> sp.Symbol:
    """The registry's Symbol for a name (or the Symbol itself); unknown names are refused.

    Parameters
    ----------
    name : str or sympy.Symbol
        A parameter name such as ``"n"``, ``"B_a"``, ``"epsilon"``, or one of the registry's Symbols.

    Returns
    -------
    sympy.Symbol
        The registry's Symbol, with its assumptions (positive, ...).

    Raises
    ------
    InvalidArgument
        An unknown name, a Symbol with other assumptions, or not a name at all.

    Examples
    --------
    >>> from sparsecert.properties.bounds import symbol
    >>> s = symbol("s")
    >>> s, s.is_positive, symbol(s) is s
    (s, True, True)
    """
    if isinstance(name, sp.Symbol):
        if name.name in SYMBOLS and SYMBOLS[name.name].symbol == name:
            return name
        raise InvalidArgument(
            f"{name!r} is not one of the registry's symbols (a Symbol with other assumptions does not match);"
            f" use properties.bounds.symbols.{name.name} or its name as a string")
    if not isinstance(name, str):
        raise InvalidArgument(f"a parameter name must be a string such as 'n', got {name!r}")
    try:
        return SYMBOLS[name].symbol
    except KeyError:
        raise InvalidArgument(f"unknown parameter {name!r}; parameters are: {', '.join(SYMBOLS)}") from None


def spec_of(sym: sp.Symbol) -> SymbolSpec:
    return SYMBOLS[sym.name]


def to_rational(name: str, value: Any) -> sp.Rational:
    """An exact sympy Rational for a user value.

    Integers and Fractions are exact; strings are read as decimals or fractions
    ('0.1', '1e-6', '3/4'); Python floats are read through their shortest repr, so 0.1
    means 1/10, the value the user typed. Booleans, NaN and infinities are refused.
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be a number, got {value!r}")
    if isinstance(value, sp.Basic):
        if value.is_Rational:
            return sp.Rational(value)
        if value.is_number and value.is_real and value.is_finite:
            return sp.Rational(str(sp.Float(value, 30)))
        raise InvalidArgument(f"{name} must be a finite real number, got {value}")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float) or hasattr(value, "__float__") and not isinstance(value, str):
        f = float(value)
        if not math.isfinite(f):
            raise InvalidArgument(f"{name} must be finite, got {value!r}")
        q = Fraction(repr(f))
        return sp.Rational(q.numerator, q.denominator)
    if isinstance(value, str):
        text = value.strip()
        try:
            q = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(
                f"{name}={value!r} is not a number; write an integer, a decimal (0.1, 1e-6) or a fraction (3/4)"
            ) from None
        return sp.Rational(q.numerator, q.denominator)
    raise InvalidArgument(f"{name} must be a number, got {type(value).__name__} {value!r}")


def normalize_values(values: Mapping[Any, Any]) -> dict[sp.Symbol, sp.Rational]:
    """Map names or Symbols to exact values, each checked against its parameter's domain."""
    out: dict[sp.Symbol, sp.Rational] = {}
    for key, value in values.items():
        sym = symbol(key)
        q = to_rational(sym.name, value)
        spec_of(sym).check(q)
        out[sym] = q
    return out


def _show(value: sp.Rational) -> str:
    return str(value) if value.q == 1 else f"{value} (= {float(value):.6g})"
