"""The phase branch and bound over pieces of the input box, run in parallel (``jobs`` > 1).

The float box is cut into pieces along the coordinate of largest width x first-layer weight mass
(the pieces cover it: every cut point is a float shared by both halves), one phase tree per piece
runs in its own process (or on Dask), and the answers combine as a maximum: the box's max-active is
the largest piece's, so the proved upper bound is the largest of the pieces' and the best count the
largest point found. Each process re-decides its points exactly on the original network (its tree
prunes only on exact counts); the parent re-decides the returned points once more.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Sequence

import numpy as np

from sparsecert.sparse_models.network import Dense

from .bounds import network_bounds
from .exact import ExactLayers
from .phase_bnb import PhaseOutcome, PhaseSearch

# one piece per process: with more, the pieces queued behind the first ones start when those reach the shared
# deadline and prove nothing (ACAS Xu 3_3 full nnet-box layer 3 with 2 processes: 50 = the width with 2 per job)
PIECES_PER_JOB = 1


def split_box(xl: np.ndarray, xu: np.ndarray, influence: np.ndarray, pieces: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``pieces`` sub-boxes covering [xl, xu]: the piece of largest width x influence is halved first."""
    boxes = [(np.asarray(xl, float), np.asarray(xu, float))]
    while len(boxes) < pieces:
        score = [float(((b - a) * influence).max()) for a, b in boxes]
        k = int(np.argmax(score))
        if score[k] <= 0:
            break  # every piece is a point: nothing left to cut
        a, b = boxes.pop(k)
        j = int(np.argmax((b - a) * influence))
        mid = 0.5 * (a[j] + b[j])
        left_hi, right_lo = b.copy(), a.copy()
        left_hi[j], right_lo[j] = mid, mid
        boxes.extend([(a, left_hi), (right_lo, b)])
    return boxes


def exact_offer(exact_layers: Sequence[Dense], L: int, exact_tau: float, best_known: int):
    """(offer, found): ``offer(u)`` decides u's count exactly on the original layers and keeps the best
    point in ``found`` ({"count", "point"}), for a worker process to return."""
    exact = ExactLayers(exact_layers)
    found: dict = {"count": best_known, "point": None}

    def offer(u: list[float]) -> int:
        count = len(exact.active([Fraction(v) for v in u], L, exact_tau))
        if count > found["count"]:
            found["count"], found["point"] = count, list(u)
        return count

    return offer, found


def piece_inner(inner, xl: np.ndarray, xu: np.ndarray):
    """The part of the float box inside the exact domain that lies in the piece (None: none)."""
    if inner is None:
        return None
    lo, hi = np.maximum(inner[0], xl), np.minimum(inner[1], xu)
    return (lo, hi) if bool(np.all(lo <= hi)) else None


def local_deadline(wall_deadline: float | None) -> float | None:
    """One deadline for every piece, however the pieces are queued on the processes (wall clock: it
    crosses them), as this process's monotonic time."""
    return None if wall_deadline is None else time.monotonic() + (wall_deadline - time.time())


def run_piece(args: tuple) -> tuple[int, list[float] | None, int, bool, int]:
    """Picklable: one phase tree over one piece -> (best exact count, its point, upper, complete, nodes)."""
    layers, exact_layers, L, tau, exact_tau, xl, xu, inner, floor, stop_above, wall_deadline, best_known = args
    offer, found = exact_offer(exact_layers, L, exact_tau, best_known)
    with np.errstate(over="ignore", invalid="ignore"):
        bounds = network_bounds(layers[: L + 1], xl, xu)
    width = int(layers[L].W.shape[0])
    if not PhaseSearch.supports(layers, L, xl, xu, bounds):
        return best_known, None, width, False, 0
    search = PhaseSearch(layers, L, tau, xl, xu, bounds, piece_inner(inner, xl, xu), offer, best_known,
                         local_deadline(wall_deadline))
    out = search.run(target=floor, stop_above=stop_above)
    return found["count"], found["point"], out.upper, out.complete, out.nodes


def run_pieces(worker, layers: Sequence[Dense], exact_layers: Sequence[Dense], L: int, tau: float, exact_tau: float,
               xl: np.ndarray, xu: np.ndarray, inner, offer, best: int, floor: int, stop_above: int | None,
               timeout: float | None, jobs: int, pieces: int, executor: str | None) -> tuple[list[tuple], int]:
    """``worker`` (:func:`run_piece` or the split search's) over ``pieces`` pieces of the box on ``jobs``
    processes with one wall-clock deadline: (the workers' tuples, the best count after their points
    went to ``offer``, which re-decides each exactly once more here)."""
    from ..executor import run_batch

    boxes = split_box(xl, xu, np.abs(layers[0].W).sum(axis=0), pieces)
    wall_deadline = None if timeout is None else time.time() + timeout
    items = [(tuple(layers), tuple(exact_layers), L, tau, exact_tau, a, b, inner, floor, stop_above, wall_deadline,
              best) for a, b in boxes]
    outs = run_batch(worker, items, jobs=jobs, executor=executor)
    for count, point, _, _, _ in outs:
        if point is not None and count > best:
            best = max(best, offer(point))
    return outs, best


def parallel_phase(layers: Sequence[Dense], exact_layers: Sequence[Dense], L: int, tau: float, exact_tau: float,
                   xl: np.ndarray, xu: np.ndarray, inner, offer, best: int, floor: int, stop_above: int | None,
                   timeout: float | None, jobs: int, executor: str | None) -> PhaseOutcome:
    """Phase trees over ``PIECES_PER_JOB * jobs`` pieces of the box; their points go to ``offer``."""
    outs, best = run_pieces(run_piece, layers, exact_layers, L, tau, exact_tau, xl, xu, inner, offer, best, floor,
                            stop_above, timeout, jobs, PIECES_PER_JOB * jobs, executor)
    upper = max(o[2] for o in outs)
    return PhaseOutcome(best, max(upper, best), all(o[3] for o in outs), sum(o[4] for o in outs), 0.0, 0)
