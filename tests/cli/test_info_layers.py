"""``sparsecert info`` on deep networks (issue 17 item 8): the layer list, ``--layer all`` with the per-layer
facts over a whole-network domain, ``--json`` as a list; on a small written .nnet and on the real ACAS Xu
and MNIST networks of ../shared/models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sparsecert.sparse_models import planted_sparse, save_npz
from sparsecert.sparse_models.io import load_network
from sparsecert.sparse_models.network import Dense, Network

ACAS = "acasxu/ACASXU_experimental_v2a_1_1.nnet"
MNIST = "mnist/mnist10x10.nnet"


def _write_nnet(path, net, lower, upper, mean, rng_):
    sizes = [net.n] + [layer.W.shape[0] for layer in net.layers]
    lines = ["// test network", f"{len(net.layers)},{net.n},{sizes[-1]},{max(sizes)},",
             ",".join(map(str, sizes)) + ",", "0,", ",".join(repr(v) for v in lower) + ",",
             ",".join(repr(v) for v in upper) + ",", ",".join(repr(v) for v in list(mean) + [0.0]) + ",",
             ",".join(repr(v) for v in list(rng_) + [1.0]) + ","]
    for layer in net.layers:
        lines += [",".join(repr(float(v)) for v in row) + "," for row in layer.W]
        lines += [repr(float(v)) + "," for v in layer.b]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def small_nnet(tmp_path):
    rng = np.random.default_rng(5)
    widths = [3, 6, 5, 4, 2]
    layers = [Dense(rng.normal(size=(widths[i + 1], widths[i])), rng.normal(size=widths[i + 1]) * 0.5,
                    "relu" if i < 3 else None) for i in range(4)]
    path = tmp_path / "small.nnet"
    _write_nnet(path, Network(layers), [-2.0] * 3, [2.0] * 3, [0.0] * 3, [2.0] * 3)
    return path


def _sample_box(lo, hi, count, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    X = lo + (hi - lo) * rng.random((count, lo.size))
    return np.vstack([X, lo, hi])


def _check_facts_on_samples(net, rows, domain, X):
    """Sound facts: a unit proved dead has z <= 0 and one proved always active z > 0 at every sample."""
    Z = net.pre_activations(X)
    for L in range(net.hidden_layers):
        facts = rows[L]["interval"][domain]
        assert np.all(Z[L][:, facts["dead"]] <= 0), (L, domain)
        assert np.all(Z[L][:, facts["always_active"]] > 0), (L, domain)
        assert len(facts["dead"]) + len(facts["always_active"]) + facts["undecided"] == net.widths[L]


def test_deep_info_lists_every_layer(cli, small_nnet):
    r = cli("info", small_nnet)
    assert r.code == 0, r.err
    assert "3 hidden layers (6, 5, 4), 2 outputs" in r.out and "--layer all" in r.out
    for line in ("    0  hidden     6 x 3     relu", "    2  hidden     4 x 5     relu", "    3  output     2 x 4     -"):
        assert line in r.out
    rows = json.loads(cli("info", small_nnet, "--json").out)
    assert [(x["layer"], x["kind"], x["units"], x["inputs"], x["activation"]) for x in rows] == [
        (0, "hidden", 6, 3, "relu"), (1, "hidden", 5, 6, "relu"), (2, "hidden", 4, 5, "relu"),
        (3, "output", 2, 4, None)]
    assert rows[0]["input_normalization"] is True


def test_layer_all_gives_every_layers_facts(cli, small_nnet):
    r = cli("info", small_nnet, "--layer", "all")
    assert r.code == 0, r.err
    for L in range(3):
        assert f"\nlayer {L}      " in r.out
    assert r.out.count("nnet-box    proved dead") == 3 and r.out.count("hypercube01 proved dead") == 3
    rows = json.loads(cli("info", small_nnet, "--layer", "all", "--json").out)
    assert isinstance(rows, list) and len(rows) == 4
    net = load_network(small_nnet)
    for L in range(3):
        assert set(rows[L]["interval"]) == {"hypercube", "hypercube01", "nnet-box"}
        assert rows[L]["W1"]["max"] == float(net.layers[L].W.max())
        assert rows[L]["m"] == net.layers[L + 1].W.shape[0]
    _check_facts_on_samples(net, rows, "nnet-box", _sample_box([-2] * 3, [2] * 3, 4000))
    _check_facts_on_samples(net, rows, "hypercube01", _sample_box([0] * 3, [1] * 3, 4000))
    # a smaller box proves at least as much
    small = json.loads(cli("info", small_nnet, "--layer", "all", "--domain", "box:-0.01:0.01", "--json").out)
    for L in range(3):
        assert set(small[L]["interval"]) == {"box:-0.01:0.01"}
        assert small[L]["interval"]["box:-0.01:0.01"]["undecided"] <= rows[L]["interval"]["nnet-box"]["undecided"]
    _check_facts_on_samples(net, small, "box:-0.01:0.01", _sample_box([-0.01] * 3, [0.01] * 3, 2000))


def test_layer_all_on_one_block_matches_plain_info(cli, tmp_path):
    planted = planted_sparse(10, 30, 3, seed=2)
    path = save_npz(planted.block, tmp_path / "m.npz")
    plain = json.loads(cli("info", path, "--json").out)
    rows = json.loads(cli("info", path, "--layer", "all", "--json").out)
    assert [x["kind"] for x in rows] == ["hidden", "output"]
    for dom in ("hypercube", "hypercube01"):
        assert set(planted.dead_units) <= set(rows[0]["interval"][dom]["dead"]) <= set(plain["interval"][dom]["dead"])


def test_domain_option_and_errors(cli, tmp_path, small_nnet):
    path = save_npz(planted_sparse(6, 8, 2, seed=1).block, tmp_path / "b.npz")
    info = json.loads(cli("info", path, "--domain", "box:-0.5:0.5", "--domain", "hypercube01", "--json").out)
    assert list(info["interval"]) == ["box:-0.5:0.5", "hypercube01"]
    r = cli("info", small_nnet, "--layer", "all", "--domain", "points:x.npy")
    assert r.code == 2 and "input box of the whole network" in r.err and r.err.count("\n") == 1
    r = cli("info", small_nnet, "--domain", "nnet-box")
    assert r.code == 2 and "--layer all" in r.err
    r = cli("info", small_nnet, "--layer", "1")  # one block, unchanged
    assert r.code == 0 and "n=6 inputs, s=5 hidden units, m=4 outputs" in r.out


def test_acas_xu_layer_all(cli, shared_models):
    path = shared_models / ACAS
    if not path.exists():
        pytest.skip(f"{ACAS} is not in ../shared/models")
    r = cli("info", path)
    assert r.code == 0 and "6 hidden layers (50, 50, 50, 50, 50, 50), 5 outputs" in r.out
    r = cli("info", path, "--layer", "all", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert [x["units"] for x in rows] == [50] * 6 + [5] and rows[-1]["kind"] == "output"
    net = load_network(path)
    lo, hi = net.normalization.lower, net.normalization.upper
    _check_facts_on_samples(net, rows, "nnet-box", _sample_box(lo, hi, 3000))
    _check_facts_on_samples(net, rows, "hypercube", _sample_box([-1] * 5, [1] * 5, 3000))
    vnn = shared_models / "acasxu" / "acasxu_prop1.vnnlib"
    if vnn.exists():
        r = cli("info", path, "--layer", "all", "--domain", f"vnnlib:{vnn}")
        assert r.code == 0 and r.out.count(f"vnnlib:{vnn}") >= 6


def test_mnist_layer_all(cli, shared_models):
    path = shared_models / MNIST
    if not path.exists():
        pytest.skip(f"{MNIST} is not in ../shared/models")
    r = cli("info", path, "--layer", "all")
    assert r.code == 0, r.err
    assert "10 hidden layers" in r.out and "\nlayer 9      10 units <- 10 inputs, activation relu" in r.out
    rows = json.loads(cli("info", path, "--layer", "all", "--domain", "nnet-box", "--json").out)
    assert len(rows) == 11 and rows[0]["inputs"] == 784
    net = load_network(path)
    _check_facts_on_samples(net, rows, "nnet-box", _sample_box(net.normalization.lower, net.normalization.upper, 500))
