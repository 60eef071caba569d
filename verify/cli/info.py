"""``sparsecert info MODEL``: sizes, activation, weight statistics, and the units interval
arithmetic proves dead or always active on the hypercube.

For a deep network, ``info MODEL`` lists every layer (index, shape, activation);
``--layer L`` gives the facts of the block around hidden layer L (its domain is over that
layer's own inputs), and ``--layer all`` gives the facts of every hidden layer, with the
units proved dead or always active over an input domain of the whole network (default: the
hypercubes of its inputs, and the ``.nnet`` header's box when there is one). With ``--json``
a deep network is a list, one object per layer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sparsecert.sparse_models import Box, Hypercube
from sparsecert.sparse_models.errors import DomainError, UnsupportedActivation

from ..presolve import unit_ranges
from .common import add_model_argument, load_model, load_network_model, parse_domains, print_json
from .exit_codes import EXIT_OK

BLOCK_DOMAINS = ("hypercube", "hypercube01", "box:LO:HI", "box-file:FILE.npz", "ball:CENTERS.npy:RADIUS", "points:X.npy")
WHOLE_NETWORK_DOMAINS = ("hypercube", "hypercube01", "box:LO:HI", "box-file:FILE.npz", "nnet-box", "vnnlib:FILE",
                         "vnnlib-raw:FILE")


def register(sub) -> None:
    p = sub.add_parser("info", help="sizes, weight statistics, dead and always-on units",
                       description=__doc__.split("\n\n")[0] + " " + __doc__.split("\n\n")[1])
    add_model_argument(p)
    p.add_argument("--domain", default=None, action="append", metavar="D",
                   help="domain of the dead / always-active facts (repeatable; default hypercube and hypercube01)."
                        f" One block or --layer L, over the block's own inputs: {' | '.join(BLOCK_DOMAINS)}."
                        f" --layer all, an input box of the whole network: {' | '.join(WHOLE_NETWORK_DOMAINS)}")
    p.add_argument("--json", action="store_true", help="machine-readable output (a deep network: a list of layers)")
    p.set_defaults(func=run)


def _stats(a: np.ndarray) -> dict:
    return {"min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()),
            "abs_max": float(np.abs(a).max()), "zeros": int(np.count_nonzero(a == 0))}


def _facts(dead: np.ndarray, on: np.ndarray) -> dict:
    return {"dead": np.flatnonzero(dead).tolist(), "always_active": np.flatnonzero(on).tolist(),
            "undecided": int(np.count_nonzero(~(dead | on)))}


def _block_intervals(block, specs: list[str] | None) -> dict:
    """{domain label: facts} by exact interval classification over the block's own inputs."""
    if specs is None:
        pairs = [("hypercube", [Hypercube(block.n, (-1, 1))]), ("hypercube01", [Hypercube(block.n, (0, 1))])]
    else:
        pairs = [(spec, parse_domains(spec, block.n)) for spec in specs]
    out = {}
    for label, doms in pairs:
        dead = np.ones(block.s, dtype=bool)
        on = np.ones(block.s, dtype=bool)
        for dom in doms:  # several balls: a unit is dead (always on) on their union iff on each of them
            r = unit_ranges(block, dom)
            dead &= r.always_off
            on &= r.always_on
        out[label] = _facts(dead, on)
    return out


def describe(block, domains: list[str] | None = None) -> dict:
    """The facts ``info`` prints for one block (``domains``: --domain specs; default both hypercubes)."""
    row_norms = np.linalg.norm(block.W1, axis=1)
    return {
        "name": block.name, "n": block.n, "s": block.s, "m": block.m,
        "activation": block.activation.spec,
        "W1": _stats(block.W1), "b1": _stats(block.b1),
        "W2": None if block.W2 is None else _stats(block.W2),
        "row_norm_l2_max": float(row_norms.max()),
        "output_activation": block.output_activation,
        "skip_rank": None if block.skip is None else block.skip.rank,
        "notes": list(block.notes),
        "interval": _block_intervals(block, domains),
    }


def _short_list(idx: list[int], limit: int = 12) -> str:
    if not idx:
        return "none"
    head = ", ".join(map(str, idx[:limit]))
    return f"{len(idx)} ({head}{', ...' if len(idx) > limit else ''})"


def _is_all(args) -> bool:
    return str(getattr(args, "layer", None)) == "all"


def run(args) -> int:
    if _is_all(args):
        return _run_network(args, facts=True)
    if args.layer is None and Path(args.model).suffix.lower() != ".npz":  # a native file is always one block
        if load_network_model(args).hidden_layers != 1:
            if args.domain is not None:
                raise DomainError("--domain needs --layer L (one block) or --layer all (every layer) for a deep"
                                  " network")
            return _run_network(args, facts=False)
    block = load_model(args)
    info = describe(block, args.domain)
    if args.json:
        print_json(info)
        return EXIT_OK
    print(f"model       {args.model}")
    print(f"shape       n={info['n']} inputs, s={info['s']} hidden units, m={info['m']} outputs")
    print(f"activation  {info['activation']}  (a unit is active iff its pre-activation z > 0)")
    _print_facts(info, indent="")
    return EXIT_OK


