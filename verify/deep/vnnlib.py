"""The input box of a VNN-LIB property file.

Only simple bounds on inputs are read: ``(assert (<= X_i c))``, ``(assert (>= X_i c))``
(either argument order), and conjunctions of them under one ``assert``. Decimal
constants are kept exact (``Fraction('0.679857769')``). Assertions that mention only
outputs ``Y_j`` are skipped with a note (the question here is about activations, not
outputs); anything else that mentions an input is refused with an error naming it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Union

from sparsecert.sparse_models.errors import DomainError

from .domain import InputBox, Space

SExpr = Union[str, list]
_INPUT = re.compile(r"^X_(\d+)$")
_OUTPUT = re.compile(r"^Y_(\d+)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class VnnlibInputs:
    """The box read from a VNN-LIB file, and what was skipped."""

    box: InputBox
    n_outputs: int
    notes: tuple[str, ...]


def _tokens(text: str, path: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split(";", 1)[0]
        out.extend(line.replace("(", " ( ").replace(")", " ) ").split())
    return out


def _parse(tokens: list[str], path: str) -> list[SExpr]:
    stack: list[list] = [[]]
    for tok in tokens:
        if tok == "(":
            stack.append([])
        elif tok == ")":
            if len(stack) == 1:
                raise DomainError(f"{path}: unbalanced ')' in the VNN-LIB file")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    if len(stack) != 1:
        raise DomainError(f"{path}: the VNN-LIB file ends inside an unclosed '('")
    return stack[0]


def _show(e: SExpr) -> str:
    text = e if isinstance(e, str) else "(" + " ".join(_show(x) for x in e) + ")"
    return text if len(text) <= 120 else text[:117] + "..."


def _mentions(e: SExpr, pattern: re.Pattern) -> bool:
    if isinstance(e, str):
        return bool(pattern.match(e))
    return any(_mentions(x, pattern) for x in e)


def _number(e: SExpr) -> Fraction | None:
    if isinstance(e, str) and _NUMBER.match(e):
        return Fraction(e)
    if isinstance(e, list) and len(e) == 2 and e[0] == "-":
        inner = _number(e[1])
        return None if inner is None else -inner
    return None


def _bound(e: SExpr) -> tuple[int, str, Fraction] | None:
    """(input index, '<=' or '>=', constant) for a simple bound, else None."""
    if not (isinstance(e, list) and len(e) == 3 and e[0] in ("<=", ">=")):
        return None
    op, a, b = e
    if isinstance(a, str) and _INPUT.match(a) and _number(b) is not None:
        return int(_INPUT.match(a).group(1)), op, _number(b)
    if isinstance(b, str) and _INPUT.match(b) and _number(a) is not None:
        return int(_INPUT.match(b).group(1)), ("<=" if op == ">=" else ">="), _number(a)
    return None


def read_vnnlib(path: "str | os.PathLike[str]", n_inputs: int | None = None, *, space: Space = "raw") -> VnnlibInputs:
    """Read the input box of a VNN-LIB file; ``space`` says which coordinates its X_i are in.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.vnnlib`` file.
    n_inputs : int or None, default None
        The network's input count, checked against the declared X_i (None: not checked).
    space : Space, default "raw"
        ``"raw"`` (inputs before the network's header normalisation) or ``"normalized"``.

    Returns
    -------
    VnnlibInputs
        ``box`` (an exact :class:`InputBox`; a domain of :func:`max_active`), ``n_outputs``
        and ``notes`` (the output assertions skipped).

    Raises
    ------
    DomainError
        A missing or unreadable file, an unsupported command or constraint, undeclared or
        missing inputs, an unbounded box, or ``n_inputs`` not matching.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sparsecert.verify.deep import read_vnnlib
    >>> text = "\\n".join(["(declare-const X_0 Real)", "(declare-const X_1 Real)", "(declare-const Y_0 Real)",
    ...                   "(assert (>= X_0 -0.5))", "(assert (<= X_0 0.5))",
    ...                   "(assert (and (>= X_1 0) (<= X_1 0.25)))", "(assert (<= Y_0 0))"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "prop.vnnlib"
    ...     _ = path.write_text(text)
    ...     inputs = read_vnnlib(path, 2)
    >>> [str(v) for v in inputs.box.lower], [str(v) for v in inputs.box.upper], inputs.n_outputs
    (['-1/2', '0'], ['1/2', '1/4'], 1)
    """
    p = Path(path)
    if not p.exists():
        raise DomainError(f"VNN-LIB file {str(p)!r} does not exist")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(f"{p}: cannot be read as a text VNN-LIB file ({exc})") from None
    exprs = _parse(_tokens(text, str(p)), str(p))
    inputs: set[int] = set()
    outputs: set[int] = set()
    lower: dict[int, Fraction] = {}
    upper: dict[int, Fraction] = {}
    skipped = 0
    for e in exprs:
        if not isinstance(e, list) or not e:
            raise DomainError(f"{p}: unexpected top-level item {_show(e)!r}; VNN-LIB files hold declarations and asserts")
        head = e[0]
        if head == "declare-const":
            if len(e) != 3 or e[2] != "Real" or not isinstance(e[1], str):
                raise DomainError(f"{p}: unsupported declaration {_show(e)}; only '(declare-const X_i Real)' and Y_j")
            name = e[1]
            if _INPUT.match(name):
                inputs.add(int(_INPUT.match(name).group(1)))
            elif _OUTPUT.match(name):
                outputs.add(int(_OUTPUT.match(name).group(1)))
            else:
                raise DomainError(f"{p}: declaration of {name!r}: variables must be named X_i (inputs) or Y_j (outputs)")
            continue
        if head != "assert" or len(e) != 2:
            raise DomainError(f"{p}: unsupported command {_show(e)}; only declare-const and assert are read")
        body = e[1]
        if not _mentions(body, _INPUT):
            skipped += 1  # an output constraint: irrelevant to which units can be active
            continue
        parts = body[1:] if isinstance(body, list) and body and body[0] == "and" else [body]
        for part in parts:
            b = _bound(part)
            if b is None:
                raise DomainError(
                    f"{p}: the assertion {_show(part)} constrains inputs in a way that is not a simple bound"
                    " (X_i <= c or X_i >= c); only input boxes are supported")
            j, op, c = b
            if j not in inputs:
                raise DomainError(f"{p}: X_{j} is used before it is declared")
            if op == "<=":
                upper[j] = min(upper.get(j, c), c)
            else:
                lower[j] = max(lower.get(j, c), c)
    if not inputs:
        raise DomainError(f"{p}: declares no inputs X_i")
    n = max(inputs) + 1
    if sorted(inputs) != list(range(n)):
        raise DomainError(f"{p}: inputs must be X_0 .. X_{n - 1} without gaps, got {sorted(inputs)}")
    if n_inputs is not None and n != n_inputs:
        raise DomainError(f"{p}: declares {n} inputs but the network takes {n_inputs}")
    missing = [f"X_{j} {side}" for j in range(n) for side, d in (("lower", lower), ("upper", upper)) if j not in d]
    if missing:
        raise DomainError(f"{p}: the input box is unbounded: no {', '.join(missing)} bound")
    notes = []
    if skipped:
        notes.append(f"{skipped} output assertion(s) ignored: the question is which units can be active, not outputs")
    box = InputBox([lower[j] for j in range(n)], [upper[j] for j in range(n)], space, source=f"vnnlib:{p.name}")
    return VnnlibInputs(box, len(outputs), tuple(notes))
