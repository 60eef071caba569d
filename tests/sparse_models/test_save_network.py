"""Writing Networks (issue 17 item 5): a one-hidden-layer Network (from_sklearn) is saved as its block by
save_npz and save_model in every format; a deeper one is refused with what to write instead."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sparsecert.sparse_models import load, load_network
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.io import from_sklearn, save_model, save_npz, save_onnx, save_safetensors
from sparsecert.sparse_models.network import Dense, InputNormalization, Network

pytest.importorskip("sklearn")


def _iris_mlp(hidden):
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a short fit
        clf = MLPClassifier(hidden, max_iter=60, random_state=0).fit(X, y)
    return from_sklearn(clf), X


def _suffixes():
    out = [".npz"]
    for module, suffix in (("onnx", ".onnx"), ("safetensors", ".safetensors")):
        try:
            __import__(module)
            out.append(suffix)
        except ImportError:
            pass
    return out


def test_one_hidden_layer_network_saves_as_its_block(tmp_path):
    net, X = _iris_mlp((6,))
    assert net.hidden_layers == 1
    expected = net.forward(X)
    block = load(save_npz(net, tmp_path / "direct.npz"))
    assert np.array_equal(block.W1, net.layers[0].W) and np.array_equal(block.forward(X), expected)
    for suffix in _suffixes():
        path = save_model(net, tmp_path / f"iris{suffix}")
        again = load(path)
        assert np.array_equal(again.forward(X), expected), suffix
        assert load_network(path).widths == (6,)


@pytest.mark.parametrize("writer", ["save_npz", "save_onnx", "save_safetensors", "save_model"])
def test_deep_network_is_refused_with_what_to_use(tmp_path, writer):
    net, X = _iris_mlp((5, 4))
    assert net.hidden_layers == 2
    fn = {"save_npz": save_npz, "save_onnx": save_onnx, "save_safetensors": save_safetensors,
          "save_model": save_model}[writer]
    with pytest.raises(InvalidArgument) as exc:
        fn(net, tmp_path / "deep.npz")
    msg = str(exc.value)
    assert "deep network" in msg and "2 hidden layers" in msg
    assert "network.layer_block(layer)" in msg and "load_network" in msg
    assert not (tmp_path / "deep.npz").exists()
    # what the message offers works: the block around one hidden layer saves
    path = save_npz(net.layer_block(1), tmp_path / "layer1.npz")
    H = np.maximum(X @ net.layers[0].W.T + net.layers[0].b, 0)
    assert np.allclose(load(path).forward(H), net.forward(X), rtol=0, atol=1e-12)


def test_input_normalising_network_is_refused():
    net = Network([Dense(np.eye(2), [0, 0], "relu"), Dense([[1, 1]], [0])],
                  InputNormalization([-1, -1], [1, 1], [0, 0], [2, 2]))
    with pytest.raises(InvalidArgument, match="normalises its inputs first"):
        save_npz(net, "unused.npz")
