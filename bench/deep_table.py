"""Issue 19's deep table: sparsecert's per-layer max-active against the hand-written big-M MILP.

For every instance (network, input box) and hidden layer: sparsecert's proved value or bracket
and its time, the MILP baseline (bench/deep_milp.py, HiGHS, same time limit, same run) with its
float-checked incumbent, dual bound and time, the ratio of the two times where both finish, and
the largest count seen on 10^6 uniform samples of the box. A sampled or MILP count above a
proved upper bound is a contradiction and is flagged (the run exits 1).

    python -m bench.deep_table [--timeout 10] [--only ACAS] [--samples 1000000] [--layers 0,1] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "models"
BALL_R = 0.02


def instances(only: str | None = None) -> dict:
    """name -> (network, domain): the instances the issue lists, in its order."""
    from sparsecert.sparse_models import Box
    from sparsecert.sparse_models.io import load_network
    from sparsecert.verify.deep import nnet_box, read_vnnlib

    out = {}
    mnist = load_network(SHARED / "mnist" / "mnist10x10.nnet")
    for label, centre in (("0.5", np.full(784, 0.5)), ("rng(1)", np.random.default_rng(1).random(784)),
                          ("rng(2)", np.random.default_rng(2).random(784))):
        out[f"MNIST 10x10, ball r={BALL_R} around {label}"] = (
            mnist, Box(np.clip(centre - BALL_R, 0, 1), np.clip(centre + BALL_R, 0, 1)))
    out["MNIST 10x10, [0, 1]^784"] = (mnist, nnet_box(mnist))
    big = load_network(SHARED / "mnist" / "mnist20x40.nnet")
    out["MNIST 20x40, [0, 1]^784"] = (big, nnet_box(big))
    prop1 = SHARED / "acasxu" / "acasxu_prop1.vnnlib"
    for name in ("1_1", "2_1", "3_3"):
        net = load_network(SHARED / "acasxu" / f"ACASXU_experimental_v2a_{name}.nnet")
        out[f"ACAS Xu {name}, prop1 box"] = (net, read_vnnlib(prop1, net.n, space="normalized"))
    for name in ("1_1", "2_1", "3_3"):
        net = load_network(SHARED / "acasxu" / f"ACASXU_experimental_v2a_{name}.nnet")
        out[f"ACAS Xu {name}, full nnet-box"] = (net, nnet_box(net))
    wanted = None if only is None else [w.strip().lower() for w in only.split(",") if w.strip()]
    return {k: v for k, v in out.items() if wanted is None or any(w in k.lower() for w in wanted)}


def sampled_max(net, domain, samples: int, seed: int = 0) -> list[int]:
    """Per hidden layer, the largest float64 active count over ``samples`` uniform points of the box
    (in the domain's normalised coordinates, as the solvers see it)."""
    from sparsecert.verify.deep.checks import as_deep_domain
    from sparsecert.verify.deep.domain import round_down, round_up

    dd = as_deep_domain(net, domain)
    lo = np.array([round_up(q) for q in dd.ulo])
    hi = np.array([round_down(q) for q in dd.uhi])
    rng = np.random.default_rng(seed)
    best = [0] * net.hidden_layers
    chunk = max(1, min(samples, 2_000_000 // max(1, net.n)))
    done = 0
    while done < samples:
        m = min(chunk, samples - done)
        h = rng.uniform(lo, hi, size=(m, lo.size))
        for i, layer in enumerate(net.layers[: net.hidden_layers]):
            z = h @ layer.W.T + layer.b
            best[i] = max(best[i], int((z > 0).sum(axis=1).max()))
            h = np.maximum(z, 0.0)
        done += m
    return best


def instance_rows(name: str, net, domain, timeout: float, samples: int, layers: list[int] | None = None,
                  jobs: int = 1) -> list[dict]:
    """One instance: a row per hidden layer (sparsecert, MILP, samples, ratio, contradiction)."""
    from sparsecert.verify.deep import max_active

    from bench.deep_milp import deep_milp_layer

    t = time.monotonic()
    sampled = sampled_max(net, domain, samples)
    sample_s = time.monotonic() - t
    print(f"\n{name}: {net.widths[0]}-wide x {net.hidden_layers} layers; {timeout:g} s per layer each;"
          f" {samples:.0e} samples in {sample_s:.1f} s", flush=True)
    print(f"  {'layer':>5} {'sparsecert':>12} {'s':>7}   {'MILP':>18} {'s':>7} {'ratio':>6} {'sampled':>8}")
    rows = []
    for L in range(net.hidden_layers) if layers is None else [v for v in layers if v < net.hidden_layers]:
        res = max_active(net, L, domain, timeout=timeout, seed=1, jobs=jobs)
        milp = deep_milp_layer(net, domain, L, timeout)
        inc = milp["incumbent"]
        proved_milp = milp["status"] == "kOptimal"
        ratio = res.stats.time_s / max(milp["seconds"], 1e-3) if res.optimal and proved_milp else None
        contradiction = (inc is not None and inc > res.upper) or sampled[L] > res.upper or res.lower > res.upper
        ours = f"{res.lower}" if res.optimal else f"[{res.lower}, {res.upper}]"
        theirs = (f"~{inc}" if proved_milp else f"~[{inc}, {milp['dual_bound']}]") if inc is not None else \
            f"none, ~{milp['dual_bound']}"
        flag = "  CONTRADICTION" if contradiction else ("  MILP point beats ours" if inc is not None and inc > res.lower
                                                         else "")
        print(f"  {L:>5} {ours:>12} {res.stats.time_s:>7.2f}   {theirs:>18} {milp['seconds']:>7.2f}"
              f" {'-' if ratio is None else f'{ratio:.2f}':>6} {sampled[L]:>8}{flag}", flush=True)
        rows.append({"layer": L, "lower": res.lower, "upper": res.upper, "optimal": res.optimal,
                     "seconds": round(res.stats.time_s, 3), "method": res.stats.method, "milp": milp,
                     "ratio": None if ratio is None else round(ratio, 3), "sampled_max": sampled[L],
                     "contradiction": bool(contradiction)})
    return rows


def warm_up() -> None:
    """Imports, compiled kernels and solver start-up for both sides, on a tiny network, before any timing."""
    from sparsecert.sparse_models import Box, Dense, Network
    from sparsecert.verify.deep import max_active

    from bench.deep_milp import deep_milp_layer

    rng = np.random.default_rng(0)  # 5 inputs, two ReLU layers of 20: the block core's LP path, the phase tree
    net = Network([Dense(rng.normal(size=(20, 5)), rng.normal(size=20), "relu"),
                   Dense(rng.normal(size=(20, 20)), rng.normal(size=20), "relu"), Dense(rng.normal(size=(1, 20)), [0.0])])
    box = Box.uniform(5, -1.0, 1.0)
    for layer in (0, 1):
        max_active(net, layer, box, timeout=5)
        deep_milp_layer(net, box, layer, 5.0)


def run(timeout: float = 10.0, only: str | None = None, samples: int = 1_000_000,
        layers: list[int] | None = None, jobs: int = 1) -> dict:
    """Every instance's rows and a summary line per instance (proved layers, slower than 1.2x the MILP)."""
    if not SHARED.is_dir():
        print("deep table: ../shared/models is not beside the project, skipped")
        return {}
    warm_up()
    out = {}
    for name, (net, dom) in instances(only).items():
        rows = instance_rows(name, net, dom, timeout, samples, layers, jobs)
        proved = sum(r["optimal"] for r in rows)
        milp_proved = sum(r["milp"]["status"] == "kOptimal" for r in rows)
        slow = [r["layer"] for r in rows if r["ratio"] is not None and r["ratio"] > 1.2 and r["seconds"] >= 1.0]
        print(f"  proved {proved}/{len(rows)} layers (MILP optimal on {milp_proved});"
              f" over 1.2x the MILP's time and over 1 s: {slow or 'none'}", flush=True)
        out[name] = rows
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per layer, for each side")
    ap.add_argument("--only", default=None, help="instances whose name contains one of these (comma-separated)")
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--layers", default=None, help="only these hidden layers (comma-separated)")
    ap.add_argument("--jobs", type=int, default=1, help="sparsecert's processes (the MILP runs single-threaded)")
    args = ap.parse_args()
    layers = None if args.layers is None else [int(v) for v in args.layers.split(",")]
    out = run(args.timeout, args.only, args.samples, layers, args.jobs)
    return 1 if any(r["contradiction"] for rows in out.values() for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
