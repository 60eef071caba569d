"""Domains: dimensions, membership, sampling, exact enumeration order (docs/theory.md §1), errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparsecert.sparse_models import (
    Box,
    DomainError,
    Hypercube,
    InvalidArgument,
    LinfBall,
    NonFiniteError,
    PointSet,
    Polytope,
    ShapeError,
    check_domain,
)
from sparsecert.sparse_models.domains import MAX_ENUMERATION_DIM


# --- Hypercube ------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [(-1, 1), (0, 1), (-0.5, 2.0)])
@pytest.mark.parametrize("n", [1, 2, 5, 10])
@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 16])
def test_chunks_cover_every_point_once_in_theory_order(n, values, chunk):
    cube = Hypercube(n, values)
    lo, hi = cube.values
    starts, blocks = zip(*cube.chunks(chunk))
    X = np.vstack(blocks)
    assert X.shape == (2**n, n) and all(len(b) <= chunk for b in blocks)
    assert list(starts) == list(range(0, 2**n, chunk))
    r = np.arange(2**n)[:, None]
    bits = (r >> np.arange(n)) & 1
    expected = np.where(bits == 0, hi, lo)  # x_j = hi iff bit j of r is 0
    np.testing.assert_array_equal(X, expected)
    assert len({tuple(row) for row in X}) == 2**n
    if values == (-1, 1):
        np.testing.assert_array_equal(X, 1 - 2 * bits)  # docs/theory.md §1: x_j = 1 - 2 bit_j(r)


@given(st.integers(1, MAX_ENUMERATION_DIM), st.data())
def test_point_index_round_trip(n, data):
    cube = Hypercube(n)
    r = data.draw(st.integers(0, 2**n - 1))
    x = cube.point(r)
    assert cube.contains(x) and cube.index_of(x) == r
    # flipping coordinate j maps r to r XOR (1 << j)
    j = data.draw(st.integers(0, n - 1))
    y = x.copy()
    y[j] = -y[j]
    assert cube.index_of(y) == r ^ (1 << j)


def test_cube_basics_and_sampling():
    cube = Hypercube(6, (0, 1))
    assert cube.dim == 6 and cube.size == 64 and cube.bounds()[0].tolist() == [0.0] * 6
    assert cube.contains([0, 1, 1, 0, 0, 1]) and not cube.contains([0, 0.5, 1, 0, 0, 1])
    X = cube.sample(np.random.default_rng(0), size=200)
    assert X.shape == (200, 6) and all(cube.contains(x) for x in X)
    assert cube.sample(1, size=0).shape == (0, 6)
    assert repr(cube) == "Hypercube(n=6, values=(0, 1))"


@pytest.mark.parametrize("args, error, match", [
    ((0,), InvalidArgument, r"n=0 is out of range"),
    ((3, (1, -1)), DomainError, "increasing and distinct"),
    ((3, (1, 1)), DomainError, "increasing and distinct"),
    ((3, (0, 1, 2)), DomainError, "must be a pair"),
    ((3, (0, float("nan"))), NonFiniteError, "must be finite"),
    ((2.5,), InvalidArgument, "whole number"),
])
def test_cube_errors(args, error, match):
    with pytest.raises(error, match=match):
        Hypercube(*args)


def test_cube_point_errors_and_enumeration_limit():
    cube = Hypercube(3)
    with pytest.raises(ShapeError, match="3 coordinates but the domain has dimension 4|point has 4 coordinates"):
        cube.contains(np.ones(4))
    with pytest.raises(DomainError, match="not a vertex"):
        cube.index_of([1, 0, 1])
    with pytest.raises(InvalidArgument, match="index=8 is out of range"):
        cube.point(8)
    with pytest.raises(DomainError, match=f"n <= {MAX_ENUMERATION_DIM}"):
        next(Hypercube(MAX_ENUMERATION_DIM + 1).chunks())
    with pytest.raises(InvalidArgument, match="rng must be"):
        cube.sample("seed")


# --- Box ----------------------------------------------------------------------------------------

def test_box_membership_and_sampling():
    box = Box([-1.0, 0.0, 2.0], [1.0, 0.0, 3.0])  # a degenerate coordinate is allowed
    assert box.dim == 3
    assert box.contains([-1, 0, 3]) and box.contains([0.5, 0, 2.5])
    assert not box.contains([1.0000000000000002, 0, 2.5])
    X = box.sample(np.random.default_rng(1), size=500)
    assert X.shape == (500, 3) and all(box.contains(x) for x in X)
    assert repr(Box.uniform(4, -2, 2)) == "Box.uniform(4, -2, 2)"


@pytest.mark.parametrize("lower, upper, error, match", [
    ([0.0, 2.0], [1.0, 1.0], DomainError, r"empty box: lower\[1\]=2.0 > upper\[1\]=1.0"),
    ([0.0], [1.0, 2.0], ShapeError, "lower has shape"),
    ([], [], DomainError, "at least one coordinate"),
    ([0.0, np.nan], [1.0, 1.0], NonFiniteError, "box lower"),
    ([[0.0]], [[1.0]], ShapeError, "1-dimensional"),
])
def test_box_errors(lower, upper, error, match):
    with pytest.raises(error, match=match):
        Box(lower, upper)


# --- LinfBall -------------------------------------------------------------------------------------

def test_ball_bounds_are_exact_and_rounded_outward():
    ball = LinfBall([0.1, -3.0], 0.2)
    lo, hi = ball.exact_bounds()
    assert lo[0] == Fraction(0.1) - Fraction(0.2) and hi[0] == Fraction(0.1) + Fraction(0.2)
    flo, fhi = ball.bounds()
    ilo, ihi = ball.inner_bounds()
    for j in range(2):
        assert Fraction(float(flo[j])) <= lo[j] <= Fraction(float(ilo[j]))
        assert Fraction(float(ihi[j])) <= hi[j] <= Fraction(float(fhi[j]))
        # tight: one float further in would cut the exact ball
        assert Fraction(float(np.nextafter(flo[j], np.inf))) > lo[j] or Fraction(float(flo[j])) == lo[j]
        assert Fraction(float(np.nextafter(fhi[j], -np.inf))) < hi[j] or Fraction(float(fhi[j])) == hi[j]
    # 0.1 + 0.2 is not a float: the outer float bound lies outside the exact ball, the inner one inside
    assert Fraction(float(fhi[0])) > hi[0]
    assert not ball.contains([fhi[0], -3.0]) and ball.contains([ihi[0], -3.0])


def test_ball_within_a_box_and_sampling():
    ball = LinfBall([0.9, 0.0], 0.5, within=Box.uniform(2, -1, 1))
    lo, hi = ball.bounds()
    assert lo.tolist() == [0.4, -0.5] and hi.tolist() == [1.0, 0.5]
    X = ball.sample(np.random.default_rng(2), size=300)
    assert all(ball.contains(x) for x in X) and X[:, 0].max() <= 1.0
    assert not ball.contains([1.2, 0.0])
    assert LinfBall([1.0], 0.0).contains([1.0])  # radius 0: the centre alone


@pytest.mark.parametrize("args, error, match", [
    (([0.0, 0.0], -0.1), DomainError, "radius must be >= 0"),
    (([0.0, 0.0], float("nan")), NonFiniteError, "radius"),
    (([], 1.0), DomainError, "at least one coordinate"),
    (([0.0, 0.0], 1.0, Box.uniform(3, 0, 1)), ShapeError, "has dimension 2 but the box `within` has 3"),
    (([5.0, 0.0], 1.0, Box.uniform(2, -1, 1)), DomainError, "does not meet the box"),
    (([0.0], 1.0, "box"), DomainError, "within must be a Box"),
])
def test_ball_errors(args, error, match):
    with pytest.raises(error, match=match):
        LinfBall(*args)


# --- Polytope, PointSet, check_domain ------------------------------------------------------------------

def test_polytope_membership_is_exact_and_sampling_stays_inside():
    # the simplex x, y >= 0, x + y <= 1
    poly = Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    assert poly.dim == 2 and poly.contains([0.5, 0.5]) and poly.contains([0, 0])
    # 0.1 + 0.9 rounds to 1 in floats but exceeds 1 in exact arithmetic
    x = [0.1, 0.9]
    assert Fraction(0.1) + Fraction(0.9) > 1 and 0.1 + 0.9 == 1.0
    assert not poly.contains(x)
    X = poly.sample(np.random.default_rng(3), size=100)
    assert all(poly.contains(p) for p in X)
    box_poly = Polytope.from_box(Box([0, 0], [1, 2]))
    assert box_poly.contains([1, 2]) and not box_poly.contains([1, 2.5])


def test_polytope_errors():
    with pytest.raises(ShapeError, match="A has 2 rows but c has 3"):
        Polytope(np.ones((2, 2)), np.ones(3))
    with pytest.raises(DomainError, match="unbounded"):
        Polytope([[1.0, 0.0]], [1.0]).sample(0, size=2)
    with pytest.raises(DomainError, match="empty, unbounded or has no interior"):
        Polytope([[1.0], [-1.0]], [0.0, -1.0]).sample(0, size=2)  # x <= 0 and x >= 1


def test_point_set():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    ps = PointSet(X)
    assert ps.dim == 2 and ps.size == 3 and ps.contains([2, 3]) and not ps.contains([2, 4])
    assert np.array_equal(np.vstack([c for _, c in ps.chunks(2)]), X)
    assert [s for s, _ in ps.chunks(2)] == [0, 2]
    assert all(ps.contains(p) for p in ps.sample(0, size=10))
    lo, hi = ps.bounds()
    assert lo.tolist() == [0, 1] and hi.tolist() == [4, 5]
    with pytest.raises(DomainError, match="at least one point"):
        PointSet(np.zeros((0, 2)))


def test_check_domain():
    assert isinstance(check_domain(Hypercube(3), 3), Hypercube)
    with pytest.raises(ShapeError, match="dimension 3 but the block takes n=4"):
        check_domain(Hypercube(3), 4)
    with pytest.raises(DomainError, match="expected a domain"):
        check_domain(np.zeros(3), 3)
