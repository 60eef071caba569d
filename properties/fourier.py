"""Exact Fourier analysis of a block's output on the ±1 cube (docs/theory.md §1, §3) [STANDARD].

Conventions (docs/theory.md §1): point index r has x_j = 1 - 2 bit_j(r); a set S is the bit
mask with bit j set iff j in S; the unnormalised Walsh-Hadamard transform of the value
table, divided by 2^n, is f^ indexed by mask. :func:`wht` runs in place with
vectorised butterflies on reshaped views, cache-blocked, with a fixed 1 MiB scratch
buffer, so a spectrum at n = 22 needs the 32 MiB value table plus the chunked block
evaluation of :mod:`properties.cube_table` and nothing else of that order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import DomainError, InvalidArgument, ShapeError

from .cube_table import MAX_EXACT_N, Progress, chunk_points
from .output import exact_decisions, margin_for, output_values, select_output

_SCRATCH = 1 << 17      # float64 elements of scratch (1 MiB)
_CACHE_LEVELS = 15      # levels done block by block on 2^15 contiguous values (256 KiB)


def _butterflies(a: np.ndarray, lo: int, hi: int, buf: np.ndarray) -> None:
    """Levels lo..hi-1 of the transform of ``a`` (length a power of two), in place."""
    for j in range(lo, hi):
        h = 1 << j
        v = a.reshape(-1, 2, h)
        rows_per = max(1, buf.size // h)
        width = min(h, buf.size)
        for r0 in range(0, v.shape[0], rows_per):
            for c0 in range(0, h, width):
                u = v[r0:r0 + rows_per, 0, c0:c0 + width]
                w = v[r0:r0 + rows_per, 1, c0:c0 + width]
                t = buf[:u.size].reshape(u.shape)
                np.copyto(t, u)
                u += w                      # (u, w) -> (u + w, u - w)
                np.subtract(t, w, out=w)


def wht(a: np.ndarray) -> np.ndarray:
    """Unnormalised Walsh-Hadamard transform of a float64 array of length 2^n, in place.

    out[S] = sum_r a[r] (-1)^{|r & S|}. Returns ``a``. Extra memory: 1 MiB.

    Parameters
    ----------
    a : numpy.ndarray
        A contiguous, writeable, one-dimensional float64 array of length 2**n; overwritten.

    Returns
    -------
    numpy.ndarray
        ``a`` itself, transformed (divide by 2**n for the Fourier coefficients).

    Raises
    ------
    InvalidArgument
        Not a writeable contiguous float64 vector.
    ShapeError
        A length that is not a power of two.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.properties import wht
    >>> a = np.array([1.0, 2.0, 3.0, 4.0])
    >>> wht(a).tolist(), a.tolist()  # in place
    ([10.0, -2.0, -4.0, 0.0], [10.0, -2.0, -4.0, 0.0])
    """
    if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.ndim != 1:
        raise InvalidArgument("wht needs a one-dimensional float64 numpy array")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise InvalidArgument("wht works in place: pass a contiguous, writeable array (np.array(x) makes one)")
    N = a.size
    if N == 0 or N & (N - 1):
        raise ShapeError(f"wht needs a length that is a power of two, got {N}")
    n = N.bit_length() - 1
    buf = np.empty(min(_SCRATCH, max(1, N // 2)))
    low = min(_CACHE_LEVELS, n)
    block = 1 << low
    for start in range(0, N, block):
        _butterflies(a[start:start + block], 0, low, buf)
    _butterflies(a, low, n, buf)
    return a


def fourier_coefficients_direct(values: np.ndarray) -> np.ndarray:
    """f^(S) = E[f chi_S] for every mask S by the definition (O(4^n); for tests and benchmarks)."""
    vals = np.asarray(values, dtype=np.float64)
    N = vals.size
    if vals.ndim != 1 or N == 0 or N & (N - 1):
        raise ShapeError(f"values must be a table of length 2^n, got shape {vals.shape}")
    r = np.arange(N, dtype=np.int64)
    out = np.empty(N)
    rows = max(1, (1 << 22) // N)
    for s0 in range(0, N, rows):
        S = np.arange(s0, min(N, s0 + rows), dtype=np.int64)
        parity = np.bitwise_count(S[:, None] & r[None, :]) & 1
        chi = 1.0 - 2.0 * parity  # chi_S(x_r) = prod_{j in S} (1 - 2 bit_j(r))
        out[s0:s0 + S.size] = chi @ vals
    return out / N


def _popcounts(n: int) -> np.ndarray:
    deg = np.zeros(1 << n, dtype=np.uint8)
    for j in range(n):
        deg[1 << j: 1 << (j + 1)] = deg[: 1 << j] + 1
    return deg


def mask_of(coords: Iterable[int], n: int) -> int:
    """The bit mask of a set of coordinates."""
    mask = 0
    for c in coords:
        c = as_count("coordinate", c, low=0, high=n - 1)
        mask |= 1 << c
    return mask


@dataclass(frozen=True, eq=False)
class Spectrum:
    """The Fourier coefficients f^(S) of a function on {-1,1}^n, indexed by mask."""

    n: int
    coefficients: np.ndarray

    @classmethod
    def from_values(cls, values: np.ndarray, *, overwrite: bool = False) -> "Spectrum":
        """Spectrum of the value table (index r as in docs/theory.md §1). ``overwrite`` reuses ``values``."""
        if overwrite and isinstance(values, np.ndarray) and values.dtype == np.float64 and values.flags.writeable:
            a = values
        else:
            a = np.array(values, dtype=np.float64)
        if a.ndim != 1 or a.size == 0 or a.size & (a.size - 1):
            raise ShapeError(f"values must be a table of length 2^n, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise InvalidArgument("the value table contains NaN or inf; the block output is not finite")
        wht(a)
        a /= a.size
        a.setflags(write=False)
        return cls(a.size.bit_length() - 1, a)

    # basic arrays ---------------------------------------------------------------
    @cached_property
    def degrees(self) -> np.ndarray:
        """|S| for every mask (uint8)."""
        return _popcounts(self.n)

    @cached_property
    def weights(self) -> np.ndarray:
        """f^(S)^2 by mask."""
        w = self.coefficients ** 2
        w.setflags(write=False)
        return w

    def coefficient(self, S: "int | Iterable[int]") -> float:
        """f^(S) for a mask or a collection of coordinates."""
        mask = S if isinstance(S, (int, np.integer)) else mask_of(S, self.n)
        mask = as_count("mask", mask, low=0, high=(1 << self.n) - 1)
        return float(self.coefficients[mask])

    @cached_property
    def weights_by_degree(self) -> np.ndarray:
        """W^{=d} = sum_{|S|=d} f^(S)^2 for d = 0..n."""
        return np.bincount(self.degrees, weights=self.weights, minlength=self.n + 1)

    @property
    def energy(self) -> float:
        """sum_S f^(S)^2 = E[f^2] (Parseval)."""
        return float(self.weights_by_degree.sum())

    @property
    def mean(self) -> float:
        return float(self.coefficients[0])

    @property
    def variance(self) -> float:
        return float(self.weights_by_degree[1:].sum())

    def tail_weight(self, d: int) -> float:
        """W^{>d} = sum_{|S|>d} f^(S)^2 (d >= 0; 0 for d >= n)."""
        d = as_count("d", d, low=0)
        return float(self.weights_by_degree[d + 1:].sum())

    def low_weight(self, d: int) -> float:
        """W^{<=d}."""
        d = as_count("d", d, low=0)
        return float(self.weights_by_degree[: d + 1].sum())

    @cached_property
    def tail_weights(self) -> np.ndarray:
        """W^{>d} for d = 0..n (suffix sums, the last is 0)."""
        w = self.weights_by_degree
        tails = np.concatenate([np.cumsum(w[::-1])[::-1][1:], [0.0]])
        return tails

    def min_degree(self, eps: float, *, rtol: float = 0.0) -> int:
        """d_exact(eps) = min{d >= 0 : W^{>d} <= eps (1 + rtol)}."""
        eps = as_finite_float("eps", eps)
        if eps < 0:
            raise InvalidArgument(f"eps must be >= 0, got {eps}")
        ok = np.flatnonzero(self.tail_weights <= eps * (1.0 + rtol))
        return int(ok[0])  # d = n always qualifies (W^{>n} = 0)

    # influence and noise -------------------------------------------------------------
    @property
    def total_influence(self) -> float:
        """I[f] = sum_S |S| f^(S)^2."""
        return float(np.arange(self.n + 1) @ self.weights_by_degree)

    @cached_property
    def influences(self) -> np.ndarray:
        """Inf_j[f] = sum_{S contains j} f^(S)^2, j = 0..n-1."""
        w = self.weights
        out = np.empty(self.n)
        for j in range(self.n):
            out[j] = w.reshape(-1, 2, 1 << j)[:, 1, :].sum()
        return out

    def noise_sensitivity(self, delta: float) -> float:
        """NS_delta[f] = 1/4 E[(f(x) - f(y))^2], y a delta-noisy copy of x.

        In Fourier terms 1/2 sum_S (1 - (1-2 delta)^{|S|}) f^(S)^2, which for ±1-valued f
        (sum f^2 = 1) is the familiar 1/2 - 1/2 sum_S (1-2 delta)^{|S|} f^(S)^2 = P[f(x) != f(y)].
        """
        delta = as_finite_float("delta", delta)
        if not 0.0 <= delta <= 1.0:
            raise InvalidArgument(f"noise rate delta must lie in [0, 1], got {delta}")
        rho = 1.0 - 2.0 * delta
        powers = rho ** np.arange(self.n + 1, dtype=np.float64)
        return float(0.5 * ((1.0 - powers) @ self.weights_by_degree))

    def top(self, count: int = 10) -> list[tuple[int, float]]:
        """The ``count`` largest |f^(S)| as (mask, f^(S)), largest first (ties by mask)."""
        count = as_count("count", count, low=0)
        c = self.coefficients
        if count >= c.size:
            idx = np.arange(c.size)
        else:
            idx = np.argpartition(-np.abs(c), count)[:count] if count else np.array([], dtype=np.int64)
        idx = sorted(idx.tolist(), key=lambda m: (-abs(c[m]), m))
        return [(int(m), float(c[m])) for m in idx]


def cube_values(block: MLPBlock, output: int | None = None, *, max_n: int = MAX_EXACT_N,
                progress: Progress | None = None) -> np.ndarray:
    """f on every point of {-1,1}^n (index as docs/theory.md §1), evaluated in memory-bounded chunks.

    Peak memory: the 8 * 2^n byte table plus one chunk's working set (<= 64 MiB).

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    max_n : int, default 22
        The largest n enumerated (at most 22).
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    numpy.ndarray
        Float64 array of length 2**n: f at point r, x_j = 1 - 2 bit_j(r). Activities are decided exactly.

    Raises
    ------
    InvalidArgument
        An ambiguous or out-of-range ``output``, a block with a skip term / output activation,
        or non-finite values.
    DomainError
        ``block.n > max_n``.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import cube_values
    >>> cube_values(parity_block(3, [0, 1])).tolist()  # x_0 x_1
    [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0]
    """
    sel = select_output(block, output)
    max_n = as_count("max_n", max_n, low=1, high=MAX_EXACT_N)
    if block.n > max_n:
        raise DomainError(f"exact Fourier analysis enumerates 2^{block.n} points, beyond the limit n <= {max_n};"
                          " use properties.montecarlo for large n")
    cube = Hypercube(block.n)
    out = np.empty(cube.size)
    margin = margin_for(block, 1.0)
    for start, X in cube.chunks(chunk_points(block.n, block.s)):
        dec = exact_decisions(block, X, margin)
        out[start:start + X.shape[0]] = output_values(sel, dec, overwrite=True)
        if progress is not None:
            progress(X.shape[0])
    return out


def spectrum(block: MLPBlock, output: int | None = None, *, max_n: int = MAX_EXACT_N,
             progress: Progress | None = None) -> Spectrum:
    """The exact spectrum of one scalar output of ``block`` on {-1,1}^n (n <= max_n <= 22).

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    max_n : int, default 22
        The largest n enumerated (at most 22).
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    Spectrum
        ``coefficients`` f^(S) indexed by the mask of S, with ``weights``, ``weights_by_degree``,
        ``influences``, ``total_influence`` and more derived from them.

    Raises
    ------
    InvalidArgument
        An ambiguous or out-of-range ``output``, a block with a skip term / output activation,
        or non-finite values.
    DomainError
        ``block.n > max_n``.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import spectrum
    >>> sp = spectrum(parity_block(3, [0, 1]))  # all weight on S = {0, 1} (mask 3)
    >>> sp.coefficients.tolist(), sp.total_influence, sp.influences.tolist()
    ([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], 2.0, [1.0, 1.0, 0.0])
    """
    return Spectrum.from_values(cube_values(block, output, max_n=max_n, progress=progress), overwrite=True)


def influences_by_flips(values: np.ndarray) -> np.ndarray:
    """Inf_j = E[((f(x) - f(x^(j)))/2)^2] from a value table (the definition, for cross-checks)."""
    vals = np.asarray(values, dtype=np.float64)
    N = vals.size
    if vals.ndim != 1 or N == 0 or N & (N - 1):
        raise ShapeError(f"values must be a table of length 2^n, got shape {vals.shape}")
    n = N.bit_length() - 1
    out = np.empty(n)
    for j in range(n):
        v = vals.reshape(-1, 2, 1 << j)
        d = (v[:, 0, :] - v[:, 1, :]) / 2.0
        out[j] = 2.0 * float(np.sum(d * d)) / N
    return out


def binomial_count(n: int, d: int) -> int:
    """N_d = sum_{i=0}^{min(d,n)} C(n, i): the number of sets of size at most d."""
    return sum(math.comb(n, i) for i in range(0, min(d, n) + 1))
