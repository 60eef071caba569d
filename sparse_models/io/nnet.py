"""The ``.nnet`` text format (Julian et al., used by Reluplex/Marabou and the ACAS Xu networks).

Layout, after any ``//`` comment lines (values comma-separated, a trailing comma allowed):

1. number of layers L, inputs n, outputs m, largest layer size;
2. the L + 1 layer sizes, inputs first;
3. a flag line (unused);
4. to 7. input minimums (n), maximums (n), means (n + 1: inputs then output), ranges (n + 1);
8. for each layer: one line per output unit holding its weights, then one line per unit
   holding its bias.

Inputs are clipped to [min, max] and normalised as (x - mean) / range before the first
layer; hidden layers are ReLU, the last is affine, and a real-world output is
y * range_out + mean_out. Decimal values are read as the nearest float64.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..errors import InvalidArgument, ModelFormatError
from ..network import Dense, InputNormalization, Network
from ._common import reading


def _lines(path: Path) -> list[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFormatError(f"{path}: cannot be read ({exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFormatError(f"{path}: not a text file, so not a .nnet model") from None
    if "\x00" in text:
        raise ModelFormatError(f"{path}: not a text file, so not a .nnet model")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        tokens = [t.strip() for t in stripped.split(",")]
        if tokens and tokens[-1] == "":
            tokens.pop()
        out.append((number, tokens))
    return out


class _Cursor:
    def __init__(self, path: Path, lines: list[tuple[int, list[str]]]) -> None:
        self.path, self.lines, self.pos = path, lines, 0

    def line(self, what: str, count: int | None) -> tuple[int, list[str]]:
        if self.pos >= len(self.lines):
            raise ModelFormatError(f"{self.path}: the file ends before {what} (truncated?)")
        number, tokens = self.lines[self.pos]
        self.pos += 1
        if count is not None and len(tokens) != count:
            raise ModelFormatError(
                f"{self.path}: line {number} ({what}) has {len(tokens)} values, expected {count}")
        return number, tokens

    def floats(self, what: str, count: int | None) -> list[float]:
        number, tokens = self.line(what, count)
        try:
            return [float(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            raise ModelFormatError(f"{self.path}: line {number} ({what}): {bad!r} is not a number") from None

    def ints(self, what: str, count: int | None) -> list[int]:
        number, tokens = self.line(what, count)
        try:
            values = [int(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not t.lstrip("+-").isdigit())
            raise ModelFormatError(f"{self.path}: line {number} ({what}): {bad!r} is not a whole number") from None
        return values


def _is_float(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def load_nnet_network(path: "str | os.PathLike[str]") -> Network:
    """Read a ``.nnet`` file as a :class:`Network` with its input normalisation and output scaling."""
    path = Path(path)
    cur = _Cursor(path, _lines(path))
    with reading(path):
        n_layers, n_in, n_out, largest = cur.ints("the header: layers, inputs, outputs, largest layer", 4)
        if n_layers < 1 or n_in < 1 or n_out < 1:
            raise ModelFormatError(f"{path}: header declares {n_layers} layers, {n_in} inputs, {n_out} outputs;"
                                   " each must be at least 1")
        sizes = cur.ints("the layer sizes", n_layers + 1)
        if sizes[0] != n_in or sizes[-1] != n_out:
            raise ModelFormatError(f"{path}: layer sizes {sizes} disagree with the header ({n_in} inputs,"
                                   f" {n_out} outputs)")
        if min(sizes) < 1 or max(sizes) != largest:
            raise ModelFormatError(f"{path}: layer sizes {sizes} disagree with the declared largest layer {largest}")
        cur.line("the flag line", None)
        lower = cur.floats("the input minimums", n_in)
        upper = cur.floats("the input maximums", n_in)
        means = cur.floats("the means (inputs, then output)", n_in + 1)
        ranges = cur.floats("the ranges (inputs, then output)", n_in + 1)
        bad = [j for j in range(n_in) if lower[j] > upper[j]]
        if bad:
            raise ModelFormatError(f"{path}: input {bad[0]} has minimum {lower[bad[0]]} above maximum {upper[bad[0]]}")
        if not (math.isfinite(means[n_in]) and math.isfinite(ranges[n_in]) and ranges[n_in] != 0):
            raise ModelFormatError(f"{path}: output mean {means[n_in]} and range {ranges[n_in]} must be finite, range"
                                   " nonzero")
        layers = []
        for layer in range(n_layers):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            W = np.array([cur.floats(f"layer {layer} weights, row {r}", fan_in) for r in range(fan_out)])
            b = np.array([cur.floats(f"layer {layer} bias {r}", 1)[0] for r in range(fan_out)])
            layers.append(Dense(W, b, "relu" if layer < n_layers - 1 else None))
        if cur.pos < len(cur.lines):
            number = cur.lines[cur.pos][0]
            raise ModelFormatError(f"{path}: unexpected data from line {number} on, after the last layer")
        norm = InputNormalization(lower, upper, means[:n_in], ranges[:n_in])
        return Network(layers, normalization=norm, output_mean=means[n_in], output_range=ranges[n_in],
                       name=path.stem)


def _row(values) -> str:
    return ",".join(repr(float(v)) for v in values) + ","


def save_nnet(network: Network, path: "str | os.PathLike[str]") -> Path:
    """Write a ReLU network as ``.nnet`` text; :func:`load_nnet_network` reads back the same float64 values.

    Every number is written as the shortest decimal that reads back to the same float64, so the
    file holds the weights exactly. A network without input normalisation gets the identity header
    (minimums and maximums at the float64 extremes, means 0, ranges 1). Hidden layers must be ReLU,
    the last layer affine, with no output activation or skip term: what the format can hold.

    Parameters
    ----------
    network : Network
        The network to write.
    path : str or os.PathLike
        The file to write (its directory must exist).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InvalidArgument
        A network the format cannot hold, or a missing directory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sparsecert.sparse_models import Dense, Network
    >>> from sparsecert.sparse_models.io.nnet import load_nnet_network, save_nnet
    >>> net = Network([Dense([[1.0, -2.0]], [0.5], "relu"), Dense([[3.0]], [0.1])])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = load_nnet_network(save_nnet(net, pathlib.Path(d) / "tiny.nnet"))
    >>> back.layers[0].W.tolist(), back.layers[1].b.tolist()
    ([[1.0, -2.0]], [0.1])
    """
    p = Path(path)
    if not p.parent.exists():
        raise InvalidArgument(f"the directory of the output file {str(path)!r} does not exist")
    layers = network.layers
    if layers[-1].activation is not None:
        raise InvalidArgument(".nnet ends in an affine output layer; this network's last layer has an activation")
    bad = [i for i, layer in enumerate(layers[:-1]) if layer.activation.name != "relu"]
    if bad:
        raise InvalidArgument(f".nnet hidden layers are ReLU; layer {bad[0]} is {layers[bad[0]].activation.name}")
    if network.output_activation is not None or network.skip is not None:
        raise InvalidArgument(".nnet holds neither an output activation nor a skip term; write .npz for those")
    n, m = network.n, int(layers[-1].W.shape[0])
    sizes = [n] + [int(layer.W.shape[0]) for layer in layers]
    norm = network.normalization
    big = np.finfo(np.float64).max
    lower = norm.lower if norm is not None else np.full(n, -big)
    upper = norm.upper if norm is not None else np.full(n, big)
    mean = norm.mean if norm is not None else np.zeros(n)
    rng = norm.range if norm is not None else np.ones(n)
    lines = [f"// {network.name or 'network'}, written by sparsecert", f"{len(layers)},{n},{m},{max(sizes)},",
             ",".join(str(s) for s in sizes) + ",", "0,", _row(lower), _row(upper),
             _row([*mean, network.output_mean]), _row([*rng, network.output_range])]
    for layer in layers:
        lines.extend(_row(w) for w in layer.W)
        lines.extend(_row([b]) for b in layer.b)
    p.write_text("\n".join(lines) + "\n")
    return p
