"""The integer fast paths of sparse_models.exact against plain Fraction arithmetic.

Every helper here replaces a Fraction computation inside loops over hundreds of coordinates;
each is checked against that computation, on floats from subnormals to DBL_MAX and on
rationals that are not floats at all.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models.exact import (as_fraction, clamp_rational, compare_float, dyadic_exponents,
                                            float_above, float_below, float_value, floats_if_exact,
                                            rational_less, scale_exponent, scaled_ints)

finite = st.floats(allow_nan=False, allow_infinity=False)
# rationals near floats and far from them: a float, nudged by a tiny non-dyadic amount, or p/q
rationals = st.one_of(
    finite.map(Fraction),
    st.tuples(finite, st.integers(1, 10**6)).map(lambda t: Fraction(t[0]) + Fraction(1, 3 * t[1]) * Fraction(2) ** -1074),
    st.tuples(st.integers(-10**30, 10**30), st.integers(1, 10**30)).map(lambda t: Fraction(*t)),
    st.integers(-10**400, 10**400).map(Fraction),
)


@settings(max_examples=400, deadline=None)
@given(finite, rationals)
def test_compare_float_is_the_sign_of_the_exact_difference(f, q):
    d = Fraction(f) - q
    assert compare_float(f, q) == (d > 0) - (d < 0)
    assert compare_float(f, float(f)) == 0


@settings(max_examples=400, deadline=None)
@given(rationals)
def test_float_below_and_above_bracket_q_by_adjacent_floats(q):
    lo, hi = float_below(q), float_above(q)
    assert not math.isnan(lo) and not math.isnan(hi)
    if math.isfinite(lo):
        assert Fraction(lo) <= q and (math.isinf(math.nextafter(lo, math.inf)) or Fraction(math.nextafter(lo, math.inf)) > q)
    if math.isfinite(hi):
        assert Fraction(hi) >= q and (math.isinf(math.nextafter(hi, -math.inf)) or Fraction(math.nextafter(hi, -math.inf)) < q)


@settings(max_examples=400, deadline=None)
@given(rationals)
def test_float_value_only_for_floats(q):
    f = float_value(q)
    try:
        exact = Fraction(float(q)) == q
    except OverflowError:
        exact = False
    assert (f is not None) == exact
    if f is not None:
        assert Fraction(f) == q


def test_float_value_and_floats_if_exact_edges():
    assert float_value(math.inf) is None and float_value(math.nan) is None
    assert float_value(np.float64(0.5)) == 0.5 and float_value(3) == 3.0
    assert float_value(Fraction(1, 3)) is None and float_value(Fraction(2) ** 2000) is None
    assert float_value(Fraction(2) ** -1074) == 5e-324 and float_value(Fraction(2) ** -1075) is None
    assert floats_if_exact([Fraction(1, 2), 3, 0.25]).tolist() == [0.5, 3.0, 0.25]
    assert floats_if_exact([Fraction(1, 2), Fraction(1, 10)]) is None
    assert floats_if_exact([]).shape == (0,)


@settings(max_examples=400, deadline=None)
@given(rationals, rationals, rationals)
def test_clamp_and_less_match_min_max(q, a, b):
    assert rational_less(q, a) == (q < a)
    assert clamp_rational(q, a, b) == min(max(q, a), b)  # also when a > b, as np.clip does
    if a <= q <= b:
        assert clamp_rational(q, a, b) is q  # an unclipped value is the same object (callers test it)


def test_as_fraction_keeps_fractions():
    q = Fraction(1, 3)
    assert as_fraction(q) is q and as_fraction(2) == Fraction(2) and as_fraction(0.5) == Fraction(1, 2)


arrays = st.lists(finite, min_size=0, max_size=12).map(lambda v: np.array(v, dtype=np.float64))


@settings(max_examples=400, deadline=None)
@given(arrays)
def test_dyadic_exponents_and_scaled_ints_are_exact(v):
    low, high = dyadic_exponents(v)
    nz = [Fraction(x) for x in v.tolist() if x != 0]
    assert len(low) == len(nz)
    for q, lo_bit, hi_bit in zip(nz, low.tolist(), high.tolist()):
        assert Fraction(2) ** hi_bit <= abs(q) < Fraction(2) ** (hi_bit + 1)
        assert (q / Fraction(2) ** lo_bit).denominator == 1 and (q / Fraction(2) ** lo_bit).numerator % 2 != 0
    e = scale_exponent(v)
    assert e >= 0 and all((Fraction(x) * 2 ** e).denominator == 1 for x in v.tolist())
    assert e == 0 or any((Fraction(x) * 2 ** (e - 1)).denominator != 1 for x in v.tolist())  # the least such e
    for extra in (0, 3):
        ints = scaled_ints(v, e + extra)
        assert ints.shape == v.shape and all(type(i) is int for i in ints.tolist())
        assert [Fraction(i) for i in ints.tolist()] == [Fraction(x) * 2 ** (e + extra) for x in v.tolist()]


def test_scaled_ints_refuses_a_power_that_leaves_a_fraction():
    import pytest
    with pytest.raises(ValueError, match="does not clear"):
        scaled_ints(np.array([0.375]), 2)
    assert scaled_ints(np.array([[0.375, -5e-324], [1.7e308, 0.0]]), 1074).shape == (2, 2)


def test_compare_float_with_infinities():
    big = Fraction(10) ** 400  # beyond every float
    assert compare_float(math.inf, big) == 1 and compare_float(-math.inf, big) == -1
    assert compare_float(1.0, math.inf) == -1 and compare_float(math.inf, math.inf) == 0
    assert compare_float(2.0, np.float64(2.0)) == 0 and compare_float(float(np.finfo(float).max), big) == -1
