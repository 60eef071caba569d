"""Evaluate registry bounds (exact where possible, float otherwise), print them, tabulate them,
and form sparse-versus-dense ratios.

Premises are checked before any number is produced: a bound used outside its premises
raises InvalidArgument naming the premise, never a silent number.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument, SoundnessError

from .registry import SPARSE_DENSE_PAIRS, Bound, get_bound
from .search import smallest_whole
from .symbols import normalize_values, symbol

EXACT_TEXT_LIMIT = 240  # longer exact closed forms are not printed


@dataclass(frozen=True)
class Evaluation:
    """A bound's value at given parameters.

    ``value`` is an int when the result is an exact integer, a float when it fits one, and a
    string in scientific notation (40 significant digits computed) when it is too large for
    a float. ``exact`` is the exact closed form (a rational or a sympy expression) when it is
    short enough to print, ``is_exact`` says whether ``value`` itself is exact.
    """

    name: str
    label: str
    value: "int | float | str"
    exact: str | None
    is_exact: bool
    latex: str
    inputs: dict[str, str]
    quantity: str
    direction: str
    section: str
    activation: str | None = None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "label": self.label, "latex": self.latex,
                "exact": self.exact, "is_exact": self.is_exact, "inputs": dict(self.inputs),
                "quantity": self.quantity, "direction": self.direction, "section": self.section,
                "activation": self.activation, "notes": list(self.notes)}

    @property
    def number(self) -> float:
        """The value as a float (inf when it exceeds the float range)."""
        return float(self.value) if not isinstance(self.value, str) else float("inf")


def latex(bound: "str | Bound") -> str:
    """LaTeX of the bound; a search entry reads min{m : G(m) <= epsilon} with G written out.

    Parameters
    ----------
    bound : str or Bound
        A registry name or entry.

    Returns
    -------
    str
        The LaTeX source (cached per name).

    Raises
    ------
    InvalidArgument
        An unknown bound.

    Examples
    --------
    >>> from sparsecert.properties.bounds import latex
    >>> latex("influence_dense_relu")
    'B_{a}^{2} B_{w}^{2} s^{2}'
    """
    return _latex(get_bound(bound).name)


@functools.lru_cache(maxsize=None)
def _latex(name: str) -> str:
    b = get_bound(name)
    body = sp.latex(b.expr)
    if b.search is not None:
        v, tgt = sp.latex(b.search.variable), sp.latex(b.search.target)
        return r"\min\{%s \in \mathbb{N} : G(%s) \le %s\},\quad G(%s) = %s" % (v, v, tgt, v, body)
    return body


def text(bound: "str | Bound") -> str:
    """Plain-text formula of the bound.

    Parameters
    ----------
    bound : str or Bound
        A registry name or entry.

    Returns
    -------
    str
        sympy's string form; a search entry reads ``min{m >= 1 whole : G(m) <= epsilon},  G(m) = ...``.

    Raises
    ------
    InvalidArgument
        An unknown bound.

    Examples
    --------
    >>> from sparsecert.properties.bounds import text
    >>> text("influence_sparse_relu")
    'B_a**2*B_w**2*Min(2*k, s)**2'
    """
    b = get_bound(bound)
    body = sp.sstr(b.expr)
    if b.search is not None:
        v, tgt = b.search.variable.name, b.search.target.name
        return f"min{{{v} >= 1 whole : G({v}) <= {tgt}}},  G({v}) = {body}"
    return body


def pretty(bound: "str | Bound") -> str:
    """Multi-line 2-D rendering (sympy's pretty printer, ASCII only).

    Parameters
    ----------
    bound : str or Bound
        A registry name or entry.

    Returns
    -------
    str
        Lines joined by newlines.

    Raises
    ------
    InvalidArgument
        An unknown bound.

    Examples
    --------
    >>> from sparsecert.properties.bounds import pretty
    >>> print(pretty("vc_lower"))
    n*s
    """
    return sp.pretty(get_bound(bound).expr, use_unicode=False)


def prepare(bound: "str | Bound", values: Mapping[Any, Any], *, activation: str | None = None,
            strict: bool = True) -> tuple[Bound, dict[sp.Symbol, sp.Rational]]:
    """Validate ``values`` for ``bound``: known names, domains, nothing missing, premises hold."""
    b = get_bound(bound)
    vals = normalize_values(values)
    missing = [x.name for x in b.symbols if x not in vals]
    if missing:
        raise InvalidArgument(f"{b.name} needs values for: {', '.join(missing)} (it takes {', '.join(b.parameter_names)})")
    unused = [x.name for x in vals if x not in b.symbols]
    if unused and strict:
        raise InvalidArgument(f"{b.name} does not use {', '.join(unused)}; it takes {', '.join(b.parameter_names)}")
    vals = {x: v for x, v in vals.items() if x in b.symbols}
    check_activation(b, activation)
    for p in b.premises:
        if not p.holds(vals):
            shown = ", ".join(f"{x.name}={vals[x]}" for x in b.symbols if x in p.symbols)
            raise InvalidArgument(f"{b.name}: premise {p.name} fails at {shown}: {p.message}")
    return b, vals


def check_activation(b: Bound, activation: str | None) -> None:
    if activation is None or b.activations is None:
        return
    name = activation.split(":", 1)[0].strip().lower()
    if name not in b.activations:
        raise InvalidArgument(
            f"{b.name}: premise 'activation in {{{', '.join(sorted(b.activations))}}}' fails for {activation!r}:"
            f" this bound is proved for {b.activation_text}")


def _compute(b: Bound, vals: Mapping[sp.Symbol, sp.Rational]) -> sp.Expr:
    if b.search is not None:
        crit = b.search.criterion.xreplace(dict(vals))
        return sp.Integer(smallest_whole(crit, b.search.variable, vals[b.search.target]))
    return b.expr.xreplace(dict(vals))


def raw_value(bound: "str | Bound", values: Mapping[Any, Any], *, activation: str | None = None,
              strict: bool = True) -> sp.Expr:
    """The exact sympy number of the bound (premises checked)."""
    b, vals = prepare(bound, values, activation=activation, strict=strict)
    return _compute(b, vals)


def evaluate(bound: "str | Bound", values: Mapping[Any, Any], *, activation: str | None = None,
             strict: bool = True) -> Evaluation:
    """Evaluate ``bound`` at ``values`` (names or Symbols to numbers).

    ``strict`` refuses values for parameters the bound does not use (a likely typo);
    ``activation`` ('relu', 'step', ...) is checked against the bound's activation premise.

    Parameters
    ----------
    bound : str or Bound
        A registry name or entry.
    values : mapping
        Parameter names (or Symbols) to numbers: ints, floats, Fractions or strings such as ``"1/3"``.
    activation : str or None, default None
        The network's activation, checked against the bound's premise (None: not checked).
    strict : bool, default True
        Refuse values the bound does not use.

    Returns
    -------
    Evaluation
        ``value`` (an int, a float, or a string beyond the float range), ``exact`` (sympy's
        exact number), ``is_exact``, ``inputs``, ``latex``, ``section``, ``quantity``, ``direction``.

    Raises
    ------
    InvalidArgument
        An unknown bound or parameter, a missing or invalid value, or a premise that fails.

    Examples
    --------
    >>> from sparsecert.properties.bounds import evaluate
    >>> evaluate("influence_sparse_relu", {"s": 8, "k": 2, "B_a": 1, "B_w": 1}).value  # (2k)^2 = 16
    16
    >>> evaluate("influence_sparse_relu", {"s": 8, "k": 2, "B_a": 1})
    Traceback (most recent call last):
    ...
    sparsecert.sparse_models.errors.InvalidArgument: influence_sparse_relu needs values for: B_w (it takes s, k, B_a, B_w)
    """
    b, vals = prepare(bound, values, activation=activation, strict=strict)
    value, exact, is_exact = to_number(_compute(b, vals), b.name)
    return Evaluation(name=b.name, label=b.label, value=value, exact=exact, is_exact=is_exact, latex=latex(b),
                      inputs={x.name: str(v) for x, v in vals.items()}, quantity=b.quantity, direction=b.direction,
                      section=b.section, activation=activation)


def to_number(result: sp.Expr, name: str = "bound") -> tuple["int | float | str", str | None, bool]:
    """(value, exact text or None, value is exact) for a closed sympy number."""
    if result.free_symbols:
        raise SoundnessError(f"{name} still has free parameters after substitution: {result.free_symbols}")
    if result.is_Integer:
        return int(result), str(result), True
    if result.is_Rational:
        return float(result), str(result), True
    approx = sp.N(result, 40)
    if not (approx.is_real and approx.is_finite):
        raise SoundnessError(f"{name} evaluated to {approx}, not a finite real number; a premise is missing")
    exact = sp.sstr(result)
    exact = exact if len(exact) <= EXACT_TEXT_LIMIT and not isinstance(result, sp.Float) else None
    f = float(approx)
    if abs(f) == float("inf"):
        return sp.sstr(sp.Float(approx, 15)), exact, False
    return f, exact, False


def format_value(value: "int | float | str", digits: int = 6) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) < 10**15 else f"{value:.{digits}g}" if abs(value) < 1e308 else _big_int(value)
    return f"{value:.{digits}g}"


def _big_int(v: int) -> str:
    s_ = str(abs(v))
    return f"{'-' if v < 0 else ''}{s_[0]}.{s_[1:6]}e+{len(s_) - 1}"


# ---- ratios ----------------------------------------------------------------------------------------
def ratio(sparse: "str | Bound", dense: "str | Bound") -> sp.Expr:
    """The simplified symbolic ratio sparse/dense of two closed-form entries.

    Parameters
    ----------
    sparse, dense : str or Bound
        Two closed-form registry entries (for example a pair of :data:`SPARSE_DENSE_PAIRS`).

    Returns
    -------
    sympy.Expr
        sparse / dense, simplified.

    Raises
    ------
    InvalidArgument
        An unknown bound, or one defined by a search (no closed form).

    Examples
    --------
    >>> from sparsecert.properties.bounds import ratio
    >>> ratio("influence_sparse_relu", "influence_dense_relu")
    Min(2*k, s)**2/s**2
    """
    a, b = get_bound(sparse), get_bound(dense)
    for x in (a, b):
        if x.search is not None:
            raise InvalidArgument(f"{x.name} is defined by a search, not a closed form; compare it numerically")
    raw = a.expr / b.expr
    best = min([raw, sp.factor_terms(raw)], key=sp.count_ops)
    if 60 < sp.count_ops(best) <= 300:  # sympy's simplify only when automatic cancellation left a large ratio
        best = min([best, sp.simplify(best)], key=sp.count_ops)
    return best


def pair(kind: str) -> tuple[str, str]:
    try:
        return SPARSE_DENSE_PAIRS[kind]
    except KeyError:
        raise InvalidArgument(f"unknown comparison {kind!r}; choose from {', '.join(SPARSE_DENSE_PAIRS)}") from None


# ---- tables over a grid --------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One table entry: an Evaluation, or the reason the bound does not apply at that row."""

    evaluation: Evaluation | None
    reason: str | None = None

    def text(self, digits: int = 4) -> str:
        return format_value(self.evaluation.value, digits) if self.evaluation else "n/a"


@dataclass(frozen=True)
class Table:
    """Rows over the Cartesian product of a grid; each row has its parameter values and one Cell per bound."""

    parameters: tuple[str, ...]
    names: tuple[str, ...]
    rows: tuple[tuple[dict[str, sp.Rational], dict[str, Cell]], ...] = field(default_factory=tuple)  # by name


def table(names: Sequence[str], grid: Mapping[str, Sequence[Any]], fixed: Mapping[str, Any] | None = None, *,
          activation: str | None = None) -> Table:
    """Evaluate each named bound on every point of ``grid`` (values over which to vary) with ``fixed``.

    A bound whose premises fail at a row gets a Cell with the reason, never a number.

    Parameters
    ----------
    names : sequence of str
        The bounds, one column each.
    grid : mapping of str to sequence
        Parameters that vary and their values (rows: the Cartesian product).
    fixed : mapping or None, default None
        Parameters that stay the same on every row.
    activation : str or None, default None
        Checked against each bound's activation premise.

    Returns
    -------
    Table
        ``parameters``, ``names`` and ``rows``: (the row's grid values, one :class:`Cell` per name).

    Raises
    ------
    InvalidArgument
        An unknown bound or parameter, a parameter both in ``grid`` and ``fixed``, or a missing value.

    Examples
    --------
    >>> from sparsecert.properties.bounds import table
    >>> t = table(["influence_sparse_relu"], {"k": [2, 9]}, {"s": 8, "B_a": 1, "B_w": 1})
    >>> [(str(row["k"]), cells["influence_sparse_relu"].text()) for row, cells in t.rows]  # k = 9 > s breaks a premise
    [('2', '16'), ('9', 'n/a')]
    """
    bounds = [get_bound(x) for x in names]
    fixed = dict(fixed or {})
    keys = [symbol(x).name for x in grid]
    clash = set(keys) & {symbol(x).name for x in fixed}
    if clash:
        raise InvalidArgument(f"{', '.join(sorted(clash))} given both as a grid and as a fixed value")
    rows = []
    for combo in itertools.product(*(list(grid[x]) for x in grid)):
        point = dict(fixed)
        point.update(zip(keys, combo))
        cells = {}
        for b in bounds:
            try:
                cells[b.name] = Cell(evaluate(b, point, activation=activation, strict=False))
            except InvalidArgument as exc:
                if "needs values for" in str(exc):
                    raise
                cells[b.name] = Cell(None, str(exc))
        rows.append(({x.name: v for x, v in normalize_values(dict(zip(keys, combo))).items()}, cells))
    return Table(tuple(keys), tuple(b.name for b in bounds), tuple(rows))


__all__ = ["Evaluation", "evaluate", "raw_value", "prepare", "latex", "text", "pretty", "ratio", "pair",
           "table", "Table", "Cell", "format_value", "to_number", "check_activation"]
