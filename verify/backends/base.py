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
    """Units ``rows`` over x in a box (exact bounds) intersected with {A_int x <= c_int}."""

    rows: IntegerRows
    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]
    A: tuple[tuple[int, ...], ...] = ()
    c: tuple[int, ...] = ()
    lower_finite: tuple[bool, ...] = field(default=())


@dataclass(frozen=True)
class Outcome:
    status: str  # "sat", "unsat" or "unknown"
    point: tuple[Fraction, ...] | None = None  # y (cube, 0/1) or x (real) over all n coordinates
    reason: str = ""


class Backend(Protocol):
    name: str

    def at_least(self, count: int, timeout_s: float | None) -> Outcome:
        """Is there a point where at least ``count`` rows are active?"""
        ...
