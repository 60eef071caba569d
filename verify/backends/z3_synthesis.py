"""Z3 encoding of one synthesis question (:mod:`verify.synthesis`): integer weights in [-R, R] for a
width-w network f(x) = sum_i a_i sigma(w_i . x + b_i) that equals a ±1 table at every cube
point with at most k units active at each. Integer linear arithmetic throughout: exact."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import z3


def solve_width(X: np.ndarray, y: Sequence[int], k: int, R: int, activation: str, width: int,
                timeout_ms: int | None):
    """("sat", (W, b, a) as integer arrays), ("unsat", None) or ("unknown", Z3's reason).

    ``X``: the cube points (rows of ±1), ``y``: the table, ``activation``: "relu" or "step"."""
    t = X.shape[1]
    W = [[z3.Int(f"w{i}_{j}") for j in range(t)] for i in range(width)]
    b = [z3.Int(f"b{i}") for i in range(width)]
    a = [z3.Int(f"a{i}") for i in range(width)]
    s = z3.Solver()
    for v in [x for row in W for x in row] + b + a:
        s.add(v >= -R, v <= R)
    for i in range(width - 1):  # units are interchangeable: order them by bias (sound symmetry breaking)
        s.add(b[i] >= b[i + 1])
    for p, x in enumerate(X):
        zs = [z3.Sum([int(x[j]) * W[i][j] for j in range(t)]) + b[i] for i in range(width)]
        act = [z > 0 for z in zs]
        if activation == "step":
            out = z3.Sum([z3.If(act[i], a[i], 0) for i in range(width)])
        else:  # a_i * relu(z_i), linear by cases on the integer a_i
            out = z3.Sum([z3.If(z3.And(act[i], a[i] == v), v * zs[i], 0)
                          for i in range(width) for v in range(-R, R + 1) if v])
        s.add(out == y[p])
        s.add(z3.Sum([z3.If(c, 1, 0) for c in act]) <= k)
    if timeout_ms is not None:
        s.set("timeout", timeout_ms)
    res = s.check()
    if res == z3.sat:
        m = s.model()
        val = lambda v: m.eval(v, model_completion=True).as_long()  # noqa: E731
        return "sat", (np.array([[val(v) for v in row] for row in W]), np.array([val(v) for v in b]),
                       np.array([val(v) for v in a]))
    if res == z3.unsat:
        return "unsat", None
    return "unknown", s.reason_unknown()
