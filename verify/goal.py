"""What a solve is asked: the exact maximum, or only whether more than k units can fire.

A :class:`Goal` replaces the loose ``stop_above`` / ``stop_at_most`` integers: every
solver is given one and stops as soon as the bracket it has proved answers it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    """Settled once the proved bracket ``lower <= max <= upper`` meets, or once
    ``lower > exceed`` (more than that many fire: a check is refuted), or once
    ``upper <= within`` (a check is proved). Both None: the exact maximum is wanted.

    Build one with :meth:`maximise` or :meth:`at_most`; :meth:`for_part` gives the goal of
    one independent part of a problem, the other parts' bracket known.
    """

    exceed: int | None = None
    within: int | None = None

    @classmethod
    def maximise(cls) -> "Goal":
        return cls(None, None)

    @classmethod
    def at_most(cls, k: int) -> "Goal":
        """Is the max-active number at most ``k``?"""
        return cls(int(k), int(k))

    @property
    def is_check(self) -> bool:
        return self.exceed is not None or self.within is not None

    def settled(self, lower: int, upper: int) -> bool:
        """Does the proved bracket answer the goal?"""
        return (lower >= upper or (self.exceed is not None and lower > self.exceed)
                or (self.within is not None and upper <= self.within))

    def target(self, lower: int) -> int:
        """The count worth asking a solver for next: one more than ``lower``, or, for a
        check, directly one more than ``exceed`` (one UNSAT answer then proves it)."""
        return lower + 1 if self.exceed is None else max(lower + 1, self.exceed + 1)

    def floor(self, lower: int) -> int:
        """The count an exhaustive search may prune to: nothing at or below it needs a point,
        since a check is proved once the maximum is known to be at most ``within``. A search
        that finds nothing above the floor proves ``max <= floor``, but attains only ``lower``."""
        return lower if self.within is None else max(lower, self.within)

    def for_part(self, others_lower: int, others_upper: int) -> "Goal":
        """The goal of one part when the other parts are proved within
        ``[others_lower, others_upper]``: the whole is refuted once this part exceeds
        ``exceed - others_lower``, proved once it is within ``within - others_upper``."""
        return Goal(None if self.exceed is None else self.exceed - others_lower,
                    None if self.within is None else self.within - others_upper)

    def __str__(self) -> str:
        if not self.is_check:
            return "maximise"
        return f"max <= {self.within}?" if self.exceed == self.within else f"exceed {self.exceed} / within {self.within}"
