"""sparsecert.verify.deep: per-layer sparsity proofs through whole ReLU networks.

``max_active(network, layer, domain)`` / ``check_sparsity(network, layer, k, domain)``
take a :class:`sparse_models.Network` and an input box (:class:`InputBox`, a
``sparse_models.Box``, :func:`read_vnnlib` or :func:`nnet_box`); ``layer='all'`` or
:func:`max_active_all_layers` gives the table for every hidden layer; :func:`prune_network`
removes the units proved never active on the box (the smaller network equals the original there).
"""

from .api import LayerTable, check_sparsity, deep_witness, max_active, max_active_all_layers
from .bounds import NetworkBounds, network_bounds
from .checks import InputDomain, SplitMode
from .domain import InputBox, nnet_box, normalized_box
from .prune import DeepPruneResult, prune_network
from .vnnlib import VnnlibInputs, read_vnnlib

from .view import layer_block_view

__all__ = ["layer_block_view", "max_active", "check_sparsity", "max_active_all_layers", "LayerTable", "deep_witness", "InputBox",
           "nnet_box", "normalized_box", "read_vnnlib", "VnnlibInputs", "NetworkBounds", "network_bounds", "InputDomain",
           "SplitMode", "prune_network", "DeepPruneResult"]
