"""Exact forward passes of a deep network in rational arithmetic (Python integers).

Each layer's float64 weights and biases are scaled by one power of two to integers
(``sparse_models.exact.integer_row`` style), so a layer is an integer matrix product on
the numerators of the activations with a common denominator: exact and fast enough to
re-check every witness and every sampled point that is reported.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from .bounds import leak_slope


def _scale_exponent(values: np.ndarray) -> int:
    """The least e with every value * 2^e an integer: v = M 2^(ex - 53) with M the 53-bit integer
    significand (frexp, exact also for subnormals), whose trailing zero bits lower the exponent."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v[v != 0]
    if not v.size:
        return 0
    m, ex = np.frexp(v)
    M = (m * 2.0 ** 53).astype(np.int64)  # exact: m has at most 53 significant bits
    tz = np.log2(M & -M).astype(np.int64)  # trailing zeros (an exact power of two)
    return int(max(0, int((53 - ex - tz).max())))


def _scaled_int(v: float, scale: int) -> int:
    """v * scale as an exact integer (scale a power of two at least v's denominator)."""
    num, den = float(v).as_integer_ratio()
    return num * (scale // den)


class ExactLayers:
    """Integer form of layers 0..depth-1: z_k = (Wint h + bint * 2^(eW - eb)) / 2^eW, exactly."""

    def __init__(self, layers: Sequence[Dense]) -> None:
        self.layers = tuple(layers)
        self._W: list[np.ndarray] = []
        self._b: list[np.ndarray] = []
        self._e: list[int] = []
        self._slope: list[Fraction] = []
        for layer in self.layers:
            e = max(_scale_exponent(layer.W), _scale_exponent(layer.b))
            scale = 1 << e
            Wi = np.array([[_scaled_int(v, scale) for v in row] for row in layer.W.tolist()], dtype=object)
            bi = np.array([_scaled_int(v, scale) for v in layer.b.tolist()], dtype=object)
            self._W.append(Wi.reshape(layer.W.shape))
            self._b.append(bi)
            self._e.append(e)
            self._slope.append(Fraction(leak_slope(layer)) if layer.activation is not None else Fraction(1))

    def pre_activations(self, u: Sequence[Fraction | float], depth: int) -> list[list[Fraction]]:
        """Exact pre-activations of layers 0..depth-1 at the normalised input u."""
        fr = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in u]
        den = lcm(*(f.denominator for f in fr)) if fr else 1
        num = np.array([f.numerator * (den // f.denominator) for f in fr], dtype=object)
        out = []
        for k in range(depth):
            scale = 1 << self._e[k]
            znum = self._W[k].dot(num) + self._b[k] * den
            zden = den * scale
            out.append([Fraction(int(v), zden) for v in znum])
            if k + 1 < depth:
                a = self._slope[k]
                if a == 0:
                    num = np.array([v if v > 0 else 0 for v in znum], dtype=object)
                    den = zden
                elif a == 1:
                    num, den = znum, zden
                else:
                    ad, an = a.denominator, a.numerator
                    num = np.array([v * ad if v > 0 else v * an for v in znum], dtype=object)
                    den = zden * ad
        return out

    def active(self, u: Sequence[Fraction | float], layer: int, tau: float = 0.0) -> tuple[int, ...]:
        """Units of ``layer`` with z > tau, decided exactly."""
        t = Fraction(float(tau))
        z = self.pre_activations(u, layer + 1)[layer]
        return tuple(i for i, v in enumerate(z) if v > t)
