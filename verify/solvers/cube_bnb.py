"""Exact branch and bound over the coordinates of a cube (compiled with numba when installed).

Depth-first over the 0/1 coordinates in order of decreasing total weight. At a node the
bound is the number of units that can still be active somewhere in its subcube (current
partial sum plus the largest possible rest, plus a rigorous float margin); a node whose
bound does not beat the best exact count so far is pruned. Leaves are counted with the
same margins in both directions; a leaf where the two disagree is re-counted exactly in
integers. So the answer is exact, and every improvement comes with an exactly checked point.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from sparsecert.sparse_models.exact import UNDERFLOW_SLACK, UNIT_ROUNDOFF

from ..budget import COMPILED_NODES_PER_NODE
from ..progress import REPORT_EVERY_S
from ..integer_form import IntegerRows
from .lp.relaxation import scaled_row

try:  # numba is an optional extra ("fast"); without it this method is unavailable
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised on machines without the extra
    numba = None
    HAVE_NUMBA = False


def _kernel(C, T, err, rem, z, y, choice, first, state, besty, max_nodes):
    """Resumable DFS. state = [depth, best, nodes, status]; status 0 done, 1 budget, 2 ambiguous leaf in y.

    ``nodes`` counts expanded nodes exactly (a node met after the budget is not counted), so the
    total does not depend on how the search is split into calls."""
    s, m = C.shape
    d = state[0]
    best = state[1]
    nodes = 0
    while True:
        if d < 0:  # resumed after the last leaf
            break
        if d == m:
            poss = 0
            sure = 0
            for i in range(s):
                v = z[m, i] - T[i]
                if v + err[i] > 0:
                    poss += 1
                if v - err[i] > 0:
                    sure += 1
            d -= 1
            if poss > best:
                if poss == sure:
                    best = sure
                    besty[:] = y
                else:
                    state[0] = d
                    state[1] = best
                    state[2] += nodes
                    state[3] = 2
                    return
            if d < 0:
                break
            continue
        if choice[d] == 2:
            d -= 1
            if d < 0:
                break
            continue
        nodes += 1
        if nodes > max_nodes:  # this node is not expanded: resuming at d expands (and counts) it
            state[0] = d
            state[1] = best
            state[2] += nodes - 1
            state[3] = 1
            return
        if choice[d] == 0:
            c0 = 0
            c1 = 0
            for i in range(s):
                if z[d, i] + rem[i, d + 1] + err[i] > T[i]:
                    c0 += 1
                if z[d, i] + C[i, d] + rem[i, d + 1] + err[i] > T[i]:
                    c1 += 1
            first[d] = 1 if c1 >= c0 else 0
            val = first[d]
            choice[d] = 1
        else:
            val = 1 - first[d]
            choice[d] = 2
        cnt = 0
        for i in range(s):
            zi = z[d, i] + (C[i, d] if val == 1 else 0.0)
            z[d + 1, i] = zi
            if zi + rem[i, d + 1] + err[i] > T[i]:
                cnt += 1
        if cnt <= best:
            continue
        y[d] = val
        d += 1
        if d < m:
            choice[d] = 0
    state[0] = -1
    state[1] = best
    state[2] += nodes
    state[3] = 0


if HAVE_NUMBA:
    _kernel = numba.njit(cache=True, nogil=True)(_kernel)


CHUNK_NODES = 2_000_000  # nodes per compiled call between deadline checks
CHUNK_NODES_LIVE = 250_000  # ... with live progress on (a report after each chunk, a few per second)


class BnBOutcome(tuple):
    """``(best, point, complete, nodes)``, unpacked like a 4-tuple, with ``upper``: a proved upper
    bound on the group's maximum (``best`` when complete, else the largest bound of the open
    subtrees). ``best`` is an exact count attained at ``point`` (None when nothing beat the
    known count)."""

    upper: int

    def __new__(cls, best: int, point: dict[int, int] | None, complete: bool, nodes: int, upper: int):
        self = super().__new__(cls, (best, point, complete, nodes))
        self.upper = upper
        return self

    best = property(lambda self: self[0])
    point = property(lambda self: self[1])
    complete = property(lambda self: self[2])
    nodes = property(lambda self: self[3])


def _open_bound(C, T, err, rem, z, choice, first, d: int, best: int) -> int:
    """Largest bound among the subtrees a stopped search has not explored (at least ``best``).

    Stopped at depth d: the node there is open when choice[d] is 0 (not yet expanded); at d and
    above, every node on the path whose choice is 1 still has its second child open (choice 2:
    both children taken). A subtree whose first k coordinates are fixed (partial sums zk) holds at most the
    number of units with zk + rem[:, k] + err > T, the kernel's own pruning bound."""
    if d < 0:  # resumed after the last leaf: nothing open
        return best
    m = choice.size
    opens = []
    if d >= m or choice[d] == 0:  # the node at depth d itself (d = m: a cube of dimension 0)
        opens.append((z[d], d))
    for k in range(min(d + 1, m)):
        if choice[k] == 1:  # first child taken (or done), second pending
            opens.append((z[k] + C[:, k] * (1 - first[k]), k + 1))
    up = best
    for zk, k in opens:
        up = max(up, int(((zk + rem[:, k]) + err > T).sum()))
    return up


