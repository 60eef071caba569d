"""max_active and check_sparsity: exact answers with witnesses, anytime bounds, UNKNOWN on timeout.

The pipeline (:mod:`sparsecert.verify.engine`): presolve (units always off / always on /
undecided) -> a fast lower bound (sampling and local search, re-checked exactly) -> cheap
upper bounds (implied literals and a clique cover on cubes) -> independent groups of units
-> per group, the solvers of the portfolio's plan (:mod:`sparsecert.verify.portfolio`) in
order until the group is settled. Every count that is claimed comes with a point
re-checked exactly.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from sparsecert.sparse_models import Domain, MLPBlock, Network
from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models.validation import as_count

from .engine.core import Engine
from .goal import Goal
from .backends import BackendName
from .portfolio import METHODS, Method
from .progress import Progress, as_progress
from .results import Interrupted, MaxActive, Unknown, Verified, Violated

__all__ = ["max_active", "check_sparsity", "METHODS", "Method"]


def _float_checked():
    """Float64 overflow on huge weights is expected and harmless here: every float step is either
    checked against a rigorous margin (non-finite values fail the check and go to the exact path)
    or a heuristic whose points are counted exactly. So numpy's warnings are not raised."""
    return np.errstate(over="ignore", invalid="ignore", under="ignore")


def _live(sink: Progress | None):
    """The sink's renderer for the duration of one solve (the line is cleared when it ends)."""
    return sink if sink is not None else nullcontext()


def max_active(block: MLPBlock | Network, domain: Domain, *, tau: float = 0.0, timeout: float | None = None,
               method: Method = "auto", presolve: bool = True, seed: int = 0, backend: BackendName = "z3",
               jobs: int = 1, node_limit: int | None = None, progress: "bool | Progress | None" = False) -> MaxActive:
    """The exact largest number of units active at once on ``domain``, with a witness.

    On timeout the result has ``optimal=False`` (``status`` UNKNOWN) and proved bounds
    ``lower <= max <= upper`` (the upper one from the open branch-and-bound frontier). ``jobs`` > 1 splits large cube scans
    over that many processes. ``node_limit`` is a deterministic budget: at most that many
    branch-and-bound nodes (an LP node counts 1, 1000 compiled cube nodes count 1); with no
    ``timeout`` every heuristic then does a fixed amount of work, so two runs give the same
    answer on any machine. Ctrl-C raises :class:`verify.results.Interrupted` carrying the
    bracket proved so far. ``progress=True`` draws a live line on stderr while the solve runs
    (when stderr is a terminal): the proved bounds, the nodes and the time; a
    :class:`~sparsecert.verify.progress.Progress` may be passed instead (its own stream and
    width). The default is silent.

    Parameters
    ----------
    block : MLPBlock or Network
        The block; a one-hidden-layer :class:`Network` (``from_sklearn``, ``from_torch``) is its block.
    domain : Domain
        ``Hypercube``, ``Box``, ``LinfBall``, ``Polytope`` or ``PointSet`` of dimension ``block.n``.
    tau : float, default 0.0
        Activity threshold: unit i is active at x when z_i(x) > tau (strictly).
    timeout : float or None, default None
        Seconds for the whole solve (None: no limit).
    method : Method, default "auto"
        The portfolio's plan (:data:`~sparsecert.verify.portfolio.METHODS`); ``"z3"`` is ``"smt"``.
    presolve : bool, default True
        Classify units always off / always on first (exact interval bounds).
    seed : int, default 0
        Seed of the heuristics (an optimal answer does not depend on it).
    backend : BackendName, default "z3"
        The exact SMT backend.
    jobs : int, default 1
        Processes for large cube scans.
    node_limit : int or None, default None
        Deterministic budget in branch-and-bound nodes (None: none).
    progress : bool or Progress or None, default False
        A live progress line on stderr (True), a given sink, or silence (False / None).

    Returns
    -------
    MaxActive
        ``lower`` (attained at ``witness``), ``upper`` (proved) and ``optimal`` (``lower == upper``).

    Raises
    ------
    DomainError, ShapeError
        ``domain`` is not a sparsecert domain, or its dimension is not ``block.n``.
    InvalidArgument
        A bad option (unknown ``method``, ``timeout <= 0``, a deep network as ``block``, ...).
    Interrupted
        Ctrl-C; its ``partial`` is the bracket proved so far.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Box, Hypercube, MLPBlock
    >>> from sparsecert.verify import max_active
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> res = max_active(block, Hypercube(2))
    >>> res.lower, res.upper, res.optimal, res.witness.active_units
    (1, 1, True, (0,))
    >>> max_active(block, Box.uniform(2, -1.0, 1.0)).lower  # the box holds more than the cube's vertices
    2
    """
    sink = as_progress(progress, "maxact")
    with _float_checked(), _live(sink):
        eng = Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit, progress=sink)
        got, how = eng.run(Goal.maximise())
    optimal = got.lower >= got.upper
    res = MaxActive(got.lower, got.upper, optimal, witness=got.witness, stats=eng.stats(how),
                    reason="" if optimal else
                    "interrupted" if eng.interrupted else f"{eng.stop_reason()} before the bounds met")
    if eng.interrupted and not optimal:  # Ctrl-C: the caller gets the bracket proved so far
        raise Interrupted(res)
    return res


