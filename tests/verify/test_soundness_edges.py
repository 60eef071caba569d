"""Regressions of issue 20: answers at the edges of the float range and of the domain kinds.

Each test reproduces one reported defect (wrong Verified on large polytopes, integer-valued
polytope extrema read as unbounded, overflow crashes, Ctrl-C losing the bracket) and checks the
answer against the exact truth, worked out by hand in the docstring."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import Box, LinfBall, MLPBlock, Polytope
from sparsecert.verify import check_sparsity, max_active, prune, sparsify, unit_ranges
from sparsecert.verify.results import Interrupted, MaxActive, Unknown, Verified, Violated


def _exact_count(block: MLPBlock, x, tau: float = 0.0) -> int:
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    t = Fraction(tau)
    return sum(sum((Fraction(float(w)) * v for w, v in zip(row, xs)), Fraction(float(b))) > t
               for row, b in zip(block.W1, block.b1))


# -- 1. polytopes are never clamped to a box ------------------------------------------------

def test_polytope_reaching_past_1e30_is_not_clamped():
    """Active iff x > 1.5e30, on 0 <= x <= 2e30: one unit fires at x = 2e30."""
    block = MLPBlock([[1.0]], [-1.5e30])
    poly = Polytope([[1.0], [-1.0]], [2e30, 0.0])
    res = max_active(block, poly)
    assert (res.value, res.upper_bound, res.optimal) == (1, 1, True)
    x = res.witness.exact_x or res.witness.x
    assert poly.contains(np.array([float(v) for v in x])) and _exact_count(block, x) == 1
    assert isinstance(check_sparsity(block, 0, poly), Violated)
    assert isinstance(check_sparsity(block, 1, poly), Verified)


def test_unbounded_polytope_with_units_far_out():
    """x >= 0 with units x - 1e31 and x - 1: both fire at x = 2e31, so k = 1 is violated."""
    block = MLPBlock([[1.0], [1.0]], [-1e31, -1.0])
    poly = Polytope([[-1.0]], [0.0])
    res = check_sparsity(block, 1, poly)
    assert isinstance(res, Violated)
    x = res.witness.exact_x or res.witness.x
    assert _exact_count(block, x) == 2 and float(x[0]) >= 0
    assert max_active(block, poly).value == 2


def test_unbounded_polytope_with_a_unit_that_never_fires():
    """x >= 0 with units x - 1 (fires far out) and -x - 1 (never fires): max-active 1, proved."""
    block = MLPBlock([[1.0], [-1.0]], [-1.0, -1.0])
    res = max_active(block, Polytope([[-1.0]], [0.0]))
    assert (res.value, res.upper_bound, res.optimal) == (1, 1, True)


# -- 2. integer-valued extrema of polytope presolve -------------------------------------------

def test_polytope_presolve_reads_integer_valued_extrema():
    """z = x - 1 on 0 <= x <= 2 ranges over [-1, 1]: Z3 returns the integers -1 and 1."""
    r = unit_ranges(MLPBlock([[1.0]], [-1.0]), Polytope([[1.0], [-1.0]], [2.0, 0.0]))
    assert r.lower.tolist() == [-1.0] and r.upper.tolist() == [1.0]
    assert not r.always_off[0] and not r.always_on[0]


def test_prune_drops_a_unit_dead_on_a_polytope_with_integer_extrema():
    """On 0 <= x <= 2, the unit x - 3 has max -1 (an integer): dead, so prune removes it."""
    block = MLPBlock([[1.0], [1.0]], [-3.0, -1.0], W2=[[1.0, 1.0]], b2=[0.0])
    out = prune(block, Polytope([[1.0], [-1.0]], [2.0, 0.0]))
    assert out.block.s == 1


def test_sparsify_on_a_bounded_polytope_with_integer_extrema():
    """Two copies of x - 1 on 0 <= x <= 2 fire together for x > 1; k = 1 needs a bias shift and
    the polytope's pre-activations are bounded (they were read as unbounded)."""
    block = MLPBlock([[1.0], [1.0]], [-1.0, -1.0], W2=[[1.0, 1.0]], b2=[0.0])
    out = sparsify(block, 1, Polytope([[1.0], [-1.0]], [2.0, 0.0]), timeout=60)
    assert out.status != "infeasible"
    assert max_active(out.block, Polytope([[1.0], [-1.0]], [2.0, 0.0])).value <= 1


# -- 4. overflow in bounds ---------------------------------------------------------------------

