"""Instance bounds (docs/theory.md §7): measure one network's own quantities on a domain and
evaluate the registry there.

The numbers are **class-level bounds evaluated at this network's norms**: the network
belongs to the class H with its own (n, s, k, B_a, B_w, B_b, R), so every bound of the class
applies to it. Soundness of the inputs:

* k is exact when the domain is enumerated (the ±1 cube with n <= 20, or a point set), using
  exact activity decisions (``verify.exact_eval``). Otherwise a sample gives only a LOWER
  bound on k, which is reported but never used for evaluation: the bounds are evaluated at
  the presolve UPPER bound s - (units proved dead on the domain), which is sound.
* B_w and R are rounded upward; B_a and B_b are exact maxima of float64 values.
* F = max |f| is measured over an enumerated domain and raised by a rigorous bound on the
  float64 rounding; on other domains the §1 envelope bound is used (ReLU and step only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Domain, MLPBlock, Network
from sparsecert.sparse_models.errors import DomainError, InvalidArgument
from sparsecert.sparse_models.head import require_plain_output
from sparsecert.sparse_models.exact import SMALLEST_SUBNORMAL, UNIT_ROUNDOFF, rounding_margin

from . import formulas as fm
from .operations import Evaluation, evaluate
from .registry import REGISTRY, Bound
from .symbols import normalize_values, symbol

HEADING = "class-level bounds evaluated at this network's norms"
EXACT_MAX_N = 20
DEFAULT_SAMPLES = 20_000
DEFAULT_PARAMETERS = {"epsilon": "0.1", "delta": "0.05", "m": 10_000}
MEASURED = ("n", "s", "k", "B_a", "B_w", "B_b", "R", "F")


@dataclass(frozen=True)
class NetworkQuantities:
    """What the network itself measures on the domain (floats are the values used, rounded up)."""

    n: int
    s: int
    activation: str
    domain: str
    output: str
    B_a: float
    B_w: float
    B_b: float
    R: float
    k: int  # the value the bounds are evaluated at (exact, or the sound upper bound)
    k_exact: bool
    k_lower: int
    k_upper: int
    k_method: str
    mean_active: float | None
    mean_active_exact: bool
    F: float | None
    F_method: str
    cube: bool  # the domain is {-1,1}^n, where the Fourier-analytic bounds apply
    notes: tuple[str, ...] = ()

    def values(self) -> dict[str, sp.Rational]:
        """The measured parameters as exact rationals of the reported floats."""
        out = {"n": sp.Integer(self.n), "s": sp.Integer(self.s), "k": sp.Integer(self.k)}
        for key in ("B_a", "B_w", "B_b", "R", "F"):
            v = getattr(self, key)
            if v is not None:
                q = Fraction(v)
                out[key] = sp.Rational(q.numerator, q.denominator)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


@dataclass(frozen=True)
class InstanceEntry:
    name: str
    label: str
    evaluation: Evaluation | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "label": self.label, "applies": self.evaluation is not None}
        if self.evaluation is not None:
            d.update(value=self.evaluation.value, exact=self.evaluation.exact, quantity=self.evaluation.quantity,
                     direction=self.evaluation.direction, latex=self.evaluation.latex)
        else:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class InstanceReport:
    heading: str
    quantities: NetworkQuantities
    parameters: dict[str, str]
    parameter_notes: tuple[str, ...]
    entries: tuple[InstanceEntry, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "quantities": self.quantities.as_dict(), "parameters": dict(self.parameters),
                "parameter_notes": list(self.parameter_notes), "bounds": [e.as_dict() for e in self.entries]}


# ---- measurements -----------------------------------------------------------------------------------
def _up(x: float, steps: int = 2) -> float:
    for _ in range(steps):
        x = float(np.nextafter(x, np.inf))
    return x


def _sqrt_up(q: Fraction) -> float:
    """The smallest float r found with r^2 >= q exactly."""
    r = math.sqrt(float(q))
    while Fraction(r) ** 2 < q:
        r = float(np.nextafter(r, np.inf))
    return r


def _norm_up(rows: np.ndarray) -> np.ndarray:
    """Upper bounds on the Euclidean norms of the rows (float sum of squares plus its error bound)."""
    n = rows.shape[1]
    ss = np.einsum("ij,ij->i", rows, rows)
    ss = ss * (1 + 2 * (n + 2) * UNIT_ROUNDOFF) + n * SMALLEST_SUBNORMAL
    return np.nextafter(np.sqrt(np.nextafter(ss, np.inf)), np.inf)


def _radius_up(domain) -> float:
    kind = getattr(domain, "kind", None)  # checked before the domain itself is validated
    if kind in ("cube", "box", "ball"):
        lo, hi = domain.exact_bounds()
        return _sqrt_up(sum(max(a * a, b * b) for a, b in zip(lo, hi)))
    if kind == "points":
        return float(_norm_up(domain.X).max())
    raise DomainError(f"instance bounds need a domain with a known radius (cube, box, ball or point set),"
                      f" got {type(domain).__name__}")


def _output_weights(block: MLPBlock, output: int | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(A, c, note): rows of output weights used and their output biases."""
    require_plain_output(block, "the instance bounds")
    if block.W2 is None:
        return np.ones((1, block.s)), np.zeros(1), "no output layer: a_i = 1, f = sum_i act(z_i)"
    if output is None:
        note = ("max over the output coordinate" if block.m == 1 else
                f"max over all {block.m} outputs (every output coordinate is in the class with these norms)")
        return block.W2, block.b2, note
    if not (isinstance(output, (int, np.integer)) and 0 <= int(output) < block.m):
        raise InvalidArgument(f"output must be a coordinate in [0, {block.m}), got {output!r}")
    j = int(output)
    return block.W2[j:j + 1], block.b2[j:j + 1], f"output coordinate {j}"


