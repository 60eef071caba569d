"""Every docs/theory.md §2-§4 inequality on random, planted and junta blocks: Hypothesis hunts for a violation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.cube_table import edge_sums, tabulate_cube
from sparsecert.properties.fourier import Spectrum
from sparsecert.properties.inequalities import (Check, check_block, degree_for, leq, lmn_checks, lmn_sample_sizes, relu_chain,
                                     step_chain)
from sparsecert.properties.measures import analyse, measure
from sparsecert.properties.output import select_output
from sparsecert.sparse_models import Hypercube, MLPBlock, junta_block, parity_block, planted_sparse, random_block
from sparsecert.sparse_models.errors import DomainError

ACTS = st.sampled_from(["relu", "step"])


def _assert_ok(report):
    bad = [f"{c.name}: {c.lhs!r} {c.relation} {c.rhs!r} ({c.detail})" for c in report.violations]
    assert not bad, "docs/theory.md inequality violated: " + "; ".join(bad)
    names = {c.name for c in report.checks}
    act = report.measures.activation
    if act == "relu":
        assert {"I <= B0", "B2 <= B3", "min(B4,B5) <= 4k^2 Lambda^2", "I <= s sum c_i (dense)"} <= names
    if act == "step":
        assert {"I <= min(2k,s)/4 sum a_i^2 AS_i", "AS_i <= 2 sqrt(n p_i (1-p_i))", "AS_i <= 2 n p_i"} <= names
    assert "W^{>d} <= I/(d+1), all d" in names and "d_exact <= d(I)" in names


@settings(max_examples=150)
@given(n=st.integers(1, 11), s=st.integers(1, 16), seed=st.integers(0, 10**6), act=ACTS,
       fire=st.sampled_from([None, 0.02, 0.1, 0.3, 0.7]), eps_rel=st.sampled_from([0.01, 0.1, 0.5]))
def test_random_blocks(n, s, seed, act, fire, eps_rel):
    _assert_ok(check_block(random_block(n, s, seed, activation=act, fire_rate=fire), eps_rel=eps_rel))


@settings(max_examples=100)
@given(n=st.integers(2, 10), s=st.integers(2, 14), seed=st.integers(0, 10**6), act=ACTS,
       spread=st.floats(0.0, 1.5))
def test_theory_sparse_bias_family(n, s, seed, act, spread):
    """docs/theory.md §2 check 2: b_i = -U(0, 1.5) ||w_i||_1, any outer weights."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(s, n)) * rng.uniform(0.1, 3.0)
    b = -rng.uniform(0, spread, size=s) * np.abs(W).sum(axis=1)
    a = rng.normal(size=(1, s))
    _assert_ok(check_block(MLPBlock(W, b, a, rng.normal(size=1), act)))


@settings(max_examples=80)
@given(n=st.integers(1, 10), s=st.integers(1, 16), seed=st.integers(0, 10**6), act=ACTS)
def test_integer_weights_with_exact_ties(n, s, seed, act):
    """Small integer weights put many pre-activations exactly at 0 (inactive, relu(0) = 0)."""
    rng = np.random.default_rng(seed)
    W = rng.integers(-2, 3, size=(s, n)).astype(float)
    b = rng.integers(-3, 3, size=s).astype(float)
    _assert_ok(check_block(MLPBlock(W, b, rng.normal(size=(1, s)), [0.0], act)))


@pytest.mark.slow
@settings(max_examples=2000)
@given(n=st.integers(1, 13), s=st.integers(1, 24), seed=st.integers(0, 2**32 - 1), act=ACTS,
       fire=st.sampled_from([None, 0.01, 0.05, 0.2, 0.5, 0.9]), scale=st.floats(1e-3, 1e3))
def test_long_hunt(n, s, seed, act, fire, scale):
    block = random_block(n, s, seed % 2**31, activation=act, fire_rate=fire, weight_scale=scale)
    _assert_ok(check_block(block, eps_rel=0.01))


@settings(max_examples=80)
@given(n=st.integers(2, 10), s=st.integers(2, 24), k=st.integers(0, 5), seed=st.integers(0, 10**6), act=ACTS)
def test_planted_blocks(n, s, k, seed, act):
    k = min(k, s)
    pb = planted_sparse(n, s, k, seed=seed, activation=act)
    rep = check_block(pb.block)
    _assert_ok(rep)
    assert rep.measures.k == pb.k


@settings(max_examples=60)
@given(seed=st.integers(0, 10**6), t=st.integers(1, 4), act=ACTS, pad=st.integers(0, 3))
def test_junta_blocks(seed, t, act, pad):
    rng = np.random.default_rng(seed)
    n = 8
    coords = rng.choice(n, size=t, replace=False).tolist()
    block = junta_block(n, coords, rng.normal(size=1 << t), activation=act, width=(1 << t) + pad)
    rep = check_block(block)
    _assert_ok(rep)
    assert rep.measures.k == 1


@pytest.mark.parametrize("act", ["relu", "step"])
@pytest.mark.parametrize("n,t", [(6, 2), (8, 3), (10, 4)])
def test_parity_known_values(act, n, t):
    """docs/theory.md §2 check 4 / §5: I = t, B4 = B5 = 4t, k = 1, all weight at degree t."""
    rng = np.random.default_rng(n)
    coords = sorted(rng.choice(n, size=t, replace=False).tolist())
    rep = check_block(parity_block(n, coords, activation=act))
    _assert_ok(rep)
    m = rep.measures
    assert m.k == 1 and m.I == pytest.approx(t) and m.I_edge == pytest.approx(t)
    assert rep.analysis.spectrum.weights_by_degree[t] == pytest.approx(1.0)
    assert m.B4 == pytest.approx(4 * t) and m.B5 == pytest.approx(4 * t)
    assert np.allclose(m.p, 2.0 ** -t) and np.allclose(m.c, t)
    if act == "relu":
        assert m.I / m.B4 == pytest.approx(0.25)  # "tight up to the factor 4"


