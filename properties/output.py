"""The scalar function f of a block that Fourier analysis and the bounds of docs/theory.md talk about.

docs/theory.md §1 writes f(x) = sum_i a_i sigma(z_i(x)). For an :class:`MLPBlock` the a_i are
the weights of one output coordinate (a row of W2, plus its bias b2, which only moves
f^(empty set)); a block without W2 has no such row, so the caller names a hidden unit and
f is that unit's activation. Activity is decided exactly (float64 with a rigorous
rounding margin, re-decided in rational arithmetic near 0, via verify.exact_eval), so a
step unit's 0/1 value is never a floating-point accident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparsecert.sparse_models.network import output_block
from sparsecert.sparse_models import Activation, MLPBlock
from sparsecert.sparse_models.validation import as_count
from sparsecert.sparse_models.errors import InvalidArgument, UnsupportedActivation
from sparsecert.sparse_models.exact import rounding_margin
from sparsecert.verify.exact_eval import exact_active_mask

# Activations with sigma(z) = 0 whenever the unit is inactive: the bounds of docs/theory.md are about these.
GATED = frozenset({"relu", "step"})


@dataclass(frozen=True, eq=False)
class OutputSelection:
    """f(x) = sum_i a[i] * act(z_i(x)) + bias: one scalar output of a block."""

    index: int
    a: np.ndarray
    bias: float
    activation: Activation
    from_hidden: bool

    @property
    def description(self) -> str:
        if self.from_hidden:
            return f"hidden unit {self.index} ({self.activation.spec})"
        return f"output {self.index}"


def select_output(block: MLPBlock, output: int | None = None) -> OutputSelection:
    """Choose the scalar function to analyse; refuse rather than guess when it is ambiguous.

    With W2 of one row, ``output`` may be omitted. With m > 1 rows it is required
    (0 <= output < m). Without W2, ``output`` names a hidden unit whose activation is f.
    """
    block = output_block(block, "the output analysis")  # a one-hidden-layer Network is its block
    if block.W2 is None:
        if output is None:
            raise InvalidArgument(
                "the block has no output layer (W2), so there is no scalar output to analyse;"
                " pass output=I (CLI: --output I) to analyse hidden unit I, or give the model a W2")
        i = as_count("output (hidden unit)", output, low=0, high=block.s - 1)
        a = np.zeros(block.s)
        a[i] = 1.0
        a.setflags(write=False)
        return OutputSelection(i, a, 0.0, block.activation, True)
    m = int(block.W2.shape[0])
    if output is None:
        if m != 1:
            raise InvalidArgument(
                f"the block has m={m} outputs; choose one with output=K (CLI: --output K), 0 <= K < {m}")
        output = 0
    k = as_count("output", output, low=0, high=m - 1)
    a = np.array(block.W2[k], dtype=np.float64)
    a.setflags(write=False)
    return OutputSelection(k, a, float(block.b2[k]), block.activation, False)


@dataclass(frozen=True, eq=False)
class Decisions:
    """Float pre-activations Z (rows = points) with the exact activity mask.

    ``mask`` equals ``Z > 0`` except possibly in ``near_rows``, where entries within the
    rounding margin were re-decided in exact arithmetic (``redecided`` entries).
    """

    Z: np.ndarray
    mask: np.ndarray
    near_rows: np.ndarray
    redecided: int


def exact_decisions(block: MLPBlock, X: np.ndarray, margin: np.ndarray) -> Decisions:
    """Evaluate z = W1 x + b1 for every row of X and decide z_i(x) > 0 exactly.

    ``margin`` must bound the rounding error of every row of X (see
    :func:`sparse_models.exact.rounding_margin`). Only rows with an entry inside the
    margin go through :func:`verify.exact_eval.exact_active_mask`.
    """
    Z = X @ block.W1.T
    Z += block.b1
    far = np.abs(Z) > margin  # NaN/inf would count as near
    mask = Z > 0.0
    near_rows = np.flatnonzero(~far.all(axis=1))
    redecided = 0
    if near_rows.size:
        sub, redecided = exact_active_mask(block, X[near_rows], 0.0, margin=margin)
        mask[near_rows] = sub
    return Decisions(Z, mask, near_rows, redecided)


def margin_for(block: MLPBlock, abs_max: "np.ndarray | float") -> np.ndarray:
    """Per-unit rounding margin valid for every input with |x_j| <= abs_max[j]."""
    return rounding_margin(block.W1, block.b1, abs_max, 0.0)


def hidden_from(activation: Activation, dec: Decisions, *, overwrite: bool = False) -> np.ndarray:
    """act(z) with the exact activity decisions: a gated unit that is inactive outputs exactly 0.

    ``overwrite`` lets a relu evaluation reuse the memory of ``dec.Z``.
    """
    if activation.name == "relu":
        H = np.maximum(dec.Z, 0.0, out=dec.Z if overwrite else None)
        if dec.near_rows.size:  # float z > 0 but exactly inactive: the unit outputs 0
            rows = H[dec.near_rows]
            rows[~dec.mask[dec.near_rows]] = 0.0
            H[dec.near_rows] = rows
        return H
    if activation.name == "step":
        return dec.mask.astype(np.float64)
    return activation(dec.Z)


def output_values(sel: OutputSelection, dec: Decisions, *, overwrite: bool = False) -> np.ndarray:
    """f at every row from the exact decisions (``overwrite`` may reuse the memory of dec.Z).

    einsum rather than a BLAS gemv: thin memory-bound products, and multi-threaded BLAS
    was measured several times slower than this single loop on a busy machine.
    """
    return np.einsum("ij,j->i", hidden_from(sel.activation, dec, overwrite=overwrite), sel.a) + sel.bias


def unit_value_bounds(block: MLPBlock, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit bounds [lo_i, hi_i] on act(z_i(x)) for x in the box [lower, upper].

    Interval arithmetic on z, then the activation's monotone image. Only monotone
    activations (relu, step, identity, leaky_relu with slope >= 0) are supported.
    """
    act = block.activation
    if act.name not in ("relu", "step", "identity") and not (act.name == "leaky_relu" and act.alpha >= 0):
        raise UnsupportedActivation(
            f"a bound on the output is needed here and sparsecert derives it only for monotone activations"
            f" (relu, step, identity, leaky_relu with slope >= 0), not {act.spec}")
    W = block.W1
    zmax = block.b1 + np.maximum(W * upper, W * lower).sum(axis=1)
    zmin = block.b1 + np.minimum(W * upper, W * lower).sum(axis=1)
    # outward slack for the rounding of these sums (relative 1e-9 of the magnitude: far above float error)
    mag = np.abs(block.b1) + (np.abs(W) * np.maximum(np.abs(lower), np.abs(upper))).sum(axis=1)
    zmax = zmax + 1e-9 * mag
    zmin = zmin - 1e-9 * mag
    if act.name == "step":
        return (zmin > 0).astype(np.float64), (zmax > 0).astype(np.float64)
    return act(zmin), act(zmax)


