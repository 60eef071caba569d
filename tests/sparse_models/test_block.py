"""MLPBlock: validation, exact widening, evaluation against a hand computation, strict activity."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sparsecert.sparse_models import (
    Activation,
    InvalidArgument,
    MLPBlock,
    NonFiniteError,
    ShapeError,
    SparsecertError,
    UnsupportedActivation,
)


def _block(seed: int = 0, n: int = 5, s: int = 7, m: int | None = 3, activation: str = "relu") -> MLPBlock:
    rng = np.random.default_rng(seed)
    W2 = rng.normal(size=(m, s)) if m else None
    b2 = rng.normal(size=m) if m else None
    return MLPBlock(rng.normal(size=(s, n)), rng.normal(size=s), W2, b2, activation)


def _manual_forward(block: MLPBlock, x: list[float]) -> list[float]:
    """Plain-Python evaluation, one unit at a time, with the activation written out."""
    act = block.activation
    hidden = []
    for i in range(block.s):
        z = sum(float(block.W1[i, j]) * x[j] for j in range(block.n)) + float(block.b1[i])
        if act.name == "relu":
            h = max(z, 0.0)
        elif act.name == "step":
            h = 1.0 if z > 0 else 0.0
        elif act.name == "leaky_relu":
            h = z if z > 0 else act.alpha * z
        elif act.name == "identity":
            h = z
        elif act.name == "gelu":
            h = 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0)))
        elif act.name == "gelu_tanh":
            h = 0.5 * z * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))
        else:  # silu
            h = z / (1.0 + math.exp(-z))
        hidden.append(h)
    if block.W2 is None:
        return hidden
    return [sum(float(block.W2[r, i]) * hidden[i] for i in range(block.s)) + float(block.b2[r])
            for r in range(block.W2.shape[0])]


# --- construction and validation -------------------------------------------------------------

def test_sizes_and_repr():
    b = _block(n=5, s=7, m=3)
    assert (b.n, b.s, b.m) == (5, 7, 3)
    assert "n=5 s=7, m=3" in repr(b)
    assert _block(m=None).m is None


def test_b2_defaults_to_zero_and_arrays_are_read_only_copies():
    W1 = np.ones((2, 3))
    b = MLPBlock(W1, np.zeros(2), np.ones((1, 2)))
    assert np.array_equal(b.b2, np.zeros(1))
    W1[0, 0] = 5.0  # the caller's array is not shared
    assert b.W1[0, 0] == 1.0
    for arr in (b.W1, b.b1, b.W2, b.b2):
        assert arr.dtype == np.float64 and not arr.flags.writeable
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("kwargs, match", [
    (dict(W1=np.ones((2, 3)), b1=np.ones(3)), r"b1 has shape \(3,\) but W1 has 2 rows"),
    (dict(W1=np.ones(3), b1=np.ones(3)), r"W1 must be 2-dimensional"),
    (dict(W1=np.ones((0, 3)), b1=np.ones(0)), r"at least one unit"),
    (dict(W1=np.ones((2, 3)), b1=np.ones(2), W2=np.ones((1, 3))), r"W2 has shape \(1, 3\) but the hidden layer has 2"),
    (dict(W1=np.ones((2, 3)), b1=np.ones(2), b2=np.ones(1)), r"b2 was given without W2"),
    (dict(W1=np.ones((2, 3)), b1=np.ones(2), W2=np.ones((1, 2)), b2=np.ones(2)), r"b2 has shape \(2,\)"),
])
def test_shape_errors_name_the_problem(kwargs, match):
    with pytest.raises(ShapeError, match=match):
        MLPBlock(**kwargs)


def test_float32_and_float16_are_widened_exactly():
    rng = np.random.default_rng(1)
    W32 = rng.normal(size=(4, 6)).astype(np.float32)
    W32[0, 0] = np.float32(1e-40)  # a float32 subnormal
    b = MLPBlock(W32, np.zeros(4, dtype=np.float16) + np.float16(0.1))
    assert b.W1.dtype == np.float64
    assert np.array_equal(b.W1.astype(np.float32), W32)  # nothing lost
    assert all(float(b.W1[i, j]) == float(W32[i, j]) for i in range(4) for j in range(6))
    assert float(b.b1[0]) == float(np.float16(0.1))


def test_integers_are_exact_and_huge_integers_refused():
    b = MLPBlock(np.array([[1, -2, 3]], dtype=np.int64), np.array([2**53], dtype=np.int64))
    assert b.W1.tolist() == [[1.0, -2.0, 3.0]] and b.b1[0] == 2.0**53
    with pytest.raises(InvalidArgument, match=r"beyond 2\*\*53"):
        MLPBlock(np.array([[2**53 + 1]], dtype=np.int64), np.zeros(1))


@pytest.mark.parametrize("W1, error, match", [
    (np.array([[True, False]]), InvalidArgument, "boolean dtype"),
    (np.array([[1 + 2j, 0]]), InvalidArgument, "numeric array"),
    (np.array([["1", "2"]]), InvalidArgument, "numeric array"),
    (np.array([[1.0, None]], dtype=object), InvalidArgument, "numeric array"),
    (np.array([[np.nan, 1.0]]), NonFiniteError, "non-finite"),
    (np.array([[1.0, np.inf]]), NonFiniteError, r"non-finite value\(s\) \(first inf at index \(0, 1\)\)"),
    ([[1.0, 2.0], [3.0]], ShapeError, "not a rectangular numeric array"),
])
def test_bad_weights_are_refused_not_coerced(W1, error, match):
    with pytest.raises(error, match=match) as info:
        MLPBlock(W1, np.zeros(len(W1)))
    assert isinstance(info.value, SparsecertError)
    assert "W1" in str(info.value)


def test_non_finite_bias_and_output_weights_refused():
    with pytest.raises(NonFiniteError, match="b1"):
        MLPBlock(np.ones((1, 2)), [np.nan])
    with pytest.raises(NonFiniteError, match="W2"):
        MLPBlock(np.ones((1, 2)), [0.0], [[-np.inf]])


def test_unknown_activation_and_bad_name():
    with pytest.raises(UnsupportedActivation, match="unknown activation 'softplus'"):
        MLPBlock(np.ones((1, 2)), [0.0], activation="softplus")
    with pytest.raises(InvalidArgument, match="name must be a string"):
        MLPBlock(np.ones((1, 2)), [0.0], name=3)  # type: ignore[arg-type]


def test_activation_specs_round_trip():
    for spec in ("relu", "step", "leaky_relu:0.125", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "identity"):
        act = Activation.parse(spec)
        assert Activation.parse(act.spec) == act
    assert Activation.parse("leaky_relu") == Activation("leaky_relu", 0.01)
    with pytest.raises(UnsupportedActivation, match="not a number"):
        Activation.parse("leaky_relu:abc")
    with pytest.raises(UnsupportedActivation, match="takes no parameter"):
        Activation.parse("relu:2")


# --- evaluation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "step", "leaky_relu:0.2", "identity", "gelu", "gelu_tanh", "silu"])
def test_forward_matches_a_manual_computation(activation):
    block = _block(seed=3, activation=activation)
    X = np.random.default_rng(4).uniform(-2, 2, size=(20, block.n))
    out = block.forward(X)
    assert out.shape == (20, 3)
    for x, y in zip(X, out):
        np.testing.assert_allclose(y, _manual_forward(block, x.tolist()), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(block.forward(x), y, rtol=1e-13, atol=1e-13)  # one point ~ the batch row


def test_forward_without_output_layer_returns_hidden_activations():
    block = _block(m=None)
    x = np.linspace(-1, 1, block.n)
    np.testing.assert_array_equal(block.forward(x), block.hidden(x))
    np.testing.assert_allclose(block.forward(x), _manual_forward(block, x.tolist()), rtol=1e-12, atol=1e-15)


def test_input_shape_errors():
    block = _block(n=5)
    with pytest.raises(ShapeError, match="input has 4 coordinates but the block takes n=5"):
        block.forward(np.zeros(4))
    with pytest.raises(ShapeError, match=r"inputs must have shape \(5,\) or \(N, 5\)"):
        block.pre_activations(np.zeros((2, 2, 5)))
    with pytest.raises(NonFiniteError):
        block.active_count(np.full(5, np.nan))


@given(st.integers(min_value=-6, max_value=6), st.integers(min_value=-3, max_value=3))
def test_activity_is_strict_at_z_equal_tau(a, t):
    """z = a exactly (integer data); the unit is active iff a > tau, never at equality."""
    block = MLPBlock([[1.0, -1.0]], [float(a)])
    x = np.array([2.0, 2.0])
    assert block.pre_activations(x)[0] == a
    assert block.active_count(x, tau=t) == int(a > t)
    assert bool(block.active_mask(x, tau=float(a))[0]) is False


def test_active_count_of_a_batch_and_a_point():
    block = MLPBlock(np.eye(3), np.zeros(3))
    X = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 2.0, 3.0]])
    counts = block.active_count(X)
    assert counts.dtype == np.int64 and counts.tolist() == [2, 0, 2]
    assert block.active_count(X[2], tau=2.0) == 1 and isinstance(block.active_count(X[2]), int)


@pytest.mark.parametrize("tau, error", [(float("nan"), NonFiniteError), (float("inf"), NonFiniteError),
                                        (True, InvalidArgument), ("0", InvalidArgument), (None, InvalidArgument)])
def test_tau_validation(tau, error):
    with pytest.raises(error, match="tau"):
        _block().active_mask(np.zeros(5), tau=tau)


# --- derived blocks ----------------------------------------------------------------------------

def test_subset_keeps_units_and_output_columns():
    block = _block(s=7, m=2)
    sub = block.subset([4, 1])
    assert sub.s == 2
    np.testing.assert_array_equal(sub.W1, block.W1[[4, 1]])
    np.testing.assert_array_equal(sub.W2, block.W2[:, [4, 1]])
    np.testing.assert_array_equal(sub.b2, block.b2)
    x = np.random.default_rng(0).normal(size=block.n)
    np.testing.assert_array_equal(sub.pre_activations(x), block.pre_activations(x)[[4, 1]])
    assert block.subset(range(7)).same_as(block)


@pytest.mark.parametrize("units, match", [([], "at least one unit"), ([7], r"\[0, 7\)"), ([-1], r"\[0, 7\)")])
def test_subset_errors(units, match):
    with pytest.raises(InvalidArgument, match=match):
        _block(s=7).subset(units)


def test_replace_validates_again():
    block = _block()
    step = block.replace(activation="step", name="s")
    assert step.activation == Activation("step") and step.name == "s"
    assert np.array_equal(step.W1, block.W1) and not step.same_as(block)
    with pytest.raises(InvalidArgument, match="unknown MLPBlock field"):
        block.replace(width=3)
    with pytest.raises(ShapeError):
        block.replace(b1=np.zeros(block.s + 1))
    with pytest.raises(NonFiniteError):
        block.replace(W2=np.full_like(block.W2, np.nan))
