"""make bench: sparsecert against baselines measured in the same run.

Prints a table (time per method per cell, the exact frontier of each method, the ratio of
sparsecert's time to the best baseline that finished, and every disagreement), then
enumeration throughput, batch ball certification throughput and the Dask speed-up.
Writes bench/results/bench-<time>.json for comparison between commits.

    python -m bench.run [--timeout S] [--full] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from bench.baselines import brute_numpy, cpsat_outward, highs_milp, z3_naive  # noqa: E402
from bench.deadlines import run_deadlines  # noqa: E402
from bench.deep_table import run as run_deep_table  # noqa: E402
from bench.frontier import run_frontier  # noqa: E402
from bench.sparse_inference import run_sparse_inference  # noqa: E402
from bench.wide_balls import run_wide_balls  # noqa: E402

from sparsecert.sparse_models import Box, Hypercube, planted_sparse, random_block  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402
from sparsecert.verify.solvers.heuristics import HAVE_ANNEAL, cube_anneal  # noqa: E402

BASELINES = {"numpy": brute_numpy, "z3": z3_naive, "cpsat": cpsat_outward, "highs": highs_milp}


def make(family: str, n: int, s: int, seed: int = 0):
    if family == "planted":
        return planted_sparse(n, s, max(1, min(8, s // 8)), seed=seed).block
    if family == "trained-like":
        return random_block(n, s, seed=seed, fire_rate=0.05)
    return random_block(n, s, seed=seed)


def grid(full: bool, quick: bool):
    if quick:
        cube = [(n, s) for n in (12, 16, 20) for s in (16, 64)] + [(128, 1024)]
        box = [(12, 16)]
    elif full:
        cube = [(n, s) for n in (12, 16, 20, 24, 32, 64, 128) for s in (16, 64, 256, 1024)]
        box = [(n, s) for n in (12, 16, 20, 24, 32, 64, 128) for s in (16, 64, 256, 1024)]
    else:
        cube = [(12, 16), (12, 64), (16, 64), (20, 64), (20, 256), (24, 256), (32, 16), (64, 16), (32, 64),
                (128, 1024)]
        box = [(12, 16), (12, 64), (64, 16)]
    for fam in ("planted", "trained-like", "dense"):
        for n, s in cube:
            if fam != "planted" and n >= 64 and s >= 256:
                continue
            yield fam, "cube", n, s
        for n, s in box:
            yield fam, "box", n, s


REPEATS, FAST = 5, 0.05  # every method: best of up to 5 runs while a run takes under 50 ms


def timed(call):
    """call() -> (value, proved, seconds) or None; repeated while fast, keeping the best time."""
    out = call()
    for _ in range(REPEATS - 1):
        if out is None or out[2] > FAST:
            break
        again = call()
        if again is not None and again[2] < out[2]:
            out = again
    return out


def run_cell(fam, dom, n, s, timeout, skip):
    block = make(fam, n, s)
    domain = Hypercube(n) if dom == "cube" else Box.uniform(n, -1, 1)
    row = {"family": fam, "domain": dom, "n": n, "s": s, "methods": {}}
    for name, fn in BASELINES.items():
        if skip.get(name, {}).get((fam, dom, s), 10**9) <= n:
            row["methods"][name] = {"status": "skipped (smaller n timed out)"}
            continue
        try:
            out = timed(lambda: fn(block, domain, timeout))
        except Exception as exc:  # a baseline failing is reported, not fatal
            out = None
            row["methods"][name] = {"status": f"error: {type(exc).__name__}"}
            continue
        if out is None:
            row["methods"][name] = {"status": "timeout/none"}
            skip.setdefault(name, {})[(fam, dom, s)] = n
        else:
            row["methods"][name] = {"status": "ok", "value": out[0], "proved": out[1], "time": out[2]}
    el, res = float("inf"), None
    for _ in range(REPEATS):  # fast cells are timed as the best of a few runs, like the baselines
        t0 = time.monotonic()
        res = max_active(block, domain, timeout=timeout)
        el = min(el, time.monotonic() - t0)
        if el > FAST:
            break
    row["methods"]["sparsecert"] = {"status": "ok" if res.optimal else "bounds", "value": res.value,
                                    "upper": res.upper_bound, "proved": res.optimal, "time": el,
                                    "method": res.stats.method}
    exact_vals = {m: v["value"] for m, v in row["methods"].items()
                  if v.get("status") == "ok" and v.get("proved") and m in ("z3", "cpsat", "sparsecert", "numpy")}
    row["disagreement"] = len(set(exact_vals.values())) > 1
    if res.optimal:
        bad = [m for m, v in row["methods"].items() if v.get("status") == "ok" and m != "sparsecert"
               and (v["value"] > res.value if m != "highs" else False)]
        row["disagreement"] = row["disagreement"] or bool(bad)
    finished = [v["time"] for m, v in row["methods"].items() if m != "sparsecert" and v.get("status") == "ok"
                and (v.get("proved") or m == "highs")]
    row["best_baseline_time"] = min(finished) if finished else None
    row["ratio"] = (el / row["best_baseline_time"]) if (finished and res.optimal) else None
    return row


def warm_up() -> None:
    """One small call of every method and sparsecert path, so that the table times steady-state
    solving rather than imports and the compiled kernels' first load (reported apart)."""
    for fam, dom, n, s in (("trained-like", "cube", 12, 16), ("trained-like", "cube", 20, 64),
                           ("trained-like", "cube", 30, 16), ("trained-like", "cube", 40, 16),
                           ("dense", "box", 4, 16), ("planted", "cube", 32, 64)):
        block = make(fam, n, s)
        domain = Hypercube(n) if dom == "cube" else Box.uniform(n, -1, 1)
        for fn in BASELINES.values():
            try:
                fn(block, domain, 2.0)
            except Exception:
                pass
        max_active(block, domain, timeout=5.0)
    if HAVE_ANNEAL:
        cube_anneal(np.ones((2, 3)), np.zeros(2), [], 0.01)  # the cube annealing kernel's first load


