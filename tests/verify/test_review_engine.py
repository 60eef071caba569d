"""Review of the max-active engine after the portfolio refactor (issue 16): differential tests.

Every answer is compared with an oracle that shares no code with verify/:

* cubes: brute force over every vertex (``oracle.brute_max_active`` for integer cube values,
  :func:`_frac_cube_max` in Fractions for the others);
* boxes, balls and polytopes: unit subsets decided by exact Fourier-Motzkin elimination
  (``test_real_domains._fm_feasible``).

What must hold for every run, whatever the budget: ``lower <= max <= upper``, the witness
counts exactly ``lower``; an unlimited run is optimal (checks decided); ``Verified`` only when
max <= k, ``Violated`` only with a witness of more than k. The instances are built so that
``independent_groups`` splits them (units on disjoint coordinate blocks) and the per-group
goals (``Goal.for_part`` with the other groups unsettled) are exercised. Some tests force the
group solvers (tiny scan off, a weak primal search, the LP branch and bound on small groups)
so that the goal-aware pruning of enumeration and the compiled branch and bound does the work.

Heavier variants are marked ``slow``.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, Polytope
from sparsecert.verify import Unknown, Verified, Violated, check_sparsity, max_active
from sparsecert.verify.budget import Budget
from sparsecert.verify.exclusions import analyse_cube
from sparsecert.verify.goal import Goal
from sparsecert.verify.progress import Progress
from sparsecert.verify.results import Interrupted, MaxActive
from sparsecert.verify.solvers import cube_bnb, enumeration, smt as smt_module, tiny_scan
from sparsecert.verify.solvers.cpsat import CPSAT_SOLVER
from sparsecert.verify.solvers.cube_bnb import CUBE_BNB, HAVE_NUMBA
from sparsecert.verify.solvers.enumeration import ENUMERATION_FORCED
from sparsecert.verify.solvers.lp import staged
from sparsecert.verify.solvers.lp.cube import LP_CUBE
from sparsecert.verify.solvers.smt import SOLVER as SMT

from .oracle import brute_max_active
from .solvers.support import cube_group
from .test_real_domains import _fm_feasible

CUBE_METHODS = ("auto", "enumerate", "bnb", "smt") + (("cpsat",) if CPSAT_SOLVER.available() else ())
REAL_METHODS = ("auto", "bnb", "smt", "enumerate")
BUDGETS = ((None, None), (0, None), (1, None), (2, None), (5, None))  # (node_limit, timeout)
VALUES = ((0, 1), (-1, 1), (-2, 3), (0.1, 0.7), (-1e-300, 1e-300))
SCALES = (1.0, 1.0, 0.5, 1e-12, 1e12, 1e-300, 1e300)
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]  # the fixtures only patch constants
FAST = settings(max_examples=80, deadline=None, suppress_health_check=_QUIET)
SLOW = settings(max_examples=400, deadline=None, suppress_health_check=_QUIET)


# -- exact oracles -------------------------------------------------------------------------------
def _fr(v) -> Fraction:
    return Fraction(float(v))


def exact_count(W, b, x, tau) -> int:
    """Active units at x (floats or Fractions), in Fractions."""
    t = _fr(tau)
    xs = [v if isinstance(v, Fraction) else _fr(v) for v in x]
    return sum(_fr(b[i]) + sum(_fr(w) * v for w, v in zip(W[i], xs) if w) > t for i in range(W.shape[0]))


def _frac_cube_max(W, b, values, tau) -> int:
    if all(float(v).is_integer() for v in values):
        return brute_max_active(W, b, tuple(int(v) for v in values), tau)
    return max(exact_count(W, b, x, tau) for x in product(values, repeat=W.shape[1]))


def _lin_box(lo, hi) -> list[tuple[list[Fraction], Fraction]]:
    n, out = len(lo), []
    for j in range(n):
        e = [Fraction(0)] * n
        e[j] = Fraction(1)
        out.append((e, Fraction(hi[j])))
        out.append(([-v for v in e], -Fraction(lo[j])))
    return out


def real_oracle(W, b, tau, lin) -> int | None:
    """Max active over {x : a.x <= c for (a, c) in lin}; None when that set is empty."""
    base = [(list(a), c, False) for a, c in lin]
    n = W.shape[1]
    if not _fm_feasible(base, n):
        return None
    t = _fr(tau)
    for size in range(W.shape[0], 0, -1):
        for S in combinations(range(W.shape[0]), size):
            rows = base + [([-_fr(v) for v in W[i]], _fr(b[i]) - t, True) for i in S]  # w.x + b > tau
            if _fm_feasible(rows, n):
                return size
    return 0


# -- instances -----------------------------------------------------------------------------------
# The instances come from a seed Hypothesis draws; a falsifying example prints as the call that
# rebuilds it (``make_grouped_cube(seed, n_max, s_max)`` or ``make_real(seed)``). Hypothesis' own
# numbers (mostly 0 and small integers) gave instances that presolve and the first search settle
# without any solver. Units oppose earlier units of their group and biases put tau inside most
# units' ranges, so a group's maximum needs a proof.
STYLES = ("opposed", "gauss", "opposed", "ints", "ties", "mixed")


def _unit(rng, style: str, blk: np.ndarray, n: int, earlier: list[tuple[np.ndarray, float]]):
    w = np.zeros(n)
    if style == "opposed" and earlier and rng.random() < 0.7:
        w0, b0 = earlier[int(rng.integers(0, len(earlier)))]
        w = -w0 + np.where(w0 != 0, rng.normal(size=n) * 0.3, 0.0)
        return w, float(-b0 + rng.normal() * 0.1)
    if style in ("ints", "ties"):
        w[blk] = rng.integers(-2, 3, size=blk.size)
        return w, float(rng.integers(-2, 3)) + (0.5 if style == "ints" and rng.random() < 0.3 else 0.0)
    if style == "mixed":  # magnitudes 1e-300 .. 1e300 inside one row: float sums lose the small terms
        w[blk] = rng.choice([0.0, 1.0, -1.0, 1e300, -1e300, 1e-300, -3e-300, 2.0], size=blk.size)
        return w, float(rng.choice([0.0, 1e-300, -1e-300, 1.0, -1e300]))
    w[blk] = rng.normal(size=blk.size)
    return w, float(rng.normal() * 0.3)


def make_grouped_cube(seed: int, n_max: int = 8, s_max: int = 10):
    """(block, values, tau): units on disjoint coordinate blocks (several independent groups),
    with integer ties, opposing units, duplicates, zero rows and extreme scales."""
    rng = np.random.default_rng(seed)
    values = VALUES[int(rng.integers(0, len(VALUES)))]
    n = int(rng.integers(2, n_max + 1))
    ng = int(rng.integers(1, max(1, min(3, n // 2)) + 1))
    s = int(rng.integers(ng, s_max + 1))
    style = STYLES[int(rng.integers(0, len(STYLES)))]
    scale = float(rng.choice(SCALES)) if style != "mixed" else 1.0
    tau = float(rng.choice((0.0, 0.0, 0.0, 0.5, -0.5, 1e-300)))
    blocks = np.array_split(rng.permutation(n), ng)
    rows, per_group = [], [[] for _ in range(ng)]
    for i in range(s):
        g = i % ng
        w, b = _unit(rng, style, blocks[g], n, per_group[g])
        per_group[g].append((w, b))
        rows.append((w, b))
    W, b = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    if style in ("gauss", "opposed") and rng.random() < 0.75:  # every unit undecided: tau inside its range
        lo, hi = values
        zmin, zmax = np.minimum(W * lo, W * hi).sum(axis=1), np.maximum(W * lo, W * hi).sum(axis=1)
        b = tau - (zmin + zmax) / 2 + rng.uniform(-0.8, 0.8, size=s) * (zmax - zmin) / 2
    W, b, tau = W * scale, b * scale, tau * scale
    if rng.random() < 0.3:  # a duplicated unit
        j = int(rng.integers(0, s))
        W, b = np.vstack([W, W[j]]), np.append(b, b[j])
    if rng.random() < 0.2:  # a zero row: its own group, with no coordinate
        W, b = np.vstack([W, np.zeros(n)]), np.append(b, float(rng.choice((-1.0, 0.0, 1.0))))
    return MLPBlock(W, b), values, tau


class _Seeded(tuple):
    """An instance that prints as the call rebuilding it (Hypothesis shows it in a falsifying example)."""

    def __new__(cls, call: str, inst: tuple):
        self = super().__new__(cls, inst)
        self.call = call
        return self

    def __repr__(self) -> str:
        return self.call


def grouped_cubes(n_max: int = 8, s_max: int = 10):
    return st.integers(0, 2**32 - 1).map(
        lambda seed: _Seeded(f"make_grouped_cube({seed}, {n_max}, {s_max})", make_grouped_cube(seed, n_max, s_max)))


def make_real(seed: int):
    """(block, domain, tau, linear rows of the domain) in 1 to 3 dimensions."""
    rng = np.random.default_rng(seed)
    n, s = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    ints = rng.random() < 0.5
    if ints:
        W, b = rng.integers(-2, 3, size=(s, n)).astype(float), rng.integers(-2, 3, size=s).astype(float)
    else:
        W, b = rng.normal(size=(s, n)), rng.normal(size=s) * 0.5
    if rng.random() < 0.5:  # units along one direction, opposed or not
        W[1:] = -W[0] * rng.choice([1.0, 0.5, -2.0], size=(s - 1, 1))
        if not ints:
            W[1:] += rng.normal(size=(s - 1, n)) * 0.2
    kind = ("box", "ball", "polytope")[int(rng.integers(0, 3))]
    if kind == "box":
        lo = rng.integers(-2, 1, size=n).astype(float)
        hi = lo + rng.integers(0, 3, size=n)
        domain, lin = Box(lo, hi), _lin_box(lo, hi)
    elif kind == "ball":
        c = rng.integers(-3, 4, size=n) / float(rng.choice((3.0, 4.0, 10.0)))
        within = Box.uniform(n, -1, 1) if rng.random() < 0.5 else None
        domain = LinfBall(c, float(rng.choice((0.0, 0.1, 0.25, 1 / 3, 1.0))), within)  # the centre is in [-1, 1]
        lin = _lin_box(*domain.exact_bounds())
    else:
        m = int(rng.integers(1, 4))
        A = rng.integers(-2, 3, size=(m, n)).astype(float)
        c = rng.integers(-1, 3, size=m).astype(float)
        if rng.random() < 0.6:  # bounded
            A, c = np.vstack([A, np.eye(n), -np.eye(n)]), np.concatenate([c, np.full(n, 2.0), np.full(n, 2.0)])
        domain, lin = Polytope(A, c), [([_fr(v) for v in A[i]], _fr(c[i])) for i in range(len(A))]
    if kind != "polytope" and not ints and rng.random() < 0.75:  # tau = 0 inside every unit's range
        lo_f, hi_f = domain.outer_bounds()
        zmin, zmax = np.minimum(W * lo_f, W * hi_f).sum(axis=1), np.maximum(W * lo_f, W * hi_f).sum(axis=1)
        b = -(zmin + zmax) / 2 + rng.uniform(-0.8, 0.8, size=s) * (zmax - zmin) / 2
    scale = float(rng.choice((1.0, 1.0, 1e-300, 1e300)))
    tau = float(rng.choice((0.0, 0.0, 0.5, -0.5))) * (scale if rng.random() < 0.5 else 1.0)
    return MLPBlock(W * scale, b * scale), domain, tau, lin


def real_instances():
    return st.integers(0, 2**32 - 1).map(lambda seed: _Seeded(f"make_real({seed})", make_real(seed)))


# -- what every answer must satisfy --------------------------------------------------------------
def assert_bracket(res: MaxActive, block, tau, expected: int, ctx, unlimited: bool) -> None:
    assert res.lower <= expected <= res.upper, (ctx, res, expected)
    assert res.witness is not None, ctx
    x = res.witness.exact_x or res.witness.x
    assert exact_count(block.W1, block.b1, x, tau) == res.lower == res.witness.count, (ctx, res)
    if res.optimal:
        assert res.lower == expected, (ctx, res, expected)
    if unlimited:
        assert res.optimal, (ctx, res, expected)


def assert_check(res, block, k: int, tau, expected: int, ctx, unlimited: bool) -> None:
    if isinstance(res, Verified):
        assert expected <= res.upper <= k, (ctx, k, res, expected)
    elif isinstance(res, Violated):
        x = res.witness.exact_x or res.witness.x
        assert expected > k and exact_count(block.W1, block.b1, x, tau) > k, (ctx, k, res, expected)
    else:
        assert isinstance(res, Unknown), (ctx, res)
        assert res.lower <= k < res.upper and res.lower <= expected <= res.upper, (ctx, k, res, expected)
        assert not unlimited, (ctx, k, "undecided without any limit", res, expected)


def _ks(expected: int, s: int) -> list[int]:
    return sorted({max(0, expected - 1), expected, min(s, expected + 1)})


# -- cubes ---------------------------------------------------------------------------------------
@FAST
@given(inst=grouped_cubes(), method=st.sampled_from(CUBE_METHODS), presolve=st.booleans(),
       budget=st.sampled_from(BUDGETS))
def test_cube_max_active_brackets_hold(inst, method, presolve, budget):
    block, values, tau = inst
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    nl, to = budget
    res = max_active(block, Hypercube(block.n, values), tau=tau, method=method, presolve=presolve,
                     node_limit=nl, timeout=to)
    assert_bracket(res, block, tau, expected, (method, presolve, budget), nl is None and to is None)


@FAST
@given(inst=grouped_cubes(), method=st.sampled_from(CUBE_METHODS), presolve=st.booleans(),
       budget=st.sampled_from(BUDGETS))
def test_cube_checks_at_max_minus_one_max_and_max_plus_one(inst, method, presolve, budget):
    block, values, tau = inst
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    nl, to = budget
    for k in _ks(expected, block.s):
        res = check_sparsity(block, k, Hypercube(block.n, values), tau=tau, method=method, presolve=presolve,
                             node_limit=nl, timeout=to)
        assert_check(res, block, k, tau, expected, (method, presolve, budget), nl is None and to is None)


@pytest.fixture
def forced_groups(monkeypatch):
    """No tiny scan (the groups' solvers run), and a primal search that returns the all-``lo``
    vertex, so each group starts from a poor lower bound and the goal-aware pruning (floor
    max(lower, within), stop above exceed) has to do the work. ``lp=True`` also sends every
    group to the LP branch and bound instead of the compiled one."""
    from sparsecert.verify.engine import cube as cube_engine

    monkeypatch.setattr(tiny_scan, "TINY_CUBE_WORK", 0)
    monkeypatch.setattr(cube_engine, "cube_search", lambda W, b, lo, hi, tau, **kw: np.full(W.shape[1], lo, float))

    def configure(lp: bool) -> None:
        monkeypatch.setattr(cube_bnb, "LP_BNB_MIN_COORDS", 0 if lp else 37)

    return configure


@FAST
@given(inst=grouped_cubes(n_max=9, s_max=9), method=st.sampled_from(CUBE_METHODS), lp=st.booleans(),
       budget=st.sampled_from(BUDGETS + ((None, 1e-6), (3, 1e-3))))
def test_forced_group_solvers_with_part_goals(forced_groups, inst, method, lp, budget):
    block, values, tau = inst
    forced_groups(lp)
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    nl, to = budget
    dom = Hypercube(block.n, values)
    unlimited = nl is None and to is None
    res = max_active(block, dom, tau=tau, method=method, presolve=False, node_limit=nl, timeout=to)
    assert_bracket(res, block, tau, expected, (method, lp, budget), unlimited)
    for k in _ks(expected, block.s):
        res = check_sparsity(block, k, dom, tau=tau, method=method, presolve=False, node_limit=nl, timeout=to)
        assert_check(res, block, k, tau, expected, (method, lp, budget), unlimited)


# -- each group solver with a part goal, the other groups not settled ------------------------------
GROUP_SOLVERS = [s for s in (CUBE_BNB, ENUMERATION_FORCED, SMT, LP_CUBE, CPSAT_SOLVER) if s.available()]


@FAST
@given(inst=grouped_cubes(n_max=7, s_max=7), data=st.data())
def test_group_solvers_never_claim_the_floor(inst, data):
    """A solver given ``Goal(exceed, within)`` and ``others`` may prune to max(lower, within - others_upper)
    and stop above exceed - others_lower; it must never report a count without a point that
    attains it, nor an upper bound below the group's maximum, nor ``complete`` unless its lower
    bound is the maximum. With no limit it must answer the part goal (or settle the group)."""
    block, values, tau = inst
    g0 = cube_group(block, values, tau)
    g0 = replace(g0, structure=analyse_cube(g0.rows))
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    s = len(g0.rows)
    y = data.draw(st.lists(st.integers(0, 1), min_size=block.n, max_size=block.n))
    lower = g0.count(y)
    upper = data.draw(st.integers(max(lower, expected), s))
    ol = data.draw(st.integers(0, 3))
    ou = ol + data.draw(st.integers(0, 3))
    exceed = data.draw(st.none() | st.integers(-1, s + ol + 1))
    within = None if exceed is None else data.draw(st.integers(-1, exceed))
    group = replace(g0, lower=lower, upper=upper, point={j: Fraction(v) for j, v in enumerate(y)},
                    others=(ol, ou), single=data.draw(st.booleans()))
    goal = Goal(exceed, within)
    for solver in GROUP_SOLVERS:
        for budget in (Budget.unlimited(), Budget(None, 0), Budget(None, 1), Budget(None, 3)):
            if solver is SMT and budget.node_limit:
                continue  # SMT ignores node counts (it only stops when they are spent)
            out = solver.run(group, goal, budget)
            ctx = (solver.name, goal, group.others, lower, upper, budget, expected, out)
            assert out.lower >= lower, ctx
            if out.point is None:
                assert out.lower == lower, ctx
            else:
                full = [0] * block.n
                for j, v in out.point.items():
                    full[j] = v
                assert group.count(full) == out.lower, ctx
            assert out.lower <= expected, ctx
            assert out.upper is None or out.upper >= expected, ctx
            assert not out.complete or out.lower == expected, ctx
            merged = group.with_outcome(out)
            assert merged.lower <= expected <= merged.upper, ctx
            if budget.node_limit is None and solver is not CPSAT_SOLVER:
                assert merged.settled or group.part_goal(goal).settled(merged.lower, merged.upper), ctx


def test_lp_cube_takes_a_group_without_coordinates():
    """Regression (found by this review, fixed in 7854a53): LP_CUBE.applies() accepts a group whose
    rows use no coordinate (zero rows, presolve off); with its node budget spent the first LP stage
    left it open and the annealing stage drew ``np.random.randint(0)`` inside ``cube_anneal``
    (ValueError: empty range for randrange())."""
    if not LP_CUBE.available():
        pytest.skip("HiGHS is not installed")
    block = MLPBlock(np.zeros((1, 2)), np.zeros(1))  # z = 0 = tau everywhere: never active
    group = replace(cube_group(block, (-1, 1), 0.0), coords=np.zeros(0, np.int64))
    assert LP_CUBE.applies(group)
    out = LP_CUBE.run(group, Goal.maximise(), Budget(None, 0))
    assert out.lower == 0 and (out.upper is None or out.upper >= 0)


# -- interrupts ----------------------------------------------------------------------------------
class _Boom:
    """Replace ``module.name`` by a wrapper that raises KeyboardInterrupt on call ``after + 1``
    (before the call, or just after it returned: its result is then lost)."""

    def __init__(self, module, name: str, after: int, post: bool) -> None:
        self.module, self.name, self.orig = module, name, getattr(module, name)
        self.after, self.post, self.calls = after, post, 0

    def __call__(self, *args, **kw):
        self.calls += 1
        if self.calls > self.after and not self.post:
            raise KeyboardInterrupt
        out = self.orig(*args, **kw)
        if self.calls > self.after:
            raise KeyboardInterrupt
        return out


INTERRUPT_POINTS = ((cube_bnb, "branch_and_bound"), (enumeration, "enumerate_cube"), (smt_module, "make_backend"),
                    (staged, "lp_branch_and_bound"), (staged, "milp_candidates"))


@FAST
@given(inst=grouped_cubes(), where=st.sampled_from(INTERRUPT_POINTS), after=st.integers(0, 2), post=st.booleans(),
       method=st.sampled_from(("auto", "bnb", "enumerate", "smt")), lp=st.booleans())
def test_interrupt_inside_a_solver_keeps_a_sound_bracket(forced_groups, inst, where, after, post, method, lp):
    from sparsecert.verify.compiled import warm_up

    warm_up()  # the warm-up calls the kernels too: not the place to interrupt
    forced_groups(lp)
    block, values, tau = inst
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    dom = Hypercube(block.n, values)
    boom = _Boom(*where, after, post)
    setattr(*where, boom)
    try:
        try:
            res = max_active(block, dom, tau=tau, method=method, presolve=False)
        except Interrupted as e:
            res = e.partial
            assert isinstance(res, MaxActive) and not res.optimal
        assert_bracket(res, block, tau, expected, (where[1], after, post, method), False)
        for k in _ks(expected, block.s):
            boom.calls = 0
            try:
                res = check_sparsity(block, k, dom, tau=tau, method=method, presolve=False)
            except Interrupted as e:
                res = e.partial
                assert isinstance(res, Unknown)
            assert_check(res, block, k, tau, expected, (where[1], after, post, method), False)
    finally:
        setattr(where[0], where[1], boom.orig)


# -- real domains --------------------------------------------------------------------------------
@FAST
@given(inst=real_instances(), method=st.sampled_from(REAL_METHODS), presolve=st.booleans(),
       budget=st.sampled_from(((None, None), (0, None), (1, None), (3, None), (None, 1e-6))))
def test_real_domains_against_fourier_motzkin(inst, method, presolve, budget):
    block, dom, tau, lin = inst
    expected = real_oracle(block.W1, block.b1, tau, lin)
    if expected is None:
        return  # an empty polytope (presolve says so)
    nl, to = budget
    unlimited = nl is None and to is None
    res = max_active(block, dom, tau=tau, method=method, presolve=presolve, node_limit=nl, timeout=to)
    assert_bracket(res, block, tau, expected, (method, presolve, budget), unlimited)
    for k in _ks(expected, block.s):
        res = check_sparsity(block, k, dom, tau=tau, method=method, presolve=presolve, node_limit=nl, timeout=to)
        assert_check(res, block, k, tau, expected, (method, presolve, budget), unlimited)


class _RecordedProgress(Progress):
    """A silent live-progress sink that keeps every whole-problem bracket handed to it."""

    def __init__(self) -> None:
        self.log: list[tuple[int, int, str, str]] = []
        super().__init__(enabled=False)

    def bracket(self, lower: int, upper: int) -> None:
        self.log.append((int(lower), int(upper), self.phase, self.step))
        super().bracket(lower, upper)


@FAST
@given(inst=grouped_cubes(n_max=9), method=st.sampled_from(("auto", "bnb", "enumerate")), lp=st.booleans(),
       node_limit=st.sampled_from((None, 1, 3, 50)))
def test_live_progress_reports_only_proved_bounds(forced_groups, monkeypatch, inst, method, lp, node_limit):
    """verify/progress.py promises that every bound it shows is proved: each bracket handed to the sink
    (presolve's, the engine's, and the searches' between chunks) must hold the true maximum."""
    from sparsecert.verify.solvers.lp import bnb as lp_bnb

    forced_groups(lp)
    monkeypatch.setattr(cube_bnb, "CHUNK_NODES_LIVE", 3)  # a report after every few compiled nodes
    monkeypatch.setattr(cube_bnb, "REPORT_EVERY_S", 0.0)
    monkeypatch.setattr(lp_bnb, "REPORT_EVERY_S", 0.0)
    block, values, tau = inst
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    dom = Hypercube(block.n, values)
    sink = _RecordedProgress()
    res = max_active(block, dom, tau=tau, method=method, presolve=False, node_limit=node_limit, progress=sink)
    assert_bracket(res, block, tau, expected, (method, lp, node_limit), node_limit is None)
    for k in _ks(expected, block.s):
        check_sparsity(block, k, dom, tau=tau, method=method, presolve=False, node_limit=node_limit, progress=sink)
    bad = [e for e in sink.log if not e[0] <= expected <= e[1]]
    assert not bad, (method, lp, node_limit, expected, bad[:3])


def test_node_limited_runs_repeat():
    """node_limit without a timeout: every stage does fixed work, so two runs give one answer."""
    rng = np.random.default_rng(7)
    for _ in range(6):
        W = rng.normal(size=(9, 8))
        W[5:] = -0.9 * W[:4]  # opposing units: the maximum needs a proof
        block = MLPBlock(W, rng.normal(size=9) * 0.3)
        for method in ("auto", "bnb"):
            for nl in (1, 4):
                a = max_active(block, Hypercube(8), method=method, node_limit=nl)
                b = max_active(block, Hypercube(8), method=method, node_limit=nl)
                assert (a.lower, a.upper, tuple(a.witness.x)) == (b.lower, b.upper, tuple(b.witness.x))


# -- heavier variants ----------------------------------------------------------------------------
@pytest.mark.slow
@SLOW
@given(inst=grouped_cubes(n_max=10, s_max=10), method=st.sampled_from(CUBE_METHODS), presolve=st.booleans(),
       budget=st.sampled_from(BUDGETS + ((None, 1e-6), (None, 1e-3), (3, 1e-2))))
def test_slow_cube_differential(inst, method, presolve, budget):
    block, values, tau = inst
    expected = _frac_cube_max(block.W1, block.b1, values, tau)
    nl, to = budget
    dom = Hypercube(block.n, values)
    unlimited = nl is None and to is None
    res = max_active(block, dom, tau=tau, method=method, presolve=presolve, node_limit=nl, timeout=to)
    assert_bracket(res, block, tau, expected, (method, presolve, budget), unlimited)
    for k in _ks(expected, block.s):
        res = check_sparsity(block, k, dom, tau=tau, method=method, presolve=presolve, node_limit=nl, timeout=to)
        assert_check(res, block, k, tau, expected, (method, presolve, budget), unlimited)


@pytest.mark.slow
@SLOW
@given(inst=grouped_cubes(n_max=10, s_max=10), method=st.sampled_from(CUBE_METHODS), lp=st.booleans(),
       budget=st.sampled_from(BUDGETS + ((None, 1e-6), (3, 1e-3))))
def test_slow_forced_group_solvers(forced_groups, inst, method, lp, budget):
    test_forced_group_solvers_with_part_goals.hypothesis.inner_test(forced_groups, inst, method, lp, budget)


@pytest.mark.slow
@SLOW
@given(inst=real_instances(), method=st.sampled_from(REAL_METHODS), presolve=st.booleans(),
       budget=st.sampled_from(((None, None), (0, None), (1, None), (3, None), (None, 1e-6), (None, 1e-3))))
def test_slow_real_domains(inst, method, presolve, budget):
    test_real_domains_against_fourier_motzkin.hypothesis.inner_test(inst, method, presolve, budget)


@pytest.mark.slow
def test_slow_large_cubes_take_the_lp_path():
    """Cubes of 26 to 57 coordinates (from 37 on, auto sends them to the LP branch and bound) whose weights are
    constant on coordinate blocks: the oracle enumerates the blocks' sums instead of the vertices."""
    rng = np.random.default_rng(0)
    for idx in range(4):
        nb, size, s = int(rng.integers(2, 4)), int(rng.integers(13, 20)), int(rng.integers(3, 9))
        values = ((-1, 1), (0, 1))[idx % 2]
        C = rng.integers(-3, 4, size=(s, nb)).astype(float)
        block = MLPBlock(np.repeat(C, size, axis=1), rng.integers(-4, 5, size=s) + rng.choice([0.0, 0.5], size=s))
        sums = [values[0] * (size - k) + values[1] * k for k in range(size + 1)]
        expected = max(int((block.b1 + C @ np.array(S, float) > 0).sum()) for S in product(sums, repeat=nb))
        dom = Hypercube(block.n, values)
        for method, nl, to in (("auto", None, 20.0), ("auto", 3, None), ("bnb", None, 0.05)):
            res = max_active(block, dom, method=method, node_limit=nl, timeout=to)
            assert_bracket(res, block, 0.0, expected, (idx, method, nl, to), False)
            for k in (max(0, expected - 1), expected):
                res = check_sparsity(block, k, dom, method=method, node_limit=nl, timeout=to)
                assert_check(res, block, k, 0.0, expected, (idx, method, nl, to), False)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_NUMBA, reason="the parallel scan is exercised with the compiled kernels")
def test_slow_parallel_enumeration_prunes_to_the_goal(monkeypatch):
    """jobs=2 splits the enumeration of a group over processes (threshold lowered here)."""
    monkeypatch.setattr(enumeration, "PARALLEL_WORK", 1)
    monkeypatch.setattr(tiny_scan, "TINY_CUBE_WORK", 0)
    rng = np.random.default_rng(11)
    for _ in range(6):
        W = rng.normal(size=(8, 13))
        W[4:] = -W[:4] + rng.normal(size=(4, 13)) * 0.2
        block = MLPBlock(W, rng.normal(size=8) * 0.3)
        expected = brute_max_active(block.W1, block.b1, (-1, 1), 0.0)
        for method in ("auto", "enumerate"):
            res = max_active(block, Hypercube(13), method=method, jobs=2)
            assert_bracket(res, block, 0.0, expected, method, True)
            for k in _ks(expected, block.s):
                assert_check(check_sparsity(block, k, Hypercube(13), method=method, jobs=2), block, k, 0.0,
                             expected, method, True)
