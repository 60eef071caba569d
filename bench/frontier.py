"""The exact frontier cells of issue 11, 60 s each, jobs=2: proved or bracketed, with the method used."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import time
from sparse_models import Box, Hypercube, random_block
from verify import max_active
cases = [("trained-like cube n=64 s=16", random_block(64,16,seed=0,fire_rate=0.05), Hypercube(64)),
         ("trained-like cube n=32 s=64", random_block(32,64,seed=0,fire_rate=0.05), Hypercube(32)),
         ("dense cube n=32 s=64", random_block(32,64,seed=0), Hypercube(32)),
         ("trained-like cube n=24 s=1024", random_block(24,1024,seed=0,fire_rate=0.05), Hypercube(24)),
         ("dense cube n=24 s=1024", random_block(24,1024,seed=0), Hypercube(24)),
         ("dense box n=12 s=64", random_block(12,64,seed=0), Box.uniform(12,-1,1)),
         ("trained-like box n=12 s=64", random_block(12,64,seed=0,fire_rate=0.05), Box.uniform(12,-1,1))]
for name, b, d in cases:
    t = time.time(); r = max_active(b, d, timeout=60, jobs=2)
    print(f"{name:32s} {'proved' if r.optimal else 'bracketed'} {r.value if r.optimal else (r.value, r.upper_bound)} method={r.stats.method} {time.time()-t:.1f}s", flush=True)
