"""Input domains on which sparsity is proved: cubes, boxes, balls, polytopes, point sets.

Every domain has the same encoding interface (the :class:`Domain` protocol), so solvers
and presolve read what they need instead of asking for the type:

========================  ===============  ================  ==================  ===========  ==========
method / attribute        Hypercube        Box               LinfBall            Polytope     PointSet
========================  ===============  ================  ==================  ===========  ==========
``kind``                  "cube"           "box"             "ball"              "polytope"   "points"
``is_continuous``         False            True              True                True         False
``exact_bounds()``        lo / hi          lower / upper     centre +- radius    None (all)   min / max
                                                             (cut by ``within``)               over X
``outer_bounds()``        lo / hi          lower / upper     exact, rounded out  -inf / +inf  min / max
``inner_bounds()``        lo / hi          lower / upper     exact, rounded in   None         None
``constraint_rows()``     empty            empty             empty               (A, c)       empty
========================  ===============  ================  ==================  ===========  ==========

``exact_bounds()`` gives two lists of :class:`~fractions.Fraction` (``None`` for a side
with no bound), ``outer_bounds()`` two float64 arrays enclosing the domain, ``bounds()``
is its older name, ``inner_bounds()`` two float64 arrays of a box inside the domain, or
None when the kind has none (for the cube, whose points are its vertices only, the box they
span: a search there must still land on vertices), and ``constraint_rows()`` the extra rows
A x <= c (float64, shapes (m, dim) and (m,); m = 0 except for polytopes).
Each domain also has ``dim``, ``contains(x)`` (exact, in rational arithmetic where
rounding could matter) and ``sample(rng, size)``. Finite domains (:class:`Hypercube`,
:class:`PointSet`) also have ``size`` and ``chunks(...)``, which enumerate every point in
memory-bounded pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Iterator, Literal, Protocol, runtime_checkable

import numpy as np

from .errors import DomainError, ShapeError
from .exact import float_above, float_below
from .validation import as_count, as_finite_float, as_float64, as_rng

MAX_ENUMERATION_DIM = 26
DEFAULT_CHUNK = 1 << 16
DOMAIN_KINDS = ("cube", "box", "ball", "polytope", "points")
DomainKind = Literal["cube", "box", "ball", "polytope", "points"]  # Domain.kind; get_args(DomainKind) == DOMAIN_KINDS (tested)

ExactBounds = tuple[list[Fraction | None], list[Fraction | None]]  # None: no bound on that side
FloatBox = tuple[np.ndarray, np.ndarray]


@runtime_checkable
class Domain(Protocol):
    """What solvers and presolve may ask of any domain (see the module docstring for the
    values per kind). ``isinstance(x, Domain)`` checks only that the members exist."""

    kind: ClassVar[DomainKind]  # one of DOMAIN_KINDS
    is_continuous: ClassVar[bool]  # False for the finite domains (cube, points)

    @property
    def dim(self) -> int: ...

    def exact_bounds(self) -> ExactBounds:
        """Exact per-coordinate (lower, upper); None where a side is unbounded."""

    def outer_bounds(self) -> FloatBox:
        """Float64 box containing the domain (rounded outward; +-inf where unbounded)."""

    def bounds(self) -> FloatBox:
        """The older name of :meth:`outer_bounds`."""

    def inner_bounds(self) -> FloatBox | None:
        """Float64 box inside the domain (the cube: the box its vertices span), or None when the kind has none."""

    def constraint_rows(self) -> FloatBox:
        """Extra linear rows (A, c) of the domain, A x <= c; (0, dim) and (0,) arrays when none."""

    def contains(self, x: Any) -> bool: ...

    def sample(self, rng: Any = None, size: int = 1) -> np.ndarray: ...


def _point(domain_dim: int, x: Any) -> np.ndarray:
    arr = as_float64("point", x, ndim=1)
    if arr.shape[0] != domain_dim:
        raise ShapeError(f"point has {arr.shape[0]} coordinates but the domain has dimension {domain_dim}")
    return arr


class _Encoding:
    """Defaults shared by the domain classes: ``bounds`` as the older name of
    ``outer_bounds``, and no extra constraint rows."""

    __slots__ = ()

    def bounds(self) -> FloatBox:
        return self.outer_bounds()  # type: ignore[attr-defined]

    def constraint_rows(self) -> FloatBox:
        return np.zeros((0, self.dim)), np.zeros(0)  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=False)
class Hypercube(_Encoding):
    """The discrete cube {lo, hi}^n; ``values=(-1, 1)`` is the paper's domain, ``(0, 1)`` the binary one.

    Enumeration follows docs/theory.md §1: point r has x_j = hi when bit j of r is 0 and
    x_j = lo when it is 1, so for (-1, 1) x_j = 1 - 2 bit_j(r).
    """

    n: int
    values: tuple[float, float] = (-1.0, 1.0)
    kind: ClassVar[str] = "cube"
    is_continuous: ClassVar[bool] = False

    def __init__(self, n: int, values: tuple[float, float] = (-1, 1)) -> None:
        n = as_count("n", n, low=1)
        if not isinstance(values, (tuple, list)) or len(values) != 2:
            raise DomainError(f"hypercube values must be a pair such as (-1, 1) or (0, 1), got {values!r}")
        lo, hi = (as_finite_float("hypercube value", v) for v in values)
        if not lo < hi:
            raise DomainError(f"hypercube values must be increasing and distinct, got {values!r}")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "values", (lo, hi))

    @property
    def dim(self) -> int:
        return self.n

    @property
    def lo(self) -> float:
        return self.values[0]

    @property
    def hi(self) -> float:
        return self.values[1]

    @property
    def size(self) -> int:
        return 1 << self.n

    def exact_bounds(self) -> ExactBounds:
        """[lo] * n and [hi] * n, as rationals."""
        return [Fraction(self.lo)] * self.n, [Fraction(self.hi)] * self.n

    def outer_bounds(self) -> FloatBox:
        """The enclosing box, as (lower, upper)."""
        return np.full(self.n, self.lo), np.full(self.n, self.hi)

    def inner_bounds(self) -> FloatBox:
        """The box spanned by the vertices (the same floats as :meth:`outer_bounds`)."""
        return self.outer_bounds()

    def contains(self, x: Any) -> bool:
        arr = _point(self.n, x)
        return bool(np.all((arr == self.lo) | (arr == self.hi)))

    def point(self, index: int) -> np.ndarray:
        """The point with enumeration index ``index``."""
        index = as_count("index", index, low=0, high=self.size - 1)
        bits = (index >> np.arange(self.n)) & 1
        return np.where(bits == 0, self.hi, self.lo).astype(np.float64)

    def index_of(self, x: Any) -> int:
        arr = _point(self.n, x)
        if not self.contains(arr):
            raise DomainError(f"point {arr.tolist()} is not a vertex of {self!r}")
        return int(sum(1 << j for j in range(self.n) if arr[j] == self.lo))

    def sample(self, rng: Any = None, size: int = 1) -> np.ndarray:
        g = as_rng(rng)
        size = as_count("size", size, low=0)
        bits = g.integers(0, 2, size=(size, self.n))
        return np.where(bits == 0, self.hi, self.lo).astype(np.float64)

    def chunks(self, chunk_size: int = DEFAULT_CHUNK) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (first index, points) for every point, at most ``chunk_size`` at a time."""
        if self.n > MAX_ENUMERATION_DIM:
            raise DomainError(
                f"enumerating {{{self.lo:g},{self.hi:g}}}^{self.n} ({self.size} points) is beyond the limit"
                f" n <= {MAX_ENUMERATION_DIM}; use a solver-based method instead"
            )
        chunk_size = as_count("chunk_size", chunk_size, low=1)
        shifts = np.arange(self.n, dtype=np.int64)
        for start in range(0, self.size, chunk_size):
            idx = np.arange(start, min(start + chunk_size, self.size), dtype=np.int64)
            bits = (idx[:, None] >> shifts) & 1
            yield start, np.where(bits == 0, self.hi, self.lo).astype(np.float64)

    def __repr__(self) -> str:
        lo, hi = (int(v) if float(v).is_integer() else v for v in self.values)
        return f"Hypercube(n={self.n}, values=({lo}, {hi}))"


