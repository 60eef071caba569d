"""The native model file: ``.npz`` with W1, b1, optional W2, b2, activation and format.

``format`` is ``sparsecert-mlp/1``. Optional keys, each absent when unused:

* ``skip_W1`` (r x n), ``skip_b1`` (r), ``skip_W2`` (m x r), ``skip_b2`` (m): an affine skip
  term ``skip_W2 (skip_W1 x + skip_b1) + skip_b2`` added to the output (what ``sparsecert
  prune`` writes when it folds always-on units; ``skip_W2``/``skip_b2`` may be absent);
* ``output_activation``: ``softmax`` or ``log_softmax`` after the output layer;
* ``name``, and ``notes`` (a 1-D string array: what a loader did, e.g. a folded BatchNorm).

Arrays are read with ``allow_pickle=False``, so a file can never execute code.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from ..block import MLPBlock
from ..errors import ModelFormatError
from ..head import LinearSkip
from ..network import Network  # annotations (the package's __init__ imports it first anyway)

FORMAT = "sparsecert-mlp/1"
_SKIP_KEYS = ("skip_W1", "skip_b1", "skip_W2", "skip_b2")
_KEYS = {"W1", "b1", "W2", "b2", "activation", "format", "name", "output_activation", "notes", *_SKIP_KEYS}
# Arrays a failure report of the pytest plugin keeps beside the block (the domain's arrays, the
# witness input): load_npz skips them, ``np.load(path)["domain_lower"]`` reads them.
CONTEXT_PREFIXES = ("domain_", "witness_")


def save_npz(block: "MLPBlock | Network", path: "str | os.PathLike[str]") -> Path:
    """Write ``block`` in the native format (numpy's savez; exact float64); a one-hidden-layer
    :class:`Network` is written as its block.

    Parameters
    ----------
    block : MLPBlock or Network
        The block; its skip term, output activation, name and notes are written too.
    path : str or os.PathLike
        The file to write (numpy does not add a suffix: the file is written as named).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InvalidArgument
        A deep network, or not a model at all.
    OSError
        The file cannot be written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sparsecert.sparse_models import MLPBlock, load_npz, save_npz
    >>> block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [0.0, -0.5], [[1.0, 2.0]], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = save_npz(block, pathlib.Path(d) / "tiny.npz")
    ...     print(path.name, load_npz(path))
    tiny.npz <MLPBlock 'tiny' n=2 s=2, m=1 activation=relu>
    """
    from ..network import block_to_write

    block = block_to_write(block, "save_npz")
    path = Path(path)
    arrays = {"W1": block.W1, "b1": block.b1, "activation": np.array(block.activation.spec),
              "format": np.array(FORMAT)}
    if block.W2 is not None:
        arrays["W2"] = block.W2
        arrays["b2"] = block.b2
    if block.name:
        arrays["name"] = np.array(block.name)
    if block.skip is not None:
        for key, arr in zip(_SKIP_KEYS, (block.skip.W1, block.skip.b1, block.skip.W2, block.skip.b2)):
            if arr is not None:
                arrays[key] = arr
    if block.output_activation is not None:
        arrays["output_activation"] = np.array(block.output_activation)
    if block.notes:
        arrays["notes"] = np.array(list(block.notes), dtype=str)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def _string(data, key: str, path: Path) -> str:
    arr = data[key]
    if arr.dtype.kind not in "US" or arr.ndim != 0:
        raise ModelFormatError(f"{path}: key {key!r} must hold a string, got an array of dtype {arr.dtype}")
    return str(arr)


def load_npz(path: "str | os.PathLike[str]") -> MLPBlock:
    """Read a native model file; anything else is a :class:`ModelFormatError`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.npz`` file of format ``sparsecert-mlp/1`` (what :func:`save_npz` writes).

    Returns
    -------
    MLPBlock
        The block, exactly as written (float64 weights, skip term, output activation, name, notes).

    Raises
    ------
    ModelFormatError
        A missing file, another format, or missing or malformed arrays.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sparsecert.sparse_models import MLPBlock, load_npz, save_npz
    >>> block = MLPBlock([[1.0, 1.0], [1.0, -1.0]], [0.0, -0.5], [[1.0, 2.0]], name="tiny")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     again = load_npz(save_npz(block, pathlib.Path(d) / "tiny.npz"))
    >>> again.W2.tolist(), again.name
    ([[1.0, 2.0]], 'tiny')
    """
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
            unknown = {k for k in keys - _KEYS if not k.startswith(CONTEXT_PREFIXES)}
            if unknown:
                raise ModelFormatError(f"{path}: unknown key(s) {sorted(unknown)}; allowed are {sorted(_KEYS)}")
            activation = _string(data, "activation", path) if "activation" in keys else "relu"
            name = _string(data, "name", path) if "name" in keys else path.stem
            W2 = data["W2"] if "W2" in keys else None
            b2 = data["b2"] if "b2" in keys else None
            skip = None
            if keys & set(_SKIP_KEYS):
                if not {"skip_W1", "skip_b1"} <= keys:
                    raise ModelFormatError(f"{path}: a skip term needs both 'skip_W1' and 'skip_b1'")
                skip = LinearSkip(*(data[k] if k in keys else None for k in _SKIP_KEYS))
            out_act = _string(data, "output_activation", path) if "output_activation" in keys else None
            notes = ()
            if "notes" in keys:
                arr = data["notes"]
                if arr.dtype.kind not in "US" or arr.ndim != 1:
                    raise ModelFormatError(f"{path}: key 'notes' must hold a 1-D array of strings")
                notes = tuple(str(t) for t in arr)
            return MLPBlock(data["W1"], data["b1"], W2, b2, activation, name=name, skip=skip,
                            output_activation=out_act, notes=notes)
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
    return block_network(load_npz(path))


def block_network(block: MLPBlock):
    """A block as a one-hidden-layer :class:`~sparse_models.network.Network` (skip term, output activation and
    notes carried over)."""
    from ..network import Dense, Network

    layers = [Dense(block.W1, block.b1, block.activation)]
    if block.W2 is not None:
        layers.append(Dense(block.W2, block.b2))
    return Network(layers, name=block.name, output_activation=block.output_activation, skip=block.skip,
                   notes=block.notes)
