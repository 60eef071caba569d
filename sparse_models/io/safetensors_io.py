"""safetensors files, read and written with the library's numpy API (no torch needed).

Two layouts are read:

* native: tensors ``W1``, ``b1`` and optionally ``W2``, ``b2`` (W out x in, as in the
  ``.npz`` format) and the skip term ``skip_W1``, ``skip_b1``, ``skip_W2``, ``skip_b2``; the
  activation string in the metadata key ``activation``, and optionally ``output_activation``
  (``softmax`` / ``log_softmax``) and ``notes`` (one note per line);
* PyTorch naming: ``0.weight``, ``0.bias``, ``2.weight`` ... or ``fc1.weight`` ... (weights
  out x in, as ``nn.Linear`` stores them); layers are taken in natural order of their
  names (``fc2`` before ``fc10``). The activation comes from the metadata key
  ``activation`` when present, otherwise from the caller's ``activation=``.

safetensors holds raw tensors only, so reading one never executes code.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..activations import Activation
from ..block import MLPBlock
from ..errors import MissingDependency, ModelFormatError
from ..head import LinearSkip
from ..network import Network
from ._common import linears_from_state, network_from_linears, parse_activation, reading, resolve_activation

_SKIP = ("skip_W1", "skip_b1", "skip_W2", "skip_b2")
_NATIVE = {"W1", "b1", "W2", "b2", *_SKIP}


def _library():
    try:
        import safetensors
        from safetensors import safe_open
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise MissingDependency(
            "reading .safetensors needs the safetensors package: pip install 'sparsecert[safetensors]'") from None
    return safetensors, safe_open


def _widen(arr: np.ndarray) -> np.ndarray:
    """bfloat16 and float8 tensors (numpy dtypes from ml_dtypes) as float32: exact, float32 holds them all."""
    if arr.dtype.name.startswith(("bfloat16", "float8")):
        return arr.astype(np.float32)
    return arr


def _read(path: Path) -> tuple[list[tuple[str, np.ndarray]], dict[str, str]]:
    safetensors, safe_open = _library()
    try:  # registers bfloat16/float8 with numpy when available (it comes with onnx)
        import ml_dtypes  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    error = getattr(safetensors, "SafetensorError", Exception)
    try:
        with safe_open(str(path), framework="np") as fh:
            metadata = dict(fh.metadata() or {})
            items = []
            for key in fh.keys():
                try:
                    items.append((key, _widen(fh.get_tensor(key))))
                except TypeError as exc:  # e.g. bfloat16, which numpy has no dtype for
                    raise ModelFormatError(
                        f"{path}: tensor {key!r} cannot be read with numpy ({exc}); save it as float32 or float64"
                    ) from None
    except ModelFormatError:
        raise
    except (error, OSError, ValueError) as exc:
        raise ModelFormatError(f"{path}: not a readable safetensors file ({exc})") from None
    return items, metadata


def load_safetensors_network(path: "str | os.PathLike[str]", *,
                             activation: "str | Activation | None" = None) -> Network:
    """Read a ``.safetensors`` model as a :class:`Network`.

    ``activation`` is needed only when the file's metadata does not record one; if both
    are present they must agree. Anything malformed is a :class:`ModelFormatError`.
    """
    path = Path(path)
    given = parse_activation(activation)
    items, metadata = _read(path)
    with reading(path):
        keys = {k for k, _ in items}
        recorded = metadata.get("activation")
        if keys & _NATIVE:
            unknown = keys - _NATIVE
            if unknown:
                raise ModelFormatError(
                    f"{path}: mixes native keys (W1, b1, W2, b2) with other tensors {sorted(unknown)}")
            missing = {"W1", "b1"} - keys
            if missing:
                raise ModelFormatError(f"{path}: missing tensor(s) {sorted(missing)}")
            if "b2" in keys and "W2" not in keys:
                raise ModelFormatError(f"{path}: has b2 but no W2")
            act = resolve_activation(path, recorded, given, "this safetensors file")
            t = dict(items)
            skip = None
            if keys & set(_SKIP):
                if not {"skip_W1", "skip_b1"} <= keys:
                    raise ModelFormatError(f"{path}: a skip term needs both 'skip_W1' and 'skip_b1'")
                skip = LinearSkip(*(t.get(k) for k in _SKIP))
            notes = tuple(line for line in metadata.get("notes", "").split("\n") if line)
            block = MLPBlock(t["W1"], t["b1"], t.get("W2"), t.get("b2"), act, name=path.stem,
                             skip=skip, output_activation=metadata.get("output_activation"), notes=notes)
            from .native import block_network
            return block_network(block)
        linears = linears_from_state(path, items, natural_order=True)
        act = resolve_activation(path, recorded, given, "this safetensors file") if len(linears) > 1 else \
            Activation("identity")
        return network_from_linears(path, linears, act, path.stem)


def save_safetensors(block: MLPBlock, path: "str | os.PathLike[str]") -> Path:
    """Write ``block`` (or a one-hidden-layer Network) with the native key names (float64, exact).

    The skip term goes in tensors ``skip_W1``, ``skip_b1`` (and ``skip_W2``, ``skip_b2`` when
    present); the activation, output activation and notes in the metadata.
    """
    from ..network import block_to_write

    _library()
    from safetensors.numpy import save_file

    block = block_to_write(block, "save_safetensors")
    path = Path(path)
    tensors = {"W1": np.ascontiguousarray(block.W1), "b1": np.ascontiguousarray(block.b1)}
    if block.W2 is not None:
        tensors["W2"] = np.ascontiguousarray(block.W2)
        tensors["b2"] = np.ascontiguousarray(block.b2)
    if block.skip is not None:
        for key, arr in zip(_SKIP, (block.skip.W1, block.skip.b1, block.skip.W2, block.skip.b2)):
            if arr is not None:
                tensors[key] = np.ascontiguousarray(arr)
    metadata = {"activation": block.activation.spec}
    if block.output_activation is not None:
        metadata["output_activation"] = block.output_activation
    if block.notes:
        metadata["notes"] = "\n".join(block.notes)
    save_file(tensors, str(path), metadata=metadata)
    return path