@dataclass(frozen=True, eq=False)
class Box(_Encoding):
    """The axis-aligned box lower <= x <= upper (closed; lower == upper allowed)."""

    lower: np.ndarray
    upper: np.ndarray
    kind: ClassVar[str] = "box"
    is_continuous: ClassVar[bool] = True

    def __init__(self, lower: Any, upper: Any) -> None:
        lo = as_float64("box lower", lower, ndim=1)
        hi = as_float64("box upper", upper, ndim=1)
        if lo.shape != hi.shape:
            raise ShapeError(f"box lower has shape {lo.shape} but upper has {hi.shape}")
        if lo.size == 0:
            raise DomainError("a box needs at least one coordinate")
        bad = np.flatnonzero(lo > hi)
        if bad.size:
            j = int(bad[0])
            raise DomainError(f"empty box: lower[{j}]={float(lo[j])!r} > upper[{j}]={float(hi[j])!r}")
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)

    @classmethod
    def uniform(cls, n: int, lo: float, hi: float) -> "Box":
        """The box [lo, hi]^n.

        Parameters
        ----------
        n : int
            Dimension, at least 1.
        lo, hi : float
            The bounds of every coordinate (finite, ``lo <= hi``).

        Returns
        -------
        Box
            The box, shown as its constructor call.

        Raises
        ------
        InvalidArgument, DomainError
            A bad dimension, a non-finite bound, or ``lo > hi``.

        Examples
        --------
        >>> from sparsecert.sparse_models import Box
        >>> box = Box.uniform(3, -1.0, 1.0)
        >>> box, box.dim, box.contains([0.5, -1.0, 1.0])
        (Box.uniform(3, -1, 1), 3, True)
        """
        n = as_count("n", n, low=1)
        return cls(np.full(n, as_finite_float("lo", lo)), np.full(n, as_finite_float("hi", hi)))

    @property
    def dim(self) -> int:
        return int(self.lower.shape[0])

    def outer_bounds(self) -> FloatBox:
        """(lower, upper), the box's own read-only arrays."""
        return self.lower, self.upper

    def inner_bounds(self) -> FloatBox:
        """(lower, upper), the same arrays as :meth:`outer_bounds` (floats are exact here)."""
        return self.lower, self.upper

    def exact_bounds(self) -> ExactBounds:
        cached = self.__dict__.get("_exact")
        if cached is None:  # the arrays are read-only, so the rationals are computed once
            cached = (tuple(Fraction(float(v)) for v in self.lower), tuple(Fraction(float(v)) for v in self.upper))
            object.__setattr__(self, "_exact", cached)
        return list(cached[0]), list(cached[1])

    def contains(self, x: Any) -> bool:
        arr = _point(self.dim, x)
        return bool(np.all((arr >= self.lower) & (arr <= self.upper)))

    def sample(self, rng: Any = None, size: int = 1) -> np.ndarray:
        g = as_rng(rng)
        size = as_count("size", size, low=0)
        return np.clip(g.uniform(self.lower, self.upper, size=(size, self.dim)), self.lower, self.upper)

    def __repr__(self) -> str:
        if np.all(self.lower == self.lower[0]) and np.all(self.upper == self.upper[0]):
            return f"Box.uniform({self.dim}, {self.lower[0]:g}, {self.upper[0]:g})"
        return f"Box(dim={self.dim})"


