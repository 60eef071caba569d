"""layer_block_view: the folded box contains every reachable input of the layer, so its
max-active is an upper bound on the exact deep answer."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models import Box, Dense, Network
from sparsecert.verify import max_active as block_max_active
from sparsecert.verify.deep import layer_block_view, max_active


def _net(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    sizes = [3, 6, 5, 4]
    layers = [Dense(rng.normal(size=(b, a)), rng.normal(size=b) * 0.5, "relu") for a, b in zip(sizes, sizes[1:])]
    return Network(layers + [Dense(rng.normal(size=(1, sizes[-1])), np.zeros(1))])


def test_view_box_contains_reachable_inputs_and_bounds_the_deep_answer():
    for seed in range(2):
        net = _net(seed)
        box = Box.uniform(3, -1, 1)
        X = box.sample(seed, 4000)
        for L in range(net.hidden_layers):
            block, view = layer_block_view(net, L, box)
            h = X if L == 0 else net.layers[L - 1].activation(net.pre_activations(X)[L - 1])
            assert np.all(h >= view.lower) and np.all(h <= view.upper)
            upper = block_max_active(block, view, timeout=20).upper_bound
            deep = max_active(net, L, box, timeout=20)
            assert deep.value <= upper
