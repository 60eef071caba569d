"""Hypothesis strategies for sparsecert objects (public names; the code lives in ``_internal``).

``blocks``, ``sparse_blocks`` (exact max-active <= k on the ±1 cube, by construction),
``juntas``, ``domains``, ``points`` and ``labelled_samples``. Bad arguments raise
:class:`StrategyArgumentError`, a ``hypothesis.errors.InvalidArgument``.

A user's test (run by plain ``pytest``; the sparsecert plugin adds the options and summary)::

    import pytest
    from hypothesis import given
    from sparsecert.properties import assert_k_sparse
    from sparsecert.properties.strategies import sparse_blocks
    from sparsecert.sparse_models import Hypercube

    @pytest.mark.sparsecert
    @given(sparse_blocks(n=6, k=2))
    def test_my_quantiser_keeps_sparsity(block):
        assert_k_sparse(my_quantise(block), 2, Hypercube(6))

A failure shows the shrunk block as ``MLPBlock(W1=..., ...)`` source when it is small (else it
is saved under ``.sparsecert/failures/`` and loaded by the reproduction), the witness input, the
active units and the exact ``check_sparsity(...)`` call that reproduces it. The marker is
optional: the plugin's ``--sparsecert-profile`` applies to every test that uses these strategies.
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
