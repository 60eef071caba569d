"""Regression: the gradient baseline trained with the sparsity penalty yields blocks the verifier proves k-sparse.

Targets are 2-juntas on {-1,1}^6 drawn by Hypothesis; the training set is the whole cube
(the domain the verifier certifies). With the top-k hinge penalty (target_k = 2) every
trained block is proved 2-sparse by the exact verifier; plain training is not.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from sparsecert.properties import SparsityAssertionError, assert_k_sparse
from sparsecert.properties.strategies import juntas
from sparsecert.sparse_models import Hypercube, SparseMLPTrainer, junta_block

CUBE = np.concatenate([X for _, X in Hypercube(6).chunks()])
PENALISED = dict(steps=1000, lr=0.02, hinge=1.0, target_k=2)


@pytest.mark.sparsecert
@settings(max_examples=4, derandomize=True, database=None, deadline=None)
@given(juntas(n=6, t=2))
def test_penalised_training_gives_provably_two_sparse_blocks(target):
    y = target.forward(CUBE)[:, 0]
    block, report = SparseMLPTrainer(16, **PENALISED).fit(CUBE, y, seed=0)
    assert report.mse < 1e-3  # it still fits the target
    assert_k_sparse(block, 2, Hypercube(6))


@pytest.mark.sparsecert
def test_plain_training_is_refuted_with_a_witness():
    target = junta_block(6, [0, 2], [1, -1, -1, 1])
    y = target.forward(CUBE)[:, 0]
    plain, _ = SparseMLPTrainer(16, steps=1000, lr=0.02).fit(CUBE, y, seed=0)
    with pytest.raises(SparsityAssertionError, match="witness input x"):
        assert_k_sparse(plain, 2, Hypercube(6))
    penalised, _ = SparseMLPTrainer(16, **PENALISED).fit(CUBE, y, seed=0)
    assert_k_sparse(penalised, 2, Hypercube(6))


@pytest.mark.slow
@pytest.mark.sparsecert
@settings(max_examples=25, derandomize=True, database=None, deadline=None)
@given(juntas(n=6, t=2))
def test_penalised_training_one_sparse_many_targets(target):
    y = target.forward(CUBE)[:, 0]
    block, report = SparseMLPTrainer(16, steps=1500, lr=0.02, hinge=1.0, l1=0.01, target_k=1).fit(CUBE, y, seed=1)
    assert report.mse < 1e-2
    assert_k_sparse(block, 1, Hypercube(6))
