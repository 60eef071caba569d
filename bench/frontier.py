"""The exact frontier cells of issue 11: sparsecert alone, 60 s each, proved or bracketed.

The dispatch thresholds these cells were measured for sit in the solvers' modules beside the
``applies`` rules that use them, and the order and shares in the plan tables of
``sparsecert.verify.portfolio`` (for example ``solvers/cube_bnb.py: LP_BNB_MIN_COORDS``).

    python -m bench.frontier          (also part of make bench)
"""
from __future__ import annotations

import time


from sparsecert.sparse_models import Box, Hypercube, random_block  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402


def cases():
    return [("trained-like cube n=64 s=16", random_block(64, 16, seed=0, fire_rate=0.05), Hypercube(64)),
            ("trained-like cube n=32 s=64", random_block(32, 64, seed=0, fire_rate=0.05), Hypercube(32)),
            ("dense cube n=32 s=64", random_block(32, 64, seed=0), Hypercube(32)),
            ("trained-like cube n=24 s=1024", random_block(24, 1024, seed=0, fire_rate=0.05), Hypercube(24)),
            ("dense cube n=24 s=1024", random_block(24, 1024, seed=0), Hypercube(24)),
            ("dense box n=12 s=64", random_block(12, 64, seed=0), Box.uniform(12, -1, 1)),
            ("trained-like box n=12 s=64", random_block(12, 64, seed=0, fire_rate=0.05), Box.uniform(12, -1, 1))]


def run_frontier(timeout: float = 60.0, jobs: int = 2) -> list[dict]:
    rows = []
    for name, block, domain in cases():
        t = time.monotonic()
        r = max_active(block, domain, timeout=timeout, jobs=jobs)
        el = time.monotonic() - t
        rows.append({"cell": name, "proved": r.optimal, "value": r.value, "upper": r.upper_bound,
                     "method": r.stats.method, "seconds": el})
        shown = r.value if r.optimal else f"[{r.value}, {r.upper_bound}]"
        print(f"  {name:32s} {'proved   ' if r.optimal else 'bracketed'} {shown!s:>9}  {el:6.1f}s  {r.stats.method}",
              flush=True)
    return rows


if __name__ == "__main__":
    run_frontier()