def branch_and_bound(rows: IntegerRows, coords: np.ndarray, best_known: int, deadline: float | None,
                     best_point: dict[int, int] | None = None, *, node_limit: int | None = None,
                     stop_above: int | None = None, report=None) -> BnBOutcome:
    """(best exact count, its 0/1 point over ``coords`` or None if nothing beat best_known, complete, nodes),
    with ``.upper`` a proved upper bound (see :class:`BnBOutcome`).

    The search stops incomplete at ``deadline`` (checked every ``CHUNK_NODES`` nodes) or after
    ``node_limit`` expanded nodes (a deterministic budget: with ``deadline`` None the outcome is
    reproducible), or, with ``stop_above``, once a point counts more than it. ``report(lower, upper,
    nodes)``, when given, receives the proved bracket between chunks (live progress; ``lower`` 0 until
    a point beats ``best_known``, which is only a floor)."""
    if node_limit is not None and (isinstance(node_limit, bool) or int(node_limit) != node_limit or node_limit < 0):
        raise ValueError(f"node_limit must be a non-negative integer or None, got {node_limit!r}")
    coords = np.asarray(coords, dtype=np.int64)
    s, m = len(rows), int(coords.size)
    Cint = [[row[j] for j in coords] for row in rows.C]
    shifts = [max(max((abs(c) for c in Cr), default=1), abs(t), 1).bit_length() for Cr, t in zip(Cint, rows.T)]
    C = np.array([scaled_row(Cr, k) for Cr, k in zip(Cint, shifts)]).reshape(s, m)
    T = np.array([scaled_row([t], k)[0] for t, k in zip(rows.T, shifts)])
    order = np.argsort(-np.abs(C).sum(axis=0), kind="stable")
    C = np.ascontiguousarray(C[:, order])
    Cint_o = [[Cr[j] for j in order] for Cr in Cint]
    rem = np.zeros((s, m + 1))
    rem[:, :m] = np.cumsum(np.maximum(C, 0)[:, ::-1], axis=1)[:, ::-1]
    err = 8 * (m + 4) * UNIT_ROUNDOFF * (np.abs(C).sum(axis=1) + np.abs(T)) + UNDERFLOW_SLACK
    z = np.zeros((m + 1, s))
    y = np.zeros(m, np.int8)
    choice = np.zeros(m, np.int8)
    first = np.zeros(m, np.int8)
    besty = np.zeros(m, np.int8)
    state = np.array([0, best_known, 0, 0], dtype=np.int64)

    def _stopped(best: int, found: bool, by) -> BnBOutcome:
        point = {int(coords[order[d]]): int(by[d]) for d in range(m)} if found else None
        upper = min(s, _open_bound(C, T, err, rem, z, choice, first, int(state[0]), best))
        return BnBOutcome(best, point, upper <= best, int(state[2]), max(best, upper))

    best, found, best_y = best_known, False, None
    per_call, next_report = CHUNK_NODES if report is None else CHUNK_NODES_LIVE, 0.0
    while True:
        chunk = per_call if node_limit is None else min(per_call, int(node_limit) - int(state[2]))
        if chunk <= 0:  # node limit reached
            return _stopped(best, found, best_y if found else None)
        _kernel(C, T, err, rem, z, y, choice, first, state, besty, chunk)
        if int(state[1]) > best:
            best, found = int(state[1]), True
            exact = sum(sum(c for c, v in zip(Cr, besty) if c and v) > t for Cr, t in zip(Cint_o, rows.T))
            if exact != best:  # the margins make this impossible; never report an unchecked count
                from sparsecert.sparse_models.errors import SoundnessError
                raise SoundnessError(f"branch and bound leaf counted {best}, exact count {exact}")
            best_y = besty.copy()
        if state[3] == 2:  # ambiguous leaf: decide it exactly
            exact = sum(sum(c for c, v in zip(Cr, y) if c and v) > t for Cr, t in zip(Cint_o, rows.T))
            if exact > best:
                best, found = exact, True
                best_y = y.copy()
                state[1] = best
            state[3] = 0
            continue
        if state[3] == 0:
            break
        if report is not None and time.monotonic() >= next_report:  # stopped between nodes: a proved bracket
            next_report = time.monotonic() + REPORT_EVERY_S
            report(best if found else 0, min(s, _open_bound(C, T, err, rem, z, choice, first, int(state[0]), best)),
                   int(state[2]))
        if (deadline is not None and time.monotonic() > deadline) or (stop_above is not None and best > stop_above):
            return _stopped(best, found, best_y if found else None)
    point = {int(coords[order[d]]): int(best_y[d]) for d in range(m)} if found else None
    return BnBOutcome(best, point, True, int(state[2]), best)


