"""Structure of the registry, symbols and premises: names pinned by the issue, labels, derivation chains,
and premises that refuse values outside the theorems' hypotheses."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from sparsecert.properties.bounds import LABELS, REGISTRY, SYMBOLS, evaluate, get_bound, latex, symbol, text
from sparsecert.properties.bounds import symbols as S
from sparsecert.sparse_models.errors import InvalidArgument, SparsecertError

PINNED = ("influence_sparse_relu", "influence_dense_relu", "influence_step", "lmn_degree", "lmn_samples_hoeffding",
          "lmn_samples_mcdiarmid", "end_to_end_time", "rademacher_dense", "rademacher_sparse", "rademacher_lower",
          "generalization_sample_size", "sq_queries", "vc_upper")
SECTION8 = ("n", "s", "k", "B_a", "B_w", "B_b", "R", "m", "epsilon", "delta", "d", "F")

RAD = dict(n=100, s=1000, k=4, B_a=1, B_w=1, B_b=1, R=10, m=10**6)


def test_pinned_entries_exist():
    assert set(PINNED) <= set(REGISTRY)


def test_parameter_names_follow_theory_section_8():
    assert set(SECTION8) | {"t", "tau", "gamma", "Y"} == set(SYMBOLS)
    for name in SECTION8 + ("t", "tau", "gamma", "Y"):
        sym = symbol(name)
        assert sym.name == name
        assert sym.is_positive or (name in ("B_b", "d") and sym.is_nonnegative)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_entry_is_well_formed(name):
    b = get_bound(name)
    assert b.label in LABELS
    assert b.section.startswith("§")
    assert b.description and b.quantity
    assert b.direction in ("upper", "lower", "threshold")
    assert all(x in (spec.symbol for spec in SYMBOLS.values()) for x in b.symbols)
    assert set(b.expr.free_symbols) <= set(b.symbols) | ({b.search.variable} if b.search else set())
    for parent in b.derived_from:
        assert parent in REGISTRY and parent != name
    assert b.substitutions or not b.derived_from
    for p in b.premises:
        assert p.name and p.message
    assert text(b) and latex(b)
    if "k" in b.parameter_names and "s" in b.parameter_names:
        assert any(p.name == "k <= s" for p in b.premises)
    if b.quantity == "samples m":
        assert b.output == S.m


def test_labels_match_theory():
    assert get_bound("lmn_samples_hoeffding").label == "[STANDARD]"
    assert get_bound("lmn_samples_mcdiarmid").label == "[DERIVED]"
    assert get_bound("rademacher_dense").label == "[STANDARD]"
    assert get_bound("rademacher_sparse").label == "[DERIVED]"
    assert get_bound("rademacher_lower").label == "[THIRD-PARTY]"
    assert get_bound("vc_upper").label == "[STANDARD]"
    assert get_bound("influence_sparse_relu").label == "[DERIVED]"


def test_relu_only_entries_say_so():
    for name in ("rademacher_dense", "rademacher_sparse", "rademacher_lower", "generalization_sample_size",
                 "influence_sparse_relu", "end_to_end_time"):
        assert get_bound(name).activations == frozenset({"relu"})
    assert get_bound("influence_step").activations == frozenset({"step"})


def test_unknown_names_are_refused():
    with pytest.raises(InvalidArgument, match="unknown bound 'nope'.*influence_sparse_relu"):
        get_bound("nope")
    with pytest.raises(InvalidArgument, match="unknown parameter 'q'"):
        symbol("q")


def test_a_symbol_with_other_assumptions_does_not_silently_match():
    with pytest.raises(InvalidArgument, match="not one of the registry's symbols"):
        evaluate("vc_upper", {sp.Symbol("n"): 3, "s": 4})
    assert evaluate("vc_upper", {S.n: 3, S.s: 4}).value == evaluate("vc_upper", {"n": 3, "s": 4}).value


def test_values_are_exact():
    e = evaluate("influence_sparse_relu", {"s": 10, "k": 2, "B_a": "0.1", "B_w": 0.3})
    assert e.is_exact and Fraction(e.exact) == Fraction(16) * Fraction(1, 100) * Fraction(9, 100)


# ---- premises -----------------------------------------------------------------------------------------------
def test_rademacher_sparse_needs_m_at_least_n_plus_1():
    with pytest.raises(InvalidArgument, match=r"premise m >= n \+ 1 fails"):
        evaluate("rademacher_sparse", {**RAD, "m": 100})
    assert evaluate("rademacher_sparse", {**RAD, "m": 101}).value > 0
    # the combined bound has no such premise: below n+1 it uses E1 and the envelope
    assert evaluate("rademacher_best", {**RAD, "m": 100}).value == pytest.approx(min(4 * 11, 2 * 1000 * 11 / 10))


def test_k_at_most_s():
    with pytest.raises(InvalidArgument, match="premise k <= s fails"):
        evaluate("influence_sparse_relu", {"s": 3, "k": 4, "B_a": 1, "B_w": 1})


@pytest.mark.parametrize("name, values, match", [
    ("lmn_samples_mcdiarmid", dict(n=5, d=1, F=1, epsilon="0.1", delta=1), "delta must be a number > 0 and < 1"),
    ("lmn_samples_mcdiarmid", dict(n=5, d=1, F=1, epsilon=0, delta="0.1"), "epsilon must be a number > 0"),
    ("vc_sample_size", dict(n=5, s=3, epsilon="1.5", delta="0.1"), "premise epsilon < 1 fails"),
    ("vc_upper", dict(n="2.5", s=3), "n must be a whole number"),
    ("influence_sparse_relu", dict(s=3, k=1, B_a=-1, B_w=1), "B_a must be a number > 0"),
    ("sq_queries", dict(n=5, t=6, tau="0.1", gamma="0.5"), "premise t <= n fails"),
    ("sq_queries", dict(n=5, t=2, tau="0.1", gamma="1.5"), "gamma must be"),
    ("sq_cube_root_lower", dict(n=8, t=3), r"premise t\^2 <= n fails"),
    ("rademacher_lower", dict(n=10, s=100, k=1, B_a=1, B_w=1, R=1, m=1000), r"premise n >= min\(floor\(s/k\), m\)"),
    ("vc_lower", dict(n=16, s=17), "premise s <= max"),
    ("sparsity_threshold", dict(n=10, m=5), r"premise m >= n \+ 1"),
])
def test_premises_and_domains_name_what_failed(name, values, match):
    with pytest.raises(InvalidArgument, match=match):
        evaluate(name, values)


def test_activation_premise():
    vals = dict(s=10, k=2, B_a=1, B_w=1)
    with pytest.raises(InvalidArgument, match=r"activation in \{relu\}.*step"):
        evaluate("influence_sparse_relu", vals, activation="step")
    assert evaluate("influence_sparse_relu", vals, activation="relu").value == 16
    with pytest.raises(InvalidArgument, match="step units only"):
        evaluate("influence_step", dict(n=4, s=10, k=2, B_a=1), activation="leaky_relu:0.01")
    # an activation-free bound accepts any activation
    assert evaluate("lmn_samples", dict(n=4, d=1, F=1, epsilon=1, delta="0.5"), activation="gelu").value > 0


def test_missing_and_unused_values():
    with pytest.raises(InvalidArgument, match="needs values for: B_w"):
        evaluate("influence_sparse_relu", dict(s=10, k=2, B_a=1))
    with pytest.raises(InvalidArgument, match="does not use m"):
        evaluate("influence_sparse_relu", dict(s=10, k=2, B_a=1, B_w=1, m=5))
    assert evaluate("influence_sparse_relu", dict(s=10, k=2, B_a=1, B_w=1, m=5), strict=False).value == 16


def test_bias_free_networks_are_allowed():
    e = evaluate("sup_norm_relu", dict(n=4, s=3, k=1, B_a=1, B_w=1, B_b=0))
    assert e.value == 2 and e.is_exact


def test_errors_are_sparsecert_errors():
    with pytest.raises(SparsecertError):
        evaluate("vc_upper", dict(n="x", s=3))
