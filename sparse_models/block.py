"""The two-layer MLP block whose hidden activations sparsecert proves sparse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .validation import as_finite_float, as_float64
from .activations import Activation
from .errors import InvalidArgument, ShapeError
from .head import LinearSkip, apply_output_activation, parse_output_activation


@dataclass(frozen=True, eq=False)
class MLPBlock:
    """x -> W2 act(W1 x + b1) + b2, with W1 of shape (s, n): s hidden units, n inputs.

    Unit i is *active* at x iff z_i(x) = W1[i] . x + b1[i] > tau (strict, tau = 0 by
    default), whatever the activation. ``W2``/``b2`` are optional; without them
    :meth:`forward` returns the hidden activations. Arrays are stored as read-only
    float64 copies; float32 input is widened exactly.

    Optional, and never changing which units are active (see :mod:`sparse_models.head`):
    ``skip``, an affine term of the input added to the output (what pruning folds
    always-on units into); ``output_activation``, ``'softmax'`` or ``'log_softmax'`` applied
    last; ``notes``, what a loader did to the file's model (for example a folded
    BatchNormalization). Both need ``W2``.
    """

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray | None = None
    b2: np.ndarray | None = None
    activation: Activation = field(default_factory=lambda: Activation("relu"))
    name: str = ""
    skip: LinearSkip | None = None
    output_activation: str | None = None
    notes: tuple[str, ...] = ()

    def __init__(
        self,
        W1: Any,
        b1: Any,
        W2: Any = None,
        b2: Any = None,
        activation: "str | Activation" = "relu",
        name: str = "",
        *,
        skip: LinearSkip | None = None,
        output_activation: str | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        W1a = as_float64("W1", W1, ndim=2)
        b1a = as_float64("b1", b1, ndim=1)
        s, n = W1a.shape
        if s == 0 or n == 0:
            raise ShapeError(f"W1 must have at least one unit and one input, got shape {W1a.shape}")
        if b1a.shape != (s,):
            raise ShapeError(f"b1 has shape {b1a.shape} but W1 has {s} rows (units); b1 needs shape ({s},)")
        W2a = b2a = None
        if W2 is None and b2 is not None:
            raise ShapeError("b2 was given without W2; pass W2 (m x s) as well, or neither")
        if W2 is not None:
            W2a = as_float64("W2", W2, ndim=2)
            if W2a.shape[1] != s:
                raise ShapeError(f"W2 has shape {W2a.shape} but the hidden layer has {s} units; W2 needs shape (m, {s})")
            if b2 is None:
                b2a = np.zeros(W2a.shape[0])
                b2a.setflags(write=False)
            else:
                b2a = as_float64("b2", b2, ndim=1)
                if b2a.shape != (W2a.shape[0],):
                    raise ShapeError(f"b2 has shape {b2a.shape} but W2 has {W2a.shape[0]} rows; b2 needs shape ({W2a.shape[0]},)")
        if not isinstance(name, str):
            raise InvalidArgument(f"name must be a string, got {name!r}")
        output_activation = parse_output_activation(output_activation)
        if skip is not None:
            if not isinstance(skip, LinearSkip):
                raise InvalidArgument(f"skip must be a LinearSkip, got {type(skip).__name__}")
            if W2a is None:
                raise ShapeError("a skip term needs an output layer (W2): it is added to W2 act(z) + b2")
            if skip.n != n or skip.m != W2a.shape[0]:
                raise ShapeError(f"the skip term maps {skip.n} inputs to {skip.m} outputs but the block maps {n} to"
                                 f" {W2a.shape[0]}")
        if output_activation is not None and W2a is None:
            raise ShapeError(f"output activation {output_activation!r} needs an output layer (W2)")
        if isinstance(notes, str) or not all(isinstance(t, str) for t in notes):
            raise InvalidArgument(f"notes must be a sequence of strings, got {notes!r}")
        object.__setattr__(self, "W1", W1a)
        object.__setattr__(self, "b1", b1a)
        object.__setattr__(self, "W2", W2a)
        object.__setattr__(self, "b2", b2a)
        object.__setattr__(self, "activation", Activation.parse(activation))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "skip", skip)
        object.__setattr__(self, "output_activation", output_activation)
        object.__setattr__(self, "notes", tuple(notes))

    # sizes -------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Input dimension."""
        return int(self.W1.shape[1])

    @property
    def s(self) -> int:
        """Hidden width (number of units)."""
        return int(self.W1.shape[0])

    @property
    def m(self) -> int | None:
        """Output dimension, or None when the block has no second layer."""
        return None if self.W2 is None else int(self.W2.shape[0])

    # evaluation --------------------------------------------------------------
    def _inputs(self, X: Any) -> tuple[np.ndarray, bool]:
        arr = as_float64("input", X)
        if arr.ndim == 1:
            if arr.shape[0] != self.n:
                raise ShapeError(f"input has {arr.shape[0]} coordinates but the block takes n={self.n}")
            return arr[None, :], True
        if arr.ndim != 2 or arr.shape[1] != self.n:
            raise ShapeError(f"inputs must have shape ({self.n},) or (N, {self.n}), got {arr.shape}")
        return arr, False

    def pre_activations(self, X: Any) -> np.ndarray:
        """z = W1 x + b1 for one point (shape (s,)) or a batch (shape (N, s)), in float64."""
        arr, single = self._inputs(X)
        z = arr @ self.W1.T + self.b1
        return z[0] if single else z

    def active_mask(self, X: Any, tau: float = 0.0) -> np.ndarray:
        """Boolean mask z > tau (float64 evaluation; see verify for exact decisions near tau)."""
        tau = as_finite_float("tau", tau)
        return self.pre_activations(X) > tau

    def active_count(self, X: Any, tau: float = 0.0) -> np.ndarray | int:
        """Number of active units at each point (an int for one point)."""
        mask = self.active_mask(X, tau)
        counts = mask.sum(axis=-1)
        return int(counts) if mask.ndim == 1 else counts.astype(np.int64)

    def hidden(self, X: Any) -> np.ndarray:
        """Hidden activations act(z)."""
        return self.activation(self.pre_activations(X))

    def forward(self, X: Any) -> np.ndarray:
        """The block's output: W2 act(z) + b2 (+ skip(x), then the output activation), or act(z) without W2."""
        h = self.hidden(X)
        if self.W2 is None:
            return h
        out = h @ self.W2.T + self.b2
        if self.skip is not None:
            out = out + self.skip(as_float64("input", X))
        return apply_output_activation(self.output_activation, out)

    # derived blocks ------------------------------------------------------------
    def subset(self, units: Sequence[int]) -> "MLPBlock":
        """The block restricted to the given hidden units (their W2 columns kept)."""
        idx = np.asarray(list(units), dtype=np.int64)
        if idx.size == 0:
            raise InvalidArgument("subset needs at least one unit; a block has s >= 1")
        if idx.min() < 0 or idx.max() >= self.s:
            raise InvalidArgument(f"unit indices must lie in [0, {self.s}), got {list(units)}")
        W2 = None if self.W2 is None else self.W2[:, idx]
        return MLPBlock(self.W1[idx], self.b1[idx], W2, self.b2, self.activation, self.name, skip=self.skip,
                        output_activation=self.output_activation, notes=self.notes)

    def replace(self, **changes: Any) -> "MLPBlock":
        """A copy with some fields changed (validated again)."""
        fields = dict(W1=self.W1, b1=self.b1, W2=self.W2, b2=self.b2, activation=self.activation, name=self.name,
                      skip=self.skip, output_activation=self.output_activation, notes=self.notes)
        unknown = set(changes) - set(fields)
        if unknown:
            raise InvalidArgument(f"unknown MLPBlock field(s) {sorted(unknown)}; fields are {sorted(fields)}")
        fields.update(changes)
        return MLPBlock(**fields)

    def __repr__(self) -> str:
        out = f", m={self.m}" if self.m is not None else ""
        label = f" {self.name!r}" if self.name else ""
        extra = (f" skip=rank {self.skip.rank}" if self.skip is not None else "") + \
            (f" output_activation={self.output_activation}" if self.output_activation is not None else "")
        return f"<MLPBlock{label} n={self.n} s={self.s}{out} activation={self.activation.spec}{extra}>"

    def same_as(self, other: "MLPBlock") -> bool:
        """Bitwise equality of all weights, the activation, the skip term and the output activation."""
        def eq(a, b):
            return (a is None and b is None) or (a is not None and b is not None and a.shape == b.shape and np.array_equal(a, b))
        return (eq(self.W1, other.W1) and eq(self.b1, other.b1) and eq(self.W2, other.W2)
                and eq(self.b2, other.b2) and self.activation == other.activation
                and ((self.skip is None and other.skip is None) or (self.skip is not None and self.skip.same_as(other.skip)))
                and self.output_activation == other.output_activation)


