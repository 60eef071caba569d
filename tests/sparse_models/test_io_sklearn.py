"""scikit-learn MLPs converted in memory, against scikit-learn's own predictions."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

sklearn_nn = pytest.importorskip("sklearn.neural_network")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from sparsecert.sparse_models import (  # noqa: E402
    InvalidArgument,
    MissingDependency,
    ModelFormatError,
    NonFiniteError,
    UnsupportedActivation,
    from_sklearn,
    load_network,
)


def _fit(model, n_out: int, kind: str):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6))
    if kind == "reg":
        y = X[:, :n_out] @ rng.normal(size=(n_out, n_out)) if n_out > 1 else X[:, 0] - X[:, 1] ** 2
    else:
        y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (n_out > 2) * (X[:, 2] > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, rng.normal(size=(50, 6)) * 2


@pytest.mark.parametrize("activation", ["relu", "identity"])
@pytest.mark.parametrize("n_out", [1, 3])
def test_regressor_matches_predict(activation, n_out):
    reg = sklearn_nn.MLPRegressor(hidden_layer_sizes=(9, 7), activation=activation, max_iter=60, random_state=0)
    model, X = _fit(reg, n_out, "reg")
    net = from_sklearn(model)
    assert net.widths == (9, 7) and net.layers[0].activation.name == activation
    out = net.forward(X)
    np.testing.assert_allclose(out if n_out > 1 else out[:, 0], model.predict(X), rtol=1e-12, atol=1e-12)


def test_multiclass_classifier_logits_give_predict_proba():
    model, X = _fit(sklearn_nn.MLPClassifier(hidden_layer_sizes=(8,), max_iter=60, random_state=0), 3, "clf")
    assert len(model.classes_) == 3
    logits = from_sklearn(model, name="clf").forward(X)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(axis=1, keepdims=True), model.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_binary_classifier_logit_gives_predict_proba():
    model, X = _fit(sklearn_nn.MLPClassifier(hidden_layer_sizes=(5, 5), max_iter=60, random_state=1), 2, "clf")
    logit = from_sklearn(model).forward(X)[:, 0]
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), model.predict_proba(X)[:, 1], rtol=1e-9, atol=1e-12)


def test_weights_are_copied_exactly():
    model, _ = _fit(sklearn_nn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0), 1, "reg")
    net = from_sklearn(model)
    assert np.array_equal(net.layers[0].W, model.coefs_[0].T) and np.array_equal(net.layers[1].b,
                                                                                   model.intercepts_[1])


@pytest.mark.parametrize("activation, name", [("tanh", "tanh"), ("logistic", "sigmoid")])
def test_tanh_and_logistic_hidden_layers(activation, name):
    model, X = _fit(sklearn_nn.MLPRegressor(hidden_layer_sizes=(4,), activation=activation, max_iter=5, random_state=0),
                    1, "reg")
    net = from_sklearn(model)
    assert net.layers[0].activation.name == name
    np.testing.assert_allclose(net.forward(X).ravel(), model.predict(X), rtol=1e-12, atol=1e-12)


def test_unsupported_activation_is_named():
    model, _ = _fit(sklearn_nn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), 1, "reg")
    model.activation = "softsign"  # not one scikit-learn has; stands for any future one
    with pytest.raises(UnsupportedActivation, match="activation='softsign'.*supported hidden activations"):
        from_sklearn(model)


def test_refusals():
    with pytest.raises(InvalidArgument, match="not fitted"):
        from_sklearn(sklearn_nn.MLPClassifier())
    with pytest.raises(InvalidArgument, match="takes a fitted MLPClassifier or MLPRegressor, got LinearRegression"):
        from_sklearn(LinearRegression())
    model, _ = _fit(sklearn_nn.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), 1, "reg")
    model.coefs_[0][0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="MLPRegressor: .*non-finite"):
        from_sklearn(model)


def test_pickled_sklearn_files_are_not_loaded(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x04N.")
    with pytest.raises(ModelFormatError, match="unknown model suffix '.pkl'"):
        load_network(path)


def test_missing_sklearn_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.neural_network", None)
    with pytest.raises(MissingDependency, match=r"pip install 'sparsecert\[sklearn\]'"):
        from_sklearn(object())
