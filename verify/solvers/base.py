"""The one interface every solving method implements, and the values it exchanges.

A solve is split into independent *groups* of undecided units (on a cube: units sharing no
coordinate; on a real domain: one group). A :class:`GroupSolver` is given a group with the
bracket proved so far, a :class:`~sparsecert.verify.goal.Goal` and a
:class:`~sparsecert.verify.budget.Budget`, and answers with a :class:`GroupOutcome`: a
better point (its count decided exactly), a tighter proved upper bound, or both. The
engine keeps the best of every outcome, so a solver never has to be the last word.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sparsecert.sparse_models import MLPBlock

from ..budget import Budget
from ..goal import Goal
from ..integer_form import IntegerRows


@dataclass(frozen=True)
class SolveContext:
    """What every solver of one solve may read: the block, the domain and the options."""

    block: MLPBlock
    domain: Any
    tau: float
    method: str  # the user's ``method=`` ("auto", "enumerate", "bnb", "z3")
    seed: int = 0
    backend: str = "z3"  # the exact SMT backend's name
    jobs: int = 1
    always_on: tuple[int, ...] = ()  # units presolve proved active on the whole domain


@dataclass(frozen=True)
class RealBounds:
    """The box parts of a real domain: exact bounds (None: unbounded side), the outward
    float box containing it, and a float box inside it (None when there is none)."""

    exact_lower: tuple[Fraction | None, ...]
    exact_upper: tuple[Fraction | None, ...]
    outer_lower: np.ndarray
    outer_upper: np.ndarray
    inner_lower: np.ndarray | None
    inner_upper: np.ndarray | None
    A: tuple[tuple[int, ...], ...] = ()  # polytope rows A x <= c, in exact integers
    c: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class Group:
    """One independent part of the problem and the bracket proved on it so far.

    ``rows`` decide its units exactly (on y in {0,1}^coords for a cube, on x for a real
    domain); ``point`` (coordinate -> exact value) attains ``lower``; ``upper`` is proved.
    ``structure`` holds the cube's implied literals and clique cover; ``bounds`` a real
    domain's box parts. ``others`` is the bracket of everything outside this group (the
    presolve's always-on units included), so a solver can judge the whole goal.
    """

    ctx: SolveContext
    rows: IntegerRows
    coords: np.ndarray
    lower: int
    upper: int
    point: dict[int, Fraction] = field(default_factory=dict)
    cube: bool = True
    structure: Any = None
    bounds: RealBounds | None = None
    others: tuple[int, int] = (0, 0)
    single: bool = True  # the only group of its problem
    units: np.ndarray | None = None  # block indices of its units (None: ``rows.units``)

    @property
    def unit_ids(self) -> np.ndarray:
        return np.asarray(self.rows.units if self.units is None else self.units, dtype=np.int64)

    @property
    def settled(self) -> bool:
        return self.lower >= self.upper

    def part_goal(self, goal: Goal) -> Goal:
        """The whole problem's goal restated for this group."""
        return goal.for_part(*self.others)

    def count(self, point: Any) -> int:
        """Exact number of this group's rows active at a full point (ints or Fractions)."""
        return sum(self.rows.active(r, point) for r in range(len(self.rows)))

    def with_outcome(self, out: "GroupOutcome") -> "Group":
        """This group with an outcome's better point and tighter bound kept."""
        lower, point = self.lower, self.point
        if out.point is not None and out.lower > lower:
            lower, point = out.lower, out.point
        upper = min(self.upper, max(out.upper, lower)) if out.upper is not None else self.upper
        if out.complete:
            upper = lower
        return replace(self, lower=lower, upper=max(upper, lower), point=point)


@dataclass(frozen=True)
class GroupOutcome:
    """A solver's answer on one group. ``lower`` is attained at ``point`` (exact values per
    coordinate of the group), decided exactly; ``upper`` (None: nothing new) is proved;
    ``complete``: the search was exhaustive, so ``lower`` is the group's maximum.
    ``stopped``: why the solver stopped short ("timeout", "node limit", or a solver's
    reason), None when it ran to its end."""

    lower: int
    point: dict[int, Fraction] | None = None
    upper: int | None = None
    complete: bool = False
    stopped: str | None = None
    calls: int = 0
    rechecks: int = 0
    notes: tuple[str, ...] = ()

    @classmethod
    def nothing(cls, group: Group, **kw: Any) -> "GroupOutcome":
        return cls(group.lower, None, None, **kw)


@runtime_checkable
class GroupSolver(Protocol):
    """A solving method. ``name`` is what :class:`~sparsecert.verify.results.Stats` reports;
    ``available()`` says whether its optional dependencies are installed; ``applies`` whether
    it takes this group (size rules live beside the thresholds they use, in the solver's
    module, and the order of solvers in :mod:`sparsecert.verify.portfolio`)."""

    name: str

    def available(self) -> bool: ...

    def applies(self, group: Group) -> bool: ...

    def run(self, group: Group, goal: Goal, budget: Budget) -> GroupOutcome: ...


def cube_point(coords: np.ndarray, y: Any) -> dict[int, Fraction]:
    """A 0/1 assignment of the group's coordinates as exact point values."""
    return {int(j): Fraction(int(v)) for j, v in zip(coords, y)}

