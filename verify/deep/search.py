"""Lower bounds for deep networks: random sampling and a local-search attack, in float64.

Only candidates come from here; every count that is reported is re-decided exactly
(``ExactLayers``) by the caller.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from .bounds import leak_slope


BACKWARD_LEAK = 0.05


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


def gradient_attack(layers: Sequence[Dense], L: int, lo: np.ndarray, hi: np.ndarray, tau: float, *,
                    starts: int, steps: int, rng: np.random.Generator, top: int = 4) -> np.ndarray:
    """Up to ``top`` float points of [lo, hi] found by projected sign-gradient ascent (PGD) on a smooth count.

    The surrogate is sum_i sigmoid((z_i - tau) / s_i), s_i the spread of z_i over the starts, so every
    unit of layer L pulls towards firing with a force that fades once it fires; the gradient flows back
    through the ReLUs of the layers below (on every other start inactive ones pass ``BACKWARD_LEAK`` of it,
    so a start where a unit is dead still learns which way it fires; the plain gradient finds more on ACAS
    Xu and MNIST, the leaky one the thin regions behind dead units). ``starts`` random points move together
    (one matrix product per layer and step), with a step from a quarter of the box width decaying to 1/1000 of it;
    each start's best point by float count is kept. Only candidates: the caller re-decides counts.
    """
    n = lo.shape[0]
    width = hi - lo
    U = rng.uniform(lo, hi, size=(starts, n))
    best_u, best_c = U.copy(), np.full(starts, -1)
    slopes = [leak_slope(layer) for layer in layers[:L]]
    leak = np.where(np.arange(starts) % 2 == 1, BACKWARD_LEAK, 0.0)[:, None]
    scale = None
    for t in range(steps):
        masks = []
        h = U
        for k in range(L):
            z = h @ layers[k].W.T + layers[k].b
            masks.append(z > 0)
            h = np.where(z > 0, z, slopes[k] * z)
        Z = h @ layers[L].W.T + layers[L].b
        counts = (Z > tau).sum(axis=1)
        better = counts > best_c
        best_u[better], best_c[better] = U[better], counts[better]
        if scale is None:
            spread = np.maximum(Z.std(axis=0), 0.1 * np.abs(Z - tau).mean(axis=0))  # all starts alike: their size
            scale = np.maximum(spread, 1e-12 * (np.abs(Z).max() + 1e-300))
        with np.errstate(over="ignore"):
            s = 1.0 / (1.0 + np.exp(-(Z - tau) / scale))
        g = s * (1.0 - s) / scale  # d surrogate / d z_L
        g = g @ layers[L].W
        for k in range(L - 1, -1, -1):  # (on every other start, inactive ReLUs pass a little gradient)
            g = np.where(masks[k], g, np.maximum(slopes[k], leak) * g) @ layers[k].W
        step = width * 0.25 * (0.004 ** (t / max(1, steps - 1)))
        with np.errstate(invalid="ignore"):
            U = np.clip(U + step * np.sign(g), lo, hi)
        U = np.where(np.isfinite(U), U, best_u)
    order = np.argsort(-best_c)[:top]
    return best_u[order]
