"""Benchmark of the in-place Walsh-Hadamard transform (properties.fourier.wht).

Reports, per n: the best wall time of the transform of 2^n float64 values and the
throughput in coefficients per second; the speed-up over the direct definition
f^(S) = E[f chi_S] (vectorised numpy, O(4^n)) at n = 14; and the end-to-end time of
an exact spectrum of a trained-like block (chunked evaluation on the cube + WHT).
Run:  .venv/bin/python bench/fourier_bench.py [--sizes 14 16 18 20 22] [--repeat 5] [--json]
This is a benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from sparsecert.properties.fourier import fourier_coefficients_direct, spectrum, wht
from sparsecert.sparse_models import random_block


def best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_wht(n: int, repeat: int) -> dict:
    rng = np.random.default_rng(n)
    base = rng.normal(size=1 << n)
    work = np.empty_like(base)

    def run():
        np.copyto(work, base)  # copy excluded below
        wht(work)

    copy = best_time(lambda: np.copyto(work, base), repeat)
    t = max(best_time(run, repeat) - copy, 1e-9)
    return {"n": n, "coefficients": 1 << n, "seconds": t, "coefficients_per_second": (1 << n) / t}


def bench_direct(n: int, repeat: int) -> dict:
    rng = np.random.default_rng(0)
    vals = rng.normal(size=1 << n)
    t_direct = best_time(lambda: fourier_coefficients_direct(vals), 1)
    t_fast = bench_wht(n, repeat)["seconds"]
    fast = wht(vals.copy()) / (1 << n)
    err = float(np.max(np.abs(fast - fourier_coefficients_direct(vals))))
    return {"n": n, "direct_seconds": t_direct, "wht_seconds": t_fast, "speedup": t_direct / t_fast,
            "max_abs_difference": err}


def bench_block(n: int, s: int) -> dict:
    block = random_block(n, s, 0, fire_rate=0.1)
    t0 = time.perf_counter()
    sp = spectrum(block)
    t = time.perf_counter() - t0
    return {"n": n, "s": s, "seconds": t, "total_influence": sp.total_influence}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 12, 14, 16, 18, 20, 22])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--direct-n", type=int, default=14)
    ap.add_argument("--block-sizes", type=int, nargs="*", default=[20, 22])
    ap.add_argument("--block-width", type=int, default=64)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"machine": {"python": platform.python_version(), "numpy": np.__version__,
                          "processor": platform.processor() or platform.machine()},
              "wht": [bench_wht(n, args.repeat) for n in args.sizes],
              "direct": bench_direct(args.direct_n, args.repeat),
              "block_spectrum": [bench_block(n, args.block_width) for n in args.block_sizes]}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print("in-place WHT (float64, best of %d, copy excluded)" % args.repeat)
    print(f"{'n':>4} {'2^n':>10} {'wall time':>12} {'coefficients/s':>16}")
    for r in result["wht"]:
        print(f"{r['n']:>4} {r['coefficients']:>10} {r['seconds'] * 1e3:>9.2f} ms {r['coefficients_per_second']:>16.3e}")
    d = result["direct"]
    print(f"\ndirect definition at n={d['n']}: {d['direct_seconds']:.3f} s; WHT {d['wht_seconds'] * 1e3:.3f} ms;"
          f" speed-up {d['speedup']:.0f}x (max |difference| {d['max_abs_difference']:.1e})")
    for b in result["block_spectrum"]:
        print(f"exact spectrum of a trained-like block n={b['n']}, s={b['s']} (evaluation + WHT):"
              f" {b['seconds']:.2f} s")


if __name__ == "__main__":
    main()
