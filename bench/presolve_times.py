"""Times of max_active with and without presolve on the issue-4 instances (timeout 60 s each)."""
import time
from sparsecert.sparse_models import Box, Hypercube, planted_sparse, random_block
from sparsecert.verify import max_active
cases = [("planted n=64 s=1024 k=8", planted_sparse(64,1024,8,seed=1).block, Hypercube(64)),
         ("random dense n=20 s=64", random_block(20,64,seed=0), Hypercube(20)),
         ("trained-like n=20 s=256 (5%)", random_block(20,256,seed=0,fire_rate=0.05), Hypercube(20)),
         ("trained-like n=32 s=16 (5%)", random_block(32,16,seed=0,fire_rate=0.05), Hypercube(32)),
         ("random dense n=8 s=16 box", random_block(8,16,seed=0), Box.uniform(8,-1,1))]
for name, b, d in cases:
    for pre in (True, False):
        t = time.time()
        r = max_active(b, d, presolve=pre, timeout=60)
        print(f"{name:34s} presolve={pre!s:5} max={r.value} upper={r.upper_bound} optimal={r.optimal} method={r.stats.method} "
              f"fixed_off={r.stats.units_fixed_off} fixed_on={r.stats.units_fixed_on} time={time.time()-t:.2f}s")
