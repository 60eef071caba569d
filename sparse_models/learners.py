"""Two learners on (X, y) arrays: the Low-Degree Algorithm (docs/theory.md §4) and a trained baseline.

* :class:`LowDegreeLearner` estimates every Fourier coefficient f^(S) with |S| <= d from
  ±1 samples, f~(S) = mean_l y_l chi_S(x_l), and predicts with h = sum_S f~(S) chi_S
  (optionally clipped to [-F, F], which never increases the L2 error for |f| <= F).
  The characters are built level by level, chi_{S u {j}} = chi_S * x_j for j > max S, so
  fitting costs O(m N_d) operations and prediction O(N_d) per point.
* :class:`SparseMLPTrainer` fits a 2-layer ReLU network by full-batch Adam on the squared
  error, with an optional activation-sparsity penalty: L1 on the hidden activations and a
  hinge pushing the pre-activations of the units outside each sample's top ``target_k``
  below ``-margin``. It returns an :class:`MLPBlock` that the verifier can then check.

Both take ``(X, y)`` and a seed, and report what they did in a frozen dataclass. numpy only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .validation import as_count, as_finite_float, as_float64
from .block import MLPBlock
from .errors import InvalidArgument, ShapeError

MAX_FEATURES = 1 << 20  # N_d above this is refused (memory O(N_d), time O(m N_d))
_CHUNK_BYTES = 1 << 25  # feature matrices are built in row chunks of at most 32 MiB


def _check_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise InvalidArgument(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    Xa = as_float64("X", X, ndim=2)
    ya = as_float64("y", y)
    if ya.ndim not in (1, 2) or ya.shape[0] != Xa.shape[0]:
        raise ShapeError(f"y must have shape ({Xa.shape[0]},) or ({Xa.shape[0]}, outputs) to match X {Xa.shape},"
                         f" got {ya.shape}")
    if Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise ShapeError(f"X needs at least one sample and one coordinate, got shape {Xa.shape}")
    return Xa, ya


def _check_pm1(X: np.ndarray) -> None:
    bad = np.flatnonzero(~np.all(np.abs(X) == 1.0, axis=1))
    if bad.size:
        raise InvalidArgument(f"the low-degree learner works on ±1 points, but row {int(bad[0])} of X is"
                              f" {X[bad[0]].tolist()}; map {{0,1}} data with x -> 1 - 2x first")


def subset_count(n: int, d: int) -> int:
    """N_d = sum_{i <= min(d, n)} C(n, i): the number of sets |S| <= d."""
    return sum(math.comb(n, i) for i in range(min(d, n) + 1))


def low_degree_subsets(n: int, d: int) -> tuple[tuple[int, ...], ...]:
    """Every S with |S| <= d, in the learner's column order: by size, then lexicographically."""
    out: list[tuple[int, ...]] = [()]
    level: list[tuple[int, ...]] = [()]
    for _ in range(min(d, n)):
        level = [S + (j,) for S in level for j in range((S[-1] + 1) if S else 0, n)]
        out.extend(level)
    return tuple(out)