# -- the solver ------------------------------------------------------------------------------
LP_BNB_MIN_COORDS = 37  # from here on cube groups go to the LP branch and bound (see bench/frontier.py)


class CubeBranchAndBound:
    """The compiled depth-first branch and bound over a group's cube coordinates.

    Applies (numba installed) to groups below :data:`LP_BNB_MIN_COORDS` coordinates, or to
    every group when HiGHS is missing (then nothing else can take the large ones). A check
    ``max <= k?`` prunes every subcube that cannot beat ``max(lower, k)`` and stops at the
    first point above k."""

    name = "branch-and-bound"

    def available(self) -> bool:
        return HAVE_NUMBA

    def applies(self, group) -> bool:
        from ..backends.highs import HAVE_HIGHS

        return group.cube and (not HAVE_HIGHS or group.coords.size < LP_BNB_MIN_COORDS)

    def run(self, group, goal, budget):
        from .base import GroupOutcome

        part = group.part_goal(goal)
        floor = part.floor(group.lower)
        nodes = budget.nodes_left()
        prog = budget.progress  # live progress: the search's proved bracket between compiled chunks
        out = branch_and_bound(group.rows, group.coords, floor, budget.deadline,
                               node_limit=None if nodes is None else nodes * COMPILED_NODES_PER_NODE,
                               stop_above=part.exceed, report=None if prog is None else prog.report)
        budget.charge_compiled(out.nodes)
        if prog is not None:
            prog.searched(out.nodes)
        found = out.point is not None and out.best > floor
        lower = out.best if found else group.lower
        point = {j: Fraction(v) for j, v in out.point.items()} if found else None
        upper = (out.best if found else floor) if out.complete else max(out.upper, lower)
        return GroupOutcome(lower, point, upper, complete=upper == lower, calls=1)


CUBE_BNB = CubeBranchAndBound()
