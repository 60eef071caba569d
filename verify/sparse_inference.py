"""Certified sparse inference: skip the units proved never active on a region.

For a region R (a box, an L-inf ball, a cube or a polytope of the block's inputs) every unit
whose pre-activation is proved <= 0 on all of R contributes act(z) = 0 there (ReLU and
step, whose value is 0 for z <= 0), so the block's output on R is computed from the other
units alone and equals the dense output on every input of R.

Two levels of the proof, both recorded in the :class:`RegionCertificate`:

* exact: max over R of z_i <= 0 in rational arithmetic (the presolve's exact range: a
  closed form over the region's box, an exact LP for polytopes), so the skipped terms are
  exactly zero in the block's exact function;
* float: max z_i <= -E_i (checked as upper <= -2 E_i on the presolve's float maximum, which
  is itself within E_i of the exact one), with E_i a rigorous bound on the float64 rounding of z_i at any
  point of R (:func:`sparsecert.sparse_models.exact.rounding_margin`), so the dense float64
  forward pass computes act(z_i) = 0 for those units too. Only these units are skipped:
  then :meth:`SparseBlock.forward` with ``order="units"`` is equal (``==``) to the dense
  pass in the same order at every float point of R, and the fast BLAS path differs from
  the block's own ``forward`` only by the order of the summation over the kept units.

Outside R (``contains(x)`` is exact) the dense path is taken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sparsecert.sparse_models import MLPBlock, check_domain
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.exact import rounding_margin
from sparsecert.sparse_models.network import as_block

from .presolve import unit_ranges

ZERO_AT_NONPOSITIVE = ("relu", "step")  # activations with act(z) = 0 for every z <= 0


@dataclass(frozen=True)
class RegionCertificate:
    """Which units were proved off on ``region`` and how.

    ``units_off``: skipped (exactly off, and off in float64 at every point of the region);
    ``exact_only``: exactly off but within float rounding of 0 somewhere, so kept;
    ``units_kept``: every other unit; ``method``: how the ranges were proved."""

    region: Any
    units_off: tuple[int, ...]
    exact_only: tuple[int, ...]
    units_kept: tuple[int, ...]
    method: str
    seconds: float = 0.0

    @property
    def share_off(self) -> float:
        total = len(self.units_off) + len(self.exact_only) + len(self.units_kept)
        return len(self.units_off) / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"region": repr(self.region), "units_off": list(self.units_off), "exact_only": list(self.exact_only),
                "units_kept": len(self.units_kept), "share_off": round(self.share_off, 6), "method": self.method,
                "seconds": round(self.seconds, 6)}


def certify_region(block: MLPBlock, region: Any) -> RegionCertificate:
    """Prove which units never fire on ``region`` (see the module docstring for the two levels).

    Parameters
    ----------
    block : MLPBlock or one-hidden-layer Network
        A ReLU (or step) block with an output layer.
    region : Domain
        A box, L-inf ball, cube or polytope of the block's inputs.

    Returns
    -------
    RegionCertificate
        The units skipped (proved off exactly and in float64), those off only in exact
        arithmetic (kept), the rest, and how the ranges were proved.

    Raises
    ------
    InvalidArgument
        For another activation (its value at z <= 0 is not 0) or a block without W2.
    DomainError
        For a region of the wrong dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Box, MLPBlock
    >>> block = MLPBlock(np.array([[1.0, 0.0], [-1.0, -1.0]]), np.array([0.0, -3.0]), np.eye(2), np.zeros(2))
    >>> certify_region(block, Box.uniform(2, -1, 1)).units_off
    (1,)
    """
    block = as_block(block)
    if block.activation.name not in ZERO_AT_NONPOSITIVE:
        raise InvalidArgument(f"certified sparse inference needs act(z) = 0 for z <= 0 ({', '.join(ZERO_AT_NONPOSITIVE)}); "
                              f"this block's activation is {block.activation.name!r}")
    if block.W2 is None:
        raise InvalidArgument("certified sparse inference needs an output layer (W2): the block has none")
    check_domain(region, block.n)
    start = time.monotonic()
    ranges = unit_ranges(block, region, 0.0)
    xmax = _coordinate_bound(region, block.n)
    finite = np.isfinite(xmax).all()
    # any float evaluation of z_i on the region is within E_i of the exact value, and the
    # presolve's float ``upper`` is within E_i of the exact maximum (a float evaluation at the
    # maximising vertex of the outer box, or the nearest float to an exact LP optimum); so
    # upper <= -2 E_i gives exact max z_i <= -E_i and every float z_i <= 0 on the region
    margin = rounding_margin(block.W1, block.b1, xmax) if finite else np.full(block.s, np.inf)
    safe = ranges.always_off & (ranges.upper <= -2 * margin) & np.isfinite(ranges.upper)
    off = np.flatnonzero(safe)
    exact_only = np.flatnonzero(ranges.always_off & ~safe)
    kept = np.flatnonzero(~safe)
    how = ("exact LP ranges of z over the polytope" if region.kind == "polytope"
           else "exact range of z over the region's box (closed form)")
    return RegionCertificate(region, tuple(int(i) for i in off), tuple(int(i) for i in exact_only),
                             tuple(int(i) for i in kept), how + ", float margin from rounding_margin",
                             time.monotonic() - start)


def _coordinate_bound(region: Any, n: int) -> np.ndarray:
    """max |x_j| over the region: its outer box, or for a polytope the exact extremes of each
    coordinate (the presolve's exact LPs on the units x_j and -x_j; inf when unbounded)."""
    lo, hi = region.outer_bounds()
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    if region.kind != "polytope" or np.isfinite(xmax).all():
        return xmax
    eye = np.eye(n)
    ranges = unit_ranges(MLPBlock(np.vstack([eye, -eye]), np.zeros(2 * n)), region, 0.0)
    up = ranges.upper  # float approximations of the exact maxima, rounded outward below
    return np.nextafter(np.maximum(np.abs(up[:n]), np.abs(up[n:])), np.inf)


@dataclass(frozen=True, eq=False)
class SparseBlock:
    """A block that, on its certified region, computes only the units that can fire.

    >>> import numpy as np
    >>> from sparsecert.sparse_models import Box, MLPBlock
    >>> block = MLPBlock(np.array([[1.0, 0.0], [-1.0, -1.0]]), np.array([0.0, -3.0]), np.eye(2), np.zeros(2))
    >>> sb = SparseBlock.certify(block, Box.uniform(2, -1, 1))
    >>> sb.certificate.units_off          # unit 1 has z <= -1 on the whole box
    (1,)
    >>> bool((sb.forward(np.array([0.5, 0.5])) == block.forward(np.array([0.5, 0.5]))).all())
    True
    """

    block: MLPBlock
    certificate: RegionCertificate
    _kept: np.ndarray = field(repr=False, default=None)  # type: ignore[assignment]

    @classmethod
    def certify(cls, block: MLPBlock, region: Any) -> "SparseBlock":
        block = as_block(block)
        cert = certify_region(block, region)
        return cls(block, cert, np.asarray(cert.units_kept, dtype=np.int64))

    @property
    def region(self) -> Any:
        return self.certificate.region

    def flops(self, sparse: bool = True) -> int:
        """Multiply-adds of one forward pass (both layers), sparse or dense."""
        k = self._kept.size if sparse else self.block.s
        return k * (self.block.n + self.block.m)

    def forward(self, X: Any, *, order: str = "blas") -> np.ndarray:
        """The block's output; rows of ``X`` inside the region use the kept units only.

        ``order="blas"``: matrix products (fast). ``order="units"``: the output accumulated
        unit by unit in index order, equal (``==``) to :meth:`dense_forward` with the same
        order at every float point of the region."""
        arr, single = self.block._inputs(X)
        inside = self.inside(arr)
        out = np.empty((arr.shape[0], self.block.m))
        if inside.any():
            out[inside] = self._run(arr[inside], self._kept, order)
        if (~inside).any():
            out[~inside] = self._run(arr[~inside], np.arange(self.block.s), order)
        return out[0] if single else out

    def inside(self, X: np.ndarray) -> np.ndarray:
        """Exact membership of each float row of ``X`` in the region. For boxes and balls a
        float x lies in [lo, hi] (rational bounds) iff it lies in the inward-rounded float box,
        so the test is vectorised; other kinds ask ``contains`` row by row."""
        if X.shape[0] == 0:
            return np.zeros(0, bool)
        if self.region.kind in ("box", "ball"):
            lo, hi = self.region.inner_bounds()
            return ((X >= lo) & (X <= hi)).all(axis=1)
        return np.array([self.region.contains(x) for x in X])

    def dense_forward(self, X: Any, *, order: str = "blas") -> np.ndarray:
        """Every unit, whatever the region (the reference the sparse path is checked against)."""
        arr, single = self.block._inputs(X)
        out = self._run(arr, np.arange(self.block.s), order)
        return out[0] if single else out

    def _run(self, X: np.ndarray, units: np.ndarray, order: str) -> np.ndarray:
        b = self.block
        if order == "blas":
            h = b.activation(X @ b.W1[units].T + b.b1[units])
            out = h @ b.W2[:, units].T + b.b2
        elif order == "units":
            out = np.broadcast_to(b.b2, (X.shape[0], b.m)).copy()
            for i in units:
                h = b.activation(X @ b.W1[i] + b.b1[i])
                out += h[:, None] * b.W2[:, i][None, :]
        else:
            raise InvalidArgument(f"order must be 'blas' or 'units', got {order!r}")
        if b.skip is not None:
            out = out + b.skip(X)
        from sparsecert.sparse_models.head import apply_output_activation

        return apply_output_activation(b.output_activation, out)
