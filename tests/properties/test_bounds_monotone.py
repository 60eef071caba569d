"""Hypothesis properties: sample-size bounds fall with epsilon and delta and grow with n, s, k, d, F and the
norms; sparse bounds never exceed their dense counterparts when k <= s."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.bounds import REGISTRY, evaluate

SAMPLE_SIZES = ("lmn_samples_hoeffding", "lmn_samples_mcdiarmid", "lmn_samples", "end_to_end_samples",
                "end_to_end_samples_dense", "end_to_end_time", "generalization_sample_size",
                "generalization_sample_size_dense", "vc_sample_size")
# parameters each grows with (where the theory says so); all of them fall with epsilon and delta
GROWS_WITH = {
    "lmn_samples_hoeffding": ("n", "d", "F"),
    "lmn_samples_mcdiarmid": ("n", "d", "F"),
    "lmn_samples": ("n", "d", "F"),
    "end_to_end_samples": ("n", "s", "k", "B_a", "B_w", "B_b"),
    "end_to_end_samples_dense": ("n", "s", "B_a", "B_w", "B_b"),
    "end_to_end_time": ("n", "s", "k", "B_a", "B_w", "B_b"),
    "generalization_sample_size": ("n", "s", "k", "B_a", "B_w", "B_b", "R", "Y"),
    "generalization_sample_size_dense": ("n", "s", "B_a", "B_w", "B_b", "R", "Y"),
    "vc_sample_size": ("n", "s"),
}
WHOLE = {"n", "s", "k", "d", "m"}


@st.composite
def point(draw, name):
    """A parameter point valid for ``name`` (k <= s, epsilon < 1 where needed), kept small enough to be fast."""
    b = REGISTRY[name]
    s = draw(st.integers(1, 300))
    vals = {"n": draw(st.integers(1, 30)), "s": s, "k": draw(st.integers(1, s)), "d": draw(st.integers(0, 12)),
            "F": Fraction(draw(st.integers(1, 40)), 8), "B_a": Fraction(draw(st.integers(1, 16)), 8),
            "B_w": Fraction(draw(st.integers(1, 16)), 8), "B_b": Fraction(draw(st.integers(0, 16)), 8),
            "R": draw(st.integers(1, 10)), "Y": Fraction(draw(st.integers(1, 16)), 8),
            "epsilon": Fraction(draw(st.integers(1, 99)), 100), "delta": Fraction(draw(st.integers(1, 99)), 100)}
    if name.startswith("end_to_end"):
        vals["epsilon"] = Fraction(draw(st.integers(20, 400)), 10)  # keep N_d and the ceilings small
        vals["s"] = min(s, 40)
        vals["k"] = min(vals["k"], vals["s"])
    return {x: vals[x] for x in b.parameter_names}


def bigger(vals, key, data):
    v = vals[key]
    if key in WHOLE:
        hi = vals["s"] if key == "k" else v + 50
        return data.draw(st.integers(v, max(v, hi)))
    return v * Fraction(data.draw(st.integers(100, 400)), 100)


def value(name, vals):
    return evaluate(name, vals).number


@pytest.mark.parametrize("name", SAMPLE_SIZES)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_sample_sizes_fall_with_epsilon_and_delta(name, data):
    vals = data.draw(point(name))
    base = value(name, vals)
    for key in ("epsilon", "delta"):
        v = vals[key]
        smaller = v * Fraction(data.draw(st.integers(10, 100)), 100)
        assert value(name, {**vals, key: smaller}) >= base, (key, smaller)


@pytest.mark.parametrize("name", SAMPLE_SIZES)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_sample_sizes_grow_with_size_sparsity_and_norms(name, data):
    vals = data.draw(point(name))
    base = value(name, vals)
    key = data.draw(st.sampled_from(GROWS_WITH[name]))
    up = bigger(vals, key, data)  # raising s keeps k <= s; raising k stays within s
    assert value(name, {**vals, key: up}) >= base, (key, up)


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_rademacher_bounds_fall_with_m_and_grow_with_s_and_k(data):
    n = data.draw(st.integers(1, 200))
    s = data.draw(st.integers(1, 10**4))
    k = data.draw(st.integers(1, s))
    m = data.draw(st.integers(n + 1, 10**8))
    vals = dict(n=n, s=s, k=k, B_a=1, B_w=2, B_b=1, R=3, m=m)
    more_m = data.draw(st.integers(m, 10**9))
    for name in ("rademacher_sparse", "rademacher_best"):
        assert value(name, {**vals, "m": more_m}) <= value(name, vals) * (1 + 1e-12)
        assert value(name, {**vals, "k": data.draw(st.integers(k, s))}) >= value(name, vals)
        assert value(name, {**vals, "s": data.draw(st.integers(s, 2 * s))}) >= value(name, vals)
    # the gap is non-increasing in m for every m >= 1, across the switch at m = n + 1
    gap = dict(vals, delta="0.1", Y=1)
    ms = sorted({1, n, n + 1, n + 2, m, more_m})
    gaps = [value("generalization_gap", {**gap, "m": x}) for x in ms]
    assert all(a >= b * (1 - 1e-12) for a, b in zip(gaps, gaps[1:]))


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_sparse_is_at_most_dense(data):
    n = data.draw(st.integers(1, 30))
    s = data.draw(st.integers(1, 40))
    k = data.draw(st.integers(1, s))
    Ba, Bw, Bb = (Fraction(data.draw(st.integers(1, 16)), 8) for _ in range(3))
    eps, delta = Fraction(data.draw(st.integers(20, 400)), 10), Fraction(data.draw(st.integers(1, 99)), 100)
    m = data.draw(st.integers(1, 10**7))
    assert value("influence_sparse_relu", dict(s=s, k=k, B_a=Ba, B_w=Bw)) <= \
        value("influence_dense_relu", dict(s=s, B_a=Ba, B_w=Bw))
    c3 = dict(n=n, s=s, B_a=Ba, B_w=Bw, B_b=Bb, epsilon=eps, delta=delta)
    assert value("end_to_end_samples", {**c3, "k": k}) <= value("end_to_end_samples_dense", c3)
    assert value("end_to_end_time", {**c3, "k": k}) <= value("end_to_end_time_dense", c3)
    rad = dict(s=s, B_a=Ba, B_w=Bw, B_b=Bb, R=2, m=m)
    assert value("rademacher_best", {**rad, "n": n, "k": k}) <= value("rademacher_dense", rad)
    gen = dict(n=n, s=s, B_a=Ba, B_w=Bw, B_b=Bb, R=2, epsilon=eps, delta=delta, Y=1)
    assert value("generalization_sample_size", {**gen, "k": k}) <= value("generalization_sample_size_dense", gen)
    # the step bound never exceeds its own dense value (k = s)
    assert value("influence_step", dict(n=n, s=s, k=k, B_a=Ba)) <= value("influence_step", dict(n=n, s=s, k=s, B_a=Ba))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_e3_beats_e1_exactly_above_the_sparsity_threshold(data):
    n = data.draw(st.integers(1, 500))
    m = data.draw(st.integers(n + 1, 10**9))
    s = data.draw(st.integers(1, 10**6))
    k = data.draw(st.integers(1, s))
    rad = dict(s=s, B_a=1, B_w=1, B_b=0, R=1, m=m)
    e3, e1 = value("rademacher_sparse", {**rad, "n": n, "k": k}), value("rademacher_dense", rad)
    thr = value("sparsity_threshold", dict(n=n, m=m))
    if abs(s / k - thr) > 1e-9 * thr:
        assert (e3 < e1) == (s / k > thr)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_lower_bound_below_upper_bound(data):
    s = data.draw(st.integers(1, 10**4))
    k = data.draw(st.integers(1, s))
    m = data.draw(st.integers(1, 10**7))
    n = data.draw(st.integers(min(s // k, m), 10**4))
    vals = dict(n=n, s=s, k=k, B_a=Fraction(data.draw(st.integers(1, 16)), 8), B_w=1, R=data.draw(st.integers(1, 9)),
                m=m)
    low = value("rademacher_lower", vals)
    assert low <= value("rademacher_best", {**vals, "B_b": Fraction(data.draw(st.integers(0, 8)), 8)})
    assert value("vc_lower", dict(n=4, s=4)) <= value("vc_upper", dict(n=4, s=4))
