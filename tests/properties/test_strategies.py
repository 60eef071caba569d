"""Each strategy keeps its promise; bad arguments raise Hypothesis's InvalidArgument; draws shrink small."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument as HypothesisInvalidArgument

from sparsecert.properties.strategies import (
    LabelledSample,
    StrategyArgumentError,
    blocks,
    domains,
    juntas,
    labelled_samples,
    points,
    sparse_blocks,
)
from sparsecert.sparse_models import Hypercube, InvalidArgument, MLPBlock, Polytope
from sparsecert.verify import Verified, check_sparsity, max_active
from sparsecert.verify.exact_eval import exact_active_mask

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def cube_points(n: int) -> np.ndarray:
    return np.concatenate([X for _, X in Hypercube(n).chunks()])


def exact_max_by_enumeration(block: MLPBlock) -> int:
    mask, _ = exact_active_mask(block, cube_points(block.n), 0.0)
    return int(mask.sum(axis=1).max())


def is_integer_block(b: MLPBlock) -> bool:
    arrays = [b.W1, b.b1] + ([] if b.W2 is None else [b.W2, b.b2])
    return all(np.all(a == np.round(a)) for a in arrays)


# -- blocks ----------------------------------------------------------------------------------------

@FAST
@given(blocks(max_n=4, max_s=5, outputs=2))
def test_blocks_are_valid_and_within_bounds(b):
    assert isinstance(b, MLPBlock)
    assert 1 <= b.n <= 4 and 1 <= b.s <= 5 and b.m == 2
    assert np.all(np.isfinite(b.W1)) and np.all(np.isfinite(b.b1))


@FAST
@given(blocks(n=3, s=2, activation="leaky_relu:0.1", outputs=0))
def test_blocks_respect_fixed_sizes_and_activation(b):
    assert (b.n, b.s, b.W2) == (3, 2, None)
    assert b.activation.spec == "leaky_relu:0.1"


def test_blocks_reach_every_degenerate_kind():
    cube = cube_points(3)
    checks = {
        "tie": lambda b: bool(np.any((b.pre_activations(cube) == 0.0) & np.any(b.W1 != 0, axis=1))),
        "dead": lambda b: bool(np.any(b.b1 + np.abs(b.W1).sum(axis=1) < 0)),
        "duplicate": lambda b: b.s > 1 and len({r.tobytes() for r in np.hstack([b.W1, b.b1[:, None]])}) < b.s,
        "huge": lambda b: bool(np.max(np.abs(b.W1)) >= 2.0**20),
        "tiny": lambda b: bool(np.any((b.W1 != 0) & (np.abs(b.W1) <= 2.0**-20))),
        "real": lambda b: bool(np.any((b.W1 != np.round(b.W1)) & (np.abs(b.W1) > 2.0**-20))),
    }
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, phases=[Phase.generate], derandomize=True)
    @given(blocks(n=3, max_s=4))
    def collect(b):
        seen.update(name for name, cond in checks.items() if cond(b))

    collect()
    assert seen == set(checks)


def test_blocks_shrink_to_small_integer_networks():
    found = find(blocks(), lambda b: exact_max_by_enumeration(b) >= 2,
                 settings=settings(database=None, derandomize=True, max_examples=500))
    assert (found.n, found.s) == (1, 2)
    assert max_active(found, Hypercube(1)).value == 2
    assert is_integer_block(found) and np.max(np.abs(found.W1)) <= 1


# -- sparse blocks ---------------------------------------------------------------------------------

@FAST
@given(st.integers(0, 3).flatmap(lambda k: st.tuples(st.just(k), sparse_blocks(k=k, max_n=5, max_s=8, planted=k % 2 == 1))))
def test_sparse_blocks_are_k_sparse_by_verifier_and_enumeration(case):
    k, b = case
    assert 1 <= b.n <= 5 and 1 <= b.s <= 8
    assert exact_max_by_enumeration(b) <= k
    assert isinstance(check_sparsity(b, min(k, b.s), Hypercube(b.n)), Verified)


@settings(max_examples=10, deadline=None, database=None)
@given(sparse_blocks(n=14, s=40, k=3, planted=True))
def test_sparse_blocks_at_larger_size_verified(b):
    assert (b.n, b.s) == (14, 40)
    assert isinstance(check_sparsity(b, 3, Hypercube(14)), Verified)


def test_sparse_blocks_reach_k_and_shrink():
    # exact counts by enumeration while searching; the result is re-checked by the verifier
    found = find(sparse_blocks(k=2), lambda b: exact_max_by_enumeration(b) >= 2,
                 settings=settings(database=None, derandomize=True, max_examples=2000))
    assert (found.s, found.n) == (2, 1) and is_integer_block(found)
    assert np.max(np.abs(found.W1)) <= 1 and max_active(found, Hypercube(1)).value == 2


# -- juntas, domains, points -----------------------------------------------------------------------

@FAST
@given(juntas(max_n=6, max_t=3, values=(-1.0, 0.5, 2.0)))
def test_juntas_are_one_sparse_functions_of_few_coordinates(b):
    assert max_active(b, Hypercube(b.n)).value == 1
    used = np.flatnonzero(np.any(b.W1 != 0, axis=0))
    assert used.size <= 3
    assert set(np.unique(b.W2)) <= {-1.0, 0.5, 2.0}


@settings(max_examples=10, deadline=None, database=None)
@given(juntas(t=3, max_n=5))
def test_juntas_with_fixed_t_draw_n_at_least_t(b):
    assert 3 <= b.n <= 5 and b.s == 8


@FAST
@given(st.integers(1, 4).flatmap(lambda n: domains(n).flatmap(lambda d: st.tuples(st.just(n), st.just(d), points(d)))))
def test_points_lie_in_their_domains(case):
    n, d, x = case
    assert d.dim == n and x.shape == (n,)
    assert d.contains(x)


def test_points_on_the_cube_shrink_to_all_hi():
    x = find(points(Hypercube(5)), lambda x: True)
    assert x.tolist() == [1.0] * 5


# -- labelled samples ------------------------------------------------------------------------------

@FAST
@given(labelled_samples(juntas(n=4, max_t=2), 50, noise=0.2))
def test_labelled_samples_follow_the_block_up_to_flips(sample):
    assert isinstance(sample, LabelledSample)
    X, y = sample
    f = sample.block.forward(X)[:, 0]
    assert X.shape == (50, 4) and np.all(np.abs(X) == 1)
    flipped = (y != f)
    assert np.all(y[flipped] == -f[flipped])
    assert int(flipped.sum()) <= sample.flipped


def test_labelled_samples_without_noise_are_exact():
    b = find(blocks(n=3, s=2), lambda b: True)
    sample = find(labelled_samples(b, 20), lambda s: True)
    assert sample.seed == 0 and sample.flipped == 0
    assert np.array_equal(sample.y, b.forward(sample.X)[:, 0])


# -- invalid arguments -----------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: blocks(n=0), "n=0 is out of range"),
    (lambda: blocks(max_s=10_000), "max_s=10000 is out of range"),
    (lambda: blocks(n=2.5), "n must be a whole number"),
    (lambda: blocks(activation="softmax"), "unknown activation"),
    (lambda: sparse_blocks(k=-1), "k=-1 is out of range"),
    (lambda: juntas(values=()), "values must be a non-empty"),
    (lambda: juntas(n=2, t=3), "n=2 is out of range; it must lie in \\[3, 24\\]"),
    (lambda: juntas(t=4, max_n=3), "max_n=3 is out of range"),
    (lambda: domains(0), "n=0"),
    (lambda: domains(2, kinds=("sphere",)), "kinds must be"),
    (lambda: points(Polytope(np.eye(2), np.ones(2))), "not supported"),
    (lambda: points("cube"), "needs a sparsecert domain"),
    (lambda: labelled_samples(MLPBlock([[1.0]], [0.0]), 0), "m=0"),
    (lambda: labelled_samples(MLPBlock([[1.0]], [0.0]), 5, noise=0.7), "noise"),
    (lambda: labelled_samples("block", 5), "block must be"),
])
def test_invalid_arguments_raise_hypothesis_invalid_argument(make, message):
    with pytest.raises(HypothesisInvalidArgument, match=message) as info:
        make()
    assert isinstance(info.value, StrategyArgumentError) and isinstance(info.value, InvalidArgument)
