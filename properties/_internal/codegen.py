"""Python source for blocks, domains and points, so a failure message can show the exact call.

Everything here reads the objects' attributes, never their ``__repr__``. Floats in code
print with ``repr`` (which round-trips float64 exactly) and whole numbers as integers, so
``MLPBlock(W1=[[1, -2]], b1=[0.5])`` rebuilds the very same weights.

Two renderings of a domain:

* :func:`domain_code` gives source that rebuilds it, as its constructor:
  ``Hypercube(16)``, ``Box.uniform(48, -1, 1)``, ``LinfBall(center=[0.5] * 48, radius=0.05)``.
  A vector of at most :data:`SHORT` numbers (or a constant one) is written out; a longer one
  is put in an :class:`Arrays` collection, which the caller saves in the failure file, and
  the source reads it back as ``saved["domain_lower"]`` (``saved = np.load(path)``).
* :func:`domain_text` gives the same constructor for a message, with long vectors shown
  as a few coordinates (``[0.1, -0.2, 0.3, ... (48 values)]``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from sparsecert.sparse_models import MLPBlock

SHORT = 8  # a vector with at most this many numbers is written out in code
HEAD = 4  # coordinates shown of a longer vector in a message
INLINE_NUMBERS = 32  # a block with at most this many numbers is shown as MLPBlock(...) source
INLINE_CHARS = 240  # ... when that source is also at most this long


def number(v: float) -> str:
    """Exact source for one float64 (an integer when it is whole)."""
    f = float(v)
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def short_number(v: float, digits: int = 6) -> str:
    """A float for reading, not for rebuilding: ``digits`` significant digits."""
    f = float(v)
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return f"{f:.{digits}g}"


def array(a: Any) -> str:
    """Exact nested-list source for an array of any shape."""
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        return number(arr)
    return "[" + ", ".join(array(row) for row in arr) + "]"


def summary(a: Any, head: int = HEAD) -> str:
    """A vector for a message: all of it when short (exact), else its first few coordinates and its length."""
    arr = np.asarray(a, dtype=np.float64).ravel()
    if arr.size <= SHORT:
        return array(arr)
    if np.all(arr == arr[0]):
        return f"[{number(arr[0])}] * {arr.size}"
    return "[" + ", ".join(short_number(v) for v in arr[:head]) + f", ... ({arr.size} values)]"


def int_list(values: Any, limit: int = 16) -> str:
    """``[0, 3, 5]``, or the first ``limit`` entries and how many there are."""
    vals = [int(v) for v in values]
    if len(vals) <= limit:
        return str(vals)
    return "[" + ", ".join(map(str, vals[:limit])) + f", ... ({len(vals)} in all)]"


class Arrays:
    """The arrays a reproduction reads from the failure file (``saved["key"]``)."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def vector(self, a: Any, key: str) -> str:
        """Source for a vector or matrix: written out when short or constant, else saved under ``key``."""
        arr = np.asarray(a, dtype=np.float64)
        if arr.size <= SHORT:
            return array(arr)
        if arr.ndim == 1 and np.all(arr == arr[0]):
            return f"[{number(arr[0])}] * {arr.size}"
        self.arrays[key] = arr
        return f'saved["{key}"]'

    def __bool__(self) -> bool:
        return bool(self.arrays)


def _uniform(lo: np.ndarray, hi: np.ndarray) -> bool:
    return bool(np.all(lo == lo[0]) and np.all(hi == hi[0]))


