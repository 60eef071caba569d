"""Python source for blocks, domains and points, so a failure message can show the exact call.

Floats print with ``repr`` (which round-trips float64 exactly) and whole numbers as
integers, so ``MLPBlock(W1=[[1, -2]], b1=[0.5])`` rebuilds the very same weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, PointSet, Polytope

INLINE_LIMIT = 400  # numbers; larger blocks are described, not printed


def number(v: float) -> str:
    f = float(v)
    if f.is_integer() and abs(f) < 2**53:
        return str(int(f))
    return repr(f)


def array(a: Any) -> str:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        return number(arr)
    return "[" + ", ".join(array(row) for row in arr) + "]"


def block_size(block: MLPBlock) -> int:
    return block.W1.size + block.b1.size + (0 if block.W2 is None else block.W2.size + block.b2.size)


def block_code(block: MLPBlock) -> str | None:
    """``MLPBlock(...)`` source for the block, or None when it has more than INLINE_LIMIT numbers."""
    if block_size(block) > INLINE_LIMIT:
        return None
    parts = [f"W1={array(block.W1)}", f"b1={array(block.b1)}"]
    if block.W2 is not None:
        parts += [f"W2={array(block.W2)}", f"b2={array(block.b2)}"]
    if block.activation.spec != "relu":
        parts.append(f"activation={block.activation.spec!r}")
    return "MLPBlock(" + ", ".join(parts) + ")"


def domain_code(domain: Any) -> str:
    """Source that rebuilds the domain."""
    if isinstance(domain, Hypercube):
        if domain.values == (-1.0, 1.0):
            return f"Hypercube({domain.n})"
        return f"Hypercube({domain.n}, values=({number(domain.lo)}, {number(domain.hi)}))"
    if isinstance(domain, Box):
        return f"Box({array(domain.lower)}, {array(domain.upper)})"
    if isinstance(domain, LinfBall):
        within = "" if domain.within is None else f", within={domain_code(domain.within)}"
        return f"LinfBall({array(domain.center)}, {number(domain.radius)}{within})"
    if isinstance(domain, PointSet):
        if domain.X.size > INLINE_LIMIT:
            return f"PointSet(X)  # X: the {domain.size} x {domain.dim} array you passed"
        return f"PointSet({array(domain.X)})"
    if isinstance(domain, Polytope):
        return f"Polytope({array(domain.A)}, {array(domain.c)})"
    return repr(domain)


def domain_imports(domain: Any) -> str:
    return type(domain).__name__


def block_reference(block: MLPBlock, var: str = "block") -> tuple[str, str]:
    """(expression for the block, a note) -- inline source when small, else instructions to save it."""
    code = block_code(block)
    if code is not None:
        return code, ""
    return var, (f"# {var}: the {block.s} x {block.n} block under test (too large to print); keep it with"
                 f" sparse_models.save_npz({var}, 'counterexample.npz') and reload with sparse_models.load")


def pretty_block(obj: MLPBlock, printer: Any, cycle: bool) -> None:
    """Hypothesis pretty-printer hook: falsifying examples show blocks as source code."""
    code = block_code(obj)
    printer.text(code if code is not None else repr(obj))
