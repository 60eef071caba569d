"""Hidden-layer activations: parsing the spec strings of the model file and applying them.

The activation decides the block's output, never which units are active: unit i is
active iff its pre-activation z_i exceeds tau, whatever the activation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import UnsupportedActivation

_PIECEWISE_LINEAR = frozenset({"relu", "leaky_relu", "identity", "step"})
_KNOWN = ("relu", "step", "leaky_relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "identity")


@dataclass(frozen=True)
class Activation:
    """An activation function, named as in the model file (``relu``, ``leaky_relu:0.01``)."""

    name: str
    alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in _KNOWN:
            raise UnsupportedActivation(
                f"unknown activation {self.name!r}; use one of {', '.join(_KNOWN)}"
                " (leaky_relu takes its slope as 'leaky_relu:0.01')"
            )
        if self.name == "leaky_relu":
            if not (isinstance(self.alpha, (int, float)) and math.isfinite(self.alpha)):
                raise UnsupportedActivation(f"leaky_relu slope must be a finite number, got {self.alpha!r}")
        elif self.alpha != 0.0:
            raise UnsupportedActivation(f"activation {self.name!r} takes no parameter, got {self.alpha!r}")

    @classmethod
    def parse(cls, spec: "str | Activation") -> "Activation":
        """Read ``relu``, ``step``, ``leaky_relu:0.01``, ``gelu``, ``silu``, ``sigmoid``, ``tanh`` or ``identity``."""
        if isinstance(spec, Activation):
            return spec
        if not isinstance(spec, str):
            raise UnsupportedActivation(f"activation must be a string such as 'relu', got {spec!r}")
        name, sep, param = spec.strip().lower().partition(":")
        name = {"leakyrelu": "leaky_relu", "linear": "identity", "swish": "silu", "heaviside": "step",
                "logistic": "sigmoid"}.get(name, name)
        if name == "leaky_relu":
            if not sep:
                return cls("leaky_relu", 0.01)
            try:
                alpha = float(param)
            except ValueError:
                raise UnsupportedActivation(f"leaky_relu slope {param!r} in {spec!r} is not a number") from None
            return cls("leaky_relu", alpha)
        if sep:
            raise UnsupportedActivation(f"activation {name!r} takes no parameter, got {spec!r}")
        return cls(name)

    @property
    def spec(self) -> str:
        """The string stored in model files; parses back to an equal Activation."""
        return f"leaky_relu:{self.alpha!r}" if self.name == "leaky_relu" else self.name

    @property
    def piecewise_linear(self) -> bool:
        """True when the activation can be encoded exactly with linear pieces."""
        return self.name in _PIECEWISE_LINEAR

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        if self.name == "relu":
            return np.maximum(z, 0.0)
        if self.name == "step":
            return (z > 0.0).astype(np.float64)
        if self.name == "leaky_relu":
            return np.where(z > 0.0, z, self.alpha * z)
        if self.name == "identity":
            return z.copy()
        if self.name == "silu":
            with np.errstate(over="ignore"):
                return z / (1.0 + np.exp(-z))
        if self.name == "sigmoid":
            return _sigmoid(z)
        if self.name == "tanh":
            return np.tanh(z)
        if self.name == "gelu_tanh":
            return 0.5 * z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))
        # exact (erf) GELU, as in BERT-style transformer blocks
        return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))

    def __str__(self) -> str:
        return self.spec


def _sigmoid(z: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import expit  # no overflow warning for large |z|

        return expit(z)
    except ImportError:  # pragma: no cover
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-z))


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf  # exact to float precision when scipy is there

        return erf(x)
    except ImportError:  # pragma: no cover - scipy is present in every extra that matters
        return np.vectorize(math.erf, otypes=[np.float64])(x)
