"""An exact simplex in Fractions, and an activation-pattern oracle for deep max-active.

Shares no code with verify/: the oracle enumerates sign patterns of every hidden unit up
to the target layer (open cells: z > 0 or z < 0), keeps only cells whose interior meets
the box (exact LP: maximise t with every constraint >= t; open cell nonempty iff t* > 0),
and in each cell finds the largest set of target units with z > tau (again exact LPs).
Open cells suffice: {x : z_i(x) > tau, i in S} is relatively open in the box, so when it
is nonempty it meets the interior of some cell.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np


def simplex_max(c: list[Fraction], A: list[list[Fraction]], b: list[Fraction]):
    """max c.v s.t. A v <= b, v >= 0 (CLRS two-phase, Bland's rule). Returns (value, v) or None if infeasible.

    Assumes the LP is bounded (callers bound every variable).
    """
    m, n = len(A), len(c)
    # tableau rows: basic var = b_i - sum A_ij v_j ; variables 0..n-1 original, n..n+m-1 slacks, n+m artificial
    N = list(range(n)) + [n + m]
    B = list(range(n, n + m))
    # dictionary form: for row i: x_B[i] = bb[i] - sum_j AA[i][j] * x_N[j]
    AA = [row[:] + [Fraction(-1)] for row in A]
    bb = b[:]
    art = n + m

    def pivot(r: int, e: int, obj: list[Fraction], obj_c: Fraction):
        # entering N[e], leaving B[r]
        piv = AA[r][e]
        newrow = [v / piv for v in AA[r]]
        newrow[e] = 1 / piv
        nb = bb[r] / piv
        for i in range(m):
            if i == r or AA[i][e] == 0:
                continue
            f = AA[i][e]
            AA[i] = [AA[i][j] - f * newrow[j] for j in range(len(N))]
            AA[i][e] = -f * newrow[e]
            bb[i] = bb[i] - f * nb
        f = obj[e]
        obj_new = [obj[j] - f * newrow[j] for j in range(len(N))]
        obj_new[e] = -f * newrow[e]
        obj_c = obj_c + f * nb
        AA[r], bb[r] = newrow, nb
        B[r], N[e] = N[e], B[r]
        return obj_new, obj_c

    def optimise(obj: list[Fraction], obj_c: Fraction):
        while True:
            cands = [j for j in range(len(N)) if obj[j] > 0]
            if not cands:
                return obj, obj_c
            e = min(cands, key=lambda j: N[j])
            rows = [i for i in range(m) if AA[i][e] > 0]
            if not rows:
                raise ValueError("unbounded LP")
            best = min(bb[i] / AA[i][e] for i in rows)
            r = min((i for i in rows if bb[i] / AA[i][e] == best), key=lambda i: B[i])
            obj, obj_c = pivot(r, e, obj, obj_c)

    # phase 1: maximise -artificial
    obj = [Fraction(0)] * len(N)
    obj[N.index(art)] = Fraction(-1)
    obj_c = Fraction(0)
    if m and min(bb) < 0:
        r = min(range(m), key=lambda i: bb[i])
        obj, obj_c = pivot(r, N.index(art), obj, obj_c)
    obj, obj_c = optimise(obj, obj_c)
    if obj_c != 0:
        return None
    if art in B:  # degenerate: pivot it out
        r = B.index(art)
        e = next(j for j in range(len(N)) if AA[r][j] != 0)
        obj, obj_c = pivot(r, e, obj, obj_c)
    e = N.index(art)
    for i in range(m):
        AA[i][e] = Fraction(0)
    # phase 2 objective in terms of the current non-basics
    obj = [Fraction(0)] * len(N)
    obj_c = Fraction(0)
    for j, var in enumerate(N):
        if var < n:
            obj[j] += c[var]
    for i, var in enumerate(B):
        if var < n and c[var] != 0:
            obj_c += c[var] * bb[i]
            for j in range(len(N)):
                obj[j] -= c[var] * AA[i][j]
    obj[e] = Fraction(0)
    obj, obj_c = optimise(obj, obj_c)
    v = [Fraction(0)] * n
    for i, var in enumerate(B):
        if var < n:
            v[var] = bb[i]
    return obj_c, v


def open_feasible(cons: Sequence[tuple[list[Fraction], Fraction]], lo: list[Fraction], hi: list[Fraction]):
    """A point strictly inside the box with a.x + c > 0 for every (a, c), or None."""
    n = len(lo)
    A, b = [], []
    # variables y_0..y_{n-1} (x = lo + y), t
    for a, c in cons:
        const = c + sum(aj * l for aj, l in zip(a, lo))
        A.append([-aj for aj in a] + [Fraction(1)])  # -a.y + t <= a.lo + c
        b.append(const)
    for j in range(n):
        row = [Fraction(0)] * (n + 1)
        row[j], row[n] = Fraction(-1), Fraction(1)
        A.append(row)
        b.append(Fraction(0))  # t <= y_j
        row = [Fraction(0)] * (n + 1)
        row[j], row[n] = Fraction(1), Fraction(1)
        A.append(row)
        b.append(hi[j] - lo[j])  # y_j + t <= w_j
    row = [Fraction(0)] * n + [Fraction(1)]
    A.append(row)
    b.append(Fraction(1))
    res = simplex_max([Fraction(0)] * n + [Fraction(1)], A, b)
    if res is None or res[0] <= 0:
        return None
    return [l + y for l, y in zip(lo, res[1][:n])]


def _val(a, c, p) -> Fraction:
    return c + sum(x * y for x, y in zip(a, p))


def oracle_max_active(layers, L: int, lo: Sequence[float], hi: Sequence[float], tau: float = 0.0) -> int:
    """Exact max number of units of hidden layer L with z > tau over the box; ``layers`` are (W, b, slope)."""
    lo_q = [Fraction(float(v)) for v in lo]
    hi_q = [Fraction(float(v)) for v in hi]
    n = len(lo_q)
    t = Fraction(float(tau))
    Wq = [[[Fraction(float(v)) for v in row] for row in np.asarray(W)] for W, _, _ in layers]
    bq = [[Fraction(float(v)) for v in b] for _, b, _ in layers]
    slopes = [Fraction(float(a)) for _, _, a in layers]
    best = [-1]
    ident = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]

    def affine(k, M, m):  # z_k as affine maps of x: rows (a, c)
        out = []
        for i in range(len(Wq[k])):
            a = [sum(Wq[k][i][r] * M[r][j] for r in range(len(M))) for j in range(n)]
            c = bq[k][i] + sum(Wq[k][i][r] * m[r] for r in range(len(M)))
            out.append((a, c))
        return out

    def target(rows, i, cons, point, count):
        if count + (len(rows) - i) <= best[0]:
            return
        if i == len(rows):
            best[0] = max(best[0], count)
            return
        a, c = rows[i]
        on = (a, c - t)
        p = point if _val(on[0], on[1], point) > 0 else open_feasible(cons + [on], lo_q, hi_q)
        if p is not None:
            target(rows, i + 1, cons + [on], p, count + 1)
        target(rows, i + 1, cons, point, count)

    def hidden(k, rows, i, signs, M, m, cons, point):
        if k == L:
            target(affine(L, M, m), 0, cons, point, 0)
            return
        if i == len(rows):
            # h = slope-adjusted z, as affine maps of x
            newM = [[v * (1 if s else slopes[k]) for v in rows[r][0]] for r, s in enumerate(signs)]
            newm = [rows[r][1] * (1 if s else slopes[k]) for r, s in enumerate(signs)]
            nxt = affine(k + 1, newM, newm) if k + 1 <= L else None
            hidden(k + 1, nxt, 0, [], newM, newm, cons, point)
            return
        a, c = rows[i]
        for sign in (True, False):
            con = (a, c) if sign else ([-v for v in a], -c)
            p = point if _val(con[0], con[1], point) > 0 else open_feasible(cons + [con], lo_q, hi_q)
            if p is not None:
                hidden(k, rows, i + 1, signs + [sign], M, m, cons + [con], p)

    center = [(a + b) / 2 for a, b in zip(lo_q, hi_q)]
    hidden(0, affine(0, ident, [Fraction(0)] * n), 0, [], ident, [Fraction(0)] * n, [], center)
    return best[0]
