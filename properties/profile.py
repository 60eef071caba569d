"""One block's measured sparsity and Fourier profile, set against the bounds of docs/theory.md (``sparsecert profile``).

Modes, chosen by the domain:
* the ±1 cube with n <= exact_limit (default 20, at most 22): exact enumeration; rates,
  co-activation, q_ij, the active-count distribution and k(f), the spectrum, and every
  inequality of docs/theory.md §2-§4 with the LMN sample sizes;
* the ±1 cube beyond that: Monte Carlo rates and counts (the max is a lower bound), the
  influences by the edge formula and W^{<=1}, with confidence intervals; only the dense
  influence bound can be compared (the sparse ones need a proven k);
* any other domain (the {0,1} cube, boxes, balls, data sets): activation statistics only,
  exact where the domain is finite and enumerable. The spectral bounds of docs/theory.md are for the
  ±1 cube and are not applied elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Domain, MLPBlock, Network
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument, UnsupportedActivation

from .activation_statistics import ActivationStats, exact_activation_stats, sampled_activation_stats, stats_from_table
from .cube_table import MAX_EXACT_N
from .fourier import Spectrum
from .inequalities import TheoryReport, check_analysis
from .measures import analyse
from .montecarlo import InfluenceEstimate, LowDegreeEstimate, estimate_influences, estimate_low_degree
from .output import OutputSelection, select_output

NOISE_RATES = (0.01, 0.05, 0.1)
ProgressFactory = Callable[[int | None, str], Any]  # returns an object with advance(step) and close()


@dataclass(frozen=True, eq=False)
class Profile:
    """Everything ``sparsecert profile`` reports for one block and one domain."""

    block: MLPBlock
    domain: str
    mode: str
    selection: OutputSelection | None
    stats: ActivationStats
    spectrum: Spectrum | None = None
    theory: TheoryReport | None = None
    influence_mc: InfluenceEstimate | None = None
    low_degree_mc: LowDegreeEstimate | None = None
    eps_rel: float = 0.1
    delta: float = 0.05
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def output(self) -> str | None:
        return None if self.selection is None else self.selection.description

    @property
    def spectral(self) -> bool:
        return self.spectrum is not None

    @property
    def violations(self) -> int:
        return 0 if self.theory is None else len(self.theory.violations)

    def dense_bounds(self) -> dict[str, float]:
        """Influence bounds that need no sparsity (and hence no proven k): s sum c_i and s^2 Lambda^2."""
        if self.selection is None:
            raise InvalidArgument("no output was selected, so there is no influence to bound")
        c = np.asarray(self.selection.a) ** 2 * np.sum(self.block.W1 ** 2, axis=1)
        return {"s sum c_i": self.block.s * float(c.sum()), "s^2 Lambda^2": self.block.s ** 2 * float(c.max())}

    def to_dict(self) -> dict:
        b = self.block
        st = self.stats
        out: dict[str, Any] = {
            "model": {"name": b.name, "n": b.n, "s": b.s, "m": b.m, "activation": b.activation.spec},
            "domain": self.domain, "mode": self.mode, "output": self.output, "notes": list(self.notes),
            "activation": {
                "exact": st.exact, "points": st.points, "rates": st.rates,
                "mean_active": st.mean_active, "max_active": st.max_active, "max_kind": st.max_kind,
                "max_witness": st.max_witness, "count_histogram": st.count_histogram,
                "dead_units": list(st.dead_units), "always_active_units": list(st.always_active_units),
                "top_pairs": [{"units": [i, j], "rate": r} for i, j, r in st.top_pairs(10)],
                "redecided_exactly": st.redecided,
            },
        }
        act = out["activation"]
        if st.coactivation is not None and st.s <= 64:
            act["coactivation"] = st.coactivation
        if st.q is not None and st.q.size <= 1 << 16:
            act["q"] = st.q
        if st.rate_intervals is not None:
            act["rate_intervals"] = st.rate_intervals.as_dict()
        if st.mean_active_interval is not None:
            act["mean_active_interval"] = st.mean_active_interval.as_dict()
        if self.spectrum is not None:
            sp = self.spectrum
            eps = self.theory.eps if self.theory is not None else self.eps_rel * sp.energy
            out["spectrum"] = {
                "energy": sp.energy, "mean": sp.mean, "variance": sp.variance,
                "weights_by_degree": sp.weights_by_degree, "tail_weights": sp.tail_weights,
                "total_influence": sp.total_influence, "influences": sp.influences,
                "noise_sensitivity": {str(d): sp.noise_sensitivity(d) for d in NOISE_RATES},
                "eps": eps, "min_degree": sp.min_degree(eps),
                "top_coefficients": [{"mask": m, "set": _set_of(m, sp.n), "value": v} for m, v in sp.top(20)],
            }
        if self.theory is not None:
            th = self.theory
            mm = th.measures
            out["theory"] = {
                "applicable": th.applicable, "eps": th.eps, "delta": th.delta, "k": mm.k, "F": mm.F,
                "lambda2": mm.lam2, "influence": mm.I, "bounds": mm.bounds(),
                "checks": [c.as_dict() for c in th.checks],
                "violations": len(th.violations),
                "lmn": [sz.as_dict() for sz in th.lmn],
            }
        if self.influence_mc is not None:
            im = self.influence_mc
            out["influence_estimate"] = {"total": im.total.as_dict(), "per_coordinate": im.per_coordinate.as_dict(),
                                         "samples": im.samples, "evaluations": im.evaluations,
                                         "per_sample_range": im.per_sample_range,
                                         "output_range": list(im.output_range),
                                         "dense_bounds": self.dense_bounds()}
            if im.q is not None:
                out["influence_estimate"]["q"] = im.q.estimate
        if self.low_degree_mc is not None:
            ld = self.low_degree_mc
            out["low_degree_estimate"] = {"degree": ld.degree, "low_weight_interval": list(ld.low_weight),
                                          "low_weight_unbiased": ld.low_weight_unbiased, "samples": ld.samples,
                                          "F": ld.F, "confidence": 1 - ld.delta,
                                          "coefficients": ld.coefficients.as_dict(),
                                          "subsets": [list(S) for S in ld.subsets]}
        return out


def _set_of(mask: int, n: int) -> list[int]:
    return [j for j in range(n) if mask >> j & 1]


class _NoProgress:
    def advance(self, step: int = 1, note: str = "") -> None:
        pass

    def close(self) -> None:
        pass


def profile_block(
    block: MLPBlock | Network,
    domains: "Domain | Sequence[Domain]",
    *,
    output: int | None = None,
    exact_limit: int = 20,
    samples: int = 20000,
    influence_samples: int = 2000,
    seed: int | None = 0,
    eps_rel: float = 0.1,
    delta: float = 0.05,
    pairwise: bool | None = None,
    progress: ProgressFactory | None = None,
) -> Profile:
    """Measure ``block`` on ``domains`` (one domain, or several balls taken as a uniform mixture).

    The mode follows the domain (see the module docstring): exact enumeration with the
    spectrum and every docs/theory.md §2-§4 check on a small ±1 cube, Monte Carlo with
    intervals on a large one, activation statistics only on any other domain.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block).
    domains : Domain or sequence of Domain
        One domain of dimension ``block.n``, or several (balls) taken as a uniform mixture.
    output : int or None, default None
        The output analysed (as in :func:`spectrum`); needed when W2 has several rows.
    exact_limit : int, default 20
        The largest cube enumerated (at most 22).
    samples : int, default 20000
        Points sampled when the domain is not enumerated.
    influence_samples : int, default 2000
        Points of the influence estimate (large ±1 cubes).
    seed : int or None, default 0
        Seed of every sample (None: fresh entropy).
    eps_rel : float, default 0.1
        eps of the LMN sample sizes, relative to E[f^2] (> 0).
    delta : float, default 0.05
        Failure probability of the intervals and sample sizes, in (0, 1).
    pairwise : bool or None, default None
        Measure pairwise co-activation (None: when s <= 256).
    progress : ProgressFactory or None, default None
        ``progress(total, label)`` returns a bar with ``advance(step)`` and ``close()``.

    Returns
    -------
    Profile
        ``mode`` ("exact" or "monte carlo"), ``stats`` (:class:`ActivationStats`), and where
        they apply ``spectrum``, ``theory`` (:class:`TheoryReport`), ``influence_mc``,
        ``low_degree_mc``; ``violations`` and ``notes``.

    Raises
    ------
    InvalidArgument
        No domain, a bad option or ``output``.
    DomainError
        A domain of the wrong dimension or kind (a Polytope cannot be sampled).

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Hypercube, parity_block
    >>> from sparsecert.properties import profile_block
    >>> prof = profile_block(parity_block(4, [0, 1]), Hypercube(4))
    >>> prof.mode, prof.spectral, prof.violations, prof.stats.max_active
    ('exact', True, 0, 1)
    >>> profile_block(parity_block(4, [0, 1]), Box.uniform(4, -1.0, 1.0), samples=2000).mode
    'monte carlo'
    """
    block = as_block(block)  # a one-hidden-layer Network is its block
    doms = list(domains) if isinstance(domains, (list, tuple)) else [domains]
    if not doms:
        raise InvalidArgument("profile needs a domain")
    exact_limit = as_count("exact_limit", exact_limit, low=1, high=MAX_EXACT_N)
    eps_rel = as_finite_float("eps_rel", eps_rel)
    if eps_rel <= 0:
        raise InvalidArgument(f"eps (relative to E[f^2]) must be > 0, got {eps_rel}")
    delta = as_finite_float("delta", delta)
    if not 0 < delta < 1:
        raise InvalidArgument(f"delta must lie strictly between 0 and 1, got {delta}")
    pairwise = block.s <= 256 if pairwise is None else bool(pairwise)
    make = progress or (lambda total, label: _NoProgress())
    rng = np.random.default_rng(seed)
    dom = doms[0]
    kind = getattr(dom, "kind", None)  # the domain itself is checked by the statistics below
    pm_cube = len(doms) == 1 and kind == "cube" and (dom.lo, dom.hi) == (-1.0, 1.0)
    notes: list[str] = []

    def run(total: int | None, label: str, fn):
        bar = make(total, label)
        try:
            return fn(bar.advance)
        finally:
            bar.close()

    if pm_cube and dom.n <= exact_limit:
        sel = select_output(block, output)
        bar_points, bar_edges = make(dom.size, "enumerate"), make(dom.n, "edges")
        try:
            an = analyse(block, output, pairwise=pairwise, max_n=exact_limit, progress=bar_points.advance,
                         edge_progress=bar_edges.advance)
        finally:
            bar_points.close()
            bar_edges.close()
        # the edge pass already ran inside analyse; stats reuse both tables
        stats = stats_from_table(an.table, an.edges)
        eps = eps_rel * an.spectrum.energy if an.spectrum.energy > 0 else eps_rel
        theory = check_analysis(an, eps=eps, delta=delta)
        if an.table.redecided:
            notes.append(f"{an.table.redecided} activity decisions were within rounding of 0 and re-decided exactly")
        return Profile(block, repr(dom), "exact", sel, stats, an.spectrum, theory,
                       eps_rel=eps_rel, delta=delta, notes=tuple(notes))
    if pm_cube:
        sel = select_output(block, output)
        notes.append(f"n = {dom.n} > {exact_limit}: Monte Carlo estimates (raise --exact-limit up to {MAX_EXACT_N}"
                     " for exact analysis); the max active count is a lower bound; sparse influence bounds need a"
                     " proven k (sparsecert maxact), so only the dense bounds are compared")
        stats = run(samples, "sample", lambda adv: sampled_activation_stats(
            block, dom, samples=samples, delta=delta, rng=rng, pairwise=pairwise, progress=adv))
        try:
            infl = run(influence_samples, "influence", lambda adv: estimate_influences(
                block, output, samples=influence_samples, delta=delta, rng=rng, with_q=True, progress=adv))
            ld = estimate_low_degree(block, output, degree=1, samples=samples, delta=delta, rng=rng)
        except UnsupportedActivation as exc:  # no proven output range: no valid interval
            infl = ld = None
            notes.append(f"no influence estimate: {exc}")
        return Profile(block, repr(dom), "monte carlo", sel, stats, influence_mc=infl,
                       low_degree_mc=ld, eps_rel=eps_rel, delta=delta, notes=tuple(notes))
    sel = None if output is None else select_output(block, output)
    notes.append("The spectral bounds of docs/theory.md are for the ±1 cube; on this domain only activation statistics are"
                 " reported")
    enumerable = len(doms) == 1 and (kind == "points" or (kind == "cube" and dom.n <= exact_limit))
    if enumerable:
        size = dom.size
        stats = run(size, "enumerate", lambda adv: exact_activation_stats(
            block, dom, pairwise=pairwise, max_n=exact_limit, progress=adv))
        mode = "exact"
    else:
        if kind == "cube":
            notes.append(f"n = {dom.n} > {exact_limit}: sampled; the max active count is a lower bound")
        stats = run(samples, "sample", lambda adv: sampled_activation_stats(
            block, doms, samples=samples, delta=delta, rng=rng, pairwise=pairwise, progress=adv))
        mode = "monte carlo"
    return Profile(block, stats.domain, mode, sel, stats, eps_rel=eps_rel, delta=delta, notes=tuple(notes))


def needed_samples_note(stats: ActivationStats, half_width: float = 0.01) -> str:
    """The Hoeffding sample size for every rate within ±half_width simultaneously."""
    from .intervals import hoeffding_sample_size

    delta = stats.rate_intervals.delta if stats.rate_intervals is not None else 0.05
    N = hoeffding_sample_size(1.0, half_width, delta / stats.s)
    return (f"every p_i within ±{half_width:g} at {100 * (1 - delta):g}% (simultaneous Hoeffding) needs"
            f" N = {N} samples")
