"""Exact affine maps x -> A x + c over the rationals, with float64 copies for evaluation.

Pruning folds always-on units into such a term; equivalence checking collects the
affine part of a difference of two networks in one. Entries are Fractions, so the term
is exactly the sum of what was folded (a float64 matrix product would round).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from sparsecert.sparse_models.validation import as_float64
from sparsecert.sparse_models.errors import ShapeError


@dataclass(frozen=True, eq=False)
class AffineTerm:
    """x -> A x + c with exact rational entries; ``A`` is m x n, ``c`` has m entries."""

    A: tuple[tuple[Fraction, ...], ...]
    c: tuple[Fraction, ...]

    @classmethod
    def zeros(cls, m: int, n: int) -> "AffineTerm":
        return cls(tuple((Fraction(0),) * n for _ in range(m)), (Fraction(0),) * m)

    @property
    def m(self) -> int:
        return len(self.c)

    @property
    def n(self) -> int:
        return len(self.A[0]) if self.A else 0

    @property
    def matrix(self) -> np.ndarray:
        """A rounded to float64 (for evaluation only; proofs use the exact entries)."""
        return np.array([[float(v) for v in row] for row in self.A], dtype=np.float64).reshape(self.m, self.n)

    @property
    def bias(self) -> np.ndarray:
        return np.array([float(v) for v in self.c], dtype=np.float64)

    @property
    def is_constant(self) -> bool:
        return all(v == 0 for row in self.A for v in row)

    @property
    def is_zero(self) -> bool:
        return self.is_constant and all(v == 0 for v in self.c)

    def __call__(self, X: Any) -> np.ndarray:
        """Float64 value at one point (shape (m,)) or a batch (shape (N, m))."""
        arr = as_float64("input", X)
        if arr.shape[-1] != self.n:
            raise ShapeError(f"input has {arr.shape[-1]} coordinates but the affine term takes {self.n}")
        return arr @ self.matrix.T + self.bias

    def exact(self, x: Sequence) -> list[Fraction]:
        """Exact value at a point (floats or Fractions)."""
        xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
        return [sum((a * v for a, v in zip(row, xs) if a and v), ci) for row, ci in zip(self.A, self.c)]

    def plus(self, other: "AffineTerm") -> "AffineTerm":
        if (self.m, self.n) != (other.m, other.n):
            raise ShapeError(f"affine terms of shapes {(self.m, self.n)} and {(other.m, other.n)} cannot be added")
        A = tuple(tuple(a + b for a, b in zip(r1, r2)) for r1, r2 in zip(self.A, other.A))
        return AffineTerm(A, tuple(a + b for a, b in zip(self.c, other.c)))

    def scaled(self, factor: Fraction) -> "AffineTerm":
        return AffineTerm(tuple(tuple(factor * a for a in row) for row in self.A), tuple(factor * v for v in self.c))

    def as_dict(self) -> dict[str, Any]:
        return {"A": [[str(v) for v in row] for row in self.A], "c": [str(v) for v in self.c]}


class AffineBuilder:
    """Mutable accumulator of an exact affine term (used while folding units)."""

    def __init__(self, m: int, n: int) -> None:
        self.A = [[Fraction(0)] * n for _ in range(m)]
        self.c = [Fraction(0)] * m

    def add_outer(self, coeff: Sequence[Fraction], w: Sequence[Fraction], b: Fraction) -> None:
        """Add coeff (m) times the affine form x -> w . x + b."""
        for o, co in enumerate(coeff):
            if co == 0:
                continue
            row = self.A[o]
            for j, wj in enumerate(w):
                if wj:
                    row[j] += co * wj
            self.c[o] += co * b

    def add_constant(self, coeff: Sequence[Fraction]) -> None:
        for o, co in enumerate(coeff):
            self.c[o] += co

    def add_term(self, term: AffineTerm, sign: int = 1) -> None:
        for o in range(term.m):
            for j, v in enumerate(term.A[o]):
                if v:
                    self.A[o][j] += sign * v
            self.c[o] += sign * term.c[o]

    def freeze(self) -> AffineTerm:
        return AffineTerm(tuple(tuple(r) for r in self.A), tuple(self.c))
