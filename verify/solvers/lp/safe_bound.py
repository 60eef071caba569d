"""A rigorous upper bound of an LP maximum from approximate multipliers (HiGHS's duals).

Neumaier and Shcherbina, "Safe bounds in linear and mixed-integer linear programming"
(Math. Program. 2004): for max c^T v over G v in [rl, ru], v in [vl, vu], any multipliers pi
give c^T v = (c - G^T pi)^T v + pi^T G v <= sum_j max(r_j vl_j, r_j vu_j) + sum_i (pi_i > 0 ?
pi_i ru_i : pi_i rl_i). Every float step is bounded with its rounding error, so the value
returned is at least the exact LP maximum whatever HiGHS's tolerances did.
"""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF


class SafeBound:
    """Neumaier-Shcherbina bound from approximate row multipliers, with rigorous rounding."""

    def __init__(self, c: np.ndarray) -> None:
        self.c = c

    def __call__(self, G: np.ndarray, rl: np.ndarray, ru: np.ndarray, vl: np.ndarray, vu: np.ndarray,
                 pi: np.ndarray):
        """(bound, per-variable terms, reduced costs r, per-variable error) for max c^T v."""
        pi = np.where(pi > 0, np.where(np.isfinite(ru), pi, 0.0), np.where(np.isfinite(rl), pi, 0.0))
        pi = np.where(np.isfinite(pi), pi, 0.0)
        R = G.shape[0]
        r = self.c - G.T @ pi
        er = 2 * (R + 4) * UNIT_ROUNDOFF * (np.abs(self.c) + np.abs(G).T @ np.abs(pi)) + UNDERFLOW_SLACK
        vmax = np.maximum(np.abs(vl), np.abs(vu))
        t0 = np.maximum(r * vl, r * vu)
        terms = t0 + er * vmax + 4 * UNIT_ROUNDOFF * (np.abs(t0) + er * vmax) + UNDERFLOW_SLACK
        rowt = np.where(pi > 0, pi * np.where(np.isfinite(ru), ru, 0.0), pi * np.where(np.isfinite(rl), rl, 0.0))
        total = terms.sum() + rowt.sum()
        N = terms.size + rowt.size
        total += 2 * (N + 4) * UNIT_ROUNDOFF * (np.abs(terms).sum() + np.abs(rowt).sum()) + UNDERFLOW_SLACK
        return float(total), terms, r, er
