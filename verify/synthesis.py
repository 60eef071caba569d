"""synthesize: a narrow k-sparse network computing a given Boolean function, or a proof that none exists.

The function is a ±1 truth table on {-1,1}^t in docs/theory.md §1 order (row r has
x_j = 1 - 2 bit_j(r)). Z3 searches integer first-layer weights, biases and output weights in
[-R, R] (R = ``weight_range``) for a width-w network f(x) = sum_i a_i sigma(w_i . x + b_i),
sigma relu or step, no output bias (the class H of docs/theory.md §1), such that f equals the
table at every point and at most k units are active at every point. Widths are tried
from 1 up, so the first one found is the narrowest within the range; UNSAT at s_max
proves that no network of width <= s_max exists in the range (a narrower network pads
to width s_max with zero units, which are never active). Everything is integer: exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np

from sparsecert.sparse_models import MLPBlock
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.constructions import sign_patterns
from sparsecert.sparse_models.errors import InvalidArgument, ShapeError, SoundnessError

from .results import Stats, Status

ACTIVATIONS = ("relu", "step")
OUTCOMES = {"found": Status.VERIFIED, "none": Status.VIOLATED, "unknown": Status.UNKNOWN}  # Synthesis.status
NAMED = ("and", "or", "majority", "parity", "dictator")
# The types of ``activation=`` and of truth_table's ``name``; get_args equals the tuples above (tested).
SynthesisActivation = Literal["relu", "step"]
NamedFunction = Literal["and", "or", "majority", "parity", "dictator"]


def truth_table(name: NamedFunction, t: int) -> tuple[int, ...]:
    """Named ±1 functions on {-1,1}^t in §1 order: ``and`` (1 iff every x_j = 1), ``or`` (1 iff some
    x_j = 1), ``majority`` (sign of sum x_j, t odd), ``parity`` (prod x_j), ``dictator`` (x_0).

    Parameters
    ----------
    name : NamedFunction
        One of ``"and"``, ``"or"``, ``"majority"``, ``"parity"``, ``"dictator"``.
    t : int
        Number of inputs, 1 to 16.

    Returns
    -------
    tuple of int
        The 2**t values (+1 or -1); row r has x_j = 1 - 2 bit_j(r) (docs/theory.md §1).

    Raises
    ------
    InvalidArgument
        An unknown name, ``t`` out of range, or ``majority`` of an even number of inputs.

    Examples
    --------
    >>> from sparsecert.verify import truth_table
    >>> truth_table("and", 2)  # rows (1, 1), (-1, 1), (1, -1), (-1, -1)
    (1, -1, -1, -1)
    >>> truth_table("parity", 2)
    (1, -1, -1, 1)
    """
    t = as_count("t", t, low=1, high=16)
    X = sign_patterns(t)
    if name == "and":
        v = np.where(np.all(X == 1, axis=1), 1, -1)
    elif name == "or":
        v = np.where(np.any(X == 1, axis=1), 1, -1)
    elif name == "majority":
        if t % 2 == 0:
            raise InvalidArgument(f"majority needs an odd number of inputs, got t={t}")
        v = np.sign(X.sum(axis=1))
    elif name == "parity":
        v = np.prod(X, axis=1)
    elif name == "dictator":
        v = X[:, 0]
    else:
        raise InvalidArgument(f"unknown function {name!r}; named functions are {', '.join(NAMED)}")
    return tuple(int(u) for u in v)


@dataclass(frozen=True, eq=False)
class Synthesis:
    """``outcome`` ``found``: ``block`` computes the table with at most k active units (checked at
    every point); ``none``: proved that no network of width <= s_max with weights in range exists;
    ``unknown``: the solver stopped first (``widths_ruled_out`` are still proved).

    ``status`` reads the outcome as the answer to "does such a network exist?":
    found = VERIFIED (a network was found and re-checked exactly), none = VIOLATED (proved that
    none exists), unknown = UNKNOWN; it is what the CLI's exit code follows (0, 1, 3). JSON
    keeps writing the outcome word under ``"status"`` (found / none / unknown).
    """

    outcome: str  # found | none | unknown
    truth_table: tuple[int, ...]
    k: int
    s_max: int
    weight_range: int
    activation: str
    block: MLPBlock | None = None
    widths_ruled_out: tuple[int, ...] = ()
    max_active: int | None = None  # of the found block, over the whole cube
    reason: str = ""
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise InvalidArgument(f"Synthesis outcome must be one of {tuple(OUTCOMES)}, got {self.outcome!r}")

    @property
    def status(self) -> Status:
        """found = VERIFIED, none = VIOLATED, unknown = UNKNOWN (see the class doc)."""
        return OUTCOMES[self.outcome]

    @property
    def width(self) -> int | None:
        return None if self.block is None else self.block.s

    def __bool__(self) -> bool:
        return self.outcome == "found"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.outcome, "truth_table": list(self.truth_table), "k": self.k,
                               "s_max": self.s_max, "weight_range": self.weight_range, "activation": self.activation,
                               "width": self.width, "widths_ruled_out": list(self.widths_ruled_out),
                               "max_active": self.max_active}
        if self.block is not None:
            out["network"] = {"W1": self.block.W1.astype(int).tolist(), "b1": self.block.b1.astype(int).tolist(),
                              "W2": self.block.W2.astype(int).tolist()}
        if self.reason:
            out["reason"] = self.reason
        out["stats"] = self.stats.as_dict()
        return out


def _table(truth_table: Sequence) -> tuple[tuple[int, ...], int]:
    arr = np.asarray(truth_table)
    if arr.ndim != 1 or arr.size == 0:
        raise ShapeError(f"the truth table must be a flat sequence of 2^t values, got shape {arr.shape}")
    if arr.dtype.kind not in "iuf" or not np.all(np.isin(arr, (-1, 1))):
        raise InvalidArgument("the truth table must hold only -1 and 1 (a ±1-valued Boolean function)")
    t = int(arr.size).bit_length() - 1
    if arr.size != 1 << t or t == 0:
        raise ShapeError(f"the truth table needs 2^t entries for t >= 1 inputs, got {arr.size}")
    if t > 10:
        raise InvalidArgument(f"synthesis handles t <= 10 inputs (1024 points), got t={t}")
    return tuple(int(v) for v in arr), t


def evaluate(W: np.ndarray, b: np.ndarray, a: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, active counts) of an integer network at every cube point, in exact integer arithmetic."""
    t = W.shape[1]
    X = sign_patterns(t).astype(np.int64)
    Z = X @ W.T.astype(np.int64) + b.astype(np.int64)
    H = (Z > 0).astype(np.int64) if activation == "step" else np.maximum(Z, 0)
    return H @ a.astype(np.int64), (Z > 0).sum(axis=1)