@dataclass(frozen=True, eq=False)
class LinfBall(_Encoding):
    """{x : |x - center|_inf <= radius}, optionally intersected with a box ``within``.

    The bounds center +- radius are kept exact (rationals); :meth:`outer_bounds` gives the
    smallest float box that contains the exact one (rounded outward), :meth:`inner_bounds`
    the largest float box inside it (rounded inward).
    """

    center: np.ndarray
    radius: float
    within: Box | None = None
    kind: ClassVar[str] = "ball"
    is_continuous: ClassVar[bool] = True

    def __init__(self, center: Any, radius: float, within: Box | None = None) -> None:
        c = as_float64("ball center", center, ndim=1)
        if c.size == 0:
            raise DomainError("a ball needs at least one coordinate")
        r = as_finite_float("radius", radius)
        if r < 0:
            raise DomainError(f"ball radius must be >= 0, got {radius!r}")
        if within is not None:
            if not isinstance(within, Box):
                raise DomainError(f"within must be a Box or None, got {type(within).__name__}")
            if within.dim != c.size:
                raise ShapeError(f"ball center has dimension {c.size} but the box `within` has {within.dim}")
        object.__setattr__(self, "center", c)
        object.__setattr__(self, "radius", r)
        object.__setattr__(self, "within", within)
        lo, hi = self.exact_bounds()
        for j, (a, b) in enumerate(zip(lo, hi)):
            if a > b:
                raise DomainError(f"the ball around the centre does not meet the box `within` (coordinate {j} is empty)")

    @property
    def dim(self) -> int:
        return int(self.center.shape[0])

    def exact_bounds(self) -> ExactBounds:
        cached = self.__dict__.get("_exact")
        if cached is None:  # centre (read-only), radius and ``within`` are fixed: computed once
            r = Fraction(self.radius)
            lo = [Fraction(float(c)) - r for c in self.center]
            hi = [Fraction(float(c)) + r for c in self.center]
            if self.within is not None:
                wl, wh = self.within.exact_bounds()
                lo = [max(a, b) for a, b in zip(lo, wl)]
                hi = [min(a, b) for a, b in zip(hi, wh)]
            cached = (tuple(lo), tuple(hi))
            object.__setattr__(self, "_exact", cached)
        return list(cached[0]), list(cached[1])

    def outer_bounds(self) -> FloatBox:
        """Float box enclosing the exact ball (outward rounding)."""
        lo, hi = self.exact_bounds()
        return np.array([float_below(v) for v in lo]), np.array([float_above(v) for v in hi])

    def inner_bounds(self) -> FloatBox:
        """Largest float box inside the exact ball (inward rounding)."""
        lo, hi = self.exact_bounds()
        return np.array([float_above(v) for v in lo]), np.array([float_below(v) for v in hi])

    def contains(self, x: Any) -> bool:
        arr = _point(self.dim, x)
        lo, hi = self.exact_bounds()
        return all(a <= Fraction(float(v)) <= b for v, a, b in zip(arr, lo, hi))

    def sample(self, rng: Any = None, size: int = 1) -> np.ndarray:
        g = as_rng(rng)
        size = as_count("size", size, low=0)
        lo, hi = self.inner_bounds()
        return np.clip(g.uniform(lo, hi, size=(size, self.dim)), lo, hi)

    def __repr__(self) -> str:
        extra = ", within=Box" if self.within is not None else ""
        return f"LinfBall(dim={self.dim}, radius={self.radius:g}{extra})"


