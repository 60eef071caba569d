"""properties: the theory as code (bounds, Fourier analysis, Hypothesis strategies, pytest plugin)."""

# Measurement: exact Fourier analysis, activation statistics, Monte Carlo, THEORY checks (issue 7)
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
