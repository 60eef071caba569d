"""Hypothesis strategies for blocks, sparse blocks, juntas, domains, points and labelled data sets.

Every size is a parameter with bounds checked up front: a bad argument raises
:class:`StrategyArgumentError`, which is both Hypothesis's ``InvalidArgument`` and
sparsecert's. Draws shrink towards small, readable networks: few inputs and units,
small integer weights, the plain (non-degenerate) unit kind first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument as HypothesisInvalidArgument
from hypothesis.strategies import SearchStrategy

from sparsecert.sparse_models import Box, Domain, Hypercube, LinfBall, MLPBlock, PointSet, junta_block, planted_sparse
from sparsecert.sparse_models.activations import Activation
from sparsecert.sparse_models.errors import InvalidArgument as SparsecertInvalidArgument
from sparsecert.sparse_models.errors import SparsecertError

from . import codegen, profiles

MAX_N = 24       # inputs: exact verification on the cube stays practical below this
MAX_S = 256      # hidden units
MAX_M = 1 << 20  # samples in one labelled data set
UNIT_KINDS = ("int", "dead", "duplicate", "tie", "real", "huge", "tiny")
DOMAIN_KINDS = ("hypercube", "hypercube01", "box", "ball", "points")
# The type of ``domains(kinds=...)``'s items; get_args(StrategyDomainKind) == DOMAIN_KINDS (tested).
StrategyDomainKind = Literal["hypercube", "hypercube01", "box", "ball", "points"]

try:  # falsifying examples print blocks as MLPBlock(W1=..., ...) source
    from hypothesis.vendor.pretty import for_type_by_name

    for_type_by_name("sparsecert.sparse_models.block", "MLPBlock", codegen.pretty_block)
except ImportError:  # pragma: no cover - older Hypothesis: the plain repr is used
    pass


class StrategyArgumentError(HypothesisInvalidArgument, SparsecertInvalidArgument):
    """A strategy was called with an invalid argument (Hypothesis's and sparsecert's InvalidArgument)."""


def _count(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise StrategyArgumentError(f"{name} must be a whole number, got {value!r}")
    if not low <= int(value) <= high:
        raise StrategyArgumentError(f"{name}={value} is out of range; it must lie in [{low}, {high}]")
    return int(value)


def _size(name: str, value: Any, max_name: str, max_value: Any, low: int, limit: int) -> SearchStrategy[int]:
    """A fixed size, or sizes in [low, max_value] that shrink towards ``low``."""
    if value is not None:
        return st.just(_count(name, value, low, limit))
    hi = _count(max_name, max_value, low, limit)
    return st.integers(low, hi)


def _activation(activation: Any) -> SearchStrategy[Activation]:
    if isinstance(activation, SearchStrategy):
        return activation.map(Activation.parse)
    try:
        return st.just(Activation.parse(activation))
    except SparsecertError as exc:
        raise StrategyArgumentError(f"activation: {exc}") from None


# -- blocks ----------------------------------------------------------------------------------------

@st.composite
def _unit(draw: Any, n: int, L: int, kind: str, earlier: list[tuple[np.ndarray, float]]) -> tuple[np.ndarray, float]:
    """One unit; rows are drawn with L >= n entries and cut to n, so shrinking n keeps later draws aligned."""
    ints = st.integers(-3, 3)
    if kind == "duplicate" and earlier:
        w, b = earlier[draw(st.integers(0, len(earlier) - 1))]
        return w.copy(), b
    if kind == "real":
        fl = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
        return np.array(draw(st.lists(fl, min_size=L, max_size=L))[:n]), draw(fl)
    w = np.array(draw(st.lists(ints, min_size=L, max_size=L))[:n], dtype=np.float64)
    if kind == "dead":  # z <= -c < 0 on [-1, 1]^n
        return w, -float(np.abs(w).sum()) - draw(st.integers(1, 3))
    if kind == "tie":  # z = 0 exactly at a vertex x0 of the ±1 cube: inactive there (strict), by a hair
        x0 = np.array(draw(st.lists(st.sampled_from((1.0, -1.0)), min_size=L, max_size=L))[:n])
        return w, -float(w @ x0)
    b = float(draw(ints))
    if kind in ("huge", "tiny"):  # powers of two keep the weights exact in float64
        e = draw(st.integers(20, 60))
        f = 2.0 ** (e if kind == "huge" else -e)
        return w * f, b * f
    return w, b


@st.composite
def _blocks(draw: Any, n: SearchStrategy[int], s: SearchStrategy[int], activation: SearchStrategy[Activation],
            outputs: int, kinds: tuple[str, ...], L: int) -> MLPBlock:
    n_, s_ = draw(n), draw(s)
    units: list[tuple[np.ndarray, float]] = []
    for _ in range(s_):
        units.append(draw(_unit(n_, L, draw(st.sampled_from(kinds)), units)))
    W1 = np.array([w for w, _ in units]).reshape(s_, n_)
    b1 = np.array([b for _, b in units])
    act = draw(activation)
    if outputs == 0:
        return MLPBlock(W1, b1, activation=act)
    W2 = np.array(draw(st.lists(st.integers(-3, 3), min_size=outputs * s_, max_size=outputs * s_)),
                  dtype=np.float64).reshape(outputs, s_)
    b2 = np.array(draw(st.lists(st.integers(-3, 3), min_size=outputs, max_size=outputs)), dtype=np.float64)
    return MLPBlock(W1, b1, W2, b2, act)


def blocks(n: int | None = None, s: int | None = None, *, activation: "str | SearchStrategy[str]" = "relu",
           max_n: int = 6, max_s: int = 6, outputs: int = 1, degenerate: bool = True) -> SearchStrategy[MLPBlock]:
    """Arbitrary blocks with n inputs and s units (drawn in [1, max_n] / [1, max_s] when None).

    Units are small-integer rows by default; with ``degenerate`` some are dead (never active on
    [-1, 1]^n), duplicates of an earlier unit, exactly tied at tau = 0 on a cube vertex,
    real-valued, or scaled by 2^(+-20..60) (huge and tiny weights, still exact). ``outputs``
    is the number of output rows (0 for a block without W2). Shrinks towards one input, one
    unit and zero weights.

    Parameters
    ----------
    n, s : int or None, default None
        Inputs and units (None: drawn in [1, max_n] / [1, max_s]).
    activation : str or SearchStrategy of str, default "relu"
        The hidden activation, or a strategy of activation names.
    max_n : int, default 6
        The largest n drawn when ``n`` is None (at most 24).
    max_s : int, default 6
        The largest s drawn when ``s`` is None (at most 256).
    outputs : int, default 1
        Output rows of W2 (0: no W2), at most 16.
    degenerate : bool, default True
        Include dead, duplicate, tied, real-valued, huge and tiny units.

    Returns
    -------
    SearchStrategy of MLPBlock
        Blocks with small integer (or exactly representable) weights.

    Raises
    ------
    StrategyArgumentError
        A bad size, activation or flag (also a Hypothesis ``InvalidArgument``).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import blocks
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(blocks(n=3, s=2))
    ... def check(block):
    ...     assert (block.n, block.s) == (3, 2)
    >>> check()
    """
    n_st = _size("n", n, "max_n", max_n, 1, MAX_N)
    s_st = _size("s", s, "max_s", max_s, 1, MAX_S)
    outputs = _count("outputs", outputs, 0, 16)
    if not isinstance(degenerate, bool):
        raise StrategyArgumentError(f"degenerate must be True or False, got {degenerate!r}")
    kinds = UNIT_KINDS if degenerate else ("int",)
    return _blocks(n_st, s_st, _activation(activation), outputs, kinds, n if n is not None else max_n)


# -- sparse blocks: max-active <= k on the ±1 cube, by construction --------------------------------

@st.composite
def _group(draw: Any, n: int, L: int, room: int) -> list[tuple[np.ndarray, float]]:
    """Units watching one coordinate set S, each active iff x_S equals its own pattern: at most one fires."""
    t = draw(st.integers(1, min(L, 3)))
    S = sorted({v % n for v in draw(st.lists(st.integers(0, L - 1), min_size=t, max_size=t, unique=True))})
    t = len(S)
    pats = draw(st.lists(st.integers(0, (1 << t) - 1), min_size=1, max_size=min(1 << t, room), unique=True))
    others = [j for j in range(n) if j not in S]
    noisy = draw(st.booleans())  # integer noise on the other coordinates (one flag per group: fewer choices)
    rows = []
    for p in pats:
        alpha = np.array([1.0 - 2.0 * ((p >> i) & 1) for i in range(t)])
        noise = np.zeros(len(others))
        if noisy:
            noise = np.array(draw(st.lists(st.integers(-1, 1), min_size=L, max_size=L))[:len(others)], dtype=float)
        e = draw(st.integers(-2, 2))
        c = draw(st.integers(1, 3)) + abs(e) + float(np.abs(noise).sum())
        # match: z >= c - |e| - |noise|_1 >= 1; mismatch: alpha.x_S <= t - 2, so z <= -c + |e| + |noise|_1 <= -1
        w = np.zeros(n)
        w[S] = c * alpha
        w[others] = noise
        rows.append((w, -c * (t - 1) + e))
    return rows


@st.composite
def _sparse(draw: Any, n: SearchStrategy[int], s: SearchStrategy[int], k: int,
            activation: SearchStrategy[Activation], L: int, planted: bool) -> MLPBlock:
    n_, s_ = draw(n), draw(s)
    g = draw(st.integers(0, min(k, s_)))
    # the branch is drawn after the sizes (shrinking to 0, the junta groups), so shrinking leaves planted blocks
    if planted and draw(st.integers(0, 3)) == 3:  # a quarter of the draws: a planted block
        dead = draw(st.sampled_from((0.5, 0.0, 0.9, 1.0)))
        seed = draw(st.integers(0, 2**31 - 1))
        return planted_sparse(n_, s_, g, seed, activation=draw(activation), dead_fraction=dead).block
    rows: list[tuple[np.ndarray, float]] = []
    for r in range(g):
        room = s_ - len(rows) - (g - r - 1)  # leave one unit for each remaining group
        rows.extend(draw(_group(n_, L, room)))
    dead_weights = s_ > len(rows) and draw(st.booleans())  # dead units with random rows, or zero rows
    while len(rows) < s_:  # dead units: z <= -c < 0 on the cube
        w = np.zeros(n_)
        if dead_weights:
            w = np.array(draw(st.lists(st.integers(-3, 3), min_size=L, max_size=L))[:n_], dtype=float)
        rows.append((w, -float(np.abs(w).sum()) - draw(st.integers(1, 3))))
    order = draw(st.permutations(range(s_))) if draw(st.booleans()) else list(range(s_))
    W1 = np.array([rows[i][0] for i in order]).reshape(s_, n_)
    b1 = np.array([rows[i][1] for i in order])
    W2 = np.array(draw(st.lists(st.integers(-3, 3), min_size=s_, max_size=s_)), dtype=float)[None, :]
    return MLPBlock(W1, b1, W2, np.zeros(1), draw(activation), name=f"sparse_groups(k<={g})")


def sparse_blocks(n: int | None = None, s: int | None = None, k: int = 2, *,
                  activation: "str | SearchStrategy[str]" = "relu", max_n: int = 6,
                  max_s: int = 8, planted: bool = False) -> SearchStrategy[MLPBlock]:
    """Blocks whose exact max-active number on the ±1 cube {-1,1}^n is at most ``k``, by construction.

    Stacks of at most k junta groups (each unit fires iff x_S matches its own sign
    pattern, so at most one unit per group is active; small integer weights, integer noise on
    the other coordinates that never flips a decision) padded with dead units; sometimes
    :func:`sparse_models.planted_sparse` blocks with k' <= k. The promise is for the ±1 cube.

    Parameters
    ----------
    n, s : int or None, default None
        Inputs and units (None: drawn in [1, max_n] / [1, max_s]).
    k : int, default 2
        The promised bound on the max-active number.
    activation : str or SearchStrategy of str, default "relu"
        The hidden activation, or a strategy of activation names.
    max_n : int, default 6
        The largest n drawn when ``n`` is None.
    max_s : int, default 8
        The largest s drawn when ``s`` is None.
    planted : bool, default False
        Draw :func:`sparse_models.planted_sparse` blocks only.

    Returns
    -------
    SearchStrategy of MLPBlock
        Blocks with at most ``k`` units active at once on {-1,1}^n.

    Raises
    ------
    StrategyArgumentError
        A bad size, ``k``, activation or flag.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube
    >>> from sparsecert.verify import max_active
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import sparse_blocks
    >>> @settings(max_examples=3, deadline=None, database=None)
    ... @given(sparse_blocks(n=4, k=2))
    ... def check(block):
    ...     assert max_active(block, Hypercube(4)).upper <= 2
    >>> check()
    """
    n_st = _size("n", n, "max_n", max_n, 1, MAX_N)
    s_st = _size("s", s, "max_s", max_s, 1, MAX_S)
    k = _count("k", k, 0, MAX_S)
    act = _activation(activation)
    if not isinstance(planted, bool):
        raise StrategyArgumentError(f"planted must be True or False, got {planted!r}")
    return _sparse(n_st, s_st, k, act, n if n is not None else max_n, planted)


def juntas(n: int | None = None, t: int | None = None, *, max_n: int = 8, max_t: int = 3,
           values: Sequence[float] = (-1.0, 1.0), activation: "str | SearchStrategy[str]" = "relu",
           ) -> SearchStrategy[MLPBlock]:
    """t-juntas g(x_S) as 1-sparse blocks of width 2^t (docs/theory.md §5, D1), table entries from ``values``.

    Parameters
    ----------
    n : int or None, default None
        Inputs (None: drawn in [max(1, t), max_n]).
    t : int or None, default None
        The junta's size |S| (None: drawn in [0, min(max_t, n)]), at most 10.
    max_n : int, default 8
        The largest n drawn.
    max_t : int, default 3
        The largest t drawn.
    values : sequence of float, default (-1.0, 1.0)
        The values g takes (each table entry is drawn from them).
    activation : str or SearchStrategy of str, default "relu"
        The hidden activation, or a strategy of activation names.

    Returns
    -------
    SearchStrategy of MLPBlock
        :func:`sparse_models.junta_block` blocks: exactly one unit active at every point of the cube.

    Raises
    ------
    StrategyArgumentError
        A bad size or ``values``.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import juntas
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(juntas(n=4, t=2))
    ... def check(block):
    ...     assert block.s == 4
    >>> check()
    """
    if t is not None:
        _count("t", t, 0, 10)
    _count("max_t", max_t, 0, 10)
    n_st = _size("n", n, "max_n", max_n, max(1, t or 0), MAX_N)  # a junta on t coordinates needs n >= t
    vals = tuple(values) if isinstance(values, (list, tuple)) else None
    if not vals or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) for v in vals):
        raise StrategyArgumentError(f"values must be a non-empty sequence of finite numbers, got {values!r}")
    act = _activation(activation)

    @st.composite
    def draw_junta(draw: Any) -> MLPBlock:
        n_ = draw(n_st)
        t_ = t if t is not None else draw(st.integers(0, min(max_t, n_)))
        S = draw(st.lists(st.integers(0, n_ - 1), min_size=t_, max_size=t_, unique=True))
        table = draw(st.lists(st.sampled_from(vals), min_size=1 << t_, max_size=1 << t_))
        return junta_block(n_, S, [float(v) for v in table], activation=draw(act))

    return draw_junta()


# -- domains and points ----------------------------------------------------------------------------

def domains(n: int, *, kinds: Sequence[StrategyDomainKind] = DOMAIN_KINDS) -> SearchStrategy[Domain]:
    """Domains of dimension n: the ±1 and {0,1} cubes, integer boxes, L-inf balls, small point sets.

    Parameters
    ----------
    n : int
        Dimension, 1 to 24.
    kinds : sequence of StrategyDomainKind, default all of DOMAIN_KINDS
        Which kinds to draw from: ``"hypercube"``, ``"hypercube01"``, ``"box"``, ``"ball"``, ``"points"``.

    Returns
    -------
    SearchStrategy of Domain
        Domains of dimension ``n`` (integer bounds and centres, radii 1/4 to 2, up to 8 points).

    Raises
    ------
    StrategyArgumentError
        A bad ``n``, or ``kinds`` empty or naming an unknown kind.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import domains
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(domains(3, kinds=["box", "ball"]))
    ... def check(domain):
    ...     assert domain.dim == 3 and domain.kind in ("box", "ball")
    >>> check()
    """
    n = _count("n", n, 1, MAX_N)
    bad = [k for k in kinds if k not in DOMAIN_KINDS] if isinstance(kinds, (list, tuple)) else [kinds]
    if bad or not kinds:
        raise StrategyArgumentError(f"kinds must be a non-empty subset of {DOMAIN_KINDS}, got {kinds!r}")
    ints = st.lists(st.integers(-3, 3), min_size=n, max_size=n)
    cube_pt = st.lists(st.sampled_from((1.0, -1.0)), min_size=n, max_size=n)
    options = {
        "hypercube": st.just(Hypercube(n)),
        "hypercube01": st.just(Hypercube(n, (0, 1))),
        "box": st.tuples(ints, st.lists(st.integers(0, 3), min_size=n, max_size=n)).map(
            lambda t: Box(np.array(t[0], float), np.array(t[0], float) + np.array(t[1], float))),
        "ball": st.tuples(ints, st.sampled_from((1.0, 0.5, 2.0, 0.25))).map(lambda t: LinfBall(np.array(t[0], float), t[1])),
        "points": st.lists(cube_pt, min_size=1, max_size=8).map(lambda rows: PointSet(np.array(rows))),
    }
    return st.one_of([options[k] for k in kinds])


def points(domain: Domain) -> SearchStrategy[np.ndarray]:
    """Points of ``domain`` (a float64 array of shape (n,)). Cube points shrink towards all-hi.

    Parameters
    ----------
    domain : Domain
        A :class:`Hypercube`, :class:`Box`, :class:`LinfBall` or :class:`PointSet`.

    Returns
    -------
    SearchStrategy of numpy.ndarray
        Points of the domain (cube vertices, rows of the point set, points of the box or ball).

    Raises
    ------
    StrategyArgumentError
        A Polytope, or not a domain.

    Examples
    --------
    >>> from sparsecert.sparse_models import LinfBall
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import points
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(points(LinfBall([0.0, 1.0], 0.5)))
    ... def check(x):
    ...     assert x.shape == (2,) and abs(x[0]) <= 0.5 and 0.5 <= x[1] <= 1.5
    >>> check()
    """
    kind = getattr(domain, "kind", None)  # anything else gets the error below
    if kind == "cube":
        return st.lists(st.booleans(), min_size=domain.n, max_size=domain.n).map(
            lambda bits: np.where(np.array(bits, dtype=bool), domain.lo, domain.hi).astype(np.float64))
    if kind == "points":
        return st.integers(0, domain.size - 1).map(lambda i: domain.X[i].copy())
    if kind in ("box", "ball"):
        lo, hi = domain.inner_bounds()
        coords = [st.floats(float(a), float(b), allow_nan=False, allow_infinity=False) for a, b in zip(lo, hi)]
        return st.tuples(*coords).map(lambda xs: np.array(xs, dtype=np.float64))
    if kind == "polytope":
        raise StrategyArgumentError("points(Polytope) is not supported: a polytope may be empty or thin; draw from"
                                    " a Box around it and filter with domain.contains, or use domain.sample")
    raise StrategyArgumentError(f"points needs a sparsecert domain (Hypercube, Box, LinfBall, PointSet),"
                                f" got {type(domain).__name__}")


# -- labelled data sets ----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LabelledSample:
    """m inputs X drawn from ``domain`` with labels y = f(X)[:, output], a fraction flipped in sign."""

    X: np.ndarray
    y: np.ndarray
    block: MLPBlock
    seed: int
    noise: float
    flipped: int

    def __iter__(self):  # X, y = sample
        return iter((self.X, self.y))

    def __repr__(self) -> str:
        return f"LabelledSample(m={self.X.shape[0]}, n={self.X.shape[1]}, seed={self.seed}, noise={self.noise})"


def labelled_samples(block: "MLPBlock | SearchStrategy[MLPBlock]", m: int, *, noise: float = 0.0,
                     domain: Domain | None = None, output: int = 0) -> SearchStrategy[LabelledSample]:
    """Data sets of m points drawn uniformly from ``domain`` (default: the ±1 cube) labelled by the block.

    With ``noise`` = p, each label's sign is flipped independently with probability p
    (random classification noise; |y| stays bounded). The draw is a seed, so the data set
    shrinks towards seed 0. ``block`` may be a strategy of blocks.

    Parameters
    ----------
    block : MLPBlock or SearchStrategy of MLPBlock
        The labelling function (its output ``output``), or a strategy of them.
    m : int
        Points per data set.
    noise : float, default 0.0
        Sign-flip probability of each label, in [0, 0.5].
    domain : Domain or None, default None
        Where the points come from (None: the ±1 cube of dimension ``block.n``).
    output : int, default 0
        The output row that labels (the hidden unit, for a block without W2).

    Returns
    -------
    SearchStrategy of LabelledSample
        ``X`` (m x n), ``y`` (m,), ``block``, ``seed``, ``noise``, ``flipped``; unpacks as ``X, y``.

    Raises
    ------
    StrategyArgumentError
        A bad ``m``, ``noise``, ``output`` or domain.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import parity_block
    >>> from hypothesis import given, settings
    >>> from sparsecert.properties.strategies import labelled_samples
    >>> @settings(max_examples=3, deadline=None, database=None)
    ... @given(labelled_samples(parity_block(3, [0, 1]), 16))
    ... def check(sample):
    ...     X, y = sample
    ...     assert X.shape == (16, 3) and np.array_equal(y, X[:, 0] * X[:, 1])
    >>> check()
    """
    m = _count("m", m, 1, MAX_M)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= float(noise) <= 0.5:
        raise StrategyArgumentError(f"noise is a flip probability in [0, 0.5], got {noise!r}")
    output = _count("output", output, 0, 1 << 16)
    if isinstance(block, SearchStrategy):
        return block.flatmap(lambda b: labelled_samples(b, m, noise=noise, domain=domain, output=output))
    if not isinstance(block, MLPBlock):
        raise StrategyArgumentError(f"block must be an MLPBlock or a strategy of blocks, got {type(block).__name__}")
    width = block.s if block.W2 is None else block.m
    if output >= width:
        raise StrategyArgumentError(f"output={output} but the block has {width} output(s)")
    dom = Hypercube(block.n) if domain is None else domain
    if not hasattr(dom, "sample") or getattr(dom, "dim", None) != block.n:
        raise StrategyArgumentError(f"domain must be a sparsecert domain of dimension {block.n}, got {dom!r}")

    def make(seed: int) -> LabelledSample:
        rng = np.random.default_rng(seed)
        X = dom.sample(rng, m)
        y = block.forward(X)[:, output]
        flips = rng.random(m) < noise
        y = np.where(flips, -y, y)
        X.setflags(write=False)
        y.setflags(write=False)
        return LabelledSample(X, y, block, seed, float(noise), int(flips.sum()))

    return st.integers(0, 2**32 - 1).map(make)


# The pytest plugin applies sparsecert's Hypothesis profile to every test that uses these
# strategies; it recognises a module-level strategy variable by the object it holds.
def _remembered(fn: Any) -> Any:
    @functools.wraps(fn)
    def public(*args: Any, **kwargs: Any) -> Any:
        return profiles.remember(fn(*args, **kwargs))

    return public


blocks = _remembered(blocks)
sparse_blocks = _remembered(sparse_blocks)
juntas = _remembered(juntas)
domains = _remembered(domains)
points = _remembered(points)
labelled_samples = _remembered(labelled_samples)
