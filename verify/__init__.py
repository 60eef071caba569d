"""verify: proofs of activation sparsity (results, presolve, solver backends, CLI)."""

from .presolve import UnitRanges, unit_ranges

__all__ = ["UnitRanges", "unit_ranges"]