def test_step_bound_is_tight_for_one_unit():
    """docs/theory.md §2 check 3: I <= (min(2k,s)/4) sum a_i^2 AS_i has ratio 1.0 when s = 1."""
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = rng.normal(size=(1, 7))
        block = MLPBlock(w, [rng.normal()], [[rng.normal()]], [0.0], "step")
        m = check_block(block).measures
        assert m.I == pytest.approx(m.step_main, rel=1e-12)


def test_scaling_laws():
    """docs/theory.md §2 check 5: a -> lambda a scales I and every bound by lambda^2; (w, b) -> lambda (w, b)
    scales the relu I by lambda^2 and leaves the step I unchanged."""
    base = random_block(8, 10, 4, fire_rate=0.2)
    lam = 3.0
    m0 = check_block(base).measures
    m1 = check_block(base.replace(W2=base.W2 * lam)).measures
    for name in ("I", "B0", "B1", "B2", "B3", "B4", "B5", "cap", "dense"):
        assert getattr(m1, name) == pytest.approx(lam ** 2 * getattr(m0, name), rel=1e-9)
    m2 = check_block(base.replace(W1=base.W1 * lam, b1=base.b1 * lam)).measures
    assert m2.I == pytest.approx(lam ** 2 * m0.I, rel=1e-9) and m2.k == m0.k
    step = base.replace(activation="step")
    s0 = check_block(step).measures
    s1 = check_block(step.replace(W1=step.W1 * lam, b1=step.b1 * lam)).measures
    assert s1.I == pytest.approx(s0.I, rel=1e-12)


def test_a_broken_chain_is_reported_as_violated():
    """The checks can fail: corrupt one measured quantity and the chain must say so."""
    m = check_block(random_block(7, 8, 2, fire_rate=0.3)).measures
    broken = dataclasses.replace(m, B1=m.B0 / 2)
    bad = [c for c in relu_chain(broken) if not c.holds]
    assert [c.name for c in bad] == ["B0 <= B1"]
    assert bad[0].slack < 0 and bad[0].status == "VIOLATED"
    step_broken = dataclasses.replace(m, AS=m.AS + 10.0)
    assert any(not c.holds for c in step_chain(step_broken))
    c = leq("x", "§", "[X]", "a", 2.0, "b", 1.0)
    assert not c.holds and c.slack == -1.0 and c.ratio == 2.0


def test_lmn_sizes_against_theory_numbers():
    # "with delta = 0.1 and N_d = 37, m_C2/m_C1 ~ 0.75" (n = 36, d = 1 gives N_d = 37)
    sz = lmn_sample_sizes(36, 1, 1.0, 0.1, 0.1)
    assert sz.N_d == 37 and sz.m_C2_real / sz.m_C1_real == pytest.approx(0.75, abs=0.01)
    assert sz.m == min(sz.m_C1, sz.m_C2)
    assert sz.m_C1 == math.ceil(2 * 37 / 0.1 * math.log(2 * 37 / 0.1))
    assert sz.m_C2 == math.ceil(37 * (1 + math.sqrt(2 * math.log(10))) ** 2 / 0.1)
    # thresholds N_d >= 7.05 (delta 0.1), 17.2 (0.01), 158 (1e-6)
    for delta, thr in ((0.1, 7.05), (0.01, 17.2), (1e-6, 158)):
        t = math.exp(math.sqrt(2 * math.log(1 / delta)) + 0.5 - math.log(2))
        assert t == pytest.approx(thr, rel=0.01)
    # "d = 1 with n = 8 to 12 at delta = 0.01: m_C2/m_C1 is 1.03 to 1.09"
    ratios = [lmn_sample_sizes(n, 1, 1.0, 0.1, 0.01) for n in (8, 12)]
    r8, r12 = (r.m_C2_real / r.m_C1_real for r in ratios)
    assert r8 == pytest.approx(1.09, abs=0.005) and r12 == pytest.approx(1.03, abs=0.01)
    for n in range(1, 16):
        for d in range(0, n + 1):
            for delta in (0.3, 0.01, 1e-6):
                assert all(c.holds for c in lmn_checks(lmn_sample_sizes(n, d, 2.0, 0.5, delta)))


def test_degree_for():
    assert degree_for(0.0, 0.1) == 0
    assert degree_for(1.0, 1.0) == 0
    assert degree_for(1.0, 0.5) == 1
    assert degree_for(12.0, 0.1) == 119


def test_other_activations_run_the_general_checks():
    rep = check_block(random_block(6, 5, 1, activation="gelu"))
    assert rep.ok and "do not apply" in rep.applicable
    assert not any(c.section.startswith("§2 A") for c in rep.checks)


def test_spectral_checks_refuse_other_cubes():
    block = random_block(5, 4, 0)
    table = tabulate_cube(block, Hypercube(5, (0, 1)), select_output(block))
    with pytest.raises(DomainError, match="±1 cube"):
        measure(block, table, edge_sums(table, block), Spectrum.from_values(table.values))


def test_exact_analysis_pieces_agree():
    an = analyse(planted_sparse(9, 16, 3, seed=1).block)
    m = an.measures
    assert m.I == pytest.approx(m.I_edge, rel=1e-12)
    assert np.allclose(m.influences_edge, an.spectrum.influences, rtol=1e-9, atol=1e-15)
    assert m.F == pytest.approx(float(np.max(np.abs(an.table.values))))
    assert all(isinstance(c, Check) for c in check_block(planted_sparse(9, 16, 3, seed=1).block).checks)
