"""Compile the numba kernels once per process, before a solve's clock starts.

numba compiles a kernel at its first call (or loads it from the on-disk cache next to the
source, ``cache=True``). Inside a solve that would run on the user's timeout: on a fresh
install the first ``max_active(..., timeout=1.5)`` on a 784-input ball took 9.3 s, later
calls 1.5 s. So the engine calls :func:`warm_up` before it uses any kernel and moves its
deadline by the time taken: compilation never eats a timeout. The first call in a process
logs one line (logger ``sparsecert``) saying how long it took and that it is not counted.

Each kernel is called through its own wrapper on a tiny instance, so the argument types
(dtypes, contiguity) are those of the real calls and the compiled specialisation is reused.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from .solvers.cube_bnb import HAVE_NUMBA

log = logging.getLogger("sparsecert")
_lock = threading.Lock()
_done: float | None = None  # seconds the warm-up took in this process, once it has run


def warm_up() -> float:
    """Compile (or load from cache) every numba kernel; seconds spent, 0 after the first call.

    A no-op without numba (the "fast" extra)."""
    global _done
    if _done is not None or not HAVE_NUMBA:
        return 0.0
    with _lock:
        if _done is not None:
            return 0.0
        start = time.monotonic()
        _run_kernels()
        _done = time.monotonic() - start
    log.info("sparsecert: numba kernels compiled or loaded in %.2f s (once per process; not counted in timeouts)",
             _done)
    return _done


def _run_kernels() -> None:
    from .solvers.cube_bnb import branch_and_bound
    from .solvers.enumeration import count_possible
    from .integer_form import cube_rows
    from .solvers.lp.propagation import Propagator
    from .solvers.lp.relaxation import float_rows
    from .solvers.heuristics import HAVE_ANNEAL, cube_anneal

    W = np.array([[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]])
    b = np.array([0.25, -0.25])
    rows = cube_rows(W, b, np.arange(2), -1.0, 1.0, 0.0)
    coords = np.arange(3)
    count_possible(np.zeros((2, 2)), np.zeros((2, 2)))
    branch_and_bound(rows, coords, 0, None)
    for integral in (True, False):
        rel = float_rows(rows, coords, np.zeros(3), np.ones(3), integral)
        Propagator(rel, integral)(np.zeros(3), np.ones(3), np.zeros(2), np.ones(2))
    if HAVE_ANNEAL:
        rel = float_rows(rows, coords, np.zeros(3), np.ones(3), True)
        cube_anneal(rel.A, rel.act_lo, [np.zeros(3)], 10.0, seed=0, restarts=1, iters=10)
