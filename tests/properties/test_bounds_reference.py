"""Every registry entry against an independent plain-Python computation (math and fractions, no sympy).

Exact rational inputs are drawn by Hypothesis; the references recompute each docs/theory.md
formula from scratch. Entries with ceilings are compared exactly on their rational parts.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sparsecert.properties.bounds import REGISTRY, evaluate

LN2 = math.log(2)


# ---- plain-Python references --------------------------------------------------------------------------
def ceil_q(q: Fraction) -> int:
    return -((-q.numerator) // q.denominator)


def n_d(n: int, d: int) -> int:
    return sum(math.comb(n, i) for i in range(min(d, n) + 1))


def ref_I_sparse(s, k, Ba, Bw):
    return Fraction(min(2 * k, s)) ** 2 * Ba**2 * Bw**2


def ref_I_dense(s, Ba, Bw):
    return Fraction(s) ** 2 * Ba**2 * Bw**2


def ref_I_step(n, s, k, Ba):
    return min(2 * k, s) / 2 * float(Ba) ** 2 * min(n * k, math.sqrt(n) * min(math.sqrt(s * k), s / 2))


def ref_degree(I: Fraction, eps: Fraction) -> int:
    return max(0, ceil_q(I / eps) - 1)


def ref_mC1(F, N, eps, delta):
    return 2 * float(F) ** 2 * N / float(eps) * math.log(2 * N / float(delta))


def ref_mC2(F, N, eps, delta):
    return float(F) ** 2 * N * (1 + math.sqrt(2 * math.log(1 / float(delta)))) ** 2 / float(eps)


def ref_F_relu(n, s, k, Ba, Bw, Bb):
    return min(k, s) * float(Ba) * (math.sqrt(n) * float(Bw) + float(Bb))


def ref_end_to_end(n, s, k, Ba, Bw, Bb, eps, delta):
    d = ref_degree(ref_I_sparse(s, k, Ba, Bw), eps / 2)
    N = n_d(n, d)
    F = ref_F_relu(n, s, k, Ba, Bw, Bb)
    m1 = math.ceil(4 * F * F * N / float(eps) * math.log(2 * N / float(delta)))
    m2 = math.ceil(2 * F * F * N / float(eps) * (1 + math.sqrt(2 * math.log(1 / float(delta)))) ** 2)
    return d, N, min(m1, m2)


def ref_M(B_a, B_w, B_b, R):
    return float(B_a) * float(B_w) * float(R) + float(B_a) * float(B_b)


def ref_L(n, m):
    return min(m * LN2, (n + 1) * math.log(math.e * m / (n + 1)))


def ref_factor(n, m):
    return 1 + math.sqrt(math.pi / 2) + math.sqrt(2 * ref_L(n, m))


def ref_rad_sparse(n, s, k, B_a, B_w, B_b, R, m):
    return math.sqrt(s * k / m) * ref_M(B_a, B_w, B_b, R) * ref_factor(n, m)


def ref_rad_best(n, s, k, B_a, B_w, B_b, R, m):
    M = ref_M(B_a, B_w, B_b, R)
    e3 = ref_rad_sparse(n, s, k, B_a, B_w, B_b, R, m) if m >= n + 1 else math.inf
    return min(k * M, 2 * s * M / math.sqrt(m), e3)


def ref_gap(n, s, k, B_a, B_w, B_b, R, m, delta, Y):
    kmy = k * ref_M(B_a, B_w, B_b, R) + float(Y)
    return 2 * (2 * kmy) * ref_rad_best(n, s, k, B_a, B_w, B_b, R, m) + 3 * kmy**2 * math.sqrt(
        math.log(2 / float(delta)) / (2 * m))


def ref_sample_size(n, s, k, B_a, B_w, B_b, R, eps, delta, Y):
    def ok(m: int) -> bool:
        return ref_gap(n, s, k, B_a, B_w, B_b, R, m, delta, Y) <= float(eps)

    hi = 1
    while not ok(hi):
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def ref_vc_upper(n, s):
    return 2 * (s * (n + 2) + 1) * math.log2(math.e * (s + 1))


def close(a, b, rel=1e-9, abs_=0.0) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


# ---- strategies ------------------------------------------------------------------------------------------
pos_norms = st.integers(1, 64).map(lambda i: Fraction(i, 16))  # B_a, B_w, F, Y: > 0
norms = pos_norms
bias_norms = st.integers(0, 64).map(lambda i: Fraction(i, 16))  # B_b >= 0 (bias-free networks)
eps_st = st.integers(1, 999).map(lambda i: Fraction(i, 1000))
delta_st = st.integers(1, 999).map(lambda i: Fraction(i, 1000))
big_eps = st.integers(1, 4000).map(lambda i: Fraction(i, 100))


@st.composite
def width_sparsity(draw, max_s=5000):
    s = draw(st.integers(1, max_s))
    k = draw(st.integers(1, s))
    return s, k


def ev(name, **values):
    return evaluate(name, values)


# ---- §2 ------------------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(width_sparsity(), norms, norms)
def test_influence_sparse_relu(sk, Ba, Bw):
    s, k = sk
    e = ev("influence_sparse_relu", s=s, k=k, B_a=Ba, B_w=Bw)
    assert e.is_exact and Fraction(e.exact) == ref_I_sparse(s, k, Ba, Bw)


@settings(max_examples=40)
@given(st.integers(1, 10**6), norms, norms)
def test_influence_dense_relu(s, Ba, Bw):
    e = ev("influence_dense_relu", s=s, B_a=Ba, B_w=Bw)
    assert Fraction(e.exact) == ref_I_dense(s, Ba, Bw)


@settings(max_examples=60)
@given(st.integers(1, 10**5), width_sparsity(), norms)
def test_influence_step(n, sk, Ba):
    s, k = sk
    assert close(ev("influence_step", n=n, s=s, k=k, B_a=Ba).value, ref_I_step(n, s, k, Ba))


# ---- §3, §4 ---------------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(width_sparsity(), norms, norms, big_eps)
def test_lmn_degree(sk, Ba, Bw, eps):
    s, k = sk
    got = ev("lmn_degree", s=s, k=k, B_a=Ba, B_w=Bw, epsilon=eps).value
    assert got == ref_degree(ref_I_sparse(s, k, Ba, Bw), eps)


@settings(max_examples=60)
@given(st.integers(1, 60), st.integers(0, 70), pos_norms, big_eps, delta_st)
def test_lmn_samples(n, d, F, eps, delta):
    N = n_d(n, d)
    vals = dict(n=n, d=d, F=F, epsilon=eps, delta=delta)
    c1, c2 = ref_mC1(F, N, eps, delta), ref_mC2(F, N, eps, delta)
    assert close(ev("lmn_samples_hoeffding", **vals).value, c1)
    assert close(ev("lmn_samples_mcdiarmid", **vals).value, c2)
    assert close(ev("lmn_samples", **vals).value, min(c1, c2))


def test_n_d_is_exact_for_large_arguments():
    e = ev("lmn_samples_mcdiarmid", n=300, d=40, F=1, epsilon=1, delta=Fraction(1, 2))
    N = n_d(300, 40)
    assert close(e.value, N * (1 + math.sqrt(2 * LN2)) ** 2, rel=1e-12)


@settings(max_examples=50)
@given(st.integers(1, 400), width_sparsity(200), norms, norms, bias_norms)
def test_sup_norm_relu(n, sk, Ba, Bw, Bb):
    s, k = sk
    assert close(ev("sup_norm_relu", n=n, s=s, k=k, B_a=Ba, B_w=Bw, B_b=Bb).value,
                 ref_F_relu(n, s, k, Ba, Bw, Bb), abs_=1e-12)


@settings(max_examples=40)
@given(st.integers(1, 40), width_sparsity(64), pos_norms, pos_norms, bias_norms, big_eps, delta_st)
def test_end_to_end(n, sk, Ba, Bw, Bb, eps, delta):
    s, k = sk
    d, N, m = ref_end_to_end(n, s, k, Ba, Bw, Bb, eps, delta)
    vals = dict(n=n, s=s, k=k, B_a=Ba, B_w=Bw, B_b=Bb, epsilon=eps, delta=delta)
    assert ev("end_to_end_degree", s=s, k=k, B_a=Ba, B_w=Bw, epsilon=eps).value == d
    assert close(ev("end_to_end_samples", **vals).value, m, abs_=1)
    assert close(ev("end_to_end_time", **vals).value, m * N, rel=1e-9)
    dd, Nd, md = ref_end_to_end(n, s, s, Ba, Bw, Bb, eps, delta)
    dense = {x: v for x, v in vals.items() if x != "k"}
    assert close(ev("end_to_end_samples_dense", **dense).value, md, abs_=1)
    assert close(ev("end_to_end_time_dense", **dense).value, md * Nd, rel=1e-9)


# ---- §5 -----------------------------------------------------------------------------------------------------------
@st.composite
def n_t(draw):
    n = draw(st.integers(1, 300))
    return n, draw(st.integers(1, n))


gammas = st.integers(1, 100).map(lambda i: Fraction(i, 100))
taus = st.integers(1, 1000).map(lambda i: Fraction(i, 10000))


@settings(max_examples=60)
@given(n_t(), taus, gammas)
def test_sq_queries(nt, tau, gamma):
    n, t = nt
    D = math.comb(n, t)
    e = ev("sq_queries", n=n, t=t, tau=tau, gamma=gamma)
    assert Fraction(e.exact) == tau**2 * (D - 16 / gamma**2)
    e = ev("sq_queries_classification", n=n, t=t, tau=tau, gamma=gamma)
    assert Fraction(e.exact) == tau**2 * (D - 1 / gamma**2)


@settings(max_examples=60)
@given(n_t(), gammas)
def test_sq_queries_cube_root(nt, gamma):
    n, t = nt
    D = math.comb(n, t)
    assume(D < 10**300)
    ref = D ** (1 / 3) - 16 * D ** (-2 / 3) / float(gamma) ** 2
    assert close(ev("sq_queries_cube_root", n=n, t=t, gamma=gamma).value, ref, rel=1e-9, abs_=1e-9)


@settings(max_examples=60)
@given(st.integers(1, 10**4), st.data())
def test_sq_cube_root_lower(n, data):
    t = data.draw(st.integers(1, math.isqrt(n)))
    assert close(ev("sq_cube_root_lower", n=n, t=t).value, n ** (t / 6))


# ---- §6 -------------------------------------------------------------------------------------------------------------
@st.composite
def rad_point(draw, min_m_over_n=False):
    n = draw(st.integers(1, 2000))
    s, k = draw(width_sparsity(10**5))
    m = draw(st.integers(n + 1 if min_m_over_n else 1, 10**9))
    return dict(n=n, s=s, k=k, B_a=draw(norms), B_w=draw(norms), B_b=draw(bias_norms), R=draw(st.integers(1, 100)),
                m=m)


@settings(max_examples=60)
@given(rad_point())
def test_rademacher_dense_envelope_best(p):
    M = ref_M(p["B_a"], p["B_w"], p["B_b"], p["R"])
    assert close(ev("rademacher_dense", **{x: p[x] for x in ("s", "B_a", "B_w", "B_b", "R", "m")}).value,
                 2 * p["s"] * M / math.sqrt(p["m"]), abs_=1e-12)
    assert close(ev("rademacher_envelope", **{x: p[x] for x in ("k", "B_a", "B_w", "B_b", "R")}).value,
                 p["k"] * M, abs_=1e-12)
    assert close(ev("rademacher_best", **p).value, ref_rad_best(**p), abs_=1e-12)


@settings(max_examples=60)
@given(rad_point(min_m_over_n=True))
def test_rademacher_sparse(p):
    assert close(ev("rademacher_sparse", **p).value, ref_rad_sparse(**p), abs_=1e-12)


@settings(max_examples=60)
@given(st.integers(1, 10**4), st.data())
def test_rademacher_lower(s, data):
    k = data.draw(st.integers(1, s))
    m = data.draw(st.integers(1, 10**7))
    n = data.draw(st.integers(min(s // k, m), 10**5))
    Ba, Bw, R = data.draw(norms), data.draw(norms), data.draw(st.integers(1, 50))
    ref = float(Ba) * float(Bw) * R / (2 * math.sqrt(2)) * min(k, math.sqrt(s * k / m))
    got = ev("rademacher_lower", n=n, s=s, k=k, B_a=Ba, B_w=Bw, R=R, m=m).value
    assert close(got, ref, abs_=1e-12)


@settings(max_examples=60)
@given(st.integers(1, 10**5), st.data())
def test_sparsity_threshold(n, data):
    m = data.draw(st.integers(n + 1, 10**9))
    assert close(ev("sparsity_threshold", n=n, m=m).value, (ref_factor(n, m) / 2) ** 2)


@settings(max_examples=40)
@given(rad_point(), delta_st, norms)
def test_generalization_gap(p, delta, Y):
    assert close(ev("generalization_gap", **p, delta=delta, Y=Y).value, ref_gap(**p, delta=delta, Y=Y), abs_=1e-12)


@settings(max_examples=15)
@given(st.integers(1, 200), width_sparsity(2000), pos_norms, pos_norms, bias_norms, st.integers(1, 20),
       st.integers(1, 200).map(lambda i: Fraction(i, 10)), delta_st, norms)
def test_generalization_sample_size(n, sk, Ba, Bw, Bb, R, eps, delta, Y):
    s, k = sk
    p = dict(n=n, s=s, k=k, B_a=Ba, B_w=Bw, B_b=Bb, R=R, delta=delta, Y=Y)
    got = ev("generalization_sample_size", **p, epsilon=eps).value
    ref = ref_sample_size(**p, eps=eps)
    assert abs(got - ref) <= max(1, 1e-9 * ref)
    # it is the smallest m meeting the criterion (up to float rounding at the boundary)
    assert ref_gap(**p, m=got) <= float(eps) * (1 + 1e-12)
    assert got == 1 or ref_gap(**p, m=got - 1) >= float(eps) * (1 - 1e-12)
    dense = {x: v for x, v in p.items() if x != "k"}
    got_d = ev("generalization_sample_size_dense", **dense, epsilon=eps).value
    ref_d = ref_sample_size(**{**p, "k": s}, eps=eps)
    assert abs(got_d - ref_d) <= max(1, 1e-9 * ref_d)


# ---- §6 E7 ----------------------------------------------------------------------------------------------------------
@settings(max_examples=60)
@given(st.integers(1, 10**5), st.integers(1, 10**6), eps_st, delta_st)
def test_vc_upper_and_sample_size(n, s, eps, delta):
    D = ref_vc_upper(n, s)
    assert close(ev("vc_upper", n=n, s=s).value, D)
    ref = max(4 / float(eps) * math.log2(2 / float(delta)), 8 * D / float(eps) * math.log2(13 / float(eps)))
    assert close(ev("vc_sample_size", n=n, s=s, epsilon=eps, delta=delta).value, ref)


@settings(max_examples=60)
@given(st.integers(1, 300), st.data())
def test_vc_lower(n, data):
    cap = max(n, math.floor(math.sqrt(2) * math.exp(n / 16)))
    s = data.draw(st.integers(1, min(cap, 10**9)))
    assert ev("vc_lower", n=n, s=s).value == s * n


def test_every_entry_has_a_reference_test():
    covered = {
        "influence_sparse_relu", "influence_dense_relu", "influence_step", "lmn_degree", "lmn_samples_hoeffding",
        "lmn_samples_mcdiarmid", "lmn_samples", "sup_norm_relu", "end_to_end_degree", "end_to_end_samples",
        "end_to_end_time", "end_to_end_samples_dense", "end_to_end_time_dense", "sq_queries",
        "sq_queries_classification", "sq_queries_cube_root", "sq_cube_root_lower", "rademacher_dense",
        "rademacher_envelope", "rademacher_sparse", "rademacher_best", "rademacher_lower", "sparsity_threshold",
        "generalization_gap", "generalization_sample_size", "generalization_sample_size_dense", "vc_upper",
        "vc_lower", "vc_sample_size",
    }
    assert covered == set(REGISTRY)
