"""Exact max-active on one region: depth-first search over activation patterns with exact LP checks.

The network up to layer L is a set of linear constraints once every unstable hidden
unit has a side (z >= 0, h = z, or z <= 0, h = a z; the two closed pieces cover the
region). The search fixes unstable hidden units one at a time, then picks target units
to be active (z > tau, strict), pruning a branch when its count cannot beat the best.
Each node is a pure conjunction of linear constraints (guards assumed in Z3's exact
rational simplex, no push/pop); a branch that the current exact model already satisfies needs no
check. Stable units (from the proved bounds) are linear from the start, and unstable
ones carry their sound triangle relaxation so the models stay near-consistent.

The search is a generator: at its deadline it suspends (mid-tree, with its Z3 solver and
assumptions intact) and a later ``run`` resumes it. Z3's timeout parameter is re-set only
a few times per run: setting a parameter resets Z3's search state.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Iterator, Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from ..backends.z3_patterns import AssumptionSolver
from .bounds import NetworkBounds, leak_slope, relaxation


def _smt(v: "float | Fraction") -> str:
    """An exact SMT-LIB rational literal."""
    q = v if isinstance(v, Fraction) else Fraction(float(v))
    body = f"{abs(q.numerator)}.0" if q.denominator == 1 else f"(/ {abs(q.numerator)}.0 {q.denominator}.0)"
    return f"(- {body})" if q < 0 else body


def _affine(row: np.ndarray, bias: float, names: Sequence[str]) -> str:
    terms = [f"(* {_smt(row[j])} {names[j]})" for j in np.flatnonzero(row)]
    terms.append(_smt(bias))
    return terms[0] if len(terms) == 1 else "(+ " + " ".join(terms) + ")"


class _Timeout(Exception):
    pass


class PatternSearch:
    """Exact search for the largest active set of layer L over the box [lo, hi] (normalised inputs)."""

    def __init__(self, layers: Sequence[Dense], L: int, lo: Sequence[Fraction], hi: Sequence[Fraction],
                 bounds: NetworkBounds, tau: float) -> None:
        # the constraints are written as SMT-LIB text and parsed once: far faster than building
        # thousands of Z3 terms through the Python API, and just as exact (integers only)
        decls: list[str] = []
        text: list[str] = []
        n = len(lo)
        xs = [f"x{j}" for j in range(n)]
        for j in range(n):
            decls.append(f"(declare-const x{j} Real)")
            text.append(f"(assert (and (>= x{j} {_smt(lo[j])}) (<= x{j} {_smt(hi[j])})))")
        unstable_names: list[tuple[str, str, Fraction]] = []
        h = xs
        for k in range(L):
            layer = layers[k]
            a = leak_slope(layer)
            aq = Fraction(a)
            l, u = bounds.lower[k], bounds.upper[k]
            su, tu, _ = relaxation(a, l, u)
            nxt = []
            for i in range(layer.W.shape[0]):
                z = f"z{k}_{i}"
                decls.append(f"(declare-const {z} Real)")
                text.append(f"(assert (= {z} {_affine(layer.W[i], layer.b[i], h)}))")
                if np.isfinite(l[i]) and np.isfinite(u[i]):
                    text.append(f"(assert (and (>= {z} {_smt(l[i])}) (<= {z} {_smt(u[i])})))")
                if l[i] >= 0:
                    nxt.append(z)
                    continue
                hv = f"h{k}_{i}"
                decls.append(f"(declare-const {hv} Real)")
                if u[i] <= 0:
                    text.append(f"(assert (and (<= {z} 0) (= {hv} (* {_smt(aq)} {z}))))")
                else:
                    # triangle relaxation (sound): h >= z, h >= a z, h <= su z + tu
                    text.append(f"(assert (and (>= {hv} {z}) (>= {hv} (* {_smt(aq)} {z}))))")
                    if np.isfinite(su[i]) and np.isfinite(tu[i]):
                        text.append(f"(assert (<= {hv} (+ (* {_smt(su[i])} {z}) {_smt(tu[i])})))")
                    # guards: the search assumes on_ or off_ to fix the unit's piece
                    decls.append(f"(declare-const on_{z} Bool)")
                    decls.append(f"(declare-const off_{z} Bool)")
                    text.append(f"(assert (=> on_{z} (and (>= {z} 0) (= {hv} {z}))))")
                    text.append(f"(assert (=> off_{z} (and (<= {z} 0) (= {hv} (* {_smt(aq)} {z})))))")
                    unstable_names.append((z, hv, aq))
                nxt.append(hv)
            h = nxt
        layer = layers[L]
        t = float(tau)
        self.tau_q = Fraction(t)
        self.on = int(np.sum(bounds.lower[L] > t))
        free = np.flatnonzero(~((bounds.lower[L] > t) | (bounds.upper[L] <= t)))
        free = free[np.argsort(-bounds.upper[L][free])]
        target_names = []
        for i in free:
            z = f"zt_{i}"
            decls.append(f"(declare-const {z} Real)")
            text.append(f"(assert (= {z} {_affine(layer.W[i], layer.b[i], h)}))")
            decls.append(f"(declare-const act_{z} Bool)")
            text.append(f"(assert (=> act_{z} (> {z} {_smt(Fraction(t))})))")
            target_names.append(z)
        self.solver = sv = AssumptionSolver("\n".join(decls + text))
        self._val = sv.value
        self.xs = [sv.real(v) for v in xs]
        self.unstable = [(sv.real(z), sv.real(hv), aq, sv.boolean(f"on_{z}"), sv.boolean(f"off_{z}"))
                         for z, hv, aq in unstable_names]
        self.targets = [(sv.real(z), sv.boolean(f"act_{z}")) for z in target_names]
        self.assumed: list = []  # the guards assumed on the current path
        self.best = -1
        self.best_point: tuple[Fraction, ...] | None = None
        self.best_point_count = -1  # the count the search found at best_point
        self.checks = 0
        self.deadline: float | None = None
        self._timeout_ms: int | None = None  # the timeout last given to Z3
        self._run: Iterator[None] | None = None  # the suspended search, resumed by the next run()
        self.finished = False
        self.failures = 0  # searches abandoned on an "unknown" that was not the deadline

    def _check(self) -> Iterator[None]:
        """The model of the current assumptions (None: unsat); suspends (yields) when the time is up."""
        while True:
            if self.deadline is None and self._timeout_ms is not None:
                self.solver.set_timeout(None)
                self._timeout_ms = None
            if self.deadline is not None:
                rem = self.deadline - time.monotonic()
                if rem <= 0:
                    yield  # out of time: run() returns; the next run() resumes right here
                    continue
                ms = max(1, math.ceil(rem * 1000))
                # Setting a solver parameter resets Z3's search state: re-set before every check, the
                # timeout made every check start cold (~3x slower, and different models: ~1.7x more
                # checks). It is re-set only when it is shorter than the time left (a resumed run has
                # a new deadline) or more than twice as long (about log2(slice / 1 ms) times per run),
                # so a check still ends within the time left at the last re-set, halved, past the deadline.
                if self._timeout_ms is None or not ms <= self._timeout_ms <= 2 * ms:
                    self.solver.set_timeout(ms)
                    self._timeout_ms = ms
            self.checks += 1
            res = self.solver.check(self.assumed)
            if res == "sat":
                return self.solver.model()
            if res == "unsat":
                return None
            if self.deadline is None or self.solver.reason_unknown() not in ("timeout", "canceled"):
                raise _Timeout  # unknown for another reason than the deadline: give up this search
            yield  # the check hit the deadline: redo it when resumed

    def _branch(self, guard, holds: bool, m, then) -> Iterator[None]:
        """Assume ``guard`` (no push/pop: assumptions keep the solver's learnt state)."""
        self.assumed.append(guard)
        try:
            m2 = m if holds else (yield from self._check())
            if m2 is not None:
                yield from then(m2)
        finally:
            self.assumed.pop()

    def _hidden(self, idx: int, m) -> Iterator[None]:
        if idx == len(self.unstable):
            yield from self._target(0, 0, m)
            return
        z, h, a, on, off = self.unstable[idx]
        zv, hv = self._val(m, z), self._val(m, h)
        on_ok = zv >= 0 and hv == zv
        off_ok = zv <= 0 and hv == a * zv
        branches = [(on, on_ok), (off, off_ok)]
        if not on_ok and off_ok:
            branches.reverse()
        for guard, holds in branches:
            yield from self._branch(guard, holds, m, lambda m2: self._hidden(idx + 1, m2))

    def _target(self, j: int, count: int, m) -> Iterator[None]:
        total = self.on + count
        if total + (len(self.targets) - j) <= self.best:
            return
        if j == len(self.targets):
            self.best = total
            self.best_point = tuple(self._val(m, x) for x in self.xs)
            self.best_point_count = total
            return
        z, act = self.targets[j]
        yield from self._branch(act, self._val(m, z) > self.tau_q, m, lambda m2: self._target(j + 1, count + 1, m2))
        yield from self._target(j + 1, count, m)

    def _search(self) -> Iterator[None]:
        m = yield from self._check()
        if m is not None:
            yield from self._hidden(0, m)

    def run(self, threshold: int, deadline: float | None) -> bool:
        """Search for more than ``threshold`` active units; True when the search was completed.

        After a complete run, ``best`` (if > threshold) is the region's exact maximum, attained
        at ``best_point``; otherwise the region's maximum is at most ``threshold``. A run that
        ran out of time (False) is suspended where it stopped: the next ``run`` resumes it with
        no work lost (a threshold raised meanwhile only prunes more: the conclusion above holds
        for the largest threshold given).
        """
        if self.finished:
            return True
        self.best = max(self.best, threshold)
        self.deadline = deadline
        if self._run is None:
            self._run = self._search()
        try:
            next(self._run)
        except StopIteration:
            self._run, self.finished = None, True
            return True
        except _Timeout:
            self.failures += 1
            self._run = None  # start over on the next run (the solver itself is intact)
            return False
        return False  # suspended at its deadline