def _hidden(block: MLPBlock, X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    if block.activation.name == "step":
        return mask.astype(np.float64)
    if block.activation.name == "relu":
        return np.where(mask, np.maximum(X @ block.W1.T + block.b1, 0.0), 0.0)
    return block.hidden(X)


def _enumerate(block: MLPBlock, domain, A: np.ndarray, c: np.ndarray, tau: float) -> tuple[int, float, float, int]:
    """(k, mean active, F upper bound, points) over every point of a finite domain."""
    from sparsecert.verify.exact_eval import exact_active_mask
    lo, hi = domain.outer_bounds()
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    margin = rounding_margin(block.W1, block.b1, xmax, tau)
    absA = np.abs(A)
    z_err = absA @ margin if block.activation.name != "step" else np.zeros(A.shape[0])
    gamma = 2 * (block.s + 2) * UNIT_ROUNDOFF
    chunk = max(1, (1 << 22) // max(block.s, 1))
    k_max, total, points, F = 0, 0, 0, 0.0
    for _, X in domain.chunks(chunk):
        mask, _ = exact_active_mask(block, X, tau, margin=margin)
        counts = mask.sum(axis=1)
        k_max = max(k_max, int(counts.max()))
        total += int(counts.sum())
        points += X.shape[0]
        H = _hidden(block, X, mask)
        out = H @ A.T + c
        mag = np.abs(H) @ absA.T + np.abs(c)
        bound = np.abs(out) + gamma * mag + z_err
        F = max(F, float(bound.max()))
    return k_max, total / points, _up(F * (1 + 4 * UNIT_ROUNDOFF)), points


def network_quantities(block: MLPBlock | Network, domains: "Domain | Sequence[Domain]", *, output: int | None = None,
                       samples: int = DEFAULT_SAMPLES, seed: int = 0, tau: float = 0.0) -> NetworkQuantities:
    """Measure n, s, B_a, B_w, B_b, R, k and F for ``block`` on a domain (or a union of domains).

    k and F are exact on enumerable domains (a cube up to the exact limit, a point set);
    elsewhere k is bracketed by presolve and sampling and F is bounded from the weights.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    domains : Domain or sequence of Domain
        One domain of dimension ``block.n``, or several (their union).
    output : int or None, default None
        The output coordinate (None: the maximum over all outputs).
    samples : int, default 20000
        Points sampled on domains that are not enumerated.
    seed : int, default 0
        Seed of those points.
    tau : float, default 0.0
        Activity threshold of k.

    Returns
    -------
    NetworkQuantities
        ``n``, ``s``, ``B_a``, ``B_w``, ``B_b``, ``R``, ``k`` (with ``k_exact``, ``k_lower``,
        ``k_upper``, ``k_method``), ``mean_active``, ``F`` (with ``F_method``) and ``notes``.

    Raises
    ------
    DomainError
        No domain, or one of the wrong dimension.
    InvalidArgument
        A bad ``output``, or a block with a skip term / output activation.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, parity_block
    >>> from sparsecert.properties.bounds import network_quantities
    >>> q = network_quantities(parity_block(4, [0, 1]), Hypercube(4))
    >>> q.k, q.k_exact, q.B_a, round(q.B_w, 6), q.R
    (1, True, 1.0, 1.414214, 2.0)
    """
    # Imported here so that the symbolic registry works without the verification package.
    from sparsecert.verify.exact_eval import exact_active_mask
    from sparsecert.verify.presolve import unit_ranges

    block = as_block(block)  # a one-hidden-layer Network is its block
    doms = list(domains) if isinstance(domains, (list, tuple)) else [domains]
    if not doms:
        raise DomainError("instance bounds need at least one domain")
    for dom in doms:
        if getattr(dom, "dim", None) != block.n:
            raise DomainError(f"the domain {dom!r} does not have the block's dimension n={block.n}")
    A, c, out_note = _output_weights(block, output)
    notes = [f"B_a: {out_note}"]
    if block.W2 is not None and np.any(c != 0):
        notes.append("F includes the output bias b2 (the function a learner sees); the norm bounds do not use it")
    B_a = float(np.abs(A).max())
    B_w = float(_norm_up(block.W1).max())
    B_b = float(np.abs(block.b1).max())
    R = max(_radius_up(dom) for dom in doms)
    act = block.activation.name
    cube = all(dom.kind == "cube" and dom.values == (-1.0, 1.0) for dom in doms)

    exact_k, k_lo, k_hi, means, F_vals, methods = True, 0, 0, [], [], []
    rng = np.random.default_rng(seed)
    for dom in doms:
        ranges = unit_ranges(block, dom, tau)
        upper = block.s - ranges.n_off
        enumerable = dom.kind == "points" or (dom.kind == "cube" and dom.n <= EXACT_MAX_N)
        if enumerable:
            k_d, mean_d, F_d, pts = _enumerate(block, dom, A, c, tau)
            k_lo, k_hi = max(k_lo, k_d), max(k_hi, k_d)
            means.append((mean_d, pts))
            F_vals.append(F_d)
            methods.append(f"exact: all {pts} points of {dom!r}, activity decided exactly")
        else:
            exact_k = False
            X = dom.sample(rng, samples)
            mask, _ = exact_active_mask(block, X, tau)
            k_lo = max(k_lo, int(mask.sum(axis=1).max()))
            k_hi = max(k_hi, upper)
            means.append((float(mask.sum(axis=1).mean()), -samples))
            F_vals.append(None)
            methods.append(f"sampled LOWER bound from {samples} points of {dom!r} (seed {seed});"
                           f" upper bound {upper} = s - {ranges.n_off} units proved dead by presolve")
    k_used = k_lo if exact_k else k_hi
    if k_used == 0:
        notes.append("no unit is ever active: bounds are evaluated at k = 1, which is valid since they grow with k")
        k_used = 1
    if not exact_k:
        notes.append(f"k = {k_hi} used for the bounds is the presolve upper bound; the sampled lower bound is {k_lo}"
                     " (certify the exact k with `sparsecert maxact` and pass it with --set k=...)")
    if all(f is not None for f in F_vals):
        F, F_method = max(F_vals), "measured max |f(x)| over every point, raised by a rigorous float64 rounding bound"
    elif act in ("relu", "step"):
        env = k_used * B_a * (R * B_w + B_b) if act == "relu" else k_used * B_a
        F = _up(env * (1 + 8 * UNIT_ROUNDOFF) + float(np.abs(c).max()) * (1 + 4 * UNIT_ROUNDOFF))
        F_method = ("envelope bound k B_a (R B_w + B_b) + |b2| (§1)" if act == "relu" else
                    "envelope bound k B_a + |b2| (§1, step)")
    else:
        F, F_method = None, f"not available: the domain is not enumerated and {act} has no envelope bound here"
    mean_total = sum(mu * abs(p) for mu, p in means) / sum(abs(p) for _, p in means)
    return NetworkQuantities(
        n=block.n, s=block.s, activation=block.activation.spec, domain=" u ".join(repr(d) for d in doms),
        output=out_note, B_a=B_a, B_w=B_w, B_b=B_b, R=R, k=k_used, k_exact=exact_k, k_lower=k_lo, k_upper=k_hi,
        k_method="; ".join(methods), mean_active=mean_total, mean_active_exact=exact_k, F=F, F_method=F_method,
        cube=cube, notes=tuple(notes))


# ---- evaluation ---------------------------------------------------------------------------------------
def _skip_reason(b: Bound, q: NetworkQuantities, have: set[str]) -> str | None:
    act = q.activation.split(":", 1)[0]
    if b.activations is not None and act not in b.activations:
        return f"proved for {b.activation_text}; this network uses {q.activation}"
    if b.domain == "cube" and not q.cube:
        return "needs the domain {-1,1}^n (Fourier analysis on the cube)"
    missing = [x for x in b.parameter_names if x not in have]
    if missing:
        return f"needs {', '.join(missing)} (not measured; give them with --set)"
    return None


def instance_bounds(block: MLPBlock | Network, domains: "Domain | Sequence[Domain]", *,
                    parameters: Mapping[str, Any] | None = None,
                    names: Sequence[str] | None = None, output: int | None = None, samples: int = DEFAULT_SAMPLES,
                    seed: int = 0) -> InstanceReport:
    """Evaluate registry entries at the network's own quantities.

    ``parameters`` supplies what a network does not determine (epsilon, delta, m, Y, d, t,
    tau, gamma) and may override measured ones (for example a k certified by a solver).
    Defaults: epsilon = 0.1, delta = 0.05, m = 10000, Y = F (labels produced by the network),
    d = the Corollary C3 degree at epsilon/2 from the activation's influence bound.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block).
    domains : Domain or sequence of Domain
        As in :func:`network_quantities`.
    parameters : mapping or None, default None
        Values of parameters by name (unmeasured ones, or overrides of measured ones).
    names : sequence of str or None, default None
        The registry entries evaluated (None: all of them; those that do not apply say why).
    output : int or None, default None
        As in :func:`network_quantities`.
    samples : int, default 20000
        As in :func:`network_quantities`.
    seed : int, default 0
        As in :func:`network_quantities`.

    Returns
    -------
    InstanceReport
        ``quantities`` (:class:`NetworkQuantities`), ``parameters`` (every value used, as
        strings), ``parameter_notes`` (where each came from) and ``entries`` (one
        :class:`InstanceEntry` per bound: its :class:`Evaluation`, or why it does not apply).

    Raises
    ------
    InvalidArgument
        An unknown bound or parameter, or an invalid value.
    DomainError
        As in :func:`network_quantities`.

    Examples
    --------
    >>> from sparsecert.sparse_models import Hypercube, parity_block
    >>> from sparsecert.properties import instance_bounds
    >>> report = instance_bounds(parity_block(4, [0, 1]), Hypercube(4),
    ...                          names=["influence_sparse_relu", "influence_dense_relu"])
    >>> [(e.name, round(e.evaluation.number, 6)) for e in report.entries]  # k = 1 against s = 4
    [('influence_sparse_relu', 8.0), ('influence_dense_relu', 32.0)]
    """
    q = network_quantities(block, domains, output=output, samples=samples, seed=seed)
    user = {symbol(key).name: value for key, value in (parameters or {}).items()}
    normalize_values(user)  # validate early, with the parameter's name in the message
    values: dict[str, Any] = dict(q.values())
    notes = []
    for key in MEASURED:
        if key in user:
            notes.append(f"{key} = {user[key]} given by the user (measured: {values.get(key)})")
    for key, default in DEFAULT_PARAMETERS.items():
        if key not in user:
            values[key] = default
            notes.append(f"{key} = {default} (default)")
    values.update(user)
    if "Y" not in user and "F" in values:
        values["Y"] = values["F"]
        notes.append("Y = F (labels produced by this network)")
    if "d" not in user and q.cube:
        infl = {"relu": fm.I_sparse, "step": fm.I_step}.get(q.activation.split(":", 1)[0])
        if infl is not None:
            exact = normalize_values({x: values[x] for x in ("n", "s", "k", "B_a", "B_w", "epsilon") if x in values})
            d_val = fm.degree(infl, sp.Symbol("epsilon", positive=True) / 2).xreplace(exact)
            values["d"] = int(d_val)
            notes.append(f"d = {int(d_val)}: the Corollary C3 degree max(0, ceil(2 I/epsilon) - 1) from the"
                         f" {q.activation} influence bound at these norms")
    zero = [key for key in ("B_a", "B_w", "R", "F") if key in values and key not in user and values[key] == 0]
    for key in zero:
        del values[key]
        notes.append(f"{key} = 0 was measured (a degenerate network); bounds that need {key} > 0 are not evaluated")
    if "F" in zero and "Y" in values and "Y" not in user:
        del values["Y"]
    have = set(values)
    chosen = list(names) if names is not None else list(REGISTRY)
    entries = []
    for name in chosen:
        b = REGISTRY[name] if name in REGISTRY else None
        if b is None:
            raise InvalidArgument(f"unknown bound {name!r}; known bounds: {', '.join(REGISTRY)}")
        reason = _skip_reason(b, q, have)
        if reason is not None:
            entries.append(InstanceEntry(b.name, b.label, None, reason))
            continue
        try:
            ev = evaluate(b, {x: values[x] for x in b.parameter_names}, activation=q.activation)
        except InvalidArgument as exc:
            entries.append(InstanceEntry(b.name, b.label, None, str(exc)))
            continue
        entries.append(InstanceEntry(b.name, b.label, ev))
    shown = {x.name: (str(v) if v.is_Integer else repr(float(v))) for x, v in normalize_values(values).items()}
    return InstanceReport(HEADING, q, shown, tuple(notes), tuple(entries))
