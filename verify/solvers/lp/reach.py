"""The reach bound: how many rows a box can make active together, by Cauchy-Schwarz.

Write a point of the box as v = m + delta with m the box's centre and |delta_j| <= h_j. A row
active at v satisfies A_i v >= act_lo_i (the widened float data of :mod:`.relaxation`), that
is A_i delta >= d_i := act_lo_i - A_i m: it must be lifted by d_i. If a set S of rows is
active at one point, the lifts add up against one direction::

    sum_{i in S} d_i <= (sum_{i in S} A_i) . delta <= sum_j |sum_S A_ij| h_j
                     <= sqrt(n') || sum_S A_i o h ||_2 = sqrt(n' * 1_S^T G 1_S),

with G = (A o h)(A o h)^T and n' the number of coordinates with h_j > 0. Bounding the right
side from above for every set of k rows (the k largest of G_ii plus the k - 1 largest
positive G_il of row i) and the left side from below (the k smallest lifts) gives a test
that no k rows can be active together; then no larger set can either (a subset of an active
set is active). The smallest k that passes, minus one, bounds the count.

Where it pays: many rows in high dimension with nearly orthogonal weights, each needing a
good part of the box's reach (a random 784 x 512 block on a ball of radius 0.05: 88
undecided units, bound 25, against 46 from ten seconds of LP branch and bound). The
triangle LP cannot see it: half of every lift costs half as much, so the LP spreads a
little of the reach over every row. [DERIVED] (docs/theory.md §7.8.)

Every float step is rounded outward with a generous allowance (the rows are scaled to
entries below 1 by :mod:`.relaxation`); a non-finite value anywhere gives no bound.
"""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from .relaxation import FloatRows

REACH_MAX_ROWS = 4000  # the Gram matrix is rows x rows; past this the bound is not tried


def _centre_and_radius(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A float centre m and half-widths h with |v_j - m_j| <= h_j for every v_j in [lo_j, hi_j]."""
    m = lo / 2 + hi / 2  # (halved first: no overflow)
    h = np.maximum(hi - m, m - lo)
    return m, h * (1 + 4 * UNIT_ROUNDOFF) + UNDERFLOW_SLACK * (h > 0)


def reach_bound(rel: FloatRows) -> int:
    """An upper bound on how many rows of ``rel`` are active at one point of its box
    (``len(rel.A)`` when the test never passes or a value is not finite)."""
    A = np.asarray(rel.A, float)
    s, n = A.shape
    if s == 0 or s > REACH_MAX_ROWS:
        return s
    lo, hi = np.asarray(rel.lo, float), np.asarray(rel.hi, float)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return s
    with np.errstate(over="ignore", invalid="ignore"):
        m, h = _centre_and_radius(lo, hi)
        gamma = 4 * (n + 8) * UNIT_ROUNDOFF
        # lifts, rounded down: |fl(act_lo - A m) - (act_lo - A m)| <= gamma (|act_lo| + |A| |m|)
        d = rel.act_lo - A @ m
        d = d - gamma * (np.abs(rel.act_lo) + np.abs(A) @ np.abs(m)) - UNDERFLOW_SLACK
        B = A * h
        absB = np.abs(B)
        # Gram matrix rounded up (B itself carries one relative rounding, covered by gamma)
        G = B @ B.T + gamma * (absB @ absB.T) + n * UNDERFLOW_SLACK
        if not (np.isfinite(d).all() and np.isfinite(G).all()):
            return s
        n_eff = int(np.count_nonzero(h > 0))
        return _smallest_impossible(d, G, n_eff, s) - 1


def _smallest_impossible(d: np.ndarray, G: np.ndarray, n_eff: int, s: int) -> int:
    """The smallest k for which the test proves no k rows active together (s + 1: none)."""
    grow = 1 + 4 * (s + 2) * UNIT_ROUNDOFF  # allowance for the float sums below, upward
    diag = np.diag(G).copy()
    off = np.maximum(G, 0.0)
    np.fill_diagonal(off, 0.0)
    top = -np.sort(-off, axis=1)  # each row's off-diagonal entries, largest first
    prefix = np.concatenate([np.zeros((s, 1)), np.cumsum(top, axis=1)], axis=1) * grow
    lifts = np.sort(d)
    lift_sums = np.cumsum(lifts)
    lift_err = 4 * (s + 2) * UNIT_ROUNDOFF * np.cumsum(np.abs(lifts))
    for k in range(1, s + 1):
        low = lift_sums[k - 1] - lift_err[k - 1]  # <= the sum of the k smallest lifts
        if not low > 0:
            continue
        g = (diag + prefix[:, k - 1]) * grow  # >= sum over any k-set containing i of G_il
        gamma_k = np.partition(g, s - k)[s - k:].sum() * grow  # >= 1_S^T G 1_S for every |S| = k
        if low > np.sqrt(n_eff * gamma_k * grow) * grow:  # (no square of low: it could overflow)
            return k
    return s + 1
