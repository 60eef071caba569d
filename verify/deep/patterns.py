"""Exact max-active on one region: depth-first search over activation patterns with exact LP checks.

The network up to layer L is a set of linear constraints once every unstable hidden
unit has a side (z >= 0, h = z, or z <= 0, h = a z; the two closed pieces cover the
region). The search fixes unstable hidden units one at a time, then picks target units
to be active (z > tau, strict), pruning a branch when its count cannot beat the best.
Each node is a pure conjunction of linear constraints, decided by Z3's exact rational
simplex (push/pop); a branch that the current exact model already satisfies needs no
check. Stable units (from the proved bounds) are linear from the start, and unstable
ones carry their sound triangle relaxation so the models stay near-consistent.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Sequence

import numpy as np
import z3

from sparse_models.network import Dense

from ..z3_helpers import model_fraction, rational_linear, z3_fraction
from .bounds import NetworkBounds, leak_slope, relaxation


def _q(v: float) -> z3.RatNumRef:
    return z3_fraction(Fraction(float(v)))


class _Timeout(Exception):
    pass


class PatternSearch:
    """Exact search for the largest active set of layer L over the box [lo, hi] (normalised inputs)."""

    def __init__(self, layers: Sequence[Dense], L: int, lo: Sequence[Fraction], hi: Sequence[Fraction],
                 bounds: NetworkBounds, tau: float) -> None:
        self.solver = s = z3.Solver()
        self.xs = xs = [z3.Real(f"x{j}") for j in range(len(lo))]
        for x, a, b in zip(xs, lo, hi):
            s.add(x >= z3_fraction(a), x <= z3_fraction(b))
        self.unstable: list[tuple[z3.ArithRef, z3.ArithRef, Fraction]] = []
        h: list[z3.ArithRef] = xs
        for k in range(L):
            layer = layers[k]
            a = leak_slope(layer)
            aq = Fraction(a)
            l, u = bounds.lower[k], bounds.upper[k]
            su, tu, _ = relaxation(a, l, u)
            nxt = []
            for i in range(layer.W.shape[0]):
                z = z3.Real(f"z{k}_{i}")
                s.add(z == rational_linear(layer.W[i], h) + _q(layer.b[i]), z >= _q(l[i]), z <= _q(u[i]))
                if l[i] >= 0:
                    nxt.append(z)
                    continue
                hv = z3.Real(f"h{k}_{i}")
                if u[i] <= 0:
                    s.add(z <= 0, hv == z3_fraction(aq) * z)
                else:
                    # triangle relaxation (sound): h >= z, h >= a z, h <= su z + tu
                    s.add(hv >= z, hv >= z3_fraction(aq) * z, hv <= _q(su[i]) * z + _q(tu[i]))
                    self.unstable.append((z, hv, aq))
                nxt.append(hv)
            h = nxt
        layer = layers[L]
        t = float(tau)
        self.tau = z3_fraction(Fraction(t))
        self.tau_q = Fraction(t)
        self.on = int(np.sum(bounds.lower[L] > t))
        free = np.flatnonzero(~((bounds.lower[L] > t) | (bounds.upper[L] <= t)))
        free = free[np.argsort(-bounds.upper[L][free])]
        self.targets = []
        for i in free:
            z = z3.Real(f"zt_{i}")
            s.add(z == rational_linear(layer.W[i], h) + _q(layer.b[i]))
            self.targets.append(z)
        self.best = -1
        self.best_point: tuple[Fraction, ...] | None = None
        self.checks = 0
        self.deadline: float | None = None

    def _check(self) -> z3.ModelRef | None:
        if self.deadline is not None:
            rem = self.deadline - time.monotonic()
            if rem <= 0:
                raise _Timeout
            self.solver.set("timeout", max(1, int(rem * 1000)))
        self.checks += 1
        res = self.solver.check()
        if res == z3.sat:
            return self.solver.model()
        if res == z3.unsat:
            return None
        raise _Timeout

    def _val(self, m: z3.ModelRef, v: z3.ArithRef) -> Fraction:
        return model_fraction(m, v)

    def _branch(self, cons: list, holds: bool, m: z3.ModelRef, then) -> None:
        self.solver.push()
        try:
            self.solver.add(*cons)
            m2 = m if holds else self._check()
            if m2 is not None:
                then(m2)
        finally:
            self.solver.pop()

    def _hidden(self, idx: int, m: z3.ModelRef) -> None:
        if idx == len(self.unstable):
            self._target(0, 0, m)
            return
        z, h, a = self.unstable[idx]
        zv, hv = self._val(m, z), self._val(m, h)
        on_ok = zv >= 0 and hv == zv
        off_ok = zv <= 0 and hv == a * zv
        aq = z3_fraction(a)
        branches = [([z >= 0, h == z], on_ok), ([z <= 0, h == aq * z], off_ok)]
        if not on_ok and off_ok:
            branches.reverse()
        for cons, holds in branches:
            self._branch(cons, holds, m, lambda m2: self._hidden(idx + 1, m2))

    def _target(self, j: int, count: int, m: z3.ModelRef) -> None:
        total = self.on + count
        if total + (len(self.targets) - j) <= self.best:
            return
        if j == len(self.targets):
            self.best = total
            self.best_point = tuple(self._val(m, x) for x in self.xs)
            return
        z = self.targets[j]
        self._branch([z > self.tau], self._val(m, z) > self.tau_q, m, lambda m2: self._target(j + 1, count + 1, m2))
        self._target(j + 1, count, m)

    def run(self, threshold: int, deadline: float | None) -> bool:
        """Search for more than ``threshold`` active units; True when the search was completed.

        After a complete run, ``best`` (if > threshold) is the region's exact maximum, attained
        at ``best_point``; otherwise the region's maximum is at most ``threshold``.
        """
        self.best = max(self.best, threshold)
        self.deadline = deadline
        try:
            m = self._check()
            if m is not None:
                self._hidden(0, m)
        except _Timeout:
            return False
        return True
