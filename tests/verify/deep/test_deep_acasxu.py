"""ACAS Xu 1_1 (../shared/models): sound bounds, per-layer max-active table, sampling never beats a proof.

Time budget (stated, not asserted): PER_LAYER_S seconds per layer and domain in the
default run; the closing report's table used longer budgets.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models.io import load_network
from sparsecert.verify.deep import max_active_all_layers, network_bounds, nnet_box, normalized_box, read_vnnlib
from sparsecert.verify.deep.domain import round_down, round_up
from sparsecert.verify.deep.exact import ExactLayers

PER_LAYER_S = 2.0


@pytest.fixture(scope="module")
def acas(request):
    from tests.conftest import SHARED_MODELS
    if not SHARED_MODELS.is_dir():
        pytest.skip("../shared/models is not beside the project")
    base = SHARED_MODELS / "acasxu"
    net = load_network(base / "ACASXU_experimental_v2a_1_1.nnet")
    prop1 = read_vnnlib(base / "acasxu_prop1.vnnlib", net.n, space="normalized")
    return net, {"full": nnet_box(net), "prop1": prop1}


@pytest.fixture(scope="module")
def tables(acas):
    net, doms = acas
    return {k: max_active_all_layers(net, d, timeout=PER_LAYER_S, seed=1) for k, d in doms.items()}


def _domain_samples(net, dom, size, seed):
    box = getattr(dom, "box", dom)
    lo, hi = box.inner_bounds()
    X = np.random.default_rng(seed).uniform(lo, hi, size=(size, net.n))
    return X, box.space == "raw"


@pytest.mark.parametrize("which", ["full", "prop1"])
def test_bounds_contain_every_sampled_pre_activation(acas, which):
    net, doms = acas
    ulo, uhi, nmap, _ = normalized_box(net, getattr(doms[which], "box", doms[which]))
    b = network_bounds(net.layers, np.array([round_down(v) for v in ulo]), np.array([round_up(v) for v in uhi]), 6)
    X, raw = _domain_samples(net, doms[which], 20000, 3)
    Z = net.pre_activations(X, normalize=raw)
    for k in range(6):
        assert np.all(Z[k] >= b.lower[k]) and np.all(Z[k] <= b.upper[k])
    ex = ExactLayers(net.layers[:6])
    for x in X[:5]:
        zs = ex.pre_activations(nmap.to_u([Fraction(float(v)) for v in x]), 6)
        for k in range(6):
            assert all(Fraction(float(lo)) <= z <= Fraction(float(hi)) for z, lo, hi in zip(zs[k], b.lower[k], b.upper[k]))


@pytest.mark.parametrize("which", ["full", "prop1"])
def test_table_is_bracketed_with_checked_witnesses(acas, tables, which):
    net, doms = acas
    table = tables[which]
    box = getattr(doms[which], "box", doms[which])
    raw = box.space == "raw"
    assert len(table.results) == 6
    for L, r in enumerate(table.results):
        assert 0 <= r.value <= r.upper_bound <= 50
        w = r.witness
        assert w is not None and w.count == r.value
        assert box.contains_exact([Fraction(float(v)) for v in w.x])
        if w.exact_x is None:
            z = net.pre_activations(w.x, normalize=raw)[L]
            assert int((z > 0).sum()) == r.value or w.borderline
    print(f"\nACAS Xu 1_1 over {which} ({PER_LAYER_S:g} s per layer)\n" + table.format())


@pytest.mark.parametrize("which", ["full", "prop1"])
def test_sampling_never_exceeds_a_proved_upper_bound(acas, tables, which):
    net, doms = acas
    X, raw = _domain_samples(net, doms[which], 100_000, 11)
    Z = net.pre_activations(X, normalize=raw)
    for L, r in enumerate(tables[which].results):
        assert int((Z[L] > 0).sum(axis=1).max()) <= r.upper_bound


@pytest.mark.slow
@pytest.mark.parametrize("which", ["full", "prop1"])
def test_a_million_samples_never_exceed_a_proved_upper_bound(acas, tables, which):
    net, doms = acas
    for seed in range(10):
        X, raw = _domain_samples(net, doms[which], 100_000, 100 + seed)
        Z = net.pre_activations(X, normalize=raw)
        for L, r in enumerate(tables[which].results):
            assert int((Z[L] > 0).sum(axis=1).max()) <= r.upper_bound


@pytest.mark.parametrize("which", ["full", "prop1"])
def test_first_layer_is_proved_with_a_witness_inside_the_exact_box(acas, tables, which):
    """Regression: the block core's witness sat on the outward float rim of the normalised box, was
    refused, and layer 0 over the whole box stayed bracketed at [42, 43]; now it is proved."""
    net, doms = acas
    r = tables[which].results[0]
    assert r.optimal, (r.value, r.upper_bound)
    box = getattr(doms[which], "box", doms[which])
    assert box.contains_exact([Fraction(float(v)) for v in r.witness.x]) or r.witness.exact_x is not None
