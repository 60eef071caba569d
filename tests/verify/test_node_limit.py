"""Deterministic budgets (issue 20, item 8): node limits for both branch and bounds, fixed work
for the heuristics; with no time limit two runs give identical output."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("highspy")

import sparsecert.verify.solvers.cube_bnb as bnb  # noqa: E402
from sparsecert.sparse_models import Box, random_block  # noqa: E402
from sparsecert.verify.solvers.lp.conflicts import pair_conflicts  # noqa: E402
from sparsecert.verify.integer_form import count_active_at_float, cube_rows, real_rows  # noqa: E402
from sparsecert.verify.solvers.lp.bnb import lp_branch_and_bound  # noqa: E402
from sparsecert.verify.solvers.lp.milp import milp_candidates  # noqa: E402
from sparsecert.verify.solvers.lp.relaxation import float_rows  # noqa: E402
from sparsecert.verify.solvers.heuristics import HAVE_ANNEAL, box_search, cube_anneal, cube_search  # noqa: E402



def _lp_fingerprint(out):
    point = None if out.point is None else [float(v) for v in out.point]
    return out.best, point, out.complete, out.upper, out.nodes


def _box_case():
    block = random_block(12, 64, seed=0, fire_rate=0.05)
    rows = real_rows(block.W1, block.b1, range(64), 0.0)
    lo, hi = Box.uniform(12, -1, 1).bounds()
    rel = float_rows(rows, np.arange(12), np.asarray(lo, float), np.asarray(hi, float), False)
    return rows, rel, (lambda x: count_active_at_float(rows, x))


def _cube_case(n=10, s=40, seed=0):
    block = random_block(n, s, seed=seed, fire_rate=0.1)
    rows = cube_rows(block.W1, block.b1, range(s), -1, 1, 0.0)
    rel = float_rows(rows, np.arange(n), np.zeros(n), np.ones(n), True)
    return rows, rel, (lambda y: sum(rows.active(r, [int(v) for v in y]) for r in range(len(rows))))


@pytest.mark.parametrize("kind", ["box", "cube"])
def test_lp_search_with_a_node_limit_is_reproducible(kind):
    rows, rel, count = _box_case() if kind == "box" else _cube_case()
    conflicts = pair_conflicts(rel)
    for limit in (0, 1, 7, 60):
        runs = [lp_branch_and_bound(rel, kind == "cube", 0, None, count, conflicts=conflicts, node_limit=limit)
                for _ in range(2)]
        assert _lp_fingerprint(runs[0]) == _lp_fingerprint(runs[1]), limit
        assert runs[0].nodes <= limit and not runs[0].complete


def test_lp_node_limit_zero_solves_nothing_and_a_large_one_changes_nothing():
    rows, rel, count = _cube_case(8, 24, seed=4)
    none = lp_branch_and_bound(rel, True, 0, None, count, node_limit=0)
    assert none.nodes == 0 and not none.complete and none.upper == 24 and none.best == 0
    full = lp_branch_and_bound(rel, True, 0, None, count)
    assert full.complete
    big = lp_branch_and_bound(rel, True, 0, None, count, node_limit=full.nodes)
    assert _lp_fingerprint(big) == _lp_fingerprint(full)
    with pytest.raises(ValueError):
        lp_branch_and_bound(rel, True, 0, None, count, node_limit=-1)


@pytest.mark.skipif(not bnb.HAVE_NUMBA, reason="numba not installed")
def test_cube_bnb_node_count_does_not_depend_on_how_the_search_is_split(monkeypatch):
    """The kernel used to count the node it stopped at, once per stop, so the total grew with the
    number of compiled calls; a node limit then stopped at a different place for every split."""
    block = random_block(18, 48, seed=3, fire_rate=0.05)
    rows = cube_rows(block.W1, block.b1, range(block.s), -1, 1, 0.0)
    coords = np.arange(block.n)
    whole = bnb.branch_and_bound(rows, coords, 0, None)
    part = bnb.branch_and_bound(rows, coords, 0, None, node_limit=5000)
    monkeypatch.setattr(bnb, "CHUNK_NODES", 997)
    split = bnb.branch_and_bound(rows, coords, 0, None)
    assert tuple(split) == tuple(whole) and split.upper == whole.upper
    split_part = bnb.branch_and_bound(rows, coords, 0, None, node_limit=5000)
    assert tuple(split_part) == tuple(part) and split_part.upper == part.upper and part.nodes == 5000


@pytest.mark.skipif(not bnb.HAVE_NUMBA, reason="numba not installed")
def test_cube_bnb_with_a_node_limit_is_reproducible():
    block = random_block(24, 64, seed=1, fire_rate=0.05)
    rows = cube_rows(block.W1, block.b1, range(block.s), -1, 1, 0.0)
    for limit in (0, 1, 1000, 20000):
        a = bnb.branch_and_bound(rows, np.arange(24), 0, None, node_limit=limit)
        b = bnb.branch_and_bound(rows, np.arange(24), 0, None, node_limit=limit)
        assert tuple(a) == tuple(b) and a.upper == b.upper and a.nodes == limit
    with pytest.raises(ValueError):
        bnb.branch_and_bound(rows, np.arange(24), 0, None, node_limit=1.5)


def test_heuristics_without_a_clock_are_reproducible():
    rng = np.random.default_rng(8)
    W, b = rng.normal(size=(40, 16)), rng.normal(size=40) - 1.0
    a = cube_search(W, b, -1.0, 1.0, 0.0, seed=3, budget_s=None, anneal_iters=3000)
    c = cube_search(W, b, -1.0, 1.0, 0.0, seed=3, budget_s=None, anneal_iters=3000)
    assert np.array_equal(a, c) and set(np.unique(a)) <= {-1.0, 1.0}
    lo, hi = -np.ones(16), np.ones(16)
    a = box_search(W, b, lo, hi, 0.0, seed=3, budget_s=None)
    c = box_search(W, b, lo, hi, 0.0, seed=3, budget_s=None)
    assert np.array_equal(a, c) and np.all((lo <= a) & (a <= hi))
    a = box_search(W, b, lo, hi, 0.0, seed=3, budget_s=None, rounds=3)
    c = box_search(W, b, lo, hi, 0.0, seed=3, budget_s=None, rounds=3)
    assert np.array_equal(a, c)
    if HAVE_ANNEAL:
        A, t = 2 * W, -b + W.sum(axis=1)
        a = cube_anneal(A, t, [np.zeros(16)], None, seed=5, restarts=4, iters=5000)
        c = cube_anneal(A, t, [np.zeros(16)], None, seed=5, restarts=4, iters=5000)
        assert np.array_equal(a, c) and set(np.unique(a)) <= {0.0, 1.0}
        with pytest.raises(ValueError):
            cube_anneal(A, t, [np.zeros(16)], None)


def test_milp_heuristic_with_a_node_limit_and_no_clock_is_reproducible():
    for kind in ("box", "cube"):
        _, rel, _ = _box_case() if kind == "box" else _cube_case()
        a = milp_candidates(rel, kind == "cube", None, node_limit=30)
        b = milp_candidates(rel, kind == "cube", None, node_limit=30)
        assert len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))
    with pytest.raises(ValueError):
        milp_candidates(rel, True, None)
