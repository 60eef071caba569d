"""ONNX graphs of fully connected layers, read exactly from their initializers.

Accepted: one input, one output, a chain (no branches or skip connections) of

* ``Flatten`` / ``Reshape`` (they never reorder the values of one sample);
* before the first layer, input normalisation ``(x - mean) / range`` written as
  ``Sub`` (or ``Add`` of -mean) then ``Div`` (or ``Mul`` by an exact power-of-two reciprocal),
  kept as an :class:`~sparse_models.network.InputNormalization` with no clipping;
* affine layers: ``Gemm`` (``transB`` either way; ``alpha``/``beta`` only when scaling the
  weights is exact in float64; ``transA=1`` refused) or ``MatMul`` with the weights on the
  right, optionally followed by ``Add``/``Sub`` of a bias;
* activations: ``Relu``, ``LeakyRelu``, ``PRelu`` with one slope, ``Gelu`` (opset 20),
  ``Sigmoid``, ``Tanh``, and small elementwise subgraphs (for example PyTorch's ``Erf`` form of
  GELU, or ``x * Sigmoid(x)``) that are recognised as gelu, gelu_tanh, silu, sigmoid or tanh
  by evaluating them on 4001 points (to 1e-6);
* ``BatchNormalization`` in inference mode directly after an affine layer: folded into it.
  The fold needs a square root, so it rounds: every folded weight and bias is the float64
  nearest to the exact fold, and **the folded float64 network is the model that is
  verified** (the network's ``notes`` say so). Training mode, or a batch norm anywhere
  else (after an activation, on the input), is an :class:`UnsupportedLayer`;
* a trailing ``Softmax`` / ``LogSoftmax`` over the features, directly after the output
  layer: recorded as the network's ``output_activation`` (it changes no hidden activity);
* one affine skip branch from the input (``Gemm``/``MatMul``, optionally ``Add`` of a bias,
  optionally a second ``MatMul``) summed into the output by an ``Add``, as ``save_onnx``
  writes a pruned block's skip term; around one hidden layer only;
* ``Identity`` and ``Dropout`` (inference: pass-through), ``Constant``; constant folding
  of ``Identity``, ``Reshape``, ``Transpose``, ``Cast``, ``Squeeze``, ``Unsqueeze``.

Two affine layers in a row keep the first as a hidden layer with the ``identity``
activation (no float rounding from merging them). Everything else is an
:class:`UnsupportedLayer` naming the op type and the node. ``onnx_write.save_onnx`` writes a
block (float64 throughout, so exactly) in the form this reader reads back. The network is read for one
sample: a leading dimension of 1 or symbolic is the batch. External tensor data is
never read; weights stay bit-exact (float32/float16 are widened exactly).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..validation import as_float64
from ..activations import Activation, _erf
from ..errors import MissingDependency, ModelFormatError, SparsecertError, UnsupportedLayer
from ..head import LinearSkip
from ..network import Dense, InputNormalization, Network
from ._batchnorm import fold_batchnorm, fold_note
from ._common import reading
from ._exact_ops import exact_product, exact_reciprocal, exact_sum

_FLOAT_TYPES = {1: "float32", 10: "float16", 11: "float64"}  # TensorProto element types
_ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Erf", "Sigmoid", "Tanh", "Pow", "Sqrt", "Neg", "Exp",
                "Reciprocal", "Identity", "Softplus"}
_ACT_OPS = {"Relu", "LeakyRelu", "PRelu", "Gelu"}
_CANDIDATES = ("gelu", "gelu_tanh", "silu", "sigmoid", "tanh")
_KNOWN_ACTS = "relu, leaky_relu, gelu, gelu_tanh, silu, sigmoid, tanh"
_SOFTMAX = {"Softmax": "softmax", "LogSoftmax": "log_softmax"}
_NOTES_KEY = "sparsecert.notes"
_GRID = np.linspace(-10.0, 10.0, 4001)


def _onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise MissingDependency("reading .onnx needs the onnx package: pip install 'sparsecert[onnx]'") from None
    return onnx, numpy_helper


def load_onnx_network(path: "str | os.PathLike[str]") -> Network:
    """Read an ONNX model of fully connected layers as a :class:`Network` (see the module doc).

    An inference-mode BatchNormalization is folded into the affine layer before it, with one
    rounding per folded weight (the exact fold needs a square root): the folded float64 network
    is the model that is verified, and ``network.notes`` says so. A trailing Softmax /
    LogSoftmax becomes ``network.output_activation``; a skip branch, ``network.skip``.
    """
    onnx, nh = _onnx()
    path = Path(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and friends: the file is not an ONNX model
        raise ModelFormatError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None
    with reading(path):
        try:
            return _GraphReader(path, model, onnx, nh).network()
        except SparsecertError:
            raise
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:  # malformed protobuf fields
            raise ModelFormatError(f"malformed ONNX graph ({type(exc).__name__}: {exc})") from None


def _label(node: Any, index: int) -> str:
    """'Gemm node 'fc1'' or, for unnamed nodes, 'Gemm node #3 (output 'y')'."""
    if node.name:
        return f"{node.op_type} node {node.name!r}"
    out = f" (output {node.output[0]!r})" if node.output else ""
    return f"{node.op_type} node #{index}{out}"


class _GraphReader:
    """Walks the graph once in topological order, folding it into dense layers."""

    def __init__(self, path: Path, model: Any, onnx: Any, nh: Any) -> None:
        self.path, self.onnx, self.nh = path, onnx, nh
        self.graph = model.graph
        self.opset = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [1])
        self.notes: list[str] = []
        for prop in model.metadata_props:
            if prop.key == _NOTES_KEY:
                self.notes.extend(t for t in prop.value.split("\n") if t)
        self.output_activation: str | None = None
        self.skip: LinearSkip | None = None
        self.skip_join: int | None = None
        self.skip_out: str | None = None
        self.layer_label = ""
        self.nodes = list(self.graph.node)
        self.const: dict[str, np.ndarray] = {}
        self.done: set[int] = set()
        self.layers: list[Dense] = []
        self.stage = "input"  # input -> affine (pending W, b) -> hidden (activations) -> affine ...
        self.W: np.ndarray | None = None
        self.b: np.ndarray | None = None
        self.mean: np.ndarray | None = None
        self.range: np.ndarray | None = None

    # set-up ------------------------------------------------------------------------------
    def _tensor(self, proto: Any, what: str) -> np.ndarray:
        if proto.data_location == self.onnx.TensorProto.EXTERNAL:
            raise ModelFormatError(f"{what} keeps its data in an external file, which sparsecert does not read;"
                                   " save the model with all tensors inside the .onnx file")
        try:
            return np.asarray(self.nh.to_array(proto))
        except Exception as exc:
            raise ModelFormatError(f"{what} cannot be decoded ({exc})") from None

    def _setup(self) -> None:
        g = self.graph
        if len(g.sparse_initializer):
            raise UnsupportedLayer("the graph has sparse initializers, which are not supported")
        for init in g.initializer:
            self.const[init.name] = self._tensor(init, f"initializer {init.name!r}")
        for i, node in enumerate(self.nodes):
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedLayer(f"{_label(node, i)} is from operator domain {node.domain!r}; only standard"
                                       " ONNX operators are supported")
            if node.op_type == "Constant":
                self.const[node.output[0]] = self._constant(node, i)
                self.done.add(i)
        inputs = [v for v in g.input if v.name not in self.const]
        if len(inputs) != 1:
            raise UnsupportedLayer(f"the graph has {len(inputs)} inputs {[v.name for v in inputs]}; sparsecert reads"
                                   " networks with exactly one input")
        if len(g.output) != 1:
            raise UnsupportedLayer(f"the graph has {len(g.output)} outputs {[v.name for v in g.output]}; sparsecert"
                                   " reads networks with exactly one output")
        self.input_name = inputs[0].name
        self.output_name = g.output[0].name
        self.full = self._input_shape(inputs[0])
        self.n = int(np.prod(self.full))
        self.consumers: dict[str, list[int]] = {}
        for i, node in enumerate(self.nodes):
            for t in node.input:
                if t:
                    self.consumers.setdefault(t, []).append(i)
        self._find_skip()

    # an affine skip branch from the input, summed into the output ------------------------------------
    def _find_skip(self) -> None:
        """Find and read a branch input -> Gemm/MatMul (+ bias) [-> MatMul (+ bias)] -> Add(main, branch)."""
        users = [j for j in self.consumers.get(self.input_name, []) if j not in self.done]
        if len(users) < 2:
            return
        found = []
        for start in users:
            chain, t, j = [], self.input_name, start
            while True:
                node = self.nodes[j]
                ins = [x for x in node.input if x]
                live = [x for x in ins if x not in self.const]
                if node.op_type == "Add" and len(live) == 2 and t in live and chain:
                    found.append((chain, j, t))
                    break
                if node.op_type not in ("Gemm", "MatMul", "Add", "Sub") or live != [t] or len(node.output) != 1:
                    break
                chain.append(j)
                t = node.output[0]
                nxt = self.consumers.get(t, [])
                if len(nxt) != 1 or t == self.output_name:
                    break
                j = nxt[0]
        if not found:
            return
        if len(found) > 1:
            raise UnsupportedLayer(f"the input {self.input_name!r} feeds {len(found)} purely affine branches that are"
                                   " summed; sparsecert reads one chain of layers plus at most one affine skip branch")
        chain, join, t = found[0]
        self.skip = self._read_skip(chain)
        self.skip_join, self.skip_out = join, t
        self.done.update(chain)

    def _read_skip(self, chain: list[int]) -> LinearSkip:
        if len(self.full) > 2 or (len(self.full) == 2 and self.full[0] != 1):
            raise UnsupportedLayer(f"an affine skip branch reads the input of shape {list(self.full)}; only a flat"
                                   " input vector is supported there")
        k = self.full[-1]
        layers: list[list[np.ndarray]] = []
        for j in chain:
            node = self.nodes[j]
            label = _label(node, j)
            attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type in ("Gemm", "MatMul"):
                if node.input[0] in self.const or node.input[1] not in self.const:
                    raise UnsupportedLayer(f"{label} in the skip branch must take the branch as its first input and"
                                           " constant weights as its second")
                B = as_float64(f"weights {node.input[1]!r} of {label}", self.const[node.input[1]], ndim=2)
                if node.op_type == "Gemm":
                    if attrs.get("transA", 0) or float(attrs.get("alpha", 1.0)) != 1.0 \
                            or float(attrs.get("beta", 1.0)) != 1.0:
                        raise UnsupportedLayer(f"{label} in the skip branch has transA, alpha or beta; only plain"
                                               " Gemm (transB either way) is supported there")
                    W = B if attrs.get("transB", 0) else B.T
                else:
                    W = B.T
                if W.shape[1] != k:
                    raise ModelFormatError(f"{label}: weights of shape {list(B.shape)} do not take the {k} features"
                                           " of the skip branch")
                b = np.zeros(W.shape[0])
                if node.op_type == "Gemm" and len(node.input) > 2 and node.input[2]:
                    C = as_float64(f"bias {node.input[2]!r} of {label}", self.const[node.input[2]])
                    if C.size not in (1, W.shape[0]):
                        raise ModelFormatError(f"{label}: bias of shape {list(C.shape)} does not fit {W.shape[0]}"
                                               " outputs")
                    b = np.broadcast_to(C.reshape(-1), (W.shape[0],)).copy()
                layers.append([W, b])
                k = W.shape[0]
            else:  # Add / Sub of a constant bias
                if not layers or (node.op_type == "Sub" and node.input[0] in self.const):
                    raise UnsupportedLayer(f"{label} in the skip branch is not a bias after an affine layer")
                other = node.input[1] if node.input[0] not in self.const else node.input[0]
                c = as_float64(f"constant {other!r} of {label}", self.const[other]).reshape(-1)
                if c.size not in (1, k):
                    raise ModelFormatError(f"{label}: bias of {c.size} entries does not fit {k} outputs")
                total = exact_sum(layers[-1][1], np.broadcast_to(c, (k,)) * (1 if node.op_type == "Add" else -1))
                if total is None:
                    raise UnsupportedLayer(f"{label}: adding this bias in the skip branch is not exact in float64")
                layers[-1][1] = total
        if len(layers) == 1:
            return LinearSkip(layers[0][0], layers[0][1])
        if len(layers) == 2:
            (W1, b1), (W2, b2) = layers
            return LinearSkip(W1, b1, W2, b2 if np.any(b2) else None)
        raise UnsupportedLayer(f"the skip branch has {len(layers)} affine layers; at most 2 are supported")

    def _constant(self, node: Any, i: int) -> np.ndarray:
        attrs = {a.name: a for a in node.attribute}
        if "value" in attrs:
            return self._tensor(attrs["value"].t, f"{_label(node, i)}")
        for key, conv in (("value_float", lambda a: np.float32(a.f)), ("value_floats", lambda a: np.array(a.floats, np.float32)),
                          ("value_int", lambda a: np.int64(a.i)), ("value_ints", lambda a: np.array(a.ints, np.int64))):
            if key in attrs:
                return np.asarray(conv(attrs[key]))
        raise UnsupportedLayer(f"{_label(node, i)} has no numeric value attribute")

    def _input_shape(self, value: Any) -> tuple[int, ...]:
        tt = value.type.tensor_type
        if not value.type.HasField("tensor_type"):
            raise UnsupportedLayer(f"input {value.name!r} is not a tensor")
        if tt.elem_type not in _FLOAT_TYPES:
            raise UnsupportedLayer(f"input {value.name!r} has element type {tt.elem_type}, not a float type")
        if not tt.HasField("shape") or not len(tt.shape.dim):
            raise UnsupportedLayer(f"input {value.name!r} declares no shape; sparsecert needs the input size")
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tt.shape.dim]
        if len(dims) >= 2:
            if dims[0] not in (None, 1):
                raise UnsupportedLayer(
                    f"input {value.name!r} has shape {dims}: its leading (batch) dimension is fixed at {dims[0]};"
                    " sparsecert reads networks on one input vector per sample (batch dimension 1 or symbolic)")
            dims[0] = 1
        if any(d is None for d in dims):
            raise UnsupportedLayer(f"input {value.name!r} has unknown sizes in shape {dims}")
        return tuple(int(d) for d in dims)

    # the walk ------------------------------------------------------------------------------
    def network(self) -> Network:
        self._setup()
        live = self.input_name
        for i, node in enumerate(self.nodes):
            if i in self.done:
                continue
            try:
                live = self._visit(node, i, live)
            except SparsecertError:
                raise
            except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:  # malformed node
                raise ModelFormatError(f"{_label(node, i)} is malformed ({type(exc).__name__}: {exc})") from None
        if live != self.output_name:
            raise UnsupportedLayer(f"the graph output {self.output_name!r} is not computed by a chain of layers from"
                                   f" the input {self.input_name!r}")
        if self.stage == "input":
            raise ModelFormatError("the graph has no Gemm or MatMul layer")
        if self.stage == "affine":
            self.layers.append(Dense(self.W, self.b))
        if self.skip is not None and self.skip_join not in self.done:
            raise UnsupportedLayer("the affine skip branch is not summed into the output of the chain of layers")
        if self.skip is not None and len(self.layers) != 2:
            raise UnsupportedLayer(f"an affine skip branch is supported around one hidden layer only; this network has"
                                   f" {len(self.layers) - 1} hidden layers")
        norm = None
        trivial = (self.mean is None or not np.any(self.mean)) and (self.range is None or np.all(self.range == 1))
        if not trivial:  # x - 0 and x / 1 are exact no-ops and are dropped
            big = np.finfo(np.float64).max
            mean = self.mean if self.mean is not None else np.zeros(self.n)
            rng = self.range if self.range is not None else np.ones(self.n)
            norm = InputNormalization(np.full(self.n, -big), np.full(self.n, big), mean, rng)
            if self.skip is not None:
                raise UnsupportedLayer("an affine skip branch together with input normalisation is not supported")
        return Network(self.layers, normalization=norm, name=self.path.stem, output_activation=self.output_activation,
                       skip=self.skip, notes=self.notes)

    def _visit(self, node: Any, i: int, live: str) -> str:
        """Process one node; returns the name of the tensor that now holds the layer output."""
        ins = [t for t in node.input if t]
        foreign = [t for t in ins if t != live and t not in self.const]
        if i == self.skip_join and live in ins and foreign == [self.skip_out]:
            if self.stage != "affine":
                raise UnsupportedLayer(f"{_label(node, i)} adds the affine skip branch after an activation; a skip"
                                       " term must be added to the output layer's affine value")
            self.done.add(i)
            return node.output[0]
        if self.stage == "output" and live in ins and node.op_type not in ("Identity", "Flatten", "Reshape"):
            raise UnsupportedLayer(f"{_label(node, i)} follows the network's {self.output_activation} layer; a"
                                   " Softmax / LogSoftmax must be the last layer")
        if live not in ins:
            if foreign:
                raise UnsupportedLayer(
                    f"{_label(node, i)} reads {foreign[0]!r}, which is neither a constant nor the output of the"
                    " previous layer; only chains of layers are supported (no branches or skip connections)")
            self._fold(node, i)
            return live
        if foreign:
            raise UnsupportedLayer(
                f"{_label(node, i)} combines the layer output with {foreign[0]!r}; only chains of layers are"
                " supported (no branches or skip connections)")
        users = [j for j in self.consumers.get(live, []) if j not in self.done]
        fanout = len(users) + (live == self.output_name)
        elementwise = node.op_type in _ELEMENTWISE - {"Add", "Sub", "Identity", "Div", "Mul"} \
            or (self.stage == "affine" and node.op_type in ("Div", "Mul"))
        if fanout > 1 or elementwise:
            if self.stage != "affine":
                raise UnsupportedLayer(
                    f"{_label(node, i)}: tensor {live!r} is used by {fanout} nodes; only chains of layers are"
                    " supported (no branches or skip connections)" if fanout > 1 else
                    f"{_label(node, i)} is not supported here: an elementwise function must directly follow an"
                    " affine layer to be read as its activation")
            return self._activation_region(i, live)
        live = self._step(node, i, live)
        self.done.add(i)
        return live

    # constant folding ---------------------------------------------------------------------
    def _fold(self, node: Any, i: int) -> None:
        op = node.op_type
        vals = [self.const[t] if t else None for t in node.input]
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "Identity":
            out = vals[0]
        elif op == "Reshape":
            out = vals[0].reshape(self._target_shape(vals[0].shape, vals[1], attrs, node, i))
        elif op == "Transpose":
            out = np.transpose(vals[0], attrs.get("perm"))
        elif op == "Cast":
            to = attrs.get("to")
            dtype = {1: np.float32, 10: np.float16, 11: np.float64, 7: np.int64, 6: np.int32}.get(to)
            if dtype is None:
                raise UnsupportedLayer(f"{_label(node, i)} casts to element type {to}, which is not supported")
            out = vals[0].astype(dtype)
        elif op in ("Squeeze", "Unsqueeze"):
            axes = attrs.get("axes")
            if axes is None and len(vals) > 1 and vals[1] is not None:
                axes = [int(a) for a in vals[1]]
            if op == "Squeeze":
                out = np.squeeze(vals[0], axis=None if axes is None else tuple(axes))
            else:
                out = vals[0]
                for a in sorted(int(a) % (out.ndim + len(axes)) for a in axes):
                    out = np.expand_dims(out, a)
        else:
            raise UnsupportedLayer(f"{_label(node, i)} is not supported (op type {op!r} on constants)")
        self.const[node.output[0]] = np.asarray(out)
        self.done.add(i)

    def _target_shape(self, shape: tuple[int, ...], target: Any, attrs: dict, node: Any, i: int) -> tuple[int, ...]:
        target = np.asarray(target)
        if target.dtype.kind not in "iu" or target.ndim != 1:
            raise ModelFormatError(f"{_label(node, i)} has a shape operand that is not a 1-D integer tensor")
        dims = [int(d) for d in target]
        if not attrs.get("allowzero", 0):
            for k, d in enumerate(dims):
                if d == 0:
                    if k >= len(shape):
                        raise ModelFormatError(f"{_label(node, i)} copies dimension {k} of a rank-{len(shape)} tensor")
                    dims[k] = shape[k]
        size = int(np.prod(shape))
        if dims.count(-1) > 1:
            raise ModelFormatError(f"{_label(node, i)} has more than one -1 in its target shape {dims}")
        if -1 in dims:
            rest = int(np.prod([d for d in dims if d != -1]))
            if rest == 0 or size % rest:
                raise ModelFormatError(f"{_label(node, i)} cannot reshape {list(shape)} to {dims}")
            dims[dims.index(-1)] = size // rest
        if int(np.prod(dims)) != size or any(d < 0 for d in dims):
            raise ModelFormatError(f"{_label(node, i)} cannot reshape {list(shape)} to {dims}")
        return tuple(dims)

    # one node on the chain ------------------------------------------------------------------
    def _const_operand(self, node: Any, i: int, live: str) -> tuple[np.ndarray, bool]:
        """The constant operand of a binary node and whether the live tensor is the first input."""
        if len(node.input) != 2:
            raise ModelFormatError(f"{_label(node, i)} has {len(node.input)} inputs; a binary op takes 2")
        a, b = node.input[0], node.input[1]
        if a == live and b == live:
            raise UnsupportedLayer(f"{_label(node, i)} combines the layer output with itself")
        other = b if a == live else a
        return as_float64(f"constant {other!r} of {_label(node, i)}", self.const[other]), a == live

    def _broadcast(self, c: np.ndarray, node: Any, i: int) -> np.ndarray:
        try:
            shape = np.broadcast_shapes(c.shape, self.full)
        except ValueError:
            shape = None
        if shape != self.full:
            raise ModelFormatError(f"{_label(node, i)}: constant of shape {list(c.shape)} does not broadcast to the"
                                   f" layer's shape {list(self.full)} without changing it")
        return np.broadcast_to(c, self.full).reshape(-1)

    def _flat_width(self, node: Any, i: int) -> int:
        if any(d != 1 for d in self.full[:-1]):
            raise UnsupportedLayer(
                f"{_label(node, i)} is applied to a tensor of shape {list(self.full)} per sample, not to one flat"
                " vector; add a Flatten before it")
        return self.full[-1]

    def _new_layer(self, W: np.ndarray, b: np.ndarray, label: str = "") -> None:
        if self.stage == "affine":
            self.layers.append(Dense(self.W, self.b, Activation("identity")))
        self.W, self.b, self.stage = W, b, "affine"
        self.layer_label = label

    def _batchnorm(self, node: Any, i: int, live: str, attrs: dict) -> str:
        label = _label(node, i)
        if attrs.get("training_mode", 0) or any(t for t in node.output[1:]):
            raise UnsupportedLayer(f"{label} is in training mode (it normalises with each batch's statistics and"
                                   " updates them); export the model in inference mode (PyTorch: model.eval())")
        if self.opset < 7 and not attrs.get("is_test", 0):  # before opset 7, is_test=0 (the default) is training
            raise UnsupportedLayer(f"{label} has is_test=0 (training mode); export the model in inference mode")
        if self.stage != "affine":
            where = {"input": "the network input", "hidden": "an activation"}.get(self.stage, "the output layer")
            raise UnsupportedLayer(f"{label} is applied to {where}, not directly to an affine layer: sparsecert folds"
                                   " an inference-mode BatchNormalization only into the Gemm / MatMul(+Add) layer"
                                   " right before it")
        if node.input[0] != live or len(node.input) != 5 or any(t not in self.const for t in node.input[1:]):
            raise UnsupportedLayer(f"{label} must normalise the layer output with constant scale, bias, mean and"
                                   " variance")
        out = self.W.shape[0]
        if tuple(self.full) != (1, out):
            raise UnsupportedLayer(f"{label} is applied to a tensor of shape {list(self.full)} per sample; only a batch"
                                   " norm over the features of a flat vector is supported")
        eps = float(attrs.get("epsilon", 1e-5))
        consts = [self.const[t] for t in node.input[1:]]
        self.W, self.b = fold_batchnorm(self.W, self.b, *consts, eps, label)
        self.notes.append(fold_note(label, self.layer_label or "the layer"))
        return node.output[0]

    def _softmax(self, node: Any, i: int, live: str, attrs: dict) -> str:
        label = _label(node, i)
        if self.stage != "affine":
            where = {"input": "the network input", "hidden": "an activation"}.get(self.stage, "another output layer")
            raise UnsupportedLayer(f"{label} is applied to {where}; a Softmax / LogSoftmax is supported only"
                                   " directly after the network's last affine layer (the output layer)")
        rank = len(self.full)
        if any(d != 1 for d in self.full[:-1]):
            raise UnsupportedLayer(f"{label} is applied to a tensor of shape {list(self.full)} per sample; only a"
                                   " softmax over the features of a flat vector is supported")
        axis = int(attrs.get("axis", -1 if self.opset >= 13 else 1))
        if axis < 0:
            axis += rank
        if axis != rank - 1:
            raise UnsupportedLayer(f"{label} has axis={attrs.get('axis')} for a rank-{rank} tensor: it is not taken"
                                   " over the features (the last axis)")
        self.layers.append(Dense(self.W, self.b))
        self.stage = "output"
        self.output_activation = _SOFTMAX[node.op_type]
        return node.output[0]

    def _step(self, node: Any, i: int, live: str) -> str:
        op = node.op_type
        out = node.output[0]
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op in ("Identity", "Dropout"):
            if op == "Dropout" and len(node.input) > 2 and node.input[2]:
                mode = self.const.get(node.input[2])
                if mode is None or bool(np.asarray(mode).reshape(-1)[0]):
                    raise UnsupportedLayer(f"{_label(node, i)} is in training mode")
            if len(node.output) > 1 and node.output[1] and self.consumers.get(node.output[1]):
                raise UnsupportedLayer(f"{_label(node, i)}: its mask output is used")
            return out
        if op == "Flatten":
            axis = int(attrs.get("axis", 1))
            rank = len(self.full)
            if axis < 0:
                axis += rank
            if not 0 <= axis <= rank:
                raise ModelFormatError(f"{_label(node, i)} has axis {attrs.get('axis')} for a rank-{rank} tensor")
            self.full = (int(np.prod(self.full[:axis])), int(np.prod(self.full[axis:])))
            return out
        if op == "Reshape":
            if node.input[0] != live:
                raise UnsupportedLayer(f"{_label(node, i)} takes its target shape from the layer output")
            self.full = self._target_shape(self.full, self.const[node.input[1]], attrs, node, i)
            return out
        if op == "BatchNormalization":
            return self._batchnorm(node, i, live, attrs)
        if op in _SOFTMAX:
            return self._softmax(node, i, live, attrs)
        if op in _ACT_OPS:
            if self.stage != "affine":
                raise UnsupportedLayer(f"{_label(node, i)} is an activation that does not follow an affine layer")
            if op == "Relu":
                act = Activation("relu")
            elif op == "LeakyRelu":
                act = Activation("leaky_relu", float(attrs.get("alpha", 0.01)))
            elif op == "PRelu":
                if node.input[0] != live or len(node.input) != 2:
                    raise UnsupportedLayer(f"{_label(node, i)} must take the layer output and a constant slope")
                slope = as_float64(f"slope of {_label(node, i)}", self.const[node.input[1]]).reshape(-1)
                if slope.size == 0 or np.any(slope != slope[0]):
                    raise UnsupportedLayer(f"{_label(node, i)} has a different slope per unit; only one slope for"
                                           " every unit (leaky_relu) is supported")
                act = Activation("leaky_relu", float(slope[0]))
            else:
                approx = attrs.get("approximate", "none")
                approx = approx.decode() if isinstance(approx, bytes) else approx
                if approx not in ("none", "tanh"):
                    raise UnsupportedLayer(f"{_label(node, i)} has approximate={approx!r}")
                act = Activation("gelu" if approx == "none" else "gelu_tanh")
            self.layers.append(Dense(self.W, self.b, act))
            self.stage = "hidden"
            return out
        if op == "MatMul":
            if node.input[0] != live:
                raise UnsupportedLayer(f"{_label(node, i)} has its weights on the left (W @ x); only x @ W is supported")
            k = self._flat_width(node, i)
            B = as_float64(f"weights {node.input[1]!r} of {_label(node, i)}", self.const[node.input[1]])
            if B.ndim != 2 or B.shape[0] != k:
                raise ModelFormatError(f"{_label(node, i)}: weight matrix of shape {list(B.shape)} does not take the"
                                       f" {k} features of its input; expected shape [{k}, out]")
            self._new_layer(B.T, np.zeros(B.shape[1]), _label(node, i))
            self.full = self.full[:-1] + (B.shape[1],)
            return out
        if op == "Gemm":
            return self._gemm(node, i, live, attrs)
        if op in ("Add", "Sub", "Div", "Mul"):
            c, live_first = self._const_operand(node, i, live)
            if self.stage == "input":
                self._normalization(op, c, live_first, node, i)
                return out
            if self.stage == "affine" and op in ("Add", "Sub") and (live_first or op == "Add"):
                self._flat_width(node, i)
                cf = self._broadcast(c, node, i)
                total = exact_sum(self.b, cf if op == "Add" else -cf)
                if total is None:
                    raise UnsupportedLayer(f"{_label(node, i)}: adding this bias to the layer's bias is not exact in"
                                           " float64; refusing rather than rounding")
                self.b = total
                return out
            raise UnsupportedLayer(f"{_label(node, i)} is not supported at this place in the network"
                                   " (only a bias after an affine layer, or input normalisation before the first)")
        raise UnsupportedLayer(f"{_label(node, i)} is not supported (op type {op!r}); supported: Gemm, MatMul(+Add),"
                               " Relu, LeakyRelu, PRelu, Gelu, Sigmoid, Tanh, BatchNormalization (inference),"
                               " Softmax/LogSoftmax (last), Flatten, Reshape, Identity, input Sub/Div")

    def _gemm(self, node: Any, i: int, live: str, attrs: dict) -> str:
        if node.input[0] != live or len(node.input) < 2 or node.input[1] not in self.const:
            raise UnsupportedLayer(f"{_label(node, i)} must take the layer input as A and constant weights as B")
        if attrs.get("transA", 0):
            raise UnsupportedLayer(f"{_label(node, i)} has transA=1, which is not supported")
        k = self._flat_width(node, i)
        B = as_float64(f"weights {node.input[1]!r} of {_label(node, i)}", self.const[node.input[1]], ndim=2)
        W = B if attrs.get("transB", 0) else B.T
        if W.shape[1] != k:
            raise ModelFormatError(f"{_label(node, i)}: weights of shape {list(B.shape)} (transB={attrs.get('transB', 0)})"
                                   f" do not take the {k} features of its input")
        out_dim = W.shape[0]
        alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
        if alpha != 1.0:
            W = exact_product(W, alpha)
            if W is None:
                raise UnsupportedLayer(f"{_label(node, i)}: alpha={alpha!r} times the weights is not exact in float64;"
                                       " refusing rather than rounding")
        b = np.zeros(out_dim)
        if len(node.input) > 2 and node.input[2]:
            C = as_float64(f"bias {node.input[2]!r} of {_label(node, i)}", self.const[node.input[2]])
            try:
                ok = np.broadcast_shapes(C.shape, (1, out_dim)) == (1, out_dim)
            except ValueError:
                ok = False
            if not ok:
                raise ModelFormatError(f"{_label(node, i)}: bias of shape {list(C.shape)} does not fit {out_dim} outputs")
            b = np.broadcast_to(C, (1, out_dim))[0]
            if beta != 1.0:
                b = exact_product(b, beta)
                if b is None:
                    raise UnsupportedLayer(f"{_label(node, i)}: beta={beta!r} times the bias is not exact in float64;"
                                           " refusing rather than rounding")
        self._new_layer(np.array(W), np.array(b), _label(node, i))
        self.full = (1, out_dim)
        return node.output[0]

    def _normalization(self, op: str, c: np.ndarray, live_first: bool, node: Any, i: int) -> None:
        cf = self._broadcast(c, node, i)
        if not live_first and op != "Add" and op != "Mul":
            raise UnsupportedLayer(f"{_label(node, i)} computes constant {op} input; only (x - mean) / range is supported")
        if op in ("Sub", "Add"):
            mean = cf if op == "Sub" else -cf
            if self.mean is not None:
                raise UnsupportedLayer(f"{_label(node, i)} shifts the input a second time; only (x - mean) / range is"
                                       " supported")
            if self.range is not None:  # x / r - m == (x - m r) / r
                mean = exact_product(mean, self.range)
                if mean is None:
                    raise UnsupportedLayer(f"{_label(node, i)}: shifting after scaling is not exact in float64")
            self.mean = mean
            return
        if self.range is not None:
            raise UnsupportedLayer(f"{_label(node, i)} scales the input a second time; only (x - mean) / range is"
                                   " supported")
        if op == "Div":
            if np.any(cf == 0):
                raise ModelFormatError(f"{_label(node, i)} divides the input by zero")
            self.range = cf
        else:
            r = exact_reciprocal(cf)
            if r is None:
                raise UnsupportedLayer(f"{_label(node, i)} multiplies the input by a constant whose reciprocal is not"
                                       " exact in float64; write the normalisation as Div")
            self.range = r
        if self.mean is None:
            self.mean = np.zeros(self.n)

    # activations written as small elementwise subgraphs ---------------------------------------
    def _activation_region(self, start: int, x: str) -> str:
        """Read the elementwise subgraph that starts at the layer output ``x`` as one activation.

        The region grows along the nodes that read its tensors; every point where it has a
        single open output is a candidate end. The longest candidate that is recognised wins
        (PyTorch's GELU multiplies by 0.5 after an earlier closure point).
        """
        region_t = {x}
        members: list[int] = []
        ends: list[tuple[str, list[int]]] = []
        for j in range(start, len(self.nodes)):
            if j in self.done:
                continue
            node = self.nodes[j]
            if not any(t in region_t for t in node.input):
                continue
            if node.op_type not in _ELEMENTWISE or any(
                    t and t not in region_t and (t not in self.const or np.asarray(self.const[t]).size != 1)
                    for t in node.input):
                break
            members.append(j)
            region_t.add(node.output[0])
            member_set = set(members)
            open_t = {t for t in region_t
                      if any(c not in member_set for c in self.consumers.get(t, [])) or t == self.output_name}
            if len(open_t) == 1 and x not in open_t:
                ends.append((next(iter(open_t)), list(members)))
        for result, region in reversed(ends):
            act = self._recognise(region, x, result)
            if act is not None:
                self.layers.append(Dense(self.W, self.b, act))
                self.stage = "hidden"
                self.done.update(region)
                return result
        users = [_label(self.nodes[j], j) for j in self.consumers.get(x, []) if j not in self.done]
        region = ends[-1][1] if ends else members
        what = ", ".join(_label(self.nodes[j], j) for j in region) if region else ", ".join(users)
        if not ends:
            raise UnsupportedLayer(
                f"the layer output {x!r} is used by {', '.join(users)}, which do not form an activation sparsecert"
                f" knows ({_KNOWN_ACTS}); only chains of layers are supported (no branches or skip connections)")
        raise UnsupportedLayer(f"{what} compute an elementwise function that is not an activation sparsecert knows"
                               f" ({_KNOWN_ACTS}, identity)")

    def _recognise(self, members: list[int], x: str, result: str) -> Activation | None:
        env: dict[str, np.ndarray] = {x: _GRID}

        def val(t: str) -> np.ndarray:
            return env[t] if t in env else np.asarray(self.const[t], dtype=np.float64).reshape(())

        with np.errstate(all="ignore"):
            for j in members:
                node = self.nodes[j]
                a = [val(t) for t in node.input if t]
                op = node.op_type
                env[node.output[0]] = {
                    "Add": lambda: a[0] + a[1], "Sub": lambda: a[0] - a[1], "Mul": lambda: a[0] * a[1],
                    "Div": lambda: a[0] / a[1], "Pow": lambda: np.power(a[0], a[1]), "Erf": lambda: _erf(a[0]),
                    "Sigmoid": lambda: 1.0 / (1.0 + np.exp(-a[0])), "Tanh": lambda: np.tanh(a[0]),
                    "Sqrt": lambda: np.sqrt(a[0]), "Neg": lambda: -a[0], "Exp": lambda: np.exp(a[0]),
                    "Reciprocal": lambda: 1.0 / a[0], "Identity": lambda: a[0],
                    "Softplus": lambda: np.logaddexp(0.0, a[0]),
                }[op]()
        f = np.broadcast_to(env[result], _GRID.shape)
        for name in _CANDIDATES:
            ref = Activation(name)(_GRID)
            if np.all(np.abs(f - ref) <= 1e-6 * (1.0 + np.abs(ref))):
                return Activation(name)
        return None
