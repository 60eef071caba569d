"""The hand-written deep MILP a practitioner writes in an afternoon (issue 19's baseline).

Per hidden layer l of a ReLU network on an input box (normalised coordinates): pre-activation
bounds by interval / DeepPoly propagation, tightened layer by layer by LP on the triangle
relaxation, then the big-M MILP with one binary per unstable unit up to l and one indicator
per unit of l ("z_i >= 1e-6"), maximised in HiGHS within the time limit. The model is
:mod:`sparsecert.verify.deep.milp` (which sparsecert also runs briefly as a primal heuristic);
here it gets the whole time, as a user would give it. Float and tolerance-based: its optimum
is not a proof; its incumbent is re-checked by the float64 forward pass.

    python -m bench.deep_milp      (MNIST 10x10 from ../shared/models, 10 s per layer)
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sparsecert.verify.deep.checks import as_deep_domain
from sparsecert.verify.deep.domain import round_down, round_up
from sparsecert.verify.deep.milp import layer_milp

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def deep_milp_layer(network, domain, layer: int, timeout: float) -> dict:
    """The baseline on one layer: the incumbent (float64 forward count at its point), the dual
    bound (float), HiGHS's status and the seconds (bound tightening included)."""
    start = time.monotonic()
    dd = as_deep_domain(network, domain)
    xl = np.array([round_down(q) for q in dd.ulo])
    xu = np.array([round_up(q) for q in dd.uhi])
    out = layer_milp(network.layers, layer, xl, xu, timeout)
    incumbent = None
    if out["point"] is not None:  # the point is in normalised coordinates already
        incumbent = int((network.pre_activations(out["point"], normalize=False)[layer] > 0).sum())
    dual = out["dual_bound"]
    return {"incumbent": incumbent, "dual_bound": None if dual is None else round(dual, 2), "status": out["status"],
            "seconds": round(time.monotonic() - start, 3), "tighten_s": round(out["tighten_s"], 3)}


if __name__ == "__main__":
    from sparsecert.sparse_models.io import load_network
    from sparsecert.verify.deep import nnet_box

    net = load_network(SHARED / "mnist" / "mnist10x10.nnet")
    for layer in range(net.hidden_layers):
        print(layer, deep_milp_layer(net, nnet_box(net), layer, 10.0), flush=True)
