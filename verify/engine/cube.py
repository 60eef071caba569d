"""Hypercubes {lo, hi}^n: the 0/1 integer form, independent groups, and the cube witness.

In the 0/1 form (x_j = lo + (hi - lo) y_j) unit i is active iff sum_j C_ij y_j > T_i with
integers, exactly. Units sharing no coordinate form independent groups whose maxima add
up; implied literals and a clique cover bound each group from above before any solver.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sparsecert.sparse_models.errors import SoundnessError

from ..exclusions import analyse_cube, independent_groups, row_coords, subrows
from ..goal import Goal
from ..integer_form import IntegerRows, cube_rows
from ..solvers.base import Group
from ..solvers import cube_bnb
from ..solvers.heuristics import cube_search
from ..witness import witness_at
from .core import Bracket

NO_ROWS = IntegerRows((), (), ())
SEARCH_SHARE = 0.1  # of the time left, for the first primal search ...
SEARCH_CAP_S, SHORT_SEARCH_CAP_S = 0.3, 0.005  # ... at most this long (short: the compiled B&B finds points itself)


def solve(eng, goal: Goal) -> tuple[Bracket, str]:
    d = eng.domain
    U = eng.undecided
    if U.size == 0:
        return Bracket(eng.on, eng.on, witness_at(eng.block, np.full(eng.block.n, d.lo), eng.tau)), "presolve"
    whole = Group(eng.ctx, NO_ROWS, np.arange(d.n), 0, int(U.size), units=U, others=(eng.on, eng.on))
    out = eng.run_whole(whole, goal)
    if out is not None:
        y = np.zeros(d.n, np.int64)
        for j, v in out.point.items():
            y[j] = int(v)
        w = witness_at(eng.block, np.where(y == 1, d.hi, d.lo).astype(np.float64), eng.tau)
        return Bracket(w.count, w.count, w), eng.method_name("enumeration")
    eng.warm()
    groups, y0 = _groups(eng)
    groups = eng.solve_groups(groups, goal)
    lower, upper = eng.totals(groups)
    y = y0.copy()
    for g in groups:
        for j, v in g.point.items():
            y[j] = int(v)
    w = witness_at(eng.block, np.where(y == 1, d.hi, d.lo).astype(np.float64), eng.tau)
    if w.count < lower and not eng.interrupted:  # (an interrupt may fall between a group's
        # lower bound and its point: then the witness's exact count is the proved lower bound)
        raise SoundnessError(f"assembled cube witness has {w.count} active units, fewer than the {lower} claimed")
    return Bracket(w.count, max(upper, w.count), w), eng.method_name("presolve+search")


def _groups(eng) -> tuple[list[Group], np.ndarray]:
    """The independent groups with their clique-cover bounds, each started from the point of
    a short primal search (counted exactly); and that point's 0/1 form."""
    d, U, block = eng.domain, eng.undecided, eng.block
    rows = cube_rows(block.W1, block.b1, U, d.lo, d.hi, eng.tau)
    member_lists = independent_groups(rows)
    structures = [analyse_cube(subrows(rows, members)) for members in member_lists]
    upper = eng.on + sum(min(len(m), st.clique_bound) for m, st in zip(member_lists, structures))
    # the search stops as soon as it reaches the cheap upper bound (then nothing else is needed);
    # the compiled branch and bound finds good points itself on cubes it can take: a short search there
    short = cube_bnb.HAVE_NUMBA and eng.method == "auto" and d.n < cube_bnb.LP_BNB_MIN_COORDS
    budget = None if eng.budget.deterministic else eng.budget.seconds(
        SEARCH_SHARE, SHORT_SEARCH_CAP_S if short else SEARCH_CAP_S)
    x0 = cube_search(block.W1[U], block.b1[U], d.lo, d.hi, eng.tau, seed=eng.ctx.seed, budget_s=budget,
                     target=upper - eng.on)
    y0 = (x0 == d.hi).astype(np.int64)
    y0_int = [int(v) for v in y0]
    groups = []
    for members, st in zip(member_lists, structures):
        sub = subrows(rows, members)
        coords = row_coords(sub, list(range(len(sub))))
        groups.append(Group(eng.ctx, sub, coords, sum(sub.active(r, y0_int) for r in range(len(sub))),
                            min(len(sub), st.clique_bound), {int(j): Fraction(int(y0[j])) for j in coords},
                            cube=True, structure=st, single=len(member_lists) == 1))
    return groups, y0
