"""OR-Tools CP-SAT behind a small adapter: "how many rows can be active at once?" on a cube.

The only module that imports ``ortools``. CP-SAT takes integer models only; callers hand
it rows with modest coefficients (scaled and rounded outward when larger) and count every
returned point again exactly. Its optimality claims are not proofs here: see
:mod:`sparsecert.verify.solvers.cpsat` for a measured wrong OPTIMAL on large
coefficients. Optional: the ``bench`` extra installs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import importlib.util

# imported when a model is built (about 0.35 s), not with the package: most solves never use it
HAVE_CPSAT = importlib.util.find_spec("ortools") is not None

INT64_SAFE = 2**30  # coefficient sums of a row stay below this (CP-SAT misjudged rows near 2^37)


@dataclass(frozen=True)
class CountAnswer:
    """``status``: "optimal", "feasible", "infeasible" or "unknown". ``y`` is the best 0/1
    point found (None if none), ``objective`` its model count, ``bound`` CP-SAT's proved
    bound on the model's optimum (None if it gave none)."""

    status: str
    y: tuple[int, ...] | None = None
    objective: int | None = None
    bound: int | None = None


def max_rows(C: Sequence[Sequence[int]], T: Sequence[int], *, at_least: int | None = None,
             seconds: float | None = None, deterministic_time: float | None = None,
             workers: int = 1, seed: int = 0) -> CountAnswer:
    """Maximise the number of rows r with ``a_r => sum_j C[r][j] y_j >= T[r]`` over y in
    {0,1}^m (``at_least``: only decide whether that many can hold: "infeasible" is a proof
    that fewer can)."""
    from ortools.sat.python import cp_model

    m = len(C[0]) if C else 0
    model = cp_model.CpModel()
    y = [model.NewBoolVar(f"y{j}") for j in range(m)]
    a = [model.NewBoolVar(f"a{r}") for r in range(len(C))]
    for r, (row, t) in enumerate(zip(C, T)):
        terms = [int(c) * y[j] for j, c in enumerate(row) if c]
        model.Add(sum(terms) >= int(t)).OnlyEnforceIf(a[r])
    if at_least is None:
        model.Maximize(sum(a))
    else:
        model.Add(sum(a) >= int(at_least))
    solver = cp_model.CpSolver()
    solver.parameters.num_search_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    if seconds is not None:
        solver.parameters.max_time_in_seconds = max(0.001, float(seconds))
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = max(0.001, float(deterministic_time))
    code = solver.Solve(model)
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
              cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
    if status in ("optimal", "feasible"):
        point = tuple(int(solver.Value(v)) for v in y)
        objective = int(sum(solver.Value(v) for v in a))
        # the objective is integral, so its bound is an integer in a double; rounded up to be safe
        bound = math.ceil(solver.BestObjectiveBound() - 1e-6) if at_least is None else None
        return CountAnswer(status, point, objective, bound)
    return CountAnswer(status)
