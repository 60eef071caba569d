"""The LP branch and bound with safe dual bounds: brute-force oracles on cubes and boxes, the
relaxation's validity at every exact point, and bounds that stay valid whatever the LP says."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("highspy")

import sparsecert.verify.engine.cube as cube_stage  # noqa: E402
import sparsecert.verify.solvers.cube_bnb as cube_bnb  # noqa: E402
import sparsecert.verify.solvers.lp.staged as staged  # noqa: E402
from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock  # noqa: E402
from sparsecert.verify import Verified, Violated, check_sparsity, max_active  # noqa: E402
from sparsecert.verify.integer_form import cube_rows, real_rows  # noqa: E402
from sparsecert.verify.solvers.lp.conflicts import greedy_cliques, pair_conflicts  # noqa: E402
from sparsecert.verify.solvers.lp.bnb import lp_branch_and_bound  # noqa: E402
from sparsecert.verify.solvers.lp.safe_bound import SafeBound  # noqa: E402
from sparsecert.verify.solvers.lp.propagation import propagate  # noqa: E402
from sparsecert.verify.solvers.lp.relaxation import float_rows  # noqa: E402

from ...oracle import brute_max_active, exact_count_at  # noqa: E402
from ...test_oracle_differential import _instances  # noqa: E402
from ...test_real_domains import _case, oracle_box_max  # noqa: E402


@pytest.fixture
def lp_first(monkeypatch):
    """Send every cube group that is not enumerated to the LP branch and bound."""
    monkeypatch.setattr(cube_bnb, "LP_BNB_MIN_COORDS", 0)


def test_cube_lp_path_matches_oracle(lp_first):
    for idx, kind, (block, values, tau) in _instances(360, 31, 10, 9):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="bnb", presolve=idx % 3 != 0)
        assert res.optimal and res.value == expected, (idx, kind, res.value, expected)
        assert exact_count_at(block.W1, block.b1, res.witness.x, tau) == expected
        if idx % 3 == 0:
            for k in {max(0, expected - 1), expected}:
                r = check_sparsity(block, k, Hypercube(block.n, values), tau=tau, method="bnb")
                assert isinstance(r, Verified if k >= expected else Violated), (idx, kind, k, expected, r)


def test_cube_lp_search_alone_matches_oracle():
    """The search itself, started from nothing (no enumeration, no primal heuristic)."""
    for idx, kind, (block, values, tau) in _instances(180, 37, 9, 8):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        rows = cube_rows(block.W1, block.b1, range(block.s), values[0], values[1], tau)
        rel = float_rows(rows, np.arange(block.n), np.zeros(block.n), np.ones(block.n), True)
        out = lp_branch_and_bound(rel, True, 0, None,
                                  lambda y: sum(rows.active(r, [int(v) for v in y]) for r in range(len(rows))))
        assert out.complete and out.best == expected and out.upper == expected, (idx, kind, out, expected)


def test_box_lp_path_matches_fourier_motzkin_oracle():
    rng = np.random.default_rng(41)
    for idx in range(90):
        n, s = int(rng.integers(1, 3)), int(rng.integers(1, 7))
        block = _case(rng, n, s)
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(0, 3, size=n)
        tau = float(rng.choice([0.0, 0.5]))
        expected = oracle_box_max(block.W1, block.b1, lo, hi, tau)
        res = max_active(block, Box(lo, hi), tau=tau, method="bnb", presolve=idx % 2 == 0)
        assert res.optimal and res.value == expected, (idx, res.value, expected)
        x = res.witness.exact_x or res.witness.x
        assert exact_count_at(block.W1, block.b1, x, tau) == expected
        for k in {max(0, expected - 1), expected}:
            r = check_sparsity(block, k, Box(lo, hi), tau=tau, method="bnb")
            assert isinstance(r, Verified) == (k >= expected), (idx, k, expected, r)


def test_ball_with_units_through_a_shared_point():
    """Many hyperplanes through one point: the cells are thin and ties sit exactly on the centre."""
    rng = np.random.default_rng(3)
    W = rng.integers(-3, 4, size=(7, 2)).astype(float)
    W[np.all(W == 0, axis=1)] = 1.0
    b = -(W @ np.array([0.5, 0.25]))  # every unit has z = 0 at (0.5, 0.25)
    block = MLPBlock(W, b)
    dom = LinfBall([0.5, 0.25], 0.5)
    lo, hi = dom.bounds()
    expected = oracle_box_max(W, b, lo, hi, 0.0)
    res = max_active(block, dom, method="bnb")
    assert res.optimal and res.value == expected


def test_relaxation_holds_at_every_exact_cube_point():
    """exact active => A y >= act_lo; exact inactive => A y <= inact_hi, for ties and extreme scales."""
    rng = np.random.default_rng(8)
    for idx, kind, (block, values, tau) in _instances(120, 53, 8, 6):
        rows = cube_rows(block.W1, block.b1, range(block.s), values[0], values[1], tau)
        rel = float_rows(rows, np.arange(block.n), np.zeros(block.n), np.ones(block.n), True)
        for code in range(min(1 << block.n, 64)):
            y = np.array([(code >> j) & 1 for j in range(block.n)], dtype=float)
            z = rel.A @ y
            for r in range(len(rows)):
                if rows.active(r, [int(v) for v in y]):
                    assert z[r] >= rel.act_lo[r], (idx, kind, r)
                else:
                    assert z[r] <= rel.inact_hi[r], (idx, kind, r)
    del rng


def test_real_relaxation_holds_at_random_points():
    rng = np.random.default_rng(9)
    for _ in range(60):
        n, s = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        W = rng.normal(size=(s, n)) * 10.0 ** rng.integers(-200, 200, size=(s, 1)).astype(float)
        b = rng.normal(size=s) * np.abs(W).sum(axis=1)
        rows = real_rows(W, b, range(s), 0.0)
        lo, hi = -np.ones(n), np.ones(n)
        rel = float_rows(rows, np.arange(n), lo, hi, False)
        for x in rng.uniform(-1, 1, size=(40, n)):
            z = rel.A @ x
            xs = [Fraction(float(v)) for v in x]
            for r in range(s):
                if rows.active(r, xs):
                    assert z[r] >= rel.act_lo[r]
                else:
                    assert z[r] <= rel.inact_hi[r]


def test_safe_bound_is_valid_for_arbitrary_multipliers():
    """Whatever multipliers the LP returns (even garbage), the bound is >= c.v at feasible points."""
    rng = np.random.default_rng(12)
    for _ in range(300):
        nv, nr = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        G = rng.normal(size=(nr, nv)) * 10.0 ** rng.integers(-5, 6)
        vl = rng.uniform(-2, 0, size=nv)
        vu = vl + rng.uniform(0, 3, size=nv)
        pts = rng.uniform(vl, vu, size=(200, nv))
        vals = pts @ G.T
        rl = np.where(rng.random(nr) < 0.5, vals.min(axis=0) + rng.uniform(0, 1, nr) * np.ptp(vals, axis=0) * 0.3, -np.inf)
        ru = np.where(rng.random(nr) < 0.5, vals.max(axis=0) - rng.uniform(0, 1, nr) * np.ptp(vals, axis=0) * 0.3, np.inf)
        c = rng.normal(size=nv)
        feasible = pts[np.all((vals >= rl) & (vals <= ru), axis=1)]
        bound, *_ = SafeBound(c)(G, rl, ru, vl, vu, rng.normal(size=nr) * 10.0 ** rng.integers(-3, 4))
        for v in feasible:
            assert float(Fraction(float(c @ v))) <= bound + 1e-9 * (1 + abs(bound))
            exact = sum(Fraction(float(ci)) * Fraction(float(vi)) for ci, vi in zip(c, v))
            assert exact <= Fraction(bound)


def test_timeout_gives_proved_bounds():
    from sparsecert.sparse_models import random_block

    block = random_block(40, 24, seed=2, fire_rate=0.05)
    res = max_active(block, Hypercube(40), timeout=1.0, method="bnb")
    assert res.value <= res.upper_bound <= block.s
    assert exact_count_at(block.W1, block.b1, res.witness.x, 0.0) == res.value


def test_large_ball_under_a_timeout_gives_proved_bounds():
    """A 784-input ball stopped by its timeout still answers with proved bounds and an exact
    witness. How close to the timeout it returns is measured in ``make bench`` (the table of
    requested against actual seconds), never here: CI runs on a shared, loaded machine."""
    from sparsecert.sparse_models import random_block

    block = random_block(784, 512, seed=0, fire_rate=0.05)
    ball = LinfBall(np.random.default_rng(0).uniform(0, 1, 784), 0.05)
    res = max_active(block, ball, timeout=1.5)
    assert res.value <= res.upper_bound <= block.s
    assert exact_count_at(block.W1, block.b1, res.witness.exact_x or res.witness.x, 0.0) == res.value


def test_relaxation_with_scales_from_1e_minus_300_to_1e300_in_one_row():
    """Rows whose exact integer form has thousands of bits: the float data still bracket every point."""
    rng = np.random.default_rng(21)
    for _ in range(40):
        n = int(rng.integers(2, 6))
        W = rng.normal(size=(3, n)) * 10.0 ** rng.integers(-300, 300, size=(3, n)).astype(float)
        b = rng.normal(size=3) * 10.0 ** rng.integers(-300, 300, size=3).astype(float)
        rows = cube_rows(W, b, range(3), -1.0, 1.0, 0.0)
        rel = float_rows(rows, np.arange(n), np.zeros(n), np.ones(n), True)
        assert np.all(np.isfinite(rel.A)) and np.all(np.isfinite(rel.act_lo)) and np.all(np.isfinite(rel.inact_hi))
        for code in range(1 << n):
            y = [(code >> j) & 1 for j in range(n)]
            z = rel.A @ np.array(y, dtype=float)
            for r in range(3):
                if rows.active(r, y):
                    assert z[r] >= rel.act_lo[r]
                else:
                    assert z[r] <= rel.inact_hi[r]
        block = MLPBlock(W, b)
        expected = brute_max_active(W, b, (-1, 1), 0.0)
        res = max_active(block, Hypercube(n), method="bnb")
        assert res.value == expected and res.optimal


def test_small_cube_scan_does_not_trust_overflowed_sums():
    """Regression (review): z = 1e400 overflowed the float scan, which then "proved" 0."""
    block = MLPBlock(np.array([[1e200, -1e200]]), np.array([0.0]))
    res = max_active(block, Hypercube(2, (1e200, 2e200)))
    assert res.value == 1 and res.optimal


def _pattern_block(rng, n, s):
    """Planted-like units: +-1 patterns with thresholds near n, so that many pairs conflict; some
    pairs touch exactly (z = 0 on a shared face) and some are duplicated."""
    W = rng.choice([-1.0, 1.0], size=(s, n)) * rng.choice([1.0, 0.5, 2.0], size=(s, 1))
    gap = rng.choice([0.0, 0.5, 1.0, 1e-12], size=s)
    b = -(np.abs(W).sum(axis=1) - 1.0 - gap * np.abs(W[:, :1]).ravel())
    if s > 2:
        W[-1], b[-1] = W[0], b[0]
    return MLPBlock(W, b)


def test_claimed_conflicts_are_exact_on_boxes():
    """Every pair that pair_conflicts calls conflicting has no box point with both units active
    (exact Fourier-Motzkin oracle); clearly incompatible pairs are found."""
    rng = np.random.default_rng(61)
    claimed = 0
    for idx in range(160):
        n, s = int(rng.integers(1, 4)), int(rng.integers(2, 7))
        block = _pattern_block(rng, n, s) if idx % 2 else _case(rng, n, s)
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(0, 3, size=n)
        tau = float(rng.choice([0.0, 0.5]))
        rows = real_rows(block.W1, block.b1, range(s), tau)
        C = pair_conflicts(float_rows(rows, np.arange(n), lo, hi, False))
        assert (C == C.T).all() and not C.diagonal().any()
        for i, j in zip(*np.nonzero(np.triu(C))):
            claimed += 1
            both = oracle_box_max(block.W1[[i, j]], block.b1[[i, j]], lo, hi, tau)
            assert both < 2, (idx, i, j)
    assert claimed > 30
    W = np.array([[1.0], [-1.0], [1.0]])
    b = np.array([-0.5, -0.5, 0.25])  # x > 0.5, x < -0.5, x > -0.25: only the first and last agree
    rows = real_rows(W, b, range(3), 0.0)
    C = pair_conflicts(float_rows(rows, np.arange(1), np.array([-1.0]), np.array([1.0]), False))
    assert C[0, 1] and C[1, 2] and not C[0, 2]
    assert greedy_cliques(C) == [(0, 1), (1, 2)]


def test_claimed_conflicts_are_exact_on_cubes():
    for idx, kind, (block, values, tau) in _instances(120, 67, 7, 7):
        rows = cube_rows(block.W1, block.b1, range(block.s), values[0], values[1], tau)
        C = pair_conflicts(float_rows(rows, np.arange(block.n), np.zeros(block.n), np.ones(block.n), True))
        pts = [[(code >> j) & 1 for j in range(block.n)] for code in range(1 << block.n)]
        for i, j in zip(*np.nonzero(np.triu(C))):
            assert not any(rows.active(i, y) and rows.active(j, y) for y in pts), (idx, kind, i, j)


@pytest.mark.parametrize("compiled", [False, True])
def test_propagation_keeps_every_exact_point_of_the_node(compiled):
    """Fix some units on and off at random; every exact point of the node that agrees with the
    fixings stays inside the propagated box and keeps its activity consistent with the fixings
    (numpy form and compiled loops)."""
    if compiled:
        pytest.importorskip("numba")
    rng = np.random.default_rng(71)
    checked = 0
    for idx, kind, (block, values, tau) in _instances(150, 73, 7, 7):
        n, s = block.n, block.s
        rows = cube_rows(block.W1, block.b1, range(s), values[0], values[1], tau)
        rel = float_rows(rows, np.arange(n), np.zeros(n), np.ones(n), True)
        pts = np.array([[(code >> j) & 1 for j in range(n)] for code in range(1 << n)], dtype=float)
        act = np.array([[rows.active(r, [int(v) for v in y]) for r in range(s)] for y in pts])
        ref = act[rng.integers(len(pts))]
        al = np.where(rng.random(s) < 0.3, ref, 0.0).astype(float)
        au = np.where(rng.random(s) < 0.3, ref, 1.0).astype(float)
        xl, xu = np.zeros(n), np.ones(n)
        fixed = rng.random(n) < 0.2
        xl[fixed] = xu[fixed] = pts[rng.integers(len(pts))][fixed]
        inside = np.all((pts >= xl) & (pts <= xu), axis=1) & np.all(act >= al, axis=1) & np.all(act <= au, axis=1)
        out = propagate(rel, True, xl, xu, al, au, compiled=compiled)
        if out is None:
            assert not inside.any(), (idx, kind)
            continue
        nl, nu, nal, nau, _, _ = out
        for y, a in zip(pts[inside], act[inside]):
            checked += 1
            assert np.all((y >= nl) & (y <= nu)), (idx, kind, y, nl, nu)
            assert np.all(a >= nal) and np.all(a <= nau), (idx, kind)
    assert checked > 200
    # real boxes: random points with exact activities against the propagated box
    for idx in range(80):
        n, s = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        block = _pattern_block(rng, n, s) if idx % 2 else _case(rng, n, s)
        rows = real_rows(block.W1, block.b1, range(s), 0.0)
        lo, hi = -np.ones(n), np.ones(n)
        rel = float_rows(rows, np.arange(n), lo, hi, False)
        X = np.vstack((rng.uniform(-1, 1, size=(200, n)), rng.choice([-1.0, 0.0, 1.0], size=(20, n))))
        act = np.array([[rows.active(r, [Fraction(float(v)) for v in x]) for r in range(s)] for x in X])
        ref = act[0]
        al = np.where(rng.random(s) < 0.5, ref, 0.0).astype(float)
        au = np.where(rng.random(s) < 0.5, ref, 1.0).astype(float)
        keep = np.all(act >= al, axis=1) & np.all(act <= au, axis=1)
        out = propagate(rel, False, lo, hi, al, au, compiled=compiled)
        assert out is not None, idx  # X[0] is a point of the node
        nl, nu, nal, nau, _, _ = out
        assert np.all((X[keep] >= nl) & (X[keep] <= nu)), idx
        assert np.all(act[keep] >= nal) and np.all(act[keep] <= nau), idx


def test_conflict_heavy_boxes_match_fourier_motzkin_oracle():
    """Whole pipeline on blocks whose units mostly exclude each other (clique rows in the LP)."""
    rng = np.random.default_rng(83)
    for idx in range(60):
        n, s = int(rng.integers(1, 4)), int(rng.integers(2, 8))
        block = _pattern_block(rng, n, s)
        lo, hi = -np.ones(n), np.ones(n)
        expected = oracle_box_max(block.W1, block.b1, lo, hi, 0.0)
        res = max_active(block, Box(lo, hi), method="bnb", presolve=idx % 2 == 0)
        assert res.optimal and res.value == expected, (idx, res.value, expected)
        x = res.witness.exact_x or res.witness.x
        assert exact_count_at(block.W1, block.b1, x, 0.0) == expected


def test_every_stage_of_the_lp_portfolio_matches_oracle(lp_first, monkeypatch):
    """The first two LP runs give up at once, so annealing and the MILP heuristic supply the
    incumbents and the last LP run must prove them (or beat them)."""
    import time as _time

    real = staged.lp_branch_and_bound
    calls = []

    def impatient(rel, integral, best, deadline, count, **kw):
        calls.append(deadline)
        if len(calls) % 3 != 0:
            deadline = _time.monotonic()
        return real(rel, integral, best, deadline, count, **kw)

    monkeypatch.setattr(staged, "lp_branch_and_bound", impatient)
    # the first search point is the all-lo vertex, so that the search rarely settles a case by itself
    monkeypatch.setattr(cube_stage, "cube_search", lambda W, b, lo, hi, tau, **kw: np.full(W.shape[1], lo))
    n_staged = 0
    for idx, kind, (block, values, tau) in _instances(40, 91, 9, 8):
        calls.clear()
        expected = brute_max_active(block.W1, block.b1, values, tau)
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="bnb", timeout=1.5)
        assert res.optimal and res.value == expected, (idx, kind, res.value, expected)
        assert exact_count_at(block.W1, block.b1, res.witness.x, tau) == expected
        n_staged += len(calls) >= 3
    assert n_staged >= 10


def test_cube_anneal_returns_cube_points_no_worse_than_its_start():
    from sparsecert.verify.solvers.heuristics import HAVE_ANNEAL, cube_anneal

    if not HAVE_ANNEAL:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(5)
    for _ in range(20):
        s, m = int(rng.integers(1, 12)), int(rng.integers(1, 20))
        A, t = rng.normal(size=(s, m)), rng.normal(size=s)
        y0 = rng.integers(0, 2, m).astype(float)
        y = cube_anneal(A, t, [y0], 0.005, seed=int(rng.integers(100)))
        assert y.shape == (m,) and set(np.unique(y)) <= {0.0, 1.0}
        assert (A @ y >= t).sum() >= (A @ y0 >= t).sum()
    A = np.eye(6)
    y = cube_anneal(A, np.full(6, 0.5), [np.zeros(6)], 5.0, target=6)  # all rows met: ends at once
    assert (y == 1).all()


def test_huge_and_tiny_weights_give_exact_answers_without_float_warnings():
    """Weights from 1e-300 to 1e300: float64 overflows inside presolve, search and scans; every
    such step must fall back to exact arithmetic, and no RuntimeWarning reaches the user."""
    rng = np.random.default_rng(97)
    for idx in range(24):
        n, s = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        scale = 10.0 ** rng.choice([-300, -150, 0, 150, 300], size=(s, 1))
        W = rng.integers(-3, 4, size=(s, n)).astype(float) * scale
        b = rng.integers(-3, 4, size=s).astype(float) * scale[:, 0]
        block = MLPBlock(W, b)
        if idx % 2:
            values = (-1e200, 3e200) if idx % 4 == 1 else (-1.0, 1.0)
            expected = brute_max_active(W, b, tuple(int(v) for v in values), 0.0)  # floats that are exact ints
            res = max_active(block, Hypercube(n, values))
        else:
            lo, hi = -np.ones(n), np.ones(n)
            expected = oracle_box_max(W, b, lo, hi, 0.0)
            res = max_active(block, Box(lo, hi))
        assert res.optimal and res.value == expected, (idx, res.value, expected)


def test_boxes_beyond_the_lp_range_go_to_the_exact_solver():
    """Regression (review): HiGHS reads bounds past 1e20 as infinite and rejected the columns,
    which crashed the LP search; boxes as wide as the float range crashed the sampling."""
    block = MLPBlock(np.array([[1.0], [-1.0]]), np.array([-1.5e21, 1.5e21]))
    res = max_active(block, Box([1e21], [2e21]))
    assert res.optimal and res.value == 1
    wide = MLPBlock(np.array([[1.0], [-1.0], [2.0]]), np.array([0.0, 1e300, -1e308]))
    res = max_active(wide, Box([-1.7e308], [1.7e308]))
    assert res.optimal and res.value == 2
    assert exact_count_at(wide.W1, wide.b1, res.witness.exact_x or res.witness.x, 0.0) == 2


def test_k_check_with_several_lp_groups_is_decided_without_a_timeout(lp_first):
    """Regression (review): a group counted as settled when its upper bound fitted under k minus
    the other groups' lower bounds, so the sum of upper bounds could stay above k: Unknown."""
    W = np.array([[2.0, 5e-324, -2.0, 2.0], [2.0, -1.0, -1.0, -1e-300], [1e-300, -1.0, 2.0, -1.0],
                  [0.0, 1e-20, 0.0, -2.0], [-2.0, 1e-300, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0], [5e-324, -2.0, -1.0, -2.0]])
    b = np.array([1e-300, -3.0, 3.0, 2.0, 3.0, -3.0, 2.0])
    block, dom = MLPBlock(W, b), Hypercube(4, (-1e308, 1e308))
    for presolve in (True, False):
        res = max_active(block, dom, tau=0.5, method="bnb", presolve=presolve)
        assert res.optimal and res.value == 5
        assert isinstance(check_sparsity(block, 5, dom, tau=0.5, method="bnb", presolve=presolve), Verified)
        assert isinstance(check_sparsity(block, 4, dom, tau=0.5, method="bnb", presolve=presolve), Violated)
