"""verify: proofs of activation sparsity.

``max_active(block, domain)`` gives the exact largest number of simultaneously active
hidden units with a witness; ``check_sparsity(block, k, domain)`` proves "at most k" or
returns an input where more are active. Results are three-valued: Verified, Violated,
Unknown (with proved bounds).
"""

from .api import check_sparsity, max_active
from .presolve import UnitRanges, unit_ranges
from .results import MaxActive, Stats, Unknown, Verified, Violated, Witness

__all__ = ["max_active", "check_sparsity", "MaxActive", "Verified", "Violated", "Unknown", "Witness", "Stats",
           "UnitRanges", "unit_ranges"]
