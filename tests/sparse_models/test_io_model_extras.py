"""Issue 17 items 6-7 at the model level: folded BatchNorm, trailing softmax, sigmoid/tanh, the skip term,
and the three writers (.npz, .safetensors, .onnx) that read back to the same block bit for bit."""

from __future__ import annotations

import warnings
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import (
    InvalidArgument,
    MLPBlock,
    ModelFormatError,
    Network,
    ShapeError,
    UnsupportedActivation,
    UnsupportedLayer,
    load,
    load_network,
    save_npz,
)
from sparsecert.sparse_models.head import LinearSkip, require_plain_output
from sparsecert.sparse_models.io import check_save_path, save_model
from sparsecert.sparse_models.io._batchnorm import fold_batchnorm
from sparsecert.sparse_models.network import Dense, as_block, output_block

SUFFIXES = [".npz", ".safetensors", ".onnx"]


def _needs(suffix: str) -> None:
    if suffix == ".onnx":
        pytest.importorskip("onnx")
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")


def _block(rng, act="relu", skip=True, out=None, notes=()):
    sk = LinearSkip(rng.normal(size=(3, 5)), rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=2)) \
        if skip else None
    return MLPBlock(rng.normal(size=(4, 5)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2), act,
                    name="b", skip=sk, output_activation=out, notes=notes)


# --- the block's new fields ----------------------------------------------------------------------------

