"""The whole-network LP relaxation behind the phase branch and bound (:mod:`.phase_bnb`).

Columns: the inputs u in the box; per layer j < L its pre-activations z_j (equality rows
z_j - W_j h_{j-1} = b_j: the float weights are the exact network) and the outputs h_j of its
unstable ReLUs (h >= z, h >= 0, h <= u, h - s z <= R with s, R rounded up); on layer L one
indicator a_i in [0, 1] per unit that can fire (z_i - M_i a_i >= l_i, M_i <= tau - l_i rounded
down), their sum maximised. Every row holds for the exact network on the box (docs/theory.md
§7.9 Claim 1); bounds of the LP come from HiGHS's duals through Neumaier-Shcherbina
(:class:`~..solvers.lp.safe_bound.SafeBound`, Claim 2), so nothing HiGHS says is trusted.
"""

from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF
from sparsecert.sparse_models.network import Dense

from ..backends.highs import INF, INFEASIBLE, OPTIMAL, TIME_LIMIT, maximize, new_highs
from ..solvers.lp.safe_bound import SafeBound
from .bounds import NetworkBounds, leak_slope

COORD_LIMIT = 1e12  # bounds past this are left to the region search (HiGHS reads 1e20 as infinite)
TIGHTEN_SHARE = 0.3  # share of the budget the LP bound tightening may take


def _up_vec(v: np.ndarray) -> np.ndarray:
    return np.nextafter(v + 4 * UNIT_ROUNDOFF * np.abs(v) + UNDERFLOW_SLACK, np.inf)


def _down_vec(v: np.ndarray) -> np.ndarray:
    return np.nextafter(v - 4 * UNIT_ROUNDOFF * np.abs(v) - UNDERFLOW_SLACK, -np.inf)


