"""Three-valued verification results, UNKNOWN first class (as in CrossHair).

``check_sparsity`` gives :class:`Verified`, :class:`Violated` or :class:`Unknown`;
``max_active`` gives :class:`MaxActive`. Each carries :class:`Stats`. Witnesses are
float64 inputs that were re-evaluated by the network itself; ``exact_witness`` keeps
the solver's rational point when rounding it to float64 could matter.

One vocabulary for every public answer (``check_sparsity``, ``max_active``, ``equivalent``,
``is_member``, ``sparsify``, ``synthesize``, ``prune``, ``certify_balls``, the deep-network
functions): each result has ``status``, a :class:`Status` (VERIFIED / VIOLATED / UNKNOWN), and
proved bounds on the max-active number are always called ``lower`` and ``upper``. The CLI maps
each status to one exit code (``verify/cli/exit_codes.py``).
"""

from __future__ import annotations

import enum
from dataclasses import KW_ONLY, dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Iterable

import numpy as np


def _short_x(x: Any, head: int = 3) -> str:
    """A point for a repr: all of it when it has at most ``head`` coordinates, else the first few and its length."""
    arr = np.asarray(x, dtype=np.float64).ravel()
    shown = ", ".join(f"{float(v):.4g}" for v in arr[:head])
    return f"[{shown}]" if arr.size <= head else f"[{shown}, ... ({arr.size} values)]"


def _short_units(units: tuple[int, ...], head: int = 8) -> str:
    if len(units) <= head:
        return repr(tuple(units))
    return "(" + ", ".join(map(str, units[:head])) + f", ... ({len(units)} in all))"


def _short_stats(stats: "Stats") -> str:
    bits = [f"method={stats.method!r}"] if stats.method else []
    if stats.time_s:
        bits.append(f"time={stats.time_s:.3g} s")
    return "".join(", " + b for b in bits)


class Status(str, enum.Enum):
    """The answer to a yes/no question, three-valued.

    A ``str`` enum: ``res.status == "verified"`` holds, ``str(res.status)`` and f-strings give
    the plain value, and JSON writes the same strings as before the enum existed.
    """

    VERIFIED = "verified"  # the claim is proved on the whole domain
    VIOLATED = "violated"  # refuted, by a witness re-checked exactly (or by a proof of impossibility)
    UNKNOWN = "unknown"  # undecided (timeout, limits, interrupt): only the bounds reported are proved

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:  # the same on every Python (3.11 and 3.12 format enums differently)
        return format(self.value, spec)

    @classmethod
    def combine(cls, statuses: Iterable["Status | str"]) -> "Status":
        """The status of a conjunction: VIOLATED if any part is, else UNKNOWN if any is, else VERIFIED
        (VERIFIED for no parts)."""
        seen = {cls(s) for s in statuses}
        return cls.VIOLATED if cls.VIOLATED in seen else (cls.UNKNOWN if cls.UNKNOWN in seen else cls.VERIFIED)


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
    solvers: tuple[str, ...] = ()  # the solvers that actually ran, in order of first use (empty: not recorded)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time_s": round(self.time_s, 6), "backend": self.backend, "method": self.method,
            "units_total": self.units_total, "units_fixed_off": self.units_fixed_off,
            "units_fixed_on": self.units_fixed_on, "units_undecided": self.units_undecided,
            "solver_calls": self.solver_calls, "exact_rechecks": self.exact_rechecks, "notes": list(self.notes),
            "solvers": list(self.solvers),
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

    def __repr__(self) -> str:  # short: the whole x is in .x
        extra = f", borderline={_short_units(self.borderline)}" if self.borderline else ""
        extra += "" if self.float_agrees else f", float_count={self.float_count}"
        extra += "" if self.exact_x is None else ", exact_x=<rational>"
        return f"Witness(count={self.count}, active_units={_short_units(self.active_units)}, x={_short_x(self.x)}{extra})"

    def as_dict(self) -> dict[str, Any]:
        out = {"witness": self.x.tolist(), "active_units": list(self.active_units),
               "float_active_count": self.float_count, "borderline_units": list(self.borderline)}
        if self.exact_x is not None:
            out["exact_witness"] = [str(v) for v in self.exact_x]
        return out


@dataclass(frozen=True, eq=False)
class Verified:
    """Proved: at most ``k`` units are active at once on the whole domain (at most ``upper`` <= k)."""

    k: int
    upper: int  # the proved bound on the max-active number (<= k)
    stats: Stats = field(default_factory=Stats)
    status: ClassVar[Status] = Status.VERIFIED

    @property
    def upper_bound(self) -> int:
        """Alias of :attr:`upper` (the name before the result vocabulary was unified)."""
        return self.upper

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Verified(k={self.k}, upper={self.upper}, status={self.status.value}{_short_stats(self.stats)})"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "k": self.k, "upper_bound": self.upper, "witness": None,
                "active_units": None, "stats": self.stats.as_dict()}


