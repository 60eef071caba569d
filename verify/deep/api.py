"""Deep networks: ``max_active(network, layer, domain)`` and ``check_sparsity(network, layer, k, domain)``.

The whole network up to ``layer`` is taken into account: proved bounds on every
pre-activation (``bounds``) fix the stable units and give the upper bound stable-on +
unstable; sampling and a local-search attack give lower bounds; branch and bound over
input regions with an exact activation-pattern search (``patterns``, exact rational
LP checks by Z3) closes the gap. Every reported
count is attained at a witness re-checked by the float64 forward pass and exactly in
rational arithmetic; on timeout the answer is UNKNOWN (``optimal=False``) with both
bounds proved. ``verify.max_active`` for single blocks is unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.exact import as_fraction, clamp_rational, floats_if_exact
from sparsecert.sparse_models.validation import as_count
from sparsecert.sparse_models.errors import SoundnessError
from sparsecert.sparse_models.network import Network

from ..executor import Executor, run_batch
from ..results import Interrupted, MaxActive, Stats, Status, Unknown, Verified, Violated, Witness
from ..witness import nearest_inside
from .checks import DeepDomain, InputDomain, SplitMode, as_deep_domain, check_layer, check_network, check_options
from .exact import ExactLayers
from ..backends.highs import HAVE_HIGHS
from .bounds import leak_slope, network_bounds
from .box_split import BoxSplit, SplitOutcome, parallel_split
from .milp import layer_milp
from .phase_bnb import LOW_DIM_INPUTS, PhaseOutcome, PhaseSearch
from .solve import LayerOutcome, LayerSolver, float_box, inner_box, input_bound, run_regions

Z3_MAX_UNSTABLE = 12  # regions with at most this many unstable hidden relus get the exact pattern search
Z3_SLICE_S = 2.0  # seconds the exact search gets on one region before the region is split instead
MILP_SHARE, MILP_CAP_S = 0.2, 5.0  # the big-M MILP heuristic on layers past the first: share of the timeout, cap
# the phase branch and bound's first run, before the MILP heuristic: share of the timeout, by "low-dimensional
# input" (there it splits the input box itself and the heuristic finds nothing it does not: ACAS Xu layers 2-5
# give the MILP no incumbent in 60 s), then its share of what is left after the heuristic
PHASE_FIRST_SHARE = {True: 0.9, False: 0.3}
PHASE_SHARE = 0.85
# low-dimensional inputs: the best-first input splitting's share of the timeout, before the phase tree (it closes
# ACAS Xu prop1 layers 1-5 and bounds the full nnet-box far below the tree: issue 19), and its region budget
# when there is no timeout (then the tree and the region search go on to the end)
SPLIT_SHARE = 0.9
SPLIT_REGIONS = 20_000
# ... and before it a short phase tree run (small networks close at once, and the split search alone is not
# complete: a unit that touches tau at the maximiser keeps every region around it open): share, cap in seconds
QUICK_PHASE_SHARE, QUICK_PHASE_CAP_S = 0.1, 3.0


def deep_witness(network: Network, layer: int, dom: DeepDomain, u: Sequence, count: int, tau: float,
                 exact: ExactLayers | None = None) -> Witness:
    """The witness for a normalised point u with ``count`` exactly-active units, in the domain's coordinates.

    The reported point is a point of the box the user gave, in its coordinates (raw inputs for a
    raw box, before the header's clipping). It is rounded to the nearest float64 inside the box and
    re-checked by the float forward pass (with the header normalisation when the box is raw) and
    exactly. When that float point lies outside the box (a side of the box holds no float64, e.g.
    x_j fixed to 9/20) or loses an active unit, the exact rational point is reported as ``exact_x``
    and ``active_units`` is the exact active set there; otherwise ``active_units`` is the exact
    active set at the float point ``x``.

    Parameters
    ----------
    network : Network
        The network.
    layer : int
        The hidden layer counted.
    dom : DeepDomain
        The input box as :func:`~sparsecert.verify.deep.checks.as_deep_domain` gives it.
    u : sequence of numbers
        The point in normalised coordinates (what the first affine layer sees); Fractions are kept exact.
    count : int
        Active units claimed at ``u`` (checked exactly).
    tau : float
        Activity threshold.
    exact : ExactLayers or None, default None
        The network's layers in rational arithmetic, when the caller has them already.

    Returns
    -------
    Witness
        ``x`` (float64, in the box), ``active_units``, ``float_active_units`` and ``exact_x``
        (the rational point, when ``x`` alone does not show ``count`` units).

    Raises
    ------
    SoundnessError
        ``u`` is not in the box, or has fewer than ``count`` exactly-active units.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> from sparsecert.verify.deep import deep_witness
    >>> from sparsecert.verify.deep.checks import as_deep_domain
    >>> w = deep_witness(net, 0, as_deep_domain(net, Box.uniform(2, -1.0, 1.0)), [1, 1], 1, 0.0)
    >>> w.count, w.active_units, w.x.tolist()
    (1, (0,), [1.0, 1.0])
    """
    exact = exact or ExactLayers(network.layers[: layer + 1])
    uq = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in u]
    x_exact = dom.nmap.to_x(uq, dom.box)
    if not dom.box.contains_exact(x_exact) or dom.nmap.to_u(x_exact) != uq:
        raise SoundnessError(f"witness for layer {layer} lies outside the input box")
    at_exact = exact.active(uq, layer, tau)
    if len(at_exact) < count:
        raise SoundnessError(f"witness for layer {layer} has {len(at_exact)} exactly-active units,"
                             f" {count} were claimed")
    x = floats_if_exact(x_exact)  # the usual case: the point is a float point already
    if x is not None:
        xq, at_x = x_exact, at_exact
    else:
        x = np.array([nearest_inside(q, a, b) for q, a, b in zip(x_exact, dom.box.lower, dom.box.upper)])
        xq = [Fraction(float(v)) for v in x]
        at_x = exact.active(dom.nmap.to_u(xq), layer, tau)
    x.setflags(write=False)
    z = network.pre_activations(x, normalize=dom.nmap.mean is not None)[layer]
    floated = tuple(int(i) for i in np.flatnonzero(z > tau))
    borderline = tuple(sorted(set(at_x) ^ set(floated)))  # float64 and exact disagree at x
    if (xq is x_exact or dom.box.contains_exact(xq)) and len(at_x) >= count:
        return Witness(x, at_x, floated, borderline)
    return Witness(x, at_exact, floated, borderline, tuple(x_exact))


def _first_layer_block(network: Network, dom: DeepDomain, tau: float, solver: LayerSolver, timeout: float | None,
                       seed: int) -> int | None:
    """Layer 0 is a single block: ask the block core (verify.max_active) over the float box enclosing
    the exact normalised box. Its proved upper bound holds for the exact box (a subset); its witness
    counts only when it lies in the exact box, and is re-decided exactly by ``solver.offer``."""
    from sparsecert.sparse_models import MLPBlock

    from ..api import max_active as block_max_active

    block = MLPBlock(network.layers[0].W, network.layers[0].b)
    fl, fh = float_box(dom.ulo, dom.uhi)
    if not (np.isfinite(fl).all() and np.isfinite(fh).all()):
        return None  # a box past the float range has no float Box around it: the exact search alone
    res = block_max_active(block, Box(fl, fh), tau=tau, timeout=timeout, seed=seed)
    solver.out.solver_calls += res.stats.solver_calls
    _offer_inside(solver, res.witness, dom)
    if solver.out.best < res.upper:
        # the witness sat in the outward float rim (outside the exact box): the same question on a
        # float box inside the exact one supplies a point of the exact box
        inner = inner_box(dom.ulo, dom.uhi)
        if inner is not None:
            res_in = block_max_active(block, Box(*inner), tau=tau, timeout=timeout, seed=seed)
            solver.out.solver_calls += res_in.stats.solver_calls
            _offer_inside(solver, res_in.witness, dom)
    return res.upper


def _offer_inside(solver: LayerSolver, w, dom: DeepDomain) -> None:
    """Offer a block witness, moved into the exact box (the offer re-decides its count exactly)."""
    if w is None:
        return
    point = w.exact_x if w.exact_x is not None else [Fraction(float(v)) for v in w.x]
    solver.offer([clamp_rational(as_fraction(p), a, b) for p, a, b in zip(point, dom.ulo, dom.uhi)])


def _milp_primal(layers, L: int, dom: DeepDomain, solver: LayerSolver, timeout: float | None) -> None:
    """HiGHS's big-M MILP for layer L as a primal heuristic (:mod:`.milp`), on a float box inside
    the exact one; its point is offered to the exact search, which re-decides its count."""
    if not HAVE_HIGHS or any(leak_slope(layer) != 0.0 for layer in layers[:L]):
        return  # (the big-M model is written for ReLU layers)
    inner = inner_box(dom.ulo, dom.uhi)
    if inner is None or not (np.isfinite(inner[0]).all() and np.isfinite(inner[1]).all()):
        return
    lo, hi = (np.asarray(v, float) for v in inner)
    limit = MILP_CAP_S if timeout is None else min(MILP_CAP_S, MILP_SHARE * timeout)
    found = layer_milp(layers, L, lo, hi, limit)
    if found["point"] is not None:
        solver.offer([float(v) for v in np.clip(found["point"], lo, hi)])


def _phase_search(layers, L: int, dom: DeepDomain, solver: LayerSolver, tau: float) -> PhaseSearch | None:
    """The phase branch and bound for layer L (:mod:`.phase_bnb`) over the float box enclosing the exact
    one, on the original weights when their bounds sit well inside HiGHS's range (the LPs are best
    conditioned there), else on the exactly rescaled copy; None when neither fits or a layer is not ReLU."""
    if not HAVE_HIGHS:
        return None
    fl, fh = float_box(dom.ulo, dom.uhi)
    if not (np.isfinite(fl).all() and np.isfinite(fh).all()):
        return None
    inner = inner_box(dom.ulo, dom.uhi)
    candidates = ((solver.layers, tau), (solver.slayers, solver.stau))
    for net_layers, threshold in candidates:
        with np.errstate(over="ignore", invalid="ignore"):
            bounds = network_bounds(net_layers[: L + 1], fl, fh)
        if PhaseSearch.supports(net_layers, L, fl, fh, bounds):
            return PhaseSearch(net_layers, L, threshold, fl, fh, bounds, inner, solver.offer, solver.out.best, None)
    return None


def _run_phase(search: PhaseSearch, solver: LayerSolver, share: float | None, floor: int,
               stop_above: int | None, cap_s: float | None = None):
    """Run (or resume) the phase search for ``share`` of the time left (None: to the end), at most
    ``cap_s`` seconds when given."""
    rem = solver.remaining()
    deadline = None if rem is None or share is None else time.monotonic() + share * max(rem, 0.0)
    if cap_s is not None:
        deadline = time.monotonic() + cap_s if deadline is None else min(deadline, time.monotonic() + cap_s)
    search.best = max(search.best, solver.out.best)
    try:
        return search.run(target=floor, stop_above=stop_above, deadline=deadline)
    except KeyboardInterrupt:  # the open tree's bound still covers the box (the node in hand went back)
        solver.out.interrupted = True
        return search.outcome(floor, stop_above)


def _parallel_phase_stage(phase: PhaseSearch, layers, L: int, dom: DeepDomain, solver: LayerSolver, tau: float,
                          timeout: float | None, floor: int, stop_above: int | None, jobs: int, executor, low_dim: bool,
                          settled):
    """``jobs`` > 1: the MILP heuristic (high-dimensional inputs), then phase trees over pieces of the box in
    parallel (:mod:`.phase_pieces`) for 90% of the time left."""
    from .phase_pieces import parallel_phase

    if not low_dim:
        _milp_primal(layers, L, dom, solver, timeout)
    rem = solver.remaining()
    try:
        out = parallel_phase(phase.layers, solver.layers, L, phase.tau, tau, phase.xl, phase.xu, phase.inner,
                             solver.offer, solver.out.best, floor, stop_above,
                             None if rem is None else 0.9 * max(rem, 0.0), jobs, executor)
    except KeyboardInterrupt:  # nothing proved by the pieces: the width bounds the layer
        solver.out.interrupted = True
        return PhaseOutcome(solver.out.best, int(layers[L].W.shape[0]), False, 0, 0.0, 0), False
    return out, settled(out)


def _phase_stage(layers, L: int, dom: DeepDomain, solver: LayerSolver, root, tau: float, timeout: float | None,
                 floor: int, stop_above: int | None, jobs: int = 1, executor=None):
    """The searches past the first layer: (the last outcome, its upper bound the smallest proved, or None;
    whether it settled the layer). High-dimensional inputs: the phase branch and bound, the MILP heuristic
    and the same tree resumed. Low-dimensional inputs: a short phase tree run (it closes small networks
    at once), the best-first input splitting, then the phase tree again."""
    def settled(o) -> bool:
        return o.complete or solver.out.best >= o.upper or (stop_above is not None and solver.out.best > stop_above)

    solver.sample(root, 1024, 20)  # sampling, local search and the gradient attack: an incumbent before any tree
    phase = _phase_search(layers, L, dom, solver, tau)
    if len(dom.ulo) > LOW_DIM_INPUTS:
        return _phase_trees(phase, layers, L, dom, solver, tau, timeout, floor, stop_above, jobs, executor, False,
                            settled)
    quick = None
    if phase is not None:
        quick = _run_phase(phase, solver, QUICK_PHASE_SHARE, floor, stop_above, QUICK_PHASE_CAP_S)
        if settled(quick) or solver.out.interrupted:
            return quick, settled(quick)
    split = _split_stage(L, dom, solver, timeout, floor, stop_above, jobs, executor)
    if solver.out.interrupted:  # Ctrl-C in the split search: the smaller of its frontier's and the tree's bound
        upper = min(int(layers[L].W.shape[0]) if split is None else split.upper,
                    int(layers[L].W.shape[0]) if quick is None else quick.upper)
        return PhaseOutcome(solver.out.best, max(upper, solver.out.best), False, 0, 0.0, 0), False
    if split is not None and settled(split):
        return PhaseOutcome(solver.out.best, split.upper, split.complete, 0, 0.0, 0), True
    phase_out, done = _phase_trees(phase, layers, L, dom, solver, tau, timeout, floor, stop_above, jobs, executor,
                                   True, settled)
    if split is None:
        return phase_out, done
    if phase_out is None:  # no phase tree (a leaky layer, or no HiGHS): the split search's bound
        return PhaseOutcome(solver.out.best, max(split.upper, solver.out.best), False, 0, 0.0, 0), settled(split)
    # both bounds are proved for the whole box: keep the smaller
    return replace(phase_out, upper=min(phase_out.upper, split.upper)), done or settled(split)


def _split_stage(L: int, dom: DeepDomain, solver: LayerSolver, timeout: float | None, floor: int,
                 stop_above: int | None, jobs: int, executor) -> SplitOutcome | None:
    """Low-dimensional inputs: best-first input splitting with DeepPoly bounds (:mod:`.box_split`) on the
    exactly rescaled layers, for SPLIT_SHARE of the time left (without a timeout, SPLIT_REGIONS regions),
    over ``jobs`` pieces in parallel when jobs > 1; None when the box has no finite float enclosure."""
    fl, fh = float_box(dom.ulo, dom.uhi)
    if not (np.isfinite(fl).all() and np.isfinite(fh).all()):
        return None
    inner = inner_box(dom.ulo, dom.uhi)
    rem = solver.remaining()
    budget = None if rem is None else SPLIT_SHARE * max(rem, 0.0)
    search = None
    try:
        if jobs > 1:
            out = parallel_split(solver.slayers, solver.layers, L, solver.stau, solver.tau, fl, fh, inner,
                                 solver.offer, solver.out.best, floor, stop_above, budget, jobs, executor)
        else:
            search = BoxSplit(solver.slayers, L, solver.stau, fl, fh, inner, solver.offer, solver.out.best)
            out = search.run(floor, stop_above, None if budget is None else time.monotonic() + budget,
                             SPLIT_REGIONS if budget is None else None)
    except KeyboardInterrupt:  # one process: its frontier still covers the box; pieces or no root yet: nothing
        solver.out.interrupted = True
        out = None if search is None else search.outcome(floor, stop_above)
    if out is not None:
        solver.out.notes.append(f"input splitting: {out.regions} regions, upper bound {out.upper}")
    return out


def _phase_trees(phase: PhaseSearch | None, layers, L: int, dom: DeepDomain, solver: LayerSolver, tau: float,
                 timeout: float | None, floor: int, stop_above: int | None, jobs: int, executor, low_dim: bool,
                 settled):
    """The phase tree (one, run or resumed, or one per piece in parallel), with the MILP heuristic for
    high-dimensional inputs."""
    if phase is not None and jobs > 1:  # one tree per piece of the box, in parallel
        return _parallel_phase_stage(phase, layers, L, dom, solver, tau, timeout, floor, stop_above, jobs, executor,
                                     low_dim, settled)
    phase_out = None
    if phase is not None:  # a first run: easy layers are closed here, before any heuristic
        phase_out = _run_phase(phase, solver, None if timeout is None else PHASE_FIRST_SHARE[low_dim], floor,
                               stop_above)
        if settled(phase_out):
            return phase_out, True
    if solver.out.interrupted or (phase is not None and low_dim):
        return phase_out, False
    _milp_primal(layers, L, dom, solver, timeout)
    if phase is None:
        return None, False
    phase_out = _run_phase(phase, solver, None if timeout is None else PHASE_SHARE, floor, stop_above)
    return phase_out, settled(phase_out)


def _presplit(solver: LayerSolver, lo, hi, pieces: int) -> list[tuple]:
    boxes = [solver.evaluate(lo, hi, 0)]
    while len(boxes) < pieces:
        boxes.sort(key=lambda r: -r.upper)
        r = boxes.pop(0)
        boxes.extend(solver.bisect(r))
    return [(r.lo, r.hi) for r in boxes]


def _solve(network: Network, L: int, dom: DeepDomain, tau: float, timeout: float | None, seed: int, jobs: int,
           split: str, executor: str | None, k: int | None) -> tuple[LayerOutcome, Stats, Witness | None]:
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    layers = network.layers[: L + 1]
    floor, stop_above = (-1, None) if k is None else (k, k)
    solver = LayerSolver(layers, L, tau, deadline=deadline, seed=seed, z3_max_unstable=Z3_MAX_UNSTABLE,
                         split=split == "auto", z3_slice=Z3_SLICE_S, input_bound=input_bound([(dom.ulo, dom.uhi)]))
    root = solver.evaluate(dom.ulo, dom.uhi, 0)
    on, off, und = solver.counts(root)
    block_upper = None
    if L == 0 and und > 0:
        try:
            block_upper = _first_layer_block(network, dom, tau, solver, None if timeout is None else timeout / 2, seed)
        except Interrupted as stop:  # its upper bound holds for the exact box; its witness may not
            solver.out.interrupted = True
            block_upper = stop.partial.upper
    phase_out, phase_done = _phase_stage(layers, L, dom, solver, root, tau, timeout, floor, stop_above,
                                         jobs if split == "auto" else 1, executor) \
        if L >= 1 and und > 0 else (None, False)
    if phase_out is not None and solver.out.interrupted and not phase_done:
        block_upper = phase_out.upper  # Ctrl-C in the phase search: its bound and the exact points so far
    settled = block_upper is not None and solver.out.best >= block_upper
    if phase_done:
        out = solver.out
        out.upper = max(out.best, phase_out.upper)
        out.notes.append(f"phase branch and bound: {phase_out.nodes} LP nodes, {phase_out.tightened} bounds tightened")
    elif settled or solver.out.interrupted:
        out = solver.out  # the block core settled layer 0 and its witness lies in the exact box
        if settled:
            out.notes.append("layer 0 settled by the single-block core")
        else:  # Ctrl-C inside the block core: its proved upper bound and the exact points so far
            out.upper = max(out.best, block_upper)
    elif jobs == 1 or split == "never":
        out = solver.run([(dom.ulo, dom.uhi)], floor=floor, stop_above=stop_above)
    else:
        solver.sample(root, 4096, 60)
        if solver.out.best >= root.upper or (k is not None and (solver.out.best > k or root.upper <= k)):
            out = solver.run([(dom.ulo, dom.uhi)], floor=floor, stop_above=stop_above)
        else:
            boxes = _presplit(solver, dom.ulo, dom.uhi, 4 * jobs)
            chunks = [boxes[i::jobs] for i in range(jobs)]
            rem = solver.remaining()
            items = [(tuple(layers), L, tau, chunk, floor, stop_above, rem, seed + 1 + i, Z3_MAX_UNSTABLE,
                      True, Z3_SLICE_S, solver.out.best) for i, chunk in enumerate(chunks)]
            outs = run_batch(run_regions, items, jobs=jobs, executor=executor)
            out = solver.out
            for o in outs:
                if o.best > out.best and o.point is not None:
                    out.best, out.point = solver.offer(o.point), o.point
                out.regions += o.regions
                out.max_depth = max(out.max_depth, o.max_depth)
                out.solver_calls += o.solver_calls
                out.rechecks += o.rechecks
                out.timed_out |= o.timed_out
            out.upper = max([out.best, root.upper if not outs else -1] + [o.upper for o in outs])
            out.notes.append(f"{len(boxes)} regions over {jobs} processes")
    if phase_out is not None and not phase_done:  # both bounds are proved for the whole box: keep the smaller
        out.upper = max(out.best, min(out.upper, phase_out.upper))
        out.notes.append(f"phase branch and bound: {phase_out.nodes} LP nodes, upper bound {phase_out.upper}")
    if block_upper is not None:
        # both bounds are proved for the whole box: keep the smaller (the search's frontier bound
        # counts even when it timed out before popping a region)
        out.upper = max(out.best, block_upper if settled else min(out.upper, block_upper))
    witness = _witness(network, L, dom, tau, out, solver)
    method = "presolve" if und == 0 else ("phase-lp" if phase_done else "split+z3" if out.regions > 1 else
                                          ("z3" if out.solver_calls else "relaxation"))
    notes = list(dom.notes) + out.notes + [f"regions {out.regions}, max split depth {out.max_depth}"]
    notes += ["timeout"] * out.timed_out + ["interrupted"] * out.interrupted
    stats = Stats(time.monotonic() - start, "highs" if phase_done else "z3", method, int(layers[L].W.shape[0]), off, on, und,
                  out.solver_calls, out.rechecks, tuple(notes))
    return out, stats, witness


def _witness(network: Network, L: int, dom: DeepDomain, tau: float, out: LayerOutcome,
             solver: LayerSolver) -> Witness | None:
    """The witness of the best count, re-checked (Ctrl-C may fall between a count and its point)."""
    if out.point is None:
        return None
    witness = deep_witness(network, L, dom, out.point, out.best, tau, solver.exact)
    if out.interrupted:  # the witness decides
        out.best = min(out.best, witness.count)
    if witness.count < out.best:
        raise SoundnessError(f"layer {L}: witness has {witness.count} active units, {out.best} claimed")
    return witness


def max_active(network: Network, layer: "int | str", domain: InputDomain, *, tau: float = 0.0,
               timeout: float | None = None, seed: int = 0, jobs: int = 1, split: SplitMode = "auto",
               executor: Executor | None = None) -> "MaxActive | LayerTable":
    """The exact largest number of units of hidden ``layer`` active at once over the input box ``domain``.

    ``layer='all'`` gives a :class:`LayerTable` (``timeout`` then applies per layer).
    On timeout ``optimal=False`` (status UNKNOWN) and ``lower <= max <= upper`` are both proved.

    Parameters
    ----------
    network : Network
        A feed-forward network with piecewise-linear hidden activations (relu, leaky_relu).
    layer : int or "all"
        The hidden layer, ``0 <= layer < network.hidden_layers``, or ``"all"``.
    domain : InputDomain
        An :class:`InputBox`, a :class:`~sparsecert.sparse_models.Box` of raw inputs,
        :func:`read_vnnlib`'s result or :func:`nnet_box`.
    tau : float, default 0.0
        Activity threshold: a unit is active when its pre-activation is > tau.
    timeout : float or None, default None
        Seconds (per layer for ``'all'``; None: no limit).
    seed : int, default 0
        Seed of the sampling and local-search heuristics.
    jobs : int, default 1
        Processes over which input regions are split.
    split : SplitMode, default "auto"
        ``"auto"`` splits the input box into regions for branch and bound; ``"never"`` keeps one region.
    executor : Executor or None, default None
        Where regions run (``"serial"``, ``"processes"``, ``"dask"``; None: chosen from ``jobs``).

    Returns
    -------
    MaxActive or LayerTable
        ``lower`` (attained at ``witness``, a point of ``domain``), ``upper`` and ``optimal``;
        for ``layer='all'`` one :class:`MaxActive` per hidden layer.

    Raises
    ------
    InvalidArgument
        Not a :class:`Network`, an activation without an exact encoding, a bad layer or option,
        or a domain that is not an input box.
    DomainError, ShapeError
        An empty box, or one of the wrong dimension.
    Interrupted
        Ctrl-C; its ``partial`` carries the bounds proved so far.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> from sparsecert.verify.deep import max_active
    >>> res = max_active(net, 1, Box.uniform(2, -1.0, 1.0))
    >>> res.lower, res.upper, res.optimal
    (2, 2, True)
    """
    network = check_network(network)
    if layer == "all":
        return max_active_all_layers(network, domain, tau=tau, timeout=timeout, seed=seed, jobs=jobs, split=split,
                                     executor=executor)
    L = check_layer(network, layer)
    tau, timeout, jobs = check_options(tau, timeout, jobs, split)
    out, stats, w = _solve(network, L, as_deep_domain(network, domain), tau, timeout, seed, jobs, split, executor, None)
    return _layer_result(out, stats, w)


def _layer_result(out: LayerOutcome, stats: Stats, w: Witness | None) -> MaxActive:
    """One layer's MaxActive; Ctrl-C during its search raises Interrupted with the bracket."""
    optimal = out.best >= out.upper
    res = MaxActive(max(out.best, 0), max(out.upper, out.best, 0), optimal, witness=w, stats=stats,
                    reason="" if optimal else "interrupted" if out.interrupted else "timeout before the bounds met")
    if out.interrupted and not optimal:
        raise Interrupted(res)
    return res


