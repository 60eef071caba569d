"""The fast Z3 encodings (verify/backends/z3_encoding.py, verify/backends/z3_backend.py).

* the C-API builder says exactly what z3's Python operators say, on coefficients of any size;
* Z3Backend answers (cube, box, polytope, unbounded sides) against independent exact oracles:
  brute force over the cube (tests/verify/oracle.py) and, on real domains, subset enumeration
  with exact Fourier-Motzkin elimination in Fractions (no solver, no code shared with verify/);
* a passed deadline stops the build (rows counted, never wall-clock times: CI is loaded);
* max_slack / feasible_point on boxes, unbounded polytopes and empty ones.
"""

from __future__ import annotations

import time
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
import z3

import sparsecert.verify.backends.z3_encoding as zh
from sparsecert.sparse_models.errors import DomainError
from sparsecert.verify.backends import make_backend
from sparsecert.verify.backends.base import CubeQuery, RealQuery
from sparsecert.verify.backends.z3_backend import Z3Backend
from sparsecert.verify.integer_form import IntegerRows, cube_rows, real_rows
from sparsecert.verify.backends.z3_encoding import (EncodingTimeout, feasible_point, iter_linear_constraints,
                                                    linear_constraints, linear_sum, max_slack)

from .oracle import brute_max_active
from .test_real_domains import _fm_feasible

HUGE = [1e300, -1e-300, 2.0**-1074, -(2.0**1023), 3.5, 0.0, -1.0, 1.0]


# -- oracles -------------------------------------------------------------------------------------


def oracle_real_max(C, T, lower, upper, A=(), c=()) -> int:
    """Largest number of rows with C x > T at once over {lower <= x <= upper (None: no bound), A x <= c}."""
    n = len(lower)
    dom = []
    for j in range(n):
        e = [Fraction(int(i == j)) for i in range(n)]
        if upper[j] is not None:
            dom.append((e, Fraction(upper[j]), False))
        if lower[j] is not None:
            dom.append(([-v for v in e], -Fraction(lower[j]), False))
    dom += [([Fraction(v) for v in a], Fraction(ci), False) for a, ci in zip(A, c)]
    if not _fm_feasible(dom, n):
        raise AssertionError("oracle: empty domain")
    for size in range(len(C), 0, -1):
        for S in combinations(range(len(C)), size):
            rows = dom + [([-Fraction(v) for v in C[r]], -Fraction(T[r]), True) for r in S]
            if _fm_feasible(rows, n):
                return size
    return 0


def exact_active(C, T, x) -> int:
    return sum(sum(Fraction(cj) * xj for cj, xj in zip(Cr, x)) > Fraction(t) for Cr, t in zip(C, T))


def backend_max(backend, C, T, check_point) -> int:
    """Ask at_least(best + 1) until UNSAT; every SAT point is counted exactly by the test itself."""
    best = 0
    while True:
        out = backend.at_least(best + 1, None)
        if out.status == "unsat":
            return best
        assert out.status == "sat", out
        check_point(out.point)
        got = exact_active(C, T, out.point)
        assert got >= best + 1, (got, best + 1)
        best = got


# -- the builder against z3's own operators -------------------------------------------------------


def _slow_sum(coeffs, xs):
    terms = [zh.z3_fraction(Fraction(v)) * x for v, x in zip(coeffs, xs) if v]
    return z3.Sum(terms) if len(terms) > 1 else terms[0] if terms else z3.RealVal(0)


def _valid(formula) -> bool:
    s = z3.Solver()
    s.add(z3.Not(formula))
    return s.check() == z3.unsat


def _random_coeffs(rng, n):
    kinds = rng.integers(0, 5, size=n)
    out = []
    for k in kinds:
        if k == 0:
            out.append(0)
        elif k == 1:
            out.append(int(rng.integers(-2**62, 2**62)) * (1 << int(rng.integers(0, 300))))  # beyond 64 bits
        elif k == 2:
            out.append(Fraction(int(rng.integers(-10**6, 10**6)), int(rng.integers(1, 10**6))))
        elif k == 3:
            out.append(Fraction(float(rng.choice(HUGE))))  # float64 exactly, 1e300 next to 1e-300
        else:
            out.append(int(rng.integers(-3, 4)))
    return out


