"""Writing a block as an ONNX graph in float64 (every weight exact), in the form :mod:`.onnx_io` reads back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UnsupportedActivation
from .onnx_io import _NOTES_KEY, _onnx


def check_onnx_writable(block: Any) -> None:
    """Raise :class:`UnsupportedActivation` if :func:`save_onnx` cannot write ``block`` exactly."""
    act = block.activation
    if act.name == "step":
        raise UnsupportedActivation("step units cannot be written to ONNX (it has no exact step operator);"
                                    " write the model as .npz or .safetensors instead")
    if act.name == "identity" and block.W2 is None:
        raise UnsupportedActivation("a block with the identity activation and no W2 has no layer an ONNX graph can"
                                    " mark as hidden; write it as .npz or .safetensors instead")


def save_onnx(model: Any, path: "str | os.PathLike[str]") -> Path:
    """Write a block (or a one-hidden-layer Network) as an ONNX graph in float64, so every weight is exact.

    The graph: input ``input`` [N, n] -> ``Gemm`` (W1, b1) -> the activation -> ``Gemm`` (W2,
    b2); a skip term becomes a parallel branch from the input, ``Gemm`` (skip W1, skip b1) then
    ``MatMul`` (skip W2) (and ``Add`` of skip b2), summed into the output by an ``Add``; an
    output activation is a final ``Softmax`` / ``LogSoftmax`` (axis -1). Activations: Relu,
    PRelu (leaky_relu: its slope as a float64 tensor, exact, where LeakyRelu's attribute would
    round it to float32), Sigmoid, Tanh, x * Sigmoid(x) (silu), Gelu (opset 20; onnxruntime has
    no float64 kernel for the exact erf form), Identity. Step units have no ONNX operator and are
    refused. The block's notes and activation are kept in the model's metadata. :func:`load`
    reads the file back to the same block, bit for bit.
    """
    from ..network import block_to_write

    onnx, nh = _onnx()
    helper = onnx.helper
    block = block_to_write(model, "save_onnx")
    check_onnx_writable(block)
    act = block.activation
    path = Path(path)
    D = onnx.TensorProto.DOUBLE
    inits: list[Any] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(nh.from_array(np.ascontiguousarray(np.asarray(arr, dtype=np.float64)), name))
        return name

    nodes = [helper.make_node("Gemm", ["input", const("W1", block.W1), const("b1", block.b1)], ["z"], name="layer1",
                              transB=1)]
    opset = 17
    if act.name == "relu":
        nodes.append(helper.make_node("Relu", ["z"], ["h"], name="activation"))
    elif act.name == "leaky_relu":
        nodes.append(helper.make_node("PRelu", ["z", const("slope", np.array([act.alpha]))], ["h"], name="activation"))
    elif act.name in ("sigmoid", "tanh"):
        nodes.append(helper.make_node(act.name.capitalize(), ["z"], ["h"], name="activation"))
    elif act.name == "silu":
        nodes += [helper.make_node("Sigmoid", ["z"], ["sig"], name="activation_sigmoid"),
                  helper.make_node("Mul", ["z", "sig"], ["h"], name="activation")]
    elif act.name in ("gelu", "gelu_tanh"):
        opset = 20
        nodes.append(helper.make_node("Gelu", ["z"], ["h"], name="activation",
                                      approximate="none" if act.name == "gelu" else "tanh"))
    else:  # identity: an explicit node, so the hidden layer stays a layer of its own when read back
        nodes.append(helper.make_node("Identity", ["z"], ["h"], name="activation"))
    out, width = "h", block.s
    if block.W2 is not None:
        nodes.append(helper.make_node("Gemm", ["h", const("W2", block.W2), const("b2", block.b2)], ["y"],
                                      name="layer2", transB=1))
        out, width = "y", block.m
    if block.skip is not None:
        sk = block.skip
        nodes.append(helper.make_node("Gemm", ["input", const("skip_W1", sk.W1), const("skip_b1", sk.b1)], ["skip_z"],
                                      name="skip_layer1", transB=1))
        t = "skip_z"
        if sk.W2 is not None:
            nodes.append(helper.make_node("MatMul", ["skip_z", const("skip_W2_T", sk.W2.T)], ["skip_u"],
                                          name="skip_layer2"))
            t = "skip_u"
        if sk.b2 is not None:
            nodes.append(helper.make_node("Add", [t, const("skip_b2", sk.b2)], ["skip_v"], name="skip_bias"))
            t = "skip_v"
        nodes.append(helper.make_node("Add", [out, t], ["y_skip"], name="add_skip"))
        out = "y_skip"
    if block.output_activation is not None:
        op = "Softmax" if block.output_activation == "softmax" else "LogSoftmax"
        nodes.append(helper.make_node(op, [out], ["probabilities"], name="output_activation", axis=-1))
        out = "probabilities"
    nodes.append(helper.make_node("Identity", [out], ["output"], name="output"))
    graph = helper.make_graph(
        nodes, block.name or path.stem, [helper.make_tensor_value_info("input", D, ["N", block.n])],
        [helper.make_tensor_value_info("output", D, ["N", width])], inits)
    onnx_model = helper.make_model(graph, producer_name="sparsecert", opset_imports=[helper.make_opsetid("", opset)])
    onnx_model.ir_version = 9 if opset < 20 else 10  # what onnxruntime releases of the last two years read
    meta = {"sparsecert.activation": act.spec}
    if block.notes:
        meta[_NOTES_KEY] = "\n".join(block.notes)
    helper.set_model_props(onnx_model, meta)
    onnx.checker.check_model(onnx_model)
    onnx.save(onnx_model, str(path))
    return path
