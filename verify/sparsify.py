"""sparsify(block, k, domain): the smallest bias shift that makes a block provably k-sparse.

The shifted block has b1 - t * r: uniform shifts use r_i = 1 (t is the shift delta),
``per_unit=True`` uses r_i = max(0, max_x z_i(x)), the unit's headroom on the domain, so t is
the fraction of every unit's headroom removed (t = 1 switches every unit off). Active sets
only shrink as t grows, so the smallest t is found by bisection. Both ends are proved:
the returned shift by :func:`check_sparsity` (Verified), a slightly smaller one by an input
where more than k units are active, re-checked exactly. A violated witness also moves the
lower end up to the largest shift at which that input still violates the bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Domain, MLPBlock, Network, check_domain
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument

from .api import check_sparsity
from .presolve import unit_ranges
from .results import Stats, Status, Unknown, Verified, Violated
from .witness import witness_at


@dataclass(frozen=True)
class FunctionChange:
    """How much the shift changed the block's output on a sample of the domain (float64)."""

    points: int
    max_abs: float
    mean_abs: float
    relative_l2: float  # ||f_new - f_old||_2 / ||f_old||_2 over the sample (inf when f_old is 0)
    mean_active_before: float
    mean_active_after: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (v if np.isfinite(v) else str(v)) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass(frozen=True, eq=False)
class SparsifyResult:
    """``shift`` (t) is proved to give a k-sparse block; ``smaller_shift`` is proved not to (None when t = 0)."""

    status: Status  # VERIFIED, or UNKNOWN when a solver call timed out (then ``shift`` is the best proved one)
    k: int
    per_unit: bool
    shift: float
    shifts: np.ndarray  # per-unit amounts subtracted from b1 (b1 - fl(b1 - t * r))
    direction: np.ndarray  # r: ones (uniform) or each unit's headroom (per_unit)
    block: MLPBlock
    proof: Verified | None
    smaller_shift: float | None
    smaller_proof: Violated | None
    change: FunctionChange | None
    checks: int
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))  # a plain string is accepted

    def __bool__(self) -> bool:
        return self.status is Status.VERIFIED

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "k": self.k, "per_unit": self.per_unit, "shift": self.shift,
                "shifts": self.shifts.tolist(),
                "direction": self.direction.tolist(), "smaller_shift": self.smaller_shift,
                "proof": None if self.proof is None else self.proof.as_dict(),
                "smaller_proof": None if self.smaller_proof is None else self.smaller_proof.as_dict(),
                "function_change": None if self.change is None else self.change.as_dict(),
                "checks": self.checks, "notes": list(self.notes)}


def _sample(domain: Any, size: int, seed: int) -> np.ndarray:
    if domain.kind == "points" and domain.size <= size:
        return domain.X
    if domain.kind == "cube" and domain.size <= size:
        return np.concatenate([X for _, X in domain.chunks()])
    return domain.sample(seed, size)


def function_change(old: MLPBlock, new: MLPBlock, domain: Any, *, samples: int = 4096, seed: int = 0,
                    tau: float = 0.0) -> FunctionChange:
    """Output change between two blocks on a sample of the domain (every point of small cubes / point sets)."""
    X = _sample(domain, samples, seed)
    f0, f1 = old.forward(X), new.forward(X)
    diff = np.abs(f1 - f0)
    norm = float(np.linalg.norm(f0))
    rel = float(np.linalg.norm(f1 - f0)) / norm if norm > 0 else (0.0 if not diff.any() else float("inf"))
    return FunctionChange(int(X.shape[0]), float(diff.max()), float(diff.mean()), rel,
                          float(old.active_count(X, tau).mean()), float(new.active_count(X, tau).mean()))


