"""Deep max-active and k-checks against an exact activation-pattern oracle (exact simplex in Fractions)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.errors import InvalidArgument
from sparsecert.sparse_models.network import Dense, InputNormalization, Network
from sparsecert.verify.deep import InputBox, check_sparsity, max_active, max_active_all_layers
from sparsecert.verify.deep.exact import ExactLayers
from sparsecert.verify.results import Verified, Violated

from .exact_lp import oracle_max_active, simplex_max
from .nets import oracle_layers, random_network

F = Fraction


def _box(net: Network, seed: int) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed + 7)
    c = rng.normal(size=net.n) * 0.5
    r = rng.uniform(0.3, 1.5, size=net.n)
    return list(c - r), list(c + r)


def _check_witness(net, L, res, lo, hi, tau=0.0):
    w = res.witness
    assert w is not None and w.count == res.value
    assert all(F(float(a)) <= F(float(v)) <= F(float(b)) for v, a, b in zip(w.x, lo, hi))
    point = w.exact_x if w.exact_x is not None else [F(float(v)) for v in w.x]
    assert len(ExactLayers(net.layers[: L + 1]).active(point, L, tau)) == res.value
    if w.exact_x is None:  # the float forward pass agrees unless a unit sits on its threshold
        z = net.pre_activations(w.x)[L]
        assert int((z > tau).sum()) == res.value or w.borderline


def test_simplex_on_known_lps():
    assert simplex_max([F(1), F(1)], [[F(1), F(2)], [F(3), F(1)]], [F(4), F(6)])[0] == F(14, 5)
    assert simplex_max([F(1)], [[F(-1)], [F(1)]], [F(-2), F(5)])[0] == 5
    assert simplex_max([F(1)], [[F(-1)], [F(1)]], [F(-6), F(5)]) is None


CASES = [pytest.param(seed, ("auto", "never")[seed % 2]) for seed in range(200, 214) if seed != 208]
CASES += [pytest.param(208, "never", marks=pytest.mark.slow)]  # the hardest of the range: ~10-60 s


@pytest.mark.parametrize("seed,split", CASES)
def test_max_active_matches_oracle(seed, split):
    net = random_network(seed, max_width=6)
    lo, hi = _box(net, seed)
    box = InputBox(lo, hi)
    for L in range(net.hidden_layers):
        expect = oracle_max_active(oracle_layers(net, L), L, lo, hi)
        res = max_active(net, L, box, timeout=300, split=split, seed=seed)
        assert res.value <= expect <= res.upper_bound  # never a wrong bound, even on timeout
        assert res.optimal and res.value == expect, (seed, L, expect, res.value, res.upper_bound)
        _check_witness(net, L, res, lo, hi)


@pytest.mark.parametrize("seed", [400, 401, 402])
def test_leaky_relu_and_tau_match_oracle(seed):
    net = random_network(seed, max_width=6, slope=0.1)
    lo, hi = _box(net, seed)
    tau = 0.25
    for L in range(net.hidden_layers):
        expect = oracle_max_active(oracle_layers(net, L), L, lo, hi, tau)
        res = max_active(net, L, InputBox(lo, hi), tau=tau, timeout=60)
        assert res.optimal and res.value == expect
        _check_witness(net, L, res, lo, hi, tau)


@pytest.mark.parametrize("seed", [500, 501, 502, 503])
def test_check_sparsity_agrees_with_oracle(seed):
    net = random_network(seed, max_width=6)
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    expect = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    ok = check_sparsity(net, L, expect, InputBox(lo, hi), timeout=60)
    assert isinstance(ok, Verified) and ok.upper_bound <= expect
    if expect > 0:
        bad = check_sparsity(net, L, expect - 1, InputBox(lo, hi), timeout=60)
        assert isinstance(bad, Violated) and bad.witness.count > expect - 1


def test_all_layers_table_and_parallel_regions_agree():
    net = random_network(211, max_width=6, depth=(3, 3))
    lo, hi = _box(net, 211)
    table = max_active_all_layers(net, InputBox(lo, hi), timeout=60)
    assert len(table.results) == net.hidden_layers and table.optimal
    par = max_active(net, "all", InputBox(lo, hi), timeout=60, jobs=2)
    for L, (a, b) in enumerate(zip(table.results, par.results)):
        assert a.value == b.value == oracle_max_active(oracle_layers(net, L), L, lo, hi)
    d = table.as_dict()
    assert [e["layer"] for e in d["layers"]] == list(range(net.hidden_layers))
    assert "max active" in table.format()


def test_raw_box_through_normalisation_is_exact():
    """A box in raw coordinates is clipped and normalised exactly (range not a power of two)."""
    rng = np.random.default_rng(9)
    layers = [Dense(rng.normal(size=(5, 2)), rng.normal(size=5) * 0.3, "relu"),
              Dense(rng.normal(size=(4, 5)), rng.normal(size=4) * 0.3, "relu"), Dense(np.ones((1, 4)), [0.0])]
    norm = InputNormalization([0.0, -3.0], [10.0, 3.0], [5.0, 0.0], [10.0, 6.0])
    net = Network(layers, normalization=norm)
    raw = InputBox([-5.0, -1.0], [8.0, 2.0])  # beyond the header on input 0: clipped to [0, 8]
    res = max_active(net, 1, raw, timeout=60)
    ulo = [(F(0) - 5) / 10, (F(-1) - 0) / 6]
    uhi = [(F(8) - 5) / 10, (F(2) - 0) / 6]
    plain = Network(layers)
    expect = oracle_max_active(oracle_layers(plain, 1), 1, [float(v) for v in ulo], [float(v) for v in uhi])
    # the oracle needs float endpoints; the exact box differs by < 1 ulp, so compare with a bracket check too
    assert res.optimal
    assert abs(res.value - expect) <= 1
    assert raw.contains_exact([F(float(v)) for v in res.witness.x])
    assert "clipped" in " ".join(res.stats.notes)
    z = net.pre_activations(res.witness.x)[1]
    assert int((z > 0).sum()) == res.value or res.witness.exact_x is not None


def test_bad_arguments_are_refused():
    net = random_network(1)
    with pytest.raises(InvalidArgument, match="layer"):
        max_active(net, net.hidden_layers, Box.uniform(net.n, -1, 1))
    with pytest.raises(InvalidArgument, match="Network"):
        max_active(net.layer_block(0), 0, Box.uniform(net.n, -1, 1))
    with pytest.raises(InvalidArgument, match="input boxes"):
        max_active(net, 0, object())
    with pytest.raises(InvalidArgument, match="split"):
        max_active(net, 0, Box.uniform(net.n, -1, 1), split="sometimes")


@pytest.mark.parametrize("seed", [607, 611])
def test_four_inputs_match_oracle(seed):
    net = random_network(seed, max_width=6, max_inputs=4, depth=(2, 3))
    assert net.n == 4
    lo, hi = _box(net, seed)
    for L in range(net.hidden_layers):
        res = max_active(net, L, InputBox(lo, hi), timeout=60)
        assert res.optimal and res.value == oracle_max_active(oracle_layers(net, L), L, lo, hi)
        _check_witness(net, L, res, lo, hi)