def test_builder_equals_python_operators_on_huge_and_tiny_coefficients():
    rng = np.random.default_rng(0)
    for n in (1, 2, 5, 17):
        xs = zh.real_vars("bx", n)
        for _ in range(10):
            coeffs = _random_coeffs(rng, n)
            rhs = Fraction(float(rng.choice(HUGE))) + Fraction(int(rng.integers(-5, 6)), 7)
            fast, slow = linear_sum(coeffs, xs), _slow_sum(coeffs, xs)
            assert _valid(fast == slow)
            a = z3.Bool("guard")
            for op, mk in ((">", lambda u, v: u > v), (">=", lambda u, v: u >= v), ("<=", lambda u, v: u <= v),
                           ("<", lambda u, v: u < v), ("==", lambda u, v: u == v)):
                (con,) = linear_constraints([(coeffs, rhs)], xs, op, guards=[a])
                assert _valid(con == z3.Implies(a, mk(slow, zh.z3_fraction(rhs))))


def test_builder_numerals_exact_at_rational_points():
    """Evaluate the built form at exact points: the same value as Python's Fraction arithmetic."""
    rng = np.random.default_rng(1)
    n = 6
    xs = zh.real_vars("ex", n)
    for _ in range(20):
        coeffs = _random_coeffs(rng, n)
        point = [Fraction(int(rng.integers(-50, 50)), int(rng.integers(1, 9))) for _ in range(n)]
        val = z3.simplify(z3.substitute(linear_sum(coeffs, xs),
                                        *[(x, zh.z3_fraction(p)) for x, p in zip(xs, point)]))
        assert zh.value_fraction(val) == sum(Fraction(cj) * p for cj, p in zip(coeffs, point))


def test_builder_integer_beyond_the_str_digit_limit_and_int_sort():
    big = (1 << 14000) + 12345  # > 12,000 bits: the split decimal conversion
    assert zh._dec(big) == str(big) and zh._dec(-big) == str(-big)
    x = z3.Real("bigx")
    assert _valid(linear_sum([big], [x]) == z3.RealVal(str(big)) * x)
    ys = [z3.Int("iy0"), z3.Int("iy1")]
    (con,) = linear_constraints([([2**70 + 1, -3], 2**65)], ys, ">")
    assert _valid(con == (z3.IntVal(2**70 + 1) * ys[0] - 3 * ys[1] > 2**65))
    with pytest.raises(ValueError):
        linear_constraints([([Fraction(1, 2), 1], 0)], ys, ">")
    with pytest.raises(ValueError):
        linear_constraints([([float("nan"), 1], 0)], zh.real_vars("nx", 2), ">")
    with pytest.raises(TypeError):
        linear_sum([1, 1], [z3.Real("mix"), z3.Int("mixi")])


def test_builder_deadline_raises_before_building_rows():
    xs = zh.real_vars("dx", 3)
    built = []

    def rows():
        for r in range(5):
            built.append(r)
            yield [1, 2, 3], r

    with pytest.raises(EncodingTimeout):
        list(iter_linear_constraints(rows(), xs, ">", deadline=time.monotonic() - 1.0))
    assert len(built) <= 1  # the deadline is checked before any row is encoded


# -- Z3Backend against exact oracles ---------------------------------------------------------------


def _weights(rng, s, n):
    kind = int(rng.integers(0, 3))
    if kind == 0:
        W = rng.normal(size=(s, n))
    elif kind == 1:
        W = rng.integers(-2, 3, size=(s, n)).astype(float)
    else:  # 1e300 next to 1e-300 in one row: integer rows of ~2,000 bits
        W = rng.choice(np.array(HUGE), size=(s, n))
    b = rng.choice(np.array([0.0, 1.0, -1.0, 0.5, 1e-300, -1e300, 1e300]), size=s) if kind == 2 \
        else rng.integers(-2, 3, size=s).astype(float)
    return W, b


@pytest.mark.parametrize("values", [(0, 1), (-1, 1)])
def test_cube_backend_matches_brute_force(values):
    rng = np.random.default_rng(10 + values[0])
    for idx in range(25):
        n, s = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        W, b = _weights(rng, s, n)
        tau = float(rng.choice([0.0, 0.5]))
        rows = cube_rows(W, b, range(s), float(values[0]), float(values[1]), tau)
        backend = Z3Backend(CubeQuery(rows, n))
        assert backend.rows_built == s and not backend.expired

        def check(y):
            assert all(v in (0, 1) for v in y)

        got = backend_max(backend, rows.C, rows.T, check)
        assert got == brute_max_active(W, b, values, tau), idx