class _Bisection:
    def __init__(self, block, k, domain, r, tau, timeout) -> None:
        self.block, self.k, self.domain, self.r, self.tau = block, k, domain, r, tau
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.checks = 0

    def at(self, t: float) -> MLPBlock:
        return self.block.replace(b1=self.block.b1 - t * self.r)

    def check(self, t: float):
        rem = None if self.deadline is None else max(1e-3, self.deadline - time.monotonic())
        self.checks += 1
        return check_sparsity(self.at(t), self.k, self.domain, tau=self.tau, timeout=rem)

    def thresholds(self, x: np.ndarray) -> np.ndarray:
        """Per unit, the shift t below which the unit is active at x (float64, a guide only)."""
        z = self.block.W1 @ x + self.block.b1 - self.tau
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.r > 0, z / self.r, np.where(z > 0, np.inf, -np.inf))

    def last_violating(self, t: float, res: Violated) -> tuple[float, Violated]:
        """The largest float t' >= t at which the witness (moved uphill by :meth:`polish`) still has
        more than k active units, checked exactly."""
        best_t, best = t, res
        for x in (res.witness.x, self.polish(res.witness.x)):
            if x is None or self._violation(t, x) is None:  # e.g. only the solver's rational point violates
                continue
            v = float(np.sort(self.thresholds(x))[::-1][self.k])  # (k+1)-th largest: violated for t below it
            cand = float(np.nextafter(v, -np.inf)) if np.isfinite(v) else t
            for _ in range(60):
                if cand <= best_t:
                    break
                w = self._violation(cand, x)
                if w is not None:
                    best_t, best = cand, w
                    break
                cand = best_t + (cand - best_t) / 2
        return best_t, best

    def polish(self, x: np.ndarray) -> np.ndarray | None:
        """Move x within a box / ball / polytope to raise the (k+1)-th largest threshold: a few LPs over the
        current top k+1 units (scipy; a heuristic for the lower end, every use is re-checked exactly)."""
        if not self.domain.is_continuous:
            return None
        try:
            from scipy.optimize import linprog
        except ImportError:  # pragma: no cover - scipy comes with the solvers extra
            return None
        d, n = self.domain, self.block.n
        A_dom, c_dom = d.constraint_rows()
        inner = d.inner_bounds()  # None for a polytope: its rows are the whole domain
        bounds = [(None, None)] * n if inner is None else list(zip(*inner))
        best, best_v = None, float(np.sort(self.thresholds(x))[::-1][self.k])
        for _ in range(4):
            S = np.argsort(-self.thresholds(x))[: self.k + 1]
            # maximise s subject to w_i x + b_i - tau >= s r_i (i in S) and x in the domain
            A = np.hstack([-self.block.W1[S], self.r[S][:, None]])
            b = self.block.b1[S] - self.tau
            A_ub = np.vstack([A, np.hstack([A_dom, np.zeros((A_dom.shape[0], 1))])])
            b_ub = np.concatenate([b, c_dom])
            cost = np.zeros(n + 1)
            cost[-1] = -1.0
            res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds + [(None, None)], method="highs")
            if res.status != 0:
                break
            x = res.x[:n]
            if inner is not None:
                x = np.clip(x, [lo_ for lo_, _ in bounds], [hi_ for _, hi_ in bounds])
            v = float(np.sort(self.thresholds(x))[::-1][self.k])
            if not v > best_v * (1 + 1e-12) + 1e-300 or not d.contains(x):
                break
            best, best_v = x, v
        return best

    def _violation(self, t: float, x: np.ndarray) -> Violated | None:
        w = witness_at(self.at(t), x, self.tau)
        return Violated(self.k, w, Stats(method="exact re-check")) if w.count > self.k else None


