"""The registry of named bounds: each entry is a docs/theory.md statement as a sympy expression.

An entry records its expression, parameters, label ([STANDARD], [DERIVED], [PAPER, 2nd-hand],
[THIRD-PARTY]), premises (checked at evaluation) and stated assumptions (printed, not
checkable from numbers), the docs/theory.md section, and for derived entries the chain of
substitutions from the entries it is built from. Evaluation lives in ``operations``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument

from . import formulas as fm
from .premises import Premise, premise_fn
from .symbols import SYMBOLS, F, d, delta, epsilon, k, m, n, s, t

LABELS = ("[STANDARD]", "[DERIVED]", "[PAPER, 2nd-hand]", "[THIRD-PARTY]")
RELU, STEP = frozenset({"relu"}), frozenset({"step"})
RELU_OR_STEP = frozenset({"relu", "step"})


@dataclass(frozen=True)
class Search:
    """An entry defined as the smallest whole ``variable`` >= 1 with ``criterion <= target``.

    The criterion must be non-increasing in the variable (checked by the theory, stated in
    the entry), so doubling then bisection finds the smallest value.
    """

    variable: sp.Symbol
    criterion: sp.Expr
    target: sp.Symbol


@dataclass(frozen=True)
class Bound:
    """One named bound. ``expr`` is in the Symbols of :mod:`.symbols`; for a :class:`Search`
    entry it is the criterion, and the value is the smallest whole variable meeting it."""

    name: str
    expr: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    label: str
    premises: tuple[Premise, ...]
    section: str
    derived_from: tuple[str, ...]
    description: str
    quantity: str
    direction: str = "upper"  # "upper", "lower" or "threshold"
    activations: frozenset[str] | None = None  # None: any activation (the bound only uses F)
    domain: str = "any"  # "cube": a statement about f on {-1,1}^n (Fourier analysis); "any": radius-R domains
    stated: tuple[str, ...] = ()
    substitutions: tuple[str, ...] = ()
    output: sp.Symbol | None = None  # the parameter the value stands for (m for a sample size)
    search: Search | None = None

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(x.name for x in self.symbols)

    @property
    def activation_text(self) -> str:
        if self.activations is None:
            return "any activation (uses only the bound F on |f|)"
        return " or ".join(sorted(self.activations)) + " units only"


def _ordered(syms: Iterable[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    order = {spec.symbol: i for i, spec in enumerate(SYMBOLS.values())}
    found = set(syms)
    unknown = [x for x in found if x not in order]
    if unknown:
        raise AssertionError(f"expression uses symbols outside the registry: {unknown}")
    return tuple(sorted(found, key=order.__getitem__))


K_LE_S = Premise("k <= s", k <= s, "a network of width s has at most s active units, so the class needs k <= s")
M_GE_N1 = Premise("m >= n + 1", m >= n + 1,
                  "Sauer's bound (em/(n+1))^(n+1) on halfspace-realizable sets needs m >= n+1 (docs/theory.md §6 E3);"
                  " below it use rademacher_dense or rademacher_envelope")
T_LE_N = Premise("t <= n", t <= n, "the parities are on t of the n input bits")
EPS_LT_1 = Premise("epsilon < 1", epsilon < 1, "the classification error epsilon must lie in (0, 1)")
CUBE = "inputs are the hypercube {-1,1}^n and f is k-sparsely activated on all of it"
FIXED = ("the class (k and the domain X_0) is fixed before the sample is drawn; a k read off the data needs"
         " delta replaced by delta/s (docs/theory.md §6 E8)")


def _premises(syms: tuple[sp.Symbol, ...], extra: tuple[Premise, ...]) -> tuple[Premise, ...]:
    out = list(extra)
    if k in syms and s in syms and all(p.name != "k <= s" for p in extra):
        out.insert(0, K_LE_S)
    return tuple(out)


def _entry(name: str, expr: sp.Expr, *, label: str, section: str, description: str, quantity: str,
           premises: tuple[Premise, ...] = (), derived_from: tuple[str, ...] = (), search: Search | None = None,
           **kw) -> Bound:
    assert label in LABELS, label
    found = set(expr.free_symbols) if search is None else (expr.free_symbols - {search.variable}) | {search.target}
    for p in premises:
        found |= p.symbols
    syms = _ordered(found)
    return Bound(name=name, expr=expr, symbols=syms, label=label, premises=_premises(syms, premises),
                 section=section, derived_from=derived_from, description=description, quantity=quantity,
                 search=search, **kw)


def _build() -> dict[str, Bound]:
    e = epsilon
    entries: list[Bound] = []
    add = entries.append

    # ---- §2 influence -------------------------------------------------------------------------
    add(_entry("influence_sparse_relu", domain="cube",
               expr=fm.I_sparse, label="[DERIVED]", section="§2 Theorem A1 (B5)",
               description="Total influence of a k-sparse ReLU network: I[f] <= min(2k,s)^2 B_a^2 B_w^2"
                           " (= 4k^2 Lambda^2 for k <= s/2). Dimension-free in n for fixed ||w_i||_2.",
               quantity="total influence I[f] on {-1,1}^n", activations=RELU, stated=(CUBE,)))
    add(_entry("influence_dense_relu", domain="cube",
               expr=fm.I_dense, label="[DERIVED]", section="§2 Theorem A1, dense comparison",
               description="Dense comparison without sparsity: I[f] <= s sum_i c_i <= s^2 B_a^2 B_w^2"
                           " (not 4 s^2: see the correction in §2).",
               quantity="total influence I[f] on {-1,1}^n", activations=RELU,
               stated=("inputs are the hypercube {-1,1}^n",)))
    add(_entry("influence_step", domain="cube",
               expr=fm.I_step, label="[DERIVED]", section="§2 Theorem A2",
               description="Total influence of a k-sparse step-unit network:"
                           " (min(2k,s)/2) B_a^2 min(nk, sqrt(n) min(sqrt(sk), s/2)); unlike ReLU it has a"
                           " sqrt(n) (a single threshold unit, majority, has influence Theta(sqrt(n))).",
               quantity="total influence I[f] on {-1,1}^n", activations=STEP, stated=(CUBE,)))

    # ---- §3 and §4: degree and the low-degree algorithm -----------------------------------------
    add(_entry("lmn_degree", domain="cube",
               expr=fm.degree(fm.I_sparse, e), label="[DERIVED]", section="§3 Lemma B with §2 A1",
               description="Degree d(eps) = max(0, ceil(I/eps) - 1) with I = influence_sparse_relu, so that the"
                           " Fourier tail W^{>d}[f] <= I/(d+1) <= eps. Here epsilon is the TAIL budget.",
               quantity="degree d with W^{>d}[f] <= epsilon", activations=RELU, stated=(CUBE,),
               derived_from=("influence_sparse_relu",), output=d,
               substitutions=("I := influence_sparse_relu", "d := max(0, ceiling(I/epsilon) - 1)")))
    mc1 = fm.m_C1(F, fm.Nd_nd, e, delta)
    mc2 = fm.m_C2(F, fm.Nd_nd, e, delta)
    nd_sub = "N_d := sum_{i=0}^{min(d,n)} binomial(n, i)"
    add(_entry("lmn_samples_hoeffding", domain="cube",
               expr=mc1, label="[STANDARD]", section="§4 Theorem C1 (LMN 1993)",
               description="Low-degree algorithm, Hoeffding + union bound: m >= 2 F^2 N_d/eps ln(2 N_d/delta)"
                           " gives estimation error <= eps with probability >= 1 - delta. Here epsilon is the"
                           " ESTIMATION budget; the smallest sample size is the ceiling.",
               quantity="samples m", stated=("x uniform on {-1,1}^n and |y| <= F",), output=m,
               substitutions=(nd_sub,)))
    add(_entry("lmn_samples_mcdiarmid", domain="cube",
               expr=mc2, label="[DERIVED]", section="§4 Theorem C2",
               description="Low-degree algorithm, vector McDiarmid (no ln N_d): m >= F^2 N_d (1 + sqrt(2 ln(1/delta)))^2"
                           "/eps. Smaller than C1 exactly when N_d >= exp(sqrt(2 ln(1/delta)) + 1/2 - ln 2)."
                           " epsilon is the ESTIMATION budget.",
               quantity="samples m", stated=("x uniform on {-1,1}^n and |y| <= F",), output=m,
               substitutions=(nd_sub,)))
    add(_entry("lmn_samples", domain="cube",
               expr=sp.Min(mc1, mc2), label="[DERIVED]", section="§4 Theorems C1 and C2",
               description="m = min(m_C1, m_C2): both are valid, report the smaller. epsilon is the ESTIMATION budget.",
               quantity="samples m", stated=("x uniform on {-1,1}^n and |y| <= F",), output=m,
               derived_from=("lmn_samples_hoeffding", "lmn_samples_mcdiarmid"),
               substitutions=(nd_sub, "m := min(lmn_samples_hoeffding, lmn_samples_mcdiarmid)")))

    # ---- §4 Corollary C3: end to end ------------------------------------------------------------
    add(_entry("sup_norm_relu", domain="cube",
               expr=fm.F_relu, label="[DERIVED]", section="§1 (sup |f| on the cube)",
               description="F = sup |f| <= min(k,s) B_a (sqrt(n) B_w + B_b) on {-1,1}^n (R = sqrt(n)).",
               quantity="sup_x |f(x)|", activations=RELU, stated=(CUBE,)))
    d_c3 = fm.degree(fm.I_sparse, e / 2)
    nd_c3 = fm.N_d(n, d_c3)
    m_c3 = sp.Min(fm.ceiling(fm.m_C1(fm.F_relu, nd_c3, e / 2, delta)),
                  fm.ceiling(fm.m_C2(fm.F_relu, nd_c3, e / 2, delta)))
    c3_chain = ("I := influence_sparse_relu", "F := sup_norm_relu",
                "d := lmn_degree at epsilon/2 (tail budget eps/2)", nd_sub,
                "m := min(ceiling(lmn_samples_hoeffding), ceiling(lmn_samples_mcdiarmid)) at epsilon/2")
    c3_from = ("influence_sparse_relu", "sup_norm_relu", "lmn_degree", "lmn_samples_hoeffding",
               "lmn_samples_mcdiarmid")
    c3_stated = (CUBE, "labels are noiseless (y = f(x)); epsilon is the TOTAL squared-L2 error, split eps/2 + eps/2")
    add(_entry("end_to_end_degree", domain="cube",
               expr=d_c3, label="[DERIVED]", section="§4 Corollary C3",
               description="The degree of Corollary C3: d = max(0, ceil(2 I_max/eps) - 1), so W^{>d} <= eps/2.",
               quantity="degree d", activations=RELU, stated=c3_stated, output=d,
               derived_from=("lmn_degree",), substitutions=c3_chain[:1] + ("d := lmn_degree at epsilon/2",)))
    add(_entry("end_to_end_samples", domain="cube",
               expr=m_c3, label="[DERIVED]", section="§4 Corollary C3",
               description="Samples for learning H(n,s,k) (ReLU, norms B_a, B_w, B_b) to squared-L2 error eps with"
                           " probability >= 1 - delta by the low-degree algorithm.",
               quantity="samples m", activations=RELU, stated=c3_stated, output=m, derived_from=c3_from,
               substitutions=c3_chain))
    add(_entry("end_to_end_time", domain="cube",
               expr=m_c3 * nd_c3, label="[DERIVED]", section="§4 Corollary C3",
               description="Running time O(m N_d) arithmetic operations of the low-degree algorithm (memory O(N_d)),"
                           " with m and d as in end_to_end_samples. The value is m N_d; the O hides a small constant.",
               quantity="arithmetic operations (up to a constant factor)", activations=RELU, stated=c3_stated,
               derived_from=("end_to_end_samples",), substitutions=c3_chain + ("time := m * N_d",)))
    dense_sub = ("k := s (no sparsity: the dense class H(n,s,s))",)
    add(_entry("end_to_end_samples_dense", domain="cube",
               expr=m_c3.xreplace({k: s}), label="[DERIVED]", section="§4 Corollary C3",
               description="end_to_end_samples for the dense class (k = s): n^{O(s^2 B_a^2 B_w^2/eps)} samples.",
               quantity="samples m", activations=RELU, stated=c3_stated[1:] + ("inputs are the hypercube {-1,1}^n",),
               output=m, derived_from=("end_to_end_samples",), substitutions=c3_chain + dense_sub))
    add(_entry("end_to_end_time_dense", domain="cube",
               expr=(m_c3 * nd_c3).xreplace({k: s}), label="[DERIVED]",
               section="§4 Corollary C3",
               description="end_to_end_time for the dense class (k = s).",
               quantity="arithmetic operations (up to a constant factor)", activations=RELU,
               stated=c3_stated[1:] + ("inputs are the hypercube {-1,1}^n",),
               derived_from=("end_to_end_time",), substitutions=c3_chain + ("time := m * N_d",) + dense_sub))

    # ---- §5: SQ lower bound -----------------------------------------------------------------------
    sq_stated = ("the target class is the parities on t of n bits (t = floor(log2 s) puts them in H(n,s,1),"
                 " ReLU or step, docs/theory.md §5 D1)",
                 "the learner is a deterministic SQ algorithm with tolerance tau whose output has L2 norm <= 2")
    add(_entry("sq_queries", domain="cube",
               expr=fm.SQ_regression, label="[DERIVED]", section="§5 Theorem D2 (regression)",
               description="SQ lower bound (the standard orthogonality argument with this note's explicit constants):"
                           " reaching squared error <= 1 - gamma needs q >= tau^2 (C(n,t) - 16/gamma^2) queries."
                           " For SQ algorithms only: noiseless parities are learnable by Gaussian elimination.",
               quantity="statistical queries q", direction="lower", activations=RELU_OR_STEP,
               premises=(T_LE_N,), stated=sq_stated))
    add(_entry("sq_queries_classification", domain="cube",
               expr=fm.SQ_classification, label="[DERIVED]",
               section="§5 Theorem D2 (classification)",
               description="SQ lower bound for classification error <= (1 - gamma)/2: q >= tau^2 (C(n,t) - 1/gamma^2).",
               quantity="statistical queries q", direction="lower", activations=RELU_OR_STEP,
               premises=(T_LE_N,), stated=sq_stated[:1] + ("the learner is a deterministic SQ algorithm",)))
    add(_entry("sq_queries_cube_root", domain="cube",
               expr=fm.SQ_cube_root, label="[DERIVED]", section="§5 Theorem D2, tau = C(n,t)^(-1/3)",
               description="With tolerance tau = C(n,t)^(-1/3): either some query is finer than that, or"
                           " q >= C(n,t)^(1/3) - 16 C(n,t)^(-2/3)/gamma^2 (regression).",
               quantity="statistical queries q", direction="lower", activations=RELU_OR_STEP,
               premises=(T_LE_N,), stated=sq_stated, derived_from=("sq_queries",),
               substitutions=("tau := binomial(n, t)^(-1/3)",)))
    add(_entry("sq_cube_root_lower", domain="cube",
               expr=n ** (t / 6), label="[DERIVED]", section="§5 Theorem D2 (n^{Omega(log s)})",
               description="C(n,t)^(1/3) >= (n/t)^(t/3) >= n^(t/6) when t <= sqrt(n): with t = floor(log2 s) the"
                           " SQ lower bound is n^{Omega(log s)}.",
               quantity="lower bound on C(n,t)^(1/3)", direction="lower",
               premises=(T_LE_N, Premise("t^2 <= n", t**2 <= n, "(n/t)^(t/3) >= n^(t/6) needs t <= sqrt(n)"))))

    # ---- §6: Rademacher -------------------------------------------------------------------------
    rad_stated = ("the domain X_0 lies in the radius-R ball and is fixed before sampling; f is k-sparse on X_0",)
    relu_note = " ReLU only (positive homogeneity and contraction); the step variant is not covered."
    add(_entry("rademacher_dense", fm.Rad_dense, label="[STANDARD]", section="§6 Theorem E1 (Ledoux-Talagrand)",
               description="Neuron-wise bound without sparsity: R_S(H) <= 2 s M/sqrt(m), M = B_a B_w R + B_a B_b." + relu_note,
               quantity="empirical Rademacher complexity R_S(H)", activations=RELU, stated=rad_stated))
    add(_entry("rademacher_envelope", fm.Rad_env, label="[STANDARD]", section="§6 Theorem E1 (envelope)",
               description="Envelope bound R_S(H) <= k M: each active unit is at most M on X_0." + relu_note,
               quantity="empirical Rademacher complexity R_S(H)", activations=RELU, stated=rad_stated))
    add(_entry("rademacher_sparse", fm.Rad_sparse, label="[DERIVED]", section="§6 Theorem E3",
               description="Sparse bound sqrt(sk/m) M (1 + sqrt(pi/2) + sqrt(2 L_m)), L_m = min(m ln 2,"
                           " (n+1) ln(em/(n+1))). Matches the form attributed to the paper's eq. (15); the"
                           " constants are docs/theory.md's own. Beats E1 only when s/k > sparsity_threshold." + relu_note,
               quantity="empirical Rademacher complexity R_S(H)", activations=RELU, stated=rad_stated,
               premises=(M_GE_N1,)))
    add(_entry("rademacher_best", fm.Rad_best, label="[DERIVED]", section="§6 Theorem E3 (with E1)",
               description="R_S(H) <= min{k M, 2 s M/sqrt(m), E3 term}; the E3 term enters only for m >= n+1." + relu_note,
               quantity="empirical Rademacher complexity R_S(H)", activations=RELU, stated=rad_stated,
               derived_from=("rademacher_envelope", "rademacher_dense", "rademacher_sparse"),
               substitutions=("R := min(rademacher_envelope, rademacher_dense, rademacher_sparse if m >= n+1)",)))
    add(_entry("rademacher_lower", fm.Rad_lower, label="[THIRD-PARTY]",
               section="§6 E5 (construction from the follow-up; arithmetic re-checked)",
               description="Matching lower bound: some X_0 and D give E_S R_S >= (B_a B_w R/(2 sqrt 2)) min{k, sqrt(sk/m)},"
                           " so the sqrt(sk) width dependence is necessary." + relu_note,
               quantity="expected Rademacher complexity of the class (worst domain)", direction="lower",
               activations=RELU,
               premises=(Premise("n >= min(floor(s/k), m)",
                                 premise_fn((n, s, k, m), lambda n_, s_, k_, m_: n_ >= min(s_ // k_, m_)),
                                 "the construction places q = min(floor(s/k), m) points on distinct axes"),),
               stated=("X_0 = {R e_1, ..., R e_q} with D uniform on it (the construction's own domain)",)))
    add(_entry("sparsity_threshold", fm.sparsity_threshold, label="[DERIVED]", section="§6 E3, when sparsity helps",
               description="E3 beats E1 iff s/k > ((1 + sqrt(pi/2) + sqrt(2 L_m))/2)^2 (the exact threshold; the"
                           " shortcut (n+1) ln(em/(n+1))/2 understates it).",
               quantity="value of s/k above which rademacher_sparse < rademacher_dense", direction="threshold",
               activations=RELU, premises=(M_GE_N1,), derived_from=("rademacher_sparse", "rademacher_dense"),
               substitutions=("rademacher_sparse < rademacher_dense  <=>  sqrt(sk/m) M f < 2 s M/sqrt(m),"
                              " f = 1 + sqrt(pi/2) + sqrt(2 L_m)", "  <=>  s/k > (f/2)^2")))

    # ---- §6 E6: generalization --------------------------------------------------------------------
    gap = fm.generalization_gap(fm.Rad_best, k)
    gen_stated = ("squared loss with labels |y| <= Y, so c = (kM + Y)^2 and L = 2(kM + Y)",
                  "D is supported on X_0 x [-Y, Y] with X_0 in the radius-R ball; f is k-sparse on all of X_0",
                  FIXED)
    gen_chain = ("R(m) := rademacher_best", "c := (k M + Y)^2, L := 2 (k M + Y)",
                 "gap := 2 L R(m) + 3 c sqrt(ln(2/delta)/(2m))")
    add(_entry("generalization_gap", gap, label="[DERIVED]", section="§6 E6 (Mohri et al. Thm 3.3, Lemma 5.7)",
               description="With probability >= 1 - delta, every h in H has L_D(h) <= L_S(h) + gap. E6 is [STANDARD];"
                           " it is evaluated with the [DERIVED] E3 bound, hence the label." + relu_note,
               quantity="generalization gap L_D(h) - L_S(h) (squared loss)", activations=RELU, stated=gen_stated,
               derived_from=("rademacher_best",), substitutions=gen_chain))
    search_desc = (" Smallest m with generalization_gap(m) <= epsilon, found by doubling and bisection: the gap is"
                   " non-increasing in m (every term of R(m) is, for m >= n+1 as well, and the E3 term only enters"
                   " at m = n+1, where it can only lower the minimum).")
    add(_entry("generalization_sample_size", gap, label="[DERIVED]", section="§6 E6, sample size",
               description="Samples after which the generalization gap of H(n,s,k) is <= epsilon." + search_desc + relu_note,
               quantity="samples m", activations=RELU, stated=gen_stated, output=m,
               derived_from=("generalization_gap",), substitutions=gen_chain + ("m := min{m : gap(m) <= epsilon}",),
               search=Search(m, gap, epsilon)))
    gap_dense = gap.xreplace({k: s})
    add(_entry("generalization_sample_size_dense", gap_dense, label="[DERIVED]", section="§6 E6, sample size",
               description="generalization_sample_size for the dense class H(n,s,s) (k = s)." + search_desc + relu_note,
               quantity="samples m", activations=RELU, stated=gen_stated, output=m,
               derived_from=("generalization_sample_size",),
               substitutions=gen_chain + ("m := min{m : gap(m) <= epsilon}",) + dense_sub,
               search=Search(m, gap_dense, epsilon)))

    # ---- §6 E7: VC -----------------------------------------------------------------------------------
    add(_entry("vc_upper", fm.VC_upper, label="[STANDARD]", section="§6 E7 (Baum-Haussler 1989)",
               description="VC dimension of sign outputs of 2-layer step networks: <= 2P log2(eN), P = s(n+2)+1"
                           " parameters, N = s+1 units. Holds for every k: sparsity buys no distribution-free VC"
                           " improvement when the promise is only on a finite domain.",
               quantity="VC dimension", activations=STEP))
    add(_entry("vc_lower", fm.VC_lower, label="[DERIVED]", section="§6 E7 (lower bound)",
               description="VC >= s n already for k = 1 when the sparsity promise is on a finite domain X_0"
                           " (groups of n points around s well-separated directions).",
               quantity="VC dimension", direction="lower", activations=RELU_OR_STEP,
               premises=(Premise("s <= max(n, floor(sqrt(2) e^(n/16)))",
                                 premise_fn((n, s), lambda n_, s_: int(s_) <= fm.packing_size(int(n_))),
                                 "the construction needs s unit vectors with pairwise inner products <= 1/2;"
                                 " n (orthonormal) or floor(sqrt(2) e^(n/16)) (random signs) are guaranteed"),),
               stated=("k = 1 on a finite domain X_0 chosen by the construction",)))
    add(_entry("vc_sample_size", fm.behw_samples(fm.VC_upper), label="[STANDARD]", section="§6 E7 (BEHW 1989)",
               description="Realizable sample size for a consistent learner: max((4/eps) log2(2/delta),"
                           " (8D/eps) log2(13/eps)) with D = vc_upper. The same as for dense networks.",
               quantity="samples m", activations=STEP, premises=(EPS_LT_1,), output=m,
               derived_from=("vc_upper",), substitutions=("D := vc_upper",),
               stated=("classification with sign outputs; a consistent learner",)))
    return {b.name: b for b in entries}


REGISTRY: dict[str, Bound] = _build()

# Sparse entry -> dense counterpart, for ratios and the `bounds compare` table.
SPARSE_DENSE_PAIRS: dict[str, tuple[str, str]] = {
    "influence": ("influence_sparse_relu", "influence_dense_relu"),
    "rademacher": ("rademacher_best", "rademacher_dense"),
    "samples": ("end_to_end_samples", "end_to_end_samples_dense"),
    "generalization": ("generalization_sample_size", "generalization_sample_size_dense"),
}


def get_bound(name: "str | Bound") -> Bound:
    """The registry entry called ``name``; unknown names raise InvalidArgument listing the known ones.

    Parameters
    ----------
    name : str or Bound
        A registry name (see :func:`bound_names`); a :class:`Bound` is returned as it is.

    Returns
    -------
    Bound
        ``expr`` (sympy), ``symbols``, ``label``, ``premises``, ``section`` of docs/theory.md, ``derived_from``.

    Raises
    ------
    InvalidArgument
        An unknown name (the message lists the known ones).

    Examples
    --------
    >>> from sparsecert.properties.bounds import get_bound
    >>> b = get_bound("influence_dense_relu")
    >>> b.expr, b.section
    (B_a**2*B_w**2*s**2, '§2 Theorem A1, dense comparison')
    """
    if isinstance(name, Bound):
        return name
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidArgument(f"unknown bound {name!r}; known bounds: {', '.join(REGISTRY)}") from None


def bound_names() -> tuple[str, ...]:
    """The names of every registry entry, in the registry's order.

    Returns
    -------
    tuple of str
        The keys of :data:`REGISTRY`.

    Examples
    --------
    >>> from sparsecert.properties.bounds import bound_names
    >>> bound_names()[:3]
    ('influence_sparse_relu', 'influence_dense_relu', 'influence_step')
    """
    return tuple(REGISTRY)
