"""Lower bounds for deep networks: random sampling and a local-search attack, in float64.

Only candidates come from here; every count that is reported is re-decided exactly
(``ExactLayers``) by the caller.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from .bounds import leak_slope


def pre_activation(layers: Sequence[Dense], L: int, U: np.ndarray) -> np.ndarray:
    """Float64 pre-activations of layer L for a batch of normalised inputs."""
    h = U
    for k in range(L):
        z = h @ layers[k].W.T + layers[k].b
        a = leak_slope(layers[k])
        h = np.where(z > 0, z, a * z) if a else np.maximum(z, 0.0)
    return h @ layers[L].W.T + layers[L].b


def _score(Z: np.ndarray, tau: float) -> np.ndarray:
    """Active count, tie-broken towards inputs where inactive units are close to firing."""
    gap = np.minimum(Z - tau, 0.0)
    scale = np.abs(Z).max() + 1e-12
    return (Z > tau).sum(axis=1) + 0.5 * np.tanh(gap / scale).mean(axis=1) if Z.shape[1] else np.zeros(Z.shape[0])


def search(layers: Sequence[Dense], L: int, lo: np.ndarray, hi: np.ndarray, tau: float, *, samples: int,
           rounds: int, rng: np.random.Generator, top: int = 4) -> np.ndarray:
    """Up to ``top`` promising float points of [lo, hi] (best first) for many active units of layer L."""
    n = lo.shape[0]
    corners = rng.integers(0, 2, size=(min(samples, 64), n)).astype(np.float64)
    X = np.vstack([rng.uniform(lo, hi, size=(samples, n)), lo + corners * (hi - lo), ((lo + hi) / 2)[None, :]])
    X = np.clip(X, lo, hi)
    s = _score(pre_activation(layers, L, X), tau)
    order = np.argsort(-s)[: max(top, 8)]
    pop, pop_s = X[order], s[order]
    width = hi - lo
    step = 0.25
    for _ in range(rounds):
        parents = np.repeat(pop, 16, axis=0)
        with np.errstate(over="ignore", invalid="ignore"):  # boxes as wide as the float range
            kids = np.clip(parents + rng.normal(size=parents.shape) * width * step, lo, hi)
        kids = np.where(np.isfinite(kids), kids, parents)
        ks = _score(pre_activation(layers, L, kids), tau)
        allx, alls = np.vstack([pop, kids]), np.concatenate([pop_s, ks])
        keep = np.argsort(-alls)[: pop.shape[0]]
        improved = alls[keep[0]] > pop_s[0]
        pop, pop_s = allx[keep], alls[keep]
        step = step * (1.0 if improved else 0.7)
        if step < 1e-6:
            break
    return pop[:top]