def test_skip_and_softmax_change_the_output_never_the_activity():
    rng = np.random.default_rng(0)
    plain = _block(rng, skip=False)
    skip = LinearSkip(rng.normal(size=(3, 5)), rng.normal(size=3), rng.normal(size=(2, 3)))
    X = rng.normal(size=(40, 5))
    with_skip = plain.replace(skip=skip)
    assert np.array_equal(with_skip.forward(X), plain.forward(X) + (X @ skip.W1.T + skip.b1) @ skip.W2.T)
    soft = with_skip.replace(output_activation="softmax")
    logits = with_skip.forward(X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(soft.forward(X), e / e.sum(axis=1, keepdims=True), rtol=1e-15)
    log = with_skip.replace(output_activation="LogSoftmax")
    assert log.output_activation == "log_softmax"
    np.testing.assert_allclose(np.exp(log.forward(X)), soft.forward(X), rtol=1e-13)
    for b in (with_skip, soft, log):
        assert np.array_equal(b.active_mask(X), plain.active_mask(X))
    assert np.array_equal(soft.forward(X[0]), soft.forward(X[:1])[0])  # one point as a batch of one
    assert soft.subset([1, 3]).skip is skip and soft.subset([1]).output_activation == "softmax"
    assert not soft.same_as(with_skip) and soft.same_as(soft.replace(name="other"))
    assert "skip=rank 3" in repr(soft) and "output_activation=softmax" in repr(soft)


def test_skip_exact_affine_is_the_exact_product():
    W1, b1, W2, b2 = [[0.1, 3.0]], [0.7], [[0.3], [-2.0]], [0.5, 0.25]
    A, c = LinearSkip(W1, b1, W2, b2).exact_affine()
    q = Fraction
    assert A == [[q(0.3) * q(0.1), q(0.3) * q(3.0)], [q(-2.0) * q(0.1), q(-6.0)]]
    assert c == [q(0.3) * q(0.7) + q(0.5), q(-2.0) * q(0.7) + q(0.25)]
    A1, c1 = LinearSkip(W1, b1).exact_affine()  # without W2: W1 x + b1 itself
    assert A1 == [[q(0.1), q(3.0)]] and c1 == [q(0.7)]


@pytest.mark.parametrize("make, error, match", [
    (lambda: MLPBlock(np.ones((2, 3)), np.zeros(2), skip=LinearSkip(np.ones((1, 3)), [0.0])), ShapeError,
     "a skip term needs an output layer"),
    (lambda: MLPBlock(np.ones((2, 3)), np.zeros(2), np.ones((1, 2)), skip=LinearSkip(np.ones((1, 4)), [0.0])),
     ShapeError, "the skip term maps 4 inputs to 1 outputs but the block maps 3 to 1"),
    (lambda: MLPBlock(np.ones((2, 3)), np.zeros(2), output_activation="softmax"), ShapeError, "needs an output layer"),
    (lambda: MLPBlock(np.ones((2, 3)), np.zeros(2), np.ones((1, 2)), output_activation="sparsemax"),
     UnsupportedActivation, "unknown output activation 'sparsemax'"),
    (lambda: MLPBlock(np.ones((2, 3)), np.zeros(2), np.ones((1, 2)), skip=np.ones(3)), InvalidArgument,
     "skip must be a LinearSkip"),
    (lambda: LinearSkip(np.ones((2, 3)), np.zeros(3)), ShapeError, "skip b1 has shape"),
    (lambda: LinearSkip(np.ones((2, 3)), np.zeros(2), np.ones((1, 3))), ShapeError, "skip W2 has shape"),
    (lambda: LinearSkip(np.ones((2, 3)), [np.nan, 0.0]), InvalidArgument, "skip b1"),
    (lambda: Network([Dense(np.ones((2, 3)), np.zeros(2), "relu")], output_activation="softmax"), InvalidArgument,
     "needs an output layer"),
    (lambda: Network([Dense(np.ones((2, 3)), np.zeros(2), "relu"), Dense(np.ones((2, 2)), np.zeros(2), "relu"),
                      Dense(np.ones((1, 2)), np.zeros(1))], skip=LinearSkip(np.ones((1, 3)), [0.0])),
     InvalidArgument, "around one hidden layer only"),
])
def test_bad_skip_and_output_activation(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_output_reading_calls_refuse_skip_and_softmax_by_name():
    rng = np.random.default_rng(1)
    with pytest.raises(InvalidArgument, match="affine skip term"):
        output_block(_block(rng), "the output analysis")
    with pytest.raises(InvalidArgument, match="ends in softmax"):
        require_plain_output(_block(rng, skip=False, out="softmax"), "stack")
    require_plain_output(_block(rng, skip=False), "anything")  # a plain block passes


@pytest.mark.parametrize("act, f", [("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("tanh", np.tanh),
                                    ("logistic", lambda z: 1 / (1 + np.exp(-z)))])
def test_sigmoid_and_tanh_blocks(act, f):
    rng = np.random.default_rng(2)
    block = _block(rng, act, skip=False)
    assert block.activation.name == ("sigmoid" if act == "logistic" else act)
    assert not block.activation.piecewise_linear
    X = rng.normal(size=(30, 5)) * 3
    z = X @ block.W1.T + block.b1
    np.testing.assert_allclose(block.forward(X), f(z) @ block.W2.T + block.b2, rtol=1e-13, atol=1e-15)
    assert np.array_equal(block.active_mask(X), z > 0)  # activity is z > 0 whatever the activation


# --- writers: the file holds the block exactly --------------------------------------------------------

@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("act", ["relu", "leaky_relu:0.01", "identity", "sigmoid", "tanh", "silu", "gelu"])
@pytest.mark.parametrize("out", [None, "softmax", "log_softmax"])
def test_writers_read_back_bit_for_bit(tmp_path, suffix, act, out):
    _needs(suffix)
    rng = np.random.default_rng(3)
    block = _block(rng, act, skip=True, out=out, notes=("folded something", "second note"))
    path = save_model(block, tmp_path / f"m{suffix}")
    back = load(path)
    assert back.same_as(block) and back.notes == block.notes
    X = rng.normal(size=(64, 5)) * 2
    assert np.array_equal(back.forward(X), block.forward(X))


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_skip_without_inner_output_layer_and_plain_blocks(tmp_path, suffix):
    _needs(suffix)
    rng = np.random.default_rng(4)
    for block in (MLPBlock(rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=(2, 3)), rng.normal(size=2),
                           skip=LinearSkip(rng.normal(size=(2, 4)), rng.normal(size=2))),
                  MLPBlock(rng.normal(size=(3, 4)), rng.normal(size=3), activation="leaky_relu:0.3")):
        back = load(save_model(block, tmp_path / f"p{suffix}"))
        assert back.same_as(block)


def test_onnx_file_runs_in_onnxruntime_with_the_same_outputs(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 5))
    for act in ("relu", "leaky_relu:0.01", "identity"):  # affine ops in the same order: bit for bit
        block = _block(rng, act)
        path = save_model(block, tmp_path / "m.onnx")
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert np.array_equal(sess.run(None, {"input": X})[0], block.forward(X))
    for act, out in (("sigmoid", "softmax"), ("tanh", "log_softmax"), ("silu", None)):  # libm differs a little
        block = _block(rng, act, out=out)
        path = save_model(block, tmp_path / "m.onnx")
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(sess.run(None, {"input": X})[0], block.forward(X), rtol=1e-13, atol=1e-14)


def test_writer_refusals(tmp_path):
    pytest.importorskip("onnx")
    step = MLPBlock(np.ones((2, 3)), np.zeros(2), np.ones((1, 2)), activation="step")
    with pytest.raises(UnsupportedActivation, match="step units cannot be written to ONNX"):
        save_model(step, tmp_path / "s.onnx")
    with pytest.raises(UnsupportedActivation, match="step units"):
        check_save_path(tmp_path / "s.onnx", "-o", step)
    with pytest.raises(UnsupportedActivation, match="identity activation and no W2"):
        save_model(MLPBlock(np.ones((2, 3)), np.zeros(2), activation="identity"), tmp_path / "i.onnx")
    with pytest.raises(InvalidArgument, match=r"must end in \.npz, \.onnx, \.safetensors"):
        save_model(step, tmp_path / "s.txt")
    with pytest.raises(InvalidArgument, match="does not exist"):
        save_model(step, tmp_path / "nowhere" / "s.npz")
    deep = Network([Dense(np.ones((2, 3)), np.zeros(2), "relu"), Dense(np.ones((2, 2)), np.zeros(2), "relu"),
                    Dense(np.ones((1, 2)), np.zeros(1))])
    with pytest.raises(InvalidArgument, match="deep network"):
        save_model(deep, tmp_path / "d.npz")
    assert load(save_model(step, tmp_path / "s.safetensors")).same_as(step)  # other formats hold step units


def test_bad_skip_arrays_in_native_files(tmp_path):
    base = dict(W1=np.ones((2, 3)), b1=np.zeros(2), W2=np.ones((1, 2)), b2=np.zeros(1), format=np.array("sparsecert-mlp/1"))
    cases = [
        (dict(skip_W1=np.ones((1, 3))), ModelFormatError, "needs both 'skip_W1' and 'skip_b1'"),
        (dict(skip_W1=np.ones((1, 4)), skip_b1=np.zeros(1)), ModelFormatError, "the skip term maps 4 inputs"),
        (dict(skip_W1=np.ones((1, 3)), skip_b1=np.zeros(1), skip_W2=np.ones((2, 1))), ModelFormatError,
         "maps 3 inputs to 2 outputs"),
        (dict(output_activation=np.array("sparsemax")), UnsupportedActivation, "unknown output activation"),
        (dict(notes=np.array("one string")), ModelFormatError, "'notes' must hold a 1-D array of strings"),
    ]
    for extra, error, match in cases:
        path = tmp_path / "bad.npz"
        np.savez(path, **base, **extra)
        with pytest.raises(error, match=match):
            load(path)


# --- BatchNorm folding -------------------------------------------------------------------------------

def _decimal_fold(W, b, scale, beta, mean, var, eps):
    getcontext().prec = 120
    W2, b2 = np.empty_like(W), np.empty(len(b))
    for i in range(W.shape[0]):
        r = (Decimal(float(var[i])) + Decimal(float(eps))).sqrt()
        for j in range(W.shape[1]):
            W2[i, j] = float(Decimal(float(scale[i])) * Decimal(float(W[i, j])) / r)
        b2[i] = float(Decimal(float(scale[i])) * (Decimal(float(b[i])) - Decimal(float(mean[i]))) / r
                      + Decimal(float(beta[i])))
    return W2, b2


def test_fold_is_correctly_rounded():
    rng = np.random.default_rng(6)
    W, b = rng.normal(size=(12, 9)), rng.normal(size=12)
    scale, beta, mean = rng.normal(size=12), rng.normal(size=12), rng.normal(size=12)
    var = rng.uniform(0.01, 3, size=12)
    var[0] = 4.0  # with eps = 0 below: an exact square root
    for eps in (1e-5, 0.0):
        W2, b2 = fold_batchnorm(W, b, scale, beta, mean, var, eps, "bn")
        R, r = _decimal_fold(W, b, scale, beta, mean, var, eps)
        assert np.array_equal(W2, R) and np.array_equal(b2, r)
    assert np.array_equal(W2[0], W[0] * scale[0] / 2.0)  # exact case: no rounding beyond the product's own


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(var=[-1.0, 1.0]), ModelFormatError, r"variance \+ epsilon = -0.99999 <= 0"),
    (dict(var=[1.0]), ModelFormatError, "has 1 entries but the layer before it has 2 outputs"),
    (dict(mean=[np.nan, 0.0]), Exception, "NaN or infinity"),
])
def test_fold_refusals(kwargs, error, match):
    args = dict(scale=[1.0, 1.0], beta=[0.0, 0.0], mean=[0.0, 0.0], var=[1.0, 1.0])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fold_batchnorm(np.ones((2, 2)), np.zeros(2), args["scale"], args["beta"], args["mean"], args["var"], 1e-5,
                       "bn")


