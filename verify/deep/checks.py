"""Argument checks of the deep-network entry points (``verify.deep.max_active`` and friends).

Shared by :mod:`.api` and :mod:`.view`: the network (a :class:`Network` whose hidden
activations have an exact piecewise-linear encoding), the hidden-layer index, the common
options, and the input domain turned into a :class:`DeepDomain` (the user's box with its
exact bounds in the network's normalised coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.network import Network
from sparsecert.sparse_models.validation import as_count, as_finite_float

from .bounds import leak_slope
from .domain import InputBox, NormalMap, normalized_box
from .vnnlib import VnnlibInputs

__all__ = ["SPLIT_MODES", "SplitMode", "InputDomain", "DeepDomain", "as_deep_domain",
           "check_layer", "check_network", "check_options"]

SPLIT_MODES = ("auto", "never")
SplitMode = Literal["auto", "never"]  # the type of ``split=``; get_args(SplitMode) == SPLIT_MODES (tested)
InputDomain = InputBox | Box | VnnlibInputs  # what the deep entry points take as ``domain``


@dataclass(frozen=True)
class DeepDomain:
    """An input box of a deep network: the box the user gave, its exact bounds ``ulo``/``uhi``
    in normalised coordinates, the map between the two, and notes for the report."""

    box: InputBox
    ulo: tuple[Fraction, ...]
    uhi: tuple[Fraction, ...]
    nmap: NormalMap
    notes: tuple[str, ...]


def as_deep_domain(network: Network, domain: InputDomain) -> DeepDomain:
    """``domain`` (an InputBox, a Box of raw inputs, or read_vnnlib(...)) as a :class:`DeepDomain`."""
    notes: tuple[str, ...] = ()
    if isinstance(domain, VnnlibInputs):
        notes, domain = domain.notes, domain.box
    if isinstance(domain, Box):
        domain = InputBox.from_box(domain, "raw")
    if not isinstance(domain, InputBox):
        raise InvalidArgument(f"deep-network domains are input boxes (InputBox, Box, read_vnnlib(...), nnet_box(...)),"
                              f" got {type(domain).__name__}")
    ulo, uhi, nmap, more = normalized_box(network, domain)
    return DeepDomain(domain, tuple(ulo), tuple(uhi), nmap, tuple(notes) + tuple(more))


def check_network(network: Any) -> Network:
    if not isinstance(network, Network):
        raise InvalidArgument(f"expected a Network (sparse_models.io.load_network), got {type(network).__name__};"
                              " for a single block use verify.max_active")
    for k in range(network.hidden_layers):
        leak_slope(network.layers[k])  # refuses activations without an exact piecewise-linear encoding
    return network


def check_layer(network: Network, layer: Any) -> int:
    if isinstance(layer, str):
        try:
            layer = int(layer)
        except ValueError:
            raise InvalidArgument(f"layer must be a hidden-layer index 0..{network.hidden_layers - 1} or 'all',"
                                  f" got {layer!r}") from None
    return as_count("layer", layer, low=0, high=network.hidden_layers - 1)


def check_options(tau: float, timeout: float | None, jobs: int, split: str) -> tuple[float, float | None, int]:
    tau = as_finite_float("tau", tau)
    if timeout is not None:
        timeout = as_finite_float("timeout", timeout)
        if timeout <= 0:
            raise InvalidArgument(f"timeout must be positive seconds (or None), got {timeout}")
    if split not in SPLIT_MODES:
        raise InvalidArgument(f"split must be one of {SPLIT_MODES}, got {split!r}")
    return tau, timeout, as_count("jobs", jobs, low=1)
