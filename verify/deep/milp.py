"""HiGHS's MILP on the big-M model of a deep ReLU network: a primal heuristic for one layer.

Columns: the normalised inputs, then per layer its pre-activations z and outputs h, with a
binary per unstable unit (h >= z, h <= u d, h <= z - l (1 - d)); on the layer asked for, one
indicator per unit that can fire (z_i >= 1e-6 when it is on), maximised. Pre-activation
bounds come from :func:`~.bounds.network_bounds` and are tightened layer by layer by LP on
the same model with the binaries relaxed (the triangle relaxation). Everything here is float
and tolerance-based: the point it returns is only offered to the exact search, which
re-decides its count in rational arithmetic (``LayerSolver.offer``). The same model, solved
to its time limit, is the hand-written baseline of ``make bench`` (bench/deep_milp.py).
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from ..backends.highs import INF, OPTIMAL, maximize, minimize, new_highs, set_integer_columns
from .bounds import network_bounds

EPS = 1e-6  # "active" in the MILP: z_i >= EPS


class BigM:
    """The model up to layer ``upto`` (its z columns in ``z_cols``); ``integral``: binary deltas."""

    def __init__(self, layers: Sequence, xl: np.ndarray, xu: np.ndarray, lower, upper, upto: int) -> None:
        self.h = new_highs()
        self.h.addVars(len(xl), np.asarray(xl, float), np.asarray(xu, float))
        self.binary: list[int] = []
        prev = np.arange(len(xl))
        self.z_cols: list[np.ndarray] = []
        for j in range(upto + 1):
            W, b = layers[j].W, layers[j].b
            z = self.columns(np.asarray(lower[j], float), np.asarray(upper[j], float))
            for i in range(W.shape[0]):  # z_i - W_i h_prev = b_i
                idx = np.r_[z[i], prev].astype(np.int32)
                self.h.addRow(float(b[i]), float(b[i]), idx.size, idx, np.r_[1.0, -W[i]])
            self.z_cols.append(z)
            if j < upto:
                prev = self._relu(z, np.asarray(lower[j], float), np.asarray(upper[j], float))

    def columns(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        start = self.h.getNumCol()
        self.h.addVars(lo.size, lo, hi)
        return np.arange(start, start + lo.size)

    def _relu(self, z: np.ndarray, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
        hcol = self.columns(np.zeros(z.size), np.maximum(up, 0.0))
        for i in range(z.size):
            pair = np.array([hcol[i], z[i]], np.int32)
            if lo[i] >= 0:  # stable on: h = z
                self.h.addRow(0.0, 0.0, 2, pair, np.array([1.0, -1.0]))
            elif up[i] <= 0:  # stable off: h = 0
                self.h.changeColBounds(int(hcol[i]), 0.0, 0.0)
            else:
                d = int(self.columns(np.zeros(1), np.ones(1))[0])
                self.binary.append(d)
                self.h.addRow(0.0, INF, 2, pair, np.array([1.0, -1.0]))  # h >= z
                self.h.addRow(-INF, 0.0, 2, np.array([hcol[i], d], np.int32), np.array([1.0, -up[i]]))  # h <= u d
                self.h.addRow(-INF, -lo[i], 3, np.array([hcol[i], z[i], d], np.int32),
                              np.array([1.0, -1.0, -lo[i]]))  # h <= z - l (1 - d)
        return hcol

    def make_integral(self) -> None:
        kinds = [False] * self.h.getNumCol()
        for c in self.binary:
            kinds[c] = True
        set_integer_columns(self.h, kinds)


def tightened_bounds(layers: Sequence, xl: np.ndarray, xu: np.ndarray, depth: int,
                     deadline: float | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Interval / DeepPoly bounds, then each unstable unit's min and max of z by LP over the
    triangle relaxation of the layers below (float: for the heuristic and the baseline only)."""
    nb = network_bounds(layers, xl, xu, depth=depth)
    lower, upper = [np.array(v, float) for v in nb.lower], [np.array(v, float) for v in nb.upper]
    for j in range(1, depth):
        m = BigM(layers, xl, xu, lower, upper, j)
        for i in np.flatnonzero((lower[j] < 0) & (upper[j] > 0)):
            if deadline is not None and time.monotonic() > deadline:
                return lower, upper
            col = int(m.z_cols[j][i])
            m.h.changeColCost(col, 1.0)
            for sense, is_lower in ((minimize, True), (maximize, False)):
                sense(m.h)
                m.h.run()
                if m.h.getModelStatus() == OPTIMAL:
                    v = m.h.getInfo().objective_function_value
                    if is_lower:
                        lower[j][i] = max(lower[j][i], v)
                    else:
                        upper[j][i] = min(upper[j][i], v)
            m.h.changeColCost(col, 0.0)
    return lower, upper


def layer_milp(layers: Sequence, layer: int, xl: np.ndarray, xu: np.ndarray, time_limit: float | None,
               node_limit: int | None = None, tighten_share: float = 0.5) -> dict:
    """The MILP for ``layer`` over the float box [xl, xu]: its point (inputs, float, or None),
    HiGHS's status and dual bound (float), and the seconds spent on bounds and in all."""
    start = time.monotonic()
    lower, upper = tightened_bounds(layers, xl, xu, layer + 1,
                                    None if time_limit is None else start + tighten_share * time_limit)
    tighten_s = time.monotonic() - start
    m = BigM(layers, xl, xu, lower, upper, layer)
    lo_l, up_l = lower[layer], upper[layer]
    zc = m.z_cols[layer]
    for i in np.flatnonzero((lo_l <= 0) & (up_l > 0)):  # z_i >= EPS - M (1 - a_i)
        a = int(m.columns(np.zeros(1), np.ones(1))[0])
        m.binary.append(a)
        m.h.changeColCost(a, 1.0)
        big = EPS - lo_l[i]
        m.h.addRow(EPS - big, INF, 2, np.array([zc[i], a], np.int32), np.array([1.0, -big]))
    m.make_integral()
    maximize(m.h)
    if time_limit is not None:
        m.h.setOptionValue("time_limit", max(0.05, time_limit - tighten_s))
    if node_limit is not None:
        m.h.setOptionValue("mip_max_nodes", int(node_limit))
    m.h.run()
    sol = m.h.getSolution()
    point = np.clip(np.asarray(sol.col_value)[: len(xl)], xl, xu) if sol.value_valid else None
    dual = m.h.getInfo().mip_dual_bound
    return {"point": point, "status": str(m.h.getModelStatus()).split(".")[-1],
            "dual_bound": None if not np.isfinite(dual) else float(int((lo_l > 0).sum()) + dual),
            "tighten_s": tighten_s, "seconds": time.monotonic() - start}