@dataclass(frozen=True, eq=False)
class LayerTable:
    """Max-active per hidden layer over one domain; ``status`` is VERIFIED when every layer's max
    is proved, else UNKNOWN (``lower`` / ``upper``: the per-layer bounds)."""

    results: tuple[MaxActive, ...]
    widths: tuple[int, ...]
    time_s: float

    @property
    def optimal(self) -> bool:
        return all(r.optimal for r in self.results)

    @property
    def status(self) -> Status:
        return Status.combine(r.status for r in self.results)

    @property
    def lower(self) -> tuple[int, ...]:
        return tuple(r.lower for r in self.results)

    @property
    def upper(self) -> tuple[int, ...]:
        return tuple(r.upper for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"optimal": self.optimal, "time_s": round(self.time_s, 6),
                "layers": [{"layer": i, "width": w, **r.as_dict()} for i, (w, r) in
                           enumerate(zip(self.widths, self.results))]}

    def format(self) -> str:
        lines = [f"{'layer':>5} {'width':>5} {'max active':>12} {'proved':>7} {'stable on/off/unst':>19} {'time s':>8}"]
        for i, (w, r) in enumerate(zip(self.widths, self.results)):
            val = f"{r.lower}" if r.optimal else f"[{r.lower}, {r.upper}]"
            st = r.stats
            lines.append(f"{i:>5} {w:>5} {val:>12} {'yes' if r.optimal else 'no':>7}"
                         f" {f'{st.units_fixed_on}/{st.units_fixed_off}/{st.units_undecided}':>19} {st.time_s:>8.2f}")
        return "\n".join(lines)


