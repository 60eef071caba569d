"""Exact branch and bound over ReLU phases for the max-active count of one layer of a deep ReLU network.

The relaxation is the whole network up to layer L as one LP (HiGHS): the inputs u in the box,
for every layer j < L its pre-activations z_j = W_j h_{j-1} + b_j (equality rows, the float
weights are the exact network) and its outputs h_j with the triangle relaxation of every
unstable ReLU (h >= z, h >= 0, h <= s (z - l), s = u / (u - l)); on layer L one indicator
a_i in [0, 1] per unit that can fire (z_i >= l_i + M_i a_i, M_i <= tau - l_i), maximised.
Every row is a relaxation of the exact network in exact arithmetic: the triangle slope is
rounded up and its offset outward, the indicator's M down, and pre-activation bounds come
from :func:`.bounds.network_bounds` (outward rounded) or from LPs over the rows below, made
rigorous by Neumaier-Shcherbina bounds from HiGHS's duals (:class:`~..solvers.lp.safe_bound.SafeBound`).

Branching fixes a ReLU's phase (on: z >= 0, h = z; off: z <= 0, h = 0) or a counted unit's
(on: a_i = 1; off: a_i = 0, z_i <= tau). The phases partition the box, so the max over the
box is the max over the children. A node is pruned only when its safe bound (stable-on units
plus the safe LP bound, floored: the count is an integer) cannot beat the target; on a
timeout the upper bound is the largest parent bound of the open nodes. Every point is an LP
point clipped into a float box inside the exact one, and its count is re-decided exactly by
the caller (``offer``). A node with every phase fixed is one linear cell: a margin LP
(maximise t with every counted unit's z_i >= tau + t) either finds an interior point whose
exact count settles it, or proves (safe bound t <= 0) that the cell holds one unit fewer.

Soundness argument: docs/theory.md §7.9 [DERIVED].

Why: input splitting with interval bounds is hopeless past the first hidden layers (issue 19),
and a float MILP is not a proof; this is the engine verifiers converged on, made exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from ..solvers.lp.safe_bound import SafeBound
from .bounds import NetworkBounds, network_bounds
from .phase_model import COORD_LIMIT, TIGHTEN_SHARE, PhaseRelaxation
from .search import pre_activation

__all__ = ["PhaseSearch", "PhaseOutcome", "COORD_LIMIT", "TIGHTEN_SHARE"]

BEST_BOUND_EVERY = 2  # every 2nd node is the open node of largest bound, the others continue the dive (ACAS Xu 3_3
# prop1 layer 5 after 30 s: upper bound 20 with 2, 32 with 8; ACAS 1_1 layers 1-5 and MNIST layers 2-3 no slower)
LOW_DIM_INPUTS = 8  # inputs up to this count: the input box is split too (ACAS Xu has 5)
INPUT_SPLIT_MIN_FREE = 6  # ... while at least this many ReLUs below the counted layer are free
MAX_INPUT_SPLITS = 40  # ... and at most this many times along one path


@dataclass(frozen=True)
class PhaseOutcome:
    """``best``: the best exact count the caller confirmed (``offer``); ``upper``: proved bound on the
    box; ``complete``: the search closed every node (then ``upper`` is the max, attained when
    ``best == upper``); ``nodes``: LPs solved in the tree; ``tighten_s``: seconds of bound tightening."""

    best: int
    upper: int
    complete: bool
    nodes: int
    tighten_s: float
    tightened: int


class PhaseSearch(PhaseRelaxation):
    """Max-active of layer ``L`` of ReLU ``layers`` over the float box [xl, xu] (see the module docstring).

    ``bounds`` are proved pre-activation bounds over the box; ``inner`` a float box inside the exact
    domain where candidate points are clipped; ``offer(u)`` re-decides a point's count exactly and
    returns it; ``best`` is the best exact count known already.
    """

    def __init__(self, layers: Sequence[Dense], L: int, tau: float, xl: np.ndarray, xu: np.ndarray,
                 bounds: NetworkBounds, inner: tuple[np.ndarray, np.ndarray] | None,
                 offer: Callable[[list[float]], int], best: int, deadline: float | None) -> None:
        super().__init__(layers, L, tau, xl, xu, bounds, deadline)
        self.inner, self.offer, self.best = inner, offer, best
        self.nodes, self.pops = 0, 0
        # open nodes: (fixed phases, parent bound, input box with its bounds and split depth, None: the root's)
        self.stack: list[tuple[np.ndarray, int, tuple | None]] | None = None
        self.current: tuple[np.ndarray, int, tuple | None] | None = None  # the node in hand (pushed back on Ctrl-C)
        self.undecided = -1  # the largest count of a cell the search could not decide exactly

    def build(self, tighten_share: float | None = None) -> None:
        """The model; with low-dimensional inputs the root's LP tightening is skipped (None): the tree
        splits the input box first and every half gets its own bounds (on ACAS Xu 1_1, prop1, layer 5
        the tree is the same 5557 nodes with and without it, and the tightening costs 7 s)."""
        if tighten_share is None:
            tighten_share = 0.0 if self.xl.size <= LOW_DIM_INPUTS else TIGHTEN_SHARE
        super().build(tighten_share)

    def _try_point(self, v: np.ndarray) -> None:
        if self.inner is None:
            return
        u = np.clip(v[: self.xl.size], *self.inner)
        if int((pre_activation(self.layers, self.L, u[None, :])[0] > self.tau).sum()) > self.best:
            self.best = max(self.best, self.offer([float(x) for x in u]))

    def _choose(self, v: np.ndarray, fix: np.ndarray) -> int:
        """The free phase to split: the most fractional counted unit first (on ACAS Xu 1_1 layer 1 and
        MNIST 10x10 layer 3 this closes the tree in 593 and 225 nodes, where the largest triangle gap
        first needs 1861 and 3516), else the ReLU of largest (normalised) triangle gap."""
        free = np.flatnonzero(fix < 0)
        ind = free[free >= self.n_relu]
        if ind.size:
            a = v[self.ind_cols[ind - self.n_relu]]
            frac = np.minimum(a, 1.0 - a)
            if frac.max() > 1e-9:
                return int(ind[np.argmax(frac)])
        rel = free[free < self.n_relu]
        if rel.size:
            zc, hc = self.relu_z[rel], self.relu_h[rel]
            gap = (v[hc] - np.maximum(v[zc], 0.0)) / self.relu_width[rel]
            if gap.max() > 1e-9:
                return int(rel[np.argmax(gap)])
        # the LP point is integral and exact on the free phases: split the first free one
        return int(ind[0]) if ind.size else int(free[0])

    def _leaf(self, fix: np.ndarray, bounds: tuple, target: int) -> int | None:
        """A fully fixed cell with its column and row bounds (``_node_bounds``, coefficients set): None
        when settled, else the bound it keeps (not attained here)."""
        on = [self.inds[k - self.n_relu] for k in np.flatnonzero(fix[self.n_relu:] == 1) + self.n_relu]
        count = self.stable_on + len(on)
        if count <= target:
            return None
        m, h = self.m, self.m.h
        vl, vu, rl, ru = (a.copy() for a in bounds)
        vu[self.t_col] = 1.0
        G = self.G.copy()
        for _, _, _, r in on:
            G[r, self.t_col] = -1.0
            h.changeCoeff(r, self.t_col, -1.0)
        c = np.zeros(self.n_cols)
        c[self.t_col] = 1.0
        h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), c)
        try:
            self._load(vl, vu, rl, ru)
            solved = self._solve(vl, vu, rl, ru, SafeBound(c), G)
        finally:
            for _, _, _, r in on:
                h.changeCoeff(r, self.t_col, 0.0)
            h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), self.c)
            m.set_col(self.t_col, 0.0, 0.0)
        if solved == "pruned":
            return None
        if isinstance(solved, tuple):
            bound, v = solved
            if bound <= 0:  # no interior point: every point of the cell has a counted unit at z <= tau
                return None if count - 1 <= target else count - 1
            self._try_point(v)
            if self.best >= count:
                return None
        return count

    def run(self, target: int = -1, stop_above: int | None = None, deadline: float | None = None) -> PhaseOutcome:
        """The tree until closed, stopped (best > stop_above) or out of time; ``target`` prunes what
        cannot beat it (a k-check passes k). A later call resumes the same tree (with a new ``deadline``;
        raise ``best`` first when the caller found better points meanwhile)."""
        if deadline is not None:
            self.deadline = deadline
        if self.stack is None:
            self.build()
            nb = self.n_relu + len(self.inds)
            self.stack = [(np.full(nb, -1, np.int8), self.stable_on + len(self.inds), None)]
        stack = self.stack

        def goal() -> int:
            return max(self.best, target)

        try:
            self._loop(stack, goal, stop_above)
        except KeyboardInterrupt:  # the node in hand goes back: the frontier bound still covers it
            if self.current is not None:
                stack.append(self.current)
            raise
        return self.outcome(target, stop_above)

    def _loop(self, stack, goal, stop_above) -> None:
        """The node loop (see :meth:`run`)."""
        while stack:
            if stop_above is not None and self.best > stop_above:
                break
            self.pops += 1
            if self.pops % BEST_BOUND_EVERY == 0:
                k = max(range(len(stack)), key=lambda i: stack[i][1])
                stack[k], stack[-1] = stack[-1], stack[k]
            fix, pbound, box = node = stack.pop()
            self.current = node
            if pbound <= goal():
                continue
            if self.expired():
                stack.append(node)
                self.current = None
                break
            self.nodes += 1
            bounds = self._node_bounds(fix, box)
            if bounds is None:
                continue
            vl, vu, rl, ru = bounds
            self._load(vl, vu, rl, ru)
            solved = self._solve(vl, vu, rl, ru, self.safe, self.G)
            if solved == "pruned":
                continue
            if solved == "open":
                stack.append(node)
                self.current = None
                break
            v = None
            bound = pbound
            if solved is not None:
                lp, v = solved
                bound = min(pbound, self.stable_on + math.floor(lp))  # the count is an integer
                self._try_point(v)
                if bound <= goal():
                    continue
            if self._split_input(fix, box):
                stack.extend(self._input_children(fix, bound, box, v))
            elif not (fix < 0).any():
                kept = self._leaf(fix, bounds, goal())
                if kept is not None and kept > goal():
                    self.undecided = max(self.undecided, kept)
            else:
                k = self._choose(v, fix) if v is not None else int(np.flatnonzero(fix < 0)[0])
                first_on = True
                if v is not None:
                    first_on = v[self.relu_z[k]] > 0 if k < self.n_relu else v[self.ind_cols[k - self.n_relu]] >= 0.5
                for side in ((0, 1) if first_on else (1, 0)):  # the stack pops the last one first
                    child = fix.copy()
                    child[k] = side
                    stack.append((child, bound, box))
            self.current = None  # replaced by its children

    def _split_input(self, fix: np.ndarray, box) -> bool:
        """Split the input box (low-dimensional inputs) while enough ReLUs below L are free and unstable."""
        if self.xl.size > LOW_DIM_INPUTS or not self.n_relu:
            return False
        depth = 0 if box is None else box[4]
        if depth >= MAX_INPUT_SPLITS:
            return False
        return int((fix[: self.n_relu] < 0).sum()) >= INPUT_SPLIT_MIN_FREE

    def _input_children(self, fix: np.ndarray, bound: int, box, v) -> list:
        """The two halves of the box on the coordinate of largest width x first-layer weight mass, each
        with its own proved bounds (interval / DeepPoly on the half, intersected with the parent's) and
        the phases those bounds decide fixed."""
        xl, xu, lo, up, depth = self.root_box if box is None else box
        j = int(np.argmax((xu - xl) * self.influence))
        mid = 0.5 * (xl[j] + xu[j])
        halves = []
        for a, b in ((xl[j], mid), (mid, xu[j])):
            cxl, cxu = xl.copy(), xu.copy()
            cxl[j], cxu[j] = a, b
            nb = network_bounds(self.layers, cxl, cxu, depth=self.L + 1)
            clo = [np.maximum(p, q) for p, q in zip(lo, nb.lower)]
            cup = [np.minimum(p, q) for p, q in zip(up, nb.upper)]
            child = fix.copy()
            flo, fup = np.concatenate(clo), np.concatenate(cup)
            rlo, rup = flo[self.relu_flat], fup[self.relu_flat]
            free = child[: self.n_relu] < 0
            child[: self.n_relu][free & (rlo >= 0)] = 1
            child[: self.n_relu][free & (rup <= 0)] = 0
            ilo, iup = flo[self.ind_flat], fup[self.ind_flat]
            free = child[self.n_relu:] < 0
            child[self.n_relu:][free & (ilo > self.tau)] = 1
            child[self.n_relu:][free & (iup <= self.tau)] = 0
            # stable-on + the units the half's bounds leave able to fire: a bound before any LP
            count = self.stable_on + int((iup > self.tau).sum())
            halves.append((child, min(bound, count), (cxl, cxu, clo, cup, depth + 1)))
        # the stack pops the last one first: the half holding the LP point
        return halves if v is not None and v[j] > mid else halves[::-1]

    def outcome(self, target: int = -1, stop_above: int | None = None) -> PhaseOutcome:
        """What is proved now: pruned nodes hold at most max(best, target); open nodes at most their
        parents' bounds; undecided cells at most their count; before the tree exists (Ctrl-C while the
        model is built), nothing: the layer's width."""
        if self.stack is None:
            return PhaseOutcome(self.best, max(self.best, int(self.layers[self.L].W.shape[0])), False, self.nodes,
                                self.tighten_s, self.tightened)
        width = self.stable_on + len(self.inds)
        if stop_above is not None and self.best > stop_above:
            return PhaseOutcome(self.best, width, False, self.nodes, self.tighten_s, self.tightened)
        frontier = max([b for _, b, _ in self.stack] + [self.undecided], default=-1)
        upper = min(max(self.best, target, frontier), width)
        return PhaseOutcome(self.best, upper, not self.stack and self.undecided < 0, self.nodes, self.tighten_s,
                            self.tightened)