def fmt(v):
    if v.get("status") != "ok":
        return "  --  " if v.get("status", "").startswith("skipped") else " t/o  "
    mark = "" if v.get("proved") else "~"
    return f"{v['time']:6.2f}{mark}"


def throughput():
    from sparsecert.verify.solvers.enumeration import enumerate_cube
    from sparsecert.verify.integer_form import cube_rows
    out = {}
    for n, s in ((20, 256), (22, 256)):
        b = random_block(n, s, seed=1, fire_rate=0.05)
        rows = cube_rows(b.W1, b.b1, range(s), -1.0, 1.0, 0.0)
        t = time.monotonic()
        enumerate_cube(rows, np.arange(n), best_known=0)
        el = time.monotonic() - t
        out[f"n={n},s={s}"] = {"seconds": el, "unit_evals_per_s": (1 << n) * s / el}
    return out


def balls_throughput():
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier
    import warnings

    from sparsecert.sparse_models.io.sklearn_io import from_sklearn
    from sparsecert.verify.batch import certify_balls
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = MLPClassifier((32,), max_iter=300, random_state=0).fit(X[:1200], y[:1200])
    block = from_sklearn(clf).layer_block(0)
    out = {}
    for r in (1e-4, 1e-3, 3e-3):
        tab = certify_balls(block, X[1200:], r, timeout=1.0)
        out[str(r)] = {"balls": len(X) - 1200, "seconds": tab.time_s, "balls_per_s": (len(X) - 1200) / tab.time_s,
                       "settled_by_presolve": tab.settled_by_presolve, "all_exact": tab.all_optimal}
    # Dask against serial on balls that need a solver: the cluster is started once (its start-up
    # is reported apart), as a user keeps one running; both runs see the same 2 cores
    from dask.distributed import LocalCluster

    centers = X[1200:]  # every held-out digit: enough work per worker to show the scale-out
    radius = 0.03
    t = time.monotonic()
    serial = certify_balls(block, centers, radius, timeout=10.0)
    ts = time.monotonic() - t
    t = time.monotonic()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    startup = time.monotonic() - t
    try:
        certify_balls(block, centers[:20], radius, timeout=10.0, jobs=2, executor="dask",
                      address=cluster.scheduler_address)  # warm-up: workers load the code and kernels
        t = time.monotonic()
        dask = certify_balls(block, centers, radius, timeout=10.0, jobs=2, executor="dask",
                             address=cluster.scheduler_address)
        td = time.monotonic() - t
    finally:
        cluster.close()
    both = np.array([a.optimal and b.optimal for a, b in zip(serial.results, dask.results)])
    out["dask_vs_serial"] = {"balls": len(centers), "radius": radius, "serial_s": ts, "dask_2_workers_s": td,
                             "speedup": ts / td, "cluster_startup_s": startup,
                             "exact_in_both": int(both.sum()),
                             "same_results_where_exact": bool(np.array_equal(serial.values[both], dask.values[both])),
                             "bounds_consistent": bool(np.all(serial.values <= dask.upper_bounds)
                                                       and np.all(dask.values <= serial.upper_bounds))}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--frontier-timeout", type=float, default=60.0)
    ap.add_argument("--deep-timeout", type=float, default=10.0, help="seconds per layer in the deep table (issue 19)")
    ap.add_argument("--deep-jobs", type=int, default=1, help="sparsecert's processes in the deep table")
    args = ap.parse_args()
    rows, skip = [], {}
    names = list(BASELINES) + ["sparsecert"]
    t = time.monotonic()
    warm_up()
    print(f"warm-up (imports, compiled kernels, solver start-up for every method): {time.monotonic() - t:.1f}s")
    print(f"per-cell timeout {args.timeout:g}s; times in seconds; ~ = tolerance-based (not a proof); t/o = no answer")
    print(f"{'family':<13}{'dom':<5}{'n':>4}{'s':>6} " + "".join(f"{m:>11}" for m in names) + "   value  ratio")
    for fam, dom, n, s in grid(args.full, args.quick):
        row = run_cell(fam, dom, n, s, args.timeout, skip)
        rows.append(row)
        sc = row["methods"]["sparsecert"]
        val = f"{sc['value']}" if sc["proved"] else f"[{sc['value']},{sc['upper']}]"
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        flag = "  DISAGREE" if row["disagreement"] else ""
        print(f"{fam:<13}{dom:<5}{n:>4}{s:>6} " + "".join(f"{fmt(row['methods'][m]):>11}" for m in names)
              + f"  {val:>6}  {ratio:>5}{flag}", flush=True)
    print("\nexact frontier (cells solved with a proof):")
    for m in names:
        solved = [r for r in rows if r["methods"][m].get("status") == "ok" and r["methods"][m].get("proved")]
        print(f"  {m:<11} {len(solved)}/{len(rows)}")
    dis = [r for r in rows if r["disagreement"]]
    print(f"disagreements: {len(dis)}")
    slow = [r for r in rows if r["ratio"] is not None and r["ratio"] > 1.2]
    print(f"cells over 1.2x the best baseline: {len(slow)}"
          + "".join(f"\n  {r['family']} {r['domain']} n={r['n']} s={r['s']}: {r['ratio']:.2f}" for r in slow))
    frontier = []
    if not args.quick:
        print(f"\nfrontier cells, sparsecert alone, {args.frontier_timeout:g}s each, 2 jobs:")
        frontier = run_frontier(args.frontier_timeout)
    print("\ntimeouts kept: requested against actual seconds per solver path (issue 20):")
    deadlines = run_deadlines()
    tp = throughput()
    print("\nenumeration throughput:", ", ".join(f"{k}: {v['unit_evals_per_s'] / 1e9:.2f}e9 unit evals/s" for k, v in tp.items()))
    balls = balls_throughput()
    for k, v in balls.items():
        print(f"balls r={k}: {v}")
    print("\ncertified sparse inference (issue 18): units proved off around test inputs, sparse vs dense forward:")
    sparse = run_sparse_inference()
    print("\nwide real domains (issue 18): MiniLM FFN balls and a 784-input ball, against presolve-only and a MILP:")
    wide = run_wide_balls()
    print("\ndeep networks (issue 19): per-layer max-active against the hand-written big-M MILP, same run:")
    deep = {} if args.quick else run_deep_table(args.deep_timeout, jobs=args.deep_jobs)
    outdir = ROOT / "bench" / "results"
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"timeout": args.timeout, "cells": rows, "frontier": frontier, "throughput": tp,
                                "balls": balls, "deep": deep, "sparse_inference": sparse, "wide_balls": wide,
                                "deadlines": deadlines}, indent=1,
                               default=str))
    print(f"\nresults written to {path}")
    contradictions = sum(r["contradiction"] for rows in deep.values() for r in rows)
    return 1 if dis or contradictions else 0


if __name__ == "__main__":
    sys.exit(main())
