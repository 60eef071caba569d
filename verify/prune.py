"""prune(block, domain): drop units proved never active, fold units proved affine into a skip term.

On the domain (classification by :func:`verify.presolve.unit_ranges`, exact):

* a relu or step unit that is never active outputs 0: dropped;
* a relu / leaky_relu unit that is always active outputs z_i = w_i x + b_i, a leaky_relu
  unit that is never active outputs alpha z_i, and an identity unit always outputs z_i:
  its contribution a_i z_i is affine and is folded into an exact skip term ``linear``;
* a step unit that is always active outputs 1: its a_i is folded into the skip term's constant.

The pruned function is the smaller block plus ``linear`` (exact rationals). The equality
with the original on the domain holds by this construction and is also proved by
:func:`verify.equivalence.equivalent`, whose exact merging of identical units leaves only
the removed units to encode.

``file_block`` is the pruned function as one block, the form every model file holds
(``.npz``, ``.safetensors``, ``.onnx``): the kept units plus a
:class:`~sparse_models.head.LinearSkip` that holds ``linear`` *exactly*, factored as the
folded units' own float64 rows (``skip_W2 (skip_W1 x + skip_b1)``; a leaky unit's
``alpha w_i`` is split into two float64 rows whose sum is exact), because the collapsed
matrix is in general not representable in float64. Its exact value is checked to equal
``linear`` entry by entry, so ``file_proof`` is ``proof``.

A block that ends in softmax / log_softmax is pruned on its logits (equal logits give equal
outputs); the output activation is kept on ``block`` and ``file_block``. A block that already
has a skip term (a pruned file) keeps it: it is added to ``linear`` and to the file's skip term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Domain, MLPBlock, Network, check_domain
from sparsecert.sparse_models.errors import SoundnessError, UnsupportedActivation
from sparsecert.sparse_models.head import LinearSkip

from .affine import AffineBuilder, AffineTerm
from .equivalence import Equivalence, equivalent
from .presolve import unit_ranges
from .results import Status


@dataclass(frozen=True, eq=False)
class PruneResult:
    """The pruned function ``block.forward(x) + linear(x)``, equal to ``original`` on ``domain``.

    ``status`` is that equality's proof status (``proof.status``); what the CLI writes to a
    file is proved by ``file_proof`` (its status decides whether ``sparsecert prune`` writes)."""

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
    def status(self) -> Status:
        """The status of ``proof`` (equivalent(original, pruned) on the domain)."""
        return self.proof.status

    @property
    def file_is_exact_prune(self) -> bool:
        """True when ``file_block`` alone is the whole pruned function (its skip term holds ``linear``)."""
        return self.linear is None or self.file_block.skip is not None

    def forward(self, X: Any) -> np.ndarray:
        """Float64 output of the pruned function as written to files (``file_block.forward``)."""
        return self.file_block.forward(X)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "units_before": self.original.s, "units_after": len(self.kept),
                "kept": list(self.kept), "dropped": list(self.dropped), "folded": list(self.folded),
                "linear": None if self.linear is None else self.linear.as_dict(),
                "file_units": self.file_block.s, "file_is_exact_prune": self.file_is_exact_prune,
                "file_skip_rank": 0 if self.file_block.skip is None else self.file_block.skip.rank,
                "output_activation": self.original.output_activation,
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


def prune(block: MLPBlock | Network, domain: Domain, *, timeout: float | None = None) -> PruneResult:
    """Remove units never active on ``domain`` and fold units whose output is affine there.

    Returns the smaller block, the exact skip term (None when nothing was folded), the
    equivalence proof against the original and ``file_block``, the pruned function as one
    block with the skip term (what ``sparsecert prune`` writes). gelu, silu, sigmoid and tanh
    raise :class:`UnsupportedActivation` naming the activation: an inactive unit of theirs
    does not output 0.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block); relu, leaky_relu, step or identity units.
    domain : Domain
        Any sparsecert domain of dimension ``block.n``; the pruned function equals the
        original there (not necessarily elsewhere).
    timeout : float or None, default None
        Seconds for the equivalence proofs (None: no limit).

    Returns
    -------
    PruneResult
        ``block`` (the kept units), ``linear`` (the exact affine term of the folded units or
        None), ``kept`` / ``dropped`` / ``folded`` (original unit indices), ``proof`` and
        ``file_proof`` (:class:`Equivalence`), ``file_block`` and ``status``.

    Raises
    ------
    UnsupportedActivation
        gelu, silu, sigmoid or tanh units.
    DomainError, ShapeError
        ``domain`` is not a domain of dimension ``block.n``.
    SoundnessError
        An internal cross-check failed (never expected).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.verify import prune
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]), np.array([-3.0, 3.0, 0.0]),
    ...                  np.array([[1.0, 1.0, 1.0]]))
    >>> res = prune(block, Hypercube(2))  # unit 0 is never active, unit 1 always is
    >>> res.kept, res.dropped, res.folded, res.status.value
    ((2,), (0,), (1,), 'verified')
    >>> res.block.s, res.linear.c
    (1, (Fraction(3, 1),))
    """
    block = as_block(block)  # a one-hidden-layer Network is its block
    check_domain(domain, block.n)
    act = block.activation
    if not act.piecewise_linear:
        raise UnsupportedActivation(f"cannot prune {act.spec} units: an inactive {act.spec} unit does not output 0;"
                                    " pruning supports relu, leaky_relu, step and identity")
    notes: list[str] = []
    original = block
    out_act, old_skip = block.output_activation, block.skip
    logits = block.replace(output_activation=None)  # with the old skip term: what the proof compares
    block = logits.replace(skip=None)  # the units alone
    if out_act is not None:
        notes.append(f"the block ends in {out_act}: pruning keeps its logits (the values before the {out_act})"
                     f" exactly, so its outputs are equal too; the proof compares the logits")
    full = _with_outputs(block)
    if block.W2 is None:
        notes.append("the block has no W2: the pruned block outputs the hidden layer through W2 = identity columns")
    ranges = unit_ranges(block, domain, 0.0)
    m = full.W2.shape[0]
    aff = AffineBuilder(m, block.n)
    if old_skip is not None:
        A, c = old_skip.exact_affine()
        aff.add_term(AffineTerm(tuple(tuple(r) for r in A), tuple(c)))
        notes.append(f"the block's own skip term (rank {old_skip.rank}) is kept: it is part of the pruned skip term")
    rows: list[tuple[np.ndarray, float, np.ndarray]] = []  # the skip term's factors: (w, b, output column)
    kept, dropped, folded = [], [], []
    for i in range(block.s):
        col = full.W2[:, i]
        coeff = [Fraction(float(v)) for v in col]
        wq, bq = [Fraction(float(v)) for v in block.W1[i]], Fraction(float(block.b1[i]))
        off, on = bool(ranges.always_off[i]), bool(ranges.always_on[i])
        if act.name == "identity" or (on and act.name in ("relu", "leaky_relu")):
            aff.add_outer(coeff, wq, bq)
            rows.append((block.W1[i], float(block.b1[i]), col))
            folded.append(i)
        elif off and act.name in ("relu", "step"):
            dropped.append(i)
        elif off and act.name == "leaky_relu" and (split := _scaled_rows(act.alpha, block.W1[i], block.b1[i])):
            aff.add_outer([Fraction(act.alpha) * c for c in coeff], wq, bq)
            rows.extend((w, b, col) for w, b in split)
            folded.append(i)
        elif on and act.name == "step":
            aff.add_constant(coeff)
            rows.append((np.zeros(block.n), 1.0, col))
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
    proof = equivalent(logits, _Pruned(pruned_block, linear), domain, timeout=timeout)
    if proof.status == "violated":
        raise SoundnessError(f"pruned block differs from the original at {proof.difference.as_dict()}")
    skip = None if linear is None else _skip_term(old_skip, rows, m, block.n)
    if skip is not None:
        A, c = skip.exact_affine()
        if tuple(map(tuple, A)) != linear.A or tuple(c) != linear.c:
            raise SoundnessError("the factored skip term does not equal the exact folded term")
        notes.append(f"the {len(folded)} folded units form an affine skip term; files hold it exactly, factored as"
                     f" skip_W2 (skip_W1 x + skip_b1) of rank {skip.rank}, beside the {len(kept)} kept units")
    pruned_block = pruned_block.replace(output_activation=out_act, name=original.name, notes=original.notes)
    file_block = pruned_block.replace(skip=skip)
    return PruneResult(original, pruned_block, linear, tuple(kept), tuple(dropped), tuple(folded), proof,
                       file_block, proof, tuple(notes))


def _scaled_rows(alpha: float, w: np.ndarray, b: float) -> list[tuple[np.ndarray, float]] | None:
    """Float64 rows whose sum is exactly alpha (w, b) (a high part and the rounding error), or None."""
    a = Fraction(alpha)
    exact = [a * Fraction(float(v)) for v in (*w, b)]
    hi = np.array([float(q) for q in exact])
    lo = np.array([float(q - Fraction(float(h))) for q, h in zip(exact, hi)])
    if any(Fraction(float(h)) + Fraction(float(l)) != q for h, l, q in zip(hi, lo, exact)):
        return None  # below the float64 range (subnormal rounding): the unit is kept instead
    out = [(hi[:-1], float(hi[-1]))]
    if np.any(lo):
        out.append((lo[:-1], float(lo[-1])))
    return out


def _skip_term(old: LinearSkip | None, rows: list, m: int, n: int) -> LinearSkip | None:
    """The file's skip term: the old skip term's factors (if any) and one factor row per folded unit."""
    W1, b1, cols = [], [], []
    b2 = None
    if old is not None:
        W1.extend(old.W1)
        b1.extend(old.b1)
        inner = np.eye(old.rank) if old.W2 is None else old.W2  # identity columns are exact
        cols.extend(inner.T)
        b2 = old.b2
    for w, b, col in rows:
        W1.append(w)
        b1.append(b)
        cols.append(col)
    if not W1:
        return None
    return LinearSkip(np.array(W1).reshape(-1, n), np.array(b1), np.array(cols).reshape(-1, m).T, b2)


def _sum(b2: np.ndarray, c: tuple[Fraction, ...]) -> list[Fraction]:
    return [Fraction(float(v)) + q for v, q in zip(b2, c)]


def _exact_bias_sum(b2: np.ndarray, c: tuple[Fraction, ...]) -> bool:
    """True when b2 + c is exactly representable in float64 (so folding into b2 loses nothing)."""
    return all(Fraction(float(q)) == q for q in _sum(b2, c))
