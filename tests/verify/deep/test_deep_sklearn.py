"""A trained scikit-learn network: the per-layer table is proved exactly and agrees with the oracle."""

from __future__ import annotations

import pytest

from sparsecert.verify.deep import InputBox, max_active_all_layers

from .exact_lp import oracle_max_active
from .nets import oracle_layers

sklearn = pytest.importorskip("sklearn")


def test_trained_mlp_classifier_table_is_proved_and_exact():
    from sklearn.datasets import make_moons
    from sklearn.neural_network import MLPClassifier

    from sparsecert.sparse_models.io import from_sklearn

    X, y = make_moons(n_samples=300, noise=0.15, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(6, 6), max_iter=2000, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8  # a trained network (moons with noise 0.15)
    net = from_sklearn(clf)
    lo, hi = X.min(axis=0), X.max(axis=0)
    table = max_active_all_layers(net, InputBox(lo, hi), timeout=60)
    assert table.optimal
    Z = net.pre_activations(X)
    for L, r in enumerate(table.results):
        assert r.value == oracle_max_active(oracle_layers(net, L), L, lo, hi)
        assert int((Z[L] > 0).sum(axis=1).max()) <= r.value  # the training data never beats the proof