@dataclass(frozen=True, eq=False)
class Violated:
    """Refuted: ``witness`` activates more than ``k`` units (re-checked in float64 and exactly)."""

    k: int
    witness: Witness
    stats: Stats = field(default_factory=Stats)
    status: ClassVar[Status] = Status.VIOLATED

    @property
    def active_units(self) -> tuple[int, ...]:
        return self.witness.active_units

    @property
    def lower(self) -> int:
        """A proved lower bound on the max-active number: the witness's count (> k)."""
        return self.witness.count

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:  # short: the witness point is in .witness.x
        w = self.witness
        return (f"Violated(k={self.k}, count={w.count}, status={self.status.value},"
                f" active_units={_short_units(w.active_units)}, x={_short_x(w.x)}{_short_stats(self.stats)})")

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "k": self.k, **self.witness.as_dict(), "stats": self.stats.as_dict()}


@dataclass(frozen=True, eq=False)
class Unknown:
    """Undecided (timeout or limits): the max-active number lies in [lower, upper], both proved."""

    k: int
    lower: int
    upper: int
    reason: str
    witness: Witness | None = None
    stats: Stats = field(default_factory=Stats)
    status: ClassVar[Status] = Status.UNKNOWN

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        w = "" if self.witness is None else f", witness={self.witness!r}"
        return (f"Unknown(k={self.k}, lower={self.lower}, upper={self.upper}, status={self.status.value},"
                f" reason={self.reason!r}{w}{_short_stats(self.stats)})")

    def as_dict(self) -> dict[str, Any]:
        out = {"status": self.status.value, "k": self.k, "lower": self.lower, "upper": self.upper,
               "reason": self.reason, "witness": None, "active_units": None}
        if self.witness is not None:
            out.update(self.witness.as_dict())
        out["stats"] = self.stats.as_dict()
        return out


@dataclass(frozen=True, eq=False)
class MaxActive:
    """The largest number of simultaneously active units: proved ``optimal`` or bracketed.

    ``lower`` is attained at ``witness`` (None when no point was recorded);
    ``upper`` is proved; ``optimal`` means ``lower == upper``, the max is proved.
    ``status`` is VERIFIED when the max is proved (``optimal``) and UNKNOWN when it is only
    bracketed, ``lower <= max <= upper`` (a max-active question is never VIOLATED).

    ``MaxActive(lower, upper, optimal, *, witness=None, stats=Stats(), reason="")``: the
    witness, stats and reason are keyword-only. ``value`` (= ``lower``) and ``upper_bound``
    (= ``upper``) are read-only aliases kept for code written before the names were unified.
    """

    lower: int
    upper: int
    optimal: bool
    _: KW_ONLY
    witness: Witness | None = None
    stats: Stats = field(default_factory=Stats)
    reason: str = ""

    def __post_init__(self) -> None:
        # catches a call in the old order MaxActive(value, witness, upper_bound, optimal, ...)
        for name in ("lower", "upper"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise TypeError(f"MaxActive {name} must be a count, got {type(v).__name__}"
                                " (the signature is MaxActive(lower, upper, optimal, *, witness, stats, reason))")
        if self.witness is not None and not isinstance(self.witness, Witness):
            raise TypeError(f"MaxActive witness must be a Witness or None, got {type(self.witness).__name__}")

    @property
    def value(self) -> int:
        """Alias of :attr:`lower` (the name before the result vocabulary was unified)."""
        return self.lower

    @property
    def upper_bound(self) -> int:
        """Alias of :attr:`upper` (the name before the result vocabulary was unified)."""
        return self.upper

    @property
    def status(self) -> Status:
        """VERIFIED when the max is proved (``optimal``), UNKNOWN when only bracketed."""
        return Status.VERIFIED if self.optimal else Status.UNKNOWN

    @property
    def active_units(self) -> tuple[int, ...]:
        return () if self.witness is None else self.witness.active_units

    def __repr__(self) -> str:  # short: the witness point is in .witness.x
        w = "" if self.witness is None else (f", active_units={_short_units(self.witness.active_units)},"
                                             f" x={_short_x(self.witness.x)}")
        reason = f", reason={self.reason!r}" if self.reason else ""
        return (f"MaxActive(lower={self.lower}, upper={self.upper}, optimal={self.optimal}, status={self.status.value}"
                f"{w}{reason}{_short_stats(self.stats)})")

    def as_dict(self) -> dict[str, Any]:
        out = {"max_active": self.lower, "optimal": self.optimal, "lower": self.lower, "upper": self.upper}
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
