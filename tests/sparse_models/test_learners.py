"""The learners: exact low-degree estimates on the full cube, incremental characters, the trained baseline."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from sparsecert.properties.fourier import spectrum
from sparsecert.sparse_models import Hypercube, InvalidArgument, LowDegreeLearner, ShapeError, SparseMLPTrainer, junta_block
from sparsecert.sparse_models.learners import characters, low_degree_subsets, subset_count


def cube(n: int) -> np.ndarray:
    return np.concatenate([X for _, X in Hypercube(n).chunks()])


def test_characters_match_products_and_order():
    X = Hypercube(7).sample(3, 50)
    subs = low_degree_subsets(7, 3)
    assert len(subs) == subset_count(7, 3) == 1 + 7 + 21 + 35
    assert list(subs) == [()] + [S for t in (1, 2, 3) for S in combinations(range(7), t)]
    ref = np.stack([np.prod(X[:, list(S)], axis=1) if S else np.ones(50) for S in subs], axis=1)
    assert np.array_equal(characters(X, 3), ref)


def test_full_cube_gives_exact_coefficients():
    # On the whole cube as the sample, f~(S) = f^(S) exactly (for dyadic values), and h is the degree-d truncation.
    f = junta_block(5, [0, 3, 4], [1, -1, -1, 1, 1, 1, -1, -1])
    X = cube(5)
    y = f.forward(X)[:, 0]
    lrn = LowDegreeLearner(2).fit(X, y)
    spec = spectrum(f)
    assert np.allclose(lrn.coefficients_, spec.coefficients[lrn.masks_], atol=1e-12)
    err = np.mean((lrn.predict(X) - y) ** 2)
    assert err == pytest.approx(spec.tail_weight(2), abs=1e-12)
    assert lrn.report_.N_d == 16 and lrn.report_.m == 32 and lrn.report_.degree == 2


def test_clipping_never_increases_error():
    f = junta_block(6, [1, 2], [1, -1, -1, 1])
    X = Hypercube(6).sample(0, 40)
    y = f.forward(X)[:, 0]
    XX = cube(6)
    yy = f.forward(XX)[:, 0]
    plain = np.mean((LowDegreeLearner(3).fit(X, y).predict(XX) - yy) ** 2)
    clipped = np.mean((LowDegreeLearner(3, clip=1.0).fit(X, y).predict(XX) - yy) ** 2)
    assert clipped <= plain
    assert clipped < plain  # with 40 samples the degree-3 estimate overshoots somewhere


def test_low_degree_refuses_bad_input():
    with pytest.raises(InvalidArgument, match="±1"):
        LowDegreeLearner(1).fit(np.array([[0.0, 1.0]]), np.array([1.0]))
    with pytest.raises(ShapeError, match="y must have shape"):
        LowDegreeLearner(1).fit(np.ones((3, 2)), np.ones(2))
    with pytest.raises(InvalidArgument, match="before predict"):
        LowDegreeLearner(1).predict(np.ones((1, 2)))
    with pytest.raises(InvalidArgument, match="degree"):
        LowDegreeLearner(-1)
    with pytest.raises(InvalidArgument, match="clip"):
        LowDegreeLearner(1, clip=0.0)


def test_trainer_penalty_reduces_activity_and_is_seeded():
    n = 6
    f = junta_block(n, [0, 2], [1, -1, -1, 1])
    X = Hypercube(n).sample(0, 256)
    y = f.forward(X)[:, 0]
    plain, rp = SparseMLPTrainer(16, steps=800, lr=0.02).fit(X, y, seed=1)
    sparse, rs = SparseMLPTrainer(16, steps=800, lr=0.02, hinge=1.0, target_k=2).fit(X, y, seed=1)
    again, _ = SparseMLPTrainer(16, steps=800, lr=0.02, hinge=1.0, target_k=2).fit(X, y, seed=1)
    assert sparse.same_as(again)
    assert rs.train_max_active <= 2 < rp.train_max_active
    assert rs.mse < 1e-3 and rp.mse < 1e-3
    assert rs.hinge_penalty >= 0 and rp.hinge_penalty == 0


def test_trainer_refuses_bad_arguments():
    with pytest.raises(InvalidArgument, match="target_k"):
        SparseMLPTrainer(4, target_k=5)
    with pytest.raises(InvalidArgument, match="lr"):
        SparseMLPTrainer(4, lr=0)
    with pytest.raises(InvalidArgument, match="seed"):
        SparseMLPTrainer(4).fit(np.ones((2, 2)), np.ones(2), seed=-1)