# ONNX graphs built by hand ---------------------------------------------------------------------------------

def _onnx_model(nodes, inits, n=3, m=2, opset=17):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", n])],
                          [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", m])],
                          [numpy_helper.from_array(np.asarray(v, dtype=np.float64), k) for k, v in inits.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 9
    return onnx, model


def _bn_inits(rng, k):
    return {"s": rng.uniform(0.5, 2, k), "be": rng.normal(size=k), "mu": rng.normal(size=k),
            "var": rng.uniform(0.2, 2, k)}


def test_onnx_batchnorm_is_folded_and_noted(tmp_path):
    from onnx import helper
    rng = np.random.default_rng(7)
    inits = {"W": rng.normal(size=(4, 3)), "B": rng.normal(size=4), "W2": rng.normal(size=(2, 4)),
             "B2": rng.normal(size=2), **_bn_inits(rng, 4)}
    nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["z"], name="fc1", transB=1),
             helper.make_node("BatchNormalization", ["z", "s", "be", "mu", "var"], ["zn"], name="bn1", epsilon=1e-3),
             helper.make_node("Relu", ["zn"], ["h"], name="act"),
             helper.make_node("Gemm", ["h", "W2", "B2"], ["y"], name="fc2", transB=1)]
    onnx, model = _onnx_model(nodes, inits)
    path = tmp_path / "bn.onnx"
    onnx.save(model, str(path))
    block = load(path)
    eps = float(np.float32(1e-3))  # ONNX stores the attribute as float32: that value is the file's epsilon
    W, b = fold_batchnorm(inits["W"], inits["B"], inits["s"], inits["be"], inits["mu"], inits["var"], eps, "bn")
    assert np.array_equal(block.W1, W) and np.array_equal(block.b1, b)
    assert len(block.notes) == 1 and "BatchNormalization node 'bn1'" in block.notes[0]
    assert "Gemm node 'fc1'" in block.notes[0] and "model that is verified" in block.notes[0]
    X = rng.normal(size=(40, 3))
    ort = pytest.importorskip("onnxruntime")
    ref = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": X})[0]
    np.testing.assert_allclose(block.forward(X), ref, rtol=1e-12, atol=1e-12)
    # the notes survive writing the folded block
    for suffix in SUFFIXES:
        _needs(suffix)
        assert load(save_model(block, tmp_path / f"f{suffix}")).notes == block.notes


