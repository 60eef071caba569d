"""Three-valued verification results, UNKNOWN first class (as in CrossHair).

``check_sparsity`` gives :class:`Verified`, :class:`Violated` or :class:`Unknown`;
``max_active`` gives :class:`MaxActive`. Each carries :class:`Stats`. Witnesses are
float64 inputs that were re-evaluated by the network itself; ``exact_witness`` keeps
the solver's rational point when rounding it to float64 could matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Stats:
    """How an answer was obtained."""

    time_s: float = 0.0
    backend: str = ""
    method: str = ""
    units_total: int = 0
    units_fixed_off: int = 0
    units_fixed_on: int = 0
    units_undecided: int = 0
    solver_calls: int = 0
    exact_rechecks: int = 0
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "time_s": round(self.time_s, 6), "backend": self.backend, "method": self.method,
            "units_total": self.units_total, "units_fixed_off": self.units_fixed_off,
            "units_fixed_on": self.units_fixed_on, "units_undecided": self.units_undecided,
            "solver_calls": self.solver_calls, "exact_rechecks": self.exact_rechecks, "notes": list(self.notes),
        }


@dataclass(frozen=True, eq=False)
class Witness:
    """An input and what the network does there, checked in float64 and in exact arithmetic."""

    x: np.ndarray  # float64 point in the domain (nearest float to exact_x when no float fits)
    active_units: tuple[int, ...]  # decided exactly at exact_x when given, else at x
    float_active_units: tuple[int, ...]  # as float64 evaluation of the block sees them
    borderline: tuple[int, ...] = ()  # units with |z - tau| within float rounding at x
    exact_x: tuple[Fraction, ...] | None = None  # the solver's rational point, if different from x

    @property
    def count(self) -> int:
        return len(self.active_units)

    @property
    def float_count(self) -> int:
        return len(self.float_active_units)

    @property
    def float_agrees(self) -> bool:
        return self.active_units == self.float_active_units

    def as_dict(self) -> dict[str, Any]:
        out = {"witness": self.x.tolist(), "active_units": list(self.active_units),
               "float_active_count": self.float_count, "borderline_units": list(self.borderline)}
        if self.exact_x is not None:
            out["exact_witness"] = [str(v) for v in self.exact_x]
        return out


@dataclass(frozen=True, eq=False)
class Verified:
    """Proved: at most ``k`` units are active at once on the whole domain."""

    k: int
    upper_bound: int  # the proved bound (<= k)
    stats: Stats = field(default_factory=Stats)
    status = "verified"

    def __bool__(self) -> bool:
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "k": self.k, "upper_bound": self.upper_bound, "witness": None,
                "active_units": None, "stats": self.stats.as_dict()}


@dataclass(frozen=True, eq=False)
class Violated:
    """Refuted: ``witness`` activates more than ``k`` units (re-checked in float64 and exactly)."""

    k: int
    witness: Witness
    stats: Stats = field(default_factory=Stats)
    status = "violated"

    @property
    def active_units(self) -> tuple[int, ...]:
        return self.witness.active_units

    def __bool__(self) -> bool:
        return False

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "k": self.k, **self.witness.as_dict(), "stats": self.stats.as_dict()}


@dataclass(frozen=True, eq=False)
class Unknown:
    """Undecided (timeout or limits): the max-active number lies in [lower, upper], both proved."""

    k: int
    lower: int
    upper: int
    reason: str
    witness: Witness | None = None
    stats: Stats = field(default_factory=Stats)
    status = "unknown"

    def __bool__(self) -> bool:
        return False

    def as_dict(self) -> dict[str, Any]:
        out = {"status": self.status, "k": self.k, "lower": self.lower, "upper": self.upper, "reason": self.reason,
               "witness": None, "active_units": None}
        if self.witness is not None:
            out.update(self.witness.as_dict())
        out["stats"] = self.stats.as_dict()
        return out


@dataclass(frozen=True, eq=False)
class MaxActive:
    """The largest number of simultaneously active units: proved ``optimal`` or bracketed.

    ``value`` (= ``lower``) is attained at ``witness``; ``upper_bound`` is proved.
    """

    value: int
    witness: Witness | None
    upper_bound: int
    optimal: bool
    stats: Stats = field(default_factory=Stats)
    reason: str = ""

    @property
    def lower(self) -> int:
        return self.value

    @property
    def upper(self) -> int:
        return self.upper_bound

    @property
    def active_units(self) -> tuple[int, ...]:
        return () if self.witness is None else self.witness.active_units

    def as_dict(self) -> dict[str, Any]:
        out = {"max_active": self.value, "optimal": self.optimal, "lower": self.value, "upper": self.upper_bound}
        if self.witness is not None:
            out.update(self.witness.as_dict())
        else:
            out.update({"witness": None, "active_units": []})
        if self.reason:
            out["reason"] = self.reason
        out["stats"] = self.stats.as_dict()
        return out


Result = Verified | Violated | Unknown


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a solve, carrying what was proved up to then.

    A ``KeyboardInterrupt`` (so ``except KeyboardInterrupt`` still catches it) whose ``partial``
    is the answer with the bounds proved so far: a :class:`MaxActive` with ``optimal=False`` for
    ``max_active``, an :class:`Unknown` (or the :class:`Violated` found) for ``check_sparsity``.
    """

    def __init__(self, partial: "MaxActive | Result") -> None:
        super().__init__("interrupted")
        self.partial = partial
