"""Instance bounds (docs/theory.md §7): a network's own norms, sparsity and F, and the registry evaluated there."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sparsecert.properties.bounds import INSTANCE_HEADING, instance_bounds, network_quantities
from sparsecert.sparse_models import Box, Hypercube, MLPBlock, PointSet, parity_block, random_block
from sparsecert.sparse_models.errors import DomainError, InvalidArgument


def entries(report):
    return {e.name: e for e in report.entries}


def brute(block, X):
    Z = X @ block.W1.T + block.b1
    return (Z > 0).sum(axis=1)


def test_parity_block_on_the_cube():
    block = parity_block(8, [0, 1, 2])
    rep = instance_bounds(block, Hypercube(8))
    q = rep.quantities
    assert rep.heading == INSTANCE_HEADING == "class-level bounds evaluated at this network's norms"
    assert (q.k, q.k_exact, q.n, q.s) == (1, True, 8, 8)
    assert q.mean_active == 1.0 and q.mean_active_exact
    assert q.B_a == 1 and q.B_b == 2
    assert math.sqrt(3) <= q.B_w <= math.sqrt(3) * (1 + 1e-12)  # rounded up, never down
    assert math.sqrt(8) <= q.R <= math.sqrt(8) * (1 + 1e-12)
    assert 1 <= q.F <= 1 + 1e-9
    e = entries(rep)
    # docs/theory.md §2: for the t-parity B5 = 4t (the exact influence is t = 3)
    assert e["influence_sparse_relu"].evaluation.value == pytest.approx(12, rel=1e-12)
    assert e["influence_sparse_relu"].evaluation.value >= 12
    assert e["influence_step"].evaluation is None and "step" in e["influence_step"].reason
    assert e["vc_upper"].evaluation is None
    assert "needs t, tau, gamma" in e["sq_queries"].reason
    assert e["generalization_sample_size"].evaluation.value > 0
    assert rep.parameters["epsilon"] == "0.1" and rep.parameters["m"] == "10000"


def test_exact_sparsity_matches_brute_force():
    block = random_block(10, 30, seed=3, fire_rate=0.2)
    q = network_quantities(block, Hypercube(10))
    X = np.array([Hypercube(10).point(r) for r in range(1 << 10)])
    counts = brute(block, X)
    assert q.k_exact and q.k == counts.max() == q.k_lower == q.k_upper
    assert q.mean_active == pytest.approx(counts.mean())
    F = np.abs(block.forward(X)).max()
    assert F <= q.F <= F * (1 + 1e-9) + 1e-12


def test_large_cube_gives_a_marked_lower_bound_and_uses_the_proved_upper_bound():
    block = random_block(30, 40, seed=1, fire_rate=0.1)
    q = network_quantities(block, Hypercube(30), samples=2000)
    assert not q.k_exact
    assert q.k_lower <= q.k_upper and q.k == q.k_upper
    assert "LOWER bound" in q.k_method
    assert "envelope" in q.F_method
    rep = instance_bounds(block, Hypercube(30), samples=500, names=["influence_sparse_relu"])
    assert any("presolve upper bound" in note for note in rep.quantities.notes)


def test_point_set_is_exact_and_box_is_sampled():
    block = random_block(5, 12, seed=2)
    X = np.random.default_rng(0).uniform(-1, 1, size=(300, 5))
    q = network_quantities(block, PointSet(X))
    assert q.k_exact and q.k == max(1, brute(block, X).max())
    assert q.R >= np.linalg.norm(X, axis=1).max()
    rep = instance_bounds(block, Box.uniform(5, -2, 3), samples=500)
    assert not rep.quantities.k_exact
    assert rep.quantities.R >= math.sqrt(5 * 9)
    e = entries(rep)
    assert "needs the domain {-1,1}^n" in e["influence_sparse_relu"].reason
    assert e["rademacher_dense"].evaluation is not None


def test_step_network_gets_step_bounds_only():
    block = parity_block(6, [0, 1], activation="step")
    e = entries(instance_bounds(block, Hypercube(6)))
    assert e["influence_step"].evaluation is not None
    assert e["vc_upper"].evaluation is not None
    for name in ("influence_sparse_relu", "rademacher_sparse", "generalization_sample_size"):
        assert e[name].evaluation is None and "relu" in e[name].reason


def test_other_activations_get_only_activation_free_bounds():
    block = random_block(6, 8, seed=0, activation="leaky_relu:0.1")
    e = entries(instance_bounds(block, Hypercube(6)))
    assert {name for name, x in e.items() if x.evaluation is not None} == set()
    assert "needs d" in e["lmn_samples"].reason  # no influence bound for leaky ReLU gives a default degree
    e = entries(instance_bounds(block, Hypercube(6), parameters={"d": 2}))
    applied = {name for name, x in e.items() if x.evaluation is not None}
    assert applied == {"lmn_samples_hoeffding", "lmn_samples_mcdiarmid", "lmn_samples"}
    assert "relu units only" in e["rademacher_dense"].reason


def test_multiple_outputs():
    block = random_block(6, 10, seed=4, output_dim=3)
    q_all = network_quantities(block, Hypercube(6))
    q_one = network_quantities(block, Hypercube(6), output=1)
    assert q_all.B_a == np.abs(block.W2).max()
    assert q_one.B_a == np.abs(block.W2[1]).max()
    assert "max over all 3 outputs" in q_all.output and "coordinate 1" in q_one.output
    with pytest.raises(InvalidArgument, match="output must be a coordinate"):
        network_quantities(block, Hypercube(6), output=3)


def test_user_parameters_and_overrides():
    block = parity_block(8, [0, 1, 2])
    rep = instance_bounds(block, Hypercube(8), parameters={"k": 2, "epsilon": "0.5", "t": 3, "tau": "0.01",
                                                          "gamma": "0.5"})
    assert rep.parameters["k"] == "2" and any("given by the user" in n for n in rep.parameter_notes)
    assert entries(rep)["sq_queries"].evaluation is not None
    with pytest.raises(InvalidArgument, match="delta must be"):
        instance_bounds(block, Hypercube(8), parameters={"delta": 2})


def test_never_active_network_is_evaluated_at_k_1():
    block = MLPBlock(np.ones((3, 4)), -10 * np.ones(3), np.ones((1, 3)))
    q = network_quantities(block, Hypercube(4))
    assert q.k == 1 and q.k_lower == 0 and any("no unit is ever active" in n for n in q.notes)


def test_domain_errors():
    block = parity_block(4, [0])
    with pytest.raises(DomainError, match="dimension"):
        network_quantities(block, Hypercube(5))
