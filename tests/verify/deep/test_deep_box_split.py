"""The best-first input splitting (verify/deep/box_split.py) against the exact activation-pattern oracle.

Its bound is proved at every moment: every bracket must contain the oracle's value, every answer it
calls complete must equal it, and it may stall (a unit touching tau at the maximiser) but never
claim less than the truth, also when interrupted in the middle of a split.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models.network import Dense, Network
from sparsecert.verify.deep import InputBox, max_active
from sparsecert.verify.deep.box_split import BoxSplit, parallel_split
from sparsecert.verify.deep.exact import ExactLayers

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network
from .test_deep_differential import _box


def _split(net: Network, L: int, lo, hi, tau: float = 0.0, best: int = -1):
    layers = net.layers[: L + 1]
    exact = ExactLayers(layers)
    xl, xu = np.asarray(lo, float), np.asarray(hi, float)
    seen: list[int] = []

    def offer(u):
        assert all(a <= v <= b for v, a, b in zip(u, xl, xu)), "an offered point left the box"
        count = len(exact.active([Fraction(v) for v in u], L, tau))
        seen.append(count)
        return count

    return BoxSplit(layers, L, tau, xl, xu, (xl, xu), offer, best), seen


@pytest.mark.parametrize("seed", range(30))
def test_split_search_brackets_the_oracle(seed):
    net = random_network(seed)
    lo, hi = _box(net, seed)
    tau = 0.0 if seed % 3 else 0.25
    for L in range(net.hidden_layers):
        truth = oracle_max_active(oracle_layers(net, L), L, lo, hi, tau)
        search, seen = _split(net, L, lo, hi, tau)
        out = search.run(max_regions=3000)
        assert out.best <= truth <= out.upper, (seed, L, out, truth)
        assert out.best == max(seen, default=-1)  # best is only what was re-decided exactly
        if out.complete:
            assert out.upper == truth
        # a k-check at the truth closes (nothing can beat it) or stays open, never below it
        check, _ = _split(net, L, lo, hi, tau)
        assert check.run(target=truth, max_regions=3000).upper >= truth


def test_a_tie_at_the_maximiser_stalls_and_is_never_closed_below():
    # unit 0 of layer 1 is identically 0 (never above tau = 0); unit 1 = relu(x) fires for x > 0:
    # DeepPoly leaves unit 0 "able to fire" in every region, so the bound stays at 2 > the truth 1
    net = Network([Dense([[1.0]], [0.0], "relu"), Dense([[0.0], [1.0]], [0.0, 0.0], "relu"), Dense([[1.0, 1.0]], [0.0])])
    search, _ = _split(net, 1, [-1.0], [1.0])
    out = search.run()
    assert search.stalled and out.best == 1 and out.upper >= 1 and not (out.complete and out.upper < 1)
    res = max_active(net, 1, InputBox([-1.0], [1.0]), timeout=30)  # the engine settles it exactly
    assert res.optimal and res.value == 1


def test_regions_of_adjacent_floats_stay_open():
    net = random_network(4)
    lo, hi = _box(net, 4)
    lo = np.asarray(lo, float)
    hi = np.nextafter(lo, np.inf)  # every side spans two adjacent floats: nothing can be halved
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    out = _split(net, L, lo, hi)[0].run()
    assert out.best <= truth <= out.upper


@pytest.mark.parametrize("seed", [5, 8, 13])
def test_ctrl_c_in_the_middle_of_a_split_keeps_the_bound(monkeypatch, seed):
    net = random_network(seed)
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    search, _ = _split(net, L, lo, hi)
    calls = [0]
    original = BoxSplit._bound

    def flaky(self, *args):
        calls[0] += 1
        if calls[0] == 4:  # the second half of the second split
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(BoxSplit, "_bound", flaky)
    with pytest.raises(KeyboardInterrupt):
        search.run()
    out = search.outcome()
    assert out.best <= truth <= out.upper
    monkeypatch.setattr(BoxSplit, "_bound", original)
    resumed = search.run(max_regions=3000)  # resumes over the whole box
    assert resumed.best <= truth <= resumed.upper


@pytest.mark.parametrize("seed", [2, 7])
def test_pieces_in_parallel_bracket_the_oracle(seed):
    net = random_network(seed)
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    layers = net.layers[: L + 1]
    exact = ExactLayers(layers)
    xl, xu = np.asarray(lo, float), np.asarray(hi, float)

    def offer(u):
        return len(exact.active([Fraction(v) for v in u], L, 0.0))

    out = parallel_split(layers, layers, L, 0.0, 0.0, xl, xu, (xl, xu), offer, -1, -1, None, 5.0, 2, None)
    assert out.best <= truth <= out.upper
    if out.complete:
        assert out.upper == truth


def test_acas_prop1_layer_1_is_closed_by_the_split_search():
    from tests.conftest import SHARED_MODELS
    from sparsecert.sparse_models.io import load_network
    from sparsecert.verify.deep import read_vnnlib

    path = SHARED_MODELS / "acasxu" / "ACASXU_experimental_v2a_1_1.nnet"
    if not path.exists():
        pytest.skip("../shared/models is not beside the project")
    net = load_network(path)
    res = max_active(net, 1, read_vnnlib(SHARED_MODELS / "acasxu" / "acasxu_prop1.vnnlib", net.n,
                                         space="normalized"), timeout=60, seed=1)
    assert res.optimal and res.value == 15 and res.witness.count == 15
