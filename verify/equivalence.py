"""equivalent(a, b, domain): prove |f_a(x) - f_b(x)| <= tol on a domain, or give an input where not.

The difference of two piecewise-linear blocks is encoded exactly in Z3 (rational weights
from float64, relu / leaky_relu / step / identity as if-then-else terms). Before encoding,
the difference is simplified exactly: hidden units with identical weights, bias and
activation in both networks are merged (their output weights subtract, often to zero),
and units that the presolve proves always off or always on over the domain are replaced
by their affine (or zero / constant) contribution. Point sets are decided by exact
evaluation. Every reported difference is re-checked in float64 and in exact rationals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from sparsecert.sparse_models.network import Network, as_block
from sparsecert.sparse_models import Domain, MLPBlock, check_domain
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.activations import Activation
from sparsecert.sparse_models.errors import DomainError, InvalidArgument, ShapeError, SoundnessError, UnsupportedActivation

from .affine import AffineBuilder, AffineTerm
from .presolve import unit_ranges
from .results import Stats, Status
from .witness import round_into

ENCODABLE = ("relu", "leaky_relu", "step", "identity")


def exact_activation(act: Activation, z: Fraction) -> Fraction:
    """sigma(z) in exact arithmetic, matching :meth:`Activation.__call__` (step: 1 iff z > 0)."""
    if act.name == "relu":
        return z if z > 0 else Fraction(0)
    if act.name == "step":
        return Fraction(1) if z > 0 else Fraction(0)
    if act.name == "leaky_relu":
        return z if z > 0 else Fraction(act.alpha) * z
    if act.name == "identity":
        return z
    raise UnsupportedActivation(_unsupported(act))


def _unsupported(act: Activation) -> str:
    return (f"activation {act.spec!r} is not piecewise linear and cannot be encoded exactly;"
            f" equivalence, pruning and synthesis support {', '.join(ENCODABLE)}")


def parts(f: Any) -> tuple[MLPBlock, AffineTerm | None]:
    """(block, affine skip term or None) of an MLPBlock or a pruned function (``.block`` and ``.linear``).

    A block's own skip term (a pruned model file) becomes the exact affine part; a block that
    ends in softmax / log_softmax is refused (its output is not encoded)."""
    if isinstance(f, Network):
        f = as_block(f)  # a one-hidden-layer Network is its block
    if isinstance(f, MLPBlock):
        return _own_parts(f, None)
    block, linear = getattr(f, "block", None), getattr(f, "linear", None)
    if isinstance(block, MLPBlock) and (linear is None or isinstance(linear, AffineTerm)):
        return _own_parts(block, linear)
    raise InvalidArgument(f"expected an MLPBlock or a pruned function (PruneResult), got {type(f).__name__}")


def _own_parts(block: MLPBlock, linear: AffineTerm | None) -> tuple[MLPBlock, AffineTerm | None]:
    if block.output_activation is not None:
        raise UnsupportedActivation(
            f"the block ends in {block.output_activation}, which equivalence does not encode; compare the logits"
            f" instead (Python: block.replace(output_activation=None)): equal logits give equal {block.output_activation}"
            " outputs")
    if block.skip is None:
        return block, linear
    A, c = block.skip.exact_affine()
    own = AffineTerm(tuple(tuple(r) for r in A), tuple(c))
    return block.replace(skip=None), own if linear is None else own.plus(linear)


def output_dim(f: Any) -> int:
    block, _ = parts(f)
    return block.s if block.W2 is None else int(block.W2.shape[0])


def forward(f: Any, X: Any) -> np.ndarray:
    """Float64 output of an MLPBlock or a pruned function."""
    block, linear = parts(f)
    out = block.forward(X)
    return out if linear is None else out + linear(X)


def exact_forward(f: Any, x: Sequence) -> list[Fraction]:
    """The output at one point in exact rational arithmetic (x: floats or Fractions)."""
    block, linear = parts(f)
    if not block.activation.piecewise_linear:
        raise UnsupportedActivation(_unsupported(block.activation))
    xs = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]
    h = []
    for i in range(block.s):
        z = Fraction(float(block.b1[i]))
        for j in np.flatnonzero(block.W1[i]):
            if xs[j]:
                z += Fraction(float(block.W1[i, j])) * xs[j]
        h.append(exact_activation(block.activation, z))
    if block.W2 is None:
        out = h
    else:
        out = []
        for o in range(block.W2.shape[0]):
            total = Fraction(float(block.b2[o]))
            for i in np.flatnonzero(block.W2[o]):
                if h[i]:
                    total += Fraction(float(block.W2[o, i])) * h[i]
            out.append(total)
    if linear is not None:
        out = [a + b for a, b in zip(out, linear.exact(xs))]
    return out


# -- the exact difference f_a - f_b as merged units plus an affine part ------------------------------

@dataclass
class _Unit:
    act: Activation
    w: np.ndarray  # float64 row (exact as rationals)
    b: float
    coeff: list[Fraction]  # exact output weights (m)


@dataclass
class _Difference:
    units: list[_Unit]
    affine: AffineTerm
    cancelled: int = 0
    linearised: int = 0
    total: int = 0


def _collect(f: Any, sign: int, m: int, units: dict, order: list, aff: AffineBuilder) -> int:
    block, linear = parts(f)
    act = block.activation
    if not act.piecewise_linear:
        raise UnsupportedActivation(_unsupported(act))
    for i in range(block.s):
        if block.W2 is None:
            coeff = [Fraction(sign) if o == i else Fraction(0) for o in range(m)]
        else:
            coeff = [sign * Fraction(float(v)) for v in block.W2[:, i]]
        key = (act.spec, block.W1[i].tobytes(), float(block.b1[i]).hex())
        if key in units:
            u = units[key]
            u.coeff = [a + b for a, b in zip(u.coeff, coeff)]
        else:
            units[key] = _Unit(act, block.W1[i], float(block.b1[i]), coeff)
            order.append(key)
    if block.W2 is not None:
        aff.add_constant([sign * Fraction(float(v)) for v in block.b2])
    if linear is not None:
        aff.add_term(linear, sign)
    return block.s


def difference(a: Any, b: Any, domain: Any | None) -> _Difference:
    """f_a - f_b as merged units plus an exact affine part; with a domain, presolved units are linearised."""
    m = output_dim(a)
    if output_dim(b) != m:
        raise ShapeError(f"the two functions have {m} and {output_dim(b)} outputs; they cannot be compared")
    n = parts(a)[0].n
    if parts(b)[0].n != n:
        raise ShapeError(f"the two functions take {n} and {parts(b)[0].n} inputs; they cannot be compared")
    units: dict = {}
    order: list = []
    aff = AffineBuilder(m, n)
    total = _collect(a, 1, m, units, order, aff) + _collect(b, -1, m, units, order, aff)
    merged = [units[k] for k in order]
    live = [u for u in merged if any(c != 0 for c in u.coeff)]
    out = _Difference([], AffineTerm.zeros(m, n), total - len(live), 0, total)
    remaining = []
    for u in live:
        if u.act.name == "identity":
            aff.add_outer(u.coeff, [Fraction(float(v)) for v in u.w], Fraction(u.b))
            out.linearised += 1
        else:
            remaining.append(u)
    if remaining and domain is not None and domain.kind != "points":
        ranges = unit_ranges(MLPBlock(np.array([u.w for u in remaining]), np.array([u.b for u in remaining])),
                             domain, 0.0)
        keep = []
        for r, u in enumerate(remaining):
            wq, bq = [Fraction(float(v)) for v in u.w], Fraction(u.b)
            if ranges.always_off[r]:
                if u.act.name == "leaky_relu":
                    aff.add_outer([Fraction(u.act.alpha) * c for c in u.coeff], wq, bq)
                out.linearised += 1
            elif ranges.always_on[r]:
                if u.act.name == "step":
                    aff.add_constant(u.coeff)
                else:
                    aff.add_outer(u.coeff, wq, bq)
                out.linearised += 1
            else:
                keep.append(u)
        remaining = keep
    out.units = remaining
    out.affine = aff.freeze()
    return out


def _exact_difference(d: _Difference, x: Sequence[Fraction]) -> list[Fraction]:
    vals = d.affine.exact(x)
    for u in d.units:
        z = Fraction(u.b)
        for j in np.flatnonzero(u.w):
            if x[j]:
                z += Fraction(float(u.w[j])) * x[j]
        h = exact_activation(u.act, z)
        if h:
            vals = [v + c * h for v, c in zip(vals, u.coeff)]
    return vals


# -- results -------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Difference:
    """An input where the outputs differ by more than tol, re-checked exactly and in float64."""

    x: np.ndarray  # float64 point (in the domain)
    output: int  # the output coordinate that differs most at the reported point
    exact_difference: Fraction  # f_a(x) - f_b(x) exactly, at x (or at exact_x when given)
    float_difference: float  # the same in float64 at x
    float_agrees: bool  # float64 evaluation also sees |difference| > tol at x
    exact_x: tuple[Fraction, ...] | None = None  # the solver's rational point when rounding x loses the difference

    def as_dict(self) -> dict[str, Any]:
        out = {"witness": self.x.tolist(), "output": self.output, "exact_difference": str(self.exact_difference),
               "float_difference": self.float_difference, "float_agrees": self.float_agrees}
        if self.exact_x is not None:
            out["exact_witness"] = [str(v) for v in self.exact_x]
        return out


@dataclass(frozen=True, eq=False)
class Equivalence:
    """``status`` (a :class:`Status`) VERIFIED: |f_a - f_b| <= tol on the whole domain (proved exactly);
    VIOLATED: see ``difference``; UNKNOWN: the solver stopped (timeout) before deciding."""

    status: Status
    tol: float
    difference: Difference | None = None
    reason: str = ""
    units_compared: int = 0  # units left in the exact encoding after merging and presolve
    units_cancelled: int = 0  # identical units merged away (output weights cancel)
    units_linearised: int = 0  # units proved affine (always on / off, identity) on the domain
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))  # a plain string is accepted

    def __bool__(self) -> bool:
        return self.status is Status.VERIFIED

    def as_dict(self) -> dict[str, Any]:
        out = {"status": self.status.value, "tol": self.tol, "units_compared": self.units_compared,
               "units_cancelled": self.units_cancelled, "units_linearised": self.units_linearised}
        if self.reason:
            out["reason"] = self.reason
        if self.difference is not None:
            out.update(self.difference.as_dict())
        out["stats"] = self.stats.as_dict()
        return out


# -- the search ----------------------------------------------------------------------------------

class _Search:
    def __init__(self, a, b, domain, tol: Fraction, timeout: float | None) -> None:
        self.a, self.b, self.domain, self.tol = a, b, domain, tol
        self.start = time.monotonic()
        self.deadline = None if timeout is None else self.start + timeout
        self.calls = 0
        self.d = difference(a, b, domain)

    def remaining_ms(self) -> int | None:
        if self.deadline is None:
            return None
        return max(1, int((self.deadline - time.monotonic()) * 1000))

    def finish(self, status: str, method: str, diff: Difference | None = None, reason: str = "") -> Equivalence:
        st = Stats(time.monotonic() - self.start, "z3" if method == "solver" else "numpy+exact", method,
                   self.d.total, 0, 0, len(self.d.units), self.calls, 0, ())
        return Equivalence(status, float(self.tol), diff, reason, len(self.d.units), self.d.cancelled,
                           self.d.linearised, st)

    def _report(self, x: np.ndarray, exact_x: Sequence[Fraction] | None) -> Difference:
        """Build the reported difference at float point x (exact_x: the solver's rational point)."""
        xq = [Fraction(float(v)) for v in x]
        fa, fb = exact_forward(self.a, xq), exact_forward(self.b, xq)
        diffs = [p - q for p, q in zip(fa, fb)]
        fl = forward(self.a, x) - forward(self.b, x)
        o = int(np.argmax([abs(v) for v in diffs]))
        if abs(diffs[o]) > self.tol and (exact_x is None or self.domain.contains(x)):
            return Difference(x, o, diffs[o], float(fl[o]), bool(abs(fl[o]) > self.tol))
        if exact_x is None:
            raise SoundnessError("difference witness does not re-check exactly")
        ea, eb = exact_forward(self.a, exact_x), exact_forward(self.b, exact_x)
        ediffs = [p - q for p, q in zip(ea, eb)]
        o = int(np.argmax([abs(v) for v in ediffs]))
        if not abs(ediffs[o]) > self.tol:
            raise SoundnessError(f"solver point gives |difference| {abs(ediffs[o])} <= tol {self.tol} on re-check")
        return Difference(x, o, ediffs[o], float(fl[o]), bool(abs(fl[o]) > self.tol), tuple(exact_x))

    def run_points(self) -> Equivalence:
        for _, X in self.domain.chunks(1 << 12):
            for x in X:
                vals = _exact_difference(self.d, [Fraction(float(v)) for v in x])
                if max(abs(v) for v in vals) > self.tol:
                    return self.finish("violated", "exact evaluation", self._report(np.array(x), None))
        return self.finish("verified", "exact evaluation")

    def run_sampling(self, size: int = 2048, seed: int = 0) -> Equivalence | None:
        """Cheap first pass: float64 differences on sampled points (corners included for boxes),
        the largest re-checked exactly. Only ever returns a violation, never a proof."""
        X = _sample_points(self.domain, np.random.default_rng(seed), size)
        if X.shape[0] == 0 or not self.d.units and self.d.affine.is_zero:
            return None
        with np.errstate(all="ignore"):
            score = np.max(np.abs(forward(self.a, X) - forward(self.b, X)), axis=1)
        score = np.where(np.isfinite(score), score, -1.0)
        for p in np.argsort(-score)[:16]:
            x = X[p]
            if score[p] <= 0 or not self.domain.contains(x):
                continue
            vals = _exact_difference(self.d, [Fraction(float(v)) for v in x])
            if max(abs(v) for v in vals) > self.tol:
                return self.finish("violated", "sampling", self._report(x, None))
        return None

    def _encode_domain(self, enc) -> None:
        """The domain into the solver ``enc``; raises DomainError for an empty polytope."""
        dom = self.domain
        if dom.kind == "cube":
            enc.add_corners(Fraction(dom.lo), Fraction(dom.hi))
        elif dom.kind in ("box", "ball"):
            enc.add_box(*dom.exact_bounds())
        elif dom.kind == "polytope":
            A, c = dom.constraint_rows()
            enc.add_rows([[Fraction(float(v)) for v in A[i]] for i in range(A.shape[0])],
                         [Fraction(float(c[i])) for i in range(A.shape[0])])
            self.calls += 1
            if enc.check() == "unsat":
                raise DomainError("the polytope A x <= c is empty")

    def run_solver(self) -> Equivalence:
        from .backends.z3_equivalence import DifferenceSolver

        d, dom = self.d, self.domain
        enc = DifferenceSolver(parts(self.a)[0].n)
        self._encode_domain(enc)
        if not d.units and d.affine.is_zero:  # every unit cancelled or folded to zero: equal by construction
            return self.finish("verified", "exact simplification")
        units = [(u.act.name, u.act.alpha, [Fraction(float(v)) for v in u.w], Fraction(u.b), u.coeff) for u in d.units]
        enc.add_difference(units, d.affine.A, d.affine.c, self.tol)
        self.calls += 1
        res = enc.check(self.remaining_ms())
        if res == "unsat":
            return self.finish("verified", "solver")
        if res != "sat":
            return self.finish("unknown", "solver", reason=f"z3: {enc.reason_unknown() or 'unknown'}")
        point = enc.point()
        for _ in range(3):  # push the difference away from tol so rounding to float64 keeps it
            x = round_into(dom, point)
            xq = [Fraction(float(v)) for v in x]
            if dom.contains(x) and max(abs(v) for v in _exact_difference(d, xq)) > self.tol:
                return self.finish("violated", "solver", self._report(x, None))
            vals = _exact_difference(d, point)
            o = int(np.argmax([abs(v) for v in vals]))
            target = max(2 * abs(vals[o]), 2 * self.tol + abs(vals[o]))
            self.calls += 1
            new_point = enc.point_beyond(o, target, vals[o] > 0, min(2000, self.remaining_ms() or 2000))
            if new_point is None:
                break
            point = new_point
        x = round_into(dom, point)
        return self.finish("violated", "solver", self._report(x, point))


def _sample_points(domain: Any, rng: np.random.Generator, size: int) -> np.ndarray:
    if domain.kind == "cube":
        return domain.sample(rng, size)
    if domain.kind in ("box", "ball"):
        lo, hi = domain.inner_bounds()
        inner = domain.sample(rng, size // 2)
        corners = np.where(rng.integers(0, 2, size=(size - size // 2, lo.size)) == 1, hi, lo)
        return np.vstack([inner, corners])
    try:
        return domain.sample(rng, size)
    except DomainError:  # unbounded or flat polytope: leave it to the solver
        return np.empty((0, domain.dim))


def equivalent(a: Any, b: Any, domain: Domain, *, tol: float = 0, timeout: float | None = None,
               samples: int = 2048, seed: int = 0) -> Equivalence:
    """Prove |f_a(x) - f_b(x)| <= tol for every output and every x in ``domain``, or return an input where not.

    ``a`` and ``b`` are MLPBlocks (relu, leaky_relu, step or identity hidden units) or pruned
    functions; blocks without W2 are compared on their hidden outputs. gelu/silu raise
    :class:`UnsupportedActivation`. The proof is exact (rational weights); a timeout gives
    status ``unknown``. ``samples`` random points (0: none) are tried first for a quick
    counterexample, re-checked exactly.

    Parameters
    ----------
    a, b : MLPBlock or Network or PruneResult
        The two functions: blocks, one-hidden-layer Networks, or pruned functions (objects
        with ``.block`` and ``.linear``, as :func:`prune` returns).
    domain : Domain
        Any sparsecert domain of dimension ``a``'s input dimension.
    tol : float, default 0
        Allowed absolute difference per output (>= 0).
    timeout : float or None, default None
        Seconds for the exact solver (None: no limit).
    samples : int, default 2048
        Random points tried first (0: none).
    seed : int, default 0
        Seed of those points.

    Returns
    -------
    Equivalence
        ``status`` VERIFIED (proved on the whole domain; the object is truthy), VIOLATED
        (``difference`` holds the input, the output and the exact difference) or UNKNOWN.

    Raises
    ------
    UnsupportedActivation
        An activation without an exact encoding (gelu, silu), or an output softmax.
    InvalidArgument, ShapeError, DomainError
        A bad option, functions of different shapes, or a domain of the wrong dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Box, MLPBlock
    >>> from sparsecert.verify import equivalent
    >>> W1, b1 = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0])
    >>> a = MLPBlock(W1, b1, np.array([[1.0, 1.0, 1.0]]))
    >>> b = MLPBlock(2 * W1, 2 * b1, np.array([[0.5, 0.5, 0.5]]))  # relu(2z) / 2 = relu(z)
    >>> equivalent(a, b, Box.uniform(2, -1.0, 1.0)).status.value
    'verified'
    >>> c = MLPBlock(W1, b1, np.array([[1.0, 1.0, 1.5]]))
    >>> diff = equivalent(a, c, Box.uniform(2, -1.0, 1.0)).difference
    >>> diff.x.tolist(), diff.exact_difference
    ([-1.0, -1.0], Fraction(-1, 2))
    """
    samples = as_count("samples", samples, low=0)
    tol_f = as_finite_float("tol", tol)
    if tol_f < 0:
        raise InvalidArgument(f"tol must be >= 0, got {tol!r}")
    if timeout is not None:
        timeout = as_finite_float("timeout", timeout)
        if timeout <= 0:
            raise InvalidArgument(f"timeout must be positive seconds (or None), got {timeout}")
    block_a, _ = parts(a)
    check_domain(domain, block_a.n)
    search = _Search(a, b, domain, Fraction(tol_f), timeout)
    if domain.kind == "points":
        return search.run_points()
    found = search.run_sampling(samples, seed) if samples else None
    return found if found is not None else search.run_solver()
