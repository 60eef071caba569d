"""ONNX loader: third-party graphs and hand-built ones against onnxruntime, and every refusal.

onnxruntime evaluates the original float32 graphs in float32, whose own rounding is far
above 1e-6 for a 784-input network; so the loader is compared with onnxruntime on the
same graph converted to float64 (within 1e-6, in practice ~1e-13), and with the original
float32 graph within float32 accuracy.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from sparsecert.sparse_models import (  # noqa: E402
    InvalidArgument,
    ModelFormatError,
    NonFiniteError,
    UnsupportedLayer,
    load,
    load_network,
)

FLOAT, DOUBLE = TensorProto.FLOAT, TensorProto.DOUBLE


# --- helpers ------------------------------------------------------------------------------------

def _session(model_or_path) -> "ort.InferenceSession":
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    data = model_or_path.SerializeToString() if not isinstance(model_or_path, (str, Path)) else str(model_or_path)
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])


def _real_input(model) -> tuple[str, list[int]]:
    inits = {i.name for i in model.graph.initializer}
    (inp,) = [i for i in model.graph.input if i.name not in inits]
    return inp.name, [d.dim_value if d.dim_value > 0 else 1 for d in inp.type.tensor_type.shape.dim]


def _to_float64(model):
    """The same graph with every float tensor, input, output and cast in float64."""
    m = copy.deepcopy(model)
    g = m.graph
    for i, init in enumerate(g.initializer):
        if init.data_type == FLOAT:
            g.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float64),
                                                              init.name))
    for v in list(g.input) + list(g.output) + list(g.value_info):
        if v.type.tensor_type.elem_type == FLOAT:
            v.type.tensor_type.elem_type = DOUBLE
    for node in g.node:
        for a in node.attribute:
            if a.name == "value" and a.t.data_type == FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(a.t).astype(np.float64), a.t.name))
            if node.op_type == "Cast" and a.name == "to" and a.i == FLOAT:
                a.i = DOUBLE
    return m


def _ort_forward(model, X: np.ndarray, dtype) -> np.ndarray:
    sess = _session(model)
    name, shape = _real_input(model)
    return np.vstack([sess.run(None, {name: x.reshape(shape).astype(dtype)})[0].reshape(1, -1) for x in X])


def _compare(path_or_model, net, X: np.ndarray, float64: bool = True) -> None:
    model = onnx.load(str(path_or_model)) if isinstance(path_or_model, (str, Path)) else path_or_model
    ours = net.forward(X)
    if float64:
        np.testing.assert_allclose(ours, _ort_forward(_to_float64(model), X, np.float64), rtol=1e-6, atol=1e-6)
    ref32 = _ort_forward(model, X, np.float32)
    scale = np.abs(ours).max() + 1.0
    assert np.max(np.abs(ours - ref32)) <= 1e-4 * scale  # float32 graph, float32 rounding


def _graph(nodes, inits, in_shape=("N", 3), out_shape=("N", 2), opset=17, inputs=None, outputs=None):
    g = helper.make_graph(
        nodes, "g",
        inputs or [helper.make_tensor_value_info("x", FLOAT, list(in_shape))],
        outputs or [helper.make_tensor_value_info("y", FLOAT, list(out_shape))],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _save(model, tmp_path: Path, name: str = "m.onnx") -> Path:
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def _rng_w(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# --- third-party graphs ------------------------------------------------------------------------------

SHARED_ONNX = ["onnx/fc1.onnx", "onnx/fc2.onnx", "onnx/fc_2-2-3.onnx", "onnx/mnist2x10.onnx",
               "acasxu/ACASXU_experimental_v2a_1_1.onnx", "acasxu/ACASXU_experimental_v2a_2_1.onnx",
               "acasxu/ACASXU_experimental_v2a_3_3.onnx"]


@pytest.mark.parametrize("rel", SHARED_ONNX)
def test_shared_onnx_models_match_onnxruntime(shared_models, rel):
    path = shared_models / rel
    net = load_network(path)
    X = np.random.default_rng(0).uniform(-1, 1, size=(25, net.n))
    _compare(path, net, X)


def test_shared_onnx_structure(shared_models):
    acas = load_network(shared_models / "acasxu/ACASXU_experimental_v2a_1_1.onnx")
    assert acas.n == 5 and acas.widths == (50,) * 6 and acas.normalization is None  # Sub of zeros is dropped
    fc2 = load_network(shared_models / "onnx/fc2.onnx")  # Gemm, Gemm: the first becomes an identity layer
    assert fc2.n == 784 and fc2.widths == (10,) and fc2.layers[0].activation.name == "identity"
    mnist = load(shared_models / "onnx/mnist2x10.onnx", layer=1)
    assert (mnist.n, mnist.s, mnist.m) == (10, 10, 10) and mnist.activation.name == "relu"


def test_matrix_input_graph_is_refused_with_the_reason(shared_models):
    with pytest.raises(UnsupportedLayer, match=r"input 'X' has shape \[25, 5\].*batch"):
        load_network(shared_models / "onnx/fc_matMul.onnx")


def test_layer_block_is_the_networks_hidden_layer(shared_models):
    path = shared_models / "acasxu/ACASXU_experimental_v2a_2_1.onnx"
    net = load_network(path)
    X = np.random.default_rng(1).uniform(-0.5, 0.5, size=(10, 5))
    pre = net.pre_activations(X)
    for layer in (0, 3, 5):
        block = load(path, layer=layer)
        inputs = X if layer == 0 else np.maximum(pre[layer - 1], 0)
        np.testing.assert_array_equal(block.pre_activations(inputs), pre[layer])


# --- hand-built graphs ---------------------------------------------------------------------------------

def test_gemm_transb_alpha_beta_exact(tmp_path):
    W1, b1, W2, b2 = _rng_w((3, 4)), _rng_w(4, 1), _rng_w((2, 4), 2), _rng_w((1, 2), 3)
    model = _graph([
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], name="g1", alpha=0.5, beta=2.0),  # transB=0
        helper.make_node("LeakyRelu", ["h"], ["a"], name="act", alpha=0.2),
        helper.make_node("Gemm", ["a", "W2", "b2"], ["y"], name="g2", transB=1, alpha=0.6, beta=0.4),
    ], dict(W1=W1, b1=b1, W2=W2, b2=b2))
    path = _save(model, tmp_path)
    net = load_network(path)
    assert net.layers[0].activation.spec == f"leaky_relu:{float(np.float32(0.2))!r}"
    # float32 x float32 products are exact in float64
    assert np.array_equal(net.layers[0].W, W1.T.astype(np.float64) * 0.5)
    assert np.array_equal(net.layers[1].W, W2.astype(np.float64) * float(np.float32(0.6)))
    _compare(path, net, np.random.default_rng(0).normal(size=(30, 3)))


def test_gemm_scaling_that_would_round_is_refused(tmp_path):
    W = np.random.default_rng(0).normal(size=(3, 2))  # float64 weights
    model = _graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="scaled", alpha=0.1)],
                   dict(W=W), out_shape=("N", 2))
    with pytest.raises(UnsupportedLayer, match=r"Gemm node 'scaled': alpha=0.1.* not exact"):
        load_network(_save(model, tmp_path))


def test_matmul_add_relu_chain_with_normalisation(tmp_path):
    mean = np.array([[0.5, -1.0, 2.0]], np.float32)
    rng = np.array([2.0, 3.0, 0.25], np.float32)
    W1, b1, W2, b2 = _rng_w((3, 5)), _rng_w(5, 1), _rng_w((5, 2), 2), _rng_w(2, 3)
    model = _graph([
        helper.make_node("Sub", ["x", "mean"], ["xs"], name="sub"),
        helper.make_node("Div", ["xs", "range"], ["xn"], name="div"),
        helper.make_node("MatMul", ["xn", "W1"], ["m1"], name="mm1"),
        helper.make_node("Add", ["b1", "m1"], ["z1"], name="add1"),  # bias first: Add is commutative
        helper.make_node("Relu", ["z1"], ["h1"], name="relu1"),
        helper.make_node("MatMul", ["h1", "W2"], ["m2"], name="mm2"),
        helper.make_node("Add", ["m2", "b2"], ["y"], name="add2"),
    ], {"mean": mean, "range": rng, "W1": W1, "b1": b1, "W2": W2, "b2": b2})
    path = _save(model, tmp_path)
    net = load_network(path)
    assert net.normalization is not None
    assert net.normalization.mean.tolist() == mean[0].tolist() and net.normalization.range.tolist() == rng.tolist()
    assert np.array_equal(net.layers[0].W, W1.T.astype(np.float64))  # the weights are not touched
    _compare(path, net, np.random.default_rng(0).normal(size=(30, 3)) * 3)
    block = load(path)
    assert block.n == 3 and block.s == 5  # the block works on normalised inputs
    np.testing.assert_array_equal(block.pre_activations(net.normalization(np.ones((1, 3)))),
                                  net.pre_activations(np.ones((1, 3)))[0])


def test_flatten_reshape_and_identity_dropout_pass_through(tmp_path):
    W1, W2 = _rng_w((12, 4)), _rng_w((4, 2), 1)
    model = _graph([
        helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape"),
        helper.make_node("Identity", ["r"], ["r2"], name="id"),
        helper.make_node("MatMul", ["r2", "W1"], ["z"], name="mm1"),
        helper.make_node("Relu", ["z"], ["h"], name="relu"),
        helper.make_node("Dropout", ["h"], ["d"], name="drop"),
        helper.make_node("Flatten", ["d"], ["f"], name="flat", axis=1),
        helper.make_node("MatMul", ["f", "W2"], ["y"], name="mm2"),
    ], {"shape": np.array([-1, 12], np.int64), "W1": W1, "W2": W2}, in_shape=("N", 3, 4))
    path = _save(model, tmp_path)
    net = load_network(path)
    assert net.n == 12 and net.widths == (4,)
    _compare(path, net, np.random.default_rng(0).normal(size=(20, 12)))


def test_two_affine_layers_in_a_row_keep_an_identity_layer(tmp_path):
    W1, W2, W3 = _rng_w((3, 4)), _rng_w((4, 4), 1), _rng_w((4, 2), 2)
    model = _graph([
        helper.make_node("MatMul", ["x", "W1"], ["a"], name="mm1"),
        helper.make_node("MatMul", ["a", "W2"], ["z"], name="mm2"),
        helper.make_node("Relu", ["z"], ["h"], name="relu"),
        helper.make_node("MatMul", ["h", "W3"], ["y"], name="mm3"),
    ], dict(W1=W1, W2=W2, W3=W3))
    path = _save(model, tmp_path)
    net = load_network(path)
    assert [l.activation.name if l.activation else None for l in net.layers] == ["identity", "relu", None]
    _compare(path, net, np.random.default_rng(0).normal(size=(20, 3)))


def _torch_export(tmp_path, activation, opset):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 6), activation, torch.nn.Linear(6, 2)).eval()
    path = tmp_path / f"t{opset}.onnx"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(1, 3),), str(path), dynamo=False, opset_version=opset,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    return path


@pytest.mark.parametrize("make, opset, expected, op", [
    (lambda nn: nn.GELU(), 17, "gelu", "Erf"),             # exported as the Erf pattern
    (lambda nn: nn.GELU(), 20, "gelu", "Gelu"),            # the Gelu operator
    (lambda nn: nn.GELU(approximate="tanh"), 17, "gelu_tanh", "Tanh"),
    (lambda nn: nn.GELU(approximate="tanh"), 20, "gelu_tanh", "Gelu"),
    (lambda nn: nn.SiLU(), 17, "silu", "Sigmoid"),         # x * Sigmoid(x)
    (lambda nn: nn.ReLU(), 17, "relu", "Relu"),
    (lambda nn: nn.LeakyReLU(0.125), 17, "leaky_relu", "LeakyRelu"),
])
def test_activations_exported_by_torch_are_recognised(tmp_path, make, opset, expected, op):
    torch = pytest.importorskip("torch")
    path = _torch_export(tmp_path, make(torch.nn), opset)
    assert op in {n.op_type for n in onnx.load(str(path)).graph.node}
    net = load_network(path)
    assert net.layers[0].activation.name == expected
    X = np.random.default_rng(0).normal(size=(40, 3)) * 2
    # onnxruntime has no float64 Gelu or Erf kernels: those graphs are compared in float32
    _compare(path, net, X, float64=op not in ("Gelu", "Erf"))
    torch.manual_seed(0)  # the exported module, evaluated by torch itself in float64
    module = torch.nn.Sequential(torch.nn.Linear(3, 6), make(torch.nn), torch.nn.Linear(6, 2)).double().eval()
    with torch.no_grad():
        ref = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("nodes, inits, match", [
    ([helper.make_node("MatMul", ["x", "W"], ["z"], name="mm"), helper.make_node("Exp", ["z"], ["y"], name="ex")],
     {"W": _rng_w((3, 2))}, r"Exp node 'ex' compute an elementwise function that is not an activation"),
    ([helper.make_node("MatMul", ["x", "W"], ["z"], name="mm"), helper.make_node("Hardmax", ["z"], ["y"], name="hm")],
     {"W": _rng_w((3, 2))}, r"Hardmax node 'hm' is not supported \(op type 'Hardmax'\)"),
    ([helper.make_node("MatMul", ["W", "x"], ["y"], name="left")], {"W": _rng_w((2, 3))},
     r"MatMul node 'left' has its weights on the left"),
    ([helper.make_node("Gemm", ["x", "W"], ["y"], name="ta", transA=1)], {"W": _rng_w((3, 2))},
     r"Gemm node 'ta' has transA=1"),
    ([helper.make_node("Relu", ["x"], ["r"], name="early"), helper.make_node("MatMul", ["r", "W"], ["y"], name="mm")],
     {"W": _rng_w((3, 2))}, r"Relu node 'early' is an activation that does not follow an affine layer"),
    ([helper.make_node("MatMul", ["x", "W"], ["z"], name="mm"), helper.make_node("Relu", ["z"], ["h"], name="r"),
      helper.make_node("Add", ["h", "z"], ["y"], name="skip")],
     {"W": _rng_w((3, 2))}, r"layer output 'z' is used by Relu node 'r', Add node 'skip'.*no branches"),
    ([helper.make_node("MatMul", ["x", "W"], ["z"], name="mm"), helper.make_node("Relu", ["z"], ["h"], name="r"),
      helper.make_node("Add", ["h", "c"], ["y"], name="shift")],
     {"W": _rng_w((3, 2)), "c": np.ones(2, np.float32)}, r"Add node 'shift' is not supported at this place"),
    ([helper.make_node("Mul", ["x", "c"], ["xs"], name="scale"), helper.make_node("MatMul", ["xs", "W"], ["y"], name="mm")],
     {"W": _rng_w((3, 2)), "c": np.full(3, 0.3, np.float32)}, r"Mul node 'scale' multiplies the input by a constant"),
    ([helper.make_node("Sub", ["x", "c"], ["a"], name="s1"), helper.make_node("Sub", ["a", "c"], ["b"], name="s2"),
      helper.make_node("MatMul", ["b", "W"], ["y"], name="mm")],
     {"W": _rng_w((3, 2)), "c": np.ones(3, np.float32)}, r"Sub node 's2' shifts the input a second time"),
    ([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], {"W": _rng_w((4, 2))},
     r"MatMul node 'mm': weight matrix of shape \[4, 2\] does not take the 3 features"),
    ([helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="g")], {"W": _rng_w((3, 2)), "b": np.ones(3, np.float32)},
     r"Gemm node 'g': bias of shape \[3\] does not fit 2 outputs"),
    ([helper.make_node("Div", ["x", "c"], ["xn"], name="div"), helper.make_node("MatMul", ["xn", "W"], ["y"])],
     {"W": _rng_w((3, 2)), "c": np.array([1.0, 0.0, 2.0], np.float32)}, r"Div node 'div' divides the input by zero"),
    ([helper.make_node("Identity", ["x"], ["y"], name="id")], {}, r"no Gemm or MatMul layer"),
])
def test_unsupported_and_malformed_graphs(tmp_path, nodes, inits, match):
    path = _save(_graph(nodes, inits), tmp_path)
    with pytest.raises(ModelFormatError, match=match) as info:
        load_network(path)
    assert str(path) in str(info.value)


def test_error_types_for_graph_problems(tmp_path):
    conv = _graph([helper.make_node("Conv", ["x", "W"], ["y"], name="conv1")], {"W": np.ones((2, 1, 3), np.float32)})
    with pytest.raises(UnsupportedLayer, match=r"Conv node 'conv1' is not supported \(op type 'Conv'\)"):
        load_network(_save(conv, tmp_path, "conv.onnx"))
    unnamed = _graph([helper.make_node("Tile", ["x", "r"], ["y"])], {"r": np.array([1, 1], np.int64)})
    with pytest.raises(UnsupportedLayer, match=r"Tile node #0 \(output 'y'\)"):
        load_network(_save(unnamed, tmp_path, "tile.onnx"))
    nan = _graph([helper.make_node("MatMul", ["x", "W"], ["y"])], {"W": np.full((3, 2), np.inf, np.float32)})
    with pytest.raises(NonFiniteError):
        load_network(_save(nan, tmp_path, "inf.onnx"))
    two_in = _graph([helper.make_node("Add", ["x", "x2"], ["y"])], {}, inputs=[
        helper.make_tensor_value_info("x", FLOAT, ["N", 2]), helper.make_tensor_value_info("x2", FLOAT, ["N", 2])])
    with pytest.raises(UnsupportedLayer, match=r"2 inputs \['x', 'x2'\]"):
        load_network(_save(two_in, tmp_path, "two.onnx"))
    noshape = _graph([helper.make_node("MatMul", ["x", "W"], ["y"])], {"W": _rng_w((3, 2))},
                     inputs=[helper.make_tensor_value_info("x", FLOAT, None)])
    with pytest.raises(UnsupportedLayer, match="declares no shape"):
        load_network(_save(noshape, tmp_path, "noshape.onnx"))
    custom = _graph([helper.make_node("MyOp", ["x"], ["y"], name="c", domain="com.example")], {})
    with pytest.raises(UnsupportedLayer, match="operator domain 'com.example'"):
        load_network(_save(custom, tmp_path, "custom.onnx"))
    with pytest.raises(InvalidArgument, match=r"\.onnx files record their activations"):
        load_network(_save(conv, tmp_path, "conv2.onnx"), activation="relu")


def test_external_data_is_never_read(tmp_path):
    W = _rng_w((3, 2))
    model = _graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], {"W": W})
    path = tmp_path / "ext.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    with pytest.raises(ModelFormatError, match="external file"):
        load_network(path)


def test_unreadable_onnx_files(tmp_path):
    good = _graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")], {"W": _rng_w((3, 2))})
    raw = good.SerializeToString()
    for name, content in {"trunc": raw[: len(raw) // 2], "text": b"this is not a model\n\x00\xff garbage"}.items():
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(content)
        with pytest.raises(ModelFormatError) as info:
            load_network(path)
        assert str(path) in str(info.value)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ModelFormatError, match="0 inputs"):
        load_network(empty)
