"""Proven pairwise conflicts between units and the clique rows they give.

Two units conflict when no point of the box makes both active. Conflicts are proved with
multiplier certificates checked under a rigorous rounding-error bound; cliques of the
conflict graph give valid rows sum_{i in Q} a_i <= 1 for the LP relaxation.
"""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from .relaxation import FloatRows


CONFLICT_WORK = 4 * 10**7  # pairs * breakpoints * coordinates up to which pairwise conflicts are searched


def pair_conflicts(rel: FloatRows) -> np.ndarray:
    """Proven pairwise conflicts: C[i, j] when no point of the box makes rows i and j both active.

    Rows i and j are both active only if A_i v >= act_lo_i and A_j v >= act_lo_j. For any
    multipliers lam, mu >= 0 the combination (lam A_i + mu A_j) v >= lam act_lo_i + mu act_lo_j
    follows; when its left side cannot reach the right side anywhere in the box, the pair
    conflicts. The best lam lies at a breakpoint of the convex function of lam in [0, 1], so
    every breakpoint is tried in float, and each conflict is then checked with a rigorous
    rounding-error bound. Empty (no conflicts claimed) when the search would cost more than
    ``CONFLICT_WORK``.
    """
    A, t = rel.A, rel.act_lo
    s, m = A.shape
    C = np.zeros((s, s), bool)
    if s < 2 or (s * (s - 1) // 2) * (m + 2) * m > CONFLICT_WORK:
        return C
    lo, hi = rel.lo, rel.hi
    vmax = np.maximum(np.abs(lo), np.abs(hi))
    # screen: a pair is certainly compatible when a vertex maximising one row or their sum serves both
    corners = [np.where(A > 0, hi, lo)]
    own = np.einsum("ij,ij->i", A, corners[0])
    for i in range(s - 1):
        B, tj = A[i + 1:], t[i + 1:]
        both = np.zeros(len(B), bool)
        for V in (np.broadcast_to(corners[0][i], B.shape), corners[0][i + 1:], np.where(A[i] + B > 0, hi, lo)):
            both |= (V @ A[i] >= t[i] + 1e-9 * abs(t[i])) & (np.einsum("ij,ij->i", B, V) >= tj + 1e-9 * np.abs(tj))
        keep = np.flatnonzero(~both & (own[i + 1:] >= tj) & (own[i] >= t[i]))
        if keep.size == 0:
            continue
        a, B, tj = A[i], B[keep], tj[keep]
        d = B - a
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where(d != 0, B / d, 0.0)  # lam a_k + (1 - lam) b_k = 0
        lam = np.where((lam > 0) & (lam < 1), lam, 0.0)
        lam = np.concatenate((np.zeros((len(B), 1)), np.ones((len(B), 1)), lam), axis=1)  # (k, m + 2)
        mu = 1.0 - lam
        g = lam[:, :, None] * a + mu[:, :, None] * B[:, None, :]
        val = np.maximum(g * lo, g * hi).sum(axis=2) - lam * t[i] - mu * tj[:, None]
        best = np.argmin(val, axis=1)
        rows = np.arange(len(B))
        lb, mb = lam[rows, best], mu[rows, best]
        # rigorous check of the chosen multipliers: sum_k max(g_k v_k) < lam t_i + mu t_j
        gb = lb[:, None] * a + mb[:, None] * B
        terms = np.maximum(gb * lo, gb * hi)
        left = terms.sum(axis=1)
        right = lb * t[i] + mb * tj
        err = (4 * UNIT_ROUNDOFF * ((np.abs(lb[:, None] * a) + np.abs(mb[:, None] * B)) * vmax).sum(axis=1)
               + 2 * (m + 4) * UNIT_ROUNDOFF * np.abs(terms).sum(axis=1)
               + 4 * UNIT_ROUNDOFF * (np.abs(lb * t[i]) + np.abs(mb * tj)) + (m + 4) * UNDERFLOW_SLACK
               + 2.0**-1072 * vmax.sum())  # products lam * a_k that underflow: 2^-1075 each, times |x_k|
        ok = np.isfinite(left) & np.isfinite(right) & np.isfinite(err) & (left + err < right)
        ok &= ~((lb == 0) & (mb == 0))
        C[i, i + 1 + keep[ok]] = True
    return C | C.T


def greedy_cliques(C: np.ndarray) -> list[tuple[int, ...]]:
    """Maximal cliques of the conflict graph grown greedily from every vertex (distinct, size >= 2)."""
    deg = C.sum(axis=1)
    order = np.argsort(-deg, kind="stable")
    out: set[tuple[int, ...]] = set()
    for i in np.flatnonzero(deg):
        members = [int(i)]
        common = C[i].copy()
        for j in order:
            if common[j]:
                members.append(int(j))
                common &= C[j]
        out.add(tuple(sorted(members)))
    return sorted(out)


def neighbour_masks(C: np.ndarray) -> list[int]:
    """Row i of the conflict matrix as the bits of one Python int (fast set intersections)."""
    return [sum(1 << int(j) for j in np.flatnonzero(row)) for row in C]


def violated_cliques(nb: list[int], a: np.ndarray, known: set, limit: int = 16) -> list[tuple[int, ...]]:
    """Cliques of the conflict graph (``nb`` from :func:`neighbour_masks`) whose indicator sum
    exceeds 1 at the LP point ``a``: grown greedily by decreasing a from each of the largest
    entries, each made maximal. New ones only."""
    order = [int(i) for i in np.argsort(-a, kind="stable")]
    out: list[tuple[int, ...]] = []
    for i in order[:limit]:
        if not a[i] > 1e-6:
            break
        common = nb[i]
        if not common:
            continue
        members = [i]
        for j in order:  # by decreasing a: the violated part first, then the rest to make it maximal
            if (common >> j) & 1:
                members.append(j)
                common &= nb[j]
                if not common:
                    break
        q = tuple(sorted(members))
        if q not in known and a[list(q)].sum() > 1.0 + 1e-6:
            known.add(q)
            out.append(q)
    return out
