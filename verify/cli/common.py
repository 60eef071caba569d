"""Pieces every subcommand shares: model and domain arguments, JSON output, progress."""

from __future__ import annotations

import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator, TypeVar

import numpy as np

from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, PointSet, load
from sparsecert.sparse_models.errors import DomainError, InvalidArgument, ModelFormatError

T = TypeVar("T")


def add_model_argument(parser) -> None:
    parser.add_argument("model", help="model file (.npz, .safetensors, .onnx, .pt, .nnet)")
    parser.add_argument("--layer", default=None,
                        help="hidden layer to analyse in a deep network (0-based, or 'all' for the whole-network"
                             " per-layer table)")
    parser.add_argument("--activation", default=None,
                        help="hidden activation for files that do not record it (.pt state dicts, bare .safetensors)")


def load_model(args) -> MLPBlock:
    layer = None
    if getattr(args, "layer", None) is not None:
        try:
            layer = int(args.layer)
        except ValueError:
            raise InvalidArgument(f"--layer must be a whole number, got {args.layer!r}") from None
    return load(args.model, layer=layer, activation=getattr(args, "activation", None))


DOMAIN_HELP = ("hypercube | hypercube01 | box:LO:HI | box-file:FILE.npz | ball:CENTERS.npy:RADIUS | points:X.npy;"
               " whole deep networks: vnnlib:FILE | vnnlib-raw:FILE | nnet-box")


def load_network_model(args):
    """The whole network (for deep-network questions), honouring --activation; the block path is load_model."""
    from sparsecert.sparse_models.io import load_network
    return load_network(args.model, activation=getattr(args, "activation", None))


def _npy(path: str, what: str) -> np.ndarray:
    p = Path(path)
    if not p.exists():
        raise DomainError(f"{what} file {path!r} does not exist")
    try:
        arr = np.load(p, allow_pickle=False)
    except Exception as exc:
        raise DomainError(f"{what} file {path!r} is not a readable .npy array ({_short(exc)})") from None
    if not isinstance(arr, np.ndarray):
        raise DomainError(f"{what} file {path!r} must hold a single array (.npy)")
    return arr


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DomainError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DomainError(f"{what} must be finite, got {text!r}")
    return value


def parse_domains(spec: str, n: int) -> list:
    """Turn a --domain string into domains of dimension n (a list: ``ball:`` gives one per centre)."""
    kind, _, rest = spec.partition(":")
    if kind == "hypercube" and not rest:
        return [Hypercube(n, (-1, 1))]
    if kind == "hypercube01" and not rest:
        return [Hypercube(n, (0, 1))]
    if kind == "box":
        parts = rest.split(":")
        if len(parts) != 2:
            raise DomainError(f"box domain is written box:LO:HI, got {spec!r}")
        return [Box.uniform(n, _float(parts[0], "box lower bound"), _float(parts[1], "box upper bound"))]
    if kind == "box-file":
        p = Path(rest)
        if not p.exists():
            raise DomainError(f"box file {rest!r} does not exist")
        try:
            with np.load(p, allow_pickle=False) as data:
                if not {"lower", "upper"} <= set(data.files):
                    raise DomainError(f"box file {rest!r} needs arrays 'lower' and 'upper', has {sorted(data.files)}")
                lower, upper = data["lower"], data["upper"]
        except DomainError:
            raise
        except Exception as exc:
            raise DomainError(f"box file {rest!r} is not a readable .npz ({_short(exc)})") from None
        return [Box(lower, upper)]
    if kind == "ball":
        path, sep, radius = rest.rpartition(":")
        if not sep or not path:
            raise DomainError(f"ball domain is written ball:CENTERS.npy:RADIUS, got {spec!r}")
        r = _float(radius, "ball radius")
        centers = _npy(path, "ball centres")
        if centers.ndim == 1:
            centers = centers[None, :]
        if centers.ndim != 2 or centers.shape[1] != n:
            raise DomainError(f"ball centres must have shape (N, {n}) for this model, got {centers.shape}")
        return [LinfBall(c, r) for c in centers]
    if kind == "points":
        X = _npy(rest, "points")
        if X.ndim != 2 or X.shape[1] != n:
            raise DomainError(f"points must have shape (N, {n}) for this model, got {X.shape}")
        return [PointSet(X)]
    raise DomainError(f"unknown domain {spec!r}; use one of: {DOMAIN_HELP}")


def to_jsonable(value: Any) -> Any:
    """Numbers, arrays, Fractions and dataclass-like results as plain JSON values."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if math.isfinite(f) else str(f)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Fraction):
        return str(value)
    return value


def print_json(obj: Any) -> None:
    json.dump(to_jsonable(obj), sys.stdout, indent=2)
    sys.stdout.write("\n")


class Progress:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, total: int | None, label: str, *, enabled: bool | None = None) -> None:
        self.total, self.label = total, label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.done = 0
        self._last = 0.0
        self._start = time.monotonic()

    def advance(self, step: int = 1, note: str = "") -> None:
        self.done += step
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.1 or (self.total and self.done >= self.total)):
            self._last = now
            if self.total:
                frac = self.done / self.total
                bar = "#" * int(30 * frac)
                line = f"\r{self.label} [{bar:<30}] {self.done}/{self.total} {now - self._start:5.1f}s {note}"
            else:
                line = f"\r{self.label} {self.done} {now - self._start:5.1f}s {note}"
            sys.stderr.write(line[:100].ljust(100))
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()

    def wrap(self, items: Iterable[T]) -> Iterator[T]:
        try:
            for item in items:
                yield item
                self.advance()
        finally:
            self.close()


def not_a_model(path: str) -> ModelFormatError:
    return ModelFormatError(f"{path}: not a model file")
