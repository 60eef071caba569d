"""prune(block, domain): drop units proved never active, fold units proved affine into a skip term.

On the domain (classification by :func:`verify.presolve.unit_ranges`, exact):

* a relu or step unit that is never active outputs 0: dropped;
* a relu / leaky_relu unit that is always active outputs z_i = w_i x + b_i, a leaky_relu
  unit that is never active outputs alpha z_i, and an identity unit always outputs z_i:
  its contribution a_i z_i is affine and is folded into an exact skip term ``linear``;
* a step unit that is always active outputs 1: its a_i is folded into the skip term's constant.

An MLPBlock has no input->output skip, so the pruned function is the smaller block plus
``linear`` (exact rationals). The equality with the original on the domain holds by this
construction and is also proved by :func:`verify.equivalence.equivalent`, whose exact
merging of identical units leaves only the removed units to encode. ``file_block`` is what
the native .npz format can hold: when a non-constant skip term is needed it only drops the
units whose contribution is exactly zero (and is proved equivalent too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import MLPBlock, check_domain
from sparsecert.sparse_models.errors import SoundnessError, UnsupportedActivation

from .affine import AffineBuilder, AffineTerm
from .equivalence import Equivalence, equivalent
from .presolve import unit_ranges


@dataclass(frozen=True, eq=False)
class PruneResult:
    """The pruned function ``block.forward(x) + linear(x)``, equal to ``original`` on ``domain``."""

    original: MLPBlock
    block: MLPBlock
    linear: AffineTerm | None
    kept: tuple[int, ...]  # original indices of the units in ``block``
    dropped: tuple[int, ...]  # never active, contribution exactly 0
    folded: tuple[int, ...]  # contribution affine on the domain, moved into ``linear``
    proof: Equivalence  # equivalent(original, pruned) on the domain
    file_block: MLPBlock  # what a native .npz can hold (see module doc)
    file_proof: Equivalence
    notes: tuple[str, ...] = field(default=())

    @property
    def file_is_exact_prune(self) -> bool:
        """True when ``file_block`` alone is the whole pruned function (no skip term lost)."""
        return self.linear is None

    def forward(self, X: Any) -> np.ndarray:
        """Float64 output of the pruned function (block plus skip term)."""
        out = self.block.forward(X)
        return out if self.linear is None else out + self.linear(X)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.proof.status, "units_before": self.original.s, "units_after": len(self.kept),
                "kept": list(self.kept), "dropped": list(self.dropped), "folded": list(self.folded),
                "linear": None if self.linear is None else self.linear.as_dict(),
                "file_units": self.file_block.s, "file_is_exact_prune": self.file_is_exact_prune,
                "proof": self.proof.as_dict(), "file_proof": self.file_proof.as_dict(), "notes": list(self.notes)}


@dataclass(frozen=True, eq=False)
class _Pruned:
    """The pruned function before its proof exists (what :func:`equivalent` compares)."""

    block: MLPBlock
    linear: AffineTerm | None


def _with_outputs(block: MLPBlock) -> MLPBlock:
    """A block without W2 gets W2 = identity, so removing units keeps its output coordinates."""
    if block.W2 is not None:
        return block
    return block.replace(W2=np.eye(block.s), b2=np.zeros(block.s))


def _subset(block: MLPBlock, units: list[int], notes: list[str]) -> MLPBlock:
    if units:
        return block.subset(units)
    notes.append("every unit was removed; one zero unit (w = 0, b = -1, output weight 0) is kept because a block needs s >= 1")
    return MLPBlock(np.zeros((1, block.n)), [-1.0], np.zeros((block.W2.shape[0], 1)), block.b2,
                    block.activation, block.name)


def prune(block: MLPBlock, domain: Any, *, timeout: float | None = None) -> PruneResult:
    """Remove units never active on ``domain`` and fold units whose output is affine there.

    Returns the smaller block, the exact skip term (None when nothing was folded) and the
    equivalence proof against the original. gelu/silu raise :class:`UnsupportedActivation`:
    an inactive gelu unit does not output 0.
    """
    block = as_block(block)  # a one-hidden-layer Network is its block
    check_domain(domain, block.n)
    act = block.activation
    if not act.piecewise_linear:
        raise UnsupportedActivation(f"cannot prune {act.spec} units: an inactive {act.spec} unit does not output 0;"
                                    " pruning supports relu, leaky_relu, step and identity")
    notes: list[str] = []
    full = _with_outputs(block)
    if block.W2 is None:
        notes.append("the block has no W2: the pruned block outputs the hidden layer through W2 = identity columns")
    ranges = unit_ranges(block, domain, 0.0)
    m = full.W2.shape[0]
    aff = AffineBuilder(m, block.n)
    kept, dropped, folded = [], [], []
    for i in range(block.s):
        coeff = [Fraction(float(v)) for v in full.W2[:, i]]
        wq, bq = [Fraction(float(v)) for v in block.W1[i]], Fraction(float(block.b1[i]))
        off, on = bool(ranges.always_off[i]), bool(ranges.always_on[i])
        if act.name == "identity" or (on and act.name in ("relu", "leaky_relu")):
            aff.add_outer(coeff, wq, bq)
            folded.append(i)
        elif off and act.name in ("relu", "step"):
            dropped.append(i)
        elif off and act.name == "leaky_relu":
            aff.add_outer([Fraction(act.alpha) * c for c in coeff], wq, bq)
            folded.append(i)
        elif on and act.name == "step":
            aff.add_constant(coeff)
            folded.append(i)
        else:
            kept.append(i)
    term = aff.freeze()
    linear = None if term.is_zero else term
    pruned_block = _subset(full, kept, notes)
    if linear is not None and linear.is_constant and _exact_bias_sum(pruned_block.b2, linear.c):
        pruned_block = pruned_block.replace(b2=np.array([float(v) for v in _sum(pruned_block.b2, linear.c)]))
        linear = None
        notes.append("folded step units only shift the output bias; it was added to b2 exactly")
    proof = equivalent(block, _Pruned(pruned_block, linear), domain, timeout=timeout)
    if proof.status == "violated":
        raise SoundnessError(f"pruned block differs from the original at {proof.difference.as_dict()}")
    if linear is None:
        file_block, file_proof = pruned_block, proof
    else:
        file_block = _subset(full, sorted(set(kept) | set(folded)), notes)
        notes.append(f"the native .npz cannot hold the skip term: the file keeps the {len(folded)} folded units"
                     f" and drops only the {len(dropped)} never-active ones")
        file_proof = equivalent(block, file_block, domain, timeout=timeout)
        if file_proof.status == "violated":
            raise SoundnessError(f"file block differs from the original at {file_proof.difference.as_dict()}")
    return PruneResult(block, pruned_block, linear, tuple(kept), tuple(dropped), tuple(folded), proof,
                       file_block, file_proof, tuple(notes))


def _sum(b2: np.ndarray, c: tuple[Fraction, ...]) -> list[Fraction]:
    return [Fraction(float(v)) + q for v, q in zip(b2, c)]


def _exact_bias_sum(b2: np.ndarray, c: tuple[Fraction, ...]) -> bool:
    """True when b2 + c is exactly representable in float64 (so folding into b2 loses nothing)."""
    return all(Fraction(float(q)) == q for q in _sum(b2, c))
