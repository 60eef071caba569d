"""Z3 helpers in one place: exact rational constants, fast exact linear encodings with a
deadline, and the exact max-slack / feasible-point questions answered by Z3."""

from __future__ import annotations

import ctypes
import time
from fractions import Fraction
from typing import Iterable, Iterator, Sequence

import numpy as np
import z3


def z3_fraction(q: Fraction) -> z3.RatNumRef:
    """An exact Z3 rational (numerator and denominator as Python ints, never via str of a float)."""
    return z3.RealVal(f"{q.numerator}/{q.denominator}")  # integers' decimal strings: exact


def real_vars(prefix: str, n: int) -> list[z3.ArithRef]:
    return [z3.Real(f"{prefix}{j}") for j in range(n)]


def rational_linear(row: np.ndarray, xs: Sequence[z3.ArithRef]) -> z3.ArithRef:
    """sum_j row[j] * xs[j] with exact rational coefficients (zeros skipped; float64 taken exactly)."""
    coeffs = [Fraction(float(v)) for v in np.asarray(row).tolist()]
    return linear_sum(coeffs, list(xs)[:len(coeffs)])


def value_fraction(val: z3.ExprRef) -> Fraction | None:
    """A Z3 numeral as an exact Fraction; None for anything else (``oo``, ``epsilon`` terms).

    Integer-valued results come back as ``IntNumRef``, not ``RatNumRef``: both are numerals."""
    if z3.is_int_value(val):
        return Fraction(val.as_long())
    if z3.is_rational_value(val):
        return Fraction(val.numerator_as_long(), val.denominator_as_long())
    return None


def model_fraction(model: z3.ModelRef, var: z3.ArithRef) -> Fraction:
    """The value of a real/int variable in a model, as an exact Fraction (0 when unconstrained)."""
    val = model.eval(var, model_completion=True)
    exact = value_fraction(val)
    if exact is not None:
        return exact
    if z3.is_algebraic_value(val):  # pragma: no cover - linear problems give rationals
        return Fraction(val.approx(40).as_fraction())
    raise ValueError(f"unexpected Z3 value {val}")


# -- fast exact linear encodings ---------------------------------------------------------------
#
# Building a 784-term row through z3's Python operators costs ~40 us per term (an ArithRef per
# product, a Python-level coercion per coefficient). The builders below go through the C API
# directly: one numeral and one product per nonzero coefficient, one n-ary sum per row, with
# exact numerals (machine integers when they fit, else the integer's decimal digits, "p/q" for
# Fractions; never a float's str). They check a deadline before every row.


class EncodingTimeout(TimeoutError):
    """The deadline passed while an encoding was being built.

    Internal control flow: every caller in :mod:`verify` turns it into an ``unknown`` outcome
    (or ``None``), so it never reaches the public API. Deliberately not a ``SparsecertError``:
    those mean bad input (CLI exit 2), a timeout is exit 3."""


def expired(deadline: float | None) -> bool:
    """True when the absolute ``time.monotonic()`` deadline has passed (never for None)."""
    return deadline is not None and time.monotonic() >= deadline


def check_deadline(deadline: float | None, what: str = "building the Z3 encoding") -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise EncodingTimeout(f"deadline passed while {what}")


def remaining_ms(deadline: float | None) -> int | None:
    """Milliseconds left before the deadline for a Z3 ``timeout`` parameter (at least 1), None for none."""
    if deadline is None:
        return None
    return max(1, int((deadline - time.monotonic()) * 1000))


def _raw(fn):
    """The bare ctypes function behind a z3core wrapper (skips the per-call error-code query).

    z3core binds it as the default argument ``_elems`` (an ``Elementaries`` holding ``.f``);
    when a z3 release does it differently the checked wrapper itself is used (same results)."""
    defaults = getattr(fn, "__defaults__", None) or ()
    f = getattr(defaults[-1], "f", None) if defaults else None
    return f if callable(f) else fn


