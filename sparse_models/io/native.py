"""The native model file: ``.npz`` with W1, b1, optional W2, b2, activation and format.

``format`` is ``sparsecert-mlp/1``. Arrays are read with ``allow_pickle=False``, so a
file can never execute code.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from ..block import MLPBlock
from ..errors import ModelFormatError

FORMAT = "sparsecert-mlp/1"
_KEYS = {"W1", "b1", "W2", "b2", "activation", "format", "name"}


def save_npz(block: MLPBlock, path: "str | os.PathLike[str]") -> Path:
    """Write ``block`` in the native format (numpy's savez; exact float64); a one-hidden-layer
    :class:`Network` is written as its block."""
    from ..network import as_block

    block = as_block(block)
    path = Path(path)
    arrays = {"W1": block.W1, "b1": block.b1, "activation": np.array(block.activation.spec),
              "format": np.array(FORMAT)}
    if block.W2 is not None:
        arrays["W2"] = block.W2
        arrays["b2"] = block.b2
    if block.name:
        arrays["name"] = np.array(block.name)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def _string(data, key: str, path: Path) -> str:
    arr = data[key]
    if arr.dtype.kind not in "US" or arr.ndim != 0:
        raise ModelFormatError(f"{path}: key {key!r} must hold a string, got an array of dtype {arr.dtype}")
    return str(arr)


def load_npz(path: "str | os.PathLike[str]") -> MLPBlock:
    """Read a native model file; anything else is a :class:`ModelFormatError`."""
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise ModelFormatError(f"{path}: not a sparsecert .npz model ({exc})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ModelFormatError(f"{path}: holds a single array, not a sparsecert .npz model")
    with data:
        keys = set(data.files)
        try:
            if "format" not in keys:
                raise ModelFormatError(f"{path}: no 'format' key; a sparsecert model has format={FORMAT!r}")
            fmt = _string(data, "format", path)
            if fmt != FORMAT:
                raise ModelFormatError(f"{path}: format {fmt!r} is not supported; expected {FORMAT!r}")
            missing = {"W1", "b1"} - keys
            if missing:
                raise ModelFormatError(f"{path}: missing key(s) {sorted(missing)}")
            unknown = keys - _KEYS
            if unknown:
                raise ModelFormatError(f"{path}: unknown key(s) {sorted(unknown)}; allowed are {sorted(_KEYS)}")
            activation = _string(data, "activation", path) if "activation" in keys else "relu"
            name = _string(data, "name", path) if "name" in keys else path.stem
            W2 = data["W2"] if "W2" in keys else None
            b2 = data["b2"] if "b2" in keys else None
            return MLPBlock(data["W1"], data["b1"], W2, b2, activation, name=name)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:  # damaged member (CRC, cut)
            raise ModelFormatError(f"{path}: damaged .npz file ({exc})") from None
        except ValueError as exc:  # e.g. object arrays refused by allow_pickle=False
            if isinstance(exc, ModelFormatError):
                raise
            from ..errors import NonFiniteError, UnsupportedActivation
            if isinstance(exc, (NonFiniteError, UnsupportedActivation)):
                raise type(exc)(f"{path}: {exc}") from None
            # shapes that disagree (ShapeError) and other bad contents: the file is malformed
            raise ModelFormatError(f"{path}: {exc}") from None


def load_npz_network(path: "str | os.PathLike[str]"):
    """The native block as a one-hidden-layer :class:`~sparse_models.network.Network`."""
    from ..network import Dense, Network

    block = load_npz(path)
    layers = [Dense(block.W1, block.b1, block.activation)]
    if block.W2 is not None:
        layers.append(Dense(block.W2, block.b2))
    return Network(layers, name=block.name)