@pytest.mark.parametrize("where, match", [
    ("input", r"BatchNormalization node 'bn' is applied to the network input, not directly to an affine layer"),
    ("after_relu", r"BatchNormalization node 'bn' is applied to an activation, not directly to an affine layer"),
    ("training", r"BatchNormalization node 'bn' is in training mode"),
    ("outputs", r"BatchNormalization node 'bn' is in training mode"),
])
def test_onnx_batchnorm_refusals(tmp_path, where, match):
    from onnx import helper
    rng = np.random.default_rng(8)
    k = 3 if where == "input" else 4
    inits = {"W": rng.normal(size=(4, 3)), "B": rng.normal(size=4), "W2": rng.normal(size=(2, 4)), **_bn_inits(rng, k)}
    bn_in = {"input": "x", "after_relu": "h"}.get(where, "z")
    outs = ["zn", "rm", "rv"] if where == "outputs" else ["zn"]
    attrs = {"training_mode": 1} if where == "training" else {}
    bn = helper.make_node("BatchNormalization", [bn_in, "s", "be", "mu", "var"], outs, name="bn", **attrs)
    gemm = helper.make_node("Gemm", ["zn" if where == "input" else "x", "W", "B"], ["z"], name="fc1", transB=1)
    if where == "input":
        nodes = [bn, gemm, helper.make_node("Relu", ["z"], ["h"]), helper.make_node("MatMul", ["h", "W2"], ["y"])]
        inits["W2"] = inits["W2"].T
    elif where == "after_relu":
        nodes = [gemm, helper.make_node("Relu", ["z"], ["h"]), bn, helper.make_node("Gemm", ["zn", "W2"], ["y"], transB=1)]
    else:
        nodes = [gemm, bn, helper.make_node("Relu", ["zn"], ["h"]), helper.make_node("Gemm", ["h", "W2"], ["y"], transB=1)]
    onnx, model = _onnx_model(nodes, inits)
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    with pytest.raises(UnsupportedLayer, match=match):
        load_network(path)