@dataclass(frozen=True, eq=False)
class Polytope(_Encoding):
    """{x : A x <= c}. Emptiness and boundedness are decided by the solvers when needed.

    Its bounds are those of an unbounded set (exact None, float +-inf): the rows are the
    whole domain, and a box derived from them here would be an unproved assumption.
    """

    A: np.ndarray
    c: np.ndarray
    kind: ClassVar[str] = "polytope"
    is_continuous: ClassVar[bool] = True

    def __init__(self, A: Any, c: Any) -> None:
        Aa = as_float64("polytope A", A, ndim=2)
        ca = as_float64("polytope c", c, ndim=1)
        if Aa.shape[0] != ca.shape[0]:
            raise ShapeError(f"polytope A has {Aa.shape[0]} rows but c has {ca.shape[0]} entries")
        if Aa.shape[1] == 0:
            raise DomainError("a polytope needs at least one coordinate")
        object.__setattr__(self, "A", Aa)
        object.__setattr__(self, "c", ca)

    @classmethod
    def from_box(cls, box: Box) -> "Polytope":
        """The box as the polytope {x : x <= upper, -x <= -lower} (2 * dim rows).

        Parameters
        ----------
        box : Box
            The box.

        Returns
        -------
        Polytope
            The same set of points, as rows A x <= c.

        Examples
        --------
        >>> from sparsecert.sparse_models import Box, Polytope
        >>> poly = Polytope.from_box(Box.uniform(2, 0.0, 1.0))
        >>> poly, poly.contains([0.5, 1.0]), poly.contains([0.5, 1.5])
        (Polytope(dim=2, constraints=4), True, False)
        """
        eye = np.eye(box.dim)
        return cls(np.vstack([eye, -eye]), np.concatenate([box.upper, -box.lower]))

    @property
    def dim(self) -> int:
        return int(self.A.shape[1])

    def exact_bounds(self) -> ExactBounds:
        """None on every side: the rows :meth:`constraint_rows` bound the polytope, not a box."""
        return [None] * self.dim, [None] * self.dim

    def outer_bounds(self) -> FloatBox:
        return np.full(self.dim, -np.inf), np.full(self.dim, np.inf)

    def inner_bounds(self) -> None:
        return None

    def constraint_rows(self) -> FloatBox:
        """(A, c), the polytope's own read-only arrays."""
        return self.A, self.c

    def contains(self, x: Any) -> bool:
        arr = _point(self.dim, x)
        xs = [Fraction(float(v)) for v in arr]
        for i in range(self.A.shape[0]):
            lhs = sum((Fraction(float(a)) * v for a, v in zip(self.A[i], xs) if a), Fraction(0))
            if lhs > Fraction(float(self.c[i])):
                return False
        return True

    def sample(self, rng: Any = None, size: int = 1, *, burn_in: int = 200) -> np.ndarray:
        """Hit-and-run samples (approximately uniform); needs a bounded polytope with interior."""
        g = as_rng(rng)
        size = as_count("size", size, low=0)
        x = self.interior_point()
        out = np.empty((size, self.dim))
        for t in range(burn_in + size):
            d = g.normal(size=self.dim)
            d /= np.linalg.norm(d)
            Ad = self.A @ d
            slack = self.c - self.A @ x
            with np.errstate(divide="ignore", invalid="ignore"):
                steps = slack / Ad
            hi = np.min(steps[Ad > 1e-15], initial=np.inf)
            lo = np.max(steps[Ad < -1e-15], initial=-np.inf)
            if not (np.isfinite(hi) and np.isfinite(lo)):
                raise DomainError("cannot sample an unbounded polytope; add bounds on every coordinate")
            x = x + g.uniform(lo, hi) * d
            if t >= burn_in:
                out[t - burn_in] = x
        return out

    def interior_point(self) -> np.ndarray:
        """The Chebyshev centre (float64, from scipy's HiGHS LP; not checked exactly); raises
        DomainError when the polytope is empty, unbounded or has no interior."""
        try:
            from scipy.optimize import linprog
        except ImportError as exc:  # pragma: no cover
            raise DomainError("sampling a polytope needs scipy (pip install scipy)") from exc
        norms = np.linalg.norm(self.A, axis=1)
        cost = np.zeros(self.dim + 1)
        cost[-1] = -1.0  # maximise the inscribed ball radius (Chebyshev centre)
        res = linprog(cost, A_ub=np.hstack([self.A, norms[:, None]]), b_ub=self.c,
                      bounds=[(None, None)] * self.dim + [(0, 1e6)], method="highs")
        if res.status != 0 or res.x[-1] <= 0:
            raise DomainError("the polytope is empty, unbounded or has no interior; cannot sample it")
        return res.x[:-1]


    def __repr__(self) -> str:
        return f"Polytope(dim={self.dim}, constraints={self.A.shape[0]})"