_mk_int64 = _raw(z3.Z3_mk_int64)
_mk_numeral = _raw(z3.Z3_mk_numeral)
_mk_mul = _raw(z3.Z3_mk_mul)
_mk_add = _raw(z3.Z3_mk_add)
_mk_implies = _raw(z3.Z3_mk_implies)
_get_sort = _raw(z3.Z3_get_sort)
_vec_new = _raw(z3.Z3_mk_ast_vector)
_vec_inc = _raw(z3.Z3_ast_vector_inc_ref)
_vec_dec = _raw(z3.Z3_ast_vector_dec_ref)
_vec_push = _raw(z3.Z3_ast_vector_push)
_COMPARE = {">": _raw(z3.Z3_mk_gt), ">=": _raw(z3.Z3_mk_ge), "<": _raw(z3.Z3_mk_lt),
            "<=": _raw(z3.Z3_mk_le), "==": _raw(z3.Z3_mk_eq)}
try:  # the machine-integer fast path: as wide as the C long z3 declares (32 bits on Windows)
    _INT64_BITS = 8 * ctypes.sizeof(_mk_int64.argtypes[1]) - 1
except (AttributeError, IndexError, TypeError):  # pragma: no cover - checked wrapper: stay conservative
    _INT64_BITS = 31
_SMALL = 1 << _INT64_BITS
_DIGITS_SAFE_BITS = 12000  # below Python's default int->str limit (4300 digits ~ 14,280 bits)


