"""Best-first input splitting with DeepPoly bounds: max-active of one layer for low-dimensional inputs.

The float box is split in halves, always the open region of largest proved count first, each half
on the coordinate of largest width x first-layer weight mass. A region's count bound is the
number of units of layer L that DeepPoly (:func:`.bounds.network_bounds`, outward rounded) leaves
able to exceed tau there, capped by its parent's; a region whose bound cannot beat the best exact
count (or the k of a k-check) is closed. The regions cover the box (every cut is a float shared by
both halves), so the largest open bound is a proved upper bound at every moment, and the search is
complete when no region is left. It is not complete in general (a unit that reaches tau exactly at
the maximiser keeps every region around it open), so it stops when its bound stalls. The centre
of every region split is tried as a point (clipped into a float box inside the exact domain), and
a float count above the best is re-decided exactly by the caller (``offer``).

Why: on ACAS Xu (5 inputs) a node here costs ~1-2 ms against several for the phase tree's LP, and
the bound that matters is the frontier's maximum: ACAS Xu 3_3, prop1 box, layer 5 reaches 9 (the
maximum) in about 40 s of one core this way, where the phase tree alone holds [9, 12] after 60 s,
and on the full nnet-box of 1_1 layer 2 the frontier reaches 39 in 60 s where the phase tree stays
at 50. Soundness argument: docs/theory.md §7.11 [DERIVED].
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from .bounds import network_bounds
from .search import pre_activation


# the search gives up (``stalled``) when the frontier's largest bound has not fallen in this many splits, or
# in as many as it took to reach it, whichever is more: on ACAS Xu each step down takes at most about as many
# splits as all before it (the first step on the full nnet-box of 1_1, layer 2, 2689: 2000 stalled it there),
# while a unit that only touches tau at the maximiser keeps the bound up for ever
STALL_POPS = 4000


@dataclass(frozen=True)
class SplitOutcome:
    """``best``: the best exact count confirmed by ``offer``; ``upper``: proved bound on the box;
    ``complete``: every region closed (``upper`` is then the max when ``best == upper``); ``regions``:
    regions bounded."""

    best: int
    upper: int
    complete: bool
    regions: int


class BoxSplit:
    """Best-first input splitting for layer ``L`` of ``layers`` over the float box [xl, xu] (see the
    module docstring); ``inner`` is a float box inside the exact domain (None: no float lies in it),
    ``offer(u)`` re-decides a point's count exactly and returns it."""

    def __init__(self, layers: Sequence[Dense], L: int, tau: float, xl: np.ndarray, xu: np.ndarray,
                 inner: tuple[np.ndarray, np.ndarray] | None, offer: Callable[[list[float]], int], best: int) -> None:
        self.layers, self.L, self.tau = tuple(layers[: L + 1]), L, float(tau)
        self.width = int(self.layers[L].W.shape[0])
        self.inner, self.offer, self.best = inner, offer, best
        self.influence = np.abs(self.layers[0].W).sum(axis=0)
        self.regions = 0
        self.undecided = -1  # the largest bound of a region too small to split (never counted as closed)
        self.current: tuple | None = None  # the region in hand (pushed back on Ctrl-C)
        # progress: the frontier's largest bound, and the split count when it last fell
        self.pops, self.last_drop, self.stalled = 0, 0, False
        self._seq = itertools.count()
        xl, xu = np.asarray(xl, float), np.asarray(xu, float)
        self.heap: list[tuple[int, int, np.ndarray, np.ndarray]] = [(-self._bound(xl, xu, self.width), 0, xl, xu)]
        self.top = -self.heap[0][0]

    def _bound(self, xl: np.ndarray, xu: np.ndarray, cap: int) -> int:
        self.regions += 1
        with np.errstate(over="ignore", invalid="ignore"):
            nb = network_bounds(self.layers, xl, xu, depth=self.L + 1)
        up = nb.upper[self.L]
        # a NaN bound (overflow) proves nothing: count the unit as able to fire
        return min(cap, int((~(up <= self.tau)).sum()))

    def _try_centre(self, xl: np.ndarray, xu: np.ndarray) -> None:
        if self.inner is None:
            return
        u = np.clip(xl / 2 + xu / 2, *self.inner)
        if int((pre_activation(self.layers, self.L, u[None, :])[0] > self.tau).sum()) > self.best:
            self.best = max(self.best, self.offer([float(v) for v in u]))

    def run(self, target: int = -1, stop_above: int | None = None, deadline: float | None = None,
            max_regions: int | None = None) -> SplitOutcome:
        """Split until closed, stopped (best > stop_above), past ``deadline`` or past ``max_regions``
        bounded in this call; ``target`` closes what cannot beat it. A later call resumes (raise ``best``
        first when the caller found better points). Ctrl-C puts the region in hand back first."""
        last = None if max_regions is None else self.regions + max_regions
        try:
            self._loop(target, stop_above, deadline, last)
        except KeyboardInterrupt:  # the frontier must still cover the box
            if self.current is not None:
                heapq.heappush(self.heap, self.current)
                self.current = None
            raise
        return self.outcome(target, stop_above)

    def _loop(self, target: int, stop_above: int | None, deadline: float | None, last: int | None) -> None:
        heap = self.heap
        while heap:
            if stop_above is not None and self.best > stop_above:
                break
            if -heap[0][0] <= max(self.best, target):
                heap.clear()  # the largest open bound is beaten: every region is
                break
            if (deadline is not None and time.monotonic() >= deadline) or (last is not None and self.regions >= last):
                break
            if -heap[0][0] < self.top:
                self.top, self.last_drop = -heap[0][0], self.pops
            elif self.pops - self.last_drop > max(STALL_POPS, self.last_drop):
                self.stalled = True  # no progress in as many splits as it took to get here: the tree's turn
                break
            self.pops += 1
            self.current = heapq.heappop(heap)
            neg, _, xl, xu = self.current
            self._try_centre(xl, xu)
            j = int(np.argmax((xu - xl) * self.influence))
            mid = xl[j] / 2 + xu[j] / 2
            if not xl[j] < mid < xu[j]:  # the widest side spans adjacent floats: nothing left to halve
                self.undecided = max(self.undecided, -neg)
                self.current = None
                continue
            for a, b in ((xl[j], mid), (mid, xu[j])):
                cl, cu = xl.copy(), xu.copy()
                cl[j], cu[j] = a, b
                bound = self._bound(cl, cu, -neg)
                if bound > max(self.best, target):
                    heapq.heappush(heap, (-bound, next(self._seq), cl, cu))
            self.current = None  # replaced by its halves

    def outcome(self, target: int = -1, stop_above: int | None = None) -> SplitOutcome:
        """What is proved now (the open regions' largest bound, or the best count when none is left)."""
        if stop_above is not None and self.best > stop_above:
            return SplitOutcome(self.best, self.width, False, self.regions)
        frontier = max(-self.heap[0][0] if self.heap else -1, self.undecided)
        upper = min(max(self.best, target, frontier), self.width)
        return SplitOutcome(self.best, upper, not self.heap and self.undecided <= max(self.best, target), self.regions)


