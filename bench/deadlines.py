"""Timeouts kept: requested against actual seconds for every solver path, on large instances.

Each case is a problem none of the paths can finish within its timeout, so the call must
stop on its own deadline. Target (issue 20, on an idle machine): actual <= 1.1 x requested
+ 0.5 s. The numba kernels are compiled before the table (compilation is outside every
budget by design: verify/compiled.py), so the figures are what a warmed-up process sees.

    python -m bench.deadlines          (also part of make bench)
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np


from sparsecert.sparse_models import Box, Hypercube, LinfBall, random_block  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402
from sparsecert.verify.compiled import warm_up  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def _ball_784():
    block = random_block(784, 512, seed=0, fire_rate=0.05)
    return block, LinfBall(np.random.default_rng(0).uniform(0, 1, 784), 0.05)


def cases():
    """(path, instance, requested seconds, call returning the (lower, upper) bracket)."""
    block, ball = _ball_784()
    dense_box = random_block(12, 64, seed=0), Box.uniform(12, -1, 1)
    cube40 = random_block(64, 16, seed=0, fire_rate=0.05), Hypercube(64)
    cube32 = random_block(32, 64, seed=0), Hypercube(32)
    cube30 = random_block(30, 2048, seed=0), Hypercube(30)

    def single(b, d, t, method):
        r = max_active(b, d, timeout=t, method=method)
        return r.value, r.upper_bound

    out = []
    for t in (1.5, 3.0):
        out += [("auto", "ball 784x512 r=0.05", t, lambda t=t: single(block, ball, t, "auto")),
                ("z3", "ball 784x512 r=0.05", t, lambda t=t: single(block, ball, t, "z3"))]
    out += [("bnb (LP branch and bound)", "dense box 12x64", 3.0, lambda: single(*dense_box, 3.0, "bnb")),
            ("auto (LP branch and bound)", "trained-like cube 64x16", 3.0, lambda: single(*cube40, 3.0, "auto")),
            ("bnb (compiled cube B&B)", "dense cube 32x64", 3.0, lambda: single(*cube32, 3.0, "bnb")),
            ("enumerate", "dense cube 30x2048", 3.0, lambda: single(*cube30, 3.0, "enumerate")),
            ("enumerate", "dense cube 30x2048", 0.5, lambda: single(*cube30, 0.5, "enumerate")),
            ("z3", "dense box 12x64", 3.0, lambda: single(*dense_box, 3.0, "z3"))]
    if SHARED.is_dir():
        from sparsecert.sparse_models.io import load_network
        from sparsecert.verify.deep import max_active as deep_max_active, nnet_box

        mnist = load_network(SHARED / "mnist" / "mnist10x10.nnet")

        def deep(layer, t):
            r = deep_max_active(mnist, layer, nnet_box(mnist), timeout=t)
            return r.value, r.upper_bound
        out += [("deep", "MNIST 10x10 layer 5, whole box", 3.0, lambda: deep(5, 3.0))]
    return out


def run_deadlines() -> list[dict]:
    warm_up()
    rows = []
    print(f"{'path':<28}{'instance':<32}{'requested':>10}{'actual':>9}{'limit':>8}  bracket")
    for path, name, requested, call in cases():
        start = time.monotonic()
        lo, up = call()
        actual = time.monotonic() - start
        limit = 1.1 * requested + 0.5
        flag = "" if actual <= limit else "  OVER"
        print(f"{path:<28}{name:<32}{requested:>10.1f}{actual:>9.2f}{limit:>8.2f}  [{lo}, {up}]{flag}", flush=True)
        rows.append({"path": path, "instance": name, "requested_s": requested, "actual_s": round(actual, 3),
                     "within": actual <= limit, "lower": lo, "upper": up})
    print(f"over 1.1 x requested + 0.5 s: {sum(not r['within'] for r in rows)} of {len(rows)}")
    return rows


if __name__ == "__main__":
    run_deadlines()
