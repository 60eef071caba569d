"""The float heuristics of verify/deep/search.py: candidates stay in the box and find what they should."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.network import Dense
from sparsecert.verify.deep.search import gradient_attack, pre_activation

from .nets import random_network


def test_gradient_attack_stays_in_the_box_and_climbs():
    net = random_network(9, max_width=7, max_inputs=3, depth=(3, 4))
    lo, hi = -np.ones(net.n), np.ones(net.n)
    L = net.hidden_layers - 1
    pts = gradient_attack(net.layers, L, lo, hi, 0.0, starts=32, steps=40, rng=np.random.default_rng(0))
    assert pts.shape[1] == net.n and np.all(pts >= lo) and np.all(pts <= hi)
    rand = np.random.default_rng(1).uniform(lo, hi, size=(32, net.n))  # as many random points
    best = (pre_activation(net.layers, L, pts) > 0).sum(axis=1).max()
    assert best >= (pre_activation(net.layers, L, rand[:1]) > 0).sum()


def test_gradient_attack_finds_a_thin_region_random_points_miss():
    # layer 1 unit fires only where x0 > 0.999 and x1 > 0.999 (a corner of [-1, 1]^2: 2.5e-7 of the box)
    layers = [Dense([[1.0, 0.0], [0.0, 1.0]], [-0.999, -0.999], "relu"), Dense([[1.0, 1.0]], [-0.001], "relu"),
              Dense([[1.0]], [0.0])]
    lo, hi = -np.ones(2), np.ones(2)
    pts = gradient_attack(layers, 1, lo, hi, 0.0, starts=8, steps=60, rng=np.random.default_rng(0))
    assert (pre_activation(layers, 1, pts) > 0).sum(axis=1).max() == 1
