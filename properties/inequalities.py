"""Every inequality of docs/theory.md §2-§4 as an executable check on a concrete block.

A :class:`Check` holds both sides, the relation, whether it holds and the slack. The
sides are float64 sums over an exact enumeration, so a comparison allows a relative
tolerance of 1e-9 (plus 1e-12 of the problem's natural scale for sides near 0); a
violation beyond that on a valid block is a bug somewhere, and the tests hunt for it.

The bounds of docs/theory.md are for the ±1 cube: the spectral checks refuse any other domain.
Which theorem applies depends on the activation: A1 for relu, A2 for step; Lemma B,
the degree chain's first link and §4 hold for every function.
Labels follow docs/theory.md: [DERIVED] for A1/A2/C2, [STANDARD] for Lemma B, Parseval and C1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sparsecert.sparse_models import MLPBlock
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument

from .cube_table import MAX_EXACT_N, Progress
from .fourier import Spectrum, binomial_count
from .measures import ExactAnalysis, InstanceMeasures, analyse

RTOL = 1e-9
ATOL_SCALE = 1e-12


@dataclass(frozen=True)
class Check:
    """One inequality (or identity) with both sides evaluated on a concrete block."""

    name: str
    section: str
    label: str
    lhs_name: str
    lhs: float
    relation: str
    rhs_name: str
    rhs: float
    holds: bool
    slack: float
    tolerance: float
    detail: str = ""

    @property
    def ratio(self) -> float:
        """lhs / rhs (a tightness diagnostic; nan when rhs is 0)."""
        return self.lhs / self.rhs if self.rhs else math.nan

    @property
    def status(self) -> str:
        return "holds" if self.holds else "VIOLATED"

    def as_dict(self) -> dict:
        return {"name": self.name, "section": self.section, "label": self.label, "lhs_name": self.lhs_name,
                "lhs": self.lhs, "relation": self.relation, "rhs_name": self.rhs_name, "rhs": self.rhs,
                "holds": self.holds, "slack": self.slack, "ratio": self.ratio, "tolerance": self.tolerance,
                "detail": self.detail}


def leq(name: str, section: str, label: str, lhs_name: str, lhs: float, rhs_name: str, rhs: float,
        scale: float = 0.0, detail: str = "") -> Check:
    """lhs <= rhs within RTOL relative (and ATOL_SCALE * scale absolute)."""
    lhs, rhs = float(lhs), float(rhs)
    tol = RTOL * max(abs(lhs), abs(rhs)) + ATOL_SCALE * abs(scale)
    return Check(name, section, label, lhs_name, lhs, "<=", rhs_name, rhs, lhs <= rhs + tol, rhs - lhs, tol, detail)


def equal(name: str, section: str, label: str, lhs_name: str, lhs: float, rhs_name: str, rhs: float,
          scale: float = 0.0, detail: str = "") -> Check:
    lhs, rhs = float(lhs), float(rhs)
    tol = RTOL * max(abs(lhs), abs(rhs)) + ATOL_SCALE * abs(scale)
    return Check(name, section, label, lhs_name, lhs, "==", rhs_name, rhs, abs(lhs - rhs) <= tol,
                 0.0 - abs(lhs - rhs), tol, detail)


def int_leq(name: str, section: str, label: str, lhs_name: str, lhs: int, rhs_name: str, rhs: int,
            detail: str = "") -> Check:
    return Check(name, section, label, lhs_name, float(lhs), "<=", rhs_name, float(rhs), lhs <= rhs,
                 float(rhs - lhs), 0.0, detail)


# §1 facts -------------------------------------------------------------------------------------------
def section1_checks(m: InstanceMeasures) -> list[Check]:
    """sum p_i = E|A| <= k, q_ij <= min(1, 2 p_i) (worst pair), F <= the §1 bound."""
    out = [leq("E|A| <= k", "§1", "[STANDARD]", "sum_i p_i", float(m.p.sum()), "k", m.k, m.s)]
    if m.q.size:
        cap = np.minimum(1.0, 2.0 * m.p)[:, None]
        worst = np.unravel_index(int(np.argmax(m.q - cap)), m.q.shape)
        out.append(leq("q_ij <= min(1, 2 p_i)", "§1", "[DERIVED]", f"q[{worst[0]},{worst[1]}]", m.q[worst],
                       f"min(1, 2 p_{worst[0]})", cap[worst[0], 0], 1.0, "the tightest (i, j) of all s*n pairs"))
    if m.F_bound is not None:
        out.append(leq("F <= §1 bound", "§1", "[DERIVED]", "max|f|", m.F, "min(k,s) B_a (...) + |b2|",
                       m.F_bound, m.F_bound))
    return out


# §2 A1 (relu) -----------------------------------------------------------------------------------------
def relu_chain(m: InstanceMeasures) -> list[Check]:
    """Theorem A1: I <= B0 <= B1 <= B2 <= B3 <= min(B4, B5) <= 4k^2 Lambda^2, and the dense I <= s sum c_i."""
    sc = m.dense
    sec, lab = "§2 A1", "[DERIVED]"
    return [
        leq("I <= B0", sec, lab, "I", m.I, "B0", m.B0, sc),
        leq("B0 <= B1", sec, lab, "B0", m.B0, "B1", m.B1, sc),
        leq("B1 <= B2", sec, lab, "B1", m.B1, "B2", m.B2, sc),
        leq("B2 <= B3", sec, lab, "B2", m.B2, "B3", m.B3, sc),
        leq("B3 <= B4", sec, lab, "B3", m.B3, "B4 = 4k sum p_i c_i", m.B4, sc),
        leq("B3 <= B5", sec, lab, "B3", m.B3, "B5 = min(2k,s)^2 Lambda^2", m.B5, sc),
        leq("min(B4,B5) <= 4k^2 Lambda^2", sec, lab, "min(B4, B5)", min(m.B4, m.B5), "4k^2 Lambda^2", m.cap, sc),
        leq("I <= s sum c_i (dense)", sec, lab, "I", m.I, "s sum_i c_i", m.dense, sc),
        leq("s sum c_i <= s^2 Lambda^2", sec, lab, "s sum_i c_i", m.dense, "s^2 Lambda^2", m.dense_cap, sc),
    ]


# §2 A2 (step) -----------------------------------------------------------------------------------------
def step_chain(m: InstanceMeasures) -> list[Check]:
    """Theorem A2: I <= min(2k,s)/4 sum a_i^2 AS_i, AS_i <= 2 sqrt(n p_i (1-p_i)), AS_i <= 2 n p_i, and the corollaries."""
    sec, lab = "§2 A2", "[DERIVED]"
    sc = max(m.step_dense_cap, m.energy)
    out = [
        leq("I <= min(2k,s)/4 sum a_i^2 AS_i", sec, lab, "I", m.I, "min(2k,s)/4 sum a_i^2 AS_i", m.step_main, sc),
    ]
    n = m.n
    sqrt_cap = 2.0 * np.sqrt(n * m.p * (1.0 - m.p))
    lin_cap = 2.0 * n * m.p
    for cap, name, rhs_name in ((sqrt_cap, "AS_i <= 2 sqrt(n p_i (1-p_i))", "2 sqrt(n p_i (1-p_i))"),
                                (lin_cap, "AS_i <= 2 n p_i", "2 n p_i")):
        i = int(np.argmax(m.AS - cap))
        out.append(leq(name, sec, lab, f"AS_{i}", m.AS[i], rhs_name.replace("_i", f"_{i}"), cap[i], 2.0 * n,
                       "the tightest unit of all s"))
    out.append(leq("A2 bound <= corollary", sec, lab, "min(2k,s)/4 sum a_i^2 AS_i", m.step_main,
                   "min(2k,s)/2 B_a^2 min(nk, sqrt(n) sum sqrt(p_i(1-p_i)))", m.step_corollary, sc))
    if m.step_half is not None:
        out.append(leq("corollary <= k B_a^2 min(nk, sqrt(nsk)) (k <= s/2)", sec, lab, "corollary",
                       m.step_corollary, "k B_a^2 min(nk, sqrt(nsk))", m.step_half, sc))
    out.append(leq("I <= dense step bound", sec, lab, "I", m.I, "s/2 B_a^2 sqrt(n) sum sqrt(p_i(1-p_i))",
                   m.step_dense, sc))
    out.append(leq("dense step bound <= s^2 sqrt(n) B_a^2 / 4", sec, lab, "s/2 B_a^2 sqrt(n) sum sqrt(p(1-p))",
                   m.step_dense, "s^2 sqrt(n) B_a^2 / 4", m.step_dense_cap, sc))
    return out


# §1/§3 spectral facts ----------------------------------------------------------------------------------
def spectral_checks(spec: Spectrum, values: np.ndarray | None = None) -> list[Check]:
    """Parseval (when the value table is at hand) and the two forms of the influence."""
    out = []
    if values is not None:
        ef2 = float(np.mean(np.asarray(values) ** 2))
        out.append(equal("Parseval", "§1", "[STANDARD]", "sum_S f^(S)^2", spec.energy, "E[f^2]", ef2, ef2))
    out.append(equal("I = sum_j Inf_j", "§1", "[STANDARD]", "sum_S |S| f^(S)^2", spec.total_influence,
                     "sum_j Inf_j", float(spec.influences.sum()), spec.energy))
    return out


def lemma_b(spec: Spectrum) -> Check:
    """Lemma B: W^{>d} <= I/(d+1) for every d >= 0 (the tightest d is reported)."""
    I = spec.total_influence
    d = np.arange(spec.n + 1)
    lhs = spec.tail_weights
    rhs = I / (d + 1)
    tol = RTOL * np.maximum(np.abs(lhs), np.abs(rhs)) + ATOL_SCALE * spec.energy
    bad = lhs > rhs + tol
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rhs > 0, lhs / np.where(rhs > 0, rhs, 1.0), np.where(lhs > 0, np.inf, 0.0))
    worst = int(np.flatnonzero(bad)[0]) if bad.any() else int(np.argmax(ratio))
    return Check("W^{>d} <= I/(d+1), all d", "§3 Lemma B", "[STANDARD]", f"W^{{>{worst}}}", float(lhs[worst]),
                 "<=", f"I/{worst + 1}", float(rhs[worst]), not bad.any(), float(rhs[worst] - lhs[worst]),
                 float(tol[worst]), f"all d = 0..{spec.n}; {int(bad.sum())} violated; shown: the tightest d")


def degree_for(bound: float, eps: float) -> int:
    """d(eps) = max(0, ceil(bound/eps) - 1) (docs/theory.md §3), with a 1e-9 relative allowance for rounding."""
    x = float(bound) / float(eps)
    return max(0, math.ceil(x - RTOL * max(1.0, abs(x))) - 1)


def degree_chain(spec: Spectrum, eps: float, bounds: list[tuple[str, float]]) -> list[Check]:
    """d_exact(eps) <= d(I) <= d(bound_1) <= ... (``bounds`` in the order of their chain, I first)."""
    eps = as_finite_float("eps", eps)
    if eps <= 0:
        raise InvalidArgument(f"eps must be > 0, got {eps}")
    d_exact = spec.min_degree(eps, rtol=10 * RTOL)
    out = []
    prev_name, prev = "d_exact", d_exact
    for name, value in bounds:
        d = degree_for(value, eps)
        out.append(int_leq(f"{prev_name} <= d({name})", "§3", "[STANDARD]", prev_name, prev, f"d({name})", d,
                           f"eps = {eps:.6g}"))
        prev_name, prev = f"d({name})", d
    return out


# §4 LMN sample sizes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LMNSizes:
    """Theorems C1/C2 (docs/theory.md §4): samples for ||h - f||^2 <= W^{>d} + eps_est with probability >= 1 - delta."""

    source: str
    n: int
    d: int
    N_d: int
    F: float
    eps_tail: float
    eps_est: float
    delta: float
    m_C1: int
    m_C2: int
    m_C1_real: float
    m_C2_real: float

    @property
    def m(self) -> int:
        """min(m_C1, m_C2): both are valid."""
        return min(self.m_C1, self.m_C2)

    @property
    def time(self) -> int:
        """O(m N_d) arithmetic operations."""
        return self.m * self.N_d

    def as_dict(self) -> dict:
        return {**self.__dict__, "m": self.m, "time": self.time,
                "labels": {"C1": "[STANDARD; LMN 1993, constants derived]", "C2": "[DERIVED]"}}


def lmn_sample_sizes(n: int, d: int, F: float, eps_est: float, delta: float, *, source: str = "",
                     eps_tail: float = math.nan) -> LMNSizes:
    """m_C1 = ceil(2F^2 N_d/eps ln(2N_d/delta)), m_C2 = ceil(F^2 N_d (1 + sqrt(2 ln(1/delta)))^2 / eps).

    The sample sizes of Theorems C1 and C2 (docs/theory.md §4) for learning the degree-d part
    of f, |f| <= F, to error eps_est with probability at least 1 - delta; N_d = sum_{i<=d} C(n, i).

    Parameters
    ----------
    n : int
        Input dimension.
    d : int
        Degree of the low-degree algorithm.
    F : float
        Bound on |f| (>= 0).
    eps_est : float
        Estimation error (> 0).
    delta : float
        Failure probability, in (0, 1).
    source : str, default ""
        A label for the report (where ``d`` came from).
    eps_tail : float, default nan
        W^{>d}, when known (reported, not used).

    Returns
    -------
    LMNSizes
        ``N_d``, ``m_C1`` and ``m_C2`` (rounded up, at least 1) and their real values.

    Raises
    ------
    InvalidArgument
        A bad count, F < 0, eps_est <= 0 or delta outside (0, 1).

    Examples
    --------
    >>> from sparsecert.properties import lmn_sample_sizes
    >>> sizes = lmn_sample_sizes(10, 2, 1.0, 0.1, 0.05)
    >>> sizes.N_d, sizes.m_C1, sizes.m_C2
    (56, 8640, 6657)
    """
    n = as_count("n", n, low=1)
    d = as_count("d", d, low=0)
    F = as_finite_float("F", F)
    eps_est = as_finite_float("eps_est", eps_est)
    delta = as_finite_float("delta", delta)
    if F < 0 or eps_est <= 0 or not 0 < delta < 1:
        raise InvalidArgument(f"need F >= 0, eps_est > 0 and 0 < delta < 1; got {F}, {eps_est}, {delta}")
    Nd = binomial_count(n, d)
    c1 = 2.0 * F * F * Nd / eps_est * math.log(2.0 * Nd / delta)
    c2 = F * F * Nd * (1.0 + math.sqrt(2.0 * math.log(1.0 / delta))) ** 2 / eps_est
    return LMNSizes(source, n, d, Nd, F, eps_tail, eps_est, delta, max(1, math.ceil(c1)), max(1, math.ceil(c2)),
                    c1, c2)


def lmn_checks(sizes: LMNSizes) -> list[Check]:
    """N_d <= (en/d)^d (1 <= d <= n) and: m_C2 <= m_C1 exactly when N_d >= exp(sqrt(2 ln(1/delta)) + 1/2 - ln 2)."""
    out = []
    n, d, Nd = sizes.n, sizes.d, sizes.N_d
    if 1 <= d <= n:
        out.append(leq("N_d <= (en/d)^d", "§4", "[STANDARD]", f"N_{d}", Nd, "(en/d)^d", (math.e * n / d) ** d))
    thr = math.exp(math.sqrt(2.0 * math.log(1.0 / sizes.delta)) + 0.5 - math.log(2.0))
    # m_C2 / m_C1 = (1 + sqrt(2 ln(1/delta)))^2 / (2 ln(2 N_d / delta)): F, N_d and eps cancel
    factor_c1 = 2.0 * math.log(2.0 * Nd / sizes.delta)
    factor_c2 = (1.0 + math.sqrt(2.0 * math.log(1.0 / sizes.delta))) ** 2
    c2_wins = factor_c2 <= factor_c1 * (1 + RTOL)
    predicted = Nd >= thr * (1 - RTOL)
    out.append(Check("m_C2 <= m_C1 iff N_d >= threshold", "§4 C2", "[DERIVED]", "N_d", float(Nd), "iff",
                     "exp(sqrt(2 ln(1/delta)) + 1/2 - ln 2)", thr, c2_wins == predicted,
                     float(Nd) - thr, RTOL, f"m_C2/m_C1 = {factor_c2 / factor_c1:.4g} (unrounded)"))
    return out


# the whole report -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TheoryReport:
    """All checks for one block output on {-1,1}^n, with the LMN sample sizes."""

    analysis: ExactAnalysis
    checks: tuple[Check, ...]
    lmn: tuple[LMNSizes, ...]
    eps: float
    delta: float
    d_exact: int
    applicable: str

    @property
    def measures(self) -> InstanceMeasures:
        return self.analysis.measures

    @property
    def violations(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.holds)

    @property
    def ok(self) -> bool:
        return not self.violations


def influence_chain(m: InstanceMeasures) -> list[tuple[str, float]]:
    """The bounds on I that apply to this activation, in chain order, I first (for the degree chain)."""
    if m.activation == "relu":
        return [("I", m.I), ("B0", m.B0), ("B1", m.B1), ("B2", m.B2), ("B3", m.B3), ("B4", m.B4)]
    if m.activation == "step":
        return [("I", m.I), ("A2 step", m.step_main), ("A2 corollary", m.step_corollary)]
    return [("I", m.I)]


def check_analysis(an: ExactAnalysis, *, eps: float, delta: float = 0.1) -> TheoryReport:
    """Run every applicable check on an :class:`ExactAnalysis` (eps absolute, the total L2^2 budget of §4)."""
    eps = as_finite_float("eps", eps)
    if eps <= 0:
        raise InvalidArgument(f"eps must be > 0, got {eps}")
    delta = as_finite_float("delta", delta)
    if not 0 < delta < 1:
        raise InvalidArgument(f"delta must lie strictly between 0 and 1, got {delta}")
    m, spec = an.measures, an.spectrum
    checks: list[Check] = []
    checks += section1_checks(m)
    checks += spectral_checks(spec, an.table.values)
    checks.append(equal("I spectral = I edge formula", "§2 check 1", "[STANDARD]", "sum_S |S| f^(S)^2", m.I,
                        "sum_j E[(f(x)-f(x^j))^2]/4", m.I_edge, max(m.dense, m.energy)))
    if m.activation == "relu":
        applicable = "relu: Theorem A1 [DERIVED]"
        checks += relu_chain(m)
    elif m.activation == "step":
        applicable = "step: Theorem A2 [DERIVED]"
        checks += step_chain(m)
    else:
        applicable = (f"{m.activation}: A1/A2 do not apply (they need relu or step units);"
                      " only Lemma B, the degree and the LMN checks are run")
    checks.append(lemma_b(spec))
    chain = influence_chain(m)
    checks += degree_chain(spec, eps, chain)
    if m.activation == "relu":  # B3 <= B5 also gives d(B3) <= d(B5): the second branch of the chain
        checks.append(int_leq("d(B3) <= d(B5)", "§3", "[STANDARD]", "d(B3)", degree_for(m.B3, eps), "d(B5)",
                              degree_for(m.B5, eps), f"eps = {eps:.6g}"))
    # §4 / §7.5: sizes from each available influence bound (tail eps/2, estimation eps/2), and the d_exact variant
    lmn: list[LMNSizes] = []
    sources = [("I", m.I)]
    if m.activation == "relu":
        sources += [("B3", m.B3), ("B5", m.B5)]
    elif m.activation == "step":
        sources += [("A2 step", m.step_main)]
    for name, value in sources:
        d = degree_for(value, eps / 2.0)
        lmn.append(lmn_sample_sizes(m.n, d, m.F, eps / 2.0, delta, source=f"d from {name}", eps_tail=eps / 2.0))
    d_exact = spec.min_degree(eps / 2.0, rtol=10 * RTOL)
    tail = spec.tail_weight(d_exact)
    if eps - tail > 0:
        lmn.append(lmn_sample_sizes(m.n, d_exact, m.F, eps - tail, delta, source="d_exact, eps_tail = W^{>d}",
                                    eps_tail=tail))
    seen = set()
    for sz in lmn:
        if (sz.N_d, sz.eps_est) not in seen:
            seen.add((sz.N_d, sz.eps_est))
            checks += lmn_checks(sz)
    return TheoryReport(an, tuple(checks), tuple(lmn), eps, delta, spec.min_degree(eps, rtol=10 * RTOL), applicable)


def check_block(block: MLPBlock, output: int | None = None, *, eps: float | None = None, eps_rel: float = 0.1,
                delta: float = 0.1, max_n: int = MAX_EXACT_N, pairwise: bool = False,
                progress: Progress | None = None) -> TheoryReport:
    """Enumerate {-1,1}^n (n <= max_n <= 22) and check every docs/theory.md §2-§4 inequality for one output.

    ``eps`` is absolute; by default it is eps_rel * E[f^2] (docs/theory.md §4's scale caveat), or
    eps_rel itself when f = 0.

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    eps : float or None, default None
        Absolute estimation error of the LMN sample sizes (None: from ``eps_rel``).
    eps_rel : float, default 0.1
        eps relative to E[f^2] (> 0).
    delta : float, default 0.1
        Failure probability of the LMN sample sizes.
    max_n : int, default 22
        The largest n enumerated.
    pairwise : bool, default False
        Also tabulate pairwise co-activation.
    progress : callable or None, default None
        Called with the number of points done after each chunk.

    Returns
    -------
    TheoryReport
        ``checks`` (one :class:`Check` per inequality: both sides, ``holds``, ``slack``),
        ``violations``, ``ok``, ``lmn`` (:class:`LMNSizes` for each degree rule), ``d_exact``
        and the underlying ``analysis`` / ``measures``.

    Raises
    ------
    InvalidArgument
        A bad ``output``, ``eps_rel`` or ``delta``.
    DomainError
        ``block.n > max_n``.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import check_block
    >>> report = check_block(parity_block(4, [0, 1]))
    >>> report.ok, report.d_exact, report.measures.k
    (True, 2, 1)
    """
    an = analyse(block, output, pairwise=pairwise, max_n=max_n, progress=progress)
    if eps is None:
        eps_rel = as_finite_float("eps_rel", eps_rel)
        if eps_rel <= 0:
            raise InvalidArgument(f"eps_rel must be > 0, got {eps_rel}")
        eps = eps_rel * an.spectrum.energy if an.spectrum.energy > 0 else eps_rel
    return check_analysis(an, eps=eps, delta=delta)
