"""Node propagation for the LP branch and bound: rows of units fixed on or off shrink the
box, the box fixes more units. All bounds are rounded outward, so no exact point of a node
is lost."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from .relaxation import FloatRows, _box_range


def _tighten(G: np.ndarray, g: np.ndarray, Hg: np.ndarray, xl: np.ndarray, xu: np.ndarray):
    """Bounds implied by the rows G x >= g on the box [xl, xu], rounded outward (new xl, new xu).
    ``Hg`` are rigorous upper bounds of max_{x in box} G_i x.

    For a row with G_ij > 0: G_ij x_j >= g_i - max_{x in box} sum_{k != j} G_ik x_k, and the
    other way round for G_ij < 0. Every float step carries an error allowance, so the new
    box still holds every point of the old one that satisfies the rows exactly.
    """
    top = np.maximum(G * xu, G * xl)  # each row's largest term per coordinate
    rest = Hg[:, None] - top
    rest = rest + 4 * UNIT_ROUNDOFF * (np.abs(Hg)[:, None] + np.abs(top)) + UNDERFLOW_SLACK
    num = g[:, None] - rest
    num = num - 2 * UNIT_ROUNDOFF * (np.abs(g)[:, None] + np.abs(rest)) - UNDERFLOW_SLACK  # a lower bound of g_i - rest
    q = num / np.where(G != 0, G, 1.0)
    pad = 4 * UNIT_ROUNDOFF * np.abs(q) + 2.0**-1060
    new_lo = np.where(G > 0, q - pad, -np.inf)
    new_hi = np.where(G < 0, q + pad, np.inf)
    new_lo = np.where(np.isnan(new_lo), -np.inf, new_lo).max(axis=0, initial=-np.inf)
    new_hi = np.where(np.isnan(new_hi), np.inf, new_hi).min(axis=0, initial=np.inf)
    return np.maximum(xl, new_lo), np.minimum(xu, new_hi)


def _propagate_loops(A, act_lo, inact_hi, xl, xu, al, au, rounds, integral, L, H):
    """The same propagation as :meth:`Propagator._numpy` in plain loops (compiled with numba):
    the same float steps and error allowances, rows taken in order. Updates xl, xu, al, au,
    L, H in place; False when the node holds no exact point."""
    s, m = A.shape
    nl = np.empty(m)
    nu = np.empty(m)
    for rnd in range(rounds + 1):
        for i in range(s):
            lo_s = 0.0
            hi_s = 0.0
            mag = 0.0
            for j in range(m):
                a = A[i, j]
                p = a * xl[j]
                q = a * xu[j]
                if p < q:
                    lo_s += p
                    hi_s += q
                else:
                    lo_s += q
                    hi_s += p
                mag += abs(a) * max(abs(xl[j]), abs(xu[j]))
            err = 2.0 * (m + 2) * UNIT_ROUNDOFF * mag + UNDERFLOW_SLACK
            L[i] = lo_s - err
            H[i] = hi_s + err
            if L[i] > inact_hi[i]:
                al[i] = 1.0
            if H[i] < act_lo[i]:
                au[i] = 0.0
            if al[i] > au[i]:
                return False
        if rnd == rounds:
            break
        for j in range(m):
            nl[j] = xl[j]
            nu[j] = xu[j]
        for i in range(s):
            if al[i] == 1.0:
                sg, g, Hg = 1.0, act_lo[i], H[i]
            elif au[i] == 0.0:
                sg, g, Hg = -1.0, -inact_hi[i], -L[i]
            else:
                continue
            for j in range(m):
                G = sg * A[i, j]
                if G == 0.0:
                    continue
                top = max(G * xu[j], G * xl[j])
                rest = Hg - top
                rest = rest + 4 * UNIT_ROUNDOFF * (abs(Hg) + abs(top)) + UNDERFLOW_SLACK
                num = g - rest
                num = num - 2 * UNIT_ROUNDOFF * (abs(g) + abs(rest)) - UNDERFLOW_SLACK
                qv = num / G
                pad = 4 * UNIT_ROUNDOFF * abs(qv) + 2.0**-1060
                if G > 0:
                    c = qv - pad
                    if c > nl[j]:
                        nl[j] = c
                else:
                    c = qv + pad
                    if c < nu[j]:
                        nu[j] = c
        moved = False
        for j in range(m):
            if integral:
                nl[j] = np.ceil(nl[j])
                nu[j] = np.floor(nu[j])
            if nl[j] > nu[j]:
                return False
            w = xu[j] - xl[j]
            if nl[j] > xl[j] + 1e-9 * w or nu[j] < xu[j] - 1e-9 * w:
                moved = True
        if not moved:
            break
        for j in range(m):
            xl[j] = nl[j]
            xu[j] = nu[j]
    return True


try:  # compiled when numba (the "fast" extra) is installed; else the numpy form runs
    import numba

    _propagate_nb = numba.njit(cache=True, nogil=True)(_propagate_loops)
except ImportError:  # pragma: no cover - exercised on machines without the extra
    _propagate_nb = None


class Propagator:
    """Node propagation: rows of units fixed on (A v >= act_lo) and off (A v <= inact_hi) shrink
    the box, and the box fixes more units, for a few rounds. Compiled loops when numba is
    installed (``compiled=None``), else numpy."""

    def __init__(self, rel: FloatRows, integral: bool, rounds: int = 3, compiled: bool | None = None) -> None:
        self.rel, self.integral, self.rounds = rel, integral, rounds
        self.A = np.ascontiguousarray(rel.A, dtype=np.float64)
        self.Ap, self.An, self.absA = np.maximum(rel.A, 0.0), np.minimum(rel.A, 0.0), np.abs(rel.A)
        self.compiled = (_propagate_nb is not None) if compiled is None else compiled
        if self.compiled and _propagate_nb is None:
            raise RuntimeError("compiled propagation needs numba (pip install 'sparsecert[fast]')")

    def __call__(self, xl, xu, al, au):
        """(xl, xu, al, au, L, H) with L, H rigorous bounds of A v on the new box; None when the node is empty."""
        if not self.compiled:
            return self._numpy(xl, xu, al, au)
        s = self.A.shape[0]
        xl, xu = np.array(xl, dtype=np.float64), np.array(xu, dtype=np.float64)
        al, au = np.array(al, dtype=np.float64), np.array(au, dtype=np.float64)
        L, H = np.empty(s), np.empty(s)
        rel = self.rel
        if not _propagate_nb(self.A, rel.act_lo, rel.inact_hi, xl, xu, al, au, self.rounds, self.integral, L, H):
            return None
        return xl, xu, al, au, L, H

    def _numpy(self, xl, xu, al, au):
        rel, A = self.rel, self.A
        L, H = _box_range(A, self.Ap, self.An, xl, xu)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for _ in range(self.rounds):
                al = np.where(L > rel.inact_hi, 1.0, al)
                au = np.where(H < rel.act_lo, 0.0, au)
                if (al > au).any():
                    return None
                # a row can move a bound only when its slack is below its largest term's reach
                reach = (self.absA * (xu - xl)).max(axis=1, initial=0.0)
                on = (al == 1) & (H - rel.act_lo < reach)
                off = (au == 0) & (rel.inact_hi - L < reach)
                if not (on.any() or off.any()):
                    break
                G = np.vstack((A[on], -A[off]))
                g = np.concatenate((rel.act_lo[on], -rel.inact_hi[off]))
                nl, nu = _tighten(G, g, np.concatenate((H[on], -L[off])), xl, xu)
                if self.integral:
                    nl, nu = np.ceil(nl), np.floor(nu)
                if (nl > nu).any():
                    return None
                width = xu - xl
                if not ((nl > xl + 1e-9 * width).any() or (nu < xu - 1e-9 * width).any()):
                    break
                xl, xu = nl, nu
                L, H = _box_range(A, self.Ap, self.An, xl, xu)
        return xl, xu, al, au, L, H


def propagate(rel: FloatRows, integral: bool, xl, xu, al, au, rounds: int = 3, compiled: bool | None = None):
    """One node's propagation (see :class:`Propagator`)."""
    return Propagator(rel, integral, rounds, compiled)(xl, xu, al, au)
