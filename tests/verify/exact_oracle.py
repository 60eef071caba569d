"""Independent exact oracle for the class/equivalence tests: outputs of a block in Fractions, by brute force."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock


def sigma(name: str, alpha: float, z: Fraction) -> Fraction:
    if name == "relu":
        return max(z, Fraction(0))
    if name == "step":
        return Fraction(int(z > 0))
    if name == "leaky_relu":
        return z if z > 0 else Fraction(alpha) * z
    if name == "identity":
        return z
    raise ValueError(name)


def exact_output(block: MLPBlock, x, linear=None) -> list[Fraction]:
    xs = [Fraction(float(v)) for v in x]
    hs = []
    for i in range(block.s):
        z = Fraction(float(block.b1[i])) + sum(Fraction(float(w)) * v for w, v in zip(block.W1[i], xs))
        hs.append(sigma(block.activation.name, block.activation.alpha, z))
    if block.W2 is None:
        out = hs
    else:
        out = [Fraction(float(block.b2[o])) + sum(Fraction(float(a)) * h for a, h in zip(block.W2[o], hs))
               for o in range(block.W2.shape[0])]
    if linear is not None:
        out = [o + sum(a * v for a, v in zip(row, xs)) + c for o, row, c in zip(out, linear.A, linear.c)]
    skip = getattr(block, "skip", None)
    if skip is not None:  # x -> skip.W2 (skip.W1 x + skip.b1) + skip.b2, evaluated directly
        t = [Fraction(float(b)) + sum(Fraction(float(w)) * v for w, v in zip(row, xs))
             for row, b in zip(skip.W1, skip.b1)]
        if skip.W2 is not None:
            t = [sum(Fraction(float(a)) * v for a, v in zip(row, t)) for row in skip.W2]
        if skip.b2 is not None:
            t = [v + Fraction(float(b)) for v, b in zip(t, skip.b2)]
        out = [o + v for o, v in zip(out, t)]
    if getattr(block, "output_activation", None) is not None:
        raise ValueError(f"no exact oracle for {block.output_activation}")
    return out


def cube_points(n: int, values=(-1, 1)) -> np.ndarray:
    return np.concatenate([X for _, X in Hypercube(n, values).chunks()])


def max_abs_difference(a: MLPBlock, b: MLPBlock, X: np.ndarray) -> Fraction:
    return max(max(abs(p - q) for p, q in zip(exact_output(a, x), exact_output(b, x))) for x in X)


def exact_max_active(block: MLPBlock, X: np.ndarray) -> int:
    best = 0
    for x in X:
        xs = [Fraction(float(v)) for v in x]
        count = sum(Fraction(float(block.b1[i])) + sum(Fraction(float(w)) * v for w, v in zip(block.W1[i], xs)) > 0
                    for i in range(block.s))
        best = max(best, count)
    return best
