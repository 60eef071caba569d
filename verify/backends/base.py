"""The one small interface every solver backend implements.

A backend receives an exact query (integer rows over a cube or a real domain) and
answers "can at least K of these units be active at once?" with SAT and a point,
UNSAT, or UNKNOWN (timeout). Answers must be exact: UNSAT is a proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from ..integer_form import IntegerRows


@dataclass(frozen=True)
class CubeQuery:
    """Units ``rows`` on {0,1}^coords (y), with optional structure hints."""

    rows: IntegerRows
    n: int
    implied: tuple[tuple[tuple[int, int], ...], ...] = ()
    cliques: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class RealQuery:
    """Units ``rows`` over x in a box (exact bounds) intersected with {A_int x <= c_int}.

    A bound may be None: unbounded on that side (polytopes, whose rows A x <= c are then the
    whole domain). Without rows A every bound must be finite (a box)."""

    rows: IntegerRows
    lower: tuple[Fraction | None, ...]
    upper: tuple[Fraction | None, ...]
    A: tuple[tuple[int, ...], ...] = ()
    c: tuple[int, ...] = ()
    lower_finite: tuple[bool, ...] = field(default=())


@dataclass(frozen=True)
class Outcome:
    status: str  # "sat", "unsat" or "unknown"
    point: tuple[Fraction, ...] | None = None  # y (cube, 0/1) or x (real) over all n coordinates
    reason: str = ""


class Backend(Protocol):
    """Built by ``make_backend(name, query, deadline=None)``; ``deadline`` is an absolute
    ``time.monotonic()`` value past which the backend stops building its encoding and answers
    every question ``Outcome("unknown", reason="timeout")``."""

    name: str

    def at_least(self, count: int, timeout_s: float | None) -> Outcome:
        """Is there a point where at least ``count`` rows are active?"""
        ...
