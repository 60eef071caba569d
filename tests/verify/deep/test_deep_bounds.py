"""Soundness of the deep bound propagation: exact pre-activations never leave the proved bounds."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.sparse_models.errors import UnsupportedActivation
from sparsecert.sparse_models.network import Dense, Network
from sparsecert.verify.deep.bounds import network_bounds, relaxation
from sparsecert.verify.deep.exact import ExactLayers

from .nets import random_network


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), slope=st.sampled_from([None, 0.1]), scale=st.sampled_from([0.01, 1.0, 30.0]))
def test_exact_pre_activations_stay_within_bounds(seed, slope, scale):
    net = random_network(seed, max_width=8, slope=slope)
    rng = np.random.default_rng(seed + 1)
    n = net.n
    c = rng.normal(size=n) * scale
    r = np.abs(rng.normal(size=n)) * scale + 1e-3
    lo, hi = c - r, c + r
    depth = net.hidden_layers
    b = network_bounds(net.layers, lo, hi, depth)
    ex = ExactLayers(net.layers[:depth])
    pts = np.vstack([rng.uniform(lo, hi, size=(6, n)), lo[None, :], hi[None, :]])
    for x in pts:
        zs = ex.pre_activations(list(x), depth)
        for k in range(depth):
            for i, z in enumerate(zs[k]):
                assert Fraction(float(b.lower[k][i])) <= z <= Fraction(float(b.upper[k][i])), (k, i)


def test_symbolic_bounds_never_looser_than_intervals():
    net = random_network(3, max_width=8, depth=(4, 4))
    lo, hi = -np.ones(net.n), np.ones(net.n)
    sym = network_bounds(net.layers, lo, hi, net.hidden_layers)
    itv = network_bounds(net.layers, lo, hi, net.hidden_layers, symbolic=False)
    for k in range(net.hidden_layers):
        assert np.all(sym.lower[k] >= itv.lower[k]) and np.all(sym.upper[k] <= itv.upper[k])
    assert any(np.any(sym.upper[k] < itv.upper[k]) for k in range(1, net.hidden_layers))


def test_relaxation_lines_are_valid_exactly():
    rng = np.random.default_rng(0)
    l = -np.abs(rng.normal(size=200)) * 10.0 ** rng.integers(-8, 8, size=200)
    u = np.abs(rng.normal(size=200)) * 10.0 ** rng.integers(-8, 8, size=200)
    for a in (0.0, 0.01, 0.3):
        su, tu, sl = relaxation(a, l, u)
        for i in range(l.size):
            for e in (l[i], u[i], 0.0):
                fe = max(Fraction(e), Fraction(a) * Fraction(e))
                assert Fraction(su[i]) * Fraction(e) + Fraction(tu[i]) >= fe
                assert Fraction(sl[i]) * Fraction(e) <= fe


def test_classification_counts_and_upper_count():
    W = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    net = Network([Dense(W, [2.0, -2.0, 0.0], "relu"), Dense(np.ones((1, 3)), [0.0])])
    b = network_bounds(net.layers, np.array([-1.0, -1.0]), np.array([1.0, 1.0]), 1)
    assert b.counts(0) == (1, 1, 1)
    assert b.upper_count(0) == 2


def test_non_piecewise_linear_activation_refused():
    net = Network([Dense(np.eye(2), [0.0, 0.0], "gelu"), Dense(np.ones((1, 2)), [0.0])])
    with pytest.raises(UnsupportedActivation, match="gelu"):
        network_bounds(net.layers, np.zeros(2), np.ones(2), 2)