def check_sparsity(block: MLPBlock | Network, k: int, domain: Domain, *, tau: float = 0.0,
                   timeout: float | None = None, method: Method = "auto", presolve: bool = True, seed: int = 0,
                   backend: BackendName = "z3", jobs: int = 1, node_limit: int | None = None,
                   progress: "bool | Progress | None" = False) -> Verified | Violated | Unknown:
    """Prove that at most ``k`` units are active at once on ``domain``, or give an input where more are.

    The same solve as :func:`max_active`, stopped as soon as "at most k?" is settled: a lower
    bound above ``k`` refutes it, an upper bound at most ``k`` proves it.

    Parameters
    ----------
    block : MLPBlock or Network
        The block; a one-hidden-layer :class:`Network` is its block.
    k : int
        The claimed sparsity, ``0 <= k <= block.s``.
    domain : Domain
        ``Hypercube``, ``Box``, ``LinfBall``, ``Polytope`` or ``PointSet`` of dimension ``block.n``.
    tau : float, default 0.0
        Activity threshold: unit i is active at x when z_i(x) > tau (strictly).
    timeout : float or None, default None
        Seconds for the whole solve (None: no limit).
    method : Method, default "auto"
        The portfolio's plan (:data:`~sparsecert.verify.portfolio.METHODS`); ``"z3"`` is ``"smt"``.
    presolve : bool, default True
        Classify units always off / always on first (exact interval bounds).
    seed : int, default 0
        Seed of the heuristics.
    backend : BackendName, default "z3"
        The exact SMT backend.
    jobs : int, default 1
        Processes for large cube scans.
    node_limit : int or None, default None
        Deterministic budget in branch-and-bound nodes (None: none).
    progress : bool or Progress or None, default False
        A live line of the proved bounds on the maximum, as for :func:`max_active`.

    Returns
    -------
    Verified or Violated or Unknown
        ``Verified`` (``upper <= k`` proved), ``Violated`` (``witness`` has more than ``k``
        active units, re-checked exactly) or ``Unknown`` (the budget ran out; proved ``lower``/``upper``).

    Raises
    ------
    DomainError, ShapeError
        ``domain`` is not a sparsecert domain, or its dimension is not ``block.n``.
    InvalidArgument
        ``k`` out of range, or another bad option (see :func:`max_active`).
    Interrupted
        Ctrl-C before the question was settled; its ``partial`` is an :class:`Unknown`.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.verify import check_sparsity
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]))
    >>> check_sparsity(block, 1, Hypercube(2)).status.value
    'verified'
    >>> refuted = check_sparsity(block, 0, Hypercube(2))
    >>> refuted.status.value, refuted.witness.active_units, refuted.witness.x.tolist()
    ('violated', (0,), [1.0, 1.0])
    """
    block = as_block(block)  # a one-hidden-layer Network is its block
    k = as_count("k", k, low=0, high=block.s)
    sink = as_progress(progress, f"verify k={k}")
    with _float_checked(), _live(sink):
        eng = Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit, progress=sink)
        got, how = eng.run(Goal.at_most(k))
    lo, up, w = got.lower, got.upper, got.witness
    st = eng.stats(how)
    if lo > k:
        res: Verified | Violated | Unknown = Violated(k, w, st)
    elif up <= k:
        res = Verified(k, up, st)
    else:
        res = Unknown(k, lo, up, "interrupted" if eng.interrupted else
                      f"{eng.stop_reason()} before the question was settled", w, st)
        if eng.interrupted:  # Ctrl-C: the caller gets the bracket proved so far
            raise Interrupted(res)
    return res