# softmax, sigmoid, tanh in ONNX ------------------------------------------------------------------------------

@pytest.mark.parametrize("op, name", [("Softmax", "softmax"), ("LogSoftmax", "log_softmax")])
@pytest.mark.parametrize("opset", [11, 17])
def test_onnx_trailing_softmax_is_recorded(tmp_path, op, name, opset):
    from onnx import helper
    rng = np.random.default_rng(9)
    inits = {"W": rng.normal(size=(4, 3)), "B": rng.normal(size=4), "W2": rng.normal(size=(2, 4)), "B2": rng.normal(size=2)}
    nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["z"], transB=1), helper.make_node("Tanh", ["z"], ["h"]),
             helper.make_node("Gemm", ["h", "W2", "B2"], ["l"], transB=1),
             helper.make_node(op, ["l"], ["y"], name="sm", axis=1)]
    onnx, model = _onnx_model(nodes, inits, opset=opset)
    path = tmp_path / "sm.onnx"
    onnx.save(model, str(path))
    net = load_network(path)
    assert net.output_activation == name and net.hidden_layers == 1 and net.layers[0].activation.name == "tanh"
    block = load(path)
    assert block.output_activation == name
    X = rng.normal(size=(30, 3))
    ort = pytest.importorskip("onnxruntime")
    ref = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": X})[0]
    np.testing.assert_allclose(block.forward(X), ref, rtol=1e-12, atol=1e-14)
    assert np.array_equal(block.active_mask(X), X @ inits["W"].T + inits["B"] > 0)


