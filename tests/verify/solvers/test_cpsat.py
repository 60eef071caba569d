"""CP-SAT on its own (the 'bench' extra), exact and outward-rounded rows, against the oracle."""

import pytest

from sparsecert.verify.backends.cpsat import HAVE_CPSAT, INT64_SAFE
from sparsecert.verify.goal import Goal
from sparsecert.verify.solvers.cpsat import CPSAT_SOLVER, int64_rows

from .support import check_outcome, cube_cases, unlimited

pytestmark = pytest.mark.skipif(not HAVE_CPSAT, reason="OR-Tools (the 'bench' extra) is not installed")


def test_maximum_matches_oracle_including_huge_weights():
    relaxed = found = 0
    for idx, kind, g, expected in cube_cases(180, 81):
        relaxed += not int64_rows(g.rows, g.coords)[2]
        out = CPSAT_SOLVER.run(g, Goal.maximise(), unlimited())
        check_outcome(g, out, expected)
        assert out.upper is None and not out.complete  # a primal solver: CP-SAT's bounds are not proofs
        found += out.lower == expected
    assert relaxed > 0  # the mixed-scale instances need the outward-rounded rows
    assert found >= 150  # its points are good, re-counted exactly


def test_through_the_engine_the_exact_solvers_prove_its_points():
    from sparsecert.sparse_models import Hypercube
    from sparsecert.verify import check_sparsity, max_active

    from ..oracle import brute_max_active
    from ..test_oracle_differential import _instances

    for idx, kind, (block, values, tau) in _instances(40, 82, 8, 7):
        res = max_active(block, Hypercube(block.n, values), tau=tau, method="cpsat")
        expected = brute_max_active(block.W1, block.b1, values, tau)
        assert res.optimal and res.lower == expected, (idx, kind, res, expected)
        assert "cpsat" in res.stats.solvers or res.stats.method.startswith("presolve")  # (settled before any solver)
        ans = check_sparsity(block, expected, Hypercube(block.n, values), tau=tau, method="cpsat")
        assert ans.status == "verified"


def test_outward_rounding_keeps_every_active_row_feasible():
    import itertools

    for idx, kind, g, expected in cube_cases(80, 83):
        C, T, exact = int64_rows(g.rows, g.coords)
        assert all(abs(c) < INT64_SAFE for row in C for c in row)
        m = len(g.coords)
        if m > 8:
            continue
        for y in itertools.product((0, 1), repeat=m):
            for r in range(len(g.rows)):
                if g.rows.active(r, list(y) + [0] * (g.ctx.block.n - m)):
                    assert sum(c * v for c, v in zip(C[r], y)) >= T[r], (idx, r, y)
