"""Failure files: a failing block saved in the native ``.npz``, with what reproduces the failure.

The file is what :func:`sparsecert.sparse_models.save_npz` writes, so ``load(path)`` (and
``sparsecert maxact path``) read the block back bit for bit. Beside it, under keys that
``load`` skips, it keeps the arrays a reproduction needs: the domain's long vectors
(``domain_lower``, ``domain_center``, ...) and the witness input (``witness_x``; the
solver's rational point as strings in ``witness_exact_x`` when it differs). Read them with
``np.load(path)["witness_x"]``.

Names are ``<test name>-<content hash>.npz`` in :func:`session.failure_dir` (under pytest:
``<rootdir>/.sparsecert/failures``), so the same failure writes the same file again.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from sparsecert.sparse_models import MLPBlock, save_npz

from . import session


def _digest(block: MLPBlock, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for arr in (block.W1, block.b1, block.W2, block.b2):
        h.update(b"-" if arr is None else np.ascontiguousarray(arr, dtype=np.float64).tobytes() + str(arr.shape).encode())
    h.update(block.activation.spec.encode())
    h.update(repr(getattr(block, "skip", None) is not None).encode())
    for key in sorted(arrays):
        arr = np.asarray(arrays[key])
        h.update(key.encode() + str(arr.shape).encode() + str(arr.dtype).encode())
        h.update(arr.tobytes())
    return h.hexdigest()[:10]


def file_label(label: str) -> str:
    """A file-name-safe form of a test id: ``tests/test_x.py::TestA::test_b[1-2]`` -> ``TestA-test_b-1-2``
    (the content hash that follows tells apart tests of the same name in different files)."""
    label = label.split("::", 1)[1] if "::" in label else label
    label = re.sub(r"[^A-Za-z0-9_.]+", "-", label).strip("-.")
    return label[:80] or "check"


def _append(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Add arrays to an .npz written by save_npz (members ``key.npy``, as numpy's savez writes them)."""
    with zipfile.ZipFile(path, mode="a", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(arr), allow_pickle=False)


def save(block: MLPBlock, arrays: dict[str, Any] | None = None, *, suffix: str = "") -> tuple[Path | None, str]:
    """Save ``block`` (and ``arrays``, keys ``domain_*``/``witness_*``) to a failure file.

    Returns (the absolute path, "") or (None, why it could not be written): a failure
    report never fails because its file could not be saved.
    """
    extra = {k: np.asarray(v) for k, v in (arrays or {}).items()}
    try:
        directory = session.failure_dir().resolve()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{file_label(session.label())}-{_digest(block, extra)}{suffix}.npz"
        tmp = path.with_name(path.name + ".part")
        save_npz(block, tmp)
        if extra:
            _append(tmp, extra)
        tmp.replace(path)
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    session.record_written(path)
    return path, ""


def witness_arrays(x: Any, exact_x: Any = None) -> dict[str, np.ndarray]:
    out = {"witness_x": np.asarray(x, dtype=np.float64)}
    if exact_x is not None:
        out["witness_exact_x"] = np.array([str(v) for v in exact_x], dtype=str)
    return out
