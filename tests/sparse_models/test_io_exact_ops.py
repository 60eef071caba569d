"""The exactness checks loaders use before folding constants: never claim an inexact result exact."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sparsecert.sparse_models.io._exact_ops import exact_product, exact_reciprocal, exact_sum

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
float32 = st.floats(allow_nan=False, allow_infinity=False, width=32, min_value=-2.0**60, max_value=2.0**60)


@given(finite, finite)
def test_exact_sum_is_exactly_right(a, b):
    s = exact_sum(np.array([a]), np.array([b]))
    exact = Fraction(a) + Fraction(b)
    rounded = a + b
    if s is None:
        assert not np.isfinite(rounded) or Fraction(rounded) != exact
    else:
        assert Fraction(float(s[0])) == exact


@given(finite, finite)
def test_exact_product_never_claims_an_inexact_product(a, b):
    p = exact_product(np.array([a]), np.array([b]))
    if p is not None:
        assert Fraction(float(p[0])) == Fraction(a) * Fraction(b)


@given(float32, float32)
def test_float32_products_are_exact_in_float64(a, b):
    p = exact_product(np.array([a]), np.array([b]))
    tiny = a != 0 and b != 0 and abs(a * b) < 2.0**-969
    assert p is not None or tiny
    if p is not None:
        assert Fraction(float(p[0])) == Fraction(a) * Fraction(b)


def test_known_cases():
    assert exact_product(np.array([0.1]), np.array([3.0])) is None  # 0.1 * 3 rounds
    assert exact_product(np.array([0.1]), np.array([0.5]))[0] == 0.05
    assert exact_sum(np.array([1.0]), np.array([2.0**-60])) is None
    assert exact_reciprocal(np.array([0.25, -4.0])).tolist() == [4.0, -0.25]
    assert exact_reciprocal(np.array([3.0])) is None and exact_reciprocal(np.array([0.0])) is None
    assert exact_reciprocal(np.array([2.0**-1074])) is None  # 2**1074 overflows
