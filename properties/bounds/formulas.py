"""The building blocks of docs/theory.md §8 as sympy expressions in the registry's symbols.

Bounds in the registry are assembled from these pieces, so a derived bound (end to end,
sample size) is literally the substitution of one formula into another.
``N_d(n, d)`` is the number of Fourier coefficients of degree <= d: an exact integer
whenever n and d are numbers (computed in integer arithmetic, not by expanding a Sum).
"""

from __future__ import annotations

import math

import mpmath
import sympy as sp

from .symbols import B_a, B_b, B_w, R, d, delta, epsilon, gamma, k, m, n, s, t, tau

# Above this many binomial terms N_d is computed in 40-digit floating point instead of exactly.
EXACT_ND_TERMS = 20_000


def binomial_prefix_sum(n_: int, d_: int) -> int:
    """sum_{i=0}^{min(d,n)} C(n, i) in exact integer arithmetic."""
    top = min(d_, n_)
    if top == n_:
        return 1 << n_
    total, term = 0, 1
    for i in range(top + 1):
        total += term
        term = term * (n_ - i) // (i + 1)
    return total


def _binomial_prefix_float(n_: int, d_: int) -> mpmath.mpf:
    """The same sum (d < n) in 40-digit floating point, summed downward from C(n, d).

    For d < n/2 the terms shrink at least geometrically below the top; for d >= n/2 the
    sum is 2^n minus the mirror-image prefix sum up to n-d-1, which is computed the same way.
    """
    with mpmath.workdps(45):
        if 2 * d_ >= n_:
            return mpmath.mpf(2) ** n_ - _binomial_prefix_float(n_, n_ - d_ - 1)
        term = mpmath.binomial(n_, d_)
        total = mpmath.mpf(0)
        i = d_
        while i >= 0 and term > total * mpmath.mpf(10) ** -44:
            total += term
            term = term * i / (n_ - i + 1)
            i -= 1
        return total


class N_d(sp.Function):
    """N_d(n, d) = sum_{i=0}^{min(d,n)} binomial(n, i): the monomials of degree <= d (docs/theory.md §4)."""

    nargs = 2

    @classmethod
    def eval(cls, n_arg, d_arg):  # noqa: D102 (sympy hook)
        if n_arg.is_Integer and d_arg.is_Integer and n_arg >= 0 and d_arg >= 0:
            nn, dd = int(n_arg), int(d_arg)
            top = min(nn, dd)
            if top == nn or top <= EXACT_ND_TERMS:
                return sp.Integer(binomial_prefix_sum(nn, dd))
            return sp.Float(_binomial_prefix_float(nn, top), 40)
        return None

    def _eval_is_positive(self):
        return True

    def _eval_is_integer(self):
        return True

    def _eval_rewrite_as_Sum(self, n_arg, d_arg, **kwargs):
        i = sp.Dummy("i", integer=True)
        return sp.Sum(sp.binomial(n_arg, i), (i, 0, sp.Min(n_arg, d_arg)))

    def _latex(self, printer):
        a, b = (printer._print(x) for x in self.args)
        return r"\sum_{i=0}^{\min(%s,\, %s)} \binom{%s}{i}" % (b, a, a)


class ceiling(sp.ceiling):  # noqa: N801 - prints as sympy's ceiling
    """sympy's ceiling, evaluated safely on huge irrational numbers.

    sympy decides ceiling(x) of a number with hundreds of digits by falling back to
    ``simplify`` when its default precision is short, which can run for minutes. Here an
    irrational number is evaluated with enough digits for its magnitude plus 30 guard
    digits, and the ceiling is taken only when x is provably (by more than 1e-20) away
    from an integer; otherwise sympy's own evaluation decides.
    """

    @classmethod
    def eval(cls, arg):  # noqa: D102 (sympy hook)
        if arg.is_number and not arg.is_Rational and not arg.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            rough = sp.N(arg, 15)
            if rough.is_real and rough.is_finite:
                digits = max(0, int(mpmath.log10(abs(mpmath.mpf(str(rough))) + 1))) if rough != 0 else 0
                for guard in (30, 80):
                    v = sp.N(arg, digits + guard)
                    fl = sp.floor(v)
                    frac = v - fl
                    if sp.Rational(1, 10**20) < frac < 1 - sp.Rational(1, 10**20):
                        return sp.Integer(fl) + 1
        return super().eval(arg)


def ceiling_nonneg(expr: sp.Expr) -> sp.Expr:
    """max(0, ceiling(expr) - 1): the degree rule d(eps) of docs/theory.md §3."""
    return sp.Max(0, ceiling(expr) - 1)


