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

from sparsecert.sparse_models.exact import scale_exponent, scaled_ints
from sparsecert.sparse_models.network import Dense

from .bounds import leak_slope


class ExactLayers:
    """Integer form of layers 0..depth-1: z_k = (Wint h + bint * 2^(eW - eb)) / 2^eW, exactly."""

    def __init__(self, layers: Sequence[Dense]) -> None:
        self.layers = tuple(layers)
        self._W: list[np.ndarray] = []
        self._b: list[np.ndarray] = []
        self._e: list[int] = []
        self._slope: list[Fraction] = []
        for layer in self.layers:
            e = max(scale_exponent(layer.W), scale_exponent(layer.b))
            Wi = scaled_ints(layer.W, e)
            bi = scaled_ints(layer.b, e)
            self._W.append(Wi.reshape(layer.W.shape))
            self._b.append(bi)
            self._e.append(e)
            self._slope.append(Fraction(leak_slope(layer)) if layer.activation is not None else Fraction(1))

    def pre_activations(self, u: Sequence[Fraction | float], depth: int) -> list[list[Fraction]]:
        """Exact pre-activations of layers 0..depth-1 at the normalised input u."""
        return [[Fraction(int(v), den) for v in num] for num, den in self._integer_pre_activations(u, depth)]

    def _integer_pre_activations(self, u: Sequence[Fraction | float], depth: int) -> list[tuple[np.ndarray, int]]:
        """Per layer 0..depth-1, (integer numerators, common positive denominator) of z exactly."""
        fr = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in u]
        den = lcm(*(f.denominator for f in fr)) if fr else 1
        num = np.array([f.numerator * (den // f.denominator) for f in fr], dtype=object)
        out = []
        for k in range(depth):
            scale = 1 << self._e[k]
            znum = self._W[k].dot(num) + self._b[k] * den
            zden = den * scale
            out.append((znum, zden))
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
        """Units of ``layer`` with z > tau, decided exactly (in integers: z = num / den > tn / td)."""
        tn, td = float(tau).as_integer_ratio()
        num, den = self._integer_pre_activations(u, layer + 1)[layer]
        return tuple(i for i, v in enumerate(num) if v * td > tn * den)