def _print_facts(info: dict, indent: str) -> None:
    if info["output_activation"]:
        print(f"{indent}{'output':<11} {info['output_activation']} over the outputs (it changes no unit's activity)")
    if info["skip_rank"] is not None:
        print(f"{indent}{'skip term':<11} affine, rank {info['skip_rank']}, added to the output (held exactly)")
    for key in ("W1", "b1", "W2"):
        st = info[key]
        if st:
            print(f"{indent}{key:<11} min {st['min']:+.4g}  max {st['max']:+.4g}  mean {st['mean']:+.4g}"
                  f"  zeros {st['zeros']}")
    for label, c in info["interval"].items():
        if c is None:
            continue
        print(f"{indent}{label:<11} proved dead {_short_list(c['dead'])}; proved always active "
              f"{_short_list(c['always_active'])}; undecided {c['undecided']}")
    for note in info["notes"]:
        print(f"{indent}{'note':<11} {note}")


# ---- deep networks ------------------------------------------------------------------------------------
def _network_domain_specs(args, net) -> list[str]:
    if args.domain is not None:
        return list(args.domain)
    return ["hypercube", "hypercube01"] + (["nnet-box"] if net.normalization is not None else [])


def _network_intervals(net, spec: str) -> tuple[list[dict], str | None]:
    """Per hidden layer, the units proved dead / always active over the network input domain ``spec``
    (interval arithmetic then DeepPoly, outward-rounded: verify.deep.bounds); or (None, why not)."""
    from ..deep.bounds import network_bounds
    from ..deep.checks import as_deep_domain, check_network
    from ..deep.domain import round_down, round_up
    from .deep_cmds import deep_domain

    if spec in ("hypercube", "hypercube01"):
        lo = -1.0 if spec == "hypercube" else 0.0
        box = Box.uniform(net.n, lo, 1.0)
    elif spec.partition(":")[0] in ("box", "box-file", "nnet-box", "vnnlib", "vnnlib-raw"):
        box = deep_domain(spec, net)
    else:
        raise DomainError(f"--layer all takes an input box of the whole network, got --domain {spec!r}; use one of:"
                          f" {' | '.join(WHOLE_NETWORK_DOMAINS)}")
    try:
        check_network(net)
    except UnsupportedActivation as exc:
        return [], f"no interval facts: {exc}"
    dom = as_deep_domain(net, box)
    xl = np.array([round_down(q) for q in dom.ulo])
    xu = np.array([round_up(q) for q in dom.uhi])
    nb = network_bounds(net.layers, xl, xu, depth=net.hidden_layers)
    return [_facts(nb.stable_off(L), nb.stable_on(L)) for L in range(net.hidden_layers)], None


def _layer_rows(net) -> list[dict]:
    rows = []
    for L, layer in enumerate(net.layers):
        hidden = L < net.hidden_layers
        row = {"layer": L, "kind": "hidden" if hidden else "output", "units": int(layer.W.shape[0]),
               "inputs": int(layer.W.shape[1]), "activation": None if layer.activation is None else
               layer.activation.spec}
        if L == 0:
            row["input_normalization"] = net.normalization is not None
        if not hidden:
            row["output_activation"] = net.output_activation
        rows.append(row)
    return rows


def _run_network(args, facts: bool) -> int:
    net = load_network_model(args)
    rows = _layer_rows(net)
    specs: list[str] = []
    skipped: dict[str, str] = {}
    if facts:
        specs = _network_domain_specs(args, net)
        per_domain = {}
        for spec in specs:
            got, why = _network_intervals(net, spec)
            if why is None:
                per_domain[spec] = got
            else:
                skipped[spec] = why
        for L in range(net.hidden_layers):
            info = describe(net.layer_block(L), domains=[])
            info["interval"] = {spec: per_domain[spec][L] if spec in per_domain else None for spec in specs}
            info["name"] = f"{Path(args.model).stem}[layer {L}]"
            rows[L].update({k: v for k, v in info.items() if k not in ("n", "s", "activation")})
    if args.json:
        print_json(rows)
        return EXIT_OK
    hidden = ", ".join(str(w) for w in net.widths)
    outputs = (f"{int(net.layers[-1].W.shape[0])} outputs" if net.layers[-1].activation is None
               else "no output layer")
    print(f"model       {args.model}")
    print(f"network     n={net.n} inputs, {net.hidden_layers} hidden layers ({hidden}), {outputs}")
    if net.normalization is not None:
        print("inputs      clipped and normalised by the file's header before layer 0")
    print(f"{'layer':>5}  {'kind':<6}  {'shape':>11}  activation")
    for r in rows:
        print(f"{r['layer']:>5}  {r['kind']:<6}  {r['units']:>4} x {r['inputs']:<4}  {r['activation'] or '-'}"
              + (f" (then {r['output_activation']})" if r.get("output_activation") else ""))
    if not facts:
        print("per-layer facts: --layer L (the block around hidden layer L, domain over its own inputs) or"
              " --layer all (every hidden layer, domain over the network's inputs)")
        return EXIT_OK
    print(f"dead / always active: proved over the network's input domain ({', '.join(specs)}) by interval"
          " arithmetic and DeepPoly (a unit is active iff z > 0)")
    for spec, why in skipped.items():
        print(f"{spec}: {why}")
    for L in range(net.hidden_layers):
        r = rows[L]
        print(f"\nlayer {L}      {r['units']} units <- {r['inputs']} inputs, activation {r['activation']},"
              f" max row norm {r['row_norm_l2_max']:.4g}")
        last = L == net.hidden_layers - 1  # W2 of an inner layer's block is the next layer's W1, shown there
        _print_facts({**r, "W2": r["W2"] if last else None, "notes": r["notes"] if L == 0 else []}, indent="  ")
    return EXIT_OK
