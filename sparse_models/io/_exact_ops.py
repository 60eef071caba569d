"""Float64 sums and products that are checked to be exact (no rounding), elementwise.

Loaders fold constants (Gemm's alpha and beta, a bias added in two steps) only when
the float64 result equals the real one, so a loaded network is exactly the file's.
"""

from __future__ import annotations

import numpy as np

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for float64


def exact_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """a + b in float64 if every sum is exact, else None (Knuth's TwoSum error term)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        s = a + b
        bb = s - a
        err = (a - (s - bb)) + (b - bb)
    if not np.all(np.isfinite(s)) or np.any(err != 0):
        return None
    return s


def exact_product(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """a * b in float64 if every product is exact, else None (Dekker's TwoProduct error term).

    Products near the overflow or underflow range are reported as not exact (the error
    term cannot be trusted there), which only ever makes a loader refuse, never round.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    big = 2.0**995
    small = 2.0**-969
    if np.any(np.abs(a) >= big) or np.any(np.abs(b) >= big):
        return None
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p = a * b
        if not np.all(np.isfinite(p)):
            return None
        nz = (a != 0) & (b != 0)
        if np.any(nz & (np.abs(p) < small)):
            return None
        ca, cb = _SPLIT * a, _SPLIT * b
        ah = ca - (ca - a)
        al = a - ah
        bh = cb - (cb - b)
        bl = b - bh
        err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    if np.any(err != 0):
        return None
    return p


def exact_reciprocal(c: np.ndarray) -> np.ndarray | None:
    """1 / c in float64 if every reciprocal is exact (c a signed power of two), else None."""
    c = np.asarray(c, dtype=np.float64)
    if np.any(c == 0) or not np.all(np.isfinite(c)):
        return None
    mant, _ = np.frexp(c)
    if np.any(np.abs(mant) != 0.5):
        return None
    with np.errstate(over="ignore", under="ignore"):
        r = 1.0 / c
    back = exact_product(r, c)
    if back is None or np.any(back != 1.0):
        return None
    return r
