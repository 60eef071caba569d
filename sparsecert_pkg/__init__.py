"""sparsecert: prove, measure and test activation sparsity of neural-network MLP blocks.

The three parts live at the repository root and install under this one namespace:
``sparsecert.sparse_models`` (blocks, networks, domains, constructions, loaders, learners),
``sparsecert.verify`` (exact proofs: max-active, k-sparsity, membership, equivalence, pruning,
deep networks) and ``sparsecert.properties`` (bounds, Fourier analysis, Hypothesis strategies,
the pytest plugin). The names most people need are re-exported here::

    from sparsecert import MLPBlock, Hypercube, Box, LinfBall, load, max_active, check_sparsity
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("sparsecert")
except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
    __version__ = "0+unknown"

# Resolved on first use: the pytest plugin (sparsecert.properties.pytest_plugin) loads in every
# pytest run of an environment that has sparsecert, and must not pay for z3 and numba there.
_EXPORTS = {
    **{name: "sparse_models" for name in ("MLPBlock", "Network", "Hypercube", "Box", "LinfBall", "Polytope",
                                          "PointSet", "load", "save_npz", "save_model", "planted_sparse",
                                          "random_block")},
    "SparsecertError": "sparse_models.errors",
    **{name: "verify" for name in ("max_active", "check_sparsity", "is_member", "equivalent", "prune", "sparsify",
                                   "MaxActive", "Verified", "Violated", "Unknown", "Witness", "Status")},
    "Interrupted": "verify.results",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sparsecert' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
