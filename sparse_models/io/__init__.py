"""Model files in and out. :func:`load` picks the reader by file suffix.

Supported: the native ``.npz`` (format ``sparsecert-mlp/1``), ``.safetensors``, ``.onnx``,
PyTorch state dicts (``.pt``/``.pth``, read with ``weights_only=True``), and ``.nnet``.
Nothing here unpickles untrusted data. :func:`save_model` writes a block as ``.npz``,
``.safetensors`` or ``.onnx`` (by suffix), each exactly (float64), skip term and output
activation included, so that :func:`load` gives the same block back.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..activations import Activation
from ..block import MLPBlock
from ..errors import InvalidArgument, ModelFormatError
from ..network import Network
from .native import FORMAT, load_npz, save_npz
from .sklearn_io import from_sklearn
from .torch_io import from_torch

__all__ = ["FORMAT", "load", "load_network", "load_npz", "save_npz", "save_model", "save_onnx", "save_safetensors",
           "SAVE_SUFFIXES", "from_torch", "from_sklearn"]

_READERS = {
    ".npz": ("native", "load_npz_network"),
    ".safetensors": ("safetensors_io", "load_safetensors_network"),
    ".onnx": ("onnx_io", "load_onnx_network"),
    ".pt": ("torch_io", "load_torch_network"),
    ".pth": ("torch_io", "load_torch_network"),
    ".nnet": ("nnet", "load_nnet_network"),
}
SAVE_SUFFIXES = (".npz", ".onnx", ".safetensors")
# Formats whose files may not record the activation between layers: their readers take activation=.
_TAKE_ACTIVATION = {".safetensors", ".pt", ".pth"}


def load_network(path: "str | os.PathLike[str]", *, activation: "str | Activation | None" = None) -> Network:
    """Read any supported model file as a :class:`Network` (a block is a one-hidden-layer network).

    ``activation`` (for example ``'relu'``) is for files that do not record it: PyTorch
    state dicts and safetensors files without an ``activation`` metadata entry. Without
    it such files are refused rather than read with a guessed activation.
    """
    import importlib

    path = Path(path)
    if not path.exists():
        raise ModelFormatError(f"{path}: no such file")
    if path.is_dir():
        raise ModelFormatError(f"{path}: is a directory, not a model file")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ModelFormatError(
            f"{path}: unknown model suffix {suffix or '(none)'!r}; supported: {', '.join(sorted(_READERS))}")
    module, func = _READERS[suffix]
    reader = getattr(importlib.import_module(f"{__name__}.{module}"), func)
    if suffix in _TAKE_ACTIVATION:
        return reader(path, activation=activation)
    if activation is not None:
        raise InvalidArgument(
            f"{path}: {suffix} files record their activations; activation= applies only to"
            f" {', '.join(sorted(_TAKE_ACTIVATION))} files")
    return reader(path)


def load(path: "str | os.PathLike[str]", layer: int | None = None, *,
         activation: "str | Activation | None" = None) -> MLPBlock:
    """Read a model file as an :class:`MLPBlock`.

    For a network with several hidden layers, ``layer`` chooses the hidden layer whose
    block is returned (inputs: the previous layer's activations); it is required then.
    ``activation`` is as in :func:`load_network`.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFormatError(f"{path}: no such file")
    if path.suffix.lower() == ".npz" and layer in (None, 0) and activation is None:
        return load_npz(path)
    net = load_network(path, activation=activation)
    if layer is None:
        if net.hidden_layers != 1:
            raise ModelFormatError(
                f"{path}: the network has {net.hidden_layers} hidden layers; pass layer=0..{net.hidden_layers - 1}"
                " (CLI: --layer) to choose one")
        layer = 0
    block = net.layer_block(layer)
    return block.replace(name=f"{path.stem}" + (f"[layer {layer}]" if net.hidden_layers > 1 else ""))


def save_onnx(block, path: "str | os.PathLike[str]") -> Path:
    """Write a block as a float64 ONNX graph (see :func:`sparse_models.io.onnx_write.save_onnx`)."""
    from .onnx_write import save_onnx as _save

    return _save(block, path)


def save_safetensors(block, path: "str | os.PathLike[str]") -> Path:
    """Write a block as ``.safetensors`` (see :func:`sparse_models.io.safetensors_io.save_safetensors`)."""
    from .safetensors_io import save_safetensors as _save

    return _save(block, path)


def check_save_path(path: "str | os.PathLike[str]", what: str = "the output file", block=None) -> Path:
    """The path, if its suffix is one :func:`save_model` writes and its directory exists; else InvalidArgument.

    With ``block``, also refuse (UnsupportedActivation) a block that format cannot hold (step units in ONNX),
    so a command can say so before it computes anything.
    """
    p = Path(path)
    if p.suffix.lower() not in SAVE_SUFFIXES:
        raise InvalidArgument(f"{what} {str(path)!r} must end in {', '.join(SAVE_SUFFIXES)} (the suffix picks the"
                              " format)")
    if not p.parent.exists():
        raise InvalidArgument(f"the directory of {what} {str(path)!r} does not exist")
    if block is not None and p.suffix.lower() == ".onnx":
        from .onnx_write import check_onnx_writable

        check_onnx_writable(block)
    return p


def save_model(block, path: "str | os.PathLike[str]") -> Path:
    """Write ``block`` (an MLPBlock or a one-hidden-layer Network) in the format its suffix names.

    ``.npz`` (native), ``.safetensors`` or ``.onnx``; all three hold float64 weights exactly,
    the affine skip term and the output activation, and read back with :func:`load` to a block
    with the same outputs bit for bit. Other suffixes are an :class:`InvalidArgument`.
    """
    p = check_save_path(path)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return save_npz(block, p)
    if suffix == ".safetensors":
        return save_safetensors(block, p)
    return save_onnx(block, p)
