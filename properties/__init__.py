"""properties: the theory as code (bounds, Fourier analysis, Hypothesis strategies, pytest plugin)."""

# Measurement: exact Fourier analysis, activation statistics, Monte Carlo, docs/theory.md checks (issue 7)
from .activation_stats import ActivationStats, activation_stats, exact_activation_stats, sampled_activation_stats
from .fourier import Spectrum, cube_values, spectrum, wht
from .inequalities import Check, LMNSizes, TheoryReport, check_block, lmn_sample_sizes
from .intervals import MeanInterval, hoeffding_sample_size, mean_interval, proportion_interval
from .measures import InstanceMeasures, analyse
from .montecarlo import InfluenceEstimate, LowDegreeEstimate, estimate_influences, estimate_low_degree
from .profile import Profile, profile_block

# Testing tools for users' own suites: assertion helpers (issue 8); strategies live in properties.strategies
from .assertions import (
    EquivalenceAssertionError,
    LearningAssertionError,
    NotProvedError,
    SparsecertAssertionError,
    SparsityAssertionError,
    assert_equivalent,
    assert_k_sparse,
    assert_learns,
)

# Symbolic bounds (issue 6): the registry of docs/theory.md §8 lives in properties.bounds. Its names are
# resolved lazily here, because importing sympy costs about a second and `import properties` (the
# pytest plugin does it) should not pay for it.
# Only unambiguous names; the operations (evaluate, solve, ...) are imported from properties.bounds.
_BOUNDS_EXPORTS = ("REGISTRY", "Bound", "get_bound", "instance_bounds")

__all__ = [
    "ActivationStats", "activation_stats", "exact_activation_stats", "sampled_activation_stats",
    "Spectrum", "cube_values", "spectrum", "wht",
    "Check", "LMNSizes", "TheoryReport", "check_block", "lmn_sample_sizes",
    "MeanInterval", "hoeffding_sample_size", "mean_interval", "proportion_interval",
    "InstanceMeasures", "analyse",
    "InfluenceEstimate", "LowDegreeEstimate", "estimate_influences", "estimate_low_degree",
    "Profile", "profile_block",
    "EquivalenceAssertionError", "LearningAssertionError", "NotProvedError", "SparsecertAssertionError",
    "SparsityAssertionError", "assert_equivalent", "assert_k_sparse", "assert_learns",
    *_BOUNDS_EXPORTS,  # resolved lazily by __getattr__ below
]


def __getattr__(name):
    if name in _BOUNDS_EXPORTS:
        from . import bounds

        return getattr(bounds, name)
    raise AttributeError(f"module 'properties' has no attribute {name!r}")
