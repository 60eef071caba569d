"""max_active and check_sparsity: exact answers with witnesses, anytime bounds, UNKNOWN on timeout.

The pipeline (:mod:`sparsecert.verify.engine`): presolve (units always off / always on /
undecided) -> a fast lower bound (sampling and local search, re-checked exactly) -> cheap
upper bounds (implied literals and a clique cover on cubes) -> independent groups of units
-> per group, the solvers of the portfolio's plan (:mod:`sparsecert.verify.portfolio`) in
order until the group is settled. Every count that is claimed comes with a point
re-checked exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sparsecert.sparse_models import MLPBlock
from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models.validation import as_count

from .engine.core import Engine
from .goal import Goal
from .portfolio import METHODS
from .results import Interrupted, MaxActive, Unknown, Verified, Violated

__all__ = ["max_active", "check_sparsity", "METHODS"]


def _float_checked():
    """Float64 overflow on huge weights is expected and harmless here: every float step is either
    checked against a rigorous margin (non-finite values fail the check and go to the exact path)
    or a heuristic whose points are counted exactly. So numpy's warnings are not raised."""
    return np.errstate(over="ignore", invalid="ignore", under="ignore")


def max_active(block: MLPBlock, domain: Any, *, tau: float = 0.0, timeout: float | None = None,
               method: str = "auto", presolve: bool = True, seed: int = 0, backend: str = "z3",
               jobs: int = 1, node_limit: int | None = None) -> MaxActive:
    """The exact largest number of units active at once on ``domain``, with a witness.

    On timeout the result has ``optimal=False`` (``status`` UNKNOWN) and proved bounds
    ``lower <= max <= upper`` (the upper one from the open branch-and-bound frontier). ``jobs`` > 1 splits large cube scans
    over that many processes. ``node_limit`` is a deterministic budget: at most that many
    branch-and-bound nodes (an LP node counts 1, 1000 compiled cube nodes count 1); with no
    ``timeout`` every heuristic then does a fixed amount of work, so two runs give the same
    answer on any machine. Ctrl-C raises :class:`verify.results.Interrupted` carrying the
    bracket proved so far.
    """
    with _float_checked():
        eng = Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit)
        got, how = eng.run(Goal.maximise())
    optimal = got.lower >= got.upper
    res = MaxActive(got.lower, got.upper, optimal, witness=got.witness, stats=eng.stats(how),
                    reason="" if optimal else
                    "interrupted" if eng.interrupted else f"{eng.stop_reason()} before the bounds met")
    if eng.interrupted and not optimal:  # Ctrl-C: the caller gets the bracket proved so far
        raise Interrupted(res)
    return res


def check_sparsity(block: MLPBlock, k: int, domain: Any, *, tau: float = 0.0, timeout: float | None = None,
                   method: str = "auto", presolve: bool = True, seed: int = 0,
                   backend: str = "z3", jobs: int = 1, node_limit: int | None = None) -> Verified | Violated | Unknown:
    """Prove that at most ``k`` units are active at once on ``domain``, or give an input where more are."""
    block = as_block(block)  # a one-hidden-layer Network is its block
    k = as_count("k", k, low=0, high=block.s)
    with _float_checked():
        eng = Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit)
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
