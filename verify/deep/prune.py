"""prune_network(network, domain): remove the hidden units of a deep ReLU network proved never active on an input box.

A ReLU unit whose pre-activation is proved <= 0 on the whole domain outputs exactly 0 there, so
deleting it (its row in its layer, its column in the next) leaves every other pre-activation and
the output unchanged on the domain, in exact arithmetic (docs/theory.md §7.10 [DERIVED]). The
bounds are the phase branch and bound's (§7.9): interval / DeepPoly, then the safe LP minimum
and maximum of every unstable unit over the triangle relaxation of the layers below, layer by
layer (Neumaier-Shcherbina bounds from HiGHS's duals). Serra et al. (NeurIPS 2021, "Scaling up
exact neural network compression by ReLU stability") find the stable units with a float MILP;
here every removal rests on a rigorous bound.

Units proved always active are kept and reported: each one is affine on the domain, but folding
it needs a skip connection around its layer, which a plain feed-forward network cannot hold.
A layer whose every unit is removed keeps one zero unit (w = 0, b = -1: never active), because a
network layer needs one unit. A timeout only stops the tightening early: fewer units are
removed, and every removal is still proved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from sparsecert.sparse_models.errors import UnsupportedActivation
from sparsecert.sparse_models.network import Dense, Network

from ..backends.highs import HAVE_HIGHS
from ..results import Status
from .bounds import network_bounds
from .checks import InputDomain, as_deep_domain, check_network
from .phase_bnb import PhaseSearch
from .scaling import rescale
from .solve import float_box, input_bound


@dataclass(frozen=True, eq=False)
class DeepPruneResult:
    """``network`` equals ``original`` on the domain (``status`` VERIFIED: every removed unit's
    pre-activation is proved <= 0 there). Per hidden layer: ``kept`` and ``removed`` (original
    unit indices) and ``always_active`` (kept units proved active on the whole domain)."""

    original: Network
    network: Network
    kept: tuple[tuple[int, ...], ...]
    removed: tuple[tuple[int, ...], ...]
    always_active: tuple[tuple[int, ...], ...]
    bounds: str  # how the bounds were proved
    time_s: float
    notes: tuple[str, ...] = ()
    status: Status = Status.VERIFIED

    @property
    def units_before(self) -> int:
        return sum(len(k) + len(r) for k, r in zip(self.kept, self.removed))

    @property
    def units_removed(self) -> int:
        return sum(len(r) for r in self.removed)

    @property
    def share_removed(self) -> float:
        return self.units_removed / max(1, self.units_before)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "units_before": self.units_before,
                "units_after": self.units_before - self.units_removed, "share_removed": round(self.share_removed, 6),
                "layers": [{"layer": i, "width": len(k) + len(r), "kept": list(k), "removed": list(r),
                            "always_active": list(a)}
                           for i, (k, r, a) in enumerate(zip(self.kept, self.removed, self.always_active))],
                "bounds": self.bounds, "time_s": round(self.time_s, 6), "notes": list(self.notes)}


def proved_bounds(network: Network, domain: InputDomain, timeout: float | None = None
                  ) -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """Proved pre-activation bounds of every hidden layer over the domain: (lower, upper, how).

    The signs are what pruning needs; on an exactly rescaled copy of the network (powers of two per
    layer, the same signs) when the original's bounds do not sit well inside HiGHS's range.
    """
    dom = as_deep_domain(network, domain)
    H = network.hidden_layers
    hidden = network.layers[:H]
    fl, fh = float_box(dom.ulo, dom.uhi)
    candidates = [hidden]
    if np.isfinite(fl).all() and np.isfinite(fh).all():
        candidates.append(rescale(hidden, H - 1, 0.0, input_bound([(dom.ulo, dom.uhi)])).layers)
    with np.errstate(over="ignore", invalid="ignore"):
        for layers in candidates:
            nb = network_bounds(layers, fl, fh)
            if HAVE_HIGHS and PhaseSearch.supports(layers, H - 1, fl, fh, nb):
                search = PhaseSearch(layers, H - 1, 0.0, fl, fh, nb, None, lambda u: -1, -1,
                                     None if timeout is None else time.monotonic() + timeout)
                search.build(tighten_share=1.0)
                return search.lower, search.upper, (f"interval / DeepPoly, then safe LP bounds ({search.tightened}"
                                                    " tightened, docs/theory.md §7.9)")
    return list(nb.lower), list(nb.upper), "interval / DeepPoly (outward rounded)"


def prune_network(network: Network, domain: InputDomain, *, timeout: float | None = None) -> DeepPruneResult:
    """Remove every hidden unit proved never active on ``domain``; the result equals ``network`` there.

    Parameters
    ----------
    network : Network
        A feed-forward network whose hidden layers are ReLU.
    domain : InputDomain
        An :class:`InputBox`, a raw-input :class:`~sparsecert.sparse_models.Box`,
        :func:`read_vnnlib`'s result or :func:`nnet_box`.
    timeout : float or None, default None
        Seconds for the LP bound tightening (None: no limit); on timeout fewer units are removed.

    Returns
    -------
    DeepPruneResult
        ``network`` (the pruned one), ``kept`` / ``removed`` / ``always_active`` per hidden layer,
        ``share_removed`` and ``status`` (VERIFIED).

    Raises
    ------
    UnsupportedActivation
        A hidden layer that is not ReLU (an inactive leaky unit does not output 0).
    InvalidArgument, DomainError, ShapeError
        Not a network, or a domain that is not an input box of its dimension.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> from sparsecert.verify.deep import prune_network
    >>> net = Network([Dense([[1.0], [-1.0], [1.0]], [0.0, -2.0, 3.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, -1.0]], [0.0, 0.0], "relu"), Dense([[1.0, 1.0]], [0.0])])
    >>> res = prune_network(net, Box([-1.0], [1.0]))  # unit 1 of layer 0 is never active, so is unit 1 of layer 1
    >>> res.removed, res.network.widths
    (((1,), (1,)), (2, 1))
    """
    start = time.monotonic()
    network = check_network(network)
    bad = [i for i, layer in enumerate(network.layers[: network.hidden_layers]) if layer.activation.name != "relu"]
    if bad:
        raise UnsupportedActivation(f"cannot prune hidden layer {bad[0]} ({network.layers[bad[0]].activation.spec}):"
                                    " a unit that is never active outputs 0 only for relu")
    lower, upper, how = proved_bounds(network, domain, timeout)
    H = network.hidden_layers
    keep = [np.flatnonzero(upper[j] > 0) for j in range(H)]
    notes = []
    layers, prev = [], np.arange(network.n)  # prev: the kept units of the layer below (None: its zero unit)

    def inputs(W: np.ndarray, rows) -> np.ndarray:  # the kept rows, over the kept units below
        W = W[rows] if rows is not None else W
        return W[:, prev] if prev is not None else np.zeros((W.shape[0], 1))  # the zero unit outputs 0

    for j in range(H):
        W, b = network.layers[j].W, network.layers[j].b
        rows = keep[j]
        if rows.size:
            layers.append(Dense(inputs(W, rows), b[rows], network.layers[j].activation))
            prev = rows
        else:
            notes.append(f"every unit of layer {j} is never active; one zero unit (w = 0, b = -1) is kept")
            width_in = 1 if prev is None else prev.size
            layers.append(Dense(np.zeros((1, width_in)), [-1.0], network.layers[j].activation))
            prev = None
    out = network.layers[H]
    layers.append(Dense(inputs(out.W, None), out.b, out.activation))
    pruned = Network(layers, network.normalization, network.output_mean, network.output_range,
                     name=f"{network.name}-pruned" if network.name else "pruned",
                     output_activation=network.output_activation, notes=network.notes)
    removed = tuple(tuple(int(i) for i in np.flatnonzero(upper[j] <= 0)) for j in range(H))
    always = tuple(tuple(int(i) for i in np.flatnonzero(lower[j] > 0)) for j in range(H))
    return DeepPruneResult(network, pruned, tuple(tuple(int(i) for i in k) for k in keep), removed, always, how,
                           time.monotonic() - start, tuple(notes))
