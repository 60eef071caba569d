"""PyTorch models: state dicts on disk, ``nn.Sequential`` modules in memory.

Files are read with ``torch.load(path, weights_only=True, map_location='cpu')``, which
unpickles only tensors and plain containers; a file holding a whole pickled module (or
any other Python object) is refused, never executed. A state dict has no record of the
activations, so :func:`load_torch_network` needs ``activation=``.

torch is an optional extra, imported only when one of these functions is called.
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import Activation
from ..errors import InvalidArgument, MissingDependency, ModelFormatError, UnsupportedLayer
from ..network import Dense, Network
from ._batchnorm import fold_batchnorm, fold_note
from ._common import linears_from_state, network_from_linears, parse_activation, reading, resolve_activation

_NESTED_KEYS = ("state_dict", "model_state_dict", "model")


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependency(
            "this needs PyTorch, which is not installed: pip install 'sparsecert[torch]' (torch==2.13.0)") from None
    return torch


def _array(torch: Any, tensor: Any, what: str) -> np.ndarray:
    """A tensor as a numpy array with the same values (bfloat16 widened exactly to float32)."""
    if getattr(tensor, "is_sparse", False) or getattr(tensor, "is_quantized", False) \
            or tensor.layout != torch.strided:
        raise ModelFormatError(f"{what} is a sparse or quantized tensor; only dense float tensors are supported")
    t = tensor.detach().to("cpu")
    if t.dtype == torch.bfloat16:
        t = t.to(torch.float32)  # every bfloat16 is a float32
    try:
        return t.numpy()
    except (TypeError, RuntimeError) as exc:
        raise ModelFormatError(f"{what} has dtype {tensor.dtype}, which cannot be read ({exc})") from None


def load_torch_network(path: "str | os.PathLike[str]", *,
                       activation: "str | Activation | None" = None) -> Network:
    """Read a state dict saved with ``torch.save(model.state_dict(), path)`` as a :class:`Network`.

    Entries must be ``<layer>.weight`` (out x in) and optionally ``<layer>.bias``, layers in
    the order they were saved (the module's registration order). A checkpoint dict whose
    only tensors sit under ``state_dict``, ``model_state_dict`` or ``model`` is accepted.
    ``activation`` (required) is applied on every hidden layer.
    """
    path = Path(path)
    given = parse_activation(activation)
    torch = _torch()
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of files it then refuses
            warnings.filterwarnings("ignore", message=".*pickle protocol", category=UserWarning)
            obj = torch.load(str(path), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower():
            raise ModelFormatError(
                f"{path}: holds pickled Python objects other than tensors (for example a whole nn.Module, or a"
                " plain pickle); sparsecert refuses to unpickle them because that can run arbitrary code. Save"
                " the weights with torch.save(model.state_dict(), path) instead") from None
        raise ModelFormatError(f"{path}: not a PyTorch file ({exc})") from None
    except Exception as exc:  # corrupt zip, text, truncated file: torch raises many kinds
        raise ModelFormatError(f"{path}: not a readable PyTorch file ({type(exc).__name__}: {exc})") from None
    with reading(path):
        state = _state_dict(torch, obj, path)
        items = [(k, _array(torch, v, f"{path}: entry {k!r}")) for k, v in state.items()]
        linears = linears_from_state(path, items, natural_order=False)
        act = resolve_activation(path, None, given, "a PyTorch state dict") if len(linears) > 1 else \
            Activation("identity")
        return network_from_linears(path, linears, act, path.stem)


def _state_dict(torch: Any, obj: Any, path: Path) -> dict:
    if isinstance(obj, torch.Tensor):
        raise ModelFormatError(f"{path}: holds a single tensor, not a state dict of named layers")
    if not isinstance(obj, dict):
        raise ModelFormatError(f"{path}: holds a {type(obj).__name__}, not a state dict")
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    for key in _NESTED_KEYS:
        inner = obj.get(key)
        if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
            return inner
    if not obj:
        raise ModelFormatError(f"{path}: holds an empty dict, not a state dict")
    bad = [k for k, v in obj.items() if not isinstance(v, torch.Tensor)]
    raise ModelFormatError(f"{path}: entries {bad[:5]} are not tensors; expected a state dict"
                           f" (or a checkpoint with one under {', '.join(_NESTED_KEYS)})")


def _activation_of(torch: Any, module: Any) -> Activation | None:
    nn = torch.nn
    kind = type(module)
    if kind is nn.ReLU:
        return Activation("relu")
    if kind is nn.LeakyReLU:
        return Activation("leaky_relu", float(module.negative_slope))
    if kind is nn.GELU:
        return Activation("gelu" if module.approximate == "none" else "gelu_tanh")
    if kind is nn.SiLU:
        return Activation("silu")
    if kind is nn.Sigmoid:
        return Activation("sigmoid")
    if kind is nn.Tanh:
        return Activation("tanh")
    return None


def _fold_bn(torch: Any, qual: str, m: Any, pending: "tuple[np.ndarray, np.ndarray, str] | None",
             notes: list[str]) -> tuple[np.ndarray, np.ndarray, str]:
    label = f"BatchNorm1d layer {qual!r}"
    if m.training:
        raise UnsupportedLayer(f"{label} is in training mode (it normalises with each batch's statistics); call"
                               " model.eval() before from_torch")
    if m.running_mean is None or m.running_var is None:
        raise UnsupportedLayer(f"{label} has track_running_stats=False, so it normalises with each batch's"
                               " statistics even in eval mode; there is no fixed affine map to fold")
    if pending is None:
        raise UnsupportedLayer(f"{label} does not directly follow a Linear layer; sparsecert folds an eval-mode"
                               " batch norm only into the Linear layer right before it")
    W, b, lin = pending
    n_out = W.shape[0]
    scale = _array(torch, m.weight, f"{label} weight") if m.weight is not None else np.ones(n_out)
    beta = _array(torch, m.bias, f"{label} bias") if m.bias is not None else np.zeros(n_out)
    mean = _array(torch, m.running_mean, f"{label} running_mean")
    var = _array(torch, m.running_var, f"{label} running_var")
    W2, b2 = fold_batchnorm(W, b, scale, beta, mean, var, float(m.eps), label)
    notes.append(fold_note(label, f"Linear layer {lin!r}"))
    return W2, b2, lin


def _softmax_of(torch: Any, qual: str, m: Any) -> str:
    name = "softmax" if type(m) is torch.nn.Softmax else "log_softmax"
    if m.dim not in (None, 1, -1):
        raise UnsupportedLayer(f"layer {qual!r} is {type(m).__name__}(dim={m.dim}); only a softmax over the features"
                               " (dim=1 or dim=-1) is supported")
    return name


def _flatten_modules(torch: Any, module: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, child in module.named_children():
        qual = f"{prefix}{name}"
        if type(child) is torch.nn.Sequential:
            out.extend(_flatten_modules(torch, child, qual + "."))
        else:
            out.append((qual, child))
    return out


def from_torch(module: Any, *, name: str = "") -> Network:
    """An in-memory ``nn.Sequential`` (or a single ``nn.Linear``) as a :class:`Network`.

    Supported layers: Linear, ReLU, LeakyReLU, GELU (exact or tanh), SiLU, Sigmoid, Tanh, and
    the pass-throughs Identity, Dropout (read as in eval mode) and Flatten(1, -1). Two Linear
    layers in a row keep the first as a hidden layer with the ``identity`` activation.
    Weights are copied exactly (float32 widened to float64).

    ``BatchNorm1d`` in eval mode directly after a Linear layer is folded into it. The fold
    needs a square root, so it rounds: each folded weight and bias is the float64 nearest to
    the exact fold, and **the folded float64 network is the model that is verified** (the
    network's ``notes`` say so). A batch norm in training mode, without running statistics,
    or anywhere else is an :class:`UnsupportedLayer`. A final ``Softmax`` / ``LogSoftmax`` over
    the features is recorded as the network's ``output_activation`` (it changes no hidden
    unit's activity). Any other layer is an :class:`UnsupportedLayer` naming it.

    Parameters
    ----------
    module : torch.nn.Sequential or torch.nn.Linear
        The model (nested ``nn.Sequential`` containers are flattened).
    name : str, default ""
        The network's name (default: the module's class name).

    Returns
    -------
    Network
        The layers in float64; a one-hidden-layer network is accepted wherever an
        :class:`MLPBlock` is (``max_active``, ``save_npz``, ...).

    Raises
    ------
    MissingDependency
        PyTorch (the ``torch`` extra) is not installed.
    InvalidArgument
        Not an ``nn.Sequential`` or ``nn.Linear``.
    UnsupportedLayer
        A layer that cannot be translated, or a batch norm that cannot be folded (it is named).

    Examples
    --------
    >>> import torch
    >>> from sparsecert.sparse_models import from_torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> net = from_torch(model)
    >>> net, net.widths
    (<Network 'Sequential' n=3 hidden=[4]>, (4,))
    """
    torch = _torch()
    nn = torch.nn
    label = name or type(module).__name__
    if isinstance(module, nn.Linear):
        modules = [("0", module)]
    elif type(module) is nn.Sequential:
        modules = _flatten_modules(torch, module)
    else:
        raise InvalidArgument(
            f"from_torch reads an nn.Sequential (or one nn.Linear), got {type(module).__name__}; rebuild the model"
            " as nn.Sequential, or save its state_dict and load it with an explicit activation=")
    layers: list[Dense] = []
    pending: tuple[np.ndarray, np.ndarray, str] | None = None
    notes: list[str] = []
    output_activation: str | None = None
    with reading(label):
        for qual, m in modules:
            if output_activation is not None and type(m) is not nn.Identity:
                raise UnsupportedLayer(f"layer {qual!r} ({type(m).__name__}) follows the final {output_activation};"
                                       " a Softmax / LogSoftmax must be the last layer")
            act = _activation_of(torch, m)
            if isinstance(m, nn.Linear):
                W = _array(torch, m.weight, f"layer {qual!r} weight")
                b = _array(torch, m.bias, f"layer {qual!r} bias") if m.bias is not None else \
                    np.zeros(W.shape[0])
                if pending is not None:
                    layers.append(Dense(*pending[:2], Activation("identity")))
                pending = (W, b, qual)
            elif type(m) is nn.BatchNorm1d:
                pending = _fold_bn(torch, qual, m, pending, notes)
            elif type(m) in (nn.Softmax, nn.LogSoftmax):
                if pending is None:
                    raise UnsupportedLayer(f"layer {qual!r} ({type(m).__name__}) does not directly follow the last"
                                           " Linear layer; a Softmax / LogSoftmax is supported only on the output")
                output_activation = _softmax_of(torch, qual, m)
            elif act is not None:
                if pending is None:
                    raise UnsupportedLayer(f"layer {qual!r} ({type(m).__name__}) does not follow a Linear layer;"
                                           " only Linear-activation chains are supported")
                layers.append(Dense(*pending[:2], act))
                pending = None
            elif type(m) in (nn.Identity, nn.Dropout):
                continue
            elif type(m) is nn.Flatten:
                if (m.start_dim, m.end_dim) != (1, -1):
                    raise UnsupportedLayer(f"layer {qual!r} is Flatten({m.start_dim}, {m.end_dim}); only"
                                           " Flatten(1, -1) is supported")
            else:
                raise UnsupportedLayer(
                    f"layer {qual!r} is a {type(m).__name__}, which is not supported; supported layers: Linear,"
                    " ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, BatchNorm1d (eval mode, after a Linear), Softmax /"
                    " LogSoftmax (last), Identity, Dropout, Flatten")
        if pending is not None:
            layers.append(Dense(*pending[:2]))
        if not layers:
            raise ModelFormatError("the module has no Linear layer")
        return Network(layers, name=label, output_activation=output_activation, notes=notes)
