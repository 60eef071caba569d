"""Small random deep networks for the deep-verification tests."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models.network import Dense, Network


def random_network(seed: int, *, max_width: int = 7, max_inputs: int = 3, depth: tuple[int, int] = (2, 4),
                   slope: float | None = None) -> Network:
    """Depth in [depth[0], depth[1]], widths 2..max_width-1, inputs 1..max_inputs; relu or leaky_relu:slope."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, max_inputs + 1))
    d = int(rng.integers(depth[0], depth[1] + 1))
    act = "relu" if slope is None else f"leaky_relu:{slope}"
    layers, prev = [], n
    for _ in range(d):
        w = int(rng.integers(2, max_width))
        layers.append(Dense(rng.normal(size=(w, prev)), rng.normal(size=w) * 0.5, act))
        prev = w
    layers.append(Dense(rng.normal(size=(1, prev)), [0.0]))
    return Network(layers, name=f"random{seed}")


def oracle_layers(net: Network, L: int) -> list:
    out = []
    for layer in net.layers[: L + 1]:
        a = layer.activation
        slope = 0.0 if a.name == "relu" else (a.alpha if a.name == "leaky_relu" else 1.0)
        out.append((layer.W, layer.b, slope))
    return out
