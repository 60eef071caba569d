"""Anytime upper bounds (issue 20, item 7): a branch and bound stopped early returns the largest
proved bound of its open frontier, never the width when it holds something better, and never
less than the true maximum (brute-force and Fourier-Motzkin oracles).

No test here asserts wall-clock time; the early stops come from node limits, except one
regression test of a timed stop, which asserts only a bound."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("highspy")

import sparsecert.verify.solvers.lp.staged as staged  # noqa: E402
from sparsecert.sparse_models import Box, random_block  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402
from sparsecert.verify.solvers.cube_bnb import HAVE_NUMBA, branch_and_bound  # noqa: E402
from sparsecert.verify.solvers.lp.conflicts import pair_conflicts  # noqa: E402
from sparsecert.verify.integer_form import count_active_at_float, cube_rows, real_rows  # noqa: E402
from sparsecert.verify.solvers.lp.bnb import lp_branch_and_bound  # noqa: E402
from sparsecert.verify.solvers.lp.relaxation import float_rows  # noqa: E402

from .oracle import brute_max_active  # noqa: E402
from .test_oracle_differential import _instances  # noqa: E402
from .test_real_domains import _case, oracle_box_max  # noqa: E402


def _cube_lp(block, values=(-1, 1), tau=0.0):
    rows = cube_rows(block.W1, block.b1, range(block.s), values[0], values[1], tau)
    rel = float_rows(rows, np.arange(block.n), np.zeros(block.n), np.ones(block.n), True)
    return rows, rel, (lambda y: sum(rows.active(r, [int(v) for v in y]) for r in range(len(rows))))


@pytest.mark.parametrize("seed,fire_rate", [(0, 0.1), (1, 0.05), (2, None)])
def test_lp_cube_search_stopped_by_node_limit_bounds_the_true_maximum(seed, fire_rate):
    """10-coordinate cubes, 40 units: a few LP nodes already prove a bound below the width."""
    block = random_block(10, 40, seed=seed, fire_rate=fire_rate)
    expected = brute_max_active(block.W1, block.b1, (-1, 1), 0.0)
    rows, rel, count = _cube_lp(block)
    for conflicts in (None, pair_conflicts(rel)):
        for limit in (1, 2, 5, 17, 40):
            out = lp_branch_and_bound(rel, True, 0, None, count, conflicts=conflicts, node_limit=limit)
            assert out.nodes <= limit
            assert out.best <= expected <= out.upper < block.s, (limit, out, expected)
            if out.complete:
                assert out.best == out.upper == expected
            if out.point is not None:
                assert count(out.point) == out.best


def test_lp_cube_node_limits_on_oracle_instances():
    """Every node limit on small structured and random cubes: the bracket always holds the maximum."""
    for idx, kind, (block, values, tau) in _instances(60, 23, 9, 10):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        rows, rel, count = _cube_lp(block, values, tau)
        conflicts = pair_conflicts(rel) if idx % 2 else None
        for limit in (0, 1, 2, 4, 8):
            out = lp_branch_and_bound(rel, True, 0, None, count, conflicts=conflicts, node_limit=limit)
            assert out.best <= expected <= out.upper <= block.s, (idx, kind, limit, out, expected)
            assert not out.complete or out.best == expected


def test_lp_box_node_limits_match_fourier_motzkin_oracle(monkeypatch):
    """Boxes through the engine, whose LP runs are cut to a few nodes: every bound they report
    holds the exact maximum (presolve off, so the LP's group is the whole block)."""
    seen = []
    real = staged.lp_branch_and_bound

    def limited(*args, **kw):
        kw.pop("node_limit", None)  # the engine passes its own (None without a limit)
        out = real(*args, node_limit=len(seen) % 4, **kw)
        seen.append(out)
        return out

    monkeypatch.setattr(staged, "lp_branch_and_bound", limited)
    rng = np.random.default_rng(17)
    checked = 0
    for idx in range(40):
        n, s = int(rng.integers(1, 3)), int(rng.integers(2, 7))
        block = _case(rng, n, s)
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(1, 3, size=n)
        expected = oracle_box_max(block.W1, block.b1, lo, hi, 0.0)
        seen.clear()
        res = max_active(block, Box(lo, hi), method="bnb", presolve=False)
        assert res.optimal and res.value == expected, (idx, res, expected)
        for out in seen:
            assert out.best <= expected <= out.upper <= s, (idx, out, expected)
            checked += 1
    assert checked >= 20


def test_lp_box_stopped_early_bounds_the_12x64_cell_below_its_width():
    """The issue-20 cell: after a handful of LP nodes the proved bound is far below 64 (the
    search held safe bounds for every open node but used to report the width)."""
    block = random_block(12, 64, seed=0, fire_rate=0.05)
    rows = real_rows(block.W1, block.b1, range(64), 0.0)
    lo, hi = Box.uniform(12, -1, 1).bounds()
    rel = float_rows(rows, np.arange(12), np.asarray(lo, float), np.asarray(hi, float), False)
    out = lp_branch_and_bound(rel, False, 0, None, lambda x: count_active_at_float(rows, x),
                              conflicts=pair_conflicts(rel), node_limit=40)
    assert not out.complete and out.nodes == 40
    assert out.upper <= 30  # the root's safe bound is about 25.5
    x = np.random.default_rng(0).uniform(-1, 1, size=(20000, 12))
    assert out.upper >= int(block.active_count(x).max())  # (a lower bound of the true maximum)


def test_timed_stop_reports_the_frontier_bound_not_the_width():
    """Regression: HiGHS measures ``time_limit`` against its run time summed over all the runs
    of one instance, so after a while every node LP stopped at once, unsolved, and its children
    carried the width. The engine reported [13, 64] on this cell after 10 s and after 60 s."""
    block = random_block(12, 64, seed=0, fire_rate=0.05)
    res = max_active(block, Box.uniform(12, -1, 1), timeout=3.0)
    assert not res.optimal
    assert res.value <= res.upper_bound < 64


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_cube_bnb_stopped_by_node_limit_returns_an_honest_upper_bound():
    strict = 0
    for idx, kind, (block, values, tau) in _instances(150, 29, 10, 12):
        expected = brute_max_active(block.W1, block.b1, values, tau)
        rows = cube_rows(block.W1, block.b1, range(block.s), values[0], values[1], tau)
        full = branch_and_bound(rows, np.arange(block.n), 0, None)
        assert full.complete and full.best == full.upper == expected
        for limit in sorted({0, 1, 2, 5, 11, max(0, full.nodes - 1), full.nodes}):
            out = branch_and_bound(rows, np.arange(block.n), 0, None, node_limit=limit)
            best, point, complete, nodes = out  # still unpacks as the former 4-tuple
            assert nodes <= limit
            assert best <= expected <= out.upper <= block.s, (idx, kind, limit, out, out.upper, expected)
            assert not complete or best == out.upper == expected
            if limit >= full.nodes:
                assert complete and best == expected
            strict += out.upper < block.s
    assert strict >= 100


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
def test_cube_bnb_upper_bound_late_in_the_search_is_below_the_width():
    """The cube search's bound (units still possibly active, each on its own) is weak near the
    root, so its frontier bound only falls once the first coordinates' subtrees are closed; then
    it is below the width, and never below the maximum (here from the complete run)."""
    block = random_block(18, 48, seed=3, fire_rate=0.05)
    rows = cube_rows(block.W1, block.b1, range(block.s), -1, 1, 0.0)
    full = branch_and_bound(rows, np.arange(block.n), 0, None)
    assert full.complete and full.upper == full.best
    ups = []
    for frac in (0.1, 0.5, 0.9, 0.99):
        out = branch_and_bound(rows, np.arange(block.n), 0, None, node_limit=int(full.nodes * frac))
        assert not out.complete and out.nodes == int(full.nodes * frac)
        assert out.best <= full.best <= out.upper <= block.s
        ups.append(out.upper)
    assert ups[-1] < block.s
