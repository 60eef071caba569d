"""The domain encoding interface (issue 16): kind, exact / outer / inner bounds and constraint rows,
the same for every kind, so that solvers and presolve need no isinstance."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparsecert.sparse_models import Box, Domain, Hypercube, LinfBall, PointSet, Polytope
from sparsecert.sparse_models.domains import DOMAIN_KINDS

DOMAINS = {
    "cube": Hypercube(3, (0, 1)),
    "box": Box([0.0, -1.0, 0.5], [1.0, 2.0, 0.5]),
    "ball": LinfBall([0.0, 0.1, 0.0], 0.3, within=Box.uniform(3, -0.25, 1.0)),
    "polytope": Polytope(np.vstack([np.eye(3), -np.eye(3)]), np.ones(6)),
    "points": PointSet([[1.0, 2.0, 3.0], [0.0, 5.0, -1.0]]),
}


@pytest.mark.parametrize("kind", DOMAIN_KINDS)
def test_every_kind_has_the_whole_interface(kind):
    d = DOMAINS[kind]
    assert isinstance(d, Domain) and d.kind == kind
    assert d.is_continuous == (kind not in ("cube", "points"))
    lo_e, hi_e = d.exact_bounds()
    assert len(lo_e) == len(hi_e) == d.dim
    assert all(v is None or isinstance(v, Fraction) for v in lo_e + hi_e)
    lo_o, hi_o = d.outer_bounds()
    assert lo_o.shape == hi_o.shape == (d.dim,) and lo_o.dtype == hi_o.dtype == np.float64
    assert all(np.array_equal(a, b) for a, b in zip(d.bounds(), d.outer_bounds()))  # the older name
    A, c = d.constraint_rows()
    assert A.ndim == 2 and A.shape[1] == d.dim and c.shape == (A.shape[0],)
    assert (A.shape[0] > 0) == (kind == "polytope")
    inner = d.inner_bounds()
    assert (inner is None) == (kind in ("polytope", "points"))
    # outer contains exact, exact contains inner (None: no bound on that side)
    for j in range(d.dim):
        if lo_e[j] is not None:
            assert Fraction(lo_o[j]) <= lo_e[j] and Fraction(hi_o[j]) >= hi_e[j]
            if inner is not None:
                assert lo_e[j] <= Fraction(inner[0][j]) and Fraction(inner[1][j]) <= hi_e[j]
        else:
            assert lo_o[j] == -np.inf and hi_o[j] == np.inf


def test_values_per_kind():
    cube = DOMAINS["cube"]
    assert cube.exact_bounds() == ([Fraction(0)] * 3, [Fraction(1)] * 3)
    assert [a.tolist() for a in cube.inner_bounds()] == [[0.0] * 3, [1.0] * 3]
    box = DOMAINS["box"]
    assert box.outer_bounds()[0] is box.lower and box.inner_bounds()[1] is box.upper
    poly = DOMAINS["polytope"]
    assert poly.exact_bounds() == ([None] * 3, [None] * 3)
    assert poly.constraint_rows()[0] is poly.A and poly.constraint_rows()[1] is poly.c
    pts = DOMAINS["points"]
    assert pts.exact_bounds() == ([Fraction(0), Fraction(2), Fraction(-1)], [Fraction(1), Fraction(5), Fraction(3)])
    assert pts.outer_bounds()[1].tolist() == [1.0, 5.0, 3.0]


def test_polytope_interior_point_is_public():
    poly = DOMAINS["polytope"]
    pytest.importorskip("scipy")
    x = poly.interior_point()
    assert poly.contains(x) and np.allclose(x, 0.0)


def test_non_domains_are_not_domains():
    assert not isinstance(np.zeros(3), Domain) and not isinstance(3, Domain)


@given(st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=4), st.floats(0, 1e300))
def test_ball_outer_and_inner_bracket_the_exact_bounds(center, radius):
    ball = LinfBall(center, radius)
    (lo_e, hi_e), (lo_o, hi_o), (lo_i, hi_i) = ball.exact_bounds(), ball.outer_bounds(), ball.inner_bounds()
    for j in range(ball.dim):
        assert Fraction(lo_o[j]) <= lo_e[j] <= Fraction(lo_i[j]) or not np.isfinite(lo_o[j])
        assert Fraction(hi_i[j]) <= hi_e[j] <= Fraction(hi_o[j]) or not np.isfinite(hi_o[j])
