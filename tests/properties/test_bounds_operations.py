"""Solve (checked by substitution), asymptotics (checked by a limit), ratios, tables, text and LaTeX."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.bounds import asymptotic, evaluate, get_bound, latex, pretty, ratio, solve, table, text
from sparsecert.properties.bounds import symbols as S
from sparsecert.properties.bounds.operations import format_value
from sparsecert.sparse_models.errors import InvalidArgument

RAD = dict(n=100, s=1000, k=4, B_a=1, B_w=1, B_b=1, R=10)


def substitute(name, var, root, values):
    """The bound's expression at the root (a real number, possibly not whole), other values exact."""
    exact = {S.SYMBOLS[x].symbol: sp.Rational(Fraction(str(v))) for x, v in values.items()}
    exact[S.symbol(var)] = sp.Float(str(root.value), 30) if not isinstance(root.value, int) else root.value
    return float(sp.N(get_bound(name).expr.xreplace(exact), 30))


# ---- solve ----------------------------------------------------------------------------------------------------
@settings(max_examples=5, deadline=None)
@given(st.integers(1, 40), st.integers(0, 6), st.integers(1, 20), st.integers(1, 99), st.integers(10**3, 10**12))
def test_solve_lmn_samples_for_epsilon_and_delta(n, d, F, dl, m):
    vals = dict(n=n, d=d, F=F, delta=Fraction(dl, 100))
    sol = solve("lmn_samples_hoeffding", "epsilon", {**vals, "m": m})
    assert len(sol.roots) == 1
    assert substitute("lmn_samples_hoeffding", "epsilon", sol.roots[0], vals) == pytest.approx(m, rel=1e-9)
    eps = Fraction(1, 10)
    target = evaluate("lmn_samples_mcdiarmid", {**vals, "epsilon": eps}).number * 3
    no_delta = {x: v for x, v in vals.items() if x != "delta"}
    sol = solve("lmn_samples_mcdiarmid", "delta", {**no_delta, "epsilon": eps}, target=repr(target))
    assert sol.roots and all(r.residual < 1e-12 for r in sol.roots)
    for root in sol.roots:
        assert 0 < float(root.value) < 1


@settings(max_examples=4, deadline=None)
@given(st.integers(1, 300), st.integers(1, 10**4), st.data())
def test_solve_rademacher_for_m(n, s, data):
    k = data.draw(st.integers(1, s))
    vals = dict(n=n, s=s, k=k, B_a=1, B_w=1, B_b=1, R=3)
    target = Fraction(data.draw(st.integers(1, 1000)), 1000)
    dense = {x: v for x, v in vals.items() if x not in ("n", "k")}
    sol = solve("rademacher_dense", "m", dense, target=target)
    assert len(sol.roots) == 1
    assert substitute("rademacher_dense", "m", sol.roots[0], dense) == pytest.approx(float(target), rel=1e-9)
    sol = solve("rademacher_sparse", "m", vals, target=target, timeout=0.5)
    for root in sol.roots:
        assert float(root.value) >= n + 1
        assert substitute("rademacher_sparse", "m", root, vals) == pytest.approx(float(target), rel=1e-9)


def test_solve_influence_for_k_and_norm():
    sol = solve("influence_sparse_relu", "k", dict(s=1000, B_a=1, B_w=1), target=1000, timeout=60)
    assert sol.roots[0].exact == "5*sqrt(10)" and sol.method == "symbolic"
    assert any("whole number" in note for note in sol.notes)
    sol = solve("influence_sparse_relu", "B_w", dict(s=1000, k=4, B_a=1), target=16)
    assert sol.roots[0].value == pytest.approx(0.5)


def test_solve_falls_back_to_numeric_and_checks_roots():
    sol = solve("vc_upper", "s", dict(n=10), target=10**6, timeout=0.5)
    assert sol.method == "numeric" and len(sol.roots) == 1
    assert substitute("vc_upper", "s", sol.roots[0], dict(n=10)) == pytest.approx(1e6, rel=1e-9)


def test_solve_refusals():
    with pytest.raises(InvalidArgument, match="whole-number valued"):
        solve("lmn_degree", "epsilon", dict(s=10, k=2, B_a=1, B_w=1, d=5))
    with pytest.raises(InvalidArgument, match="defined by a search"):
        solve("generalization_sample_size", "epsilon", dict(RAD, delta="0.1", Y=1, m=100))
    with pytest.raises(InvalidArgument, match="needs a target"):
        solve("rademacher_dense", "m", dict(s=10, B_a=1, B_w=1, B_b=1, R=1))
    with pytest.raises(InvalidArgument, match="does not depend on n"):
        solve("rademacher_dense", "n", dict(s=10, B_a=1, B_w=1, B_b=1, R=1, m=5), target=1)
    with pytest.raises(InvalidArgument, match="is the unknown"):
        solve("rademacher_dense", "m", dict(s=10, B_a=1, B_w=1, B_b=1, R=1, m=5), target=1)
    with pytest.raises(InvalidArgument, match="through N_d"):
        solve("lmn_samples", "d", dict(n=10, F=1, epsilon=1, delta="0.1", m=1000))
    with pytest.raises(InvalidArgument, match="never equals"):
        solve("rademacher_sparse", "k", {x: v for x, v in {**RAD, "m": 10**6}.items() if x != "k"}, target=10,
              timeout=0.5)


