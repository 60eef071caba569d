"""Branch and bound over input regions for the max-active count of one layer.

A region is an exact rational sub-box of the normalised input box. Its proved upper
bound is stable-on + unstable units of the target layer (from ``bounds``); its lower
bounds come from points whose count is re-decided exactly. Regions whose upper bound
does not beat the best count (or k, for a k-check) are closed; a region with few
unstable units is settled by the exact Z3 encoding; otherwise it is bisected on the
coordinate of largest influence (width times first-layer weight mass). The max over a
union of regions is the max of the region maxima, so upper bounds combine by max; a
sub-box keeps its parent's bound when its own is looser. On timeout the reported upper
bound is the max over the open frontier (and the closed regions' bounds).

The exact search gets a time slice per region and is suspended, not discarded, when the
slice runs out: when bisecting would not make the region measurably easier (as many
unstable relus, no better bound), the same search is resumed with twice the slice; a
child of a split gets a slice scaled by how much easier it is.

Bounds, sampling and the exact search run on an exactly rescaled copy of the network
(``scaling``: powers of two per layer, the same activity), so weights of any magnitude
give the float64 bounds the same information; every count is re-decided on the original.
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.exact import nearest_float
from sparsecert.sparse_models.errors import SoundnessError
from sparsecert.sparse_models.network import Dense

from .bounds import NetworkBounds, network_bounds
from .domain import round_down, round_up
from .exact import ExactLayers
from .patterns import PatternSearch
from .scaling import rescale
from .search import gradient_attack, pre_activation, search

MAX_SPLIT_DEPTH = 200
ATTACK_MIN_SAMPLES, ATTACK_STARTS, ATTACK_STEPS = 512, 64, 80  # the root's gradient attack (search.gradient_attack)
MAX_SLICE_S = 86400.0  # a region's exact search is never given more than this at once


@dataclass(eq=False)
class Region:
    lo: tuple[Fraction, ...]
    hi: tuple[Fraction, ...]
    bounds: NetworkBounds
    upper: int
    hard: int  # unstable relus in layers < L: the patterns the exact search may branch on
    depth: int = 0
    slice: float = 0.0  # seconds the exact search gets here at least (0: the solver's default slice)
    search: PatternSearch | None = None  # the exact search, suspended when it ran out of its slice


@dataclass
class LayerOutcome:
    """What one branch-and-bound run proved over its regions."""

    best: int  # exact count attained at ``point`` (-1 if no point yet)
    point: tuple | None  # normalised input (floats or Fractions) attaining ``best``
    upper: int  # proved: no input of the regions activates more
    regions: int = 0
    max_depth: int = 0
    solver_calls: int = 0
    rechecks: int = 0
    timed_out: bool = False
    interrupted: bool = False  # Ctrl-C: ``upper`` still covers every region (the one in hand included)
    notes: list[str] = field(default_factory=list)


def float_box(lo: Sequence[Fraction], hi: Sequence[Fraction]) -> tuple[np.ndarray, np.ndarray]:
    """Smallest float box containing the exact one."""
    return np.array([round_down(v) for v in lo]), np.array([round_up(v) for v in hi])


def inner_box(lo: Sequence[Fraction], hi: Sequence[Fraction]) -> tuple[np.ndarray, np.ndarray] | None:
    """A float box inside the exact one, or None when some side holds no float64 at all."""
    a = np.array([round_up(v) for v in lo])
    b = np.array([round_down(v) for v in hi])
    return None if np.any(a > b) else (a, b)


def input_bound(boxes: Sequence[tuple[Sequence[Fraction], Sequence[Fraction]]]) -> Fraction:
    """max |u| over the boxes, up to float rounding (it only steers the exact rescaling of the network)."""
    values = [v for lo, hi in boxes for v in (*lo, *hi)]
    if not values:
        return Fraction(1)
    # the largest by float magnitude (a hint: only the scale matters), taken exactly
    return abs(Fraction(max(values, key=lambda v: abs(nearest_float(v)))))


class LayerSolver:
    """Max-active (or a k-check) for layer L of ``layers`` over a set of regions."""

    def __init__(self, layers: Sequence[Dense], L: int, tau: float, *, deadline: float | None, seed: int = 0,
                 z3_max_unstable: int = 40, split: bool = True, z3_slice: float = 5.0,
                 input_bound: "float | Fraction" = 1.0) -> None:
        self.layers, self.L, self.tau = tuple(layers[: L + 1]), L, float(tau)
        self.exact = ExactLayers(self.layers)  # the original network: every count is re-decided here
        # bounds, sampling and the exact pattern search run on an exactly rescaled copy whose
        # pre-activations are 2^-e_k times the original ones (same activity, threshold self.stau)
        scaled = rescale(self.layers, L, self.tau, input_bound)
        self.slayers, self.stau, self.exponents = scaled.layers, scaled.tau, scaled.exponents
        self.deadline = deadline
        self.rng = np.random.default_rng(seed)
        self.z3_max, self.split, self.z3_slice = z3_max_unstable, split, z3_slice
        W0 = self.slayers[0].W
        self.influence = np.abs(W0).sum(axis=0)
        self.out = LayerOutcome(-1, None, 0)
        self.closed_upper = -1
        self.last_share = z3_slice

    # -- helpers ------------------------------------------------------------------
    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        rem = self.remaining()
        return rem is not None and rem <= 0

    def evaluate(self, lo: Sequence[Fraction], hi: Sequence[Fraction], depth: int) -> Region:
        fl, fh = float_box(lo, hi)
        b = network_bounds(self.slayers, fl, fh)
        hard = sum(int(((b.lower[k] < 0) & (b.upper[k] > 0)).sum()) for k in range(self.L))
        self.out.max_depth = max(self.out.max_depth, depth)
        return Region(tuple(lo), tuple(hi), b, b.upper_count(self.L, self.stau), hard, depth)

    def counts(self, r: Region) -> tuple[int, int, int]:
        """(stable-on, stable-off, unstable) units of the target layer over the region."""
        return r.bounds.counts(self.L, self.stau)

    def offer(self, u: Sequence, claimed: int | None = None) -> int:
        """Re-decide the count at u exactly; keep it when it beats the best."""
        self.out.rechecks += 1
        count = len(self.exact.active(u, self.L, self.tau))
        if claimed is not None and count < claimed:
            raise SoundnessError(f"solver point claimed {claimed} active units in layer {self.L}, exact check finds {count}")
        if count > self.out.best:
            self.out.best, self.out.point = count, tuple(u)
        return count

    def sample(self, r: Region, samples: int, rounds: int) -> None:
        inner = inner_box(r.lo, r.hi)
        if inner is None:
            return  # thinner than one ulp: only the exact search can supply points here
        lo, hi = inner
        cands = search(self.slayers, self.L, lo, hi, self.stau, samples=samples, rounds=rounds, rng=self.rng)
        if samples >= ATTACK_MIN_SAMPLES and self.L > 0:  # the root: a gradient attack too
            cands = np.vstack([cands, gradient_attack(self.slayers, self.L, lo, hi, self.stau, starts=ATTACK_STARTS,
                                                      steps=ATTACK_STEPS, rng=self.rng)])
        counts = (pre_activation(self.slayers, self.L, cands) > self.stau).sum(axis=1)
        for x, c in zip(cands, counts):
            if c > self.out.best or self.out.point is None:
                self.offer([float(v) for v in x])

    def threshold(self, floor: int) -> int:
        return max(self.out.best, floor)

    def z3_region(self, r: Region, floor: int, stop_above: int | None) -> bool:
        """Settle the region exactly (pattern search); False when it ran out of its time slice."""
        if self.threshold(floor) >= r.upper:
            self.closed_upper = max(self.closed_upper, r.upper)
            return True
        if not self.split:
            slice_end = self.deadline  # nothing else to try: the whole remaining time
        else:
            rem = self.remaining()
            if r.depth:
                share = self.z3_slice
            else:  # the whole box gets a longer first try before splitting
                share = 4 * self.z3_slice if rem is None else max(self.z3_slice, 0.25 * rem)
            share = max(share, r.slice)
            self.last_share = share
            slice_end = time.monotonic() + share
            if self.deadline is not None:
                slice_end = min(slice_end, self.deadline)
        search = r.search or PatternSearch(self.slayers, self.L, r.lo, r.hi, r.bounds, self.stau)
        thr = self.threshold(floor)
        if stop_above is not None:
            thr = max(thr, stop_above)  # a k-check only needs to know whether more than k is possible
        checks = search.checks
        done = search.run(thr, slice_end)
        self.out.solver_calls += search.checks - checks
        if search.best_point is not None and search.best_point_count > self.out.best:
            self.offer(search.best_point, claimed=search.best_point_count)
        r.search = None if done else search  # kept to be resumed if the region is searched again
        if done:
            self.closed_upper = max(self.closed_upper, min(max(search.best, thr), r.upper))
        return done

    def bisect(self, r: Region) -> list[Region]:
        widths = np.array([float(b - a) for a, b in zip(r.lo, r.hi)])
        j = int(np.argmax(widths * self.influence))
        mid = (r.lo[j] + r.hi[j]) / 2
        left_hi = list(r.hi)
        left_hi[j] = mid
        right_lo = list(r.lo)
        right_lo[j] = mid
        children = [self.evaluate(r.lo, left_hi, r.depth + 1), self.evaluate(right_lo, r.hi, r.depth + 1)]
        for c in children:
            c.upper = min(c.upper, r.upper)  # a sub-box activates no more than the box: both bounds hold
        return children

    # -- the search ---------------------------------------------------------------------
    def run(self, boxes: Sequence[tuple[Sequence[Fraction], Sequence[Fraction]]], *, floor: int = -1,
            stop_above: int | None = None, root_samples: int = 4096, root_rounds: int = 60) -> LayerOutcome:
        """Branch and bound over ``boxes``; ``floor`` = k closes regions proved <= k (a k-check)."""
        counter = itertools.count()
        heap: list[tuple[int, int, Region]] = []
        stuck: list[Region] = []
        for lo, hi in boxes:
            r = self.evaluate(lo, hi, 0)
            self.sample(r, root_samples, root_rounds)
            heapq.heappush(heap, (-r.upper, next(counter), r))
        current = None  # the region in hand: on Ctrl-C its bound still covers it (and its children)
        try:
            while heap:
                if stop_above is not None and self.out.best > stop_above:
                    break
                if self.expired():
                    self.out.timed_out = True
                    break
                _, _, r = heapq.heappop(heap)
                current = r
                self.out.regions += 1
                if r.upper <= self.threshold(floor):
                    self.closed_upper = max(self.closed_upper, r.upper)
                    continue
                can_split = self.split and r.depth < MAX_SPLIT_DEPTH and any(a < b for a, b in zip(r.lo, r.hi))
                ran_out = False
                if r.hard <= self.z3_max or not can_split:
                    if self.z3_region(r, floor, stop_above):
                        continue
                    if not can_split:
                        if self.expired() or r.search is None or r.search.failures:
                            stuck.append(r)
                            self.out.timed_out = True
                        else:  # time is left: resume the search here with twice the slice
                            r.slice = min(2.0 * self.last_share, MAX_SLICE_S)
                            heapq.heappush(heap, (-r.upper, next(counter), r))
                        continue
                    ran_out = True
                children = self.bisect(r)
                resumable = ran_out and r.search is not None and not r.search.failures
                if resumable and all(c.hard >= r.hard and c.upper >= r.upper for c in children):
                    # The exact search ran out of its slice, and splitting simplifies nothing measurable
                    # (as many unstable relus, no better bound): the split would only repeat the work in
                    # two regions. Search the region again with twice the slice instead (the total stays
                    # within twice what the search needs), rather than splitting ever deeper with the
                    # same slice (weights of magnitude 1e150: 27 regions and 39 s for a 1 s search).
                    r.slice = min(2.0 * self.last_share, MAX_SLICE_S)
                    heapq.heappush(heap, (-r.upper, next(counter), r))
                    continue
                for child in children:
                    if ran_out:
                        # the search's work here is lost with the split: a child gets the slice scaled by
                        # how much fewer unstable relus it has (twice as much when it has as many)
                        child.slice = min(max(self.z3_slice, self.last_share * 2.0 ** (1 + child.hard - r.hard)),
                                          MAX_SLICE_S)
                    self.sample(child, 48, 4)
                    heapq.heappush(heap, (-child.upper, next(counter), child))
        except KeyboardInterrupt:
            self.out.interrupted = True
            if current is not None:
                stuck.append(current)
        open_up = max([r.upper for _, _, r in heap] + [r.upper for r in stuck], default=-1)
        self.out.upper = max(self.out.best, self.closed_upper, open_up)
        return self.out


def run_regions(args: tuple) -> LayerOutcome:
    """Picklable entry for ``verify.executor.run_batch``: one branch-and-bound over some regions."""
    layers, L, tau, boxes, floor, stop_above, timeout, seed, z3_max, split, z3_slice, best_known = args
    deadline = None if timeout is None else time.monotonic() + timeout
    solver = LayerSolver(layers, L, tau, deadline=deadline, seed=seed, z3_max_unstable=z3_max, split=split,
                         z3_slice=z3_slice, input_bound=input_bound(boxes))
    return solver.run(boxes, floor=max(floor, best_known), stop_above=stop_above, root_samples=512, root_rounds=20)
