"""Batches give the same exact answers serially, over processes and on a two-worker Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest

from sparsecert.sparse_models import InvalidArgument, random_block
from sparsecert.verify.batch import certify_balls
from sparsecert.verify.executor import run_batch


def _square(x: int) -> int:
    return x * x


def test_run_batch_orders_results_and_validates():
    assert run_batch(_square, range(7), jobs=2) == [x * x for x in range(7)]
    with pytest.raises(InvalidArgument, match="executor"):
        run_batch(_square, [1, 2], jobs=2, executor="spark")
    with pytest.raises(InvalidArgument, match="jobs"):
        run_batch(_square, [1], jobs=0)


def test_dask_chunks_keep_order_and_report_each_item_once():
    pytest.importorskip("dask.distributed")
    seen = []
    got = run_batch(_square, range(-20, 17), jobs=2, executor="dask", on_result=lambda i, r: seen.append((i, r)))
    assert got == [x * x for x in range(-20, 17)]
    assert sorted(seen) == [(i, x * x) for i, x in enumerate(range(-20, 17))]


@pytest.fixture(scope="module")
def ball_case():
    block = random_block(6, 16, seed=5)
    centers = np.random.default_rng(1).uniform(-1, 1, size=(12, 6))
    serial = certify_balls(block, centers, 0.05)
    assert serial.all_optimal and serial.settled_by_presolve < len(centers)  # some balls need the solver
    return block, centers, serial


def test_processes_match_serial(ball_case):
    block, centers, serial = ball_case
    par = certify_balls(block, centers, 0.05, jobs=2)
    assert np.array_equal(par.values, serial.values) and par.all_optimal


def test_dask_local_cluster_matches_serial(ball_case):
    pytest.importorskip("dask.distributed")
    block, centers, serial = ball_case
    got = certify_balls(block, centers, 0.05, jobs=2, executor="dask")
    assert got.all_optimal
    assert np.array_equal(got.values, serial.values)
    assert np.array_equal(got.upper_bounds, serial.upper_bounds)


def test_split_scan_after_the_parallel_kernel_ran_in_this_process():
    """Regression: after numba's GNU OpenMP pool ran here, forked workers that touched it aborted
    ("fork() called from a process already using GNU OpenMP"); children now count on one thread."""
    pytest.importorskip("numba")
    from sparsecert.sparse_models import Hypercube
    from sparsecert.verify import max_active
    from sparsecert.verify.solvers.enumeration import count_possible

    rng = np.random.default_rng(0)
    count_possible(rng.random((64, 8)), rng.random((64, 8)))  # launches the threading layer here
    block = random_block(24, 64, seed=3, fire_rate=0.05)
    split = max_active(block, Hypercube(24), jobs=2)
    assert split.optimal
    assert split.value == max_active(block, Hypercube(24)).value


PARENT_THEN_CHILDREN = """
import numpy as np
from sparsecert.sparse_models import Box, random_block
from sparsecert.verify.api import max_active
from sparsecert.verify.batch import certify_balls
block = random_block(40, 60, seed=1, fire_rate=0.3)
parent = max_active(block, Box.uniform(40, -1, 1), node_limit=400)  # HiGHS runs in the parent
assert parent.stats.backend == "highs", parent.stats
centers = np.random.default_rng(0).uniform(-0.5, 0.5, (4, 40))
table = certify_balls(block, centers, 0.3, node_limit=200, jobs=2)  # ... then in forked children
serial = certify_balls(block, centers, 0.3, node_limit=200)
assert (table.lower <= serial.upper).all() and (serial.lower <= table.upper).all()
print("done", table.lower.tolist(), table.upper.tolist())
"""


def test_children_forked_after_highs_ran_in_the_parent_finish():
    """Regression: HiGHS's task scheduler copied by fork without its threads made the children's
    first LP wait forever (verify/backends/highs.py resets it in the child). A hang shows as the
    subprocess timing out, far beyond the few seconds the script takes."""
    import subprocess
    import sys

    pytest.importorskip("highspy")
    out = subprocess.run([sys.executable, "-c", PARENT_THEN_CHILDREN], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "done" in out.stdout, out.stderr[-2000:]
