"""sparsify writes its shifted block as .npz, .safetensors or .onnx (issue 17 item 7), and works for blocks
whose output is not piecewise linear (sigmoid, tanh) or ends in softmax (item 6): it changes b1 only."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sparsecert.sparse_models import Hypercube, load, random_block, save_npz
from sparsecert.sparse_models.head import LinearSkip
from sparsecert.sparse_models.io import save_model
from sparsecert.verify import sparsify

from .exact_oracle import cube_points, exact_max_active

SUFFIXES = [".npz", ".safetensors", ".onnx"]


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_sparsify_handles_smooth_activations_and_softmax(act):
    base = random_block(6, 10, seed=3)
    relu = sparsify(base, 1, Hypercube(6))
    block = base.replace(activation=act, output_activation="softmax",
                         skip=LinearSkip(np.eye(6)[:2], [0.5, -0.5], np.ones((base.m, 2))))
    res = sparsify(block, 1, Hypercube(6))
    assert res.status == "verified" and res.shift == relu.shift  # the shift depends on W1, b1 only
    assert res.block.activation.name == act and res.block.output_activation == "softmax"
    assert res.block.skip is block.skip
    assert exact_max_active(res.block, cube_points(6)) <= 1
    assert np.isfinite(res.change.max_abs)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_cli_sparsify_writes_every_format(tmp_path, cli, suffix):
    if suffix != ".npz":
        pytest.importorskip(suffix[1:])
    block = random_block(6, 10, seed=4).replace(activation="tanh")
    path = save_npz(block, tmp_path / "r.npz")
    out_path = tmp_path / f"s{suffix}"
    res = cli("sparsify", path, "-k", "1", "--domain", "hypercube", "-o", out_path, "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["status"] == "verified" and out["output"] == str(out_path)
    shifted = load(out_path)
    assert shifted.activation.name == "tanh" and exact_max_active(shifted, cube_points(6)) <= 1
    X = np.random.default_rng(0).uniform(-1, 1, size=(50, 6))
    expected = block.replace(b1=block.b1 - np.array(out["shifts"]))
    assert np.array_equal(shifted.b1, expected.b1) and np.array_equal(shifted.forward(X), expected.forward(X))


def test_cli_sparsify_bad_output_suffix(tmp_path, cli):
    path = save_npz(random_block(6, 10, seed=4), tmp_path / "r.npz")
    res = cli("sparsify", path, "-k", "1", "--domain", "hypercube", "-o", tmp_path / "s.pt")
    assert res.code == 2 and "must end in .npz, .onnx, .safetensors" in res.err


def test_saved_shifted_block_reads_back_bit_for_bit(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("safetensors")
    res = sparsify(random_block(6, 10, seed=5), 2, Hypercube(6), per_unit=True)
    X = np.random.default_rng(1).uniform(-1, 1, size=(80, 6))
    for suffix in SUFFIXES:
        back = load(save_model(res.block, tmp_path / f"s{suffix}"))
        assert back.same_as(res.block) and np.array_equal(back.forward(X), res.block.forward(X))
