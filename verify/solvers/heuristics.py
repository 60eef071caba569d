"""Fast lower bounds: sampling plus local search. Heuristic, so every point it returns is
re-checked exactly by the caller before its count is claimed.

Each search takes a time budget ``budget_s``; with ``budget_s=None`` it has no clock at all and
does a fixed amount of work set by its counts (samples, climbs, rounds, restarts, iterations),
so that its result depends only on its arguments and ``seed`` (reproducible runs)."""

from __future__ import annotations

import math
import time

import numpy as np


def _counts(Z: np.ndarray, tau: float) -> np.ndarray:
    return (Z > tau).sum(axis=-1)


def _deadline(budget_s: float | None) -> float:
    return math.inf if budget_s is None else time.monotonic() + budget_s


def cube_search(W: np.ndarray, b: np.ndarray, lo: float, hi: float, tau: float, *, seed: int = 0,
                budget_s: float | None = 0.5, samples: int = 2048, climbs: int = 24, target: int | None = None,
                anneal_iters: int | None = None) -> np.ndarray:
    """A point of {lo,hi}^n with many active units (float evaluation), found by sampling,
    unit-directed starts (the vertex maximising one unit), then compiled annealing when numba
    is installed and the budget exceeds 50 ms (or is None), else best-improvement bit flips.
    With ``budget_s=None`` the work is fixed: the annealing makes one run of ``anneal_iters``
    flips (default: as for a timed budget) from each of the 4 best samples, the climbs run until
    they stop improving."""
    rng = np.random.default_rng(seed)
    s, n = W.shape
    deadline = _deadline(budget_s)
    starts = [np.where(rng.integers(0, 2, size=(samples, n)) == 1, hi, lo)]
    pick = rng.choice(s, size=min(s, 512), replace=False)
    starts.append(np.where(W[pick] > 0, hi, lo))
    X = np.vstack(starts)
    counts = _counts(X @ W.T + b, tau)
    order = np.argsort(-counts, kind="stable")[:climbs]
    best_x, best_c = X[order[0]].copy(), int(counts[order[0]])
    if target is not None and best_c >= target:
        return best_x
    if HAVE_ANNEAL and (budget_s is None or budget_s > 0.05):
        # compiled annealing from the best samples, in 0/1 form: (hi - lo) W y > tau - b - lo W 1
        A = (hi - lo) * W
        t = tau - b - lo * W.sum(axis=1)
        t = t + 1e-12 * (np.abs(t) + np.abs(A).sum(axis=1))  # strict inequality, in float (a heuristic)
        starts01 = [(X[i] == hi).astype(np.float64) for i in order[:4]]
        y = cube_anneal(A, t, starts01, budget_s, seed=seed, target=target, restarts=len(starts01),
                        iters=max(2_000, min(int(5e6 / (s + 8)), 3_000 * n)) if anneal_iters is None else anneal_iters)
        xa = np.where(y == 1, hi, lo)
        if _counts((W @ xa + b)[None, :], tau)[0] > best_c:
            best_x = xa
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
               seed: int = 0, budget_s: float | None = 0.5, samples: int = 2048, extra: np.ndarray | None = None,
               stop_at: int | None = None, rounds: int | None = None) -> np.ndarray:
    """A point of the float box [lower, upper] with many active units: samples, unit-directed
    vertices and shrinking random perturbations around the best points (ending early once
    ``stop_at`` units are active in float). At most ``rounds`` perturbation rounds of 512 points
    (None: no cap; the rounds end anyway once the step has halved 18 times, which takes at most
    s + 19 rounds, so ``budget_s=None`` is a fixed amount of work)."""
    rng = np.random.default_rng(seed)
    s, n = W.shape
    deadline = _deadline(budget_s)
    u01 = rng.random((samples, n))
    # convex combinations and halves: no overflow even for boxes as wide as the float range
    cand = [lower * (1 - u01) + upper * u01, (lower / 2 + upper / 2)[None, :]]
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
    half_width = upper / 2 - lower / 2  # finite even when the width itself would overflow
    sigma = 0.25
    done = 0
    best_count = int(counts[order[0]])  # kept, not recounted: BLAS may round a 1-row product differently
    while time.monotonic() < deadline and sigma > 1e-6 and (rounds is None or done < rounds):
        done += 1
        P = best[rng.integers(0, len(best), size=512)] + rng.normal(size=(512, n)) * half_width * (2 * sigma)
        P = np.clip(P, lower, upper)
        allp = np.vstack([best, P])
        c = _counts(allp @ W.T + b, tau)
        keep = np.argsort(-c, kind="stable")[:16]
        improved = int(c[keep[0]]) > best_count  # true at most s times: the rounds end
        best_count = max(best_count, int(c[keep[0]]))
        best = allp[keep]
        if stop_at is not None and c[keep[0]] >= stop_at:
            break
        if not improved:
            sigma *= 0.5
    return best[0].copy()


