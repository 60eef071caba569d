"""properties: the theory as code (bounds, Fourier analysis, Hypothesis strategies, pytest plugin)."""

# Every public name is resolved lazily (PEP 562) from the submodule that defines it: the pytest
# plugin imports this package in every pytest run of an environment where sparsecert is
# installed, and must not pay for numpy-heavy modules, z3, numba or sympy before a test uses them.
_EXPORTS = {
    # measurement: exact Fourier analysis, activation statistics, Monte Carlo, docs/theory.md checks
    **dict.fromkeys(("ActivationStats", "activation_stats", "exact_activation_stats", "sampled_activation_stats"),
                    "activation_statistics"),
    **dict.fromkeys(("Spectrum", "cube_values", "spectrum", "wht"), "fourier"),
    **dict.fromkeys(("Check", "LMNSizes", "TheoryReport", "check_block", "lmn_sample_sizes"), "inequalities"),
    **dict.fromkeys(("MeanInterval", "hoeffding_sample_size", "mean_interval", "proportion_interval"), "intervals"),
    **dict.fromkeys(("InstanceMeasures", "analyse"), "measures"),
    **dict.fromkeys(("InfluenceEstimate", "LowDegreeEstimate", "estimate_influences", "estimate_low_degree"),
                    "montecarlo"),
    **dict.fromkeys(("Profile", "profile_block"), "profile"),
    # testing tools for users' own suites (strategies live in properties.strategies)
    **dict.fromkeys(("EquivalenceAssertionError", "LearningAssertionError", "NotProvedError",
                     "SparsecertAssertionError", "SparsityAssertionError", "assert_equivalent", "assert_k_sparse",
                     "assert_learns"), "assertions"),
    # symbolic bounds: the registry of docs/theory.md §8 (sympy costs about a second to import)
    **dict.fromkeys(("REGISTRY", "Bound", "get_bound", "instance_bounds"), "bounds"),
}
_BOUNDS_EXPORTS = ("REGISTRY", "Bound", "get_bound", "instance_bounds")
# (no exported name is also a submodule's name: the import system would bind the package
# attribute to the submodule once it is imported, hiding the lazily exported object)

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


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sparsecert.properties' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
