"""sparsecert maxact / verify on whole deep networks (.nnet files, --layer L|all, vnnlib:/nnet-box domains)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sparsecert.sparse_models.io import load_network
from sparsecert.verify.deep import InputBox, max_active

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network


def _write_nnet(path, net, lower, upper, mean, rng_):
    sizes = [net.n] + [layer.W.shape[0] for layer in net.layers]
    lines = ["// test network", f"{len(net.layers)},{net.n},{sizes[-1]},{max(sizes)},", ",".join(map(str, sizes)) + ",",
             "0,", ",".join(repr(v) for v in lower) + ",", ",".join(repr(v) for v in upper) + ",",
             ",".join(repr(v) for v in list(mean) + [0.0]) + ",", ",".join(repr(v) for v in list(rng_) + [1.0]) + ","]
    for layer in net.layers:
        lines += [",".join(repr(float(v)) for v in row) + "," for row in layer.W]
        lines += [repr(float(v)) + "," for v in layer.b]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def small_nnet(tmp_path):
    net = random_network(212, max_width=6, depth=(3, 3), max_inputs=2)
    n = net.n
    path = tmp_path / "small.nnet"
    _write_nnet(path, net, [-2.0] * n, [2.0] * n, [0.0] * n, [2.0] * n)  # u = x / 2 over [-1, 1]
    return path, net


def test_maxact_all_layers_json_matches_oracle(cli, small_nnet):
    path, net = small_nnet
    assert load_network(path).hidden_layers == 3
    r = cli("maxact", path, "--layer", "all", "--domain", "nnet-box", "--timeout", "60", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert [e["layer"] for e in out["layers"]] == [0, 1, 2] and out["optimal"]
    for e in out["layers"]:
        L = e["layer"]
        expect = oracle_max_active(oracle_layers(net, L), L, [-1.0] * net.n, [1.0] * net.n)
        assert e["max_active"] == expect == e["upper"]
        assert len(e["active_units"]) == expect and all(-2 <= v <= 2 for v in e["witness"])


def test_vnnlib_domain_and_text_output(cli, small_nnet, tmp_path):
    path, net = small_nnet
    prop = tmp_path / "p.vnnlib"
    decl = "".join(f"(declare-const X_{j} Real)" for j in range(net.n))
    bounds = "".join(f"(assert (<= X_{j} 0.5))(assert (>= X_{j} -0.25))" for j in range(net.n))
    prop.write_text(decl + "(declare-const Y_0 Real)" + bounds + "(assert (>= Y_0 1))")
    r = cli("maxact", path, "--layer", "2", "--domain", f"vnnlib:{prop}", "--timeout", "60")
    assert r.code == 0, r.err
    # vnnlib: boxes are read in normalised coordinates for a network with a .nnet header
    expect = max_active(net, 2, InputBox([-0.25] * net.n, [0.5] * net.n), timeout=60).value
    row = [ln for ln in r.out.splitlines() if ln.split()[:1] == ["2"]][0]
    assert row.split()[2] == str(expect) and "yes" in row


def test_verify_exit_codes(cli, small_nnet):
    path, net = small_nnet
    expect = oracle_max_active(oracle_layers(net, 1), 1, [-1.0] * net.n, [1.0] * net.n)
    ok = cli("verify", path, "--layer", "1", "-k", str(expect), "--domain", "nnet-box", "--timeout", "60", "--json")
    assert ok.code == 0 and json.loads(ok.out)["status"] == "verified"
    bad = cli("verify", path, "--layer", "1", "-k", str(expect - 1), "--domain", "nnet-box", "--timeout", "60", "--json")
    assert bad.code == 1
    entry = json.loads(bad.out)["layers"][0]
    assert entry["status"] == "violated" and len(entry["active_units"]) > expect - 1


def test_deep_errors_exit_2(cli, small_nnet, tmp_path):
    path, _ = small_nnet
    r = cli("maxact", path, "--layer", "7", "--domain", "nnet-box")
    assert r.code == 2 and "out of range" in r.err
    r = cli("maxact", path, "--layer", "all", "--domain", "points:x.npy")
    assert r.code == 2 and "not an input box" in r.err
    r = cli("maxact", path, "--layer", "all", "--domain", f"vnnlib:{tmp_path / 'missing.vnnlib'}")
    assert r.code == 2 and "does not exist" in r.err


def test_block_path_unchanged(cli, small_nnet):
    path, net = small_nnet
    r = cli("maxact", path, "--layer", "1", "--domain", "box:0:1", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert "layers" not in out and out["optimal"]
    W, b = net.layers[1].W, net.layers[1].b
    assert out["max_active"] <= W.shape[0]
    X = np.random.default_rng(0).uniform(0, 1, size=(4000, W.shape[1]))
    assert ((X @ W.T + b) > 0).sum(axis=1).max() <= out["max_active"]
