"""Deep feed-forward networks: alternating affine layers and activations.

A :class:`Network` is what loaders produce from multi-layer files (ONNX, PyTorch,
``.nnet``). Its hidden layer l is the pre-activation of affine layer l; the last affine
layer is the output and has no activation. ``layer_block(l)`` gives the two-layer
:class:`MLPBlock` around hidden layer l, whose inputs are the activations of layer l-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .validation import as_count, as_float64
from .activations import Activation
from .block import MLPBlock
from .errors import InvalidArgument, ShapeError
from .head import LinearSkip, apply_output_activation, parse_output_activation, require_plain_output


@dataclass(frozen=True, eq=False)
class Dense:
    """y = W x + b, then the activation (None for the output layer)."""

    W: np.ndarray
    b: np.ndarray
    activation: Activation | None = None

    def __init__(self, W: Any, b: Any, activation: "str | Activation | None" = None) -> None:
        Wa = as_float64("layer W", W, ndim=2)
        ba = as_float64("layer b", b, ndim=1)
        if ba.shape != (Wa.shape[0],):
            raise ShapeError(f"layer bias has shape {ba.shape} but W has {Wa.shape[0]} rows")
        object.__setattr__(self, "W", Wa)
        object.__setattr__(self, "b", ba)
        object.__setattr__(self, "activation", None if activation is None else Activation.parse(activation))


@dataclass(frozen=True, eq=False)
class InputNormalization:
    """x -> (clip(x, lower, upper) - mean) / range, as in the ``.nnet`` header."""

    lower: np.ndarray
    upper: np.ndarray
    mean: np.ndarray
    range: np.ndarray

    def __init__(self, lower: Any, upper: Any, mean: Any, range: Any) -> None:  # noqa: A002
        arrs = [as_float64(nm, v, ndim=1) for nm, v in
                (("input lower", lower), ("input upper", upper), ("input mean", mean), ("input range", range))]
        if len({a.shape for a in arrs}) != 1:
            raise ShapeError("input normalisation arrays must all have one shape")
        if np.any(arrs[3] == 0):
            raise InvalidArgument("input normalisation range must be nonzero")
        for name, a in zip(("lower", "upper", "mean", "range"), arrs):
            object.__setattr__(self, name, a)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return (np.clip(X, self.lower, self.upper) - self.mean) / self.range

    def exact(self) -> tuple[tuple[Fraction, ...], ...]:
        """(lower, upper, mean, range) as exact rationals, computed once (the arrays are read-only)."""
        cached = self.__dict__.get("_exact")
        if cached is None:
            cached = tuple(tuple(Fraction(v) for v in a.tolist()) for a in (self.lower, self.upper, self.mean, self.range))
            object.__setattr__(self, "_exact", cached)
        return cached


@dataclass(frozen=True, eq=False)
class Network:
    """A feed-forward network: ``layers[:-1]`` are hidden (with activations), ``layers[-1]`` the output.

    Optional (see :mod:`sparse_models.head`): ``output_activation`` (``softmax`` /
    ``log_softmax`` after the output layer), ``skip`` (an affine term of the input added to
    the output; only around one hidden layer, as pruning writes it) and ``notes`` (what the
    loader did to the file's model, for example a folded BatchNormalization). They need an
    output layer (the last layer without activation) and never change hidden activity.
    """

    layers: tuple[Dense, ...]
    normalization: InputNormalization | None = None
    output_mean: float = 0.0
    output_range: float = 1.0
    name: str = ""
    output_activation: str | None = None
    skip: LinearSkip | None = None
    notes: tuple[str, ...] = ()

    def __init__(self, layers: Sequence[Dense], normalization: InputNormalization | None = None,
                 output_mean: float = 0.0, output_range: float = 1.0, name: str = "", *,
                 output_activation: str | None = None, skip: LinearSkip | None = None,
                 notes: Sequence[str] = ()) -> None:
        layers = tuple(layers)
        if len(layers) < 1:
            raise InvalidArgument("a network needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise InvalidArgument(f"layer {i} is a {type(layer).__name__}, not a Dense layer")
            if i and layer.W.shape[1] != layers[i - 1].W.shape[0]:
                raise ShapeError(
                    f"layer {i} takes {layer.W.shape[1]} inputs but layer {i - 1} gives {layers[i - 1].W.shape[0]}")
            if i < len(layers) - 1 and layer.activation is None:
                raise InvalidArgument(f"hidden layer {i} has no activation; merge consecutive affine layers first")
        if normalization is not None and normalization.mean.shape[0] != layers[0].W.shape[1]:
            raise ShapeError("input normalisation does not match the first layer's input size")
        output_activation = parse_output_activation(output_activation)
        has_output = layers[-1].activation is None
        if (output_activation is not None or skip is not None) and not has_output:
            raise InvalidArgument("an output activation or skip term needs an output layer (the last layer without"
                                  " activation)")
        if skip is not None:
            if not isinstance(skip, LinearSkip):
                raise InvalidArgument(f"skip must be a LinearSkip, got {type(skip).__name__}")
            if len(layers) != 2:
                raise InvalidArgument(f"a skip term from the input to the output is supported around one hidden layer"
                                      f" only; this network has {len(layers) - 1}")
            if normalization is not None:
                raise InvalidArgument("a skip term together with input normalisation is not supported")
            if skip.n != layers[0].W.shape[1] or skip.m != layers[-1].W.shape[0]:
                raise ShapeError(f"the skip term maps {skip.n} inputs to {skip.m} outputs but the network maps"
                                 f" {layers[0].W.shape[1]} to {layers[-1].W.shape[0]}")
        if isinstance(notes, str) or not all(isinstance(t, str) for t in notes):
            raise InvalidArgument(f"notes must be a sequence of strings, got {notes!r}")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "normalization", normalization)
        object.__setattr__(self, "output_mean", float(output_mean))
        object.__setattr__(self, "output_range", float(output_range))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "output_activation", output_activation)
        object.__setattr__(self, "skip", skip)
        object.__setattr__(self, "notes", tuple(notes))

    @property
    def n(self) -> int:
        return int(self.layers[0].W.shape[1])

    @property
    def hidden_layers(self) -> int:
        """Number of hidden layers (affine + activation); the output layer is not counted."""
        last = self.layers[-1]
        return len(self.layers) - (1 if last.activation is None else 0)

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(int(layer.W.shape[0]) for layer in self.layers[: self.hidden_layers])

    def _inputs(self, X: Any) -> tuple[np.ndarray, bool]:
        arr = as_float64("input", X)
        single = arr.ndim == 1
        arr = arr[None, :] if single else arr
        if arr.ndim != 2 or arr.shape[1] != self.n:
            raise ShapeError(f"inputs must have shape ({self.n},) or (N, {self.n}), got {np.shape(X)}")
        return arr, single

    def pre_activations(self, X: Any, normalize: bool = True) -> list[np.ndarray]:
        """Pre-activations of every hidden layer, in float64."""
        h, single = self._inputs(X)
        if normalize and self.normalization is not None:
            h = self.normalization(h)
        out = []
        for layer in self.layers[: self.hidden_layers]:
            z = h @ layer.W.T + layer.b
            out.append(z[0] if single else z)
            h = layer.activation(z)
        return out

    def forward(self, X: Any, normalize: bool = True) -> np.ndarray:
        """Network output (raw: the .nnet output de-normalisation is not applied), with the skip term
        and the output activation when the network has them."""
        h, single = self._inputs(X)
        x = h
        if normalize and self.normalization is not None:
            h = self.normalization(h)
        for layer in self.layers:
            h = h @ layer.W.T + layer.b
            if layer.activation is not None:
                h = layer.activation(h)
        if self.skip is not None:
            h = h + self.skip(x)
        h = apply_output_activation(self.output_activation, h)
        return h[0] if single else h

    def layer_block(self, layer: int) -> MLPBlock:
        """The two-layer block whose hidden layer is ``layer`` (inputs: the previous layer's activations)."""
        layer = as_count("layer", layer, low=0, high=self.hidden_layers - 1)
        hid = self.layers[layer]
        nxt = self.layers[layer + 1] if layer + 1 < len(self.layers) else None
        W2 = None if nxt is None else nxt.W
        b2 = None if nxt is None else nxt.b
        last = nxt is not None and layer + 2 == len(self.layers)  # the block's output is the network's
        return MLPBlock(hid.W, hid.b, W2, b2, hid.activation, name=f"{self.name or 'network'}[layer {layer}]",
                        skip=self.skip if last else None,
                        output_activation=self.output_activation if last else None, notes=self.notes)

    def __repr__(self) -> str:
        extra = (" skip" if self.skip is not None else "") + \
            (f" output_activation={self.output_activation}" if self.output_activation is not None else "")
        return f"<Network {self.name!r} n={self.n} hidden={list(self.widths)}{extra}>"


def as_block(model: Any, what: str = "this call") -> MLPBlock:
    """The :class:`MLPBlock` a block-level question is asked about.

    A block is itself; a :class:`Network` with one hidden layer and no input normalisation
    (what ``from_sklearn`` and ``from_torch`` give for a one-hidden-layer model) is the block it
    is. Deeper networks, or ones that normalise their inputs, are refused with the call that
    answers the question for them, so nothing is converted silently.
    """
    if isinstance(model, MLPBlock):
        return model
    if isinstance(model, Network):
        if model.hidden_layers == 1 and model.normalization is None:
            return model.layer_block(0)
        why = (f"has {model.hidden_layers} hidden layers" if model.hidden_layers != 1
               else "normalises its inputs first")
        raise InvalidArgument(
            f"{what} got a deep network ({model!r}) that {why}: use sparsecert.verify.deep.max_active(network, layer,"
            " domain) / check_sparsity(network, layer, k, domain), or network.layer_block(layer) for the block around"
            " one hidden layer (its inputs are the previous layer's activations)")
    raise InvalidArgument(f"{what} needs an MLPBlock or a one-hidden-layer Network, got {type(model).__name__};"
                          " load models with sparsecert.sparse_models.load")



def block_to_write(model: Any, what: str) -> MLPBlock:
    """:func:`as_block` for the model writers (``save_npz``, ``save_onnx``, ``save_safetensors``).

    Their files hold one MLP block, so a one-hidden-layer Network is written as its block; a
    deeper network, or one that normalises its inputs, is refused with what to write instead.
    """
    if isinstance(model, Network) and (model.hidden_layers != 1 or model.normalization is not None):
        why = (f"has {model.hidden_layers} hidden layers" if model.hidden_layers != 1
               else "normalises its inputs first (the file would lose the normalisation)")
        raise InvalidArgument(
            f"{what} writes one MLP block, and got a deep network ({model!r}) that {why}: write"
            " network.layer_block(layer) to save the block around one hidden layer (its inputs are the previous"
            " layer's activations), or keep the whole network in a file sparsecert reads as a network (ONNX, e.g."
            " from torch.onnx.export; a PyTorch state dict; .nnet) and load it with sparsecert.sparse_models.load_network")
    return as_block(model, what)


def output_block(model: Any, what: str) -> MLPBlock:
    """:func:`as_block`, refusing a block with a skip term or an output activation.

    For calls that read the output as ``W2 act(z) + b2`` (class membership, output bounds,
    Fourier analysis); the message names what the block has beyond that.
    """
    block = as_block(model, what)
    require_plain_output(block, what)
    return block
