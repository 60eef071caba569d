"""Exact activity decisions on concrete points: float64 where it is provably right, rationals near tau.

float64 gets the sign of z - tau wrong near 0, so every entry whose float value lies
within a rigorous rounding bound of tau is re-decided in exact rational arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sparsecert.sparse_models import MLPBlock
from sparsecert.sparse_models.exact import exact_pre_activations, rounding_margin


def _exact_entry(W1: np.ndarray, b1: np.ndarray, x: np.ndarray, i: int, tau: Fraction) -> bool:
    row = W1[i]
    total = Fraction(float(b1[i]))
    for j in np.flatnonzero(row):
        xj = float(x[j])
        if xj:
            total += Fraction(float(row[j])) * Fraction(xj)
    return total > tau


def exact_active_mask(block: MLPBlock, X: np.ndarray, tau: float = 0.0,
                      margin: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(mask, number of entries re-decided exactly) with mask[p, i] = z_i(X[p]) > tau exactly.

    ``margin`` (per unit) may be passed when the caller knows a bound on |x_j| that is
    valid for every row of X; otherwise it is computed from X itself.
    """
    X = np.asarray(X, dtype=np.float64)
    single = X.ndim == 1
    X2 = X[None, :] if single else X
    Z = X2 @ block.W1.T + block.b1
    if margin is None:
        xmax = np.max(np.abs(X2), axis=0) if X2.shape[0] else np.zeros(block.n)
        margin = rounding_margin(block.W1, block.b1, xmax, tau)
    D = Z - tau
    mask = D > 0
    near = ~(np.abs(D) > margin)  # NaN/inf (overflow) also counts as near
    ps, us = np.nonzero(near)
    if ps.size:
        t = Fraction(float(tau))
        for p, i in zip(ps.tolist(), us.tolist()):
            mask[p, i] = _exact_entry(block.W1, block.b1, X2[p], i, t)
    return (mask[0] if single else mask), int(ps.size)


def exact_active_units(block: MLPBlock, x: np.ndarray, tau: float = 0.0) -> tuple[int, ...]:
    """Units active at one point, decided exactly (pure rational arithmetic)."""
    zs = exact_pre_activations(block.W1, block.b1, x)
    t = Fraction(float(tau))
    return tuple(i for i, z in enumerate(zs) if z > t)


def borderline_units(block: MLPBlock, x: np.ndarray, tau: float = 0.0) -> tuple[int, ...]:
    """Units whose float64 activity decision at x disagrees with the exact one, or could (|z - tau| within rounding)."""
    x = np.asarray(x, dtype=np.float64)
    z = block.W1 @ x + block.b1
    margin = rounding_margin(block.W1, block.b1, np.abs(x), tau)
    return tuple(int(i) for i in np.flatnonzero(~(np.abs(z - tau) > margin)))
