"""Confidence intervals for means of bounded i.i.d. samples, and the sample sizes they need.

Hoeffding [STANDARD]: for N i.i.d. values in [a, b],
    P[|mean - mu| >= h] <= 2 exp(-2 N h^2 / (b - a)^2),  so  h = (b - a) sqrt(ln(2/delta) / (2N)).
Empirical Bernstein [STANDARD; Maurer & Pontil 2009, Thm 4], two-sided (delta/2 per side):
    h = sqrt(2 V ln(4/delta) / N) + 7 (b - a) ln(4/delta) / (3 (N - 1)),  V the unbiased sample variance.
It is far narrower when the variance is small against the range (rare events, influences).
``method="auto"`` computes both at delta/2 and intersects them: still valid at 1 - delta
by the union bound. Intervals are always clipped to [a, b].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument

METHODS = ("hoeffding", "bernstein", "auto")
IntervalMethod = Literal["hoeffding", "bernstein", "auto"]  # the type of ``method=``; get_args == METHODS (tested)


def _delta(delta: Any) -> float:
    d = as_finite_float("delta", delta)
    if not 0.0 < d < 1.0:
        raise InvalidArgument(f"delta (the failure probability) must lie strictly between 0 and 1, got {delta}")
    return d


def hoeffding_half_width(samples: int, width: float, delta: float) -> float:
    """h with P[|mean - mu| >= h] <= delta for ``samples`` values in a range of length ``width``."""
    samples = as_count("samples", samples, low=1)
    width = as_finite_float("range width", width)
    if width < 0:
        raise InvalidArgument(f"range width must be >= 0, got {width}")
    return width * math.sqrt(math.log(2.0 / _delta(delta)) / (2.0 * samples))


def hoeffding_sample_size(width: float, half_width: float, delta: float) -> int:
    """Smallest N whose Hoeffding interval has half-width <= ``half_width`` (values in a range of ``width``).

    Parameters
    ----------
    width : float
        b - a, the length of the range of the values (>= 0).
    half_width : float
        The half-width h wanted (> 0).
    delta : float
        Failure probability, in (0, 1).

    Returns
    -------
    int
        ceil((b - a)^2 ln(2 / delta) / (2 h^2)), at least 1.

    Raises
    ------
    InvalidArgument
        width < 0, half_width <= 0, or delta outside (0, 1).

    Examples
    --------
    >>> from sparsecert.properties import hoeffding_sample_size
    >>> hoeffding_sample_size(1.0, 0.05, 0.05)  # a rate to +-0.05 at 95 %
    738
    """
    width = as_finite_float("range width", width)
    h = as_finite_float("half_width", half_width)
    if width < 0 or h <= 0:
        raise InvalidArgument(f"need range width >= 0 and half_width > 0, got {width} and {half_width}")
    need = width * width * math.log(2.0 / _delta(delta)) / (2.0 * h * h)
    return max(1, math.ceil(need))


def bernstein_half_width(samples: int, variance: "float | np.ndarray", width: float, delta: float) -> "float | np.ndarray":
    """Two-sided empirical Bernstein half-width (Maurer-Pontil); infinite for fewer than 2 samples."""
    samples = as_count("samples", samples, low=1)
    if samples < 2:
        return np.inf * np.ones_like(np.asarray(variance, dtype=np.float64)) if np.ndim(variance) else math.inf
    L = math.log(4.0 / _delta(delta))
    return np.sqrt(2.0 * np.asarray(variance) * L / samples) + 7.0 * width * L / (3.0 * (samples - 1))


@dataclass(frozen=True, eq=False)
class MeanInterval:
    """A (1 - delta) confidence interval for a mean (scalar, or one per column when arrays).

    With ``simultaneous`` true, all columns hold at once with probability >= 1 - delta
    (each was computed at delta / columns).
    """

    estimate: "float | np.ndarray"
    lower: "float | np.ndarray"
    upper: "float | np.ndarray"
    delta: float
    method: str
    samples: int
    value_range: tuple[float, float]
    simultaneous: bool = False

    @property
    def confidence(self) -> float:
        return 1.0 - self.delta

    @property
    def half_width(self) -> "float | np.ndarray":
        return (np.asarray(self.upper) - np.asarray(self.lower)) / 2.0 if np.ndim(self.upper) else \
            (self.upper - self.lower) / 2.0

    def contains(self, value: "float | np.ndarray") -> "bool | np.ndarray":
        ok = (np.asarray(self.lower) <= value) & (np.asarray(value) <= self.upper)
        return bool(ok) if np.ndim(ok) == 0 else ok

    def as_dict(self) -> dict:
        return {"estimate": self.estimate, "lower": self.lower, "upper": self.upper,
                "confidence": self.confidence, "method": self.method, "samples": self.samples,
                "value_range": list(self.value_range), "simultaneous": self.simultaneous}


class RunningMoments:
    """Streaming count, mean and centred sum of squares (Chan et al.'s stable merge), per column."""

    def __init__(self, columns: int | None = None) -> None:
        shape = () if columns is None else (as_count("columns", columns, low=1),)
        self.count = 0
        self.mean = np.zeros(shape)
        self.m2 = np.zeros(shape)
        self.minimum = np.full(shape, np.inf)
        self.maximum = np.full(shape, -np.inf)

    def update(self, batch: Any) -> None:
        b = np.asarray(batch, dtype=np.float64)
        if b.shape[1:] != self.mean.shape:
            raise InvalidArgument(f"batch has shape {b.shape}; expected (B,) + {self.mean.shape}")
        nb = b.shape[0]
        if nb == 0:
            return
        mb = b.mean(axis=0)
        m2b = ((b - mb) ** 2).sum(axis=0)
        tot = self.count + nb
        diff = mb - self.mean
        self.mean = self.mean + diff * (nb / tot)
        self.m2 = self.m2 + m2b + diff * diff * (self.count * nb / tot)
        self.count = tot
        self.minimum = np.minimum(self.minimum, b.min(axis=0))
        self.maximum = np.maximum(self.maximum, b.max(axis=0))

    @property
    def variance(self) -> np.ndarray:
        """Unbiased sample variance (0 with fewer than two samples)."""
        if self.count < 2:
            return np.zeros_like(self.mean)
        return self.m2 / (self.count - 1)


def interval_from_moments(mom: RunningMoments, low: Any, high: Any, delta: float, *, method: str = "auto",
                          simultaneous: bool = True) -> MeanInterval:
    """Interval for E[X] from streamed moments of i.i.d. samples known to lie in [low, high].

    ``low``/``high`` are scalars or one value per column. Samples outside the range (beyond
    a 1e-9 relative pad for rounding) are refused: the interval would not be valid.
    """
    if method not in METHODS:
        raise InvalidArgument(f"method must be one of {METHODS}, got {method!r}")
    if mom.count < 1:
        raise InvalidArgument("no samples: a confidence interval needs at least one")
    lo = np.broadcast_to(np.asarray(low, dtype=np.float64), mom.mean.shape)
    hi = np.broadcast_to(np.asarray(high, dtype=np.float64), mom.mean.shape)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo <= hi)):
        raise InvalidArgument("the value range [low, high] must be finite and non-empty")
    pad = 1e-9 * np.maximum(np.maximum(np.abs(lo), np.abs(hi)), 1e-300)
    if np.any(mom.minimum < lo - pad) or np.any(mom.maximum > hi + pad) or not np.all(np.isfinite(mom.mean)):
        raise InvalidArgument(
            f"sample values must lie in the stated range [{np.min(lo):g}, {np.max(hi):g}] for the interval to be"
            f" valid; got values in [{np.min(mom.minimum):g}, {np.max(mom.maximum):g}]")
    d = _delta(delta)
    cols = int(np.prod(mom.mean.shape)) if mom.mean.ndim else 1
    d_each = d / cols if simultaneous else d
    N = mom.count
    width = hi - lo
    mean = mom.mean
    var = np.maximum(mom.variance, 0.0)
    if method == "hoeffding":
        h = width * math.sqrt(math.log(2.0 / d_each) / (2.0 * N))
    elif method == "bernstein":
        h = bernstein_half_width(N, var, width, d_each)
    else:
        h = np.minimum(width * math.sqrt(math.log(4.0 / d_each) / (2.0 * N)),
                       bernstein_half_width(N, var, width, d_each / 2.0))
    lower = np.clip(mean - h, lo, hi)
    upper = np.clip(mean + h, lo, hi)
    if mom.mean.ndim == 0:
        return MeanInterval(float(mean), float(lower), float(upper), d, method, N,
                            (float(lo), float(hi)), False)
    mean = np.array(mean)
    for arr in (mean, lower, upper):
        arr.setflags(write=False)
    rng = (float(np.min(lo)), float(np.max(hi)))
    return MeanInterval(mean, lower, upper, d, method, N, rng, simultaneous and cols > 1)


