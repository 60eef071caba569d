"""docs/theory.md's numeric sanity examples, reproduced through the registry."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.bounds import evaluate, ratio

LD = dict(F=1, epsilon=1)


def c2_over_c1(n, d, delta):
    vals = dict(n=n, d=d, delta=delta, **LD)
    return evaluate("lmn_samples_mcdiarmid", vals).value / evaluate("lmn_samples_hoeffding", vals).value


@pytest.mark.parametrize("delta, threshold", [("0.1", 7.05), ("0.01", 17.2), ("1e-6", 158)])
def test_c2_beats_c1_exactly_above_the_n_d_threshold(delta, threshold):
    exact = math.exp(math.sqrt(2 * math.log(1 / float(delta))) + 0.5 - math.log(2))
    # docs/theory.md's figures are the exact thresholds 7.049, 17.145, 158.17 to about three digits (17.145 is printed
    # as 17.2; 158.17 as 158, so the first whole N_d where C2 wins at delta = 1e-6 is 159, not 158).
    assert abs(exact - threshold) < 0.2
    # with d = 1, N_d = n + 1: the registry's C2 <= C1 switches exactly at the threshold
    below = math.floor(exact)  # N_d = below: C2 > C1; N_d = below + 1: C2 <= C1
    assert c2_over_c1(below - 1, 1, delta) > 1
    assert c2_over_c1(below, 1, delta) <= 1
    assert evaluate("lmn_samples", dict(n=below, d=1, delta=delta, **LD)).value == \
        evaluate("lmn_samples_mcdiarmid", dict(n=below, d=1, delta=delta, **LD)).value


def test_c2_loses_for_small_n_d():
    ratios = [c2_over_c1(n, 1, "0.01") for n in range(8, 13)]
    assert all(r > 1 for r in ratios)
    assert 1.03 <= min(ratios) and max(ratios) <= 1.09  # "m_C2/m_C1 is 1.03 to 1.09"


def test_c2_over_c1_at_n_d_37():
    # N_d = 37: n = 8, d = 2 (1 + 8 + 28), or n = 36, d = 1
    assert round(c2_over_c1(8, 2, "0.1"), 2) == 0.75
    assert c2_over_c1(36, 1, "0.1") == pytest.approx(c2_over_c1(8, 2, "0.1"))


@pytest.mark.parametrize("n, m, exact, shortcut", [(10, 1000, 44.0, 30.3), (2, 100, 13.9, 6.8)])
def test_sparsity_threshold_against_the_shortcut(n, m, exact, shortcut):
    assert round(evaluate("sparsity_threshold", dict(n=n, m=m)).value, 1) == exact
    assert round((n + 1) * math.log(math.e * m / (n + 1)) / 2, 1) == shortcut
    # and the threshold is where E3 and E1 cross
    thr = evaluate("sparsity_threshold", dict(n=n, m=m)).value
    k = 1
    s_win, s_lose = math.floor(thr) + 1, math.floor(thr)
    rad = dict(n=n, k=k, B_a=1, B_w=1, B_b=0, R=1, m=m)
    assert evaluate("rademacher_sparse", {**rad, "s": s_win}).value < evaluate("rademacher_dense", {
        x: v for x, v in {**rad, "s": s_win}.items() if x not in ("n", "k")}).value
    assert evaluate("rademacher_sparse", {**rad, "s": s_lose}).value > evaluate("rademacher_dense", {
        x: v for x, v in {**rad, "s": s_lose}.items() if x not in ("n", "k")}).value


@settings(max_examples=40)
@given(st.integers(1, 10**4), st.data())
def test_e3_over_e1_at_k_equal_s_is_at_least_1_13(n, data):
    m = data.draw(st.integers(n + 1, 10**9))
    s = data.draw(st.integers(1, 10**4))
    rad = dict(n=n, s=s, B_a=1, B_w=1, B_b=1, R=3, m=m)
    e3 = evaluate("rademacher_sparse", {**rad, "k": s}).value
    e1 = evaluate("rademacher_dense", {x: v for x, v in rad.items() if x != "n"}).value
    assert e3 / e1 >= 1.13
    assert e3 / e1 == pytest.approx(math.sqrt(evaluate("sparsity_threshold", dict(n=n, m=m)).value))
    assert (1 + math.sqrt(math.pi / 2)) / 2 == pytest.approx(1.13, abs=0.005)


def e3_factor(n, m):
    # with s k = m and M = 1 the E3 term is exactly its factor 1 + sqrt(pi/2) + sqrt(2 L_m)
    root = math.isqrt(m)
    return evaluate("rademacher_sparse", dict(n=n, s=root, k=root, B_a=1, B_w=1, B_b=0, R=1, m=m)).value


def test_e3_factor_values():
    assert round(e3_factor(100, 10**6), 1) == 47.6
    assert round(e3_factor(1000, 10**6)) == 128
    assert round(e3_factor(10**6 - 1, 10**6), -1) == 1180  # n + 1 = m: L_m = m ln 2, the cap
    cap = 1 + math.sqrt(math.pi / 2) + math.sqrt(2 * 10**6 * math.log(2))
    assert e3_factor(10**6 - 1, 10**6) == pytest.approx(cap)
    # E4's constant C = 2 C_0 (docs/theory.md §6 E4): about 24,000 at m = 10^6, far above E3's cap
    c0 = (6 * math.sqrt(320) + 6) / math.log(2) + (1 + 36 * math.sqrt(math.log(2))) / math.log(2) ** 1.5
    assert round(c0, 1) == 217.2
    assert round(2 * c0 * math.log(2 * 10**6) ** 1.5, -3) == 24000


@settings(max_examples=60)
@given(st.integers(1, 3000), st.data())
def test_binomial_cube_root_dominates_n_to_the_t_over_6(n, data):
    t = data.draw(st.integers(1, math.isqrt(n)))
    lower = evaluate("sq_cube_root_lower", dict(n=n, t=t)).value
    assert math.comb(n, t) ** (1 / 3) >= lower * (1 - 1e-12)
    # and the SQ bound at tau = C(n,t)^(-1/3) is C(n,t)^(1/3) minus a vanishing correction
    q = evaluate("sq_queries_cube_root", dict(n=n, t=t, gamma=1)).value
    assert q == pytest.approx(math.comb(n, t) ** (1 / 3) - 16 * math.comb(n, t) ** (-2 / 3), rel=1e-9, abs=1e-9)


def test_parity_tightness_example():
    # parity on t bits: k = 1, s = 2^t, B_a = 1, B_w = sqrt(t): B5 = 4t (exact influence is t)
    for t in (1, 4, 9):
        assert evaluate("influence_sparse_relu", dict(s=2**t, k=1, B_a=1, B_w=math.isqrt(t))).value == 4 * t


def test_step_bound_equals_dense_at_k_equal_s():
    for n, s in ((4, 10), (100, 64), (7, 1)):
        got = evaluate("influence_step", dict(n=n, s=s, k=s, B_a=2)).value
        assert got == pytest.approx(s**2 * math.sqrt(n) * 4 / 4)


def test_c3_degree_is_8_k2_lambda2_over_eps():
    # d = ceil(2 I_max/eps) - 1 = ceil(8 k^2 B_a^2 B_w^2/eps) - 1 for k <= s/2
    assert evaluate("end_to_end_degree", dict(s=100, k=3, B_a=1, B_w=2, epsilon="0.5")).value == 8 * 9 * 4 * 2 - 1
    # junta instances (D2 near-match): B_w^2 = log2 s, k = 1: d = ceil(8 log2 s/eps) - 1
    assert evaluate("end_to_end_degree", dict(s=16, k=1, B_a=1, B_w=2, epsilon="0.1")).value == 8 * 4 * 10 - 1


def test_influence_ratio_is_min_2k_s_squared_over_s_squared():
    assert str(ratio("influence_sparse_relu", "influence_dense_relu")) == "Min(2*k, s)**2/s**2"
    e3e1 = ratio("rademacher_sparse", "rademacher_dense")
    assert "sqrt(k)" in str(e3e1) and "sqrt(s)" in str(e3e1)
