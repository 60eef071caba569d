"""The LP branch and bound with safe dual bounds: brute-force oracles on cubes and boxes, the
relaxation's validity at every exact point, and bounds that stay valid whatever the LP says."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("highspy")

import verify.api as api  # noqa: E402
from sparse_models import Box, Hypercube, LinfBall, MLPBlock  # noqa: E402
from verify import Verified, Violated, check_sparsity, max_active  # noqa: E402
from verify.integer_form import cube_rows, real_rows  # noqa: E402
from verify.lp_bnb import _SafeBound, float_rows, lp_branch_and_bound  # noqa: E402

from .oracle import brute_max_active, exact_count_at  # noqa: E402
from .test_oracle_differential import _instances  # noqa: E402
from .test_real_domains import _case, oracle_box_max  # noqa: E402


@pytest.fixture
def lp_first(monkeypatch):
    """Send every cube group that is not enumerated to the LP branch and bound."""
    monkeypatch.setattr(api, "LP_BNB_MIN_COORDS", 0)


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
        bound, *_ = _SafeBound(c)(G, rl, ru, vl, vu, rng.normal(size=nr) * 10.0 ** rng.integers(-3, 4))
        for v in feasible:
            assert float(Fraction(float(c @ v))) <= bound + 1e-9 * (1 + abs(bound))
            exact = sum(Fraction(float(ci)) * Fraction(float(vi)) for ci, vi in zip(c, v))
            assert exact <= Fraction(bound)


def test_timeout_gives_proved_bounds():
    from sparse_models import random_block

    block = random_block(40, 24, seed=2, fire_rate=0.05)
    res = max_active(block, Hypercube(40), timeout=1.0, method="bnb")
    assert res.value <= res.upper_bound <= block.s
    assert exact_count_at(block.W1, block.b1, res.witness.x, 0.0) == res.value


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


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # presolve's float ranges overflow too (then exact re-decisions)
def test_small_cube_scan_does_not_trust_overflowed_sums():
    """Regression (review): z = 1e400 overflowed the float scan, which then "proved" 0."""
    block = MLPBlock(np.array([[1e200, -1e200]]), np.array([0.0]))
    res = max_active(block, Hypercube(2, (1e200, 2e200)))
    assert res.value == 1 and res.optimal
