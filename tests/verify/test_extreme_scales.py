"""No wrong Verified at any scale: polytopes (bounded and unbounded), boxes and balls whose
weights and coordinates range from 1e-300 to 1e300, against an exact Fourier-Motzkin oracle.

A few examples run in the default suite; the ``slow`` suite runs many more (``make test-slow``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models import Box, LinfBall, MLPBlock, Polytope
from sparsecert.sparse_models.errors import DomainError
from sparsecert.verify import Unknown, Verified, Violated, check_sparsity, max_active

from .test_real_domains import _fm_feasible

EXPONENTS = st.sampled_from([-300, -200, -30, -1, 0, 0, 1, 15, 30, 100, 200, 300])


@st.composite
def scaled(draw, size: int) -> np.ndarray:
    """Small integers times one power of ten per draw (ties and cancellations are likely)."""
    mant = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    return np.array(mant, dtype=float) * 10.0 ** draw(EXPONENTS)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 2))
    s = draw(st.integers(1, 4))
    W = np.array([draw(scaled(n)) for _ in range(s)])
    b = np.array([float(draw(scaled(1))[0]) for _ in range(s)])
    assume(np.isfinite(W).all() and np.isfinite(b).all())
    kind = draw(st.sampled_from(["polytope", "box", "ball"]))
    if kind == "box":
        a, c = draw(scaled(n)), draw(scaled(n))
        lo, hi = np.minimum(a, c), np.maximum(a, c)
        return MLPBlock(W, b), Box(lo, hi), [(unit(n, j), Fraction(float(hi[j])), False) for j in range(n)] + \
            [([-v for v in unit(n, j)], -Fraction(float(lo[j])), False) for j in range(n)]
    if kind == "ball":
        center, radius = draw(scaled(n)), abs(float(draw(scaled(1))[0]))
        ball = LinfBall(center, radius)
        lo, hi = ball.exact_bounds()
        return MLPBlock(W, b), ball, [(unit(n, j), hi[j], False) for j in range(n)] + \
            [([-v for v in unit(n, j)], -lo[j], False) for j in range(n)]
    m = draw(st.integers(1, 4))  # polytopes: few rows, often unbounded
    A = np.array([draw(scaled(n)) for _ in range(m)])
    cvec = np.array([float(draw(scaled(1))[0]) for _ in range(m)])
    assume(np.isfinite(A).all())
    rows = [([Fraction(float(v)) for v in A[i]], Fraction(float(cvec[i])), False) for i in range(m)]
    assume(_fm_feasible(rows, n))  # an empty polytope is a DomainError, tested elsewhere
    return MLPBlock(W, b), Polytope(A, cvec), rows


def unit(n: int, j: int) -> list[Fraction]:
    e = [Fraction(0)] * n
    e[j] = Fraction(1)
    return e


def oracle_max(block: MLPBlock, domain_rows) -> int:
    from itertools import combinations

    n = block.n
    for size in range(block.s, 0, -1):
        for S in combinations(range(block.s), size):
            rows = list(domain_rows)
            for i in S:  # w.x + b > 0  <=>  -w.x < b
                rows.append(([-Fraction(float(v)) for v in block.W1[i]], Fraction(float(block.b1[i])), True))
            if _fm_feasible(rows, n):
                return size
    return 0


def _exact_count(block: MLPBlock, x) -> int:
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    return sum(sum((Fraction(float(w)) * v for w, v in zip(row, xs)), Fraction(float(bb))) > 0
               for row, bb in zip(block.W1, block.b1))


def _in_domain(domain_rows, x) -> bool:
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    return all(sum((a * v for a, v in zip(row, xs)), Fraction(0)) <= c for row, c, _ in domain_rows)


def _check(case) -> None:
    block, domain, rows = case
    truth = oracle_max(block, rows)
    try:
        res = max_active(block, domain, timeout=30)
    except DomainError:
        pytest.fail(f"DomainError on a non-empty domain {domain!r}")
    assert res.value <= truth <= res.upper_bound, (res, truth)
    w = res.witness
    x = w.exact_x if w.exact_x is not None else w.x
    assert _in_domain(rows, x), f"witness {x} outside the domain"
    assert _exact_count(block, x) == res.value
    if res.optimal:
        assert res.value == truth
    for k in {max(truth - 1, 0), truth}:
        out = check_sparsity(block, k, domain, timeout=30)
        if isinstance(out, Verified):
            assert truth <= k, f"wrong Verified k={k}, truth {truth}"
        elif isinstance(out, Violated):
            assert truth > k
            wx = out.witness.exact_x if out.witness.exact_x is not None else out.witness.x
            assert _in_domain(rows, wx) and _exact_count(block, wx) > k
        else:
            assert isinstance(out, Unknown)


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                derandomize=True)


@settings(max_examples=25, **SETTINGS)
@given(instances())
def test_extreme_scales_against_exact_oracle(case):
    _check(case)


@pytest.mark.slow
@settings(max_examples=1500, **SETTINGS)
@given(instances())
def test_extreme_scales_against_exact_oracle_many(case):
    _check(case)