@dataclass(frozen=True, eq=False)
class PointSet(_Encoding):
    """A finite data set: the rows of X."""

    X: np.ndarray
    kind: ClassVar[str] = "points"
    is_continuous: ClassVar[bool] = False

    def __init__(self, X: Any) -> None:
        arr = as_float64("point set X", X, ndim=2)
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise DomainError(f"a point set needs at least one point of dimension >= 1, got shape {arr.shape}")
        object.__setattr__(self, "X", arr)

    @property
    def dim(self) -> int:
        return int(self.X.shape[1])

    @property
    def size(self) -> int:
        return int(self.X.shape[0])

    def exact_bounds(self) -> ExactBounds:
        """The exact per-coordinate minimum and maximum over the points."""
        lo, hi = self.outer_bounds()
        return [Fraction(float(v)) for v in lo], [Fraction(float(v)) for v in hi]

    def outer_bounds(self) -> FloatBox:
        """Per-coordinate (min, max) over the points (exact: they are points' coordinates)."""
        return self.X.min(axis=0), self.X.max(axis=0)

    def inner_bounds(self) -> None:
        return None

    def contains(self, x: Any) -> bool:
        arr = _point(self.dim, x)
        return bool(np.any(np.all(self.X == arr, axis=1)))

    def sample(self, rng: Any = None, size: int = 1) -> np.ndarray:
        g = as_rng(rng)
        size = as_count("size", size, low=0)
        return self.X[g.integers(0, self.size, size=size)]

    def chunks(self, chunk_size: int = DEFAULT_CHUNK) -> Iterator[tuple[int, np.ndarray]]:
        chunk_size = as_count("chunk_size", chunk_size, low=1)
        for start in range(0, self.size, chunk_size):
            yield start, self.X[start:start + chunk_size]

    def __repr__(self) -> str:
        return f"PointSet(size={self.size}, dim={self.dim})"


