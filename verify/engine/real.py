"""Real domains (boxes, L-inf balls, polytopes): one group over x, and a witness that
survives rounding.

Unit i is active iff sum_j C_ij x_j > T_i with integers (the block's float64 weights are
dyadic rationals). The start point lies in the domain exactly; the final rational point is
moved, when rounding to float64 would lose a claimed unit, to a point of larger common
slack (first cheaply along rays, then by Z3's exact optimum).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sparsecert.sparse_models.errors import SoundnessError
from sparsecert.sparse_models.exact import nearest_float

from ..backends.z3_encoding import feasible_point, max_slack
from ..goal import Goal
from ..integer_form import IntegerRows, active_at_rational, count_active_at_float, real_rows
from ..results import Witness
from ..solvers.base import Group, RealBounds
from ..solvers.heuristics import box_search
from ..solvers.smt import group_query
from ..witness import witness_at, witness_from_rational
from .core import Bracket

SMALL_UNDECIDED = 32  # with HiGHS, up to this many undecided units get a short sample only (the LP does the rest)
RECENTER_Z3_S = 10.0  # at most this long for Z3's recentring optimum
RAY_STEPS = (1e-9, 1e-6, 1e-3, 0.05, 0.25, 0.5)


def domain_bounds(domain) -> RealBounds:
    """The box parts of a real domain and its polytope rows in exact integers."""
    lo_e, hi_e = domain.exact_bounds()
    lo_o, hi_o = domain.outer_bounds()
    inner = domain.inner_bounds()
    A, c = domain.constraint_rows()
    if len(A):
        rows = real_rows(np.asarray(A, float), -np.asarray(c, float), range(len(A)), 0.0)  # A x - c > 0 <=> C x > T
        Ai, ci = rows.C, rows.T  # A x <= c  <=>  C x <= T
    else:
        Ai, ci = (), ()
    return RealBounds(tuple(lo_e), tuple(hi_e), np.asarray(lo_o, float), np.asarray(hi_o, float),
                      None if inner is None else np.asarray(inner[0], float),
                      None if inner is None else np.asarray(inner[1], float), Ai, ci)


def solve(eng, goal: Goal) -> tuple[Bracket, str]:
    from ..backends.highs import HAVE_HIGHS

    d, U, block = eng.domain, eng.undecided, eng.block
    bounds = domain_bounds(d)
    x0, point0 = _start(d, bounds, block.n)
    if U.size == 0:
        on_units = list(eng.ctx.always_on)
        w = witness_from_rational(block, d, point0, eng.tau, on_units, exact_units=on_units)
        return Bracket(w.count, w.count, w), "presolve"
    eng.warm()
    if bounds.inner_lower is not None:  # a sample and local search (small instances: the LP search does the rest)
        small = HAVE_HIGHS and eng.method in ("auto", "bnb") and U.size <= SMALL_UNDECIDED
        lo_f, hi_f = bounds.inner_lower, bounds.inner_upper
        x0 = box_search(block.W1[U], block.b1[U], lo_f, hi_f, eng.tau, seed=eng.ctx.seed,
                        budget_s=0.0 if small else None if eng.budget.deterministic else
                        eng.budget.seconds(0.1, 0.3 if U.size > (SMALL_UNDECIDED if HAVE_HIGHS else 8) else 0.005),
                        samples=256 if small else 2048, extra=x0[None, :], stop_at=int(U.size))
        point0 = [Fraction(float(v)) for v in x0]
    rows = real_rows(block.W1, block.b1, U, eng.tau)
    # the start point lies in the domain exactly; counted in integers when it is a float point
    floats0 = all(Fraction(float(x)) == q for x, q in zip(x0, point0))
    lower0 = count_active_at_float(rows, x0) if floats0 else sum(active_at_rational(rows, point0))
    group = Group(eng.ctx, rows, np.arange(block.n), lower0, len(rows), dict(enumerate(point0)), cube=False,
                  bounds=bounds, others=(eng.on, eng.on))
    (group,) = eng.solve_groups([group], goal)
    return Bracket(*_witness(eng, group)), eng.method_name("presolve+search")


def _witness(eng, g: Group) -> tuple[int, int, Witness]:
    block, d = eng.block, eng.domain
    point = [g.point[j] for j in range(block.n)]
    undecided_on = [u for u, on in zip(g.rows.units, active_at_rational(g.rows, point)) if on]
    # exact active set at the rational point: presolve's always-on units plus the undecided rows
    # active there (decided in integers); every other unit is proved off on the whole domain
    claimed = sorted(set(int(u) for u in undecided_on) | set(eng.ctx.always_on))
    w = witness_from_rational(block, d, point, eng.tau, claimed, exact_units=claimed)
    if w.exact_x is not None and not eng.interrupted:
        w = _recenter(eng, g, w, undecided_on, claimed) or w
    if w.count < eng.on + g.lower and not eng.interrupted:
        raise SoundnessError(f"real-domain witness has {w.count} active units, fewer than {eng.on + g.lower} claimed")
    return w.count, max(eng.on + g.upper, w.count), w


def _start(d, bounds: RealBounds, n: int) -> tuple[np.ndarray, list[Fraction]]:
    """A point of the domain to start from: floats for the searches, and its exact form
    (the first lower bound is counted there, so it must lie in the domain exactly)."""
    if d.kind == "polytope":
        try:
            x0 = d.interior_point()  # Chebyshev centre (scipy); only a starting point
        except Exception:  # noqa: BLE001 - any failure only means "find an exact point instead"
            x0 = None
        if x0 is None or not np.isfinite(x0).all() or not d.contains(x0):
            # no float interior point (thin, unbounded or huge polytopes): an exact point of it
            exact = feasible_point(bounds.A, bounds.c, n, None)
            floats = np.array([nearest_float(v) for v in exact])
            if np.isfinite(floats).all() and d.contains(floats):
                return floats, [Fraction(float(v)) for v in floats]
            return np.nan_to_num(floats), list(exact)
    elif d.kind == "ball":
        x0 = np.clip(d.center, bounds.inner_lower, bounds.inner_upper)
    else:  # the box's centre, halved first (no overflow), clipped (no underflow past a bound)
        lo_f, hi_f = bounds.inner_lower, bounds.inner_upper
        x0 = np.clip(lo_f / 2 + hi_f / 2, lo_f, hi_f)
    return x0, [Fraction(float(v)) for v in x0]


def _recenter(eng, g: Group, w: Witness, undecided_on, claimed) -> Witness | None:
    """Move the rational witness to the point of largest worst-case slack, so it survives rounding."""
    # always-on units are active at every point of the domain: only the undecided ones need slack
    rows = real_rows(eng.block.W1, eng.block.b1, sorted(set(int(u) for u in undecided_on)), eng.tau)
    if not len(rows):
        return None  # only always-on units: active at every point already
    quick = _recenter_by_rays(eng, g, w, rows, claimed)
    if quick is not None:
        return quick
    query = group_query(g)
    eng.record.calls += 1
    out = max_slack(rows.C, rows.T, query.lower, query.upper, query.A, query.c,
                    eng.budget.share(1.0, RECENTER_Z3_S).deadline)
    if out is None:
        return None
    point = out[1]
    # the exact active set at the new point (more undecided units may fire there than at the old)
    fired = [int(u) for u, on in zip(query.rows.units, active_at_rational(query.rows, point)) if on]
    units = sorted(set(fired) | set(eng.ctx.always_on))
    w2 = witness_from_rational(eng.block, eng.domain, point, eng.tau, units, exact_units=units)
    return w2 if w2.count >= w.count else None


def _recenter_by_rays(eng, g: Group, w: Witness, rows: IntegerRows, claimed) -> Witness | None:
    """Cheap first try: float points on the segment from the rational point towards the box
    vertex that favours every claimed row; each candidate is re-checked exactly."""
    b = g.bounds
    if b.A or b.inner_lower is None:
        return None
    lo, hi = b.inner_lower, b.inner_upper
    dirn = np.zeros(eng.block.n)
    for r in range(len(rows)):
        wr = eng.block.W1[rows.units[r]]
        dirn += wr / max(np.abs(wr).sum(), 1e-300)
    vertex = np.where(dirn > 0, hi, lo)
    p = np.array([float(v) for v in w.exact_x])
    for alpha in RAY_STEPS:
        x = np.clip(p + alpha * (vertex - p), lo, hi)
        if not eng.domain.contains(x):
            continue
        cand = witness_at(eng.block, x, eng.tau)
        if cand.count >= len(claimed):
            return cand
    return None