def max_active_all_layers(network: Network, domain: InputDomain, *, tau: float = 0.0, timeout: float | None = None,
                          seed: int = 0, jobs: int = 1, split: SplitMode = "auto",
                          executor: Executor | None = None) -> LayerTable:
    """The max-active table for every hidden layer (``timeout`` is per layer).

    Parameters
    ----------
    network : Network
        A feed-forward network with piecewise-linear hidden activations.
    domain : InputDomain
        An :class:`InputBox`, a raw-input :class:`~sparsecert.sparse_models.Box`,
        :func:`read_vnnlib`'s result or :func:`nnet_box`.
    tau : float, default 0.0
        Activity threshold: a unit is active when its pre-activation is > tau.
    timeout : float or None, default None
        Seconds per layer (None: no limit).
    seed : int, default 0
        Seed of the sampling and local-search heuristics.
    jobs : int, default 1
        Processes over which input regions are split.
    split : SplitMode, default "auto"
        ``"auto"`` splits the input box into regions for branch and bound; ``"never"`` keeps one region.
    executor : Executor or None, default None
        Where regions run (``"serial"``, ``"processes"``, ``"dask"``; None: chosen from ``jobs``).

    Returns
    -------
    LayerTable
        ``results`` (one :class:`MaxActive` per hidden layer), ``widths``, ``lower`` /
        ``upper`` per layer, ``optimal`` and ``format()`` (a text table).

    Raises
    ------
    InvalidArgument
        Not a :class:`Network`, an activation without an exact encoding, a bad layer or option,
        or a domain that is not an input box.
    DomainError, ShapeError
        An empty box, or one of the wrong dimension.
    Interrupted
        Ctrl-C; its ``partial`` carries the bounds proved so far.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> from sparsecert.verify import max_active_all_layers
    >>> table = max_active_all_layers(net, Box.uniform(2, -1.0, 1.0))
    >>> table.widths, table.lower, table.optimal
    ((3, 2), (2, 2), True)
    """
    network = check_network(network)
    tau, timeout, jobs = check_options(tau, timeout, jobs, split)
    dom = as_deep_domain(network, domain)
    start = time.monotonic()
    results = []
    for L in range(network.hidden_layers):
        out, stats, w = _solve(network, L, dom, tau, timeout, seed, jobs, split, executor, None)
        try:
            results.append(_layer_result(out, stats, w))
        except Interrupted as stop:  # the table so far, the interrupted layer last
            raise Interrupted(LayerTable(tuple(results) + (stop.partial,), network.widths[:L + 1],
                                         time.monotonic() - start)) from None
    return LayerTable(tuple(results), network.widths, time.monotonic() - start)


