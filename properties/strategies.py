"""Hypothesis strategies for sparsecert objects (public names; the code lives in ``_internal``).

``blocks``, ``sparse_blocks`` (exact max-active <= k on the ±1 cube, by construction),
``juntas``, ``domains``, ``points`` and ``labelled_samples``. Bad arguments raise
:class:`StrategyArgumentError`, a ``hypothesis.errors.InvalidArgument``.
"""

from ._internal.strategies import (
    DOMAIN_KINDS,
    UNIT_KINDS,
    LabelledSample,
    StrategyArgumentError,
    blocks,
    domains,
    juntas,
    labelled_samples,
    points,
    sparse_blocks,
)

__all__ = ["blocks", "sparse_blocks", "juntas", "domains", "points", "labelled_samples", "LabelledSample",
           "StrategyArgumentError", "UNIT_KINDS", "DOMAIN_KINDS"]