def _domain(domain: Any, vec: Callable[[Any, str], str], key: str, num: Callable[[float], str]) -> str:
    kind = getattr(domain, "kind", None)
    if kind == "cube":
        lo, hi = float(domain.lo), float(domain.hi)
        if (lo, hi) == (-1.0, 1.0):
            return f"Hypercube({domain.n})"
        return f"Hypercube({domain.n}, values=({num(lo)}, {num(hi)}))"
    if kind == "box":
        lo, hi = np.asarray(domain.lower), np.asarray(domain.upper)
        if lo.size > 1 and _uniform(lo, hi):
            return f"Box.uniform({lo.size}, {num(lo[0])}, {num(hi[0])})"
        return f"Box({vec(lo, key + '_lower')}, {vec(hi, key + '_upper')})"
    if kind == "ball":
        within = "" if domain.within is None else f", within={_domain(domain.within, vec, key + '_within', num)}"
        return f"LinfBall(center={vec(domain.center, key + '_center')}, radius={num(domain.radius)}{within})"
    if kind == "points":
        return f"PointSet({vec(domain.X, key + '_X')})"
    if kind == "polytope":
        return f"Polytope({vec(domain.A, key + '_A')}, {vec(domain.c, key + '_c')})"
    return repr(domain)  # not a sparsecert domain kind: the object's own description


def domain_code(domain: Any, arrays: Arrays | None = None, key: str = "domain") -> str:
    """Source that rebuilds ``domain`` from its constructor; long vectors go into ``arrays``
    (``saved["domain_lower"]`` ...). Without ``arrays``, every vector is written out."""
    if arrays is None:
        return _domain(domain, lambda a, _key: array(a), key, number)
    return _domain(domain, arrays.vector, key, number)


def domain_text(domain: Any) -> str:
    """The domain's constructor for a message: short vectors in full, long ones as a few coordinates."""
    return _domain(domain, lambda a, _key: summary(a) if np.ndim(a) == 1 else _matrix_text(a), "domain",
                   short_number)


def _matrix_text(a: Any) -> str:
    arr = np.asarray(a, dtype=np.float64)
    return array(arr) if arr.size <= SHORT else f"<{' x '.join(map(str, arr.shape))} array>"


def domain_class(domain: Any) -> str:
    """The class name to import for :func:`domain_code`'s source."""
    return {"cube": "Hypercube", "box": "Box", "ball": "LinfBall", "points": "PointSet",
            "polytope": "Polytope"}.get(getattr(domain, "kind", None), type(domain).__name__)


def block_size(block: MLPBlock) -> int:
    return block.W1.size + block.b1.size + (0 if block.W2 is None else block.W2.size + block.b2.size)


def block_code(block: MLPBlock, *, max_numbers: int | None = INLINE_NUMBERS,
               max_chars: int | None = INLINE_CHARS) -> str | None:
    """``MLPBlock(...)`` source for the block, or None when it is larger than the limits
    (``None`` for a limit: no limit)."""
    if max_numbers is not None and block_size(block) > max_numbers:
        return None
    if getattr(block, "skip", None) is not None:  # a pruned block's skip term: reproduce from its saved file
        return None
    parts = [f"W1={array(block.W1)}", f"b1={array(block.b1)}"]
    if block.W2 is not None:
        parts += [f"W2={array(block.W2)}", f"b2={array(block.b2)}"]
    if block.activation.spec != "relu":
        parts.append(f"activation={block.activation.spec!r}")
    if getattr(block, "output_activation", None) is not None:
        parts.append(f"output_activation={block.output_activation!r}")
    code = "MLPBlock(" + ", ".join(parts) + ")"
    if max_chars is not None and len(code) > max_chars:
        return None
    return code


def block_text(block: MLPBlock) -> str:
    """A short description: source when tiny, else shape and activation."""
    code = block_code(block)
    if code is not None:
        return code
    label = f" {block.name!r}" if block.name else ""
    m = 0 if block.W2 is None else block.W2.shape[0]
    out = "" if block.W2 is None else f", {m} output{'s' if m != 1 else ''}"
    return f"MLPBlock{label} ({block.s} units x {block.n} inputs{out}, {block.activation.spec})"


def pretty_block(obj: MLPBlock, printer: Any, cycle: bool) -> None:
    """Hypothesis pretty-printer hook: falsifying examples show small blocks as source code
    and larger ones by their shape (the failure message says where the block was saved)."""
    code = block_code(obj)
    printer.text(code if code is not None else repr(obj))
