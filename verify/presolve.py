"""Presolve: exact per-unit range of z_i over the domain, classifying units as
always-off (max z_i <= tau), always-on (min z_i > tau) or undecided.

Closed forms for hypercubes, boxes and balls (computed in float64 with a rigorous
rounding margin, re-decided in rational arithmetic near tau), exact LPs for polytopes,
exact evaluation for point sets. Only undecided units reach a solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sparsecert.sparse_models import Domain, MLPBlock, Polytope, check_domain
from sparsecert.sparse_models.errors import DomainError
from sparsecert.sparse_models.exact import nearest_float, rounding_margin

from .exact_eval import exact_active_mask


@dataclass(frozen=True, eq=False)
class UnitRanges:
    """Per-unit bounds on z over a domain; classifications are exact."""

    lower: np.ndarray  # float approximation of min z_i (for reports)
    upper: np.ndarray  # float approximation of max z_i (+inf when unbounded)
    always_off: np.ndarray  # bool: proved max z_i <= tau
    always_on: np.ndarray  # bool: proved min z_i > tau

    @property
    def undecided(self) -> np.ndarray:
        return ~(self.always_off | self.always_on)

    @property
    def n_off(self) -> int:
        return int(self.always_off.sum())

    @property
    def n_on(self) -> int:
        return int(self.always_on.sum())

    @property
    def n_undecided(self) -> int:
        return int(self.undecided.sum())


def _exact_box_extreme(w: np.ndarray, b: float, lo: list[Fraction], hi: list[Fraction], upper: bool) -> Fraction:
    total = Fraction(float(b))
    for j in np.flatnonzero(w):
        wj = Fraction(float(w[j]))
        pick_hi = (wj > 0) == upper
        total += wj * (hi[j] if pick_hi else lo[j])
    return total


def box_ranges(W: np.ndarray, b: np.ndarray, lo_f: np.ndarray, hi_f: np.ndarray,
               lo_exact: list[Fraction], hi_exact: list[Fraction], tau: float) -> UnitRanges:
    """Ranges of z = W x + b over the box [lo, hi] (exact bounds given as Fractions)."""
    Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
    # huge weights may overflow: then the margin is inf (or a range NaN) and the unit is decided exactly
    with np.errstate(over="ignore", invalid="ignore"):
        upper = Wp @ hi_f + Wn @ lo_f + b
        lower = Wp @ lo_f + Wn @ hi_f + b
        margin = rounding_margin(W, b, np.maximum(np.abs(lo_f), np.abs(hi_f)), tau)
        off = upper - tau < 0  # provisional; re-decided below near tau
        on = lower - tau > 0
        near_hi = ~(np.abs(upper - tau) > margin)
        near_lo = ~(np.abs(lower - tau) > margin)
    t = Fraction(float(tau))
    for i in np.flatnonzero(near_hi):
        off[i] = _exact_box_extreme(W[i], b[i], lo_exact, hi_exact, True) <= t
    for i in np.flatnonzero(near_lo):
        on[i] = _exact_box_extreme(W[i], b[i], lo_exact, hi_exact, False) > t
    return UnitRanges(lower, upper, off, on)


def _polytope_ranges(block: MLPBlock, domain: Polytope, tau: float) -> UnitRanges:
    from .backends.z3_presolve import PolytopeExtremes

    poly = PolytopeExtremes(domain.A, domain.c, domain.dim)
    if poly.empty():
        raise DomainError("the polytope A x <= c is empty")
    s = block.s
    lower, upper = np.empty(s), np.empty(s)
    off, on = np.zeros(s, bool), np.zeros(s, bool)
    t = Fraction(float(tau))
    for i in range(s):
        # a side without an answer (None) leaves the unit undecided that way: sound
        lo_v, hi_v = poly.extremes(block.W1[i], block.b1[i])
        upper[i] = np.inf if hi_v is None else nearest_float(hi_v)
        off[i] = hi_v is not None and hi_v <= t
        lower[i] = -np.inf if lo_v is None else nearest_float(lo_v)
        on[i] = lo_v is not None and lo_v > t
    return UnitRanges(lower, upper, off, on)


def unit_ranges(block: MLPBlock, domain: Domain, tau: float = 0.0) -> UnitRanges:
    """Exact classification of every unit over ``domain``.

    Each unit is always off (max z_i <= tau), always on (min z_i > tau) or undecided; the
    classification is exact, the reported ranges are float approximations for reports.

    Parameters
    ----------
    block : MLPBlock
        The block whose pre-activations z = W1 x + b1 are bounded.
    domain : Domain
        Any sparsecert domain of dimension ``block.n``.
    tau : float, default 0.0
        Activity threshold.

    Returns
    -------
    UnitRanges
        ``lower`` / ``upper`` (float bounds on z_i), ``always_off`` / ``always_on`` (bool
        arrays), and the counts ``n_off``, ``n_on``, ``n_undecided``.

    Raises
    ------
    DomainError, ShapeError
        ``domain`` is not a sparsecert domain, or its dimension is not ``block.n``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.verify import unit_ranges
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]), np.array([-3.0, 3.0, 0.0]))
    >>> r = unit_ranges(block, Hypercube(2))
    >>> r.always_off.tolist(), r.always_on.tolist(), r.n_undecided
    ([True, False, False], [False, True, False], 1)
    >>> r.upper.tolist()
    [-1.0, 5.0, 2.0]
    """
    check_domain(domain, block.n)
    W, b = block.W1, block.b1
    if domain.kind in ("cube", "box", "ball"):  # closed forms over the domain's box
        lo_e, hi_e = domain.exact_bounds()
        lo_f, hi_f = domain.outer_bounds()
        return box_ranges(W, b, lo_f, hi_f, lo_e, hi_e, tau)
    if domain.kind == "points":
        off = np.ones(block.s, bool)
        on = np.ones(block.s, bool)
        lower = np.full(block.s, np.inf)
        upper = np.full(block.s, -np.inf)
        for _, X in domain.chunks(1 << 14):
            mask, _ = exact_active_mask(block, X, tau)
            off &= ~mask.any(axis=0)
            on &= mask.all(axis=0)
            Z = X @ W.T + b
            lower = np.minimum(lower, Z.min(axis=0))
            upper = np.maximum(upper, Z.max(axis=0))
        return UnitRanges(lower, upper, off, on)
    if domain.kind == "polytope":
        return _polytope_ranges(block, domain, tau)
    raise DomainError(f"no presolve for domain {domain!r}")  # pragma: no cover
