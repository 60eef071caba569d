"""Run independent queries (balls, regions, layers) in parallel.

Local processes by default; Dask distributed when one machine is not enough
(``executor="dask"``: a LocalCluster, or the scheduler ``address`` given). The
functions and items must be picklable (module-level functions, numpy data).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Literal, Sequence

from sparsecert.sparse_models.validation import as_count
from sparsecert.sparse_models.errors import InvalidArgument, MissingDependency

EXECUTORS = ("serial", "processes", "dask")
Executor = Literal["serial", "processes", "dask"]  # the type of ``executor=``; get_args(Executor) == EXECUTORS (tested)


def run_batch(fn: Callable[[Any], Any], items: Sequence[Any], *, jobs: int = 1, executor: Executor | None = None,
              address: str | None = None, on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
    """[fn(item) for item in items], in order, computed serially, over processes or on Dask."""
    jobs = as_count("jobs", jobs, low=1)
    executor = executor or ("serial" if jobs == 1 else "processes")
    if executor not in EXECUTORS:
        raise InvalidArgument(f"executor must be one of {EXECUTORS}, got {executor!r}")
    items = list(items)
    results: list[Any] = [None] * len(items)
    if executor == "serial" or len(items) <= 1:
        for i, item in enumerate(items):
            results[i] = fn(item)
            if on_result:
                on_result(i, results[i])
        return results
    if executor == "processes":
        import multiprocessing as mp

        ctx = mp.get_context("fork") if os.name == "posix" else None
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for i, res in enumerate(pool.map(fn, items, chunksize=max(1, len(items) // (8 * jobs)))):
                results[i] = res
                if on_result:
                    on_result(i, res)
        return results
    return _run_dask(fn, items, jobs, address, on_result)


def _run_dask(fn, items, jobs, address, on_result) -> list[Any]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise MissingDependency("the Dask executor needs dask[distributed]: pip install 'sparsecert[dask]'") from exc
    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        # a few chunks per worker: each task carries its items (and what they share) once, so the
        # scheduler's per-task cost is paid per chunk rather than per query
        workers = max(1, sum(client.nthreads().values()) or jobs)
        size = max(1, -(-len(items) // (8 * workers)))
        starts = list(range(0, len(items), size))
        futures = client.map(_apply_chunk, [fn] * len(starts), [items[a:a + size] for a in starts], pure=False)
        index = {f.key: a for a, f in zip(starts, futures)}
        results: list[Any] = [None] * len(items)
        for fut in as_completed(futures):
            a = index[fut.key]
            for k, res in enumerate(fut.result()):
                results[a + k] = res
                if on_result:
                    on_result(a + k, res)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _apply_chunk(fn: Callable[[Any], Any], chunk: Sequence[Any]) -> list[Any]:
    return [fn(item) for item in chunk]


def chunked(seq: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


__all__: Iterable[str] = ["run_batch", "EXECUTORS", "Executor"]
