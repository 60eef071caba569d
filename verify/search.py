"""Fast lower bounds: sampling plus local search. Heuristic, so every point it returns is
re-checked exactly by the caller before its count is claimed."""

from __future__ import annotations

import time

import numpy as np


def _counts(Z: np.ndarray, tau: float) -> np.ndarray:
    return (Z > tau).sum(axis=-1)


def cube_search(W: np.ndarray, b: np.ndarray, lo: float, hi: float, tau: float, *, seed: int = 0,
                budget_s: float = 0.5, samples: int = 2048, climbs: int = 24, target: int | None = None) -> np.ndarray:
    """A point of {lo,hi}^n with many active units (float evaluation), found by sampling,
    unit-directed starts (the vertex maximising one unit) and best-improvement bit flips."""
    rng = np.random.default_rng(seed)
    s, n = W.shape
    deadline = time.monotonic() + budget_s
    starts = [np.where(rng.integers(0, 2, size=(samples, n)) == 1, hi, lo)]
    pick = rng.choice(s, size=min(s, 512), replace=False)
    starts.append(np.where(W[pick] > 0, hi, lo))
    X = np.vstack(starts)
    counts = _counts(X @ W.T + b, tau)
    order = np.argsort(-counts, kind="stable")[:climbs]
    best_x, best_c = X[order[0]].copy(), int(counts[order[0]])
    if target is not None and best_c >= target:
        return best_x
    WT = W.T
    for idx in order:
        x = X[idx].copy()
        z = W @ x + b
        c = int((z > tau).sum())
        sideways = 0
        while time.monotonic() < deadline:
            delta = (lo + hi - 2 * x)  # change of x_j when flipped
            Zf = z[None, :] + delta[:, None] * WT
            fc = _counts(Zf, tau)
            j = int(np.argmax(fc))
            if fc[j] > c or (fc[j] == c and sideways < 2 * n):
                sideways = sideways + 1 if fc[j] == c else 0
                x[j] = lo + hi - x[j]
                z = Zf[j]
                c = int(fc[j])
                if c > best_c:
                    best_x, best_c = x.copy(), c
                    if target is not None and best_c >= target:
                        return best_x
            else:
                break
        if time.monotonic() >= deadline:
            break
    return best_x


def box_search(W: np.ndarray, b: np.ndarray, lower: np.ndarray, upper: np.ndarray, tau: float, *,
               seed: int = 0, budget_s: float = 0.5, samples: int = 2048, extra: np.ndarray | None = None,
               stop_at: int | None = None) -> np.ndarray:
    """A point of the float box [lower, upper] with many active units: samples, unit-directed
    vertices and shrinking random perturbations around the best points (ending early once
    ``stop_at`` units are active in float)."""
    rng = np.random.default_rng(seed)
    s, n = W.shape
    deadline = time.monotonic() + budget_s
    cand = [rng.uniform(lower, upper, size=(samples, n)), ((lower + upper) / 2)[None, :]]
    pick = rng.choice(s, size=min(s, 512), replace=False)
    cand.append(np.where(W[pick] > 0, upper, lower))
    if extra is not None and len(extra):
        cand.append(np.asarray(extra, dtype=np.float64).reshape(-1, n))
    X = np.clip(np.vstack(cand), lower, upper)
    counts = _counts(X @ W.T + b, tau)
    order = np.argsort(-counts, kind="stable")
    best = X[order[:16]]
    if stop_at is not None and counts[order[0]] >= stop_at:
        return best[0].copy()
    width = (upper - lower)
    sigma = 0.25
    while time.monotonic() < deadline and sigma > 1e-6:
        P = best[rng.integers(0, len(best), size=512)] + rng.normal(size=(512, n)) * width * sigma
        P = np.clip(P, lower, upper)
        allp = np.vstack([best, P])
        c = _counts(allp @ W.T + b, tau)
        keep = np.argsort(-c, kind="stable")[:16]
        improved = c[keep[0]] > _counts(best[:1] @ W.T + b, tau)[0]
        best = allp[keep]
        if stop_at is not None and c[keep[0]] >= stop_at:
            break
        if not improved:
            sigma *= 0.5
    return best[0].copy()
