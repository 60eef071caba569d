"""Solve a bound for one parameter: bound(x) = target, every root checked by substitution.

sympy's solvers are tried first, branch by branch through Min/Max, in a child process with
a time limit (they can run for minutes on mixed sqrt/log equations). Each candidate is
substituted back into the original expression at 40 digits and kept only if the residual
is negligible and the bound's premises hold there. When sympy finds nothing, a numeric
scan over the parameter's domain with bisection on sign changes is used instead, and its
roots go through the same check.
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import dataclass
from typing import Any, Mapping

import mpmath
import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument

from .formulas import N_d
from .operations import check_activation, format_value, to_number
from .registry import Bound, get_bound
from .symbols import normalize_values, spec_of, symbol, to_rational

RESIDUAL_TOL = sp.Rational(1, 10**12)
DEFAULT_TIMEOUT = 3.0  # seconds for sympy's symbolic attempt


@dataclass(frozen=True)
class Root:
    """One verified solution: its value, its exact form when sympy found one, and the relative residual."""

    value: "int | float | str"
    exact: str | None
    residual: float

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "exact": self.exact, "residual": self.residual}


@dataclass(frozen=True)
class Solution:
    name: str
    symbol: str
    target: str
    roots: tuple[Root, ...]
    method: str  # "symbolic" or "numeric"
    inputs: dict[str, str]
    label: str
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "symbol": self.symbol, "target": self.target, "method": self.method,
                "roots": [r.as_dict() for r in self.roots], "inputs": dict(self.inputs), "label": self.label,
                "notes": list(self.notes)}

    def text(self) -> str:
        shown = ", ".join(format_value(r.value, 10) + (f" (= {r.exact})" if r.exact and len(r.exact) < 120 else "")
                          for r in self.roots)
        return f"{self.symbol} = {shown}"


def _min_max_branches(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """Every expression obtained by replacing each Min/Max that depends on x by one of its arguments."""
    nodes = [a for a in sp.preorder_traversal(expr) if isinstance(a, (sp.Min, sp.Max)) and a.has(x)]
    if not nodes:
        return [expr]
    node = nodes[0]
    out = []
    for arg in node.args:
        out.extend(_min_max_branches(expr.xreplace({node: arg}), x))
        if len(out) > 64:
            break
    return out[:64]


def _symbolic_candidates(expr_s: str, target_s: str, queue) -> None:  # runs in the child process
    try:
        x = sp.Dummy("x")
        expr = sp.sympify(expr_s, locals={"N_d": N_d}).xreplace({sp.Symbol("x__solve"): x})
        target = sp.sympify(target_s)
        found = []
        for branch in _min_max_branches(expr, x):
            try:
                sols = sp.solve(sp.Eq(branch, target), x)
            except (NotImplementedError, ValueError, TypeError):
                sols = []
            if not sols:
                try:
                    sset = sp.solveset(sp.Eq(branch, target), x, sp.Interval.open(0, sp.oo))
                    sols = list(sset) if isinstance(sset, sp.FiniteSet) else []
                except (NotImplementedError, ValueError, TypeError):
                    sols = []
            found.extend(sp.srepr(v) for v in sols if not v.free_symbols)
        queue.put(("ok", found))
    except Exception as exc:  # pragma: no cover - reported to the parent as "no symbolic result"
        queue.put(("error", repr(exc)))


def _symbolic(expr: sp.Expr, var: sp.Symbol, target: sp.Rational, timeout: float) -> list[sp.Expr]:
    probe = sp.Symbol("x__solve")
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_symbolic_candidates, args=(sp.srepr(expr.xreplace({var: probe})), sp.srepr(target), queue),
                       daemon=True)
    proc.start()
    try:
        status, payload = queue.get(timeout=timeout)
    except Exception:
        status, payload = "timeout", None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(1)
    if status != "ok":
        return []
    return [sp.sympify(p, locals={"N_d": N_d}) for p in payload]


def _residual(expr: sp.Expr, var: sp.Symbol, value: sp.Expr, target: sp.Rational) -> sp.Float | None:
    got = sp.N(expr.xreplace({var: value}), 40)
    if not (got.is_real and got.is_finite):
        return None
    return sp.Abs(got - target) / sp.Max(1, sp.Abs(target))


def _in_domain(var: sp.Symbol, v: sp.Float) -> bool:
    spec = spec_of(var)
    q = sp.Rational(str(v)) if v.is_Float else v
    lo, hi = sp.Rational(spec.low.numerator, spec.low.denominator), None
    ok = q > lo if spec.low_strict else q >= lo
    if spec.high is not None:
        hi = sp.Rational(spec.high.numerator, spec.high.denominator)
        ok = ok and (q < hi if spec.high_strict else q <= hi)
    return bool(ok)


def _premises_hold(b: Bound, vals: Mapping[sp.Symbol, sp.Rational], var: sp.Symbol, v: sp.Expr) -> bool:
    point = dict(vals)
    point[var] = sp.Rational(str(sp.N(v, 30)))
    return all(p.holds(point) for p in b.premises if var in p.symbols)


def _grid(var: sp.Symbol) -> list[mpmath.mpf]:
    spec = spec_of(var)
    lo = float(spec.low)
    if spec.high is not None:
        hi = float(spec.high)
        inner = [lo + (hi - lo) * 10.0**-e for e in range(300, 0, -1)]
        mid = [lo + (hi - lo) * i / 200 for i in range(1, 200)]
        top = [hi - (hi - lo) * 10.0**-e for e in range(1, 17)]
        pts = inner + mid + top
        if not spec.high_strict:
            pts.append(hi)
    else:
        pts = [10.0**(e / 20) for e in range(-240, 601)]
        pts = [p for p in pts if p > lo or (p == lo and not spec.low_strict)]
        if not spec.low_strict and lo > 0:
            pts.insert(0, lo)
    return [mpmath.mpf(p) for p in sorted(set(pts))]


def _numeric(b: Bound, expr: sp.Expr, var: sp.Symbol, target: sp.Rational,
             vals: Mapping[sp.Symbol, sp.Rational]) -> list[sp.Expr]:
    fast = sp.lambdify(var, expr - target, modules="mpmath")

    def g(x: mpmath.mpf):
        try:
            with mpmath.workdps(40):
                y = fast(x)
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return None
        if isinstance(y, mpmath.mpc):
            if abs(y.imag) > 0:
                return None
            y = y.real
        return y if mpmath.isfinite(y) else None

    prem = [p for p in b.premises if var in p.symbols]

    def usable(x: mpmath.mpf) -> bool:
        point = dict(vals)
        point[var] = sp.Rational(str(sp.Float(str(x), 40)))
        return all(p.holds(point) for p in prem)

    pts = [(x, g(x)) for x in _grid(var) if usable(x)]
    pts = [(x, y) for x, y in pts if y is not None]
    roots = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if y0 == 0:
            roots.append(x0)
        elif y0 * y1 < 0:
            a, bnd, ya = x0, x1, y0
            with mpmath.workdps(40):
                for _ in range(200):
                    mid = (a + bnd) / 2
                    ym = g(mid)
                    if ym is None:
                        break
                    if (ym < 0) == (ya < 0):
                        a, ya = mid, ym
                    else:
                        bnd = mid
                    if bnd - a <= abs(bnd) * mpmath.mpf(10) ** -35:
                        break
                roots.append((a + bnd) / 2)
    if pts and pts[-1][1] == 0:
        roots.append(pts[-1][0])
    return [sp.Float(str(r), 40) for r in roots]


def solve(bound: "str | Bound", for_symbol: "str | sp.Symbol", values: Mapping[Any, Any], *,
          target: Any = None, activation: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Solution:
    """Solve bound(for_symbol) = target with every other parameter fixed by ``values``.

    Without ``target``, the bound's output parameter (``m`` for a sample-size bound, ``d`` for
    a degree) may be given in ``values`` and is taken as the target.

    Parameters
    ----------
    bound : str or Bound
        A closed-form registry entry.
    for_symbol : str or sympy.Symbol
        The unknown (not given in ``values``).
    values : mapping
        Every other parameter of the bound, names (or Symbols) to numbers.
    target : number or None, default None
        The value the bound should take (None: the output parameter's value in ``values``).
    activation : str or None, default None
        Checked against the bound's activation premise.
    timeout : float, default 3.0
        Seconds for sympy's symbolic solve before the numeric root search takes over.

    Returns
    -------
    Solution
        ``roots`` (each a :class:`Root` with ``value``, ``exact`` and ``residual``), ``method``
        ("symbolic" or "numeric"), ``inputs`` and ``notes``.

    Raises
    ------
    InvalidArgument
        A search entry, an unknown that the bound does not use (or only through N_d), a
        missing target or value, or a premise that fails.

    Examples
    --------
    >>> from sparsecert.properties.bounds import solve
    >>> sol = solve("influence_dense_relu", "s", {"B_a": 1, "B_w": 1}, target=64)  # s^2 = 64
    >>> [root.value for root in sol.roots], sol.method
    ([8], 'symbolic')
    """
    b = get_bound(bound)
    if b.search is not None:
        raise InvalidArgument(f"{b.name} is defined by a search over {b.search.variable}; solve or evaluate"
                              f" generalization_gap instead (gap(m) at a given m is the epsilon that m samples reach)")
    var = symbol(for_symbol)
    if var not in b.symbols:
        raise InvalidArgument(f"{b.name} does not depend on {var.name}; it takes {', '.join(b.parameter_names)}")
    if var.name in ("d", "n") and b.expr.has(N_d):
        raise InvalidArgument(f"{b.name} depends on {var.name} through N_d, which is defined only at whole"
                                  f" numbers; tabulate it over {var.name} instead")
    values = dict(values)
    named = {symbol(key).name: key for key in values}
    if var.name in named:
        raise InvalidArgument(f"{var.name} is the unknown; do not also give it a value")
    if target is None:
        if b.output is not None and b.output.name in named:
            target = values.pop(named[b.output.name])
        else:
            hint = f" or set {b.output.name}=VALUE" if b.output is not None else ""
            raise InvalidArgument(f"solving {b.name} for {var.name} needs a target value for the bound (--target{hint})")
    tgt = to_rational("target", target)
    vals = normalize_values(values)
    missing = [x.name for x in b.symbols if x not in vals and x != var]
    if missing:
        raise InvalidArgument(f"{b.name} needs values for: {', '.join(missing)} (solving for {var.name})")
    unused = [x.name for x in vals if x not in b.symbols]
    if unused:
        raise InvalidArgument(f"{b.name} does not use {', '.join(unused)}; it takes {', '.join(b.parameter_names)}")
    check_activation(b, activation)
    for p in b.premises:
        if var not in p.symbols and not p.holds(vals):
            raise InvalidArgument(f"{b.name}: premise {p.name} fails: {p.message}")
    expr = b.expr.xreplace(vals)
    if expr.has(sp.ceiling, sp.floor):
        raise InvalidArgument(f"{b.name} is whole-number valued (it rounds up), so bound = target has no isolated"
                              f" root; solve the real-valued entry it is built from ({', '.join(b.derived_from)})")

    def verified(cands: list[sp.Expr]) -> list[tuple[sp.Expr, sp.Float]]:
        kept: list[tuple[sp.Expr, sp.Float]] = []
        for c in cands:
            v = sp.N(c, 40)
            if not (v.is_real and v.is_finite) or not _in_domain(var, v) or not _premises_hold(b, vals, var, v):
                continue
            res = _residual(expr, var, c, tgt)
            if res is None or res > RESIDUAL_TOL:
                continue
            if any(abs(v - w) <= 1e-12 * max(1, abs(w)) for _, w in ((k_, sp.N(k_, 40)) for k_, _ in kept)):
                continue
            kept.append((c, res))
        return kept

    notes = []
    roots = verified(_symbolic(expr, var, tgt, timeout))
    method = "symbolic"
    if not roots:
        method = "numeric"
        roots = verified(_numeric(b, expr, var, tgt, vals))
        notes.append("sympy gave no verified closed form; roots found by a scan of the parameter's domain and"
                     " bisection, each checked by substitution")
    if not roots:
        raise InvalidArgument(f"{b.name} never equals {tgt} for {var.name} in its domain"
                              f" ({spec_of(var).domain_text()}) at the given values")
    roots.sort(key=lambda cr: sp.N(cr[0], 40))
    out = []
    for c, res in roots:
        value, exact, _ = to_number(sp.N(c, 40) if method == "numeric" else c, b.name)
        if method == "numeric":
            exact = None
        out.append(Root(value, exact, float(res)))
    if spec_of(var).integer:
        notes.append(f"{var.name} is a whole number; the roots are the real solutions of bound = target")
    return Solution(name=b.name, symbol=var.name, target=str(tgt), roots=tuple(out), method=method,
                    inputs={x.name: str(v) for x, v in vals.items()}, label=b.label, notes=tuple(notes))
