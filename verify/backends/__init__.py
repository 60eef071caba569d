"""Solver backends behind one interface (:mod:`verify.backends.base`); Z3 is the reference."""

from __future__ import annotations

from typing import Literal

from sparsecert.sparse_models.errors import InvalidArgument

from .base import Backend, CubeQuery, Outcome, RealQuery

BACKENDS = ("z3",)
BackendName = Literal["z3"]  # the type of ``backend=``; get_args(BackendName) == BACKENDS (tested)


def make_backend(name: str, query: "CubeQuery | RealQuery", deadline: float | None = None) -> Backend:
    """The backend called ``name`` for this query (a factory, as in pySMT).

    ``deadline``: an absolute ``time.monotonic()`` value (None: none). Building the encoding
    stops when it passes; ``at_least`` then answers ``Outcome("unknown", reason="timeout")``."""
    if name == "z3":
        from .z3_backend import Z3Backend

        return Z3Backend(query, deadline=deadline)
    raise InvalidArgument(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")


__all__ = ["Backend", "CubeQuery", "RealQuery", "Outcome", "make_backend", "BACKENDS", "BackendName"]
