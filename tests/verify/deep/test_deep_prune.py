"""Deep certified pruning (verify/deep/prune.py, ``sparsecert prune`` on deep networks, ``save_nnet``)."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.errors import InvalidArgument, UnsupportedActivation
from sparsecert.sparse_models.io import load_network
from sparsecert.sparse_models.io.nnet import load_nnet_network, save_nnet
from sparsecert.sparse_models.network import Dense, Network
from sparsecert.verify.deep import InputBox, prune_network
from sparsecert.verify.results import Status

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network
from .test_deep_differential import _box

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "models"


def _exact_forward(net: Network, x) -> list[Fraction]:
    h = [Fraction(float(v)) for v in x]
    for layer in net.layers:
        z = [sum((Fraction(float(w)) * v for w, v in zip(row, h)), Fraction(float(b))) for row, b in zip(layer.W, layer.b)]
        h = [max(v, Fraction(0)) for v in z] if layer.activation is not None else z
    return h


def _single_unit(net: Network, j: int, i: int) -> Network:
    """The network up to layer j with layer j cut down to unit i (its max-active is 1 iff unit i can fire)."""
    layers = list(net.layers[:j]) + [Dense(net.layers[j].W[i:i + 1], net.layers[j].b[i:i + 1], "relu"),
                                     Dense([[1.0]], [0.0])]
    return Network(layers)


@pytest.mark.parametrize("seed", range(24))
def test_removed_units_can_never_fire_and_outputs_are_exactly_equal(seed):
    net = random_network(seed, max_width=7)
    lo, hi = _box(net, seed)
    res = prune_network(net, InputBox(lo, hi))
    assert res.status is Status.VERIFIED
    for j, units in enumerate(res.removed):
        for i in units:  # the oracle (exact simplex over every activation pattern) agrees: never active
            sub = _single_unit(net, j, i)
            assert oracle_max_active(oracle_layers(sub, j), j, lo, hi) == 0, (seed, j, i)
    rng = np.random.default_rng(seed)
    for x in rng.uniform(lo, hi, size=(12, len(lo))):
        assert _exact_forward(res.network, x) == _exact_forward(net, x)
    assert res.network.widths == tuple(max(1, len(k)) for k in res.kept)


def test_a_layer_with_no_unit_left_keeps_one_zero_unit():
    net = Network([Dense([[1.0], [-1.0]], [-5.0, -5.0], "relu"), Dense([[1.0, 1.0]], [0.5], "relu"),
                   Dense([[2.0]], [1.0])])
    res = prune_network(net, Box([-1.0], [1.0]))
    assert res.removed == ((0, 1), ()) and res.network.widths == (1, 1)
    assert res.notes and "zero unit" in res.notes[0]
    for x in (-1.0, 0.0, 0.7):
        assert _exact_forward(res.network, [x]) == _exact_forward(net, [x])


def test_leaky_layers_are_refused_with_the_reason():
    with pytest.raises(UnsupportedActivation, match="relu"):
        prune_network(random_network(2, slope=0.1), InputBox([-1.0], [1.0]))


def test_save_nnet_round_trips_and_refuses_what_it_cannot_hold(tmp_path):
    net = random_network(7)
    back = load_nnet_network(save_nnet(net, tmp_path / "r.nnet"))
    for a, b in zip(net.layers, back.layers):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    X = np.random.default_rng(0).normal(size=(50, net.n))
    assert np.array_equal(back.forward(X), net.forward(X))  # the identity header clips nothing
    with pytest.raises(InvalidArgument, match="ReLU"):
        save_nnet(random_network(7, slope=0.2), tmp_path / "leaky.nnet")
    with pytest.raises(InvalidArgument, match="directory"):
        save_nnet(net, tmp_path / "missing" / "r.nnet")


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason="../shared/models is not beside the project")
def test_mnist_ball_is_pruned_and_equal_on_sampled_inputs():
    net = load_network(SHARED / "mnist" / "mnist10x10.nnet")
    c = np.full(784, 0.5)
    box = Box(np.clip(c - 0.02, 0, 1), np.clip(c + 0.02, 0, 1))
    res = prune_network(net, box)
    assert res.units_removed >= 20 and res.status is Status.VERIFIED  # 34 of 100 on this machine
    X = np.random.default_rng(1).uniform(box.lower, box.upper, size=(100_000, 784))
    np.testing.assert_allclose(res.network.forward(X), net.forward(X), rtol=1e-12, atol=1e-12)
    norm = net.normalization
    for x in X[:3]:  # exactly, through the header's normalisation
        u = (np.clip(x, norm.lower, norm.upper) - norm.mean) / norm.range
        assert _exact_forward(Network(res.network.layers), u) == _exact_forward(Network(net.layers), u)


@pytest.mark.skipif(not (SHARED / "acasxu").is_dir(), reason="../shared/models is not beside the project")
def test_cli_prunes_a_deep_network_to_nnet(tmp_path):
    model = SHARED / "acasxu" / "ACASXU_experimental_v2a_1_1.nnet"
    prop = SHARED / "acasxu" / "acasxu_prop1.vnnlib"
    out = tmp_path / "pruned.nnet"
    cmd = [sys.executable, "-m", "sparsecert", "prune", str(model), "--domain", f"vnnlib:{prop}", "-o", str(out),
           "--json"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["status"] == "verified" and data["units_after"] < data["units_before"] == 300
    pruned = load_network(out)
    assert pruned.widths == tuple(len(layer["kept"]) for layer in data["layers"])
    bad = subprocess.run(cmd[:-3] + ["-o", str(tmp_path / "pruned.npz")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and ".nnet" in bad.stderr and "Traceback" not in bad.stderr