# ---- §1-§3: influence, degree --------------------------------------------------------------
Lam2 = B_a**2 * B_w**2
I_sparse = sp.Min(2 * k, s) ** 2 * Lam2
I_dense = s**2 * Lam2
I_step = sp.Min(2 * k, s) / 2 * B_a**2 * sp.Min(n * k, sp.sqrt(n) * sp.Min(sp.sqrt(s * k), s / 2))
F_relu = sp.Min(k, s) * B_a * (sp.sqrt(n) * B_w + B_b)
F_step = sp.Min(k, s) * B_a


def degree(I: sp.Expr, eps: sp.Expr) -> sp.Expr:
    """d(eps) = max(0, ceil(I/eps) - 1): W^{>d} <= eps (Lemma B)."""
    return ceiling_nonneg(I / eps)


# ---- §4: low-degree algorithm ----------------------------------------------------------------
def m_C1(F_: sp.Expr, Nd: sp.Expr, eps: sp.Expr, dl: sp.Expr) -> sp.Expr:
    """Thm C1: m >= 2 F^2 N_d / eps * ln(2 N_d / delta) (eps = estimation budget)."""
    return 2 * F_**2 * Nd / eps * sp.log(2 * Nd / dl)


def m_C2(F_: sp.Expr, Nd: sp.Expr, eps: sp.Expr, dl: sp.Expr) -> sp.Expr:
    """Thm C2: m >= F^2 N_d (1 + sqrt(2 ln(1/delta)))^2 / eps."""
    return F_**2 * Nd * (1 + sp.sqrt(2 * sp.log(1 / dl))) ** 2 / eps


Nd_nd = N_d(n, d)

# ---- §6: Rademacher ------------------------------------------------------------------------
W_ = B_a * B_w
B_ = B_a * B_b
M = W_ * R + B_
L_m = sp.Min(m * sp.log(2), (n + 1) * sp.log(sp.E * m / (n + 1)))
E3_factor = 1 + sp.sqrt(sp.pi / 2) + sp.sqrt(2 * L_m)
Rad_dense = 2 * s * M / sp.sqrt(m)
Rad_env = k * M
Rad_sparse = sp.sqrt(s * k / m) * M * E3_factor
Rad_lower = W_ * R / (2 * sp.sqrt(2)) * sp.Min(k, sp.sqrt(s * k / m))
# The E3 term is an upper bound only for m >= n+1; below that the min uses E1 and the envelope.
Rad_best = sp.Min(Rad_env, Rad_dense, sp.Piecewise((Rad_sparse, m >= n + 1), (sp.oo, True)))
sparsity_threshold = (E3_factor / 2) ** 2


def generalization_gap(rad: sp.Expr, k_: sp.Expr) -> sp.Expr:
    """E6 for the squared loss with |y| <= Y: 2 L R(m) + 3 c sqrt(ln(2/delta)/(2m)),
    with c = (k M + Y)^2 and L = 2 (k M + Y)."""
    from .symbols import Y

    c = (k_ * M + Y) ** 2
    lip = 2 * (k_ * M + Y)
    return 2 * lip * rad + 3 * c * sp.sqrt(sp.log(2 / delta) / (2 * m))


# ---- §5 and §6 E7: SQ and VC ---------------------------------------------------------------
SQ_regression = tau**2 * (sp.binomial(n, t) - 16 / gamma**2)
SQ_classification = tau**2 * (sp.binomial(n, t) - 1 / gamma**2)
SQ_cube_root = sp.binomial(n, t) ** sp.Rational(1, 3) - 16 * sp.binomial(n, t) ** sp.Rational(-2, 3) / gamma**2
VC_upper = 2 * (s * (n + 2) + 1) * sp.log(sp.E * (s + 1), 2)
VC_lower = s * n


def behw_samples(D: sp.Expr) -> sp.Expr:
    """BEHW 1989 consistent-learner sample size for VC dimension D."""
    return sp.Max(4 / epsilon * sp.log(2 / delta, 2), 8 * D / epsilon * sp.log(13 / epsilon, 2))


def packing_size(n_: int) -> int:
    """A proven lower bound on N_{1/2}(n): max(n, floor(sqrt(2) e^{n/16})) (docs/theory.md §6 E7)."""
    return max(n_, math.floor(math.sqrt(2) * math.exp(n_ / 16)))


__all__ = [
    "N_d", "binomial_prefix_sum", "ceiling_nonneg", "degree", "m_C1", "m_C2", "Lam2", "I_sparse", "I_dense", "I_step",
    "F_relu", "F_step", "M", "L_m", "E3_factor", "Rad_dense", "Rad_env", "Rad_sparse", "Rad_lower", "Rad_best",
    "sparsity_threshold", "generalization_gap", "SQ_regression", "SQ_classification", "SQ_cube_root",
    "VC_upper", "VC_lower", "behw_samples", "packing_size", "ceiling",
]