def sparsify(block: MLPBlock | Network, k: int, domain: Domain, *, per_unit: bool = False, tau: float = 0.0,
             rtol: float = 1e-6, timeout: float | None = None, samples: int = 4096, seed: int = 0) -> SparsifyResult:
    """The smallest shift t >= 0 (b1 - t r, see module doc) making ``block`` provably k-sparse on ``domain``.

    Stops when the proved bracket [smaller_shift, shift] is narrower than ``rtol`` relative
    (or the two ends are adjacent floats). Reports the output change on a sample.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block).
    k : int
        The target sparsity, ``0 <= k <= block.s``.
    domain : Domain
        Any sparsecert domain of dimension ``block.n`` on which every pre-activation is bounded.
    per_unit : bool, default False
        Shift each unit by t times its headroom max z_i (True) instead of by t (False).
    tau : float, default 0.0
        Activity threshold.
    rtol : float, default 1e-6
        Relative width of the proved bracket at which the bisection stops, in (0, 1).
    timeout : float or None, default None
        Seconds for each :func:`check_sparsity` call (None: no limit).
    samples : int, default 4096
        Points of the domain on which the output change is measured.
    seed : int, default 0
        Seed of those points and of the solver heuristics.

    Returns
    -------
    SparsifyResult
        ``shift`` (proved k-sparse, ``proof``), ``smaller_shift`` (proved not, ``smaller_proof``;
        None when t = 0), the shifted ``block``, the per-unit ``shifts``, the output ``change``
        and ``status`` (UNKNOWN when a solver call timed out).

    Raises
    ------
    InvalidArgument
        ``k`` or ``rtol`` out of range, or a pre-activation unbounded on ``domain``.
    DomainError, ShapeError
        ``domain`` is not a domain of dimension ``block.n``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.verify import sparsify
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> res = sparsify(block, 0, Hypercube(2))  # every unit's z reaches 2 on the cube, minus its bias
    >>> res.status.value, res.shift, res.block.b1.tolist()
    ('verified', 2.0, [-2.0, -2.0, -3.0])
    """
    block = as_block(block)  # a one-hidden-layer Network is its block
    check_domain(domain, block.n)
    k = as_count("k", k, low=0, high=block.s)
    rtol = as_finite_float("rtol", rtol)
    if not 0 < rtol < 1:
        raise InvalidArgument(f"rtol must lie in (0, 1), got {rtol}")
    ranges = unit_ranges(block, domain, tau)
    top = ranges.upper - tau
    if not np.all(np.isfinite(top)):
        raise InvalidArgument("a unit's pre-activation is unbounded on this domain, so no finite bias shift"
                              " makes it inactive; bound the domain (for example intersect the polytope with a box)")
    notes: list[str] = []
    if per_unit:
        r = np.maximum(top, 0.0)
        hi = 1.0
    else:
        r = np.ones(block.s)
        hi = max(float(top.max()), 0.0)
    r.setflags(write=False)
    bis = _Bisection(block, k, domain, r, tau, timeout)
    first = bis.check(0.0)
    if isinstance(first, Verified):
        notes.append(f"the block is already {k}-sparse on the domain: no shift is needed")
        return SparsifyResult(Status.VERIFIED, k, per_unit, 0.0, np.zeros(block.s), r, block, first, None, None,
                              function_change(block, block, domain, samples=samples, seed=seed, tau=tau), bis.checks,
                              tuple(notes))
    if isinstance(first, Unknown):
        return _unknown(block, k, per_unit, bis, "the unshifted block could not be decided before the timeout", notes)
    lo, lo_proof = bis.last_violating(0.0, first)
    hi_proof = None
    for _ in range(64):  # the float upper end can miss by rounding: widen until proved
        if hi <= lo:
            hi = lo + max(abs(lo), 1.0) * rtol
        res = bis.check(hi)
        if isinstance(res, Verified):
            hi_proof = res
            break
        if isinstance(res, Unknown):
            return _unknown(block, k, per_unit, bis, "timeout while proving the upper end", notes)
        lo, lo_proof = bis.last_violating(hi, res)
        hi = lo + 2 * (hi - lo) + max(abs(lo), 1.0) * rtol
    status = Status.VERIFIED
    probe = True  # after a violation, first try just above the (polished) witness: often already the optimum
    while hi - lo > rtol * max(abs(hi), 1e-300) and np.nextafter(lo, np.inf) < hi:
        mid = lo + (hi - lo) / 2
        if probe:
            mid = min(mid, max(float(np.nextafter(lo, np.inf)), lo + 0.5 * rtol * abs(lo)))
        res = bis.check(mid)
        if isinstance(res, Verified):
            hi, hi_proof = mid, res
            probe = False
        elif isinstance(res, Violated):
            lo, lo_proof = bis.last_violating(mid, res)
            probe = not probe
        else:
            status = Status.UNKNOWN
            notes.append(f"timeout during bisection: the smallest shift lies in ({lo!r}, {hi!r}]")
            break
    new = bis.at(hi)
    return SparsifyResult(status, k, per_unit, hi, block.b1 - new.b1, r, new, hi_proof, lo, lo_proof,
                          function_change(block, new, domain, samples=samples, seed=seed, tau=tau), bis.checks,
                          tuple(notes))


def _unknown(block, k, per_unit, bis, reason, notes) -> SparsifyResult:
    notes.append(reason)
    return SparsifyResult(Status.UNKNOWN, k, per_unit, float("nan"), np.full(block.s, np.nan), bis.r, block, None, None,
                          None, None, bis.checks, tuple(notes))