def test_ball_bounds_past_the_float_range_do_not_overflow():
    """Ball [0, 2e308]: unit x - 1.5e308 fires near the top, -x never: max-active 1."""
    block = MLPBlock([[1.0], [-1.0]], [-1.5e308, 0.0])
    ball = LinfBall([1e308], 1e308)
    lo, hi = ball.bounds()
    assert hi[0] == np.inf and lo[0] == 0.0
    assert ball.inner_bounds()[1][0] == np.finfo(np.float64).max
    res = max_active(block, ball)
    assert (res.value, res.upper_bound, res.optimal) == (1, 1, True)
    assert ball.contains(res.witness.x) and _exact_count(block, res.witness.x) == 1
    assert isinstance(check_sparsity(block, 0, ball), Violated)


def test_box_as_wide_as_the_float_range():
    block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [-1e308, 0.0])
    big = np.finfo(np.float64).max
    res = max_active(block, Box([-big, -big], [big, big]))
    assert res.optimal and res.value == 2
    assert _exact_count(block, res.witness.exact_x or res.witness.x) == 2


# -- 9. Ctrl-C keeps the proved bracket --------------------------------------------------------

def _interrupt_inside(monkeypatch, name: str) -> None:
    import sparsecert.verify.solvers.cube_bnb as cube_bnb
    import sparsecert.verify.solvers.lp.staged as staged

    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(staged if name == "lp_branch_and_bound" else cube_bnb, name, boom)


def test_interrupt_gives_the_bracket_proved_so_far(monkeypatch):
    from sparsecert.sparse_models import random_block
    from sparsecert.sparse_models import Hypercube

    block = random_block(40, 24, seed=2, fire_rate=0.05)
    _interrupt_inside(monkeypatch, "lp_branch_and_bound")
    _interrupt_inside(monkeypatch, "branch_and_bound")
    with pytest.raises(Interrupted) as info:
        max_active(block, Hypercube(40), method="bnb")
    part = info.value.partial
    assert isinstance(part, MaxActive) and not part.optimal and part.reason == "interrupted"
    assert part.value <= part.upper_bound <= block.s
    assert _exact_count(block, part.witness.x) == part.value
    assert isinstance(info.value, KeyboardInterrupt)  # plain `except KeyboardInterrupt` still works
    with pytest.raises(Interrupted) as info:  # the search reaches part.value, not more: undecided
        check_sparsity(block, part.value, Hypercube(40), method="bnb")
    assert isinstance(info.value.partial, Unknown) and info.value.partial.lower == part.value


def test_cli_interrupt_prints_bracket_and_json_then_exits_130(monkeypatch, tmp_path, capsys):
    from sparsecert.sparse_models import random_block
    from sparsecert.sparse_models.io import save_npz
    from sparsecert.verify.cli.main import main

    path = tmp_path / "m.npz"
    save_npz(random_block(40, 24, seed=2, fire_rate=0.05), path)
    _interrupt_inside(monkeypatch, "lp_branch_and_bound")
    _interrupt_inside(monkeypatch, "branch_and_bound")
    rc = main(["maxact", str(path), "--domain", "hypercube", "--method", "bnb", "--json"])
    out, err = capsys.readouterr()
    assert rc == 130
    data = json.loads(out)
    assert data["interrupted"] is True and data["lower"] <= data["upper"] <= 24
    assert "proved so far: max active in [" in err and len(err.strip().splitlines()) == 1


def test_cli_internal_error_exits_4_with_one_line(monkeypatch, tmp_path, capsys):
    """Exit 1 means a confirmed violation only: any unexpected exception is an internal error."""
    from sparsecert.sparse_models import random_block
    from sparsecert.sparse_models.io import save_npz
    import sparsecert.verify.cli.solve_cmds as cmds
    from sparsecert.verify.cli.main import EXIT_INTERNAL, main

    path = tmp_path / "m.npz"
    save_npz(random_block(4, 3, seed=0), path)

    def broken(*args, **kwargs):
        raise OverflowError("integer division result too large for a float")
    monkeypatch.setattr(cmds, "check_sparsity", broken)
    rc = main(["verify", str(path), "-k", "1", "--domain", "hypercube"])
    err = capsys.readouterr().err
    assert rc == EXIT_INTERNAL == 4
    assert err.count("\n") == 1 and "internal error: OverflowError" in err and "Traceback" not in err
    rc = main(["--debug", "verify", str(path), "-k", "1", "--domain", "hypercube"])
    assert rc == 4 and "Traceback" in capsys.readouterr().err


# -- 6. compilation is outside the budget -----------------------------------------------------

