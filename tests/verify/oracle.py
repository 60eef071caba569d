"""An independent exact oracle: brute force over every cube point in Python integers.

Shares no code with verify/: rows are scaled to integers here via Fraction, and the
whole cube is evaluated with numpy object (arbitrary-precision int) arithmetic.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np


def exact_counts_on_cube(W: np.ndarray, b: np.ndarray, values: tuple[int, int], tau: float) -> tuple[np.ndarray, np.ndarray]:
    """(points, exact active counts) for every point of {values}^n; values must be integers."""
    s, n = W.shape
    pts = np.array(list(product(values, repeat=n)), dtype=object).reshape(-1, n)
    counts = np.zeros(len(pts), dtype=np.int64)
    for i in range(s):
        fr = [Fraction(float(v)) for v in W[i]] + [Fraction(float(b[i])), Fraction(float(tau))]
        den = max(f.denominator for f in fr)
        ints = [int(f * den) for f in fr]
        row = np.array(ints[:n], dtype=object)
        z = pts.dot(row) + ints[n]
        counts += np.array([v > ints[n + 1] for v in z], dtype=np.int64)
    return pts.astype(np.float64), counts


def brute_max_active(W, b, values, tau) -> int:
    _, counts = exact_counts_on_cube(W, b, values, tau)
    return int(counts.max())


def exact_count_at(W, b, x, tau) -> int:
    t = Fraction(float(tau))
    out = 0
    for i in range(W.shape[0]):
        z = Fraction(float(b[i])) + sum(Fraction(float(w)) * Fraction(float(v)) for w, v in zip(W[i], x))
        out += z > t
    return out
