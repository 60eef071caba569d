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