@pytest.mark.parametrize("case, match", [
    ("after_relu", r"Softmax node 'sm' is applied to an activation; a Softmax / LogSoftmax is supported only"),
    ("not_last", r"Relu node 'late' follows the network's softmax layer; a Softmax / LogSoftmax must be the last"),
    ("axis0", r"Softmax node 'sm' has axis=0 for a rank-2 tensor: it is not taken over the features"),
])
def test_onnx_softmax_refusals(tmp_path, case, match):
    from onnx import helper
    rng = np.random.default_rng(10)
    inits = {"W": rng.normal(size=(2, 3)), "B": rng.normal(size=2)}
    gemm = helper.make_node("Gemm", ["x", "W", "B"], ["z"], transB=1)
    if case == "after_relu":
        nodes = [gemm, helper.make_node("Relu", ["z"], ["h"]), helper.make_node("Softmax", ["h"], ["y"], name="sm")]
    elif case == "not_last":
        nodes = [gemm, helper.make_node("Softmax", ["z"], ["p"], name="sm"),
                 helper.make_node("Relu", ["p"], ["y"], name="late")]
    else:
        nodes = [gemm, helper.make_node("Softmax", ["z"], ["y"], name="sm", axis=0)]
    onnx, model = _onnx_model(nodes, inits)
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    with pytest.raises(UnsupportedLayer, match=match):
        load_network(path)


def test_onnx_skip_branch_refusals(tmp_path):
    from onnx import helper
    rng = np.random.default_rng(11)
    inits = {"W": rng.normal(size=(2, 3)), "S": rng.normal(size=(2, 3)), "T": rng.normal(size=(2, 3)),
             "W2": rng.normal(size=(2, 2))}
    two = [helper.make_node("Gemm", ["x", "W"], ["z"], transB=1), helper.make_node("Relu", ["z"], ["h"]),
           helper.make_node("Gemm", ["h", "W2"], ["o"], transB=1),
           helper.make_node("Gemm", ["x", "S"], ["s1"], transB=1), helper.make_node("Gemm", ["x", "T"], ["s2"], transB=1),
           helper.make_node("Add", ["s1", "s2"], ["y"])]
    onnx, model = _onnx_model(two, inits)
    onnx.save(model, str(tmp_path / "two.onnx"))
    with pytest.raises(UnsupportedLayer, match="summed; sparsecert reads one chain"):
        load_network(tmp_path / "two.onnx")
    after_act = [helper.make_node("Gemm", ["x", "W"], ["z"], transB=1), helper.make_node("Relu", ["z"], ["h"]),
                 helper.make_node("Gemm", ["x", "S"], ["s"], transB=1), helper.make_node("Add", ["h", "s"], ["y"])]
    onnx, model = _onnx_model(after_act, inits)
    onnx.save(model, str(tmp_path / "after.onnx"))
    with pytest.raises(UnsupportedLayer, match="adds the affine skip branch after an activation"):
        load_network(tmp_path / "after.onnx")


@pytest.mark.parametrize("op, name", [("Sigmoid", "sigmoid"), ("Tanh", "tanh")])
def test_onnx_sigmoid_and_tanh_hidden_layers(tmp_path, op, name):
    from onnx import helper
    rng = np.random.default_rng(12)
    inits = {"W": rng.normal(size=(3, 4)), "W2": rng.normal(size=(4, 2))}
    nodes = [helper.make_node("MatMul", ["x", "W"], ["z"]), helper.make_node(op, ["z"], ["h"]),
             helper.make_node("MatMul", ["h", "W2"], ["y"])]
    onnx, model = _onnx_model(nodes, inits)
    onnx.save(model, str(tmp_path / "a.onnx"))
    block = load(tmp_path / "a.onnx")
    assert block.activation.name == name


# PyTorch modules ------------------------------------------------------------------------------------------

def _bn_module(torch, nn, *mods):
    torch.manual_seed(0)
    m = nn.Sequential(*mods)
    with torch.no_grad():
        for bn in m:
            if isinstance(bn, nn.BatchNorm1d):
                bn.running_mean.uniform_(-1, 1)
                bn.running_var.uniform_(0.3, 2)
                if bn.weight is not None:
                    bn.weight.uniform_(-2, 2)
                    bn.bias.uniform_(-1, 1)
    return m.eval()


