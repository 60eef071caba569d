"""The big-M MILP primal heuristic of the deep engine (verify/deep/milp.py): its bounds hold
on sampled inputs, its points lie in the box and never count more than the exact maximum
(oracle on small random networks), and on MNIST 10x10 it finds the 10 active units of layer 2
that input splitting and sampling missed (then the layer is proved)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.verify.backends.highs import HAVE_HIGHS
from sparsecert.verify.deep import max_active, nnet_box
from sparsecert.verify.deep.milp import layer_milp, tightened_bounds

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network

pytestmark = pytest.mark.skipif(not HAVE_HIGHS, reason="the MILP runs on HiGHS")


@pytest.mark.parametrize("seed", range(8))
def test_bounds_and_points_on_small_networks(seed):
    net = random_network(seed)
    n, L = net.n, net.hidden_layers - 1
    lo, hi = -np.ones(n), np.ones(n)
    lower, upper = tightened_bounds(net.layers, lo, hi, L + 1, None)
    X = np.random.default_rng(seed).uniform(lo, hi, size=(4000, n))
    for j, z in enumerate(net.pre_activations(X, normalize=False)[: L + 1]):  # the tightened (float)
        assert np.all(z >= lower[j] - 1e-6) and np.all(z <= upper[j] + 1e-6), j  # bounds hold, up to LP tolerance
    out = layer_milp(net.layers, L, lo, hi, None, node_limit=200)
    exact = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    if out["point"] is not None:
        x = out["point"]
        assert np.all(lo <= x) and np.all(x <= hi)
        assert int((net.pre_activations(x, normalize=False)[L] > 0).sum()) <= exact
    res = max_active(net, L, _box(n), timeout=3)  # with the heuristic inside: still sound
    assert res.lower <= exact <= res.upper


def _box(n):
    from sparsecert.sparse_models import Box
    return Box(-np.ones(n), np.ones(n))


def test_mnist_layer_2_is_found_and_proved():
    from sparsecert.sparse_models.io import load_network
    from tests.conftest import SHARED_MODELS

    if not SHARED_MODELS.is_dir():
        pytest.skip("../shared/models is not beside the project")
    net = load_network(SHARED_MODELS / "mnist" / "mnist10x10.nnet")
    from sparsecert.verify.deep.checks import as_deep_domain
    from sparsecert.verify.deep.domain import round_down, round_up

    dd = as_deep_domain(net, nnet_box(net))
    lo = np.array([round_down(q) for q in dd.ulo])
    hi = np.array([round_up(q) for q in dd.uhi])
    out = layer_milp(net.layers, 2, lo, hi, None, node_limit=2000)  # deterministic: a node budget
    assert out["point"] is not None
    assert int((net.pre_activations(out["point"], normalize=False)[2] > 0).sum()) == 10
