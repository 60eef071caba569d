"""Exact power-of-two rescaling of a deep network, so its float64 bounds neither overflow nor underflow.

relu, leaky_relu and identity are positively homogeneous: f(c z) = c f(z) for every c > 0. With
exponents e_0..e_L (e_{-1} = 0) the network with layers

    W'_k = W_k * 2^(e_{k-1} - e_k),    b'_k = b_k * 2^(-e_k)

has pre-activations z'_k(u) = 2^(-e_k) z_k(u) exactly, for every input u: the same signs in every
hidden layer, and z_L > tau iff z'_L > tau' = tau * 2^(-e_L). Multiplying a float64 by a power of
two is exact unless the result leaves the float range or drops bits into the subnormals, so each
e_k is chosen inside the window where every scaled entry (and tau') is exact, and every entry is
checked after scaling; when no such choice exists the network is left unscaled.

Why: weights of magnitude 1e150 give layer-2 pre-activations near 1e450, past the float64 range;
every float bound is then infinite, no unit is ever stable, splitting a region never helps, and the
exact search has to settle every region alone. The scaled network has pre-activations near 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.exact import dyadic_exponents
from sparsecert.sparse_models.network import Dense

MIN_LSB = -1074  # exponent of the smallest subnormal
MAX_MSB = 1023  # exponent of the leading bit of the largest finite float64


def _bits(values: np.ndarray) -> tuple[int, int] | None:
    """(lowest set bit exponent, leading bit exponent) over the nonzero entries, or None if all are zero."""
    low, high = dyadic_exponents(values)
    return None if not low.size else (int(low.min()), int(high.max()))


def _log2_abs_max(values: np.ndarray) -> float:
    nz = np.abs(values[values != 0])
    return -math.inf if nz.size == 0 else math.log2(float(nz.max()))


def _scaled_exactly(values: np.ndarray, shift: int) -> np.ndarray | None:
    out = np.ldexp(values, shift)
    if not np.all(np.isfinite(out)):
        return None
    # exact iff scaling back gives the original (no bit was lost to the subnormals)
    if not np.array_equal(np.ldexp(out, -shift), values):
        return None
    return out


@dataclass(frozen=True, eq=False)
class Scaled:
    """Layers whose pre-activations are exactly 2^-e_k times the original ones, and the scaled tau."""

    layers: tuple[Dense, ...]
    tau: float  # tau * 2^-e_L, exactly
    exponents: tuple[int, ...]  # e_0..e_L (all 0: unscaled)

    @property
    def identity(self) -> bool:
        return not any(self.exponents)


def _identity(layers: Sequence[Dense], tau: float) -> Scaled:
    return Scaled(tuple(layers), float(tau), (0,) * len(layers))


def rescale(layers: Sequence[Dense], L: int, tau: float, input_bound: "float | Fraction" = 1.0) -> Scaled:
    """The exact power-of-two rescaling of layers 0..L that brings every pre-activation near magnitude 1.

    ``input_bound`` is a bound on |u| over the inputs (a hint: it only steers the choice of exponents).
    """
    layers = tuple(layers[: L + 1])
    tau = float(tau)
    ib = abs(Fraction(input_bound)) if not isinstance(input_bound, float) else abs(input_bound)
    if ib == 0:
        mag = 0.0
    elif isinstance(ib, Fraction):
        mag = float(ib.numerator.bit_length() - ib.denominator.bit_length())
    else:
        mag = math.log2(ib) if math.isfinite(ib) else float(MAX_MSB)
    exps: list[int] = []
    prev = 0  # e_{k-1}
    for k, layer in enumerate(layers):
        W, b = layer.W, layer.b
        # log2 of the magnitude of z_k in the original network: |z_k| <= n max|W| 2^mag + max|b|,
        # with |h_{k-1}| <= |z_{k-1}| <= 2^mag (mag: the same estimate one layer down)
        est = max(_log2_abs_max(W) + mag + math.log2(W.shape[1] + 1), _log2_abs_max(b) + 1)
        want = prev if not math.isfinite(est) else int(math.ceil(est))
        lo, hi = -math.inf, math.inf
        wb = _bits(W)
        if wb is not None:  # W * 2^(prev - e) exact and finite
            hi = min(hi, prev + wb[0] - MIN_LSB)
            lo = max(lo, prev + wb[1] - MAX_MSB)
        bias = b if k < L or tau == 0.0 else np.append(b, tau)  # tau' = tau 2^-e_L must be exact too
        bb = _bits(bias)
        if bb is not None:  # b * 2^-e exact and finite
            hi = min(hi, bb[0] - MIN_LSB)
            lo = max(lo, bb[1] - MAX_MSB)
        if lo > hi:
            return _identity(layers, tau)
        e = int(min(max(want, lo), hi))
        exps.append(e)
        mag = est if math.isfinite(est) else mag
        prev = e
    if not any(exps):
        return _identity(layers, tau)
    out = []
    prev = 0
    for layer, e in zip(layers, exps):
        W = _scaled_exactly(layer.W, prev - e)
        b = _scaled_exactly(layer.b, -e)
        if W is None or b is None:
            return _identity(layers, tau)
        out.append(Dense(W, b, layer.activation))
        prev = e
    t = _scaled_exactly(np.array([tau]), -exps[-1])
    if t is None or Fraction(float(t[0])) != Fraction(tau) / Fraction(2) ** exps[-1]:
        return _identity(layers, tau)
    return Scaled(tuple(out), float(t[0]), tuple(exps))
