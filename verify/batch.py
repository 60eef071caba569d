"""Local certification in batch: one L-infinity ball per data point.

All centres are presolved at once (z(c) +- r ||w_i||_1 in float64 with a rigorous margin,
exact re-decision near tau): a ball whose units are all decided has max-active equal to
its number of always-on units, proved, with the centre as witness. Only the remaining
balls go to :func:`verify.max_active`, in parallel when ``jobs > 1``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from sparsecert.sparse_models import Box, LinfBall, MLPBlock
from sparsecert.sparse_models.validation import as_finite_float, as_float64
from sparsecert.sparse_models.errors import DomainError, ShapeError
from sparsecert.sparse_models.exact import rounding_margin

from .api import max_active
from .portfolio import Method
from .executor import Executor, run_batch
from .exact_eval import exact_active_mask
from .presolve import unit_ranges
from .results import MaxActive, Stats, Status, Witness


@dataclass(frozen=True, eq=False)
class BallTable:
    """Per-centre max-active results for balls of one radius.

    ``lower`` / ``upper`` are the per-centre proved bounds (``values`` / ``upper_bounds`` are
    aliases kept from before the names were unified); ``status`` is VERIFIED when every
    ball's max is proved, else UNKNOWN."""

    radius: float
    results: tuple[MaxActive, ...]
    time_s: float
    settled_by_presolve: int

    @property
    def lower(self) -> np.ndarray:
        return np.array([r.lower for r in self.results])

    @property
    def upper(self) -> np.ndarray:
        return np.array([r.upper for r in self.results])

    @property
    def values(self) -> np.ndarray:
        """Alias of :attr:`lower`."""
        return self.lower

    @property
    def upper_bounds(self) -> np.ndarray:
        """Alias of :attr:`upper`."""
        return self.upper

    @property
    def all_optimal(self) -> bool:
        return all(r.optimal for r in self.results)

    @property
    def status(self) -> Status:
        return Status.combine(r.status for r in self.results)

    def certified_fraction(self, k: int) -> float:
        """Share of centres whose ball is proved k-sparse (upper bound <= k)."""
        return float(np.mean(self.upper <= k)) if self.results else 0.0


def _solve_ball(args) -> MaxActive:
    block, center, radius, within, tau, timeout, seed, method, node_limit = args
    return max_active(block, LinfBall(center, radius, within), tau=tau, timeout=timeout, seed=seed, method=method,
                      node_limit=node_limit)


