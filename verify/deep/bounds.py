"""Sound bounds on every pre-activation of a deep network over an input box.

Two passes per layer, intersected: interval arithmetic, then a DeepPoly/CROWN-style
symbolic relaxation back-substituted to the input box. Both run in float64 and are made
rigorous by outward rounding: every float matrix product, dot product and relaxation
offset carries an a-priori error bound (|fl(sum) - sum| <= gamma_n * sum |terms|,
[STANDARD], Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1; doubled for
safety as in ``sparse_models.exact.rounding_margin``) that is added on the safe side. The
bounds hold for the exact rational network on the exact box (any box whose float
enclosure is ``lo``/``hi``). A unit is stable-on when its lower bound exceeds tau, stable-off
when its upper bound is at most tau, unstable otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.errors import UnsupportedActivation
from sparsecert.sparse_models.exact import SMALLEST_SUBNORMAL, UNIT_ROUNDOFF
from sparsecert.sparse_models.network import Dense

INF = np.inf


def _gamma(n: int) -> float:
    return n * UNIT_ROUNDOFF / (1 - n * UNIT_ROUNDOFF)


def _margin(absum: np.ndarray, n_terms: int) -> np.ndarray:
    """Rigorous bound on the rounding error of float sums of ``n_terms`` products with sum |terms| = absum."""
    return 2.0 * _gamma(n_terms + 2) * absum * (1 + 4 * UNIT_ROUNDOFF) + (n_terms + 2) * 2 * SMALLEST_SUBNORMAL


def _up(value: np.ndarray, margin: np.ndarray) -> np.ndarray:
    return np.nextafter(value + margin, INF)


def _down(value: np.ndarray, margin: np.ndarray) -> np.ndarray:
    return np.nextafter(value - margin, -INF)


def leak_slope(layer: Dense) -> float:
    """The slope of the activation left of 0: relu 0, leaky_relu alpha, identity 1; others are refused."""
    act = layer.activation
    if act is None:
        return 1.0
    if act.name == "relu":
        return 0.0
    if act.name == "identity":
        return 1.0
    if act.name == "leaky_relu":
        if not 0.0 <= act.alpha <= 1.0:
            raise UnsupportedActivation(f"leaky_relu slope {act.alpha} is outside [0, 1]; deep proofs need a convex,"
                                        " monotone piecewise-linear activation")
        return float(act.alpha)
    raise UnsupportedActivation(f"activation {act.name!r} is not piecewise linear and continuous; deep proofs support"
                                " relu, leaky_relu (slope in [0, 1]) and identity")


def activation_interval(a: float, l: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous bounds of f(z) = max(z, a z) (0 <= a <= 1) for z in [l, u]."""
    if a == 0.0:
        return np.maximum(l, 0.0), np.maximum(u, 0.0)
    if a == 1.0:
        return l.copy(), u.copy()
    lo = np.where(l >= 0, l, np.nextafter(a * l, -INF))
    hi = np.where(u >= 0, u, np.nextafter(a * u, INF))
    return lo, hi