def _anneal_py(A, t, y, iters, seed, temp0, weight, target):
    """Simulated annealing over bit flips of y in {0,1}^m for many rows A y >= t at once.

    The score is (rows met) - weight * (total normalised shortfall of the others), so the walk
    is drawn towards points where the missing rows are nearly met; the best count seen wins
    (at once when it reaches ``target``).
    """
    np.random.seed(seed)
    s, m = A.shape
    z = A @ y
    norm = np.abs(A).sum(axis=1) + 1e-300
    cur = 0.0
    cnt = 0
    for i in range(s):
        if z[i] >= t[i]:
            cnt += 1
        else:
            cur -= weight * (t[i] - z[i]) / norm[i]
    cur += cnt
    best_c = cnt
    best_y = y.copy()
    for it in range(iters):
        temp = temp0 * (1.0 - it / iters) + 1e-3
        j = np.random.randint(m)
        d = 1.0 - 2.0 * y[j]
        new = 0.0
        c = 0
        for i in range(s):
            zi = z[i] + d * A[i, j]
            if zi >= t[i]:
                c += 1
            else:
                new -= weight * (t[i] - zi) / norm[i]
        new += c
        if new >= cur or np.random.random() < np.exp((new - cur) / temp):
            cur = new
            y[j] = 1.0 - y[j]
            for i in range(s):
                z[i] += d * A[i, j]
            if c > best_c:
                best_c = c
                best_y = y.copy()
                if best_c >= target:
                    break
    return best_c, best_y


try:  # compiled when numba (the "fast" extra) is installed; else the annealing is not offered
    import numba

    _anneal = numba.njit(cache=True, nogil=True)(_anneal_py)
    HAVE_ANNEAL = True
except ImportError:  # pragma: no cover - exercised on machines without the extra
    _anneal = None
    HAVE_ANNEAL = False


def cube_anneal(A: np.ndarray, t: np.ndarray, starts: list[np.ndarray], budget_s: float | None, *, seed: int = 0,
                temp: float = 0.3, weight: float = 8.0, target: int | None = None, restarts: int | None = None,
                iters: int | None = None) -> np.ndarray:
    """Best 0/1 point found for "many rows with A y >= t" by annealing restarts within ``budget_s``
    (the given starts first, then random ones; ending early once ``target`` rows are met or
    after ``restarts`` runs of ``iters`` flips each).
    ``budget_s=None``: no clock, exactly ``restarts`` runs (required then), a reproducible result.
    Heuristic: callers count the point exactly."""
    if budget_s is None and restarts is None:
        raise ValueError("cube_anneal without a time budget needs a restart count")
    A = np.ascontiguousarray(A, dtype=np.float64)
    t = np.ascontiguousarray(t, dtype=np.float64)
    s, m = A.shape
    if m == 0:  # a group whose rows use no coordinate: its only point is the empty one
        return np.zeros(0)
    rng = np.random.default_rng(seed)
    # temp, weight and restart length tuned on bench/frontier.py; short budgets get short restarts
    if iters is None:
        iters = max(2_000, int(min(5e6, (5e6 if budget_s is None else budget_s * 5e8)) / (s + 8)))
    deadline = _deadline(budget_s)
    best_c, best_y = -1, np.asarray(starts[0], dtype=np.float64) if starts else np.zeros(m)
    r = 0
    while time.monotonic() < deadline:
        if r < len(starts):
            y0 = np.asarray(starts[r], dtype=np.float64).copy()
        else:
            y0 = rng.integers(0, 2, m).astype(np.float64)
        stop = s + 1 if target is None else target
        c, y = _anneal(A, t, y0, iters, int(seed * 7919 + r) % (2**31), temp, weight, stop)
        if c > best_c:
            best_c, best_y = c, y
        r += 1
        if (target is not None and best_c >= target) or (restarts is not None and r >= restarts):
            break
    return best_y
