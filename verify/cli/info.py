"""``sparsecert info MODEL``: sizes, activation, weight statistics, and the units interval
arithmetic proves dead or always active on the hypercube."""

from __future__ import annotations

import numpy as np

from sparsecert.sparse_models import Hypercube

from ..presolve import unit_ranges
from .common import add_model_argument, load_model, print_json
from .exit_codes import EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("info", help="sizes, weight statistics, dead and always-on units")
    add_model_argument(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _stats(a: np.ndarray) -> dict:
    return {"min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()),
            "abs_max": float(np.abs(a).max()), "zeros": int(np.count_nonzero(a == 0))}


def describe(block) -> dict:
    cubes = {}
    for label, values in (("hypercube", (-1, 1)), ("hypercube01", (0, 1))):
        r = unit_ranges(block, Hypercube(block.n, values))
        cubes[label] = {"dead": np.flatnonzero(r.always_off).tolist(),
                        "always_active": np.flatnonzero(r.always_on).tolist(),
                        "undecided": r.n_undecided}
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
        "interval": cubes,
    }


def _short_list(idx: list[int], limit: int = 12) -> str:
    if not idx:
        return "none"
    head = ", ".join(map(str, idx[:limit]))
    return f"{len(idx)} ({head}{', ...' if len(idx) > limit else ''})"


def run(args) -> int:
    block = load_model(args)
    info = describe(block)
    if args.json:
        print_json(info)
        return EXIT_OK
    print(f"model       {args.model}")
    print(f"shape       n={info['n']} inputs, s={info['s']} hidden units, m={info['m']} outputs")
    print(f"activation  {info['activation']}  (a unit is active iff its pre-activation z > 0)")
    if info["output_activation"]:
        print(f"output      {info['output_activation']} over the outputs (it changes no unit's activity)")
    if info["skip_rank"] is not None:
        print(f"skip term   affine, rank {info['skip_rank']}, added to the output (held exactly)")
    for key in ("W1", "b1", "W2"):
        st = info[key]
        if st:
            print(f"{key:<11} min {st['min']:+.4g}  max {st['max']:+.4g}  mean {st['mean']:+.4g}  zeros {st['zeros']}")
    for label, c in info["interval"].items():
        print(f"{label:<11} proved dead {_short_list(c['dead'])}; proved always active "
              f"{_short_list(c['always_active'])}; undecided {c['undecided']}")
    for note in info["notes"]:
        print(f"note        {note}")
    return EXIT_OK
