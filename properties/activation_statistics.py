"""Activation statistics of a block on a domain or a data set (docs/theory.md §1, §7.1-7.2).

Per-unit rates p_i = P[i in A(x)], pairwise co-activation P[i and i' both active],
q_ij = P[i in A(x) or A(x^(j))] on a cube, the distribution of the active count |A(x)|,
E|A(x)| = sum_i p_i and the maximum active count. Probabilities are under the uniform
distribution on the domain (a data set: each row equally likely).

Exact when the domain is enumerable (a cube up to n = 22, a point set): every activity is
decided exactly (verify.exact_eval near ties) and the max is k(f) itself. Otherwise the
numbers are Monte Carlo estimates with confidence intervals, and the max is a sample
maximum: a LOWER bound on the true max (``max_is_exact`` is False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from sparsecert.sparse_models import Domain, Hypercube, MLPBlock, PointSet
from sparsecert.sparse_models.validation import as_count
from sparsecert.sparse_models.errors import DomainError, InvalidArgument

from .cube_table import (MAX_EXACT_N, WORK_BYTES, CubeTable, EdgeSums, Progress, check_pairwise, edge_sums,
                         tabulate_cube)
from .intervals import IntervalMethod, MeanInterval, RunningMoments, _delta, interval_from_moments, proportion_interval
from .output import exact_decisions, margin_for


@dataclass(frozen=True, eq=False)
class ActivationStats:
    """Activation statistics of one block on one domain (exact, or sampled with intervals)."""

    domain: str
    s: int
    exact: bool
    points: int
    rates: np.ndarray
    count_histogram: np.ndarray
    mean_active: float
    max_active: int
    max_is_exact: bool
    max_witness: np.ndarray
    coactivation: np.ndarray | None = None
    q: np.ndarray | None = None
    rate_intervals: MeanInterval | None = None
    mean_active_interval: MeanInterval | None = None
    coactivation_intervals: MeanInterval | None = None
    redecided: int = 0

    @property
    def max_kind(self) -> str:
        return "exact" if self.max_is_exact else "lower bound (sample maximum)"

    @property
    def dead_units(self) -> tuple[int, ...]:
        """Units never active on the points seen (on the whole domain when exact)."""
        return tuple(int(i) for i in np.flatnonzero(self.rates == 0))

    @property
    def always_active_units(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.rates == 1))

    def count_distribution(self) -> np.ndarray:
        """P[|A(x)| = c] for c = 0..s."""
        return self.count_histogram / self.points

    def top_pairs(self, count: int = 5) -> list[tuple[int, int, float]]:
        """The ``count`` most often co-active pairs (i < i') with their joint rate."""
        if self.coactivation is None or self.s < 2:
            return []
        iu, ju = np.triu_indices(self.s, 1)
        vals = self.coactivation[iu, ju]
        order = np.argsort(-vals, kind="stable")[:count]
        return [(int(iu[t]), int(ju[t]), float(vals[t])) for t in order]


def stats_from_table(table: CubeTable, edges: EdgeSums | None = None) -> ActivationStats:
    """Exact statistics from an enumerated cube (q_ij needs the edge sums)."""
    N = table.size
    rates = table.unit_counts / N
    co = None if table.coactivation_counts is None else table.coactivation_counts / N
    q = None if edges is None else edges.q_counts / N
    counts = np.arange(table.s + 1)
    return ActivationStats(
        domain=repr(table.cube), s=table.s, exact=True, points=N, rates=rates,
        count_histogram=table.count_histogram.copy(), mean_active=float(counts @ table.count_histogram) / N,
        max_active=table.max_active, max_is_exact=True, max_witness=table.cube.point(table.argmax_index),
        coactivation=co, q=q, redecided=table.redecided)


def _pointset_stats(block: MLPBlock, ps: PointSet, pairwise: bool, progress: Progress | None) -> ActivationStats:
    s = block.s
    if pairwise:
        check_pairwise(s)
    margin = margin_for(block, np.max(np.abs(ps.X), axis=0))
    unit = np.zeros(s, dtype=np.int64)
    hist = np.zeros(s + 1, dtype=np.int64)
    co = np.zeros((s, s)) if pairwise else None
    best, best_row, redecided = -1, 0, 0
    chunk = max(1, min(1 << 16, WORK_BYTES // (8 * (block.n + 4 * s + 4))))
    for start, X in ps.chunks(chunk):
        c, r = _accumulate(exact_decisions(block, X, margin), hist, unit, co)
        redecided += r
        top = int(np.argmax(c))
        if c[top] > best:
            best, best_row = int(c[top]), start + top
        if progress is not None:
            progress(X.shape[0])
    N = ps.size
    return ActivationStats(
        domain=repr(ps), s=s, exact=True, points=N, rates=unit / N, count_histogram=hist,
        mean_active=float(np.arange(s + 1) @ hist) / N, max_active=best, max_is_exact=True,
        max_witness=np.array(ps.X[best_row]), coactivation=None if co is None else co / N,
        redecided=redecided)


def _accumulate(dec, hist: np.ndarray, unit: np.ndarray, co: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Add one chunk's exact activity mask to the count histogram, per-unit counts and
    co-activation sums (in place); return the per-point counts and the re-decided entries."""
    M = dec.mask
    c = M.sum(axis=1)
    hist += np.bincount(c, minlength=hist.size)
    unit += M.sum(axis=0)
    if co is not None:
        Mf = M.astype(np.float64)
        co += Mf.T @ Mf
    return c, dec.redecided


def exact_activation_stats(block: MLPBlock, domain: "Hypercube | PointSet", *, pairwise: bool = True,
                           with_q: bool = True, max_n: int = MAX_EXACT_N,
                           progress: Progress | None = None) -> ActivationStats:
    """Exact statistics by enumeration: a hypercube with n <= max_n (<= 22), or a data set.

    Parameters
    ----------
    block : MLPBlock
        The block.
    domain : Hypercube or PointSet
        A cube of dimension ``block.n`` (every vertex equally likely) or a data set (every row).
    pairwise : bool, default True
        Also count pairwise co-activation (an s x s table).
    with_q : bool, default True
        Also compute q_ij = P[i in A(x) or A(x^(j))] (cubes only; one more pass over the edges).
    max_n : int, default 22
        The largest cube enumerated.
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    ActivationStats
        ``rates`` (per unit), ``count_histogram`` (of |A(x)|), ``mean_active``, ``max_active``
        and ``max_witness``, ``coactivation`` (pairwise), ``q``; ``exact`` is True and ``max_is_exact`` too.

    Raises
    ------
    InvalidArgument
        Not an :class:`MLPBlock`, or a cube above ``max_n``.
    DomainError
        Another kind of domain, or one of the wrong dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.properties import exact_activation_stats
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> stats = exact_activation_stats(block, Hypercube(2))
    >>> stats.rates.tolist(), stats.count_histogram.tolist(), stats.mean_active, stats.max_active
    ([0.25, 0.25, 0.25], [1, 3, 0, 0], 0.75, 1)
    """
    if not isinstance(block, MLPBlock):
        raise InvalidArgument(f"expected an MLPBlock, got {type(block).__name__}")
    kind = getattr(domain, "kind", None)
    if kind == "points":
        if domain.dim != block.n:
            raise DomainError(f"the data set has dimension {domain.dim} but the block takes n={block.n}")
        return _pointset_stats(block, domain, pairwise, progress)
    if kind != "cube":
        raise DomainError(f"exact statistics enumerate a Hypercube or a PointSet, not {type(domain).__name__};"
                          " use sampled_activation_stats for continuous domains")
    table = tabulate_cube(block, domain, None, pairwise=pairwise, max_n=max_n, progress=progress)
    edges = edge_sums(table, block) if with_q else None
    return stats_from_table(table, edges)


def _abs_bound(domain: Any) -> np.ndarray:
    kind = getattr(domain, "kind", None)
    if kind in ("cube", "box", "ball", "points"):  # for points: the largest |x_j| over the data
        lo, hi = domain.outer_bounds()
        return np.maximum(np.abs(lo), np.abs(hi))
    if kind == "polytope":
        raise DomainError("Monte Carlo intervals need independent samples, and a Polytope is sampled by a Markov"
                          " chain (hit-and-run); bound it by a Box or pass sample points as a PointSet")
    raise DomainError(f"cannot sample domain {domain!r}")


def sampled_activation_stats(block: MLPBlock, domains: "Domain | Sequence[Domain]", *, samples: int = 20000,
                             delta: float = 0.05, rng: Any = None, method: IntervalMethod = "auto",
                             pairwise: bool = True, progress: Progress | None = None) -> ActivationStats:
    """Monte Carlo statistics: i.i.d. uniform points of the domain (several domains: a uniform mixture).

    Rates get simultaneous intervals over all units; E|A| an interval on [0, s]; pairwise
    co-activation simultaneous intervals over all pairs. The max is a lower bound.

    Parameters
    ----------
    block : MLPBlock
        The block.
    domains : Domain or sequence of Domain
        One domain of dimension ``block.n`` (not a Polytope), or several taken as a uniform mixture.
    samples : int, default 20000
        Points drawn.
    delta : float, default 0.05
        Failure probability of each family of intervals, in (0, 1).
    rng : numpy.random.Generator or int or None, default None
        The generator, or a seed for one.
    method : IntervalMethod, default "auto"
        ``"hoeffding"``, ``"bernstein"`` or ``"auto"`` (both, intersected; see :mod:`properties.intervals`).
    pairwise : bool, default True
        Also estimate pairwise co-activation.
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    ActivationStats
        ``rates`` (per unit), ``count_histogram`` (of |A(x)|), ``mean_active``, ``max_active``
        and ``max_witness``, ``coactivation`` (pairwise), and the intervals ``rate_intervals``, ``mean_active_interval``,
        ``coactivation_intervals``; ``max_active`` is a sample maximum (a lower bound).

    Raises
    ------
    InvalidArgument
        Not an :class:`MLPBlock`, or a bad count or ``delta``.
    DomainError
        No domain, a domain of the wrong dimension, or one that cannot be sampled independently (a Polytope).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Box, MLPBlock
    >>> from sparsecert.properties import sampled_activation_stats
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> stats = sampled_activation_stats(block, Box.uniform(2, -1.0, 1.0), samples=2000, rng=0)
    >>> stats.exact, stats.points, stats.max_active, len(stats.rate_intervals.lower)
    (False, 2000, 2, 3)
    >>> bool(stats.mean_active_interval.lower <= stats.mean_active <= stats.mean_active_interval.upper)
    True
    """
    if not isinstance(block, MLPBlock):
        raise InvalidArgument(f"expected an MLPBlock, got {type(block).__name__}")
    doms = list(domains) if isinstance(domains, (list, tuple)) else [domains]
    if not doms:
        raise DomainError("no domain given")
    for d in doms:
        if getattr(d, "dim", None) != block.n:
            raise DomainError(f"domain {d!r} does not have the block's dimension n={block.n}")
    samples = as_count("samples", samples, low=1)
    delta = _delta(delta)
    if pairwise:
        check_pairwise(block.s)
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    s = block.s
    margin = margin_for(block, np.max([_abs_bound(d) for d in doms], axis=0))
    unit = np.zeros(s, dtype=np.int64)
    hist = np.zeros(s + 1, dtype=np.int64)
    co = np.zeros((s, s)) if pairwise else None
    mom = RunningMoments()
    best, best_x, redecided = -1, None, 0
    chunk = max(1, min(1 << 14, WORK_BYTES // (8 * (block.n + 4 * s + 4))))
    done = 0
    while done < samples:
        b = min(chunk, samples - done)
        if len(doms) == 1:
            X = doms[0].sample(g, b)
        else:
            which = g.integers(0, len(doms), size=b)
            X = np.empty((b, block.n))
            for t, d in enumerate(doms):
                rows = np.flatnonzero(which == t)
                if rows.size:
                    X[rows] = d.sample(g, rows.size)
        c, r = _accumulate(exact_decisions(block, X, margin), hist, unit, co)
        redecided += r
        mom.update(c.astype(np.float64))
        top = int(np.argmax(c))
        if c[top] > best:
            best, best_x = int(c[top]), X[top].copy()
        done += b
        if progress is not None:
            progress(b)
    rate_iv = proportion_interval(unit, samples, delta, method=method)
    mean_iv = interval_from_moments(mom, 0.0, float(s), delta, method=method)
    co_iv = None
    if co is not None and s > 1:
        iu, ju = np.triu_indices(s, 1)
        co_iv = proportion_interval(np.rint(co[iu, ju]).astype(np.int64), samples, delta, method=method)
    label = repr(doms[0]) if len(doms) == 1 else f"mixture of {len(doms)} domains ({doms[0]!r}, ...)"
    return ActivationStats(
        domain=label, s=s, exact=False, points=samples, rates=unit / samples, count_histogram=hist,
        mean_active=float(mom.mean), max_active=best, max_is_exact=False, max_witness=best_x,
        coactivation=None if co is None else co / samples, rate_intervals=rate_iv,
        mean_active_interval=mean_iv, coactivation_intervals=co_iv, redecided=redecided)


def activation_stats(block: MLPBlock, domain: Domain, *, exact_max_n: int = 20, samples: int = 20000,
                     delta: float = 0.05, rng: Any = None, pairwise: bool = True,
                     progress: Progress | None = None) -> ActivationStats:
    """Exact when the domain can be enumerated (cube with n <= exact_max_n, a data set), sampled otherwise.

    Parameters
    ----------
    block : MLPBlock
        The block.
    domain : Domain
        Any domain of dimension ``block.n`` except a Polytope.
    exact_max_n : int, default 20
        The largest cube enumerated (at most 22); larger ones are sampled.
    samples, delta, rng
        As in :func:`sampled_activation_stats` (used only when sampling).
    pairwise : bool, default True
        Also measure pairwise co-activation.
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    ActivationStats
        ``rates`` (per unit), ``count_histogram`` (of |A(x)|), ``mean_active``, ``max_active``
        and ``max_witness``, ``coactivation`` (pairwise); ``exact`` says which way they were obtained.

    Raises
    ------
    InvalidArgument, DomainError
        As for :func:`exact_activation_stats` / :func:`sampled_activation_stats`.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.properties import activation_stats
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> stats = activation_stats(block, Hypercube(2))
    >>> stats.exact, stats.max_active, stats.max_is_exact
    (True, 1, True)
    """
    exact_max_n = as_count("exact_max_n", exact_max_n, low=1, high=MAX_EXACT_N)
    kind = getattr(domain, "kind", None)
    if kind == "points" or (kind == "cube" and domain.n <= exact_max_n):
        return exact_activation_stats(block, domain, pairwise=pairwise, max_n=exact_max_n, progress=progress)
    return sampled_activation_stats(block, domain, samples=samples, delta=delta, rng=rng, pairwise=pairwise,
                                    progress=progress)