def value_range(block: MLPBlock, sel: OutputSelection, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """An interval [lo, hi] containing f(x) for every x in the box (rigorous up to a 1e-9 relative pad)."""
    ulo, uhi = unit_value_bounds(block, lower, upper)
    a = sel.a
    lo = float(np.sum(np.where(a > 0, a * ulo, a * uhi))) + sel.bias
    hi = float(np.sum(np.where(a > 0, a * uhi, a * ulo))) + sel.bias
    pad = 1e-9 * (float(np.sum(np.abs(a) * np.maximum(np.abs(ulo), np.abs(uhi)))) + abs(sel.bias))
    return lo - pad, hi + pad


def flip_lipschitz(block: MLPBlock, sel: OutputSelection) -> np.ndarray:
    """L_j >= |f(x) - f(x^(j))| / 2 on the ±1 cube, for every x (per coordinate j).

    1-Lipschitz activations (relu, identity, leaky_relu with |slope| <= 1): sum_i |a_i||w_ij|,
    since flipping x_j moves z_i by 2|w_ij|. Step: sum_i |a_i| [w_ij != 0] / 2.
    """
    act = block.activation
    absa = np.abs(sel.a)
    if act.name == "step":
        return (absa @ (block.W1 != 0).astype(np.float64)) / 2.0
    if act.name in ("relu", "identity") or (act.name == "leaky_relu" and abs(act.alpha) <= 1):
        return (absa @ np.abs(block.W1)) * (1 + 1e-9)
    raise UnsupportedActivation(f"no flip bound is derived for activation {act.spec}")
