"""Input boxes for deep networks, kept exact, and the exact map to the first layer's inputs.

An :class:`InputBox` has exact rational bounds in its own coordinates: ``raw`` (what
``Network.forward`` takes: clipped and normalised by the network's ``.nnet`` header) or
``normalized`` (the first affine layer's inputs, bypassing the header; VNN-COMP's
convention for the ACAS Xu networks). Every proof runs in the normalised space ``u``;
for a raw box the header map u = (clip(x, lower, upper) - mean) / range is folded
exactly: clipping is monotone per coordinate, so the image of a box is the box of the
clipped endpoints, and the affine part maps it to a box with rational endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Sequence

import numpy as np

from sparsecert.sparse_models.exact import as_fraction, clamp_rational, float_above, float_below, rational_less
from sparsecert.sparse_models import Box
from sparsecert.sparse_models.errors import DomainError, ShapeError
from sparsecert.sparse_models.network import Network

SPACES = ("raw", "normalized")
Space = Literal["raw", "normalized"]  # the type of ``space=``; get_args(Space) == SPACES (tested)


def round_down(q: Fraction) -> float:
    """Largest float64 <= q (-inf below the float range)."""
    return float_below(q)


def round_up(q: Fraction) -> float:
    """Smallest float64 >= q (+inf above the float range)."""
    return float_above(q)


def _fraction(value: Any, what: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    f = float(value)
    if not np.isfinite(f):
        raise DomainError(f"{what} must be finite, got {value!r}")
    return Fraction(f)


@dataclass(frozen=True, eq=False)
class InputBox:
    """lower <= x <= upper (closed, exact rationals) in ``space`` coordinates."""

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]
    space: str = "raw"
    source: str = ""

    def __init__(self, lower: Sequence[Any], upper: Sequence[Any], space: Space = "raw", source: str = "") -> None:
        if space not in SPACES:
            raise DomainError(f"input box space must be one of {SPACES}, got {space!r}")
        lo = tuple(_fraction(v, "box lower bound") for v in lower)
        hi = tuple(_fraction(v, "box upper bound") for v in upper)
        if len(lo) != len(hi) or not lo:
            raise ShapeError(f"box needs equally many (>= 1) lower and upper bounds, got {len(lo)} and {len(hi)}")
        for j, (a, b) in enumerate(zip(lo, hi)):
            if a > b:
                raise DomainError(f"empty input box: lower[{j}]={float(a)!r} > upper[{j}]={float(b)!r}")
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "space", space)
        object.__setattr__(self, "source", source)

    @classmethod
    def from_box(cls, box: Box, space: Space = "raw") -> "InputBox":
        """The exact input box of a :class:`~sparsecert.sparse_models.Box`.

        Parameters
        ----------
        box : Box
            The float box; its bounds are kept exactly (as Fractions).
        space : Space, default "raw"
            ``"raw"`` (what ``Network.forward`` takes) or ``"normalized"`` (the first affine layer's inputs).

        Returns
        -------
        InputBox
            The same box, with ``source="box"``.

        Raises
        ------
        DomainError
            An unknown ``space``.

        Examples
        --------
        >>> from sparsecert.sparse_models import Box
        >>> from sparsecert.verify.deep import InputBox
        >>> ib = InputBox.from_box(Box.uniform(2, -1.0, 0.5))
        >>> ib, ib.lower, ib.upper
        (InputBox(dim=2, space='raw', box), (Fraction(-1, 1), Fraction(-1, 1)), (Fraction(1, 2), Fraction(1, 2)))
        """
        lo, hi = box.exact_bounds()
        return cls(lo, hi, space, source="box")

    @property
    def dim(self) -> int:
        return len(self.lower)

    def inner_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Largest float box inside (for sampling points that are surely in the domain)."""
        return (np.array([round_up(v) for v in self.lower]), np.array([round_down(v) for v in self.upper]))

    def contains_exact(self, point: Sequence[Fraction]) -> bool:
        return all(not rational_less(p, a) and not rational_less(b, p)
                   for p, a, b in zip(map(as_fraction, point), self.lower, self.upper))

    def __repr__(self) -> str:
        return f"InputBox(dim={self.dim}, space={self.space!r}{', ' + self.source if self.source else ''})"


def nnet_box(network: Network) -> InputBox:
    """The ``.nnet`` header's input ranges [min, max], in raw coordinates.

    Parameters
    ----------
    network : Network
        A network with an input normalisation header (as ``load_network`` reads from ``.nnet``).

    Returns
    -------
    InputBox
        The box [lower, upper] of the header, raw coordinates, ``source="nnet-box"``.

    Raises
    ------
    DomainError
        The network has no input normalisation.

    Examples
    --------
    >>> from sparsecert.sparse_models import Dense, InputNormalization, Network
    >>> net = Network([Dense([[1.0, -1.0]], [0.0], "relu"), Dense([[1.0]], [0.0])],
    ...               InputNormalization(lower=[0, 0], upper=[10, 10], mean=[5, 5], range=[5, 5]))
    >>> from sparsecert.verify.deep import nnet_box
    >>> box = nnet_box(net)
    >>> box, [float(v) for v in box.upper]
    (InputBox(dim=2, space='raw', nnet-box), [10.0, 10.0])
    """
    norm = network.normalization
    if norm is None:
        raise DomainError(f"{network.name or 'the network'} has no input normalisation header, so no nnet-box;"
                          " give a box (--domain box:LO:HI or vnnlib:FILE)")
    return InputBox(norm.lower, norm.upper, "raw", source="nnet-box")


@dataclass(frozen=True, eq=False)
class NormalMap:
    """The exact affine map between domain coordinates x and normalised inputs u (per coordinate)."""

    mean: tuple[Fraction, ...] | None  # None: identity (no header, or a box given in normalised space)
    range: tuple[Fraction, ...] | None
    clip_lo: tuple[Fraction, ...] | None = None
    clip_hi: tuple[Fraction, ...] | None = None

    def to_u(self, x: Sequence[Fraction]) -> list[Fraction]:
        """What the first affine layer sees for the input x: clip, then (x - mean) / range, exactly."""
        if self.mean is None:
            return [as_fraction(v) for v in x]
        clipped = [clamp_rational(as_fraction(v), a, b) for v, a, b in zip(x, self.clip_lo, self.clip_hi)]
        if self.unit_scale:
            return clipped
        return [(v - m) / r for v, m, r in zip(clipped, self.mean, self.range)]

    def to_x(self, u: Sequence[Fraction], box: "InputBox | None" = None) -> list[Fraction]:
        """A domain point x with ``to_u(x) == u``; with ``box``, one inside that box.

        (u * range + mean is the clipped input; when the box reaches past a clip bound, that point
        can lie outside the box, while every point of the box beyond the clip bound maps to it too:
        clamping into the box picks one. The caller checks ``to_u(x) == u`` and membership.)
        """
        if self.mean is None:
            return [as_fraction(v) for v in u]
        x = [as_fraction(v) for v in u] if self.unit_scale else \
            [as_fraction(v) * r + m for v, m, r in zip(u, self.mean, self.range)]
        if box is not None:
            x = [clamp_rational(v, a, b) for v, a, b in zip(x, box.lower, box.upper)]
        return x

    @property
    def unit_scale(self) -> bool:
        """Every mean is 0 and every range 1 (MNIST's headers): the map is the clipping alone."""
        cached = self.__dict__.get("_unit")
        if cached is None:
            cached = self.mean is not None and all(m == 0 for m in self.mean) and all(r == 1 for r in self.range)
            object.__setattr__(self, "_unit", cached)
        return cached


def normalized_box(network: Network, box: InputBox) -> tuple[list[Fraction], list[Fraction], NormalMap, list[str]]:
    """(u lower, u upper, the x<->u map, notes): the box the first affine layer sees, exactly.

    A raw box is clipped to the header's ranges and mapped by u = (x - mean) / range; a
    normalised box, or any box of a network without header, is passed through.

    Parameters
    ----------
    network : Network
        The network (with or without input normalisation).
    box : InputBox
        The input box, of dimension ``network.n``.

    Returns
    -------
    tuple of (list of Fraction, list of Fraction, NormalMap, list of str)
        Exact lower and upper bounds of u, the exact map between x and u, and notes (clipping, bypass).

    Raises
    ------
    ShapeError
        ``box`` has the wrong dimension.

    Examples
    --------
    >>> from sparsecert.sparse_models import Dense, InputNormalization, Network
    >>> net = Network([Dense([[1.0, -1.0]], [0.0], "relu"), Dense([[1.0]], [0.0])],
    ...               InputNormalization(lower=[0, 0], upper=[10, 10], mean=[5, 5], range=[5, 5]))
    >>> from sparsecert.verify.deep import InputBox, normalized_box
    >>> lo, hi, nmap, notes = normalized_box(net, InputBox([0, 0], [20, 5]))
    >>> [str(v) for v in lo], [str(v) for v in hi], notes
    (['-1', '-1'], ['1', '0'], ["box clipped to the header's input ranges (the network clips its inputs)"])
    """
    if box.dim != network.n:
        raise ShapeError(f"input box has dimension {box.dim} but the network takes {network.n} inputs")
    norm = network.normalization
    notes: list[str] = []
    if norm is None or box.space == "normalized":
        if norm is not None:
            notes.append("box read in the network's normalised input coordinates (header map bypassed)")
        return list(box.lower), list(box.upper), NormalMap(None, None), notes
    lo_c, hi_c, mean, rng = norm.exact()
    clipped = [(clamp_rational(a, cl, ch), clamp_rational(b, cl, ch))
               for a, b, cl, ch in zip(box.lower, box.upper, lo_c, hi_c)]
    if any(c[0] is not a or c[1] is not b for c, a, b in zip(clipped, box.lower, box.upper)):
        notes.append("box clipped to the header's input ranges (the network clips its inputs)")
    m = NormalMap(mean, rng, tuple(lo_c), tuple(hi_c))
    if m.unit_scale:
        return [a for a, _ in clipped], [b for _, b in clipped], m, notes
    ulo, uhi = [], []
    for (a, b), mu, r in zip(clipped, mean, rng):
        ua, ub = (a - mu) / r, (b - mu) / r
        ulo.append(min(ua, ub))
        uhi.append(max(ua, ub))
    return ulo, uhi, m, notes