class _Solver:
    def __init__(self, y: tuple[int, ...], t: int, k: int, R: int, activation: str) -> None:
        self.y, self.t, self.k, self.R, self.activation = y, t, k, R, activation
        self.X = sign_patterns(t).astype(int)

    def solve(self, width: int, timeout_ms: int | None):
        from .backends.z3_synthesis import solve_width

        return solve_width(self.X, self.y, self.k, self.R, self.activation, width, timeout_ms)


def synthesize(truth_table: Sequence, k: int, s_max: int, *, weight_range: int,
               activation: SynthesisActivation = "relu", timeout: float | None = None) -> Synthesis:
    """The narrowest width <= s_max relu/step network with integer weights in [-weight_range, weight_range]
    computing ``truth_table`` with at most ``k`` active units at every point, or a proof that none exists.

    Parameters
    ----------
    truth_table : sequence of int
        2**t values +1 / -1 in docs/theory.md §1 order (see :func:`truth_table`).
    k : int
        At most this many units active at every point.
    s_max : int
        The widest network tried (widths 1, 2, ..., s_max).
    weight_range : int
        R: every first-layer weight, bias and output weight is an integer in [-R, R].
    activation : SynthesisActivation, default "relu"
        ``"relu"`` or ``"step"``.
    timeout : float or None, default None
        Seconds for the whole search (None: no limit).

    Returns
    -------
    Synthesis
        ``outcome`` ``"found"`` (``block``, re-checked at every point, with its ``max_active``),
        ``"none"`` (proved for every width up to ``s_max``) or ``"unknown"``; ``status`` reads
        it as VERIFIED / VIOLATED / UNKNOWN; ``widths_ruled_out`` are proved.

    Raises
    ------
    InvalidArgument, ShapeError
        A table that is not 2**t values +1 / -1, a bad count, activation or timeout.

    Examples
    --------
    >>> from sparsecert.verify import synthesize, truth_table
    >>> res = synthesize(truth_table("dictator", 2), 1, 2, weight_range=1)  # x_0 = relu(x_0) - relu(-x_0)
    >>> res.outcome, res.block.s, res.widths_ruled_out, res.max_active
    ('found', 2, (1,), 1)
    >>> synthesize(truth_table("dictator", 2), 0, 2, weight_range=1).outcome
    'none'
    """
    y, t = _table(truth_table)
    s_max = as_count("s_max", s_max, low=1)
    k = as_count("k", k, low=0)
    R = as_count("weight_range", weight_range, low=1)
    if activation not in ACTIVATIONS:
        raise InvalidArgument(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if timeout is not None:
        timeout = as_finite_float("timeout", timeout)
        if timeout <= 0:
            raise InvalidArgument(f"timeout must be positive seconds (or None), got {timeout}")
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    solver = _Solver(y, t, k, R, activation)
    ruled_out: list[int] = []
    calls = 0

    def stats(method: str) -> Stats:
        return Stats(time.monotonic() - start, "z3", method, 0, 0, 0, 0, calls, 0, ())

    common = dict(truth_table=y, k=k, s_max=s_max, weight_range=R, activation=activation)
    for width in range(1, s_max + 1):
        ms = None if deadline is None else max(1, int((deadline - time.monotonic()) * 1000))
        calls += 1
        status, payload = solver.solve(width, ms)
        if status == "unsat":
            ruled_out.append(width)
            continue
        if status == "unknown":
            return Synthesis("unknown", **common, widths_ruled_out=tuple(ruled_out),
                             reason=f"z3 stopped at width {width}: {payload}", stats=stats("solver"))
        W, b, a = payload
        out, counts = evaluate(W, b, a, activation)
        if not (np.array_equal(out, np.array(y)) and int(counts.max()) <= k):
            raise SoundnessError("synthesized network does not re-check on every point of the truth table")
        block = MLPBlock(W.astype(np.float64), b.astype(np.float64), a[None, :].astype(np.float64), np.zeros(1),
                         activation, name=f"synthesized(t={t}, k={k})")
        return Synthesis("found", **common, block=block, widths_ruled_out=tuple(ruled_out),
                         max_active=int(counts.max()), stats=stats("solver"))
    return Synthesis("none", **common, widths_ruled_out=tuple(ruled_out),
                     reason=f"no network of width <= {s_max} with integer weights in [-{R}, {R}] computes the table"
                            f" with at most {k} active units", stats=stats("solver"))