def _inside(x, lower, upper, A=(), c=()):
    for j, v in enumerate(x):
        assert lower[j] is None or v >= lower[j]
        assert upper[j] is None or v <= upper[j]
    for a, ci in zip(A, c):
        assert sum(Fraction(aj) * v for aj, v in zip(a, x)) <= ci


def test_box_backend_matches_fourier_motzkin():
    rng = np.random.default_rng(2)
    for idx in range(30):
        n, s = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        W, b = _weights(rng, s, n)
        lo = [Fraction(float(v)) for v in rng.choice([-2.0, -1.0, -0.3, 0.0, 1e-300], size=n)]
        width = rng.choice([0.0, 0.5, 1.0, 3.0, 1e-300, 1e300], size=n)  # degenerate sides too
        hi = [l + Fraction(float(w)) for l, w in zip(lo, width)]
        rows = real_rows(W, b, range(s), 0.0)
        q = RealQuery(rows, tuple(lo), tuple(hi))
        backend = make_backend("z3", q)  # the old call
        assert backend.rows_built == s
        got = backend_max(backend, rows.C, rows.T, lambda x: _inside(x, lo, hi))
        assert got == oracle_real_max(rows.C, rows.T, lo, hi), idx


def _polytope(rng, n, m, bounded):
    """Integer rows A x <= c around an interior point (full-dimensional); optionally a box too."""
    x0 = [Fraction(int(v)) for v in rng.integers(-2, 3, size=n)]
    A = [[int(v) for v in rng.integers(-3, 4, size=n)] for _ in range(m)]
    if rng.random() < 0.3:
        A[0] = [int(rng.choice([-1, 1])) * 2**200 if j == 0 else 1 for j in range(n)]  # a huge row
    c = [sum(a * v for a, v in zip(row, x0)) + int(rng.integers(1, 4)) for row in A]
    if bounded:
        lower = [v - 3 for v in x0]
        upper = [v + 3 for v in x0]
    else:  # unbounded sides: None (some coordinates bounded on one side only)
        lower = [None if rng.random() < 0.6 else x0[j] - 1 for j in range(n)]
        upper = [None if rng.random() < 0.6 else x0[j] + 1 for j in range(n)]
    return A, c, lower, upper


@pytest.mark.parametrize("bounded", [True, False])
def test_polytope_backend_matches_fourier_motzkin(bounded):
    rng = np.random.default_rng(3 + bounded)
    for idx in range(20):
        n, s, m = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
        W, b = _weights(rng, s, n)
        A, c, lower, upper = _polytope(rng, n, m, bounded)
        rows = real_rows(W, b, range(s), 0.0)
        q = RealQuery(rows, tuple(lower), tuple(upper), tuple(map(tuple, A)), tuple(c))
        backend = make_backend("z3", q, deadline=None)
        assert backend.rows_built == m + s
        got = backend_max(backend, rows.C, rows.T, lambda x: _inside(x, lower, upper, A, c))
        assert got == oracle_real_max(rows.C, rows.T, lower, upper, A, c), idx


def test_unbounded_query_without_rows_goes_to_the_x_space_path():
    rows = IntegerRows((0, 1), ((1, 0), (0, -1)), (10**30, 5))  # x0 > 1e30, x1 < -5
    q = RealQuery(rows, (None, Fraction(-7)), (None, None))
    backend = Z3Backend(q)
    out = backend.at_least(2, None)
    assert out.status == "sat" and out.point[0] > 10**30 and -7 <= out.point[1] < -5


# -- deadlines -----------------------------------------------------------------------------------


def _ball_query(n=40, s=12):
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(s, n)), rng.normal(size=s) * 0.1
    rows = real_rows(W, b, range(s), 0.0)
    lo = [Fraction(float(v)) for v in rng.uniform(-1, 0, size=n)]
    return rows, RealQuery(rows, tuple(lo), tuple(v + Fraction(1, 3) for v in lo))


def _cube_query(n=30, s=12):
    rng = np.random.default_rng(5)
    rows = cube_rows(rng.normal(size=(s, n)), rng.normal(size=s), range(s), -1.0, 1.0, 0.0)
    return rows, CubeQuery(rows, n)


def _polytope_query(n=10, s=12):
    rng = np.random.default_rng(6)
    rows = real_rows(rng.normal(size=(s, n)), rng.normal(size=s), range(s), 0.0)
    A = tuple(tuple(int(v) for v in rng.integers(-3, 4, size=n)) for _ in range(5))
    return rows, RealQuery(rows, (None,) * n, (None,) * n, A, tuple(10 for _ in A))


