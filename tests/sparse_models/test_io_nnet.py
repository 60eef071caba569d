"""The .nnet reader against an independent minimal evaluator, ACAS Xu .nnet against its .onnx, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sparsecert.sparse_models import ModelFormatError, NonFiniteError, load, load_network

ACAS = ["1_1", "2_1", "3_3"]


# --- an independent reference: a flat token stream, no line structure, plain Python loops --------------

def _reference(path: Path):
    """Parse a .nnet file into a function x -> raw output (normalised input, no output scaling)."""
    tokens = []
    for line in path.read_text().splitlines():
        if line.startswith("//"):
            continue
        tokens += [float(t) for t in line.replace(",", " ").split()]
    it = iter(tokens)
    n_layers, n_in, n_out, _ = (int(next(it)) for _ in range(4))
    sizes = [int(next(it)) for _ in range(n_layers + 1)]
    next(it)  # flag
    mins = [next(it) for _ in range(n_in)]
    maxs = [next(it) for _ in range(n_in)]
    means = [next(it) for _ in range(n_in + 1)]
    ranges = [next(it) for _ in range(n_in + 1)]
    weights, biases = [], []
    for k in range(n_layers):
        weights.append([[next(it) for _ in range(sizes[k])] for _ in range(sizes[k + 1])])
        biases.append([next(it) for _ in range(sizes[k + 1])])
    assert next(it, None) is None

    def run(x, normalize=True):
        h = [(min(max(v, lo), hi) - m) / r for v, lo, hi, m, r in zip(x, mins, maxs, means, ranges)] \
            if normalize else list(x)
        for k in range(n_layers):
            z = [sum(w * v for w, v in zip(row, h)) + b for row, b in zip(weights[k], biases[k])]
            h = [max(v, 0.0) for v in z] if k < n_layers - 1 else z
        return h

    return run, (means[-1], ranges[-1]), sizes


@pytest.mark.parametrize("rel", [f"acasxu/ACASXU_experimental_v2a_{k}.nnet" for k in ACAS]
                         + ["mnist/mnist10x10.nnet", "mnist/mnist20x40.nnet"])
def test_nnet_matches_an_independent_evaluation(shared_models, rel):
    path = shared_models / rel
    net = load_network(path)
    ref, (out_mean, out_range), sizes = _reference(path)
    assert (net.n,) + net.widths + (net.layers[-1].W.shape[0],) == tuple(sizes)
    assert (net.output_mean, net.output_range) == (out_mean, out_range)
    lo, hi = net.normalization.lower, net.normalization.upper
    rng = np.random.default_rng(0)
    # inside the input box, and outside it (clipping)
    X = np.vstack([rng.uniform(lo, hi, size=(8, net.n)), rng.uniform(lo - 1, hi + 1, size=(4, net.n))])
    out = net.forward(X)
    for x, y in zip(X, out):
        np.testing.assert_allclose(y, ref(x.tolist()), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("k", ACAS)
def test_acas_nnet_and_onnx_agree(shared_models, k):
    """The .onnx holds the same layers without the normalisation (its input Sub subtracts zeros)."""
    pytest.importorskip("onnx")
    nnet = load_network(shared_models / f"acasxu/ACASXU_experimental_v2a_{k}.nnet")
    onnx_net = load_network(shared_models / f"acasxu/ACASXU_experimental_v2a_{k}.onnx")
    assert onnx_net.normalization is None and nnet.normalization is not None
    assert nnet.widths == onnx_net.widths == (50,) * 6
    rng = np.random.default_rng(int(k[0]))
    X = rng.uniform(nnet.normalization.lower, nnet.normalization.upper, size=(200, 5))
    Xn = nnet.normalization(X)
    # compare on normalised inputs: the .nnet decimals and the .onnx float32 weights differ below 1e-7
    np.testing.assert_allclose(nnet.forward(X), onnx_net.forward(Xn), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nnet.forward(Xn, normalize=False), onnx_net.forward(Xn), rtol=1e-6, atol=1e-6)
    for a, b in zip(nnet.layers, onnx_net.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-6, atol=1e-7)


def test_acas_header_values_and_layer_blocks(shared_models):
    path = shared_models / "acasxu/ACASXU_experimental_v2a_1_1.nnet"
    net = load_network(path)
    assert net.normalization.lower.tolist() == [0.0, -3.141593, -3.141593, 100.0, 0.0]
    assert net.normalization.range.tolist()[:2] == [60261.0, 6.28318530718]
    assert (net.output_mean, net.output_range) == (7.5188840201005975, 373.94992)
    block = load(path, layer=4)
    assert (block.n, block.s, block.m) == (50, 50, 50) and block.activation.name == "relu"
    last = load(path, layer=5)
    assert last.m == 5
    with pytest.raises(ModelFormatError, match="6 hidden layers"):
        load(path)


def test_mnist_nnet_runs_in_the_unit_box(shared_models):
    net = load_network(shared_models / "mnist/mnist20x40.nnet")
    assert net.n == 784 and net.widths == (40,) * 20
    X = np.random.default_rng(0).uniform(0, 1, size=(5, 784))
    out = net.forward(X)
    assert out.shape == (5, 10) and np.all(np.isfinite(out))


# --- small synthetic files and every malformation ---------------------------------------------------------

GOOD = """// a 2-2-1 network
2,2,1,2,
2,2,1,
0,
-1.0,-2.0,
1.0,2.0,
0.0,0.5,1.5,
2.0,4.0,3.0,
1.0,-1.0,
0.5,0.25,
0.1,
-0.2,
2.0,3.0,
0.5,
"""


def _write(tmp_path: Path, text: str, name: str = "m.nnet") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_small_file_by_hand(tmp_path):
    net = load_network(_write(tmp_path, GOOD))
    assert net.layers[0].W.tolist() == [[1.0, -1.0], [0.5, 0.25]] and net.layers[0].b.tolist() == [0.1, -0.2]
    assert net.layers[1].W.tolist() == [[2.0, 3.0]] and net.layers[1].b.tolist() == [0.5]
    assert (net.output_mean, net.output_range) == (1.5, 3.0)
    x = np.array([3.0, -1.0])  # clipped to [1.0, -1.0], normalised to [0.5, -0.375]
    h = np.maximum([0.5 + 0.375 + 0.1, 0.25 - 0.09375 - 0.2], 0)
    assert net.forward(x)[0] == pytest.approx(2 * h[0] + 3 * h[1] + 0.5, abs=1e-15)


def _lines():
    return GOOD.splitlines()


@pytest.mark.parametrize("edit, error, match", [
    (lambda L: L[:-3], ModelFormatError, r"ends before layer 1 weights, row 0|ends before"),
    (lambda L: L[:5], ModelFormatError, "ends before the input maximums"),
    (lambda L: L[:1], ModelFormatError, "ends before the header"),
    (lambda L: [L[0], "2,2,1,3,"] + L[2:], ModelFormatError, "disagree with the header|largest layer"),
    (lambda L: [L[0], "3,2,1,2,"] + L[2:], ModelFormatError, r"line 3 \(the layer sizes\) has 3 values, expected 4"),
    (lambda L: [L[0], "2,3,1,2,"] + L[2:], ModelFormatError, "disagree with the header"),
    (lambda L: L[:8] + ["1.0,-1.0,7.0,"] + L[9:], ModelFormatError, r"line 9 \(layer 0 weights, row 0\) has 3 values"),
    (lambda L: L[:8] + ["1.0,abc,"] + L[9:], ModelFormatError, r"line 9 .*'abc' is not a number"),
    (lambda L: L[:8] + ["1.0,nan,"] + L[9:], NonFiniteError, "non-finite"),
    (lambda L: L[:4] + ["1.5,-2.0,"] + L[5:], ModelFormatError, "input 0 has minimum 1.5 above maximum 1.0"),
    (lambda L: L[:7] + ["2.0,0.0,3.0,"] + L[8:], ModelFormatError, "range must be nonzero"),
    (lambda L: L[:7] + ["2.0,4.0,0.0,"] + L[8:], ModelFormatError, "output mean 1.5 and range 0.0"),
    (lambda L: L + ["1.0,"], ModelFormatError, "unexpected data from line 15"),
    (lambda L: ["2.5,2,1,2,"] + L[1:], ModelFormatError, "'2.5' is not a whole number"),
    (lambda L: ["0,2,1,2,"] + L[1:], ModelFormatError, "at least 1"),
])
def test_malformed_nnet_files(tmp_path, edit, error, match):
    path = _write(tmp_path, "\n".join(edit(_lines())) + "\n")
    with pytest.raises(error, match=match) as info:
        load_network(path)
    assert str(path) in str(info.value)


def test_binary_and_empty_files(tmp_path):
    binary = tmp_path / "bin.nnet"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    with pytest.raises(ModelFormatError, match="not a text file"):
        load_network(binary)
    with pytest.raises(ModelFormatError, match="ends before the header"):
        load_network(_write(tmp_path, "// only a comment\n", "empty.nnet"))
