"""is_member(): each condition of H(n, s, k) with its own verdict and witness; exact norms."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import Box, Hypercube, InvalidArgument, MLPBlock, parity_block
from sparsecert.verify import is_member

from .exact_oracle import cube_points, exact_max_active


def test_parity_junta_is_member_with_exact_bounds():
    block = parity_block(5, [0, 2, 4])  # 8 units, w = alpha on 3 coords (norm sqrt 3), b = -2, a = ±1
    res = is_member(block, 5, 8, 1, Hypercube(5), weight_bound=2, bias_bound=2, output_bound=1)
    assert res.status == "verified", res.as_dict()
    assert [c.name for c in res.conditions] == ["width", "input_dimension", "activation", "weight_norm", "bias",
                                                "output_weight", "sparsity"]
    assert all(c.status == "verified" for c in res.conditions)


def test_each_condition_reports_its_own_witness():
    block = parity_block(5, [0, 2, 4])
    res = is_member(block, 5, 7, 0, Hypercube(5), weight_bound=1.7, bias_bound=1.9, output_bound=0.5)
    assert res.status == "violated"
    st = {c.name: c for c in res.conditions}
    assert st["width"].status == "violated" and st["input_dimension"].status == "verified"
    assert st["weight_norm"].status == "violated" and st["weight_norm"].unit is not None
    assert st["bias"].status == "violated" and st["bias"].unit is not None
    assert st["output_weight"].status == "violated"
    sp = st["sparsity"]
    assert sp.status == "violated"
    x = sp.sparsity.witness.x
    assert Hypercube(5).contains(x) and block.active_count(x) >= 1


def test_norm_comparison_is_exact_at_the_boundary():
    block = MLPBlock([[3.0, 4.0], [0.0, 1.0]], [0.0, -1.0], [[1.0, -2.0]], [0.0])
    assert is_member(block, 2, 2, 2, Hypercube(2), weight_bound=5.0).condition("weight_norm").status == "verified"
    below = np.nextafter(5.0, 0.0)
    c = is_member(block, 2, 2, 2, Hypercube(2), weight_bound=below).condition("weight_norm")
    assert c.status == "violated" and c.unit == 0
    # ||(1,1)||_2 = sqrt(2) against sqrt(2) rounded to float64: decided by the exact squares, not by floats
    unit = MLPBlock([[1.0, 1.0]], [0.0], [[1.0]], [0.0])
    expected = "verified" if Fraction(math.sqrt(2)) ** 2 >= 2 else "violated"
    assert is_member(unit, 2, 1, 1, Hypercube(2), weight_bound=math.sqrt(2)).condition("weight_norm").status == expected
    c = is_member(block, 2, 2, 2, Hypercube(2), output_bound=1.5).condition("output_weight")
    assert c.status == "violated" and c.unit == 1


def test_sparsity_matches_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(5):
        block = MLPBlock(rng.normal(size=(6, 5)), rng.normal(size=6) - 1.0, rng.normal(size=(1, 6)), [0.0])
        true_k = exact_max_active(block, cube_points(5))
        assert is_member(block, 5, 6, true_k, Hypercube(5)).status == "verified"
        if true_k > 0:
            assert is_member(block, 5, 6, true_k - 1, Hypercube(5)).condition("sparsity").status == "violated"


def test_activation_input_dimension_and_bad_bounds():
    leaky = MLPBlock([[1.0, 0.0]], [0.0], [[1.0]], [0.0], "leaky_relu:0.1")
    res = is_member(leaky, 3, 1, 1, Box.uniform(2, -1, 1))
    assert res.condition("activation").status == "violated"
    assert res.condition("input_dimension").status == "violated"
    assert res.condition("sparsity").status == "unknown"
    with pytest.raises(InvalidArgument, match="weight_bound"):
        is_member(leaky, 2, 1, 1, Hypercube(2), weight_bound=-1)
    with pytest.raises(InvalidArgument):
        is_member(leaky, 2, 1, -1, Hypercube(2))
