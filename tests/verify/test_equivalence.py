"""equivalent(): exact proofs, planted differences, brute-force agreement on small cubes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import (Box, DomainError, Hypercube, LinfBall, MLPBlock, PointSet, Polytope, ShapeError,
                           UnsupportedActivation, random_block)
from sparsecert.verify import equivalent
from sparsecert.verify.equivalence import exact_forward

from .exact_oracle import cube_points, exact_output, max_abs_difference

SEED = 0
ACTS = ["relu", "step", "leaky_relu:0.125", "identity"]


def _small_int_block(rng, n, s, act, m=1):
    return MLPBlock(rng.integers(-2, 3, size=(s, n)).astype(float), rng.integers(-2, 3, size=s).astype(float),
                    rng.integers(-2, 3, size=(m, s)).astype(float), rng.integers(-1, 2, size=m).astype(float), act)


def _check_difference(res, a, b, domain, tol=0):
    d = res.difference
    assert res.status == "violated" and d is not None
    assert domain.contains(d.x)
    point = d.exact_x if d.exact_x is not None else d.x
    fa, fb = exact_forward(a, point), exact_forward(b, point)
    assert abs(fa[d.output] - fb[d.output]) > Fraction(tol)
    assert d.exact_difference == fa[d.output] - fb[d.output]
    fl = a.forward(d.x) - b.forward(d.x)
    assert d.float_difference == pytest.approx(float(fl[d.output]))


@pytest.mark.parametrize("act", ACTS)
def test_brute_force_agreement_on_small_cubes(act):
    """Never calls different networks equivalent, never misses equal ones (exact oracle, n <= 8)."""
    rng = np.random.default_rng(ACTS.index(act) + SEED)
    seen = {"verified": 0, "violated": 0}
    for trial in range(14):
        n = int(rng.integers(2, 9))
        a = _small_int_block(rng, n, int(rng.integers(1, 4)), act)
        kind = trial % 3
        if kind == 0:  # one changed weight
            W1 = a.W1.copy()
            W1[rng.integers(a.s), rng.integers(n)] += rng.choice([-1.0, 1.0])
            b = a.replace(W1=W1)
        elif kind == 1:  # extra unit with a bias that may or may not make it dead on the cube
            w = rng.integers(-1, 2, size=n).astype(float)
            bias = -float(np.abs(w).sum()) + float(rng.integers(-1, 2))
            b = MLPBlock(np.vstack([a.W1, w]), np.append(a.b1, bias), np.hstack([a.W2, [[1.0]]]), a.b2, act)
            if act == "identity":  # z and -z cancel: a different representation of the same function
                b = MLPBlock(np.vstack([a.W1, w, -w]), np.append(a.b1, [bias, -bias]),
                             np.hstack([a.W2, [[1.0, 1.0]]]), a.b2, act)
            if act.startswith("leaky"):  # positively homogeneous: 2 sigma(z) - sigma(2z) = 0
                b = MLPBlock(np.vstack([a.W1, w, 2 * w]), np.append(a.b1, [bias, 2 * bias]),
                             np.hstack([a.W2, [[2.0, -1.0]]]), a.b2, act)
        else:  # an unrelated network
            b = _small_int_block(rng, n, int(rng.integers(1, 4)), act)
        dom = Hypercube(n)
        truth = max_abs_difference(a, b, cube_points(n))
        res = equivalent(a, b, dom)
        solver_only = equivalent(a, b, dom, samples=0)
        assert solver_only.stats.method in ("solver", "exact simplification")
        if truth != 0 and n <= 4:  # 2048 samples of a small cube hit every point: no solver needed
            assert res.stats.method == "sampling"
        for r in (res, solver_only):
            if truth == 0:
                assert r.status == "verified", (trial, r.as_dict())
            else:
                _check_difference(r, a, b, dom)
        seen[res.status] += 1
    assert seen["verified"] and seen["violated"]


def test_planted_single_weight_change_is_found():
    a = random_block(8, 12, seed=4)
    W1 = a.W1.copy()
    W1[5, 2] += 1e-3
    b = a.replace(W1=W1)
    for dom in (Hypercube(8), Box.uniform(8, -1, 1), LinfBall(np.zeros(8), 0.5)):
        truth_differs = not isinstance(dom, Hypercube) or max_abs_difference(a, b, cube_points(8)) > 0
        for samples in (2048, 0):
            res = equivalent(a, b, dom, samples=samples)
            if truth_differs:
                _check_difference(res, a, b, dom)
    assert equivalent(a, a.replace(name="copy"), Box.uniform(8, -3, 3)).status == "verified"


def test_equal_on_cube_but_not_on_box():
    a = MLPBlock([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0], [[1.0, 1.0]], [0.0])
    b = MLPBlock([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], [0.0, 0.0, -1.0], [[1.0, 1.0, 5.0]], [0.0])
    assert equivalent(a, b, Hypercube(2)).status == "verified"
    assert equivalent(a, b, Box.uniform(2, -1, 1)).status == "verified"
    for samples in (2048, 0):
        res = equivalent(a, b, Box.uniform(2, -2, 2), samples=samples)
        _check_difference(res, a, b, Box.uniform(2, -2, 2))
        poly = Polytope([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], [2.0, 2.0, 2.0, 2.0])
        _check_difference(equivalent(a, b, poly, samples=samples), a, b, poly)
    unbounded = Polytope([[-1.0, 0.0]], [1.5])  # x_0 >= -1.5: the dead unit wakes up; cannot be sampled
    _check_difference(equivalent(a, b, unbounded), a, b, unbounded)
    pts = PointSet(np.array([[0.0, 1.0], [-1.5, 0.0]]))
    _check_difference(equivalent(a, b, pts), a, b, pts)
    assert equivalent(a, b, PointSet(np.array([[0.0, 1.0], [1.0, -3.0]]))).status == "verified"


def test_tolerance_is_exact():
    a = MLPBlock([[1.0]], [0.0], [[1.0]], [0.0])
    b = MLPBlock([[1.0]], [0.0], [[1.0]], [0.5])
    dom = Box.uniform(1, -1, 1)
    assert equivalent(a, b, dom, tol=0.5).status == "verified"
    _check_difference(equivalent(a, b, dom, tol=0.4999), a, b, dom, tol=0.4999)
    _check_difference(equivalent(a, b, dom, tol=0.4999, samples=0), a, b, dom, tol=0.4999)


def test_blocks_without_w2_compare_hidden_outputs():
    a = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [-1.0, 0.0])
    b = MLPBlock([[1.0, 1.0], [2.0, -2.0]], [-1.0, 0.0])
    _check_difference(equivalent(a, b, Hypercube(2)), a, b, Hypercube(2))
    assert equivalent(a, a.replace(b1=[-1.5, 0.0]), Hypercube(2)).status == "violated"
    c = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [-2.0, -2.0])
    d = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [-3.0, -2.5])  # all units dead on the cube either way
    assert equivalent(c, d, Hypercube(2)).status == "verified"


def test_multi_output_and_float_recheck():
    rng = np.random.default_rng(7)
    a = _small_int_block(rng, 4, 3, "relu", m=3)
    W2 = a.W2.copy()
    W2[2, 1] += 1.0
    b = a.replace(W2=W2)
    dom = Box.uniform(4, -1, 1)
    res = equivalent(a, b, dom)
    truth = max(max(abs(p - q) for p, q in zip(exact_output(a, x), exact_output(b, x)))
                for x in dom.sample(0, 500))
    if truth > 0:
        _check_difference(res, a, b, dom)
        assert res.difference.output == 2
        assert res.difference.float_agrees


@pytest.mark.parametrize("act", ["gelu", "silu"])
def test_unsupported_activations_are_refused(act):
    a = MLPBlock([[1.0]], [0.0], [[1.0]], [0.0], act)
    with pytest.raises(UnsupportedActivation, match="piecewise linear"):
        equivalent(a, a, Hypercube(1))


def test_bad_input():
    a = MLPBlock([[1.0, 2.0]], [0.0], [[1.0]], [0.0])
    with pytest.raises(ShapeError):
        equivalent(a, MLPBlock([[1.0]], [0.0], [[1.0]], [0.0]), Hypercube(2))
    with pytest.raises(ShapeError):
        equivalent(a, MLPBlock([[1.0, 2.0]], [0.0], [[1.0], [1.0]], [0.0, 0.0]), Hypercube(2))
    with pytest.raises(ValueError, match="tol"):
        equivalent(a, a, Hypercube(2), tol=-1)
    with pytest.raises(ShapeError):
        equivalent(a, a, Hypercube(3))
    with pytest.raises(DomainError, match="empty"):
        equivalent(a, a, Polytope([[1.0, 0.0], [-1.0, 0.0]], [0.0, -1.0]))


@pytest.mark.slow
@pytest.mark.parametrize("act", ACTS)
def test_brute_force_agreement_up_to_n12(act):
    """As above on larger cubes (n = 9..12), the issue's n <= 12 check."""
    rng = np.random.default_rng(100 + ACTS.index(act))
    for trial in range(6):
        n = int(rng.integers(9, 13))
        a = _small_int_block(rng, n, 3, act)
        W1 = a.W1.copy()
        W1[rng.integers(a.s), rng.integers(n)] += rng.choice([-1.0, 1.0])
        b = a.replace(W1=W1) if trial % 2 else _small_int_block(rng, n, 3, act)
        truth = max_abs_difference(a, b, cube_points(n))
        for res in (equivalent(a, b, Hypercube(n)), equivalent(a, b, Hypercube(n), samples=0)):
            if truth == 0:
                assert res.status == "verified"
            else:
                _check_difference(res, a, b, Hypercube(n))
