"""A one-hidden-layer Network is accepted wherever a block is (issue 17 item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import Hypercube, load, random_block, save_npz
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.network import Dense, InputNormalization, Network, as_block
from sparsecert.verify import check_sparsity, equivalent, max_active, prune


def _one_hidden(block):
    return Network([Dense(block.W1, block.b1, "relu"), Dense(np.ones((1, block.s)), [0.0])])


def test_one_hidden_layer_network_is_its_block(tmp_path):
    block = random_block(6, 10, seed=4)
    net = _one_hidden(block)
    cube = Hypercube(6)
    assert max_active(net, cube).value == max_active(block, cube).value
    assert type(check_sparsity(net, 3, cube)) is type(check_sparsity(block, 3, cube))
    assert equivalent(net, prune(net, cube), cube)
    path = save_npz(net, tmp_path / "net.npz")
    again = load(path)
    assert np.array_equal(again.W1, block.W1) and np.array_equal(again.W2, np.ones((1, 10)))


@pytest.mark.filterwarnings("ignore::UserWarning")  # sklearn's ConvergenceWarning on a short fit
def test_sklearn_model_goes_straight_to_max_active():
    from sklearn.datasets import load_breast_cancer
    from sklearn.neural_network import MLPClassifier

    from sparsecert.sparse_models import Box, from_sklearn

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    clf = MLPClassifier(hidden_layer_sizes=(12,), max_iter=300, random_state=0).fit(X, y)
    res = max_active(from_sklearn(clf), Box(X.min(0), X.max(0)), timeout=30)
    assert 0 <= res.value <= res.upper_bound <= 12


def test_deep_or_normalised_networks_are_sent_to_the_deep_api():
    deep = Network([Dense(np.eye(2), [0, 0], "relu"), Dense(np.eye(2), [0, 0], "relu"), Dense([[1, 1]], [0])])
    with pytest.raises(InvalidArgument, match="verify.deep.max_active"):
        max_active(deep, Hypercube(2))
    normed = Network([Dense(np.eye(2), [0, 0], "relu"), Dense([[1, 1]], [0])],
                     InputNormalization([-1, -1], [1, 1], [0, 0], [1, 1]))
    with pytest.raises(InvalidArgument, match="normalises its inputs"):
        as_block(normed)
    with pytest.raises(InvalidArgument, match="needs an MLPBlock or a one-hidden-layer Network"):
        max_active("model.npz", Hypercube(2))