# ---- asymptotics --------------------------------------------------------------------------------------------------
def test_asymptotics_are_verified_leading_terms():
    a = asymptotic("rademacher_sparse", "m")
    M = S.B_a * S.B_w * S.R + S.B_a * S.B_b
    expected = sp.sqrt(2 * S.s * S.k * (S.n + 1) * sp.log(S.m) / S.m) * M
    assert sp.simplify(a.leading / expected) == 1
    a = asymptotic("vc_upper", "s")
    assert sp.simplify(a.leading - 2 * S.s * (S.n + 2) * sp.log(S.s) / sp.log(2)) == 0
    a = asymptotic("lmn_samples_hoeffding", "n", {"d": 3})
    assert sp.simplify(a.leading - S.F**2 * S.n**3 * sp.log(S.n) / S.epsilon) == 0
    a = asymptotic("lmn_samples_mcdiarmid", "delta", point="0")
    assert a.leading.has(sp.log(S.delta)) and "delta -> 0+" in a.text
    a = asymptotic("rademacher_best", "m")  # E1 wins eventually: E3 carries a sqrt(log m)
    assert sp.simplify(a.leading - 2 * S.s * M / sp.sqrt(S.m)) == 0
    a = asymptotic("end_to_end_samples", "epsilon", dict(n=20, s=100, k=2, B_a=1, B_w=1, B_b=0, delta="0.1"), point="0")
    assert a.leading.has(S.epsilon) and not a.leading.has(sp.ceiling)


def test_asymptotics_refusals():
    with pytest.raises(InvalidArgument, match="does not depend on m"):
        asymptotic("vc_upper", "m")
    with pytest.raises(InvalidArgument, match="defined by a search"):
        asymptotic("generalization_sample_size", "epsilon")
    with pytest.raises(InvalidArgument):
        asymptotic("rademacher_sparse", "n")  # needs m >= n + 1: no limit in n alone


# ---- ratio, table, printing -----------------------------------------------------------------------------------------
def test_ratio_is_simplified():
    assert ratio("influence_sparse_relu", "influence_dense_relu") == sp.Min(2 * S.k, S.s) ** 2 / S.s**2
    r = ratio("rademacher_sparse", "rademacher_dense")
    assert not r.has(S.B_a) and not r.has(S.R)  # the norms cancel
    point = {S.n: 10, S.s: 1000, S.k: 1, S.m: 1000}
    thr = evaluate("sparsity_threshold", dict(n=10, m=1000)).number
    assert float(r.xreplace(point)) == pytest.approx(math.sqrt(thr / 1000))
    with pytest.raises(InvalidArgument, match="search"):
        ratio("generalization_sample_size", "generalization_sample_size_dense")


def test_table_over_a_grid_marks_premise_failures():
    tab = table(["rademacher_sparse", "rademacher_dense"], {"m": [50, 1000]}, dict(RAD), )
    assert tab.parameters == ("m",)
    (p1, c1), (p2, c2) = tab.rows
    assert p1["m"] == 50 and c1["rademacher_sparse"].evaluation is None
    assert "m >= n + 1" in c1["rademacher_sparse"].reason and c1["rademacher_sparse"].text() == "n/a"
    assert c1["rademacher_dense"].evaluation.number == pytest.approx(2 * 1000 * 11 / math.sqrt(50))
    assert c2["rademacher_sparse"].evaluation is not None
    with pytest.raises(InvalidArgument, match="needs values for"):
        table(["vc_upper"], {"n": [1, 2]}, {})
    with pytest.raises(InvalidArgument, match="both as a grid and as a fixed value"):
        table(["vc_upper"], {"n": [1, 2]}, {"n": 3, "s": 2})


def test_text_and_latex():
    assert text("influence_sparse_relu") == "B_a**2*B_w**2*Min(2*k, s)**2"
    assert latex("influence_sparse_relu") == r"B_{a}^{2} B_{w}^{2} \min\left(2 k, s\right)^{2}"
    assert r"\binom{n}{i}" in latex("lmn_samples_hoeffding")
    assert latex("generalization_sample_size").startswith(r"\min\{m \in \mathbb{N}")
    assert "min{m >= 1 whole" in text("generalization_sample_size")
    assert "Min" in pretty("influence_sparse_relu")


def test_huge_values_are_reported_not_overflowed():
    e = evaluate("lmn_samples_hoeffding", dict(n=2000, d=2000, F=1, epsilon=1, delta="0.5"))
    assert isinstance(e.value, str) and "e+" in e.value  # 2^2000 * ... exceeds a float
    assert format_value(2**200) .startswith("1.60694e+60")
    e = evaluate("end_to_end_time", dict(n=1500, s=10, k=5, B_a=1, B_w=1, B_b=0, epsilon="0.01", delta="0.1"))
    assert isinstance(e.value, int) and e.value > 2**1500
