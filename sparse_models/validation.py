"""The project's shared argument validation: exact widening, no silent coercion.

Public within the project: every package (sparse_models, verify, properties) checks its
arguments with these helpers so the errors read the same everywhere. Not part of the
user-facing API (not exported from :mod:`sparsecert.sparse_models`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import InvalidArgument, NonFiniteError, ShapeError

__all__ = ["as_count", "as_finite_float", "as_float64", "as_rng"]

_EXACT_INT_LIMIT = 2**53


def as_float64(name: str, value: Any, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a new read-only float64 array, or raise naming ``name``.

    Widening float16/float32 and converting integers below 2**53 are exact; anything
    that would round (int64 beyond 2**53, longdouble), booleans, complex numbers,
    strings and objects are refused rather than coerced.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ShapeError(f"{name} is not a rectangular numeric array ({exc})") from None
    kind = arr.dtype.kind
    if kind == "b":
        raise InvalidArgument(f"{name} has boolean dtype; pass numbers (for example arr.astype(float))")
    if kind in "iu":
        if arr.size and int(np.max(np.abs(arr.astype(object)))) > _EXACT_INT_LIMIT:
            raise InvalidArgument(f"{name} holds integers beyond 2**53 that float64 cannot represent exactly")
        arr = arr.astype(np.float64)
    elif kind == "f":
        if arr.dtype.itemsize > 8:
            narrowed = arr.astype(np.float64)
            if not np.array_equal(narrowed.astype(arr.dtype), arr, equal_nan=True):
                raise InvalidArgument(f"{name} has {arr.dtype} values that float64 cannot represent exactly")
            arr = narrowed
        else:
            arr = arr.astype(np.float64)  # exact widening
    else:
        raise InvalidArgument(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ShapeError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise NonFiniteError(
            f"{name} contains {np.count_nonzero(bad)} non-finite value(s) (first {arr[where]} at index {where});"
            " replace NaN/inf before building a block"
        )
    # C order always: BLAS rounds a product differently for a transposed layout, so a model's float64
    # outputs must not depend on whether its arrays came from a file, a transpose or a slice
    arr = np.array(arr, dtype=np.float64, copy=True, order="C")
    arr.setflags(write=False)
    return arr


def as_finite_float(name: str, value: Any) -> float:
    """A finite Python float, refusing booleans, strings and NaN/inf."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidArgument(f"{name} must be a finite number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise NonFiniteError(f"{name} must be finite, got {value!r}")
    if isinstance(value, (int, np.integer)) and abs(int(value)) > _EXACT_INT_LIMIT:
        raise InvalidArgument(f"{name}={value!r} is not exactly representable as float64")
    return out


def as_count(name: str, value: Any, *, low: int = 0, high: int | None = None) -> int:
    """A whole number in [low, high], refusing floats and booleans."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidArgument(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        rng = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise InvalidArgument(f"{name}={value} is out of range; it must be {rng}")
    return value


def as_rng(rng: Any) -> np.random.Generator:
    """A numpy Generator from a Generator, an integer seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise InvalidArgument(f"rng must be a numpy Generator or an integer seed, got {rng!r}")