def _levels(n: int, d: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each level t = 1..min(d, n): (parent column within level t-1, added coordinate j > max S)."""
    out = []
    level: list[tuple[int, ...]] = [()]
    for _ in range(min(d, n)):
        parents, coords, nxt = [], [], []
        for p, S in enumerate(level):
            for j in range((S[-1] + 1) if S else 0, n):
                parents.append(p)
                coords.append(j)
                nxt.append(S + (j,))
        out.append((np.array(parents, dtype=np.int64), np.array(coords, dtype=np.int64)))
        level = nxt
    return out


def characters(X: np.ndarray, d: int) -> np.ndarray:
    """The m x N_d matrix of chi_S(x_l) for |S| <= d, columns ordered as :func:`low_degree_subsets`.

    Level t is built from level t-1 with one multiplication per new column
    (chi_{S u {j}} = chi_S x_j, j > max S): O(m N_d) operations in total.
    """
    m, n = X.shape
    cols = [np.ones((m, 1))]
    for parents, coords in _levels(n, d):
        cols.append(cols[-1][:, parents] * X[:, coords])
    return np.hstack(cols)


@dataclass(frozen=True)
class LowDegreeReport:
    """What one fit did: degree d, input size n, N_d coefficients from m samples, time, clipping."""

    degree: int
    n: int
    N_d: int
    m: int
    time_s: float
    clip: float | None
    seed: int | None
    note: str = "deterministic: the estimates depend on the samples only; the seed is recorded, not used"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class LowDegreeLearner:
    """The Low-Degree Algorithm LD(d, m) of docs/theory.md §4 (Linial-Mansour-Nisan) [STANDARD].

    ``fit(X, y)`` estimates f~(S) for every |S| <= ``degree`` from ±1 samples; ``predict``
    returns sum_S f~(S) chi_S(x), clipped to [-clip, clip] when ``clip`` is given.
    After ``fit``: ``coefficients_`` (N_d,), ``subsets_`` (the sets, in column order),
    ``masks_`` (bit j set iff j in S, the indexing of :mod:`properties.fourier`), ``report_``.
    """

    def __init__(self, degree: int, *, clip: float | None = None) -> None:
        self.degree = as_count("degree", degree, low=0)
        if clip is not None:
            clip = as_finite_float("clip", clip)
            if clip <= 0:
                raise InvalidArgument(f"clip must be a positive bound F (|f| <= F) or None, got {clip}")
        self.clip = clip
        self.coefficients_: np.ndarray | None = None
        self.subsets_: tuple[tuple[int, ...], ...] = ()
        self.masks_: np.ndarray | None = None
        self.report_: LowDegreeReport | None = None

    def fit(self, X: Any, y: Any, seed: int | None = None) -> "LowDegreeLearner":
        """Estimate the low-degree coefficients from samples (rows of X in {-1,1}^n, y of shape (m,))."""
        seed = _check_seed(seed)
        t0 = time.perf_counter()
        Xa, ya = _xy(X, y)
        if ya.ndim != 1:
            raise ShapeError(f"the low-degree learner fits one real label per sample; y has shape {ya.shape}")
        _check_pm1(Xa)
        m, n = Xa.shape
        Nd = subset_count(n, self.degree)
        if Nd > MAX_FEATURES:
            raise InvalidArgument(f"N_d = {Nd} coefficients of degree <= {self.degree} in n = {n} exceed the limit"
                                  f" {MAX_FEATURES}; lower the degree")
        coef = np.zeros(Nd)
        for a, b in self._row_chunks(m, Nd):
            coef += ya[a:b] @ characters(Xa[a:b], self.degree)
        coef /= m
        coef.setflags(write=False)
        self.subsets_ = low_degree_subsets(n, self.degree)
        masks = np.array([sum(1 << j for j in S) for S in self.subsets_], dtype=np.int64)
        masks.setflags(write=False)
        self.coefficients_, self.masks_ = coef, masks
        self.report_ = LowDegreeReport(self.degree, n, Nd, m, time.perf_counter() - t0, self.clip, seed)
        return self

    def predict(self, X: Any) -> "np.ndarray | float":
        """h(x) = sum_{|S| <= d} f~(S) chi_S(x) for each row (a float for one point; clipped when ``clip`` was given)."""
        if self.coefficients_ is None or self.report_ is None:
            raise InvalidArgument("call fit(X, y) before predict(X)")
        Xa = as_float64("X", X)
        single = Xa.ndim == 1
        Xa = Xa[None, :] if single else Xa
        if Xa.ndim != 2 or Xa.shape[1] != self.report_.n:
            raise ShapeError(f"X must have shape ({self.report_.n},) or (N, {self.report_.n}), got {Xa.shape}")
        _check_pm1(Xa)
        out = np.empty(Xa.shape[0])
        for a, b in self._row_chunks(Xa.shape[0], self.report_.N_d):
            out[a:b] = characters(Xa[a:b], self.degree) @ self.coefficients_
        if self.clip is not None:
            np.clip(out, -self.clip, self.clip, out=out)
        return float(out[0]) if single else out

    @staticmethod
    def _row_chunks(m: int, Nd: int):
        step = max(1, _CHUNK_BYTES // (8 * Nd))
        return [(a, min(m, a + step)) for a in range(0, m, step)]

    def __repr__(self) -> str:
        return f"LowDegreeLearner(degree={self.degree}, clip={self.clip})"


# -- the trained baseline -------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainReport:
    """What one training run did, with the activity it reached on the training inputs (float64)."""

    hidden: int
    steps: int
    seed: int
    loss: float  # final objective: mse + penalties
    mse: float
    l1_penalty: float
    hinge_penalty: float
    train_max_active: int  # max over training inputs of the float64 active count
    train_mean_active: float
    time_s: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SparseMLPTrainer:
    """A 2-layer ReLU network y ~ W2 relu(W1 x + b1) + b2 trained by full-batch Adam (numpy).

    Objective: mean squared error + ``l1`` * mean_l sum_i relu(z_i(x_l)) (L1 on activations)
    + ``hinge`` * mean_l sum_{i not in top target_k at x_l} relu(z_i(x_l) + margin): units
    outside each sample's ``target_k`` largest pre-activations are pushed below -margin
    (with ``target_k=None`` every unit is). ``l1 = hinge = 0`` is plain training.
    The penalty shapes training only; sparsity on a domain is proved by :mod:`verify`.
    """

    def __init__(self, hidden: int, *, steps: int = 2000, lr: float = 0.01, l1: float = 0.0, hinge: float = 0.0,
                 target_k: int | None = None, margin: float = 0.1, init_scale: float = 1.0) -> None:
        self.hidden = as_count("hidden", hidden, low=1)
        self.steps = as_count("steps", steps, low=1)
        self.lr = self._positive("lr", lr)
        self.l1 = self._nonneg("l1", l1)
        self.hinge = self._nonneg("hinge", hinge)
        self.target_k = None if target_k is None else as_count("target_k", target_k, low=0, high=self.hidden)
        self.margin = self._nonneg("margin", margin)
        self.init_scale = self._positive("init_scale", init_scale)
        self.block_: MLPBlock | None = None
        self.report_: TrainReport | None = None

    @staticmethod
    def _positive(name: str, v: Any) -> float:
        v = as_finite_float(name, v)
        if v <= 0:
            raise InvalidArgument(f"{name} must be > 0, got {v}")
        return v

    @staticmethod
    def _nonneg(name: str, v: Any) -> float:
        v = as_finite_float(name, v)
        if v < 0:
            raise InvalidArgument(f"{name} must be >= 0, got {v}")
        return v

    def _outside_top_k(self, Z: np.ndarray) -> np.ndarray:
        """Mask of units outside each row's target_k largest pre-activations."""
        if self.target_k is None or self.target_k == 0:
            return np.ones_like(Z, dtype=bool)
        if self.target_k >= Z.shape[1]:
            return np.zeros_like(Z, dtype=bool)
        top = np.argpartition(-Z, self.target_k - 1, axis=1)[:, :self.target_k]
        mask = np.ones_like(Z, dtype=bool)
        np.put_along_axis(mask, top, False, axis=1)
        return mask

    def _objective(self, params: list[np.ndarray], X: np.ndarray, Y: np.ndarray,
                   ) -> tuple[float, float, float, float, list[np.ndarray]]:
        W1, b1, W2, b2 = params
        m = X.shape[0]
        Z = X @ W1.T + b1
        H = np.maximum(Z, 0.0)
        R = H @ W2.T + b2 - Y
        mse = float(np.mean(R * R))
        gOut = 2.0 * R / R.size
        gW2, gb2 = gOut.T @ H, gOut.sum(axis=0)
        gH = gOut @ W2
        gZ = gH * (Z > 0)
        l1 = float(self.l1 * H.sum() / m)
        if self.l1:
            gZ += (self.l1 / m) * (Z > 0)
        hinge = 0.0
        if self.hinge:
            P = Z + self.margin
            on = (P > 0) & self._outside_top_k(Z)
            hinge = float(self.hinge * np.sum(P[on]) / m)
            gZ += (self.hinge / m) * on
        gW1, gb1 = gZ.T @ X, gZ.sum(axis=0)
        return mse + l1 + hinge, mse, l1, hinge, [gW1, gb1, gW2, gb2]

    def fit(self, X: Any, y: Any, seed: int = 0) -> tuple[MLPBlock, TrainReport]:
        """Train from a seeded initialisation; returns the block and a report (also kept as block_/report_)."""
        seed = _check_seed(seed)
        seed = 0 if seed is None else seed
        t0 = time.perf_counter()
        Xa, ya = _xy(X, y)
        Y = ya[:, None] if ya.ndim == 1 else ya
        m, n = Xa.shape
        rng = np.random.default_rng(seed)
        s, o = self.hidden, Y.shape[1]
        params = [rng.normal(size=(s, n)) * self.init_scale / math.sqrt(n), rng.normal(size=s) * 0.1,
                  rng.normal(size=(o, s)) / math.sqrt(s), Y.mean(axis=0).astype(np.float64)]
        mom = [np.zeros_like(p) for p in params]
        vel = [np.zeros_like(p) for p in params]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        for t in range(1, self.steps + 1):
            _, _, _, _, grads = self._objective(params, Xa, Y)
            for p, g, mo, ve in zip(params, grads, mom, vel):
                mo *= beta1
                mo += (1 - beta1) * g
                ve *= beta2
                ve += (1 - beta2) * g * g
                p -= self.lr * (mo / (1 - beta1 ** t)) / (np.sqrt(ve / (1 - beta2 ** t)) + eps)
        loss, mse, l1, hinge, _ = self._objective(params, Xa, Y)
        W1, b1, W2, b2 = params
        if not all(np.all(np.isfinite(p)) for p in params):
            raise InvalidArgument("training diverged (non-finite weights); lower lr or the penalties")
        block = MLPBlock(W1, b1, W2, b2, "relu", name=f"trained(s={s},seed={seed})")
        counts = block.active_count(Xa)
        report = TrainReport(s, self.steps, seed, loss, mse, l1, hinge, int(np.max(counts)), float(np.mean(counts)),
                             time.perf_counter() - t0)
        self.block_, self.report_ = block, report
        return block, report

    def predict(self, X: Any) -> np.ndarray:
        """The trained block's output (one column squeezed away for a single output)."""
        if self.block_ is None:
            raise InvalidArgument("call fit(X, y) before predict(X)")
        out = self.block_.forward(X)
        return out[..., 0] if out.shape[-1] == 1 else out

    def __repr__(self) -> str:
        return (f"SparseMLPTrainer(hidden={self.hidden}, steps={self.steps}, lr={self.lr}, l1={self.l1},"
                f" hinge={self.hinge}, target_k={self.target_k}, margin={self.margin})")
