"""synthesize(): found networks checked on every point; "none exists" checked by exhaustive search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sparsecert.sparse_models import InvalidArgument, ShapeError, junta_block, sign_patterns
from sparsecert.verify import Status, synthesize, truth_table
from sparsecert.verify.synthesis import evaluate


def _check_found(res, table, k):
    assert res.outcome == "found" and res.status is Status.VERIFIED
    X = sign_patterns(int(np.log2(len(table))))
    np.testing.assert_array_equal(res.block.forward(X)[:, 0], np.array(table, dtype=float))
    assert int(res.block.active_count(X).max()) <= k
    assert np.all(np.abs(res.block.W1) <= res.weight_range) and np.all(np.abs(res.block.W2) <= res.weight_range)
    assert np.all(np.abs(res.block.b1) <= res.weight_range)
    assert np.all(res.block.W1 == np.round(res.block.W1))


@pytest.mark.parametrize("name,t", [("and", 2), ("or", 2), ("majority", 3), ("and", 3)])
@pytest.mark.parametrize("act", ["step", "relu"])
def test_smaller_than_the_junta(name, t, act):
    table = truth_table(name, t)
    res = synthesize(table, 1, 2**t, weight_range=2, activation=act)
    _check_found(res, table, 1)
    assert res.width < 2**t  # the junta construction uses 2^t units
    assert res.widths_ruled_out == tuple(range(1, res.width))


def test_parity_needs_the_junta_width_with_one_active_unit():
    table = truth_table("parity", 2)
    res = synthesize(table, 1, 4, weight_range=2, activation="step")
    _check_found(res, table, 1)
    assert res.width == 4 and res.widths_ruled_out == (1, 2, 3)
    junta = junta_block(2, [0, 1], np.array(table, dtype=float), activation="step")  # the construction itself
    X = sign_patterns(2)
    np.testing.assert_array_equal(junta.forward(X)[:, 0], table)
    assert junta.active_count(X).max() == 1
    two = synthesize(table, 2, 4, weight_range=2, activation="step")  # k = 2 allows a narrower one
    _check_found(two, table, 2)
    assert two.width == 3


def _exists(table, k, s, R, act):
    """Exhaustive search over every integer network of width <= s with entries in [-R, R] (t = 2)."""
    vals = range(-R, R + 1)
    units = [(np.array(w), b, a) for w in itertools.product(vals, repeat=2) for b in vals for a in vals if a]
    for width in range(1, s + 1):
        for combo in itertools.combinations_with_replacement(units, width):
            W = np.array([u[0] for u in combo])
            out, counts = evaluate(W, np.array([u[1] for u in combo]), np.array([u[2] for u in combo]), act)
            if np.array_equal(out, table) and counts.max() <= k:
                return True
    return False


@pytest.mark.parametrize("act", ["step", "relu"])
def test_none_exists_answers_match_exhaustive_search(act):
    seen = set()
    for name in ("parity", "and", "or", "dictator"):
        table = truth_table(name, 2)
        for k, s in ((1, 1), (1, 2), (2, 2)):
            res = synthesize(table, k, s, weight_range=1, activation=act)
            truth = _exists(np.array(table), k, s, 1, act)
            assert res.outcome == ("found" if truth else "none"), (name, k, s, res.as_dict())
            assert res.status is (Status.VERIFIED if truth else Status.VIOLATED)
            if truth:
                _check_found(res, table, k)
            seen.add(res.outcome)
    assert seen == {"found", "none"}


def test_bad_tables():
    with pytest.raises(InvalidArgument, match="-1 and 1"):
        synthesize([1, 0, 1, 1], 1, 2, weight_range=1)
    with pytest.raises(ShapeError, match="2\\^t"):
        synthesize([1, -1, 1], 1, 2, weight_range=1)
    with pytest.raises(InvalidArgument):
        synthesize([1, -1], 1, 2, weight_range=0)
    with pytest.raises(InvalidArgument, match="activation"):
        synthesize([1, -1], 1, 2, weight_range=1, activation="gelu")
    with pytest.raises(InvalidArgument, match="majority"):
        truth_table("majority", 2)


@pytest.mark.slow
@pytest.mark.parametrize("act", ["step", "relu"])
def test_parity3_with_one_active_unit_needs_the_full_junta(act):
    table = truth_table("parity", 3)
    res = synthesize(table, 1, 8, weight_range=2, activation=act)
    _check_found(res, table, 1)
    assert res.width == 8 and res.widths_ruled_out == tuple(range(1, 8))
