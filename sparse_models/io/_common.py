"""Helpers shared by the model readers: file-named errors, the activation keyword, layer order."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..activations import Activation
from ..errors import (
    InvalidArgument,
    MissingDependency,
    ModelFormatError,
    NonFiniteError,
    SparsecertError,
    UnsupportedActivation,
    UnsupportedLayer,
)

_KEEP = (ModelFormatError, NonFiniteError, UnsupportedActivation, MissingDependency)


@contextmanager
def reading(path: "Path | str") -> Iterator[None]:
    """Prefix every sparsecert error raised while reading ``path`` with the file name (or a label).

    Shape and value errors about the file's contents become :class:`ModelFormatError`
    (the file is malformed); non-finite values stay :class:`NonFiniteError`.
    """
    try:
        yield
    except SparsecertError as exc:
        msg = str(exc)
        if msg.startswith(f"{path}:"):
            raise  # already names the file, and its type was chosen on purpose
        msg = f"{path}: {msg}"
        if isinstance(exc, _KEEP):
            raise type(exc)(msg) from None
        if isinstance(exc, InvalidArgument):
            raise ModelFormatError(msg) from None
        raise type(exc)(msg) from None


def parse_activation(activation: "str | Activation | None") -> Activation | None:
    """Validate the ``activation=`` keyword of the readers before any file is opened."""
    if activation is None:
        return None
    return Activation.parse(activation)


def resolve_activation(path: Path, recorded: "str | None", given: Activation | None, what: str) -> Activation:
    """The hidden activation: recorded in the file, or given by the caller; never guessed.

    ``what`` names the kind of file in the message (for example "a PyTorch state dict").
    """
    if recorded is not None:
        rec = Activation.parse(recorded)
        if given is not None and given != rec:
            raise InvalidArgument(
                f"{path}: the file records activation {rec.spec!r} but activation={given.spec!r} was passed;"
                " drop the keyword or pass the recorded one")
        return rec
    if given is None:
        raise ModelFormatError(
            f"{path}: {what} does not record the activation between its layers; pass it: on the command"
            " line --activation relu, in Python load(path, activation='relu') (or gelu, silu, leaky_relu:0.01,"
            " identity)")
    return given


def natural_key(name: str) -> tuple:
    """Sort key ordering 'fc2' before 'fc10' and '2' before '10' (numbers compared as numbers)."""
    return tuple((0, int(tok), "") if tok.isdigit() else (1, 0, tok) for tok in re.split(r"(\d+)", name) if tok)


def linears_from_state(path: Path, items: "list[tuple[str, object]]", *, natural_order: bool) -> list[tuple[str, object, object]]:
    """Group ``prefix.weight`` / ``prefix.bias`` entries (PyTorch naming) into linear layers.

    Weights are stored out x in, as ``nn.Linear`` keeps them. Layers come in the given
    order, or sorted by :func:`natural_key` of the prefix when ``natural_order`` (formats
    such as safetensors that do not keep insertion order). A missing bias is zero.
    Returns (prefix, W, b-or-None) triples; arrays are left as read.
    """
    weights: dict[str, object] = {}
    biases: dict[str, object] = {}
    order: list[str] = []
    for key, value in items:
        prefix, dot, leaf = key.rpartition(".")
        if dot and leaf in ("running_mean", "running_var", "num_batches_tracked"):
            raise UnsupportedLayer(
                f"{path}: entry {key!r} belongs to a BatchNorm layer; a state dict does not record the batch norm's"
                " epsilon, so it cannot be folded into the layer before it without guessing: build the module and"
                " use from_torch(model.eval()), or export the model to ONNX")
        if not dot or leaf not in ("weight", "bias"):
            raise UnsupportedLayer(
                f"{path}: entry {key!r} is not a linear layer's 'weight' or 'bias'; only stacks of linear layers"
                " (nn.Linear) are supported")
        (weights if leaf == "weight" else biases)[prefix] = value
        if prefix not in order:
            order.append(prefix)
    if not order:
        raise ModelFormatError(f"{path}: holds no tensors")
    for prefix in order:
        if prefix not in weights:
            raise ModelFormatError(f"{path}: {prefix}.bias has no matching {prefix}.weight")
    if natural_order:
        order.sort(key=natural_key)
    return [(p, weights[p], biases.get(p)) for p in order]


def network_from_linears(path: Path, layers: "list[tuple[str, object, object]]", activation: Activation,
                         name: str):
    """A :class:`Network` whose hidden layers all use ``activation``; the last layer is affine."""
    import numpy as np

    from ..network import Dense, Network

    dense = []
    prev_out = None
    for i, (label, W, b) in enumerate(layers):
        W = np.asarray(W)
        if W.ndim != 2:
            raise UnsupportedLayer(
                f"{path}: {label}.weight has shape {tuple(W.shape)}; only linear layers (2-D weight, out x in) are"
                " supported")
        if b is None:
            b = np.zeros(W.shape[0], dtype=W.dtype if W.dtype.kind == "f" else np.float64)
        b = np.asarray(b)
        if b.shape != (W.shape[0],):
            raise ModelFormatError(
                f"{path}: {label}.bias has shape {tuple(b.shape)} but {label}.weight has {W.shape[0]} rows (outputs)")
        if prev_out is not None and W.shape[1] != prev_out:
            prev = layers[i - 1][0]
            raise ModelFormatError(
                f"{path}: {label}.weight takes {W.shape[1]} inputs but {prev} gives {prev_out} outputs; the layers"
                " do not chain (layers are taken in the order of their names)")
        prev_out = W.shape[0]
        act = activation if i < len(layers) - 1 else None
        dense.append(Dense(W, b, act))
    return Network(dense, name=name)