def check_sparsity(network: Network, layer: int, k: int, domain: InputDomain, *, tau: float = 0.0,
                   timeout: float | None = None, seed: int = 0, jobs: int = 1, split: SplitMode = "auto",
                   executor: Executor | None = None) -> Verified | Violated | Unknown:
    """Prove that at most ``k`` units of hidden ``layer`` are active at once on ``domain``, or refute it.

    Parameters
    ----------
    network : Network
        A feed-forward network with piecewise-linear hidden activations.
    layer : int
        The hidden layer, ``0 <= layer < network.hidden_layers``.
    k : int
        The claimed sparsity, ``0 <= k <= network.widths[layer]``.
    domain : InputDomain
        An :class:`InputBox`, a raw-input :class:`~sparsecert.sparse_models.Box`,
        :func:`read_vnnlib`'s result or :func:`nnet_box`.
    tau : float, default 0.0
        Activity threshold: a unit is active when its pre-activation is > tau.
    timeout : float or None, default None
        Seconds (None: no limit).
    seed : int, default 0
        Seed of the sampling and local-search heuristics.
    jobs : int, default 1
        Processes over which input regions are split.
    split : SplitMode, default "auto"
        ``"auto"`` splits the input box into regions for branch and bound; ``"never"`` keeps one region.
    executor : Executor or None, default None
        Where regions run (``"serial"``, ``"processes"``, ``"dask"``; None: chosen from ``jobs``).

    Returns
    -------
    Verified or Violated or Unknown
        ``Verified`` (at most ``k`` proved), ``Violated`` (``witness``: a point of ``domain``
        with more than ``k`` active units) or ``Unknown`` (timeout; proved ``lower`` / ``upper``).

    Raises
    ------
    InvalidArgument
        Not a :class:`Network`, an activation without an exact encoding, a bad layer or option,
        or a domain that is not an input box.
    DomainError, ShapeError
        An empty box, or one of the wrong dimension.
    Interrupted
        Ctrl-C; its ``partial`` carries the bounds proved so far.

    Examples
    --------
    >>> from sparsecert.sparse_models import Box, Dense, Network
    >>> net = Network([Dense([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [0.0, 0.0, -1.0], "relu"),
    ...                Dense([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [0.0, -0.5], "relu"),
    ...                Dense([[1.0, 1.0]], [0.0])])
    >>> from sparsecert.verify.deep import check_sparsity
    >>> check_sparsity(net, 1, 2, Box.uniform(2, -1.0, 1.0)).status.value
    'verified'
    >>> check_sparsity(net, 1, 1, Box.uniform(2, -1.0, 1.0)).witness.active_units
    (0, 1)
    """
    network = check_network(network)
    L = check_layer(network, layer)
    k = as_count("k", k, low=0, high=network.widths[L])
    tau, timeout, jobs = check_options(tau, timeout, jobs, split)
    out, stats, w = _solve(network, L, as_deep_domain(network, domain), tau, timeout, seed, jobs, split, executor, k)
    if out.best > k and w is not None:
        return Violated(k, w, stats)
    if out.upper <= k:
        return Verified(k, max(out.upper, out.best), stats)
    res = Unknown(k, max(out.best, 0), out.upper, "interrupted" if out.interrupted else
                  "timeout before the question was settled", w, stats)
    if out.interrupted:
        raise Interrupted(res)
    return res
