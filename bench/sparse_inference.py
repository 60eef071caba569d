"""Certified sparse inference (issue 18 item 3): the share of units proved off around test
inputs, the FLOPs, and the measured time of the sparse forward pass against the dense one.

A ReLU block is trained for sparse activations (``SparseMLPTrainer``) on scikit-learn's
bundled digits; around each of 20 test inputs an L-inf ball of radius r (clipped to the
pixel range [0, 1]) is certified, and both forward passes run on 10^4 points sampled in
it (BLAS products; best of 5). The outputs agree with the dense pass up to the summation
order (checked), so the accuracy on the region is unchanged by construction.

    python -m bench.sparse_inference
"""

from __future__ import annotations

import time

import numpy as np

from sparsecert.sparse_models import Box, LinfBall
from sparsecert.sparse_models.learners import SparseMLPTrainer
from sparsecert.verify.sparse_inference import SparseBlock

RADII = (0.0, 0.01, 0.03, 0.1)
CENTRES = 20
POINTS = 10_000


def _best(fn, repeat: int = 5) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def run_sparse_inference(hidden: int = 128, steps: int = 300) -> list[dict]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    block, _ = SparseMLPTrainer(hidden, steps=steps, lr=0.01, l1=0.002).fit(X[:1200], np.eye(10)[y[:1200]], seed=0)
    test, labels = X[1200:], y[1200:]
    acc = float((block.forward(test).argmax(axis=1) == labels).mean())
    active = float(block.active_mask(test).mean())
    print(f"model: digits, {block.n} inputs, {block.s} ReLU units, test accuracy {acc:.3f}, "
          f"mean active share on test data {active:.3f}")
    print(f"{'radius':>7} {'off share':>10} {'FLOPs ratio':>12} {'dense ms':>9} {'sparse ms':>10} {'speed-up':>9}"
          f" {'certify s':>10}")
    rng = np.random.default_rng(0)
    rows = []
    for r in RADII:
        shares, flops, t_dense, t_sparse, t_cert = [], [], [], [], []
        for c in test[:CENTRES]:
            region = LinfBall(c, r, within=Box.uniform(block.n, 0.0, 1.0))
            sb = SparseBlock.certify(block, region)
            pts = region.sample(rng, POINTS)
            fast, dense = sb.forward(pts), block.forward(pts)
            assert np.allclose(fast, dense, rtol=1e-12, atol=1e-12), "sparse and dense passes disagree"
            kept = np.asarray(sb.certificate.units_kept, dtype=np.int64)
            W1k, b1k, W2k = block.W1[kept], block.b1[kept], block.W2[:, kept]
            t_dense.append(_best(lambda: np.maximum(pts @ block.W1.T + block.b1, 0) @ block.W2.T + block.b2))
            t_sparse.append(_best(lambda: np.maximum(pts @ W1k.T + b1k, 0) @ W2k.T + block.b2))
            shares.append(sb.certificate.share_off)
            flops.append(sb.flops(True) / sb.flops(False))
            t_cert.append(sb.certificate.seconds)
        row = {"radius": r, "share_off": float(np.mean(shares)), "flops_ratio": float(np.mean(flops)),
               "dense_ms": 1e3 * float(np.mean(t_dense)), "sparse_ms": 1e3 * float(np.mean(t_sparse)),
               "speedup": float(np.mean(t_dense) / np.mean(t_sparse)), "certify_s": float(np.mean(t_cert)),
               "accuracy": acc, "points_per_region": POINTS, "regions": CENTRES}
        rows.append(row)
        print(f"{r:>7g} {row['share_off']:>10.3f} {row['flops_ratio']:>12.3f} {row['dense_ms']:>9.2f}"
              f" {row['sparse_ms']:>10.2f} {row['speedup']:>9.2f} {row['certify_s']:>10.4f}", flush=True)
    return rows


if __name__ == "__main__":
    run_sparse_inference()
