"""assert_k_sparse / assert_equivalent / assert_learns: pass on proofs, fail with witness and a runnable reproduction."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import strategies as st

import sparsecert.verify as verify
from sparsecert.properties import (
    EquivalenceAssertionError,
    LearningAssertionError,
    NotProvedError,
    SparsityAssertionError,
    assert_equivalent,
    assert_k_sparse,
    assert_learns,
)
from sparsecert.properties._internal import session
from sparsecert.properties.assertions import binomial_tail
from sparsecert.properties.strategies import juntas
from sparsecert.sparse_models import (
    Box,
    Hypercube,
    InvalidArgument,
    LowDegreeLearner,
    MLPBlock,
    PointSet,
    parity_block,
    planted_sparse,
)
from sparsecert.verify import Unknown, Verified, Violated

DENSE = MLPBlock([[1, 0], [0, 1], [1, 1]], [0, 0, 0], [[1, 1, 1]], [0])


def reproduce_code(message: str) -> str:
    return "\n".join(line.strip() for line in message.split("reproduce:\n", 1)[1].splitlines())


def test_assert_k_sparse_passes_with_a_proof_and_counts_it():
    before = session.tally().proofs
    res = assert_k_sparse(DENSE, 3, Hypercube(2))
    assert isinstance(res, Verified)
    planted = planted_sparse(10, 40, 3, seed=2)
    assert isinstance(assert_k_sparse(planted.block, 3, Hypercube(10)), Verified)
    assert session.tally().proofs == before + 2


def test_assert_k_sparse_failure_shows_witness_units_and_a_runnable_call():
    before = session.tally().counterexamples
    with pytest.raises(SparsityAssertionError) as info:
        assert_k_sparse(DENSE, 1, Hypercube(2))
    msg = str(info.value)
    assert "witness input x = [1, 1]" in msg
    assert "active units: [0, 1, 2]" in msg
    assert "{0: 1, 1: 1, 2: 2}" in msg  # the pre-activations of the active units
    assert isinstance(info.value, AssertionError) and isinstance(info.value.result, Violated)
    assert session.tally().counterexamples == before + 1
    scope: dict = {}
    exec(reproduce_code(msg), scope)  # the printed call is exact code: it gives the same verdict
    code = reproduce_code(msg).splitlines()[-1]
    again = eval(code, scope)
    assert isinstance(again, Violated) and again.witness.active_units == (0, 1, 2)


def test_assert_k_sparse_on_other_domains_reproduces_them():
    with pytest.raises(SparsityAssertionError) as info:
        assert_k_sparse(DENSE, 2, Box([0.5, -1], [1, 2]))
    code = reproduce_code(str(info.value))
    assert "Box([0.5, -1], [1, 2])" in code
    scope: dict = {}
    exec(code.rsplit("\n", 1)[0], scope)
    assert isinstance(eval(code.splitlines()[-1], scope), Violated)


def test_unknown_fails_as_not_proved(monkeypatch):
    def undecided(block, k, domain, **kw):
        return Unknown(k, 1, 3, "timeout after 0.01 s")

    monkeypatch.setattr("sparsecert.properties.assertions.check_sparsity", undecided)
    before = session.tally().undecided
    with pytest.raises(NotProvedError, match="could not prove within timeout") as info:
        assert_k_sparse(DENSE, 1, Hypercube(2), timeout=0.01)
    assert isinstance(info.value, SparsityAssertionError)
    assert "[1, 3]" in str(info.value) and "not a pass" in str(info.value)
    assert session.tally().undecided == before + 1


def test_default_timeout_comes_from_the_session(monkeypatch):
    seen = {}

    def record(block, k, domain, **kw):
        seen.update(kw)
        return Verified(k, k)

    monkeypatch.setattr("sparsecert.properties.assertions.check_sparsity", record)
    session.set_default_timeout(7.5)
    try:
        assert_k_sparse(DENSE, 1, Hypercube(2))
    finally:
        session.set_default_timeout(None)
    assert seen["timeout"] == 7.5


def test_assert_k_sparse_refuses_bad_input():
    with pytest.raises(InvalidArgument, match="needs an MLPBlock"):
        assert_k_sparse(np.eye(2), 1, Hypercube(2))
    with pytest.raises(InvalidArgument, match="k=-1"):
        assert_k_sparse(DENSE, -1, Hypercube(2))
    with pytest.raises(InvalidArgument, match="dimension"):
        assert_k_sparse(DENSE, 1, Hypercube(3))


def test_assert_equivalent_pass_and_failure():
    pruned = verify.prune(planted_sparse(6, 12, 2, seed=0).block, Hypercube(6))
    assert_equivalent(pruned.original, pruned, Hypercube(6))
    shifted = DENSE.replace(b2=np.array([0.5]))
    with pytest.raises(EquivalenceAssertionError) as info:
        assert_equivalent(DENSE, shifted, PointSet([[1.0, 1.0], [0.0, 0.0]]))
    msg = str(info.value)
    assert "witness input x =" in msg and "a(x) - b(x) = -1/2 exactly" in msg and "active units of a at x" in msg
    code = reproduce_code(msg)
    scope: dict = {}
    exec(code.rsplit("\n", 1)[0], scope)
    assert eval(code.splitlines()[-1], scope).status == "violated"


def test_assert_learns_passes_for_low_degree_on_juntas():
    assert_learns(LowDegreeLearner(2), juntas(n=5, max_t=2), eps=0.1, delta=0.1, m=2000, trials=5,
                  max_examples=5)


def test_assert_learns_fails_with_a_shrunk_target():
    with pytest.raises(LearningAssertionError) as info:
        assert_learns(LowDegreeLearner(1), juntas(n=5, max_t=3), eps=0.1, delta=0.1, m=500, trials=5)
    msg = str(info.value)
    target = re.search(r"target: (MLPBlock\(.*\))", msg).group(1)
    block = eval(target, {"MLPBlock": MLPBlock})
    assert block.s == 4 and np.count_nonzero(np.any(block.W1 != 0, axis=0)) == 2  # shrunk to a 2-junta
    assert "P[Binomial(5, 0.1) >= 5]" in msg and "reproduce:" in msg
    code = reproduce_code(msg)
    assert "from sparsecert.sparse_models import LowDegreeLearner" in code
    scope: dict = {}
    exec(code.rsplit("\n", 1)[0], scope)
    with pytest.raises(LearningAssertionError):  # the printed call fails the same way
        exec(code.splitlines()[-1], scope)


def test_assert_learns_on_a_fixed_target_and_bad_arguments():
    assert_learns(LowDegreeLearner(2), st.just(parity_block(6, [1, 4])), eps=0.05, delta=0.1, m=3000, trials=4)
    with pytest.raises(InvalidArgument, match="fit"):
        assert_learns(object(), st.just(DENSE), 0.1, 0.1, 10)
    with pytest.raises(InvalidArgument, match="strategy"):
        assert_learns(LowDegreeLearner(1), DENSE, 0.1, 0.1, 10)
    with pytest.raises(InvalidArgument, match="delta"):
        assert_learns(LowDegreeLearner(1), st.just(DENSE), 0.1, 1.5, 10)


def test_binomial_tail():
    assert binomial_tail(0, 10, 0.3) == pytest.approx(1.0)
    assert binomial_tail(10, 10, 0.5) == pytest.approx(2.0 ** -10)
    assert binomial_tail(2, 3, 0.5) == pytest.approx(0.5)


@pytest.fixture
def failure_dir(tmp_path):
    before = session.failure_dir()
    session.set_failure_dir(tmp_path / "failures")
    yield tmp_path / "failures"
    session.set_failure_dir(before)


def test_large_blocks_are_saved_and_the_reproduction_loads_them(failure_dir):
    planted = planted_sparse(30, 200, 4, seed=1)
    with pytest.raises(SparsityAssertionError) as info:
        assert_k_sparse(planted.block, 3, Hypercube(30))
    msg = str(info.value)
    assert "W1=" not in msg and len(msg.splitlines()) <= 10 and max(map(len, msg.splitlines())) < 300
    (saved,) = failure_dir.glob("*.npz")
    assert f"saved to {saved}" in msg
    code = reproduce_code(msg)
    assert f'block = load("{saved}")' in code and code.splitlines()[-1] == "check_sparsity(block, 3, Hypercube(30))"
    scope: dict = {}
    exec(code.rsplit("\n", 1)[0], scope)
    assert scope["block"].same_as(planted.block)
    again = eval(code.splitlines()[-1], scope)
    assert isinstance(again, Violated) and again.witness.count == info.value.result.witness.count == 4
    assert np.array_equal(np.load(saved)["witness_x"], info.value.result.witness.x)


def test_falsifying_examples_print_blocks_as_source():
    from hypothesis import given, settings

    from sparsecert.properties.strategies import sparse_blocks

    @settings(max_examples=200, database=None, deadline=None, derandomize=True)
    @given(sparse_blocks(k=2))
    def my_property(block):
        assert_k_sparse(block, 1, Hypercube(block.n))

    with pytest.raises(SparsityAssertionError) as info:
        my_property()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "block=MLPBlock(W1=[[1], [1]], b1=[0, 0], W2=[[0, 0]], b2=[0])" in notes
    assert "witness input x = [1]" in str(info.value)