def test_from_torch_folds_batchnorm_and_records_softmax():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    from sparsecert.sparse_models import from_torch
    m = _bn_module(torch, nn, nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Sigmoid(), nn.Linear(8, 3),
                   nn.BatchNorm1d(3, affine=False), nn.Softmax(dim=-1))
    net = from_torch(m)
    assert net.output_activation == "softmax" and net.layers[0].activation.name == "sigmoid"
    assert len(net.notes) == 2 and "BatchNorm1d layer '1'" in net.notes[0] and "Linear layer '0'" in net.notes[0]
    bn = m[1]
    W, b = fold_batchnorm(m[0].weight.detach().double().numpy(), m[0].bias.detach().double().numpy(),
                          bn.weight.detach().double().numpy(), bn.bias.detach().double().numpy(),
                          bn.running_mean.double().numpy(), bn.running_var.double().numpy(), bn.eps, "bn")
    assert np.array_equal(net.layers[0].W, W) and np.array_equal(net.layers[0].b, b)
    X = np.random.default_rng(0).normal(size=(40, 5))
    with torch.no_grad():
        ref = m.double()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), ref, rtol=1e-12, atol=1e-14)
    block = as_block(net)
    assert block.output_activation == "softmax" and block.notes == net.notes


@pytest.mark.parametrize("make, match", [
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1)).train(),
     r"BatchNorm1d layer '1' is in training mode"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False), nn.Linear(4, 1)).eval(),
     r"track_running_stats=False"),
    (lambda nn: nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 1)).eval(), r"BatchNorm1d layer '0' does not directly"
                                                                          r" follow a Linear layer"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 1)).eval(),
     r"BatchNorm1d layer '2' does not directly follow a Linear layer"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Softmax(dim=1)), r"layer '2' \(Softmax\) does not"
                                                                             r" directly follow the last Linear"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=1), nn.Linear(4, 1)), r"layer '2' \(Linear\) follows"
                                                                                    r" the final softmax"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.LogSoftmax(dim=0)), r"LogSoftmax\(dim=0\); only a softmax over"),
    (lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Softplus(), nn.Linear(4, 1)), r"layer '1' is a Softplus"),
])
def test_from_torch_refusals_for_the_new_layers(make, match):
    torch = pytest.importorskip("torch")
    from sparsecert.sparse_models import from_torch
    with pytest.raises(UnsupportedLayer, match=match):
        from_torch(make(torch.nn))


def test_torch_exported_onnx_with_batchnorm_and_logsoftmax(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    nn = torch.nn
    m = _bn_module(torch, nn, nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 3), nn.LogSoftmax(dim=1))
    path = tmp_path / "t.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (torch.zeros(1, 5),), str(path), dynamo=False, opset_version=17, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    block = load(path)
    assert block.activation.name == "tanh" and block.output_activation == "log_softmax" and len(block.notes) == 1
    X = np.random.default_rng(1).normal(size=(30, 5))
    with torch.no_grad():
        ref = m.double()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(block.forward(X), ref, rtol=1e-6, atol=1e-6)  # the file's weights are float32


def test_state_dict_with_batchnorm_is_refused_with_the_way_out(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    m = _bn_module(torch, nn, nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    path = tmp_path / "sd.pt"
    torch.save(m.state_dict(), path)
    with pytest.raises(UnsupportedLayer, match=r"'1.running_mean' belongs to a BatchNorm layer.*from_torch"):
        load(path, activation="relu")


def test_notes_and_output_activation_shown_by_info(tmp_path, cli):
    rng = np.random.default_rng(13)
    block = _block(rng, "tanh", skip=True, out="softmax", notes=("BatchNorm folded: the folded float64 network is"
                                                                 " the model that is verified",))
    path = save_npz(block, tmp_path / "m.npz")
    res = cli("info", path)
    assert res.code == 0, res.err
    assert "output      softmax" in res.out and "skip term   affine, rank 3" in res.out
    assert "note        BatchNorm folded" in res.out and "tanh" in res.out
    import json
    out = json.loads(cli("info", path, "--json").out)
    assert out["notes"] == list(block.notes) and out["output_activation"] == "softmax" and out["skip_rank"] == 3
