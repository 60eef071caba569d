"""Each solver alone on one group, against the brute-force oracles (no engine, no presolve)."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models import Box, Hypercube
from sparsecert.verify.budget import Budget
from sparsecert.verify.engine.real import domain_bounds
from sparsecert.verify.goal import Goal
from sparsecert.verify.integer_form import cube_rows, real_rows
from sparsecert.verify.solvers.base import Group, SolveContext

from ..oracle import brute_max_active
from ..test_oracle_differential import _instances


def cube_group(block, values, tau, method: str = "auto") -> Group:
    """All units of the block as one cube group, started from nothing (lower 0, upper s)."""
    domain = Hypercube(block.n, values)
    units = np.arange(block.s)
    rows = cube_rows(block.W1, block.b1, units, domain.lo, domain.hi, tau)
    ctx = SolveContext(block, domain, tau, method)
    return Group(ctx, rows, np.arange(block.n), 0, len(rows), {}, cube=True, units=units)


def box_group(block, lo, hi, tau: float = 0.0) -> Group:
    domain = Box(lo, hi)
    rows = real_rows(block.W1, block.b1, np.arange(block.s), tau)
    ctx = SolveContext(block, domain, tau, "auto")
    return Group(ctx, rows, np.arange(block.n), 0, len(rows), {j: 0 for j in range(block.n)}, cube=False,
                 bounds=domain_bounds(domain))


def cube_cases(count: int, seed: int, n_max: int = 9, s_max: int = 8):
    """(index, kind, group, exact maximum) over the differential test's instance kinds."""
    for idx, kind, (block, values, tau) in _instances(count, seed, n_max, s_max):
        yield idx, kind, cube_group(block, values, tau), brute_max_active(block.W1, block.b1, values, tau)


def check_outcome(group: Group, out, expected: int, goal: Goal = Goal.maximise()) -> None:
    """What every solver must satisfy: a claimed count is attained exactly at the point
    given, and no claimed bound excludes the true maximum."""
    assert out.lower <= expected, (out, expected)
    if out.upper is not None:
        assert out.upper >= expected, (out, expected)
    if out.point is not None:
        full = [0] * group.ctx.block.n
        for j, v in out.point.items():
            full[j] = v
        assert group.count(full) == out.lower, (out, expected)
    if out.complete:
        assert out.lower == expected, (out, expected)


def unlimited() -> Budget:
    return Budget.unlimited()
