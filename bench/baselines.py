"""Baseline methods measured in the same run as sparsecert (make bench).

Each returns (value, proved, seconds): ``value`` the count it reports, ``proved`` whether
the method itself claims optimality, or None when it did not answer in time.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock


def brute_numpy(block: MLPBlock, domain, timeout: float):
    """Plain float64 enumeration of the cube (no exact treatment of ties)."""
    if not isinstance(domain, Hypercube) or domain.n > 26:
        return None
    start = time.monotonic()
    best = 0
    for _, X in domain.chunks(1 << 15):
        best = max(best, int((X @ block.W1.T + block.b1 > 0).sum(axis=1).max()))
        if time.monotonic() - start > timeout:
            return None
    return best, True, time.monotonic() - start


def z3_naive(block: MLPBlock, domain, timeout: float):
    """Z3 Optimize on the direct encoding: maximise sum If(z_i > 0, 1, 0), exact rationals, no presolve."""
    import z3

    start = time.monotonic()
    opt = z3.Optimize()
    opt.set("timeout", max(1, int(timeout * 1000)))
    if isinstance(domain, Hypercube):
        xs = [z3.Int(f"x{j}") for j in range(block.n)]
        for x in xs:
            opt.add(z3.Or(x == int(domain.lo), x == int(domain.hi)))
    else:
        xs = [z3.Real(f"x{j}") for j in range(block.n)]
        for j, x in enumerate(xs):
            lo, hi = (z3.RealVal(str(Fraction(float(v[j])))) for v in (domain.lower, domain.upper))
            opt.add(x >= lo, x <= hi)
    terms = []
    for i in range(block.s):
        bias = z3.RealVal(str(Fraction(float(block.b1[i]))))
        z = z3.Sum([z3.RealVal(str(Fraction(float(w)))) * x for w, x in zip(block.W1[i], xs) if w] + [bias])
        terms.append(z3.If(z > 0, 1, 0))
    h = opt.maximize(z3.Sum(terms))
    res = opt.check()
    if res != z3.sat:
        return None
    val = opt.upper(h)
    if not z3.is_int_value(val) and not z3.is_rational_value(val):
        return None
    lower = opt.lower(h)
    proved = str(lower) == str(val)
    return (int(str(lower)), proved, time.monotonic() - start) if proved else None


def cpsat_outward(block: MLPBlock, domain, timeout: float, bits: int = 30):
    """OR-Tools CP-SAT on weights rounded outward to integers: its optimum is a proven upper bound."""
    if not isinstance(domain, Hypercube):
        return None
    from ortools.sat.python import cp_model

    from sparsecert.verify.integer_form import cube_rows

    start = time.monotonic()
    rows = cube_rows(block.W1, block.b1, range(block.s), domain.lo, domain.hi, 0.0)
    m = cp_model.CpModel()
    y = [m.NewBoolVar(f"y{j}") for j in range(block.n)]
    a = [m.NewBoolVar(f"a{i}") for i in range(block.s)]
    for ai, C, T in zip(a, rows.C, rows.T):
        shift = max(0, max(max((abs(c) for c in C), default=1), abs(T), 1).bit_length() - bits)
        cc = [-((-c) >> shift) for c in C]  # ceil
        m.Add(sum(c * y[j] for j, c in enumerate(cc) if c) >= (T >> shift) + 1).OnlyEnforceIf(ai)
    m.Maximize(sum(a))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.1, timeout)
    status = solver.Solve(m)
    if status != cp_model.OPTIMAL:
        return None
    return int(round(solver.ObjectiveValue())), True, time.monotonic() - start


EPS = 1e-6  # "active" in the big-M baselines: z_i >= EPS


def _big_m_block(block: MLPBlock, lo: np.ndarray, hi: np.ndarray, integral: bool, timeout: float):
    """The big-M MILP a practitioner writes for one block over [lo, hi]: columns x (integer on a
    cube) and a_i binary; z_i >= EPS - M_i (1 - a_i) with M_i = EPS - min z_i from interval
    bounds; maximise sum a_i (as minimise -sum a_i). Returns the HiGHS instance, not run."""
    import highspy

    from sparsecert.verify.backends.highs import new_highs

    W, b = block.W1, block.b1
    n, s = block.n, block.s
    zmin = np.maximum(W, 0) @ lo + np.minimum(W, 0) @ hi + b
    h = new_highs()
    h.setOptionValue("time_limit", float(max(0.1, timeout)))
    h.addVars(n, np.asarray(lo, float), np.asarray(hi, float))
    h.addVars(s, np.zeros(s), np.ones(s))
    h.changeColsCost(n + s, np.arange(n + s, dtype=np.int32), np.concatenate([np.zeros(n), -np.ones(s)]))
    kint, kcont = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
    types = [kint] * (n + s) if integral else [kcont] * n + [kint] * s
    h.changeColsIntegrality(n + s, np.arange(n + s, dtype=np.int32), np.array(types))
    for i in range(s):
        M = EPS - zmin[i]
        idx = np.concatenate([np.flatnonzero(W[i]), [n + i]]).astype(np.int32)
        vals = np.concatenate([W[i][W[i] != 0], [-M]])
        h.addRow(float(EPS - M - b[i]), highspy.kHighsInf, len(idx), idx, vals)
    return h


def highs_milp(block: MLPBlock, domain, timeout: float):
    """HiGHS MILP with big-M from interval bounds; tolerance-based, so its answer is not a proof."""
    import highspy

    start = time.monotonic()
    cube = isinstance(domain, Hypercube)
    lo, hi = (np.full(block.n, domain.lo), np.full(block.n, domain.hi)) if cube else domain.bounds()
    h = _big_m_block(block, lo, hi, cube, timeout)
    h.setOptionValue("threads", 1)
    n, s = block.n, block.s
    if cube and domain.lo == -1.0:
        # x_j in {-1, 1}: x_j = 2 t_j - 1 with t_j binary; emulate with an auxiliary binary per coordinate
        # (only cubes {-1,1}/{0,1} are used in the grid)
        for j in range(n):
            h.addVar(0.0, 1.0)
            h.changeColIntegrality(n + s + j, highspy.HighsVarType.kInteger)
            h.addRow(-1.0, -1.0, 2, np.array([j, n + s + j], dtype=np.int32), np.array([1.0, -2.0]))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return int(round(-h.getInfo().objective_function_value)), False, time.monotonic() - start


def highs_milp_bracket(block: MLPBlock, domain, timeout: float) -> dict:
    """The same MILP on a box or ball (x in the float box inside the domain), run to its time
    limit: its incumbent counted exactly at its point (``incumbent``), and its dual bound, float
    and tolerance-based (``dual_bound``), not a proof."""
    from sparsecert.verify.exact_eval import exact_active_mask

    start = time.monotonic()
    lo, hi = (np.asarray(v, float) for v in domain.inner_bounds())
    h = _big_m_block(block, lo, hi, False, timeout)
    h.run()
    info, sol = h.getInfo(), h.getSolution()
    incumbent = None
    if sol.value_valid:
        x = np.clip(np.asarray(sol.col_value)[: block.n], lo, hi)
        mask, _ = exact_active_mask(block, x[None, :])
        incumbent = int(mask.sum())
    dual = -info.mip_dual_bound
    return {"incumbent": incumbent, "dual_bound": None if not np.isfinite(dual) else round(dual, 2),
            "status": str(h.getModelStatus()).split(".")[-1], "seconds": time.monotonic() - start}