def mean_interval(values: Any, low: Any, high: Any, delta: float, *, method: IntervalMethod = "auto",
                  simultaneous: bool = True) -> MeanInterval:
    """Interval for E[X] from i.i.d. samples in [low, high]: ``values`` of shape (N,) or (N, q).

    Parameters
    ----------
    values : array_like
        The samples, shape (N,) or (N, q) (q means at once).
    low, high : float or array_like
        The range the values are known to lie in (scalars or one per column).
    delta : float
        Failure probability, in (0, 1).
    method : IntervalMethod, default "auto"
        ``"hoeffding"``, ``"bernstein"`` (empirical Bernstein) or ``"auto"`` (both at delta / 2, intersected).
    simultaneous : bool, default True
        For q columns, make all q intervals hold at once (each at delta / q).

    Returns
    -------
    MeanInterval
        ``estimate``, ``lower``, ``upper`` (clipped to the range), ``delta``, ``method``, ``samples``.

    Raises
    ------
    InvalidArgument
        A bad shape or method, values outside [low, high], or delta outside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.properties import mean_interval
    >>> iv = mean_interval(np.linspace(0.0, 1.0, 101), 0.0, 1.0, 0.05, method="hoeffding")
    >>> round(iv.estimate, 4), round(iv.lower, 4), round(iv.upper, 4)
    (0.5, 0.3649, 0.6351)
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim not in (1, 2) or v.shape[0] == 0:
        raise InvalidArgument(f"values must have shape (N,) or (N, q) with N >= 1, got {v.shape}")
    mom = RunningMoments(None if v.ndim == 1 else v.shape[1])
    mom.update(v)
    return interval_from_moments(mom, low, high, delta, method=method, simultaneous=simultaneous)


def proportion_interval(counts: Any, samples: int, delta: float, *, method: IntervalMethod = "auto",
                        simultaneous: bool = True) -> MeanInterval:
    """Interval for probabilities from success counts out of ``samples`` i.i.d. trials (values in [0, 1]).

    Parameters
    ----------
    counts : int or array_like of int
        Successes, each in [0, samples] (an array: one probability per entry).
    samples : int
        Trials (>= 1).
    delta : float
        Failure probability, in (0, 1).
    method : IntervalMethod, default "auto"
        As in :func:`mean_interval`.
    simultaneous : bool, default True
        Make the intervals of all entries hold at once.

    Returns
    -------
    MeanInterval
        Estimates counts / samples with their intervals, in the shape of ``counts``.

    Raises
    ------
    InvalidArgument
        Counts that are not whole numbers in [0, samples], a bad method, or delta outside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.properties import proportion_interval
    >>> iv = proportion_interval([30, 70], 100, 0.05)
    >>> iv.estimate.tolist(), np.round(iv.lower, 3).tolist(), np.round(iv.upper, 3).tolist()
    ([0.3, 0.7], [0.141, 0.541], [0.459, 0.859])
    """
    c = np.asarray(counts, dtype=np.float64)
    N = as_count("samples", samples, low=1)
    if np.any(c < 0) or np.any(c > N) or np.any(c != np.round(c)):
        raise InvalidArgument(f"counts must be whole numbers in [0, {N}]")
    mom = RunningMoments(None if c.ndim == 0 else c.size)
    p = c.reshape(mom.mean.shape) / N
    mom.count = N
    mom.mean = p
    mom.m2 = N * p * (1.0 - p)  # sum of squared deviations of 0/1 values
    mom.minimum = np.where(c.reshape(mom.mean.shape) < N, 0.0, 1.0)
    mom.maximum = np.where(c.reshape(mom.mean.shape) > 0, 1.0, 0.0)
    out = interval_from_moments(mom, 0.0, 1.0, delta, method=method, simultaneous=simultaneous)
    if c.ndim > 1:
        shape = c.shape
        return MeanInterval(out.estimate.reshape(shape), out.lower.reshape(shape), out.upper.reshape(shape),
                            out.delta, out.method, out.samples, out.value_range, out.simultaneous)
    return out