def certify_balls(block: MLPBlock, centers: Any, radius: float, *, within: Box | None = None, tau: float = 0.0,
                  timeout: float | None = None, jobs: int = 1, executor: Executor | None = None,
                  address: str | None = None, on_result: Callable[[int, MaxActive], None] | None = None,
                  method: Method = "auto", node_limit: int | None = None) -> BallTable:
    """Exact max-active on the ball of ``radius`` around every row of ``centers``.

    ``timeout``, ``method`` and ``node_limit`` apply to each ball as in :func:`verify.max_active`.

    Parameters
    ----------
    block : MLPBlock
        The block.
    centers : array_like
        Shape (N, block.n), or one centre of shape (block.n,).
    radius : float
        The L-infinity radius r >= 0 of every ball.
    within : Box or None, default None
        Cut every ball to this box (the valid input range); None: the whole ball.
    tau : float, default 0.0
        Activity threshold.
    timeout : float or None, default None
        Seconds per ball (None: no limit).
    jobs : int, default 1
        Parallel workers for the balls presolve does not settle.
    executor : Executor or None, default None
        ``"serial"``, ``"processes"`` or ``"dask"`` (None: chosen from ``jobs``).
    address : str or None, default None
        A Dask scheduler's address (``executor="dask"``; None: a local cluster).
    on_result : callable or None, default None
        Called as ``on_result(index, result)`` as each ball is settled.
    method : Method, default "auto"
        The portfolio's plan for each ball, as in :func:`verify.max_active`.
    node_limit : int or None, default None
        Deterministic branch-and-bound budget per ball (None: none).

    Returns
    -------
    BallTable
        ``results`` (one :class:`MaxActive` per centre, in order), ``lower`` / ``upper``
        arrays, ``settled_by_presolve``, ``status`` and ``certified_fraction(k)``.

    Raises
    ------
    ShapeError
        ``centers`` does not have ``block.n`` columns.
    DomainError
        A negative radius.
    InvalidArgument, MissingDependency
        A bad option, or ``executor="dask"`` without the ``dask`` extra.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import MLPBlock
    >>> from sparsecert.verify.batch import certify_balls
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> table = certify_balls(block, [[1.0, 0.5], [-1.0, -1.0]], 0.1)
    >>> table.lower.tolist(), table.upper.tolist(), table.settled_by_presolve
    ([2, 2], [2, 2], 1)
    >>> table.certified_fraction(2)
    1.0
    """
    start = time.monotonic()
    C = as_float64("centers", centers)
    if C.ndim == 1:
        C = C[None, :]
    if C.ndim != 2 or C.shape[1] != block.n:
        raise ShapeError(f"centers must have shape (N, {block.n}), got {C.shape}")
    r = as_finite_float("radius", radius)
    if r < 0:
        raise DomainError(f"ball radius must be >= 0, got {radius!r}")
    tau = as_finite_float("tau", tau)
    N = C.shape[0]
    results: list[MaxActive | None] = [None] * N
    if within is None:
        # exact range over the ball: z(c) +- r ||w_i||_1; float64 with a margin covering every rounding
        Z = C @ block.W1.T + block.b1
        spread = r * np.abs(block.W1).sum(axis=1)
        margin = 2 * rounding_margin(block.W1, block.b1, np.abs(C).max(axis=0) + r, tau)
        off = (Z + spread) - tau < -margin
        on = (Z - spread) - tau > margin
        settled = np.all(off | on, axis=1)
    else:
        settled = np.zeros(N, bool)
    idx_settled = np.flatnonzero(settled)
    if idx_settled.size:
        mask, _ = exact_active_mask(block, C[idx_settled], tau)
        fmask = block.active_mask(C[idx_settled], tau)
        for row, p in enumerate(idx_settled):
            count = int(on[p].sum())
            active = tuple(int(i) for i in np.flatnonzero(mask[row]))
            if len(active) != count:  # cross-check: the centre shows exactly the always-on units
                settled[p] = False
                continue
            w = Witness(C[p], active, tuple(int(i) for i in np.flatnonzero(fmask[row])))
            st = Stats(0.0, "numpy", "batch-presolve", block.s, int(off[p].sum()), count, 0, 0, 0)
            results[p] = MaxActive(count, count, True, witness=w, stats=st)
            if on_result:
                on_result(int(p), results[p])
    rest = [int(p) for p in np.flatnonzero(~settled)]
    n_settled = N - len(rest)
    if rest:
        tasks = [(block, C[p], r, within, tau, timeout, 0, method, node_limit) for p in rest]
        cb = (lambda i, res: on_result(rest[i], res)) if on_result else None
        solved = run_batch(_solve_ball, tasks, jobs=jobs, executor=executor, address=address, on_result=cb)
        for p, res in zip(rest, solved):
            results[p] = res
    return BallTable(r, tuple(results), time.monotonic() - start, n_settled)  # type: ignore[arg-type]


def presolve_bracket(block: MLPBlock, center: np.ndarray, radius: float, n: int,
                     rng: np.random.Generator) -> tuple[int, int]:
    """Proved [lower, upper] on max-active in the ball without a solver: the baseline that
    the solver's brackets are measured against (``make demo-transformer``, ``make bench``).

    upper: units not proved always-off by the exact presolve (verify.presolve.unit_ranges);
    lower: the exact active count (rational re-check) at the best of the centre and n random
    corners / interior points of the largest float box inside the exact ball.
    """
    ball = LinfBall(center, radius)
    ranges = unit_ranges(block, ball)
    lo, hi = ball.inner_bounds()
    half = n // 2
    corners = np.where(rng.random((half, center.size)) < 0.5, lo, hi)
    inside = np.clip(rng.uniform(lo, hi, size=(n - half, center.size)), lo, hi)
    mask, _ = exact_active_mask(block, np.vstack([center[None, :], corners, inside]))
    return int(mask.sum(axis=1).max()), ranges.n_on + ranges.n_undecided
