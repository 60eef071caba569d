"""Folding an inference-mode batch normalisation into the affine layer before it.

BatchNorm in evaluation mode is the affine map ``y = g (x - mean) + beta`` per feature, with
``g = scale / sqrt(var + eps)``. After the layer ``x = W u + b`` it folds to
``W' = diag(g) W`` and ``b' = g (b - mean) + beta``. The square root makes the exact fold
irrational in general, so it cannot be exact in float64: each folded weight and bias is
the float64 *nearest* to the exact real value (one correct rounding, ties to even),
computed with exact rational arithmetic and a square root enclosed to as many bits as
needed. The folded float64 network is then the model that sparsecert verifies; loaders
say so in the network's ``notes``.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

import numpy as np

from ..errors import ModelFormatError, NonFiniteError

_START_BITS = 80


def _inv_sqrt_bounds(p: int, q: int, bits: int) -> tuple[int, int, int]:
    """(num, den_lo, den_hi) with num/den_lo >= 1/sqrt(p/q) >= num/den_hi, about 2**-bits apart (equal when exact)."""
    scale = 1 << bits
    t = p * q * scale * scale
    a = isqrt(t)  # a <= sqrt(p q) 2^bits < a + 1, and 1/sqrt(p/q) = q / sqrt(p q)
    return q * scale, a, (a if a * a == t else a + 1)


def _div(num: int, den: int) -> float:
    """num / den correctly rounded to float64 (Python's integer true division rounds correctly)."""
    try:
        r = num / den
    except OverflowError:
        raise NonFiniteError("the folded BatchNorm value overflows float64") from None
    return r


def fold_batchnorm(W: np.ndarray, b: np.ndarray, scale, beta, mean, var, eps: float,
                   what: str) -> tuple[np.ndarray, np.ndarray]:
    """(W', b') of the affine layer (W, b) followed by the batch norm; every entry correctly rounded.

    ``scale``/``beta``/``mean``/``var`` have one entry per output of the layer; ``what``
    names the batch-norm layer in errors. Raises :class:`ModelFormatError` for shapes that
    do not fit or a variance with ``var + eps <= 0``, :class:`NonFiniteError` for NaN/inf.
    """
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = W.shape[0]
    arrs = []
    for label, arr in (("scale", scale), ("bias", beta), ("mean", mean), ("variance", var)):
        a = np.asarray(arr)
        if a.dtype.kind not in "fiu":
            raise ModelFormatError(f"{what}: its {label} has dtype {a.dtype}, not a float type")
        a = a.astype(np.float64).reshape(-1) if a.size == out else None
        if a is None:
            raise ModelFormatError(f"{what}: its {label} has {np.asarray(arr).size} entries but the layer before it"
                                   f" has {out} outputs")
        if not np.all(np.isfinite(a)):
            raise NonFiniteError(f"{what}: its {label} holds NaN or infinity")
        arrs.append(a)
    g_scale, g_beta, g_mean, g_var = arrs
    if not np.isfinite(eps):
        raise NonFiniteError(f"{what}: epsilon {eps!r} is not finite")
    W2 = np.empty_like(W)
    b2 = np.empty(out)
    eps_q = Fraction(float(eps))
    for i in range(out):
        v = Fraction(float(g_var[i])) + eps_q
        if v <= 0:
            raise ModelFormatError(f"{what}: feature {i} has variance + epsilon = {float(v)!r} <= 0; a batch norm"
                                   " divides by its square root")
        sn, sd = float(g_scale[i]).as_integer_ratio()
        # exact numerators s_i * w_ij and s_i * (b_i - mean_i) as integer ratios (n / d)
        nums = []
        for w in W[i]:
            wn, wd = float(w).as_integer_ratio()
            nums.append((sn * wn, sd * wd))
        bq = Fraction(float(b[i])) - Fraction(float(g_mean[i]))
        bn_, bd_ = sn * bq.numerator, sd * bq.denominator
        cn, cd = float(g_beta[i]).as_integer_ratio()
        bits = _START_BITS
        todo = list(range(W.shape[1])) + [-1]  # -1: the bias
        while todo:
            L, den_lo, den_hi = _inv_sqrt_bounds(v.numerator, v.denominator, bits)
            left = []
            for j in todo:
                # value = (n / d) * L / den (+ beta for the bias); den_lo gives the end with larger magnitude
                n_, d_ = (bn_, bd_) if j < 0 else nums[j]
                if j < 0:  # (n L / (d den)) + cn / cd = (n L cd + cn d den) / (d den cd)
                    x = _div(n_ * L * cd + cn * d_ * den_lo, d_ * den_lo * cd)
                    y = _div(n_ * L * cd + cn * d_ * den_hi, d_ * den_hi * cd)
                else:
                    x = _div(n_ * L, d_ * den_lo)
                    y = _div(n_ * L, d_ * den_hi)
                if x != y:
                    left.append(j)
                elif j < 0:
                    b2[i] = x
                else:
                    W2[i, j] = x
            todo = left
            bits *= 2
            if bits > 1 << 16:  # cannot happen for an irrational root: the exact value is never a rounding tie
                raise ModelFormatError(f"{what}: folding did not converge")  # pragma: no cover
    return W2, b2


def fold_note(bn: str, layer: str) -> str:
    return (f"{bn} (inference mode) was folded into {layer}, the affine layer before it: the folded weights and bias"
            " are the float64 values nearest to the exact fold (one rounding each, the square root makes exact"
            " folding impossible), and this folded float64 network is the model that is verified")
