"""The dispatch tables: every method has a plan per domain kind, each plan ends with an
exact solver that takes every group, and bad methods are refused with the choices."""

import pytest

from sparsecert.sparse_models import Box, Hypercube, random_block
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.verify import max_active
from sparsecert.verify.portfolio import METHODS, PLANS, canonical_method, plan_for
from sparsecert.verify.solvers.base import GroupSolver
from sparsecert.verify.solvers.smt import SMT


@pytest.mark.parametrize("kind", sorted(PLANS))
def test_every_plan_ends_with_the_exact_solver(kind):
    for method, plan in PLANS[kind].items():
        assert plan.groups and isinstance(plan.groups[-1].solver, SMT), (kind, method)
        for step in plan.whole + plan.groups:
            assert isinstance(step.solver, GroupSolver)
            assert 0 < step.time <= 1 and 0 < step.nodes <= 1


def test_methods_and_aliases():
    assert canonical_method("z3") == "smt"
    for m in METHODS:
        assert canonical_method(m) in PLANS["cube"]
    with pytest.raises(InvalidArgument, match="method must be one of"):
        plan_for("cube", "simplex")


def test_a_cube_only_method_on_a_box_names_the_alternatives():
    with pytest.raises(InvalidArgument, match="cube domains only"):
        max_active(random_block(3, 4, seed=0), Box.uniform(3, -1, 1), method="cpsat")


def test_stats_name_the_solvers_that_ran():
    block = random_block(8, 8, seed=1, fire_rate=0.2)
    res = max_active(block, Hypercube(8), method="smt")
    assert res.stats.solvers == ("smt",) and res.stats.backend == "z3" and res.stats.method == "smt"
    res = max_active(block, Hypercube(8), method="bnb")
    assert res.stats.solvers[0] == "branch-and-bound" and res.stats.backend in ("numba", "highs", "z3")