def triangle(lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slopes s and offsets R of the rows h - s z <= R, valid for every z in [lo, up] in exact arithmetic:
    the triangle's upper side s = u / (u - l), R = -s l for unstable units (s rounded up, R up), and
    s = 0, R = inf (no row) for stable ones."""
    unstable = (lo < 0) & (up > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(unstable, _up_vec(up / _down_vec(up - lo)), 0.0)
        R = np.where(unstable, _up_vec(-s * lo), np.inf)
    return s, R


def indicator_m(lo: np.ndarray, tau: float) -> np.ndarray:
    """M <= tau - l exactly: the row z - M a >= l then gives z >= l + M <= tau at a = 1 (negative
    where l > tau, so that a margin t on the row, z >= l + M + t, is still met by every z > tau + t)."""
    return _down_vec(tau - lo)


class _Model:
    """The HiGHS LP and its float copy: rows ``G v in [rl, ru]``, columns ``v in [vl, vu]``."""

    def __init__(self) -> None:
        self.h = new_highs()
        self.h.setOptionValue("presolve", "off")
        self.vl: list[float] = []
        self.vu: list[float] = []
        self.rows: list[tuple[np.ndarray, np.ndarray]] = []
        self.rl: list[float] = []
        self.ru: list[float] = []

    def cols(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        start = len(self.vl)
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        self.h.addVars(lo.size, lo, hi)
        self.vl.extend(lo.tolist())
        self.vu.extend(hi.tolist())
        return np.arange(start, start + lo.size)

    def row(self, idx: np.ndarray, val: np.ndarray, lo: float, hi: float) -> int:
        idx, val = np.asarray(idx, np.int32), np.asarray(val, float)
        keep = val != 0
        idx, val = idx[keep], val[keep]
        self.h.addRow(lo if math.isfinite(lo) else -INF, hi if math.isfinite(hi) else INF, idx.size, idx, val)
        self.rows.append((idx, val))
        self.rl.append(lo)
        self.ru.append(hi)
        return len(self.rows) - 1

    def set_col(self, j: int, lo: float, hi: float) -> None:
        self.vl[j], self.vu[j] = lo, hi
        self.h.changeColBounds(int(j), lo, hi)

    def dense(self) -> np.ndarray:
        G = np.zeros((len(self.rows), len(self.vl)))
        for r, (idx, val) in enumerate(self.rows):
            G[r, idx] = val
        return G


def signed_bound(safe: SafeBound, G, rl, ru, vl, vu, pi: np.ndarray) -> float:
    """The smaller safe bound over both sign conventions of HiGHS's multipliers ``pi`` (each is valid)."""
    return min(safe(G, rl, ru, vl, vu, s * pi)[0] for s in (1.0, -1.0))


class PhaseRelaxation:
    """The LP relaxation of layer ``L`` of ReLU ``layers`` over the float box [xl, xu], and its node LPs.

    ``bounds`` are proved pre-activation bounds over the box. :meth:`build` writes the model
    (tightening the bounds of every unstable unit by safe LPs, layer by layer); :meth:`_node_bounds`
    gives a node's column and row bounds (fixed phases, a sub-box) and :meth:`_solve` its safe bound.
    """

    def __init__(self, layers: Sequence[Dense], L: int, tau: float, xl: np.ndarray, xu: np.ndarray,
                 bounds: NetworkBounds, deadline: float | None) -> None:
        self.layers, self.L, self.tau, self.deadline = tuple(layers[: L + 1]), L, float(tau), deadline
        self.xl, self.xu = np.asarray(xl, float), np.asarray(xu, float)
        self.lower = [np.array(v, float) for v in bounds.lower[: L + 1]]
        self.upper = [np.array(v, float) for v in bounds.upper[: L + 1]]
        self.tightened, self.tighten_s = 0, 0.0

    @staticmethod
    def supports(layers: Sequence[Dense], L: int, xl, xu, bounds: NetworkBounds) -> bool:
        """ReLU layers below L, a finite box and bounds well inside HiGHS's finite range."""
        if any(leak_slope(layer) != 0.0 for layer in layers[:L]):
            return False
        vals = [np.asarray(xl), np.asarray(xu)] + [np.asarray(v) for v in (*bounds.lower[: L + 1], *bounds.upper[: L + 1])]
        return all(bool(np.all(np.abs(v) < COORD_LIMIT)) for v in vals)

    def expired(self, deadline: float | None = None) -> bool:
        d = self.deadline if deadline is None else deadline
        return d is not None and time.monotonic() > d

    # -- the model -------------------------------------------------------------------------
    def build(self, tighten_share: float = TIGHTEN_SHARE) -> None:
        """Columns and rows layer by layer; each layer's unstable bounds tightened by safe LPs first
        (for at most ``tighten_share`` of the time to the deadline)."""
        start = time.monotonic()
        tight_end = None if self.deadline is None else start + tighten_share * (self.deadline - start)
        m = self.m = _Model()
        prev = (m.cols(self.xl, self.xu), np.arange(self.xl.size))
        self.relus: list[tuple[int, int, int, int, int, float, float]] = []  # (layer, unit, z, h, R1 row) + (l, u)
        for j in range(self.L + 1):
            W, b = self.layers[j].W, self.layers[j].b
            lo, up = self.lower[j], self.upper[j]
            thr = self.tau if j == self.L else 0.0
            keep = np.flatnonzero(up > thr) if j == self.L else np.arange(W.shape[0])
            z = m.cols(lo[keep], up[keep])
            for c, i in zip(z, keep):
                m.row(np.r_[c, prev[0]], np.r_[1.0, -W[i, prev[1]]], float(b[i]), float(b[i]))
            cand = [(int(c), int(i)) for c, i in zip(z, keep) if lo[i] <= thr < up[i]]
            if j > 0 and cand:
                self._tighten(j, cand, tight_end)
            if j < self.L:
                prev = self._relu_layer(j, z, keep)
        self.tighten_s = time.monotonic() - start
        self._count_layer(z, keep)

    def _tighten(self, j: int, cand: list[tuple[int, int]], deadline: float | None) -> None:
        """min and max of each candidate z by LP over the rows so far, made safe; bounds only shrink."""
        m, h = self.m, self.m.h
        G, rl, ru = m.dense(), np.array(m.rl), np.array(m.ru)
        n = G.shape[1]
        thr = self.tau if j == self.L else 0.0
        for col, i in cand:
            for sign in (1.0, -1.0):
                if self.expired(deadline):
                    return
                lo, up = self.lower[j][i], self.upper[j][i]
                if lo > thr or up <= thr:
                    break  # stable already: nothing to decide
                h.changeColCost(col, sign)
                maximize(h)
                self._time_limit(deadline)
                h.run()
                status = h.getModelStatus()
                if status == OPTIMAL:
                    pi = np.asarray(h.getSolution().row_dual)
                h.changeColCost(col, 0.0)  # (this resets HiGHS's model status and solution)
                if status != OPTIMAL:
                    continue
                c = np.zeros(n)
                c[col] = sign
                bound = signed_bound(SafeBound(c), G, rl, ru, np.array(m.vl), np.array(m.vu), pi)
                if sign > 0 and bound < up:
                    self.upper[j][i] = bound
                    self.tightened += 1
                elif sign < 0 and -bound > lo:
                    self.lower[j][i] = -bound
                    self.tightened += 1
                m.set_col(col, self.lower[j][i], self.upper[j][i])

    def _time_limit(self, deadline: float | None) -> None:
        d = self.deadline if deadline is None else deadline
        if d is not None:  # HiGHS compares time_limit with its run time summed over all runs
            self.m.h.setOptionValue("time_limit", self.m.h.getRunTime() + max(0.01, d - time.monotonic()))

    def _relu_layer(self, j: int, z: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outputs of layer j: (columns, unit indices) of the units that are not stable off."""
        m = self.m
        cols, units = [], []
        for c, i in zip(z, keep):
            lo, up = float(self.lower[j][i]), float(self.upper[j][i])
            if up <= 0:
                continue  # stable off: h = 0, left out of the next layer's rows
            if lo >= 0:  # stable on: h = z, the same column
                cols.append(int(c))
                units.append(int(i))
                continue
            hc = int(m.cols(np.zeros(1), np.array([up]))[0])
            r1 = m.row(np.array([hc, c]), np.array([1.0, -1.0]), 0.0, math.inf)  # h - z >= 0 (= 0 when on)
            sl, off = triangle(np.array([lo]), np.array([up]))  # h <= s (z - l) for every z in [l, u]
            m.row(np.array([hc, c]), np.array([1.0, -sl[0]]), -math.inf, float(off[0]))
            self.relus.append((j, int(i), int(c), hc, r1, lo, up))
            cols.append(hc)
            units.append(int(i))
        return np.array(cols, int), np.array(units, int)

    def _count_layer(self, z: np.ndarray, keep: np.ndarray) -> None:
        """Indicators of the counted layer; the objective; the float copy and the branching tables."""
        m, L, tau = self.m, self.L, self.tau
        lo, up = self.lower[L], self.upper[L]
        self.stable_on = int((lo > tau).sum())
        self.inds: list[tuple[int, int, int, int]] = []  # (unit, z column, a column, row)
        for c, i in zip(z, keep):
            if lo[i] > tau or up[i] <= tau:
                continue
            a = int(m.cols(np.zeros(1), np.ones(1))[0])
            M = float(indicator_m(np.array([lo[i]]), tau)[0])  # l + M <= tau exactly
            r = m.row(np.array([c, a]), np.array([1.0, -M]), float(lo[i]), math.inf)
            self.inds.append((int(i), int(c), a, r))
        self.t_col = int(m.cols(np.zeros(1), np.zeros(1))[0])  # the margin column (fixed 0 but in leaves)
        self.n_cols = len(m.vl)
        self.c = np.zeros(self.n_cols)
        for _, _, a, _ in self.inds:
            self.c[a] = 1.0
        m.h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), self.c)
        maximize(m.h)
        self.G, self.rl0, self.ru0 = m.dense(), np.array(m.rl), np.array(m.ru)
        self.vl0, self.vu0 = np.array(m.vl), np.array(m.vu)
        self.safe, self.zero = SafeBound(self.c), SafeBound(np.zeros(self.n_cols))
        self.n_relu = len(self.relus)
        self.ind_cols = np.array([a for _, _, a, _ in self.inds], int)
        self.relu_z = np.array([r[2] for r in self.relus], int)
        self.relu_h = np.array([r[3] for r in self.relus], int)
        self.relu_width = np.array([r[6] - r[5] for r in self.relus], float)
        self.relu_r1 = np.array([r[4] for r in self.relus], int)
        self.relu_r2 = self.relu_r1 + 1  # the triangle row follows h - z >= 0
        self.ind_z = np.array([zc for _, zc, _, _ in self.inds], int)
        self.ind_r = np.array([r for _, _, _, r in self.inds], int)
        offsets = np.cumsum([0] + [v.size for v in self.lower])
        self.relu_flat = np.array([offsets[r[0]] + r[1] for r in self.relus], int)
        self.ind_flat = np.array([offsets[self.L] + i for i, _, _, _ in self.inds], int)
        self.cur_s, _ = triangle(*self._flat_bounds(None, self.relu_flat))
        self.cur_M = indicator_m(self._flat_bounds(None, self.ind_flat)[0], self.tau)
        W0 = self.layers[0].W
        self.influence = np.abs(W0).sum(axis=0)
        self.root_box = (self.xl, self.xu, [v.copy() for v in self.lower], [v.copy() for v in self.upper], 0)

    # -- the tree ---------------------------------------------------------------------------
    def _flat_bounds(self, box, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) of the units at flat indices ``idx`` under the node's box (None: the root)."""
        lo, up = (self.lower, self.upper) if box is None else (box[2], box[3])
        return np.concatenate(lo)[idx], np.concatenate(up)[idx]

    def _node_bounds(self, fix: np.ndarray, box):
        """Column and row bounds of the node where ``fix`` (-1 free, 0 off, 1 on) holds, over its input
        box (None: the root's); the triangle and indicator coefficients are set for the box's bounds."""
        vl, vu, rl, ru = self.vl0.copy(), self.vu0.copy(), self.rl0.copy(), self.ru0.copy()
        if box is not None:
            n = self.xl.size
            vl[:n], vu[:n] = box[0], box[1]
            flat_lo, flat_up = np.concatenate(box[2]), np.concatenate(box[3])
            rlo, rup = flat_lo[self.relu_flat], flat_up[self.relu_flat]
            zc, hc = self.relu_z, self.relu_h
            vl[zc], vu[zc] = np.maximum(vl[zc], rlo), np.minimum(vu[zc], rup)
            vu[hc] = np.minimum(vu[hc], np.maximum(rup, 0.0))
            ilo, iup = flat_lo[self.ind_flat], flat_up[self.ind_flat]
            vl[self.ind_z], vu[self.ind_z] = np.maximum(vl[self.ind_z], ilo), np.minimum(vu[self.ind_z], iup)
            rl[self.ind_r] = ilo
        else:
            rlo, rup = self._flat_bounds(None, self.relu_flat)
            ilo = self._flat_bounds(None, self.ind_flat)[0]
        slope, offset = triangle(rlo, rup)
        ru[self.relu_r2] = offset
        self._set_coefficients(slope, indicator_m(ilo, self.tau))
        for k in np.flatnonzero(fix >= 0):
            on = fix[k] == 1
            if k < self.n_relu:
                zc, hc, r1 = self.relu_z[k], self.relu_h[k], self.relu_r1[k]
                if on:
                    vl[zc] = max(vl[zc], 0.0)
                    ru[r1] = 0.0
                else:
                    vu[zc] = min(vu[zc], 0.0)
                    vu[hc] = 0.0
            else:
                _, zc, a, _ = self.inds[k - self.n_relu]
                if on:
                    vl[a] = 1.0
                else:
                    vu[a] = 0.0
                    vu[zc] = min(vu[zc], self.tau)
        if (vl > vu).any():
            return None  # a fixed phase against the box's proved bounds: no point of the node
        return vl, vu, rl, ru

    def _set_coefficients(self, slope: np.ndarray, M: np.ndarray) -> None:
        """Write changed triangle slopes and indicator M's into HiGHS and into the float copy G."""
        h, G = self.m.h, self.G
        for k in np.flatnonzero(slope != self.cur_s):
            r, c = int(self.relu_r2[k]), int(self.relu_z[k])
            h.changeCoeff(r, c, -float(slope[k]))
            G[r, c] = -slope[k]
        for k in np.flatnonzero(M != self.cur_M):
            r, c = int(self.ind_r[k]), int(self.ind_cols[k])
            h.changeCoeff(r, c, -float(M[k]))
            G[r, c] = -M[k]
        self.cur_s, self.cur_M = slope, M

    def _load(self, vl, vu, rl, ru) -> None:
        h = self.m.h
        n, r = vl.size, rl.size
        h.changeColsBounds(n, np.arange(n, dtype=np.int32), vl, vu)
        h.changeRowsBounds(r, np.arange(r, dtype=np.int32), np.where(np.isfinite(rl), rl, -INF),
                           np.where(np.isfinite(ru), ru, INF))
        self._time_limit(None)

    def _solve(self, vl, vu, rl, ru, safe: SafeBound, G: np.ndarray):
        """(safe bound, solution) | "pruned" (safe Farkas ray) | "open" (timeout) | None (no bound)."""
        h = self.m.h
        h.run()
        status = h.getModelStatus()
        if status == TIME_LIMIT:
            return "open"
        if status == INFEASIBLE:
            _, has_ray, ray = h.getDualRay()
            if has_ray and signed_bound(self.zero, G, rl, ru, vl, vu, np.asarray(ray)) < 0:
                return "pruned"
            return None
        if status != OPTIMAL:
            return None
        sol = h.getSolution()
        return signed_bound(safe, G, rl, ru, vl, vu, np.asarray(sol.row_dual)), np.asarray(sol.col_value)
