"""The whole dispatch policy in one place: which solvers run, in which order, with what share.

A solve presolves the units (always off / always on / undecided), finds a good point with
the heuristics, splits the undecided units into independent groups (cubes) or keeps one
group (real domains), then walks the domain kind's :class:`Plan` for ``method=``:

* ``whole`` steps see all undecided units at once, before grouping (the tiny float scan);
* ``groups`` steps run on each group in order until it is settled (its bounds meet, or the
  goal is answered). A step whose solver is not installed, or whose ``applies`` rule
  refuses the group, is skipped. ``time`` and ``nodes`` are the shares of what is left of
  the budget that the step may use; the last step always gets the rest.

Groups are taken in the order of their first applicable step, then by size (small first).
The size rules sit in the solvers' modules beside their thresholds:
:data:`~sparsecert.verify.solvers.tiny_scan.TINY_CUBE_WORK`,
:data:`~sparsecert.verify.solvers.enumeration.ENUM_MAX_COORDS` /
:data:`~sparsecert.verify.solvers.enumeration.ENUM_MAX_WORK`,
:data:`~sparsecert.verify.solvers.cube_bnb.LP_BNB_MIN_COORDS` (measured by
``bench/frontier.py``). Adding a method: one solver module and one line in a table below.

Point sets need no solver: every point is evaluated exactly (``verify/engine/points.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sparsecert.sparse_models.errors import InvalidArgument

from .backends.highs import HAVE_HIGHS
from .solvers.base import GroupSolver
from .solvers.cpsat import CPSAT_SOLVER
from .solvers.cube_bnb import CUBE_BNB
from .solvers.enumeration import ENUMERATION, ENUMERATION_FORCED
from .solvers.lp.cube import LP_CUBE
from .solvers.lp.real import LP_REAL
from .solvers.smt import SOLVER as SMT
from .solvers.tiny_scan import TINY_SCAN


@dataclass(frozen=True)
class Step:
    """One solver of a plan and the shares of the remaining time and nodes it may use."""

    solver: GroupSolver
    time: float = 1.0
    nodes: float = 1.0


@dataclass(frozen=True)
class Plan:
    whole: tuple[Step, ...] = ()
    groups: tuple[Step, ...] = ()


# The compiled cube branch and bound hands the rest to the LP one when HiGHS is installed;
# without it, it is the last exact method before SMT and keeps most of the time.
_BNB_AUTO = Step(CUBE_BNB, time=0.5, nodes=0.5) if HAVE_HIGHS else Step(CUBE_BNB, time=0.8)
_BNB_ONLY = Step(CUBE_BNB, time=0.5, nodes=0.5) if HAVE_HIGHS else Step(CUBE_BNB, time=1.0)
_SMT = Step(SMT)

_CUBE = {
    "auto": Plan(whole=(Step(TINY_SCAN),),
                 groups=(Step(ENUMERATION), _BNB_AUTO, Step(LP_CUBE, time=0.9), _SMT)),
    "enumerate": Plan(groups=(Step(ENUMERATION_FORCED), _SMT)),
    "bnb": Plan(groups=(_BNB_ONLY, Step(LP_CUBE, time=1.0), _SMT)),
    "smt": Plan(groups=(_SMT,)),
    "cpsat": Plan(groups=(Step(CPSAT_SOLVER, time=0.9), _SMT)),  # OR-Tools CP-SAT (the bench extra)
}
_BOX = {  # boxes and L-inf balls
    "auto": Plan(groups=(Step(LP_REAL, time=0.9), _SMT)),
    "enumerate": Plan(groups=(_SMT,)),  # no cube to enumerate: the exact solver alone
    "bnb": Plan(groups=(Step(LP_REAL, time=1.0), _SMT)),
    "smt": Plan(groups=(_SMT,)),
}
_POLYTOPE = {m: Plan(groups=(_SMT,)) for m in ("auto", "enumerate", "bnb", "smt")}

PLANS: dict[str, dict[str, Plan]] = {"cube": _CUBE, "box": _BOX, "ball": _BOX, "polytope": _POLYTOPE}
ALIASES = {"z3": "smt"}  # historical names of methods
METHODS = tuple(dict.fromkeys(m for plans in PLANS.values() for m in plans)) + tuple(ALIASES)
# The type of ``method=`` in the public functions: the same names as METHODS, in the same order
# (tests/test_literals.py checks that ``typing.get_args(Method) == METHODS``).
Method = Literal["auto", "enumerate", "bnb", "smt", "cpsat", "z3"]


def canonical_method(method: str) -> str:
    """``method=`` as the plan tables name it (``"z3"`` is an alias of ``"smt"``)."""
    if method not in METHODS:
        raise InvalidArgument(f"method must be one of {METHODS}, got {method!r}")
    return ALIASES.get(method, method)


def plan_for(kind: str, method: str) -> Plan:
    """The plan of a domain kind ("cube", "box", "ball", "polytope") for ``method=``."""
    plans = PLANS[kind]
    method = canonical_method(method)
    if method not in plans:
        kinds = sorted(k for k, p in PLANS.items() if method in p)
        raise InvalidArgument(f"method {method!r} takes {' and '.join(kinds)} domains only, not a {kind}; "
                              f"use one of {tuple(plans)} here")
    return plans[method]


def first_step(plan: Plan, group) -> int:
    """Index of the first step that takes ``group`` (the order groups are solved in)."""
    for i, step in enumerate(plan.groups):
        if step.solver.available() and step.solver.applies(group):
            return i
    return len(plan.groups)
