"""Blocks with known sparsity: the paper's junta construction (docs/theory.md §5, D1), parities,
direct sums, planted instances with a known exact max-active number, and random blocks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Callable, Sequence

import numpy as np

from .validation import as_count, as_finite_float, as_float64
from .activations import Activation
from .block import MLPBlock
from .errors import InvalidArgument, ShapeError
from .head import require_plain_output


def _coords(n: int, coords: Sequence[int]) -> list[int]:
    out = [as_count("coordinate", c, low=0, high=n - 1) for c in coords]
    if len(set(out)) != len(out):
        raise InvalidArgument(f"coordinates must be distinct, got {list(coords)}")
    return out


def sign_patterns(t: int) -> np.ndarray:
    """All alpha in {-1,1}^t, row r having alpha_j = 1 - 2 bit_j(r) (docs/theory.md §1 order).

    Parameters
    ----------
    t : int
        Number of coordinates.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape (2**t, t).

    Raises
    ------
    ValueError
        A negative ``t``.

    Examples
    --------
    >>> from sparsecert.sparse_models import sign_patterns
    >>> sign_patterns(2).tolist()
    [[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]
    """
    r = np.arange(1 << t, dtype=np.int64)
    bits = (r[:, None] >> np.arange(t, dtype=np.int64)) & 1
    return (1 - 2 * bits).astype(np.float64).reshape(1 << t, t)


def junta_block(
    n: int,
    coords: Sequence[int],
    function: "Callable[[np.ndarray], float] | Sequence[float]",
    *,
    activation: "str | Activation" = "relu",
    width: int | None = None,
) -> MLPBlock:
    """A block computing g(x_S) on {-1,1}^n with exactly one active unit at every point.

    One unit per alpha in {-1,1}^t: w = alpha on S, b = -(t-1), output weight g(alpha)
    (docs/theory.md §5, D1). ``function`` is a callable on a ±1 array of length t, or a table
    of 2^t values indexed as in :func:`sign_patterns`. ``width`` pads with never-active
    units (w = 0, b = -1). Works for relu and step (unit output is 1[x_S = alpha]).

    Parameters
    ----------
    n : int
        Input dimension.
    coords : sequence of int
        S, the t distinct coordinates g reads.
    function : callable or sequence of float
        g: called on each alpha (a ±1 array of length t), or its 2**t values in :func:`sign_patterns` order.
    activation : str or Activation, default "relu"
        ``"relu"`` or ``"step"``.
    width : int or None, default None
        Total width, at least 2**t (None: exactly 2**t units).

    Returns
    -------
    MLPBlock
        Width 2**t (or ``width``), one output; exactly one unit is active at every point of {-1,1}^n.

    Raises
    ------
    InvalidArgument
        Repeated or out-of-range coordinates, another activation, or ``width < 2**t``.
    ShapeError
        A table without 2**t values.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import junta_block
    >>> block = junta_block(4, [0, 2], lambda a: a[0] * a[1])  # x_0 x_2 on {-1,1}^4
    >>> block.s, block.forward(np.array([[1.0, 1.0, -1.0, 1.0]])).tolist()
    (4, [[-1.0]])
    >>> int(block.active_mask(np.array([[1.0, 1.0, -1.0, 1.0]])).sum())  # one unit per point
    1
    """
    n = as_count("n", n, low=1)
    S = _coords(n, coords)
    t = len(S)
    alphas = sign_patterns(t)
    if callable(function):
        g = np.array([float(function(a.copy())) for a in alphas])
    else:
        g = as_float64("junta truth table", function, ndim=1)
        if g.shape[0] != 1 << t:
            raise ShapeError(f"a junta on {t} coordinates needs a table of {1 << t} values, got {g.shape[0]}")
    act = Activation.parse(activation)
    if act.name not in ("relu", "step"):
        raise InvalidArgument(f"the junta construction computes g only with relu or step units, not {act.spec}")
    W1 = np.zeros((1 << t, n))
    W1[:, S] = alphas
    b1 = np.full(1 << t, -(t - 1.0))
    W2 = g[None, :]
    if width is not None:
        width = as_count("width", width, low=1 << t)
        pad = width - (1 << t)
        W1 = np.vstack([W1, np.zeros((pad, n))])
        b1 = np.concatenate([b1, -np.ones(pad)])
        W2 = np.hstack([W2, np.zeros((1, pad))])
    return MLPBlock(W1, b1, W2, np.zeros(1), act, name=f"junta(t={t})")


def parity_block(n: int, coords: Sequence[int], *, activation: "str | Activation" = "relu",
                 width: int | None = None) -> MLPBlock:
    """chi_S(x) = prod_{j in S} x_j as a 1-sparse block of width 2^|S|.

    Parameters
    ----------
    n : int
        Input dimension.
    coords : sequence of int
        S, the distinct coordinates multiplied.
    activation : str or Activation, default "relu"
        ``"relu"`` or ``"step"``.
    width : int or None, default None
        Total width, at least 2**|S| (padded with never-active units).

    Returns
    -------
    MLPBlock
        The :func:`junta_block` of the parity, named ``parity(t=|S|)``.

    Raises
    ------
    InvalidArgument
        As for :func:`junta_block`.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import parity_block
    >>> block = parity_block(3, [0, 1])
    >>> block.s, block.forward(np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 1.0]])).ravel().tolist()
    (4, [1.0, -1.0])
    """
    block = junta_block(n, coords, lambda a: float(np.prod(a)), activation=activation, width=width)
    return block.replace(name=f"parity(t={len(list(coords))})")


def stack(*blocks: MLPBlock) -> MLPBlock:
    """Direct sum on a shared input: hidden units concatenated, outputs added.

    Active counts add, so a sum of k 1-sparse blocks is k-sparse (docs/theory.md §5).

    Parameters
    ----------
    *blocks : MLPBlock
        One or more blocks with the same input dimension, activation and output layer
        (all without W2, or all with the same number of outputs); no skip term.

    Returns
    -------
    MLPBlock
        Width ``sum(b.s for b in blocks)``, named ``stack``.

    Raises
    ------
    InvalidArgument
        No block, a non-block, differing activations, or a block with a skip term / output activation.
    ShapeError
        Differing input dimensions or output layers.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block, stack
    >>> both = stack(parity_block(4, [0, 1]), parity_block(4, [2, 3]))  # 2-sparse: one unit of each
    >>> both.n, both.s
    (4, 8)
    """
    if not blocks:
        raise InvalidArgument("stack needs at least one block")
    first = blocks[0]
    for b in blocks:
        if not isinstance(b, MLPBlock):
            raise InvalidArgument(f"stack takes MLPBlocks, got {type(b).__name__}")
        if b.n != first.n:
            raise ShapeError(f"stacked blocks need the same input dimension, got {first.n} and {b.n}")
        if b.activation != first.activation:
            raise InvalidArgument(f"stacked blocks need one activation, got {first.activation} and {b.activation}")
        require_plain_output(b, "stack")
        if (b.W2 is None) != (first.W2 is None) or (b.W2 is not None and b.m != first.m):
            raise ShapeError("stacked blocks need matching output layers (all without W2, or all with the same m)")
    W1 = np.vstack([b.W1 for b in blocks])
    b1 = np.concatenate([b.b1 for b in blocks])
    if first.W2 is None:
        return MLPBlock(W1, b1, activation=first.activation, name="stack")
    W2 = np.hstack([b.W2 for b in blocks])
    b2 = np.sum([b.b2 for b in blocks], axis=0)
    return MLPBlock(W1, b1, W2, b2, first.activation, name="stack")


@dataclass(frozen=True, eq=False)
class PlantedBlock:
    """A block whose exact max-active number on its hypercube is ``k``, attained at ``witness``."""

    block: MLPBlock
    k: int
    witness: np.ndarray
    values: tuple[float, float]
    dead_units: tuple[int, ...]


def planted_sparse(
    n: int,
    s: int,
    k: int,
    seed: int = 0,
    *,
    activation: "str | Activation" = "relu",
    dead_fraction: float = 0.5,
    values: tuple[float, float] = (-1.0, 1.0),
) -> PlantedBlock:
    """A width-s block with exact max-active k on {lo,hi}^n, hidden among dead and noisy units.

    The live units form k groups. Group r watches a random coordinate set S_r and holds
    distinct sign patterns alpha (the witness's pattern among them); a unit is active iff
    x_{S_r} = alpha, with a random positive scale, a random threshold inside the gap and
    small noise weights on every other coordinate that never flip a decision. So at most
    one unit per group is active anywhere, and all k are active at the witness. The
    remaining units are dead: random weights with a bias below -||w||_1.

    Parameters
    ----------
    n, s, k : int
        Inputs, width and the planted max-active number (``0 <= k <= s``).
    seed : int, default 0
        Seed of numpy's default generator.
    activation : str or Activation, default "relu"
        Hidden activation (activity is z > 0 whatever it is).
    dead_fraction : float, default 0.5
        Share of the s - k units besides the witness's k that are dead (never active), in [0, 1].
    values : tuple of (float, float), default (-1.0, 1.0)
        The cube {lo, hi}^n, lo < hi.

    Returns
    -------
    PlantedBlock
        ``block``, ``k``, ``witness`` (a point of the cube with k active units), ``values`` and
        ``dead_units`` (indices of the never-active units).

    Raises
    ------
    InvalidArgument
        A bad count, ``dead_fraction`` outside [0, 1], or ``values`` not increasing.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, planted_sparse
    >>> from sparsecert.verify import max_active
    >>> planted = planted_sparse(6, 8, 2, seed=0)
    >>> planted.k, planted.block.s, planted.witness.tolist()
    (2, 8, [1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    >>> max_active(planted.block, Hypercube(6)).upper
    2
    """
    n = as_count("n", n, low=1)
    s = as_count("s", s, low=1)
    k = as_count("k", k, low=0, high=s)
    dead_fraction = as_finite_float("dead_fraction", dead_fraction)
    if not 0.0 <= dead_fraction <= 1.0:
        raise InvalidArgument(f"dead_fraction must lie in [0, 1], got {dead_fraction}")
    lo, hi = (as_finite_float("value", v) for v in values)
    if not lo < hi:
        raise InvalidArgument(f"values must be increasing, got {values!r}")
    rng = np.random.default_rng(seed)
    xi_star = rng.choice([-1.0, 1.0], size=n)  # witness in ±1 coordinates
    live = 0 if k == 0 else k + int(round((s - k) * (1.0 - dead_fraction)))
    sizes = np.ones(k, dtype=np.int64)
    if k:
        extra = rng.multinomial(live - k, np.full(k, 1.0 / k))
        sizes += extra
        sizes = np.minimum(sizes, 1 << min(n, 20))  # a group cannot hold more than 2^n patterns
    rows_w: list[np.ndarray] = []
    rows_b: list[float] = []
    for size in sizes:
        t = min(n, max(1, math.ceil(math.log2(size))) if size > 1 else int(rng.integers(1, min(n, 4) + 1)))
        S = rng.choice(n, size=t, replace=False)
        pats = {tuple(xi_star[S])}
        while len(pats) < size:
            pats.add(tuple(rng.choice([-1.0, 1.0], size=t)))
        for alpha in pats:
            c = float(rng.uniform(0.5, 2.0))
            u = float(rng.uniform(-0.5, 0.5))
            w = np.zeros(n)
            others = np.setdiff1d(np.arange(n), S)
            if others.size:
                noise = rng.normal(size=others.size)
                budget = 0.5 * c * (1.0 - abs(u)) * float(rng.uniform(0.0, 1.0))
                w[others] = noise / max(np.abs(noise).sum(), 1e-300) * budget
            w[S] = c * np.asarray(alpha)
            rows_w.append(w)
            rows_b.append(-c * (t - 1 + u))
    n_dead = s - len(rows_w)
    for _ in range(n_dead):
        w = rng.normal(size=n)
        rows_w.append(w)
        rows_b.append(-np.abs(w).sum() * float(rng.uniform(1.05, 2.0)))
    W = np.array(rows_w).reshape(s, n)
    b = np.array(rows_b)
    # change of variables xi = (2x - lo - hi)/(hi - lo) maps {lo,hi} to {-1,1}
    scale = 2.0 / (hi - lo)
    shift = (lo + hi) / (hi - lo)
    W1 = W * scale
    b1 = b - W.sum(axis=1) * shift
    order = rng.permutation(s)
    W1, b1 = W1[order], b1[order]
    dead = tuple(sorted(int(np.flatnonzero(order == i)[0]) for i in range(s - n_dead, s)))
    act = Activation.parse(activation)
    W2 = rng.normal(size=(1, s))
    block = MLPBlock(W1, b1, W2, np.zeros(1), act, name=f"planted(n={n},s={s},k={k})")
    witness = np.where(xi_star > 0, hi, lo)
    return PlantedBlock(block, k, witness, (lo, hi), dead)


def random_block(
    n: int,
    s: int,
    seed: int = 0,
    *,
    activation: "str | Activation" = "relu",
    fire_rate: float | None = None,
    output_dim: int = 1,
    weight_scale: float = 1.0,
) -> MLPBlock:
    """Gaussian weights. With ``fire_rate`` p, biases are set so each unit fires on about a
    fraction p of the ±1 cube (b_i = -||w_i||_2 Phi^{-1}(1-p)): the "trained-like" family.

    W1 has N(0, weight_scale^2 / n) entries, W2 N(0, 1 / s); without ``fire_rate`` the biases
    are N(0, (weight_scale / 2)^2).

    Parameters
    ----------
    n, s : int
        Inputs and width.
    seed : int, default 0
        Seed of numpy's default generator.
    activation : str or Activation, default "relu"
        Hidden activation.
    fire_rate : float or None, default None
        p in (0, 1): each unit's approximate firing rate on the cube (None: random biases).
    output_dim : int, default 1
        Rows of W2.
    weight_scale : float, default 1.0
        Scale of the first layer's weights (and of the random biases).

    Returns
    -------
    MLPBlock
        Named ``random(n=..,s=..)`` or ``trained-like(n=..,s=..)``.

    Raises
    ------
    InvalidArgument
        A bad count or scale, or ``fire_rate`` outside (0, 1).

    Examples
    --------
    >>> from sparsecert.sparse_models import random_block
    >>> random_block(5, 7, seed=1, fire_rate=0.2)
    <MLPBlock 'trained-like(n=5,s=7)' n=5 s=7, m=1 activation=relu>
    """
    n = as_count("n", n, low=1)
    s = as_count("s", s, low=1)
    output_dim = as_count("output_dim", output_dim, low=1)
    weight_scale = as_finite_float("weight_scale", weight_scale)
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(s, n)) * weight_scale / math.sqrt(n)
    if fire_rate is None:
        b1 = rng.normal(size=s) * weight_scale * 0.5
    else:
        p = as_finite_float("fire_rate", fire_rate)
        if not 0.0 < p < 1.0:
            raise InvalidArgument(f"fire_rate must lie strictly between 0 and 1, got {fire_rate}")
        b1 = -np.linalg.norm(W1, axis=1) * NormalDist().inv_cdf(1.0 - p)
    W2 = rng.normal(size=(output_dim, s)) / math.sqrt(s)
    tag = "trained-like" if fire_rate is not None else "random"
    return MLPBlock(W1, b1, W2, np.zeros(output_dim), activation, name=f"{tag}(n={n},s={s})")