def run_split_piece(args: tuple) -> tuple[int, list[float] | None, int, bool, int]:
    """Picklable: the split search over one piece -> (best exact count, its point, upper, complete, regions)."""
    from .phase_pieces import exact_offer, local_deadline, piece_inner

    layers, exact_layers, L, tau, exact_tau, xl, xu, inner, floor, stop_above, wall_deadline, best_known = args
    offer, found = exact_offer(exact_layers, L, exact_tau, best_known)
    search = BoxSplit(layers, L, tau, xl, xu, piece_inner(inner, xl, xu), offer, best_known)
    out = search.run(target=floor, stop_above=stop_above, deadline=local_deadline(wall_deadline))
    return found["count"], found["point"], out.upper, out.complete, out.regions


def parallel_split(layers: Sequence[Dense], exact_layers: Sequence[Dense], L: int, tau: float, exact_tau: float,
                   xl: np.ndarray, xu: np.ndarray, inner, offer, best: int, floor: int, stop_above: int | None,
                   timeout: float | None, jobs: int, executor: str | None) -> SplitOutcome:
    """The split search over ``jobs`` pieces of the box, one per process; their points go to ``offer``
    (re-decided exactly here too). The box's bound is the largest piece's."""
    from .phase_pieces import run_pieces

    outs, best = run_pieces(run_split_piece, layers, exact_layers, L, tau, exact_tau, xl, xu, inner, offer, best, floor,
                            stop_above, timeout, jobs, jobs, executor)
    width = int(layers[L].W.shape[0])
    upper = width if stop_above is not None and best > stop_above else max(max(o[2] for o in outs), best)
    return SplitOutcome(best, upper, all(o[3] for o in outs), sum(o[4] for o in outs))
