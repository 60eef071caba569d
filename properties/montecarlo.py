"""Monte Carlo estimates on the ±1 cube for n too large to enumerate (docs/theory.md §7.2-7.3, §4).

Every estimate comes with a confidence interval from :mod:`properties.intervals`
(Hoeffding, empirical Bernstein, or both intersected), valid because the samples are
i.i.d. uniform cube points and each per-sample value has a proven range:

* influences: per sample, sum_j ((f(x) - f(x^(j)))/2)^2 lies in [0, sum_j r_j] with
  r_j = min(L_j, D)^2, L_j the flip Lipschitz bound of coordinate j and D = (hi - lo)/2 for
  a proven output range [lo, hi]. This is at most n F^2 (docs/theory.md §7.3's range) and often
  far smaller;
* q_ij and flip rates are 0/1 values;
* Fourier coefficients: y chi_S(x) lies in [-F, F] with F = max(|lo|, |hi|); W^{<=d} gets
  an interval from the vector bound of docs/theory.md §4 (C1 and C2 radii).

Activity is decided exactly at every sampled point (verify.exact_eval near ties).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.sparse_models.validation import as_count, as_finite_float, as_rng
from sparsecert.sparse_models.errors import InvalidArgument

from .cube_table import WORK_BYTES, Progress
from .fourier import binomial_count
from .intervals import IntervalMethod, MeanInterval, RunningMoments, interval_from_moments, proportion_interval, _delta
from .output import (OutputSelection, exact_decisions, flip_lipschitz, margin_for, output_values,
                     select_output, value_range)

MAX_LOW_DEGREE_SETS = 200_000


def cube_output_range(block: MLPBlock, sel: OutputSelection) -> tuple[float, float]:
    """A proven interval containing f on {-1,1}^n (interval arithmetic, outward padded)."""
    ones = np.ones(block.n)
    return value_range(block, sel, -ones, ones)


@dataclass(frozen=True, eq=False)
class InfluenceEstimate:
    """Monte Carlo total and per-coordinate influences (each family valid at 1 - delta on its own).

    ``q`` (s x n) estimates q_ij = P[i in A(x) or A(x^(j))] and ``flip_rate`` (s x n)
    P[unit i changes state when x_j flips], both simultaneously over all (i, j).
    """

    total: MeanInterval
    per_coordinate: MeanInterval
    q: MeanInterval | None
    flip_rate: MeanInterval | None
    samples: int
    evaluations: int
    per_sample_range: float
    output_range: tuple[float, float]


def _batch_size(n: int, s: int) -> int:
    per_sample = 8 * (n + 1) * (n + 3 * s + 2)
    return int(max(1, min(4096, WORK_BYTES // per_sample)))


def estimate_influences(
    block: MLPBlock,
    output: int | None = None,
    *,
    samples: int = 2000,
    delta: float = 0.05,
    rng: Any = None,
    method: IntervalMethod = "auto",
    with_q: bool = False,
    progress: Progress | None = None,
) -> InfluenceEstimate:
    """Estimate I[f] and Inf_j[f] by the edge formula on uniform ±1 points (n + 1 evaluations each).

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    samples : int, default 2000
        Uniform points of {-1,1}^n (each with its n neighbours).
    delta : float, default 0.05
        Failure probability of each family of intervals, in (0, 1).
    rng : numpy.random.Generator or int or None, default None
        The generator, or a seed for one.
    method : IntervalMethod, default "auto"
        ``"hoeffding"``, ``"bernstein"`` or ``"auto"``.
    with_q : bool, default False
        Also estimate q_ij and the per-(unit, coordinate) flip rates.
    progress : callable or None, default None
        Called with the number of points done after each batch.

    Returns
    -------
    InfluenceEstimate
        ``total`` (I[f]) and ``per_coordinate`` (Inf_j[f]) as :class:`MeanInterval`, ``q`` and
        ``flip_rate`` (None unless ``with_q``), ``samples`` and ``evaluations``.

    Raises
    ------
    InvalidArgument
        A bad ``output``, count, method or delta.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import estimate_influences
    >>> est = estimate_influences(parity_block(4, [0, 1]), samples=500, rng=0)  # exactly 2 = 1 + 1
    >>> est.total.estimate, est.per_coordinate.estimate.tolist(), bool(est.total.lower <= 2.0 <= est.total.upper)
    (2.0, [1.0, 1.0, 0.0, 0.0], True)
    """
    sel = select_output(block, output)
    samples = as_count("samples", samples, low=1)
    delta = _delta(delta)
    g = as_rng(rng)
    n, s = block.n, block.s
    cube = Hypercube(n)
    lo, hi = cube_output_range(block, sel)
    D = (hi - lo) / 2.0
    r = np.minimum(flip_lipschitz(block, sel), D) ** 2
    margin = margin_for(block, 1.0)
    mom_total, mom_j = RunningMoments(), RunningMoments(n)
    q_counts = np.zeros((s, n), dtype=np.int64) if with_q else None
    flip_counts = np.zeros((s, n), dtype=np.int64) if with_q else None
    B = _batch_size(n, s)
    done = 0
    while done < samples:
        b = min(B, samples - done)
        X = cube.sample(g, b)
        flipped = np.repeat(X[:, None, :], n, axis=1)           # (b, n, n): row j has x_j negated
        idx = np.arange(n)
        flipped[:, idx, idx] *= -1.0
        allX = np.concatenate([X, flipped.reshape(b * n, n)])
        dec = exact_decisions(block, allX, margin)
        mask = dec.mask
        f = output_values(sel, dec, overwrite=True)
        f0, fj = f[:b], f[b:].reshape(b, n)
        v = ((f0[:, None] - fj) / 2.0) ** 2
        mom_j.update(v)
        mom_total.update(v.sum(axis=1))
        if with_q:
            A0 = mask[:b]                                      # (b, s)
            Aj = mask[b:].reshape(b, n, s)                     # (b, n, s)
            q_counts += (A0[:, None, :] | Aj).sum(axis=0).T
            flip_counts += (A0[:, None, :] ^ Aj).sum(axis=0).T
        done += b
        if progress is not None:
            progress(b)
    total = interval_from_moments(mom_total, 0.0, float(r.sum()), delta, method=method)
    per = interval_from_moments(mom_j, 0.0, r, delta, method=method, simultaneous=True)
    q = fl = None
    if with_q:
        q = proportion_interval(q_counts, samples, delta, method=method)
        fl = proportion_interval(flip_counts, samples, delta, method=method)
    return InfluenceEstimate(total, per, q, fl, samples, samples * (n + 1), float(r.sum()), (lo, hi))


def subsets_up_to(n: int, d: int) -> list[tuple[int, ...]]:
    """All S with |S| <= d in order of size, then lexicographically."""
    out: list[tuple[int, ...]] = []
    for t in range(0, min(d, n) + 1):
        out.extend(combinations(range(n), t))
    return out


@dataclass(frozen=True, eq=False)
class LowDegreeEstimate:
    """f~(S) = mean of y chi_S(x) for every |S| <= d (the Low-Degree Algorithm's estimates, docs/theory.md §4).

    ``coefficients`` holds simultaneous Hoeffding intervals (union bound over the N_d sets,
    as in Thm C1). ``low_weight`` is an interval for W^{<=d}: ||f^_{<=d}|| lies within r of
    ||f~||, r the smaller of the C1 radius sqrt(N_d) tau and the C2 radius
    F sqrt(N_d/m)(1 + sqrt(2 ln(2/delta))) (each at delta/2). ``low_weight_unbiased`` is the
    U-statistic sum_S (m^2 f~(S)^2 - sum_l y_l^2) / (m (m - 1)).
    """

    subsets: tuple[tuple[int, ...], ...]
    coefficients: MeanInterval
    low_weight: tuple[float, float]
    low_weight_unbiased: float
    radius: float
    degree: int
    samples: int
    F: float
    delta: float

    def estimate_of(self, S: tuple[int, ...]) -> float:
        return float(self.coefficients.estimate[self.subsets.index(tuple(sorted(S)))])


def low_degree_from_samples(X: Any, y: Any, d: int, F: float, delta: float = 0.05) -> LowDegreeEstimate:
    """The LD estimates from given samples (rows of X uniform on {-1,1}^n, |y| <= F)."""
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if Xa.ndim != 2 or ya.shape != (Xa.shape[0],) or Xa.shape[0] == 0:
        raise InvalidArgument(f"need X of shape (m, n) and y of shape (m,), got {Xa.shape} and {ya.shape}")
    if not np.all(np.abs(Xa) == 1.0):
        raise InvalidArgument("X must hold ±1 points: the low-degree estimates are for the ±1 cube")
    F = as_finite_float("F", F)
    if F <= 0 or np.any(np.abs(ya) > F * (1 + 1e-9)):
        raise InvalidArgument(f"every |y| must be at most F = {F:g} > 0 (got max |y| = {np.max(np.abs(ya)):g})")
    m, n = Xa.shape
    d = as_count("d", d, low=0)
    delta = _delta(delta)
    Nd = binomial_count(n, d)
    if Nd > MAX_LOW_DEGREE_SETS:
        raise InvalidArgument(f"N_d = {Nd} sets of size <= {d} in n = {n} exceed the limit {MAX_LOW_DEGREE_SETS}")
    subsets = subsets_up_to(n, d)
    est = np.empty(Nd)
    for t, S in enumerate(subsets):
        chi = np.prod(Xa[:, list(S)], axis=1) if S else np.ones(m)
        est[t] = float(np.einsum("i,i->", ya, chi)) / m
    h = F * math.sqrt(2.0 * math.log(2.0 * Nd / delta) / m)  # Hoeffding, union bound over the N_d sets
    lower, upper = np.clip(est - h, -F, F), np.clip(est + h, -F, F)
    for arr in (est, lower, upper):
        arr.setflags(write=False)
    coeffs = MeanInterval(est, lower, upper, delta, "hoeffding", m, (-F, F), Nd > 1)
    norm = float(np.sqrt(est @ est))
    tau = F * math.sqrt(2.0 * math.log(2.0 * Nd / (delta / 2.0)) / m)      # Thm C1 at delta/2
    r_c1 = math.sqrt(Nd) * tau
    r_c2 = F * math.sqrt(Nd / m) * (1.0 + math.sqrt(2.0 * math.log(2.0 / delta)))  # Thm C2 at delta/2
    radius = min(r_c1, r_c2)
    lo_w = max(0.0, norm - radius) ** 2
    hi_w = min(F * F, (norm + radius) ** 2)
    sum_y2 = float(ya @ ya)
    unbiased = float(np.sum(m * m * est ** 2 - sum_y2) / (m * (m - 1))) if m > 1 else float(est @ est)
    return LowDegreeEstimate(tuple(subsets), coeffs, (lo_w, hi_w), unbiased, radius, d, m, F, delta)


def sample_outputs(block: MLPBlock, sel: OutputSelection, samples: int, rng: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, f(X)) for uniform ±1 points, activity decided exactly."""
    g = as_rng(rng)
    samples = as_count("samples", samples, low=1)
    X = Hypercube(block.n).sample(g, samples)
    margin = margin_for(block, 1.0)
    out = np.empty(samples)
    step = max(1, WORK_BYTES // (8 * (block.n + 2 * block.s)))
    for a in range(0, samples, step):
        dec = exact_decisions(block, X[a:a + step], margin)
        out[a:a + step] = output_values(sel, dec, overwrite=True)
    return X, out


def estimate_low_degree(block: MLPBlock, output: int | None = None, *, degree: int = 1, samples: int = 5000,
                        delta: float = 0.05, rng: Any = None) -> LowDegreeEstimate:
    """f~(S) for |S| <= degree and an interval for W^{<=degree}, from uniform ±1 samples of the block.

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    degree : int, default 1
        d: every S with |S| <= d is estimated.
    samples : int, default 5000
        Uniform points of {-1,1}^n.
    delta : float, default 0.05
        Failure probability, in (0, 1).
    rng : numpy.random.Generator or int or None, default None
        The generator, or a seed for one.

    Returns
    -------
    LowDegreeEstimate
        ``subsets`` (every S, |S| <= d), ``coefficients`` (simultaneous intervals),
        ``low_weight`` (an interval for W^{<=d}) and ``low_weight_unbiased``.

    Raises
    ------
    InvalidArgument
        A bad ``output``, count or delta.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import estimate_low_degree
    >>> est = estimate_low_degree(parity_block(4, [0, 1]), degree=2, samples=2000, rng=0)
    >>> best = int(abs(est.coefficients.estimate).argmax())
    >>> est.subsets[best], float(est.coefficients.estimate[best])  # the parity x_0 x_1 is its own coefficient
    ((0, 1), 1.0)
    """
    sel = select_output(block, output)
    lo, hi = cube_output_range(block, sel)
    F = max(abs(lo), abs(hi), 1e-300)
    X, y = sample_outputs(block, sel, samples, rng)
    return low_degree_from_samples(X, y, degree, F, delta)