def relaxation(a: float, l: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear bounds su*z + tu >= f(z) >= sl*z valid for every z in [l, u] (rigorously, in exact arithmetic)."""
    su = np.ones_like(l)
    tu = np.zeros_like(l)
    sl = np.ones_like(l)
    off = u <= 0
    su[off] = a
    sl[off] = a
    unst = (l < 0) & (u > 0)
    if np.any(unst):
        lu, uu = l[unst], u[unst]
        s = np.clip((uu - a * lu) / (uu - lu), a, 1.0)
        # f is convex, so the line lies above f on [l, u] iff it does at both ends
        t = np.maximum((a - s) * lu, (1.0 - s) * uu)
        err = 4 * UNIT_ROUNDOFF * (abs(a * lu) + np.abs(s * lu) + uu + s * uu) + 4 * SMALLEST_SUBNORMAL
        su[unst] = s
        tu[unst] = np.maximum(_up(t, err), 0.0)
        sl[unst] = np.where(uu > -lu, 1.0, a)
    return su, tu, sl


def _affine_interval(layer: Dense, hl: np.ndarray, hu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    W, b = layer.W, layer.b
    Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
    zu = Wp @ hu + Wn @ hl + b
    zl = Wp @ hl + Wn @ hu + b
    habs = np.maximum(np.abs(hl), np.abs(hu))
    m = _margin(np.abs(W) @ habs + np.abs(b), 2 * W.shape[1] + 1)
    return _down(zl, m), _up(zu, m)


def _backsubstitute(layers: Sequence[Dense], L: int, lower: list[np.ndarray], upper: list[np.ndarray],
                    xl: np.ndarray, xu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeepPoly bounds of layer L's pre-activations from the bounds of layers < L."""
    WL, bL = layers[L].W, layers[L].b
    s = WL.shape[0]
    lam = np.vstack([WL, -WL])  # rows bound z and -z from above
    c = np.concatenate([bL, -bL])
    err = np.zeros(2 * s)
    for k in range(L - 1, -1, -1):
        a = leak_slope(layers[k])
        l, u = lower[k], upper[k]
        su, tu, sl = relaxation(a, l, u)
        P, N = np.maximum(lam, 0), np.minimum(lam, 0)
        lam = P * su + N * sl  # one product per entry: relative error <= U
        zabs = np.maximum(np.abs(l), np.abs(u))
        err += 2 * UNIT_ROUNDOFF * (np.abs(lam) @ zabs) + 2 * SMALLEST_SUBNORMAL * zabs.sum()  # incl. underflow of each product
        c = c + P @ tu
        err += _margin(P @ tu + np.abs(c), lam.shape[1] + 1)
        # through the affine map z_k = W_k h_{k-1} + b_k
        W, b = layers[k].W, layers[k].b
        if k > 0:
            hl, hu = activation_interval(leak_slope(layers[k - 1]), lower[k - 1], upper[k - 1])
        else:
            hl, hu = xl, xu
        habs = np.maximum(np.abs(hl), np.abs(hu))
        absl = np.abs(lam)
        err += _margin(absl @ (np.abs(W) @ habs), W.shape[0])  # inner dimension of lam @ W
        c = c + lam @ b
        err += _margin(absl @ np.abs(b) + np.abs(c), lam.shape[1] + 1)
        lam = lam @ W
    P, N = np.maximum(lam, 0), np.minimum(lam, 0)
    val = P @ xu + N @ xl + c
    xabs = np.maximum(np.abs(xl), np.abs(xu))
    err += _margin(np.abs(lam) @ xabs + np.abs(c), 2 * lam.shape[1] + 1)
    up = _up(val, err * (1 + 1e-9))
    up = np.where(np.isnan(up), INF, up)  # overflow: no information, never a wrong bound
    return -up[s:], up[:s]


@dataclass(frozen=True, eq=False)
class NetworkBounds:
    """Proved bounds lower[l] <= z_l(x) <= upper[l] for each hidden layer l, for every x in the box."""

    lower: tuple[np.ndarray, ...]
    upper: tuple[np.ndarray, ...]

    @property
    def depth(self) -> int:
        return len(self.lower)

    def stable_on(self, layer: int, tau: float = 0.0) -> np.ndarray:
        return self.lower[layer] > tau

    def stable_off(self, layer: int, tau: float = 0.0) -> np.ndarray:
        return self.upper[layer] <= tau

    def unstable(self, layer: int, tau: float = 0.0) -> np.ndarray:
        return ~(self.stable_on(layer, tau) | self.stable_off(layer, tau))

    def counts(self, layer: int, tau: float = 0.0) -> tuple[int, int, int]:
        """(stable-on, stable-off, unstable) unit counts of ``layer``."""
        on, off = self.stable_on(layer, tau), self.stable_off(layer, tau)
        return int(on.sum()), int(off.sum()), int((~(on | off)).sum())

    def upper_count(self, layer: int, tau: float = 0.0) -> int:
        """Proved upper bound on the number of units of ``layer`` active at once: stable-on + unstable."""
        return int((~self.stable_off(layer, tau)).sum())


def network_bounds(layers: Sequence[Dense], xl: np.ndarray, xu: np.ndarray, depth: int | None = None,
                   symbolic: bool = True) -> NetworkBounds:
    """Bounds for hidden layers 0..depth-1 over the float box [xl, xu] (interval, then DeepPoly).

    Every bound is sound in floating point (rounded outward): lower[l] <= z_l(x) <= upper[l]
    for every x in the box, z_l the pre-activation of layer l.

    Parameters
    ----------
    layers : sequence of Dense
        The network's layers (``network.layers``), in normalised input coordinates.
    xl, xu : numpy.ndarray
        The float box of inputs of ``layers[0]``.
    depth : int or None, default None
        Layers bounded (None: all of ``layers``).
    symbolic : bool, default True
        Tighten layers after the first by DeepPoly back-substitution (False: intervals only).

    Returns
    -------
    NetworkBounds
        ``lower`` / ``upper`` (one float array per layer), ``depth`` and ``stable_on(layer, tau)``.

    Raises
    ------
    InvalidArgument
        A hidden activation without an exact piecewise-linear encoding.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Dense, Network
    >>> from sparsecert.verify.deep import network_bounds
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> box = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    >>> np.round(network_bounds(net.layers, *box, depth=2).upper[1], 9).tolist()
    [3.0, 2.0]
    >>> np.round(network_bounds(net.layers, *box, depth=2, symbolic=False).upper[1], 9).tolist()
    [4.0, 2.5]
    """
    depth = len(layers) if depth is None else depth
    xl = np.asarray(xl, dtype=np.float64)
    xu = np.asarray(xu, dtype=np.float64)
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    hl, hu = xl, xu
    for k in range(depth):
        zl, zu = _affine_interval(layers[k], hl, hu)
        zl, zu = np.where(np.isnan(zl), -INF, zl), np.where(np.isnan(zu), INF, zu)
        if symbolic and k > 0:
            dl, du = _backsubstitute(layers, k, lower, upper, xl, xu)
            zl, zu = np.maximum(zl, dl), np.minimum(zu, du)
        lower.append(zl)
        upper.append(zu)
        if k + 1 < depth:
            hl, hu = activation_interval(leak_slope(layers[k]), zl, zu)
    return NetworkBounds(tuple(lower), tuple(upper))