def test_kernel_compilation_moves_the_deadline(monkeypatch):
    """The engine warms the numba kernels before using them and adds the time taken to its
    deadline (simulated here: a warm-up reported as 5 s, which a 0.5 s timeout must not lose)."""
    import sparsecert.verify.engine.core as core
    from sparsecert.sparse_models import Hypercube, random_block

    monkeypatch.setattr(core, "warm_up", lambda: 5.0)
    block = random_block(12, 16, seed=3, fire_rate=0.2)
    eng = core.Engine(block, Hypercube(12), 0.0, 0.5, "auto", True, 0, "z3")
    before = eng.budget.deadline
    eng.warm()
    assert eng.budget.deadline == before + 5.0
    assert any("not counted" in note for note in eng.record.notes)


def test_warm_up_runs_once_per_process():
    from sparsecert.verify.compiled import warm_up

    warm_up()
    assert warm_up() == 0.0


# -- 8. deterministic budgets -------------------------------------------------------------------

def _answer(res):
    return (res.value, res.upper_bound, res.optimal, tuple(res.witness.x), res.witness.active_units,
            res.stats.solver_calls, res.stats.method)


@pytest.mark.parametrize("domain_kind", ["box", "cube"])
def test_node_limited_runs_give_identical_answers(domain_kind):
    from sparsecert.sparse_models import Hypercube, random_block

    if domain_kind == "box":
        block, domain = random_block(12, 64, seed=0, fire_rate=0.05), Box.uniform(12, -1, 1)
    else:
        block, domain = random_block(40, 24, seed=2, fire_rate=0.05), Hypercube(40)
    first = max_active(block, domain, node_limit=60)
    again = max_active(block, domain, node_limit=60)
    assert _answer(first) == _answer(again)
    assert first.value <= first.upper_bound < block.s  # the frontier bound, not the width
    k = first.value
    a, b = check_sparsity(block, k, domain, node_limit=60), check_sparsity(block, k, domain, node_limit=60)
    assert type(a) is type(b) and a.as_dict().keys() == b.as_dict().keys()


def test_cli_node_limit_is_reproducible(tmp_path, capsys):
    from sparsecert.sparse_models import random_block
    from sparsecert.sparse_models.io import save_npz
    from sparsecert.verify.cli.main import main

    path = tmp_path / "m.npz"
    save_npz(random_block(12, 64, seed=0, fire_rate=0.05), path)
    runs = []
    for _ in range(2):
        rc = main(["maxact", str(path), "--domain", "box:-1:1", "--node-limit", "60", "--json"])
        assert rc in (0, 3)
        data = json.loads(capsys.readouterr().out)
        data["stats"].pop("time_s")
        data["stats"]["notes"] = [n for n in data["stats"]["notes"] if "numba" not in n]
        runs.append(data)
    assert runs[0] == runs[1]
    assert main(["maxact", str(path), "--domain", "box:-1:1", "--node-limit", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--node-limit" in err


# -- found by the review hunt after the fixes above ----------------------------------------------

def test_stopped_polytope_witness_reports_the_exact_active_set_at_its_point():
    """node_limit=0 stops at once; the reported units must be the exact set at the reported point."""
    block = MLPBlock([[3e300, 1e300, -1e300]], [-2e100])
    poly = Polytope([[-2.01211033070515e-310, 1.00605516535257e-310, 2.01211033070515e-310]], [-2.0])
    res = max_active(block, poly, node_limit=0)
    w = res.witness
    x = w.exact_x if w.exact_x is not None else w.x
    assert _exact_count(block, x) == w.count == res.value <= res.upper_bound
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    lhs = sum((Fraction(float(a)) * v for a, v in zip(poly.A[0], xs)), Fraction(0))
    assert lhs <= Fraction(float(poly.c[0]))  # the point lies in the polytope, exactly


def test_box_search_ends_without_a_clock():
    """Deterministic mode (node limit, no timeout) on a box whose float products round a tie
    differently by shape: the local search used to loop for ever."""
    block = MLPBlock([[-2e-300, -2e-300], [1e-300, 2e-300], [2e-300, -3e-300], [-2e-300, -2e-300]],
                     [3e-300, -2e-300, 1e-300, 3e-300])
    res = max_active(block, Box([2e300, -2e300], [4e300, 0.0]), method="z3", node_limit=1)
    assert res.value <= 3 <= res.upper_bound


def test_deep_box_past_the_float_range():
    from sparsecert.sparse_models.network import Dense, Network
    from sparsecert.verify.deep import InputBox, max_active as deep_max_active

    net = Network([Dense([[1.0, 1.0], [1.0, -1.0]], [0.0, 0.0], "relu"), Dense([[1.0, 1.0]], [0.0])])
    res = deep_max_active(net, 0, InputBox([Fraction(-10) ** 401, Fraction(0)], [Fraction(0), Fraction(1)]))
    assert res.optimal and res.value == 1  # x1 > -x0 and x0 > x1 cannot hold together with x0 <= 0