DOMAIN_TYPES = (Hypercube, Box, LinfBall, Polytope, PointSet)


def check_domain(domain: Any, n: int) -> Domain:
    """Validate that ``domain`` is a sparsecert domain of dimension n.

    Parameters
    ----------
    domain : Any
        The object to check: a :class:`Hypercube`, :class:`Box`, :class:`LinfBall`,
        :class:`Polytope` or :class:`PointSet` is accepted.
    n : int
        The dimension required (a block's input count).

    Returns
    -------
    Domain
        ``domain`` itself.

    Raises
    ------
    DomainError
        ``domain`` is not one of the domain classes.
    ShapeError
        Its dimension is not ``n``.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, check_domain
    >>> check_domain(Hypercube(3), 3)
    Hypercube(n=3, values=(-1, 1))
    >>> check_domain(Hypercube(3), 2)
    Traceback (most recent call last):
    ...
    sparsecert.sparse_models.errors.ShapeError: the domain has dimension 3 but the block takes n=2 inputs
    """
    if not isinstance(domain, DOMAIN_TYPES):
        raise DomainError(
            f"expected a domain (Hypercube, Box, LinfBall, Polytope, PointSet), got {type(domain).__name__}"
        )
    if domain.dim != n:
        raise ShapeError(f"the domain has dimension {domain.dim} but the block takes n={n} inputs")
    return domain