@pytest.mark.parametrize("make", [_ball_query, _cube_query, _polytope_query])
def test_expired_deadline_builds_no_row_and_answers_unknown(make):
    rows, q = make()
    backend = make_backend("z3", q, deadline=time.monotonic() - 1.0)
    assert backend.expired and backend.rows_built == 0
    out = backend.at_least(1, None)
    assert out.status == "unknown" and out.reason == "timeout"
    assert backend.at_least(len(rows) + 1, None).status == "unsat"  # more units than exist: still exact


class _Clock:
    """A fake monotonic clock that advances one unit per reading: deadlines in readings."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("make", [_ball_query, _cube_query, _polytope_query])
def test_deadline_mid_build_stops_after_a_few_rows(make, monkeypatch):
    rows, q = make()
    clock = _Clock()
    monkeypatch.setattr(zh, "time", clock)
    backend = Z3Backend(q, deadline=6.0)  # only a few deadline readings before it passes
    assert backend.expired
    assert 0 < backend.rows_built < len(rows)
    assert backend.at_least(1, None) == backend.at_least(1, 5.0)
    assert backend.at_least(1, None).status == "unknown"


def test_live_deadline_still_answers():
    rows, q = _ball_query(8, 4)
    backend = Z3Backend(q, deadline=time.monotonic() + 3600)
    assert not backend.expired and backend.rows_built == len(rows)
    assert backend.at_least(1, None).status in ("sat", "unsat")


# -- max_slack and feasible_point ------------------------------------------------------------------


def _slack_ok(Cs, Ts, t, x):
    for C, T in zip(Cs, Ts):
        norm = max(1, sum(abs(v) for v in C))
        assert sum(Fraction(cj) * v for cj, v in zip(C, x)) - T >= t * norm


def test_max_slack_on_a_box_is_exact():
    # box [0,1]^2, row x0 + x1 > 1: the best common slack is (2 - 1) / 2 at (1, 1)
    out = max_slack([(1, 1)], [1], [Fraction(0), Fraction(0)], [Fraction(1), Fraction(1)], (), (), None)
    assert out is not None
    t, x = out
    assert t == Fraction(1, 2) and x == [1, 1]
    # infeasible for strict activity: t <= 0 says so
    t, x = max_slack([(1, 1)], [5], [0, 0], [1, 1], (), (), None)
    assert t == Fraction(-3, 2)
    _slack_ok([(1, 1)], [5], t, x)


def test_max_slack_huge_coefficients_and_unbounded_polytope():
    C = [(2**1000, -1), (-3, 7)]
    T = [2**999, -10**40]
    A = [(-1, 0), (0, -1)]  # x >= 0 quadrant: unbounded
    c = [0, 0]
    out = max_slack(C, T, [None, None], [None, None], A, c, None)
    assert out is not None
    t, x = out
    assert t == 1  # far enough out every row has slack ||C||_1
    _slack_ok(C, T, t, x)
    _inside(x, [None, None], [None, None], A, c)
    # one-sided bounds mixed with rows
    out = max_slack([(1, 1)], [0], [None, Fraction(-2)], [Fraction(3), None], [(1, -1)], [1], None)
    t, x = out
    assert t == 1 and x[0] <= 3 and x[1] >= -2 and x[0] - x[1] <= 1
    _slack_ok([(1, 1)], [0], t, x)


def test_max_slack_empty_domain_and_expired_deadline():
    assert max_slack([(1, 0)], [0], [None, None], [None, None], [(1, 0), (-1, 0)], [-1, -1], None) is None
    passed = time.monotonic() - 1.0  # a deadline already behind us
    assert max_slack([(1, 0)], [0], [0, 0], [1, 1], (), (), passed) is None


def test_feasible_point_unbounded_empty_and_deadline():
    A = [(1, 1, 0), (-1, 0, 0), (0, 0, -2**300)]  # x0 + x1 <= 5, x0 >= 7, x2 >= tiny: unbounded
    c = [5, -7, -1]
    x = feasible_point(A, c, 3, None)
    assert x is not None and all(isinstance(v, Fraction) for v in x)
    _inside(x, [None] * 3, [None] * 3, A, c)
    with pytest.raises(DomainError):
        feasible_point([(1, 0), (-1, 0)], [0, -1], 2, None)  # x0 <= 0 and x0 >= 1
    passed = time.monotonic() - 1.0  # a deadline already behind us
    assert feasible_point(A, c, 3, passed) is None
    assert feasible_point((), (), 2, None) == [0, 0]
