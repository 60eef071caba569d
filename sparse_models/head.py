"""What a model may add after its output layer: an affine skip term and a trailing softmax.

Neither changes which hidden units are active (activity is z_i > tau on the first layer),
so every count question (max_active, check_sparsity, sparsify) is unaffected by them.
They change the *output*, so the operations that read the output as ``W2 act(z) + b2``
(equivalence, pruning, class membership, output analyses) either handle them or refuse
with :func:`require_plain_output`.

* :class:`LinearSkip`: ``x -> W2 (W1 x + b1) + b2`` (``W2``/``b2`` optional), added to the
  block's output. Pruning folds always-on units into such a term; it is kept *factored*
  (the folded units' own float64 rows) because the collapsed matrix ``W2 W1`` is in general
  not representable in float64, while the factors hold the exact term bit for bit.
* ``output_activation``: ``softmax`` or ``log_softmax`` over the output coordinates, as in a
  classifier's final layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import InvalidArgument, ShapeError, UnsupportedActivation
from .validation import as_float64

OUTPUT_ACTIVATIONS = ("softmax", "log_softmax")
_ALIASES = {"softmax": "softmax", "log_softmax": "log_softmax", "logsoftmax": "log_softmax"}


def parse_output_activation(spec: Any) -> str | None:
    """``None``, ``'softmax'`` or ``'log_softmax'`` (also ``'LogSoftmax'``); anything else is refused by name."""
    if spec is None:
        return None
    if not isinstance(spec, str):
        raise UnsupportedActivation(f"output activation must be a string such as 'softmax', got {spec!r}")
    name = _ALIASES.get(spec.strip().lower())
    if name is None:
        raise UnsupportedActivation(f"unknown output activation {spec!r}; supported: {', '.join(OUTPUT_ACTIVATIONS)}"
                                    " (over the last axis)")
    return name


def apply_output_activation(name: str | None, Y: np.ndarray) -> np.ndarray:
    """softmax / log_softmax over the last axis, in float64 (max-shifted, so no overflow)."""
    if name is None:
        return Y
    shifted = Y - np.max(Y, axis=-1, keepdims=True)
    if name == "softmax":
        e = np.exp(shifted)
        return e / np.sum(e, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


@dataclass(frozen=True, eq=False)
class LinearSkip:
    """The affine skip term ``x -> W2 (W1 x + b1) + b2`` (without ``W2``: ``W1 x + b1``).

    ``W1`` is r x n, ``b1`` has r entries, ``W2`` is m x r, ``b2`` has m entries (zero when
    omitted). Arrays are read-only float64 copies; the term's exact value is that of these
    float64 numbers read as rationals (:meth:`exact_affine`).
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray | None = None
    b2: np.ndarray | None = None

    def __init__(self, W1: Any, b1: Any, W2: Any = None, b2: Any = None) -> None:
        W1a = as_float64("skip W1", W1, ndim=2)
        b1a = as_float64("skip b1", b1, ndim=1)
        r, n = W1a.shape
        if n == 0:
            raise ShapeError(f"skip W1 must take at least one input, got shape {W1a.shape}")
        if b1a.shape != (r,):
            raise ShapeError(f"skip b1 has shape {b1a.shape} but skip W1 has {r} rows; it needs shape ({r},)")
        W2a = None
        if W2 is not None:
            W2a = as_float64("skip W2", W2, ndim=2)
            if W2a.shape[1] != r:
                raise ShapeError(f"skip W2 has shape {W2a.shape} but skip W1 has {r} rows; it needs shape (m, {r})")
        m = r if W2a is None else W2a.shape[0]
        b2a = None
        if b2 is not None:
            b2a = as_float64("skip b2", b2, ndim=1)
            if b2a.shape != (m,):
                raise ShapeError(f"skip b2 has shape {b2a.shape} but the skip term has {m} outputs")
        if m == 0:
            raise ShapeError("the skip term has no output coordinates")
        object.__setattr__(self, "W1", W1a)
        object.__setattr__(self, "b1", b1a)
        object.__setattr__(self, "W2", W2a)
        object.__setattr__(self, "b2", b2a)

    @property
    def n(self) -> int:
        return int(self.W1.shape[1])

    @property
    def m(self) -> int:
        return int(self.W1.shape[0] if self.W2 is None else self.W2.shape[0])

    @property
    def rank(self) -> int:
        """Rows of the inner factor (the number of folded units it holds)."""
        return int(self.W1.shape[0])

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Float64 value on a batch (N, n) -> (N, m), or one point (n,) -> (m,)."""
        t = np.asarray(X, dtype=np.float64) @ self.W1.T + self.b1
        if self.W2 is not None:
            t = t @ self.W2.T
        if self.b2 is not None:
            t = t + self.b2
        return t

    def exact_affine(self) -> tuple[list[list[Fraction]], list[Fraction]]:
        """(A, c) in exact rationals with ``skip(x) = A x + c`` (A m x n as lists of Fractions; computed once)."""
        cached = self.__dict__.get("_exact")
        if cached is None:
            cached = self._exact_affine()
            object.__setattr__(self, "_exact", cached)
        return [list(r) for r in cached[0]], list(cached[1])

    def _exact_affine(self) -> tuple[list[list[Fraction]], list[Fraction]]:
        W1 = [[Fraction(float(v)) for v in row] for row in self.W1]
        b1 = [Fraction(float(v)) for v in self.b1]
        if self.W2 is None:
            A, c = W1, list(b1)
        else:
            A, c = [], []
            for row in self.W2:
                acc = [Fraction(0)] * self.n
                ci = Fraction(0)
                for t, v in enumerate(row):
                    if v:
                        q = Fraction(float(v))
                        ci += q * b1[t]
                        wt = W1[t]
                        for j in range(self.n):
                            if wt[j]:
                                acc[j] += q * wt[j]
                A.append(acc)
                c.append(ci)
        if self.b2 is not None:
            c = [ci + Fraction(float(v)) for ci, v in zip(c, self.b2)]
        return A, c

    def same_as(self, other: "LinearSkip | None") -> bool:
        if other is None:
            return False

        def eq(a, b):
            return (a is None and b is None) or (a is not None and b is not None and a.shape == b.shape
                                                 and np.array_equal(a, b))
        return eq(self.W1, other.W1) and eq(self.b1, other.b1) and eq(self.W2, other.W2) and eq(self.b2, other.b2)

    def __repr__(self) -> str:
        return f"<LinearSkip n={self.n} m={self.m} rank={self.rank}>"


def require_plain_output(block: Any, what: str) -> None:
    """Refuse a block whose output is more than ``W2 act(z) + b2`` for a call that reads it that way.

    Raises :class:`InvalidArgument` naming the skip term or the output activation; blocks
    without either pass.
    """
    skip = getattr(block, "skip", None)
    out = getattr(block, "output_activation", None)
    if skip is not None:
        raise InvalidArgument(
            f"{what} reads the block's output as W2 act(W1 x + b1) + b2, but this block also adds an affine skip"
            f" term (rank {skip.rank}, as written by pruning); it is not supported here. Count questions (max_active,"
            " check_sparsity) and equivalence handle the skip term")
    if out is not None:
        raise InvalidArgument(
            f"{what} reads the block's output as W2 act(W1 x + b1) + b2, but this block ends in {out} over its"
            f" outputs; use block.replace(output_activation=None) to ask about its logits (the {out} does not change"
            " which hidden units are active)")
