"""The MLPBlock view of one hidden layer, with the layers before it folded into its input domain.

The image of the input box under layers 0..l-1 is not a box; the sound propagated bounds of
layer l-1 (interval then DeepPoly, outward-rounded), passed through its activation, give a
box that contains it. So ``max_active(block, box)`` is a proved *upper* bound on how many
units of layer l can be active at once over the input box; its witnesses need not be
reachable (use :func:`verify.deep.max_active` for exact answers). For layer 0 the box is in
the first affine layer's input coordinates (after the ``.nnet`` header's clipping and
normalisation of a raw box), outward-rounded to float64: its witnesses are points of that
box, not of the user's domain (:func:`verify.deep.max_active` reports those).
"""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models import Box, MLPBlock
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.network import Network

from .checks import InputDomain, as_deep_domain, check_layer, check_network
from .bounds import activation_interval, leak_slope, network_bounds
from .domain import round_down, round_up


def layer_block_view(network: Network, layer: "int | str", domain: InputDomain) -> tuple[MLPBlock, Box]:
    """(the block around hidden layer ``layer``, a float box containing every input it can receive).

    ``max_active(block, box)`` on the result is a proved upper bound for the layer over
    ``domain`` (see the module docstring); :func:`verify.deep.max_active` gives exact answers.

    Parameters
    ----------
    network : Network
        A feed-forward network with piecewise-linear hidden activations.
    layer : int or str
        The hidden layer, ``0 <= layer < network.hidden_layers`` (a string of digits is read as one).
    domain : InputDomain
        An :class:`InputBox`, a raw-input :class:`Box`, :func:`read_vnnlib`'s result or :func:`nnet_box`.

    Returns
    -------
    tuple of (MLPBlock, Box)
        ``network.layer_block(layer)`` and a float box containing every input it can receive
        (the activations of layer ``layer - 1``, or the normalised inputs for layer 0).

    Raises
    ------
    InvalidArgument
        A bad network, layer or domain, or propagated bounds that are not finite.
    DomainError, ShapeError
        An empty box, or one of the wrong dimension.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> from sparsecert.verify.deep import layer_block_view
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> block, box = layer_block_view(net, 1, Box.uniform(2, -1.0, 1.0))
    >>> block.n, block.s, box.lower.tolist(), [round(float(v), 9) for v in box.upper]
    (3, 2, [0.0, 0.0, 0.0], [2.0, 2.0, 1.0])
    """
    network = check_network(network)
    L = check_layer(network, layer)
    dom = as_deep_domain(network, domain)
    xl = np.array([round_down(q) for q in dom.ulo])
    xu = np.array([round_up(q) for q in dom.uhi])
    block = network.layer_block(L)
    if L == 0:
        return block, Box(xl, xu)
    bounds = network_bounds(network.layers, xl, xu, depth=L)
    hl, hu = activation_interval(leak_slope(network.layers[L - 1]), bounds.lower[L - 1], bounds.upper[L - 1])
    if not (np.all(np.isfinite(hl)) and np.all(np.isfinite(hu))):
        raise InvalidArgument(f"the propagated bounds of layer {L - 1} are not finite; no box view of layer {L} exists")
    return block, Box(hl, hu)
