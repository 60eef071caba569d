"""scikit-learn multi-layer perceptrons, converted in memory.

scikit-learn models on disk are pickles (or joblib files, also pickles), and unpickling
can run arbitrary code, so sparsecert never loads them from files: unpickle the model
yourself from a source you trust, then call :func:`from_sklearn`, or export the weights
to ``.npz``/``.safetensors``/ONNX.
"""

from __future__ import annotations

from typing import Any

from ..activations import Activation
from ..errors import InvalidArgument, MissingDependency, UnsupportedActivation
from ..network import Dense, Network
from ._common import reading

_ACTIVATIONS = {"relu": "relu", "identity": "identity", "tanh": "tanh", "logistic": "sigmoid"}


def from_sklearn(model: Any, *, name: str = "") -> Network:
    """A fitted ``MLPClassifier`` or ``MLPRegressor`` as a :class:`Network` (weights copied exactly).

    Hidden layers use the model's ``activation`` (relu, identity, tanh, or logistic read as
    ``sigmoid``; activity is z > 0 whatever the activation, so counts are asked the same
    way, while equivalence and pruning need a piecewise-linear one). The network's output is the last layer's affine
    value, before the model's
    ``out_activation_``: identity for a squared-error regressor (so it equals ``predict``),
    exp for ``loss='poisson'``, and for a classifier softmax (or logistic for binary and
    multi-label problems) of these logits gives ``predict_proba``.

    Parameters
    ----------
    model : sklearn.neural_network.MLPClassifier or MLPRegressor
        A fitted model.
    name : str, default ""
        The network's name (default: the model's class name).

    Returns
    -------
    Network
        The layers in float64 (outputs: the logits); a one-hidden-layer network is accepted
        wherever an :class:`MLPBlock` is.

    Raises
    ------
    MissingDependency
        scikit-learn (the ``sklearn`` extra) is not installed.
    InvalidArgument
        Not an MLP model, or not fitted.
    UnsupportedActivation
        A hidden activation sparsecert does not support.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPRegressor
    >>> from sparsecert.sparse_models import from_sklearn
    >>> X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), [0.0, 1.0, 1.0, 0.0]
    >>> reg = MLPRegressor(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0).fit(X, y)
    >>> net = from_sklearn(reg)
    >>> net, np.allclose(net.forward(X).ravel(), reg.predict(X))
    (<Network 'MLPRegressor' n=2 hidden=[4]>, True)
    """
    try:
        from sklearn.neural_network import MLPClassifier, MLPRegressor
    except ImportError:
        raise MissingDependency(
            "from_sklearn needs scikit-learn, which is not installed: pip install 'sparsecert[sklearn]'") from None
    if not isinstance(model, (MLPClassifier, MLPRegressor)):
        raise InvalidArgument(f"from_sklearn takes a fitted MLPClassifier or MLPRegressor, got {type(model).__name__}")
    if not hasattr(model, "coefs_") or not hasattr(model, "intercepts_"):
        raise InvalidArgument(f"the {type(model).__name__} is not fitted; call fit() before converting it")
    kind = _ACTIVATIONS.get(model.activation)
    if kind is None:
        raise UnsupportedActivation(
            f"{type(model).__name__} has activation={model.activation!r}, which sparsecert does not support;"
            " supported hidden activations: 'relu', 'identity', 'tanh', 'logistic'")
    act = Activation(kind)
    label = name or type(model).__name__
    with reading(label):
        coefs, intercepts = list(model.coefs_), list(model.intercepts_)
        if len(coefs) != len(intercepts) or not coefs:
            raise InvalidArgument(f"coefs_ has {len(coefs)} layers but intercepts_ has {len(intercepts)}")
        layers = [Dense(W.T, b, act if i < len(coefs) - 1 else None)
                  for i, (W, b) in enumerate(zip(coefs, intercepts))]
        return Network(layers, name=label)
