"""Leading-order behaviour of a bound in one parameter (to infinity, or to 0 from above).

The leading term is built structurally (dominant term of each sum, Min/Max resolved by the
limit of the ratio of their arguments, ceilings dropped when their argument grows) and is
then checked: limit(bound / leading term) must be exactly 1, otherwise the call fails
rather than print an unproved asymptotic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument

from .formulas import N_d
from .registry import Bound, get_bound
from .symbols import normalize_values, symbol

MAX_EXPANDED_DEGREE = 40


@dataclass(frozen=True)
class Asymptotic:
    name: str
    variable: str
    point: str  # "oo" or "0"
    leading: sp.Expr
    fixed: dict[str, str]
    # The check: limit(bound / leading) = 1, computed after Min/Max/ceiling were resolved
    # to their eventually-chosen arguments (each choice itself decided by a limit).

    @property
    def text(self) -> str:
        arrow = "infinity" if self.point == "oo" else "0+"
        return f"{self.name} ~ {sp.sstr(self.leading)}   as {self.variable} -> {arrow}"

    @property
    def latex(self) -> str:
        return sp.latex(self.leading)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "variable": self.variable, "point": self.point, "leading": sp.sstr(self.leading),
                "latex": self.latex, "fixed": dict(self.fixed)}


def _order(a: sp.Expr, b: sp.Expr, v: sp.Symbol, point) -> sp.Expr:
    return sp.limit(a / b, v, point, "+" if point == 0 else "-")


def _compare(a: sp.Expr, b: sp.Expr, v: sp.Symbol, point) -> str:
    """'<' if a = o(b), '>' if b = o(a), '=' if a/b tends to a finite nonzero limit (possibly symbolic)."""
    r = _order(a, b, v, point)
    if r == 0:
        return "<"
    if r.has(sp.oo, -sp.oo, sp.zoo) or r.is_infinite:
        return ">"
    if r.is_finite or (not r.has(v) and not r.has(sp.Limit)):
        return "="
    raise InvalidArgument(f"cannot order {sp.sstr(a)} and {sp.sstr(b)} as {v} -> {point};"
                          " fix more parameters with values")


def _resolve(f: sp.Expr, v: sp.Symbol, point) -> sp.Expr:
    """An expression asymptotically equivalent to f (ratio -> 1) without Min/Max/Piecewise/ceiling,
    with N_d and binomials of a whole lower index expanded into polynomials (exactly)."""
    if not f.has(v):
        return f
    if isinstance(f, N_d):
        nn, dd = f.args
        if nn.is_Integer and dd.has(v) and sp.limit(dd, v, point, "+" if point == 0 else "-") == sp.oo:
            return sp.Integer(2) ** nn  # N_d(n, d) = 2^n once d >= n
        if v == nn and dd.is_Integer and int(dd) <= MAX_EXPANDED_DEGREE:
            return sp.expand(sum(sp.expand_func(sp.binomial(nn, i)) for i in range(int(dd) + 1)))
        raise InvalidArgument("N_d(n, d) has an asymptotic form only in n with d fixed to a number"
                              f" (at most {MAX_EXPANDED_DEGREE}), or in d with n fixed")
    if isinstance(f, sp.binomial):
        nn, kk = f.args
        if v == nn and kk.is_Integer:
            return sp.expand_func(f)
        raise InvalidArgument("binomial(n, t) has an asymptotic form here only in n with t fixed to a number")
    args = [_resolve(a, v, point) for a in f.args]
    if isinstance(f, (sp.Min, sp.Max)):
        pick = args[0]
        for a in args[1:]:
            if not pick.has(v) and not a.has(v):
                pick = f.func(pick, a)
                continue
            c = _compare(a, pick, v, point)
            if c == "=":
                r = _order(a, pick, v, point)
                if r.is_number:
                    if (r < 1) == isinstance(f, sp.Min) and r != 1:
                        pick = a
                else:
                    pick = f.func(pick, a)  # same order: Min(a, b) ~ Min(A, B) when a ~ A and b ~ B
            elif (c == "<") == isinstance(f, sp.Min):
                pick = a
        return pick
    if isinstance(f, (sp.ceiling, sp.floor)):
        if sp.limit(args[0], v, point, "+" if point == 0 else "-") in (sp.oo, -sp.oo):
            return args[0]  # ceiling(u) / u -> 1 as u -> oo
        raise InvalidArgument(f"{sp.sstr(f)} stays bounded as {v} -> {point}: it has no smooth leading term")
    if isinstance(f, sp.Piecewise):
        for (expr, cond), res in zip(f.args, (_resolve(e, v, point) for e, _ in f.args)):
            if cond == sp.true or (point == sp.oo and _eventually(cond, v)):
                return res
        raise InvalidArgument(f"cannot tell which branch of {sp.sstr(f)} holds as {v} -> {point}")
    return f.func(*args) if args else f


def _leading(f: sp.Expr, v: sp.Symbol, point) -> sp.Expr:
    """The dominant part of a Min/Max/ceiling-free expression (terms of lower order dropped)."""
    if not f.has(v):
        return f
    if f.is_Add:
        terms = [_leading(a, v, point) for a in f.args]
        best = [terms[0]]
        for term in terms[1:]:
            c = _compare(term, sp.Add(*best), v, point)
            if c == ">":
                best = [term]
            elif c == "=":
                best.append(term)
        return sp.Add(*best)
    if f.is_Mul:
        return sp.Mul(*[_leading(a, v, point) for a in f.args])
    if f.is_Pow:
        base, exp = f.args
        if exp.has(v):
            return f
        return _leading(base, v, point) ** exp
    if isinstance(f, sp.log):
        inner = _leading(f.args[0], v, point)
        expanded = sp.expand_log(sp.log(inner), force=True)
        return _leading(expanded, v, point) if expanded.is_Add else expanded
    return f


def _eventually(cond, v: sp.Symbol) -> bool:
    if isinstance(cond, (sp.GreaterThan, sp.StrictGreaterThan)):
        lhs, rhs = cond.lhs, cond.rhs
        return lhs == v and not rhs.has(v)
    if isinstance(cond, (sp.LessThan, sp.StrictLessThan)):
        return cond.rhs == v and not cond.lhs.has(v)
    return False


def _check_premises(b: Bound, vals, v: sp.Symbol, point) -> None:
    """Refuse a limit along which a premise eventually fails (m >= n + 1 as n -> oo with m fixed)."""
    for p in b.premises:
        cond = p.condition
        if not isinstance(cond, sp.Rel) or not cond.has(v):
            continue
        cond = cond.xreplace(dict(vals))
        if isinstance(cond, (sp.GreaterThan, sp.StrictGreaterThan)):
            slack = cond.lhs - cond.rhs
        elif isinstance(cond, (sp.LessThan, sp.StrictLessThan)):
            slack = cond.rhs - cond.lhs
        else:
            continue
        try:
            lim = sp.limit(slack, v, point, "+" if point == 0 else "-")
        except (NotImplementedError, ValueError, TypeError):
            continue
        if lim == -sp.oo or lim.is_negative:
            raise InvalidArgument(f"{b.name}: premise {p.name} fails as {v} -> {'infinity' if point == sp.oo else '0'}"
                                  f" ({p.message})")


def asymptotic(bound: "str | Bound", variable: "str | sp.Symbol", values: Mapping[Any, Any] | None = None, *,
               point: str = "oo") -> Asymptotic:
    """Leading-order term of ``bound`` as ``variable`` -> oo (or -> 0+ with point='0').

    ``values`` may fix some other parameters first (needed, for example, to expand N_d(n, d)
    in n, which requires a numeric d). The result is verified: limit(bound/leading) = 1.

    Parameters
    ----------
    bound : str or Bound
        A closed-form registry entry.
    variable : str or sympy.Symbol
        The parameter that grows (or shrinks to 0+).
    values : mapping or None, default None
        Other parameters fixed first (not ``variable``).
    point : str, default "oo"
        ``"oo"`` (variable -> infinity) or ``"0"`` (variable -> 0+).

    Returns
    -------
    Asymptotic
        ``leading`` (a sympy expression), ``variable``, ``point``, ``fixed`` and ``text``.

    Raises
    ------
    InvalidArgument
        A search entry, a variable the bound does not use, a bad point or value, or a leading
        term that cannot be derived and verified.

    Examples
    --------
    >>> from sparsecert.properties.bounds import asymptotic
    >>> asymptotic("rademacher_dense", "m").leading
    2*s*(B_a*B_b + B_a*B_w*R)/sqrt(m)
    """
    b = get_bound(bound)
    if b.search is not None:
        raise InvalidArgument(f"{b.name} is defined by a search; take asymptotics of {b.derived_from[0]} instead")
    v = symbol(variable)
    if v not in b.symbols:
        raise InvalidArgument(f"{b.name} does not depend on {v.name}; it takes {', '.join(b.parameter_names)}")
    if point not in ("oo", "0"):
        raise InvalidArgument(f"point must be 'oo' or '0', got {point!r}")
    vals = normalize_values(values or {})
    if v in vals:
        raise InvalidArgument(f"{v.name} is the asymptotic variable; do not also give it a value")
    unused = [x.name for x in vals if x not in b.symbols]
    if unused:
        raise InvalidArgument(f"{b.name} does not use {', '.join(unused)}")
    lim = sp.oo if point == "oo" else sp.Integer(0)
    f = b.expr.xreplace(vals)
    if not f.has(v):
        raise InvalidArgument(f"{b.name} does not vary with {v.name} at the given values")
    _check_premises(b, vals, v, lim)
    resolved = _resolve(f, v, lim)
    lead = _leading(resolved, v, lim)
    if lead == 0:
        raise InvalidArgument(f"the leading terms of {b.name} in {v.name} cancel; fix more parameters with values")
    try:
        check = sp.limit(sp.powsimp(resolved / lead), v, lim, "+" if lim == 0 else "-")
    except (NotImplementedError, ValueError, TypeError) as exc:
        raise InvalidArgument(f"could not verify the leading term of {b.name} in {v.name} ({exc});"
                              " fix more parameters with values") from None
    if check != 1:
        raise InvalidArgument(f"could not derive a verified leading term of {b.name} in {v.name}"
                              f" (candidate {sp.sstr(lead)} gives ratio limit {check}); fix more parameters with values")
    return Asymptotic(b.name, v.name, point, lead, {x.name: str(q) for x, q in vals.items()})
