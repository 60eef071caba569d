"""The cube's cheap structure (verify/exclusions.py) against brute force: every conflict is a
pair of units never active together, the cliques partition the rows and are cliques of the
conflict graph, and their number bounds the maximum from above."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from sparsecert.sparse_models import random_block
from sparsecert.verify.exclusions import analyse_cube
from sparsecert.verify.integer_form import cube_rows


def _active_sets(rows, n: int) -> list[set[int]]:
    return [{r for r in range(len(rows)) if rows.active(r, list(y))} for y in itertools.product((0, 1), repeat=n)]


def _check(rows, n: int) -> None:
    st_ = analyse_cube(rows)
    s = len(rows)
    assert sorted(r for c in st_.cliques for r in c) == list(range(s))  # a partition of the rows
    for c in st_.cliques:
        assert all(b in st_.conflicts[a] for a, b in itertools.combinations(c, 2)), c
    assert all((b in st_.conflicts[a]) == (a in st_.conflicts[b]) for a in range(s) for b in range(s))
    sets = _active_sets(rows, n)
    for a in range(s):
        for b in st_.conflicts[a]:
            assert not any(a in on and b in on for on in sets), (a, b)  # a conflict is never active together
    for r, lits in enumerate(st_.implied):
        for on, y in zip(sets, itertools.product((0, 1), repeat=n)):
            if r in on:
                assert all(y[j] == v for j, v in lits), (r, lits, y)  # an implied literal holds where r is active
    assert max(len(on) for on in sets) <= st_.clique_bound


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 7), s=st.integers(1, 12), seed=st.integers(0, 10**6),
       rate=st.sampled_from([0.02, 0.1, 0.3, 0.6]), dup=st.booleans())
def test_structure_against_brute_force(n, s, seed, rate, dup):
    block = random_block(n, s, seed=seed, fire_rate=rate)
    W, b = block.W1, block.b1
    if dup:  # duplicated units and an exact negation: conflicts and cliques among equal rows
        W, b = np.vstack([W, W[:1], -W[:1]]), np.r_[b, b[:1], b[:1]]
    rows = cube_rows(W, b, np.arange(len(b)), -1.0, 1.0, 0.0)
    _check(rows, n)


def test_one_hot_units_form_one_clique():
    """Units each pinned to one corner of a coordinate pair conflict pairwise: one clique of four."""
    W = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    rows = cube_rows(W, np.full(4, -1.5), np.arange(4), -1.0, 1.0, 0.0)
    structure = analyse_cube(rows)
    assert structure.clique_bound == 1 and sorted(structure.cliques[0]) == [0, 1, 2, 3]
    _check(rows, 2)


def test_thousands_of_rows_without_conflicts_are_singletons():
    block = random_block(30, 2048, seed=0)
    rows = cube_rows(block.W1, block.b1, np.arange(2048), -1.0, 1.0, 0.0)
    structure = analyse_cube(rows)
    assert sorted(r for c in structure.cliques for r in c) == list(range(2048))
    assert all(all(b in structure.conflicts[a] for b in c if b != a) for c in structure.cliques for a in c)


def test_no_rows():
    rows = cube_rows(np.zeros((0, 3)), np.zeros(0), np.arange(0), -1.0, 1.0, 0.0)
    assert analyse_cube(rows).clique_bound == 0
