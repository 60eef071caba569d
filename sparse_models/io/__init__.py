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

__all__ = ["FORMAT", "load", "load_network", "load_npz", "save_npz", "save_model", "save_nnet", "save_onnx",
           "save_safetensors", "SAVE_SUFFIXES", "from_torch", "from_sklearn"]

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

    Parameters
    ----------
    path : str or os.PathLike
        ``.npz`` (native), ``.safetensors``, ``.onnx``, ``.pt`` / ``.pth`` or ``.nnet``.
    activation : str or Activation or None, default None
        The hidden activation of a file that does not record it (``.safetensors``, ``.pt``, ``.pth`` only).

    Returns
    -------
    Network
        Every layer, the input normalisation of a ``.nnet`` header, and the output activation.

    Raises
    ------
    ModelFormatError
        No such file, an unknown suffix, or a file that is not a model of its format.
    UnsupportedLayer
        A layer or graph node the loader cannot translate (it is named).
    InvalidArgument
        ``activation`` given for a format that records its activations.
    MissingDependency
        The extra the format needs (``onnx``, ``torch``, ``safetensors``) is not installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from sparsecert.sparse_models import MLPBlock, load_network, save_npz
    >>> block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [0.0, -0.5], [[1.0, 2.0]], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     net = load_network(save_npz(block, pathlib.Path(d) / "tiny.npz"))
    >>> net, net.widths
    (<Network 'tiny' n=2 hidden=[2]>, (2,))
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

    Parameters
    ----------
    path : str or os.PathLike
        A model file of any format :func:`load_network` reads.
    layer : int or None, default None
        The hidden layer of a deep network (None: the file must have one hidden layer).
    activation : str or Activation or None, default None
        As in :func:`load_network`.

    Returns
    -------
    MLPBlock
        The block (around hidden layer ``layer``), named after the file.

    Raises
    ------
    ModelFormatError
        As for :func:`load_network`, or a deep network without ``layer``.
    UnsupportedLayer, InvalidArgument, MissingDependency
        As for :func:`load_network`; ``layer`` out of range.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from sparsecert.sparse_models import MLPBlock, load, save_npz
    >>> block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [0.0, -0.5], [[1.0, 2.0]], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     again = load(save_npz(block, pathlib.Path(d) / "tiny.npz"))
    >>> again, np.array_equal(again.W1, block.W1)
    (<MLPBlock 'tiny' n=2 s=2, m=1 activation=relu>, True)
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


def save_nnet(network, path: "str | os.PathLike[str]") -> Path:
    """Write a deep ReLU network as ``.nnet`` (see :func:`sparse_models.io.nnet.save_nnet`)."""
    from .nnet import save_nnet as _save

    return _save(network, path)


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


def save_model(block: "MLPBlock | Network", path: "str | os.PathLike[str]") -> Path:
    """Write ``block`` (an MLPBlock or a one-hidden-layer Network) in the format its suffix names.

    ``.npz`` (native), ``.safetensors`` or ``.onnx``; all three hold float64 weights exactly,
    the affine skip term and the output activation, and read back with :func:`load` to a block
    with the same outputs bit for bit. Other suffixes are an :class:`InvalidArgument`.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is written as its block).
    path : str or os.PathLike
        The file to write, ending in ``.npz``, ``.safetensors`` or ``.onnx``, in an existing directory.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InvalidArgument
        Another suffix, a missing directory, or a deep network.
    UnsupportedActivation
        A block the format cannot hold (step units in ONNX).
    MissingDependency
        The ``onnx`` or ``safetensors`` extra is not installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from sparsecert.sparse_models import MLPBlock, load, save_model
    >>> block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [0.0, -0.5], [[1.0, 2.0]], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = save_model(block, pathlib.Path(d) / "tiny.npz")
    ...     print(path.name, load(path))
    tiny.npz <MLPBlock 'tiny' n=2 s=2, m=1 activation=relu>
    """
    p = check_save_path(path)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return save_npz(block, p)
    if suffix == ".safetensors":
        return save_safetensors(block, p)
    return save_onnx(block, p)