def _dec(v: int) -> str:
    """Decimal digits of any Python int (splits beyond the interpreter's int->str digit limit)."""
    if v < 0:
        return "-" + _dec(-v)
    if v.bit_length() <= _DIGITS_SAFE_BITS:
        return str(v)
    k = (v.bit_length() * 3 // 10) // 2  # about half the digits
    q, r = divmod(v, 10**k)
    return _dec(q) + _dec(r).rjust(k, "0")


def _exact(v) -> int | Fraction:
    """An int or a Fraction, exactly (floats through as_integer_ratio, never their str)."""
    if isinstance(v, (int, np.integer, np.bool_)):  # bool is an int too
        return int(v)
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else v
    q = Fraction(v)  # float / np.float64 exactly; raises on nan and inf
    return q.numerator if q.denominator == 1 else q


class _Builder:
    """Exact numerals, products and sums of one context and one arithmetic sort, via the C API.

    Reference counting: Z3 keeps only an API call's *last* result alive, so each product is
    pinned in an AST vector until the sum holding it exists (one release per row), and every
    result handed back is wrapped in a z3 Python object (which owns a reference)."""

    def __init__(self, xs: Sequence[z3.ArithRef]) -> None:
        ctx = xs[0].ctx if len(xs) else z3.main_ctx()
        sort = xs[0].sort() if len(xs) else z3.RealSort(ctx)
        if sort.kind() not in (z3.Z3_INT_SORT, z3.Z3_REAL_SORT):
            raise TypeError(f"linear forms need Int or Real variables; got {xs[0]} : {sort}")
        self.ctx, self.cref, self.sort = ctx, ctx.ref(), sort
        self.is_int = sort.kind() == z3.Z3_INT_SORT
        self.sref = sort.ast
        self.xas = [x.as_ast() for x in xs]
        want = _get_sort(self.cref, self.xas[0]).value if self.xas else None
        for x, xa in zip(xs, self.xas):  # sorts are hash-consed: one sort, one pointer
            if _get_sort(self.cref, xa).value != want or x.ctx is not ctx:
                raise TypeError(f"linear forms need variables of one sort and context; got {x} : {x.sort()}")
        self.pair = (z3.Ast * 2)()

    def numeral(self, v) -> z3.Ast:
        """A numeral AST with no reference of its own (use it in the very next API call)."""
        v = _exact(v)
        if isinstance(v, int):
            if -_SMALL <= v < _SMALL:
                out = _mk_int64(self.cref, v, self.sref)
            else:
                out = _mk_numeral(self.cref, _dec(v).encode("ascii"), self.sref)
        else:
            if self.is_int:
                raise ValueError(f"non-integer coefficient {v} for integer variables")
            out = _mk_numeral(self.cref, f"{_dec(v.numerator)}/{_dec(v.denominator)}".encode("ascii"), self.sref)
        if not out:
            raise z3.Z3Exception(f"Z3 rejected the numeral {v}")
        return out

    def _pin_vector(self):
        """A fresh AST vector that holds references to the terms of one row (released at once)."""
        v = _vec_new(self.cref)
        if not v:
            raise z3.Z3Exception("Z3 could not allocate an AST vector")
        _vec_inc(self.cref, v)
        return v

    def _terms(self, coeffs, pins) -> list:
        """The nonzero terms c_j * x_j as ASTs; each product is pinned in the vector ``pins``
        (the variables themselves are held by their Python objects)."""
        out = []
        pair, cref, sref, push = self.pair, self.cref, self.sref, _vec_push
        for c, xa in zip(coeffs, self.xas):
            if not c:
                continue
            if type(c) is not int:
                c = _exact(c)
                if not c:
                    continue
            if c == 1:
                out.append(xa)
                continue
            if type(c) is int and -_SMALL <= c < _SMALL:
                num = _mk_int64(cref, c, sref)
            else:
                num = self.numeral(c)
            pair[0] = num  # alive as the last API result until the product below holds it
            pair[1] = xa
            term = _mk_mul(cref, 2, pair)
            if not term:
                raise z3.Z3Exception(f"Z3 could not build the product {c} * x")
            push(cref, pins, term)
            out.append(term)
        return out

    def constraint(self, coeffs, rhs, op: str, guard: z3.BoolRef | None = None) -> z3.BoolRef:
        """``guard => (sum_j coeffs[j] * xs[j]  op  rhs)`` as one Boolean term (no guard: the atom)."""
        mk_cmp = _COMPARE[op]
        cref = self.cref
        pins = self._pin_vector()
        try:
            terms = self._terms(coeffs, pins)
            r = self.numeral(rhs)
            _vec_push(cref, pins, r)
            k = len(terms)
            if k == 0:
                lhs = self.numeral(0)
            elif k == 1:
                lhs = terms[0]
            else:
                lhs = _mk_add(cref, k, (z3.Ast * k)(*terms))
                if not lhs:
                    raise z3.Z3Exception("Z3 could not build a sum")
            atom = mk_cmp(cref, lhs, r)  # lhs is pinned, a variable, or this call's fresh argument
            if not atom:
                raise z3.Z3Exception(f"Z3 could not build a {op} constraint")
            if guard is not None:
                atom = _mk_implies(cref, guard.as_ast(), atom)
                if not atom:
                    raise z3.Z3Exception("Z3 could not build an implication")
            return z3.BoolRef(atom, self.ctx)  # takes its own reference before the pins are released
        finally:
            _vec_dec(cref, pins)

    def linear(self, coeffs) -> z3.ArithRef:
        cref = self.cref
        pins = self._pin_vector()
        try:
            terms = self._terms(coeffs, pins)
            k = len(terms)
            if k == 0:
                return z3.ArithRef(self.numeral(0), self.ctx)
            if k == 1:
                return z3.ArithRef(terms[0], self.ctx)
            out = _mk_add(cref, k, (z3.Ast * k)(*terms))
            if not out:
                raise z3.Z3Exception("Z3 could not build a sum")
            return z3.ArithRef(out, self.ctx)
        finally:
            _vec_dec(cref, pins)


def linear_sum(coeffs: Sequence, xs: Sequence[z3.ArithRef]) -> z3.ArithRef:
    """sum_j coeffs[j] * xs[j], exactly (ints, Fractions or floats taken exactly; zeros skipped)."""
    if len(coeffs) != len(xs):
        raise ValueError(f"{len(coeffs)} coefficients for {len(xs)} variables")
    return _Builder(xs).linear(coeffs)


def iter_linear_constraints(rows: Iterable[tuple[Sequence, object]], xs: Sequence[z3.ArithRef], op: str,
                            deadline: float | None = None,
                            guards: Sequence[z3.BoolRef] | None = None) -> Iterator[z3.BoolRef]:
    """One constraint ``[guards[r] =>] sum_j C[j] * xs[j]  op  T`` per row (C, T), lazily.

    ``op`` is one of ``> >= < <= ==``; C holds ints / Fractions (floats are taken exactly), dense
    over ``xs`` (zeros skipped). The deadline (an absolute ``time.monotonic()`` value) is checked
    before every row; past it :class:`EncodingTimeout` is raised, so no row is started late."""
    if op not in _COMPARE:
        raise ValueError(f"op must be one of {sorted(_COMPARE)}, got {op!r}")
    b = _Builder(xs)
    n = len(xs)
    for r, (C, T) in enumerate(rows):
        check_deadline(deadline)
        if len(C) != n:
            raise ValueError(f"row {r} has {len(C)} coefficients for {n} variables")
        yield b.constraint(C, T, op, None if guards is None else guards[r])


def linear_constraints(rows, xs, op, deadline=None, guards=None) -> list[z3.BoolRef]:
    """:func:`iter_linear_constraints` as a list (raises :class:`EncodingTimeout` at the deadline)."""
    return list(iter_linear_constraints(rows, xs, op, deadline, guards))


def bound_constraints(xs: Sequence[z3.ArithRef], lower: Sequence, upper: Sequence,
                      deadline: float | None = None) -> list[z3.BoolRef]:
    """``lower[j] <= xs[j] <= upper[j]`` exactly; a None bound means unbounded on that side."""
    if len(lower) != len(xs) or len(upper) != len(xs):
        raise ValueError(f"{len(lower)} lower / {len(upper)} upper bounds for {len(xs)} variables")
    b = _Builder(xs)
    out = []
    ge, le, cref = _COMPARE[">="], _COMPARE["<="], b.cref
    for j, (xa, lo, hi) in enumerate(zip(b.xas, lower, upper)):
        if j % 256 == 0:
            check_deadline(deadline)
        for v, mk in ((lo, ge), (hi, le)):
            if v is None:
                continue
            atom = mk(cref, xa, b.numeral(v))
            if not atom:
                raise z3.Z3Exception(f"Z3 could not build the bound {v}")
            out.append(z3.BoolRef(atom, b.ctx))
    return out


# -- exact LP-like questions answered by Z3 ---------------------------------------------------


def max_slack(Cs: Sequence[Sequence[int]], Ts: Sequence[int], lower: Sequence, upper: Sequence,
              A: Sequence[Sequence[int]], c: Sequence[int], deadline: float | None
              ) -> tuple[Fraction, list[Fraction]] | None:
    """Z3 Optimize: the largest t <= 1 with ``C x - T >= t * max(1, ||C||_1)`` for every row (C, T),
    x in the exact box (``lower``/``upper``: Fractions, ints or None for an unbounded side) and
    ``A x <= c``.

    Returns ``(t, x)`` in exact Fractions (t > 0 means every row is strictly positive at x), or
    None when there is no answer by ``deadline`` (an absolute ``time.monotonic()`` value; every
    stage checks it) or Z3 finds no optimum (an empty domain)."""
    n = len(lower)
    if len(upper) != n:
        raise ValueError(f"{n} lower bounds but {len(upper)} upper bounds")
    try:
        check_deadline(deadline)
        xs = real_vars("x", n)
        t = z3.Real("slack")
        opt = z3.Optimize(ctx=t.ctx)
        opt.add(*bound_constraints(xs, lower, upper, deadline))
        for con in iter_linear_constraints(zip(A, c), xs, "<=", deadline):
            opt.add(con)
        b = _Builder(xs + [t])
        for r, (C, T) in enumerate(zip(Cs, Ts)):
            check_deadline(deadline)
            if len(C) != n:
                raise ValueError(f"row {r} has {len(C)} coefficients for {n} variables")
            norm = max(1, sum(abs(v) for v in C))
            opt.add(b.constraint(list(C) + [-norm], T, ">="))
        opt.add(t <= 1)
        opt.maximize(t)
        check_deadline(deadline)
    except EncodingTimeout:
        return None
    ms = remaining_ms(deadline)
    if ms is not None:
        opt.set("timeout", ms)
    if opt.check() != z3.sat:
        return None
    m = opt.model()
    return model_fraction(m, t), [model_fraction(m, x) for x in xs]


def feasible_point(A: Sequence[Sequence[int]], c: Sequence[int], n: int,
                   deadline: float | None) -> list[Fraction] | None:
    """An exact point of ``{x in R^n : A x <= c}`` (Fractions); None when Z3 has no answer by
    ``deadline``. Raises :class:`~sparse_models.errors.DomainError` when the polytope is empty."""
    from sparsecert.sparse_models.errors import DomainError

    try:
        check_deadline(deadline)
        xs = real_vars("x", n)
        s = z3.Solver()
        for con in iter_linear_constraints(zip(A, c), xs, "<=", deadline):
            s.add(con)
        check_deadline(deadline)
    except EncodingTimeout:
        return None
    ms = remaining_ms(deadline)
    if ms is not None:
        s.set("timeout", ms)
    res = s.check()
    if res == z3.unsat:
        raise DomainError("the polytope A x <= c is empty")
    if res != z3.sat:
        return None
    m = s.model()
    return [model_fraction(m, x) for x in xs]
