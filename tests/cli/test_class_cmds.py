"""sparsecert member | equiv | prune | sparsify | synthesize: JSON, exit codes 0/1/2/3, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sparsecert.sparse_models import (Hypercube, MLPBlock, load, load_npz, parity_block, planted_sparse, random_block,
                                      save_npz)


@pytest.fixture
def planted(tmp_path):
    p = planted_sparse(8, 24, 3, seed=2)
    return p, save_npz(p.block, tmp_path / "planted.npz")


def test_member_exit_codes_and_json(tmp_path, cli):
    path = save_npz(parity_block(5, [0, 2, 4]), tmp_path / "parity.npz")
    ok = cli("member", path, "--domain", "hypercube", "-s", "8", "-k", "1", "--weight-bound", "2", "--json")
    assert ok.code == 0, ok.err
    out = json.loads(ok.out)
    assert out["status"] == "verified" and {c["name"] for c in out["conditions"]} >= {"width", "sparsity", "weight_norm"}
    bad = cli("member", path, "--domain", "hypercube", "-s", "8", "-k", "0", "--bias-bound", "1", "--json")
    out = json.loads(bad.out)
    assert bad.code == 1 and out["status"] == "violated"
    conds = {c["name"]: c for c in out["conditions"]}
    assert conds["bias"]["status"] == "violated" and "unit" in conds["bias"]
    assert conds["sparsity"]["status"] == "violated" and conds["sparsity"]["sparsity"]["witness"]
    text = cli("member", path, "--domain", "hypercube", "-s", "4", "-k", "1")
    assert text.code == 1 and "width" in text.out and "VIOLATED" in text.out


def test_equiv_exit_codes(tmp_path, cli):
    a = random_block(6, 8, seed=1)
    W1 = a.W1.copy()
    W1[2, 3] += 0.5
    pa, pb = save_npz(a, tmp_path / "a.npz"), save_npz(a.replace(W1=W1), tmp_path / "b.npz")
    same = cli("equiv", pa, pa, "--domain", "box:-1:1", "--json")
    assert same.code == 0 and json.loads(same.out)["status"] == "verified"
    diff = cli("equiv", pa, pb, "--domain", "box:-1:1", "--json")
    out = json.loads(diff.out)
    assert diff.code == 1 and out["status"] == "violated"
    x = np.array(out["witness"])
    assert abs(a.forward(x)[0] - a.replace(W1=W1).forward(x)[0]) > 0
    text = cli("equiv", pa, pb, "--domain", "box:-1:1")
    assert text.code == 1 and "DIFFERENT" in text.out


def test_equiv_bad_input_exit_2(tmp_path, cli):
    pa = save_npz(random_block(6, 8, seed=1), tmp_path / "a.npz")
    pc = save_npz(random_block(5, 8, seed=1), tmp_path / "c.npz")
    res = cli("equiv", pa, pc, "--domain", "box:-1:1")
    assert res.code == 2 and "inputs" in res.err and "Traceback" not in res.err
    pg = save_npz(MLPBlock(np.ones((2, 6)), [0.0, 0.0], [[1.0, 1.0]], [0.0], "gelu"), tmp_path / "g.npz")
    res = cli("equiv", pg, pg, "--domain", "hypercube")
    assert res.code == 2 and "piecewise linear" in res.err


def test_prune_writes_an_equivalent_smaller_model(planted, tmp_path, cli):
    p, path = planted
    out_path = tmp_path / "pruned.npz"
    res = cli("prune", path, "--domain", "hypercube", "-o", out_path, "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["status"] == "verified" and out["output"] == str(out_path)
    pruned = load_npz(out_path)
    assert pruned.s < p.block.s and pruned.s == out["file_units"]
    X = np.concatenate([c for _, c in Hypercube(8).chunks()])
    np.testing.assert_allclose(pruned.forward(X), p.block.forward(X), rtol=1e-12, atol=1e-12)  # exact: equiv below
    back = cli("equiv", path, out_path, "--domain", "hypercube")
    assert back.code == 0


@pytest.mark.parametrize("suffix", [".npz", ".safetensors", ".onnx"])
def test_prune_writes_the_skip_term_in_every_format(tmp_path, cli, suffix):
    pytest.importorskip({".npz": "numpy", ".safetensors": "safetensors", ".onnx": "onnx"}[suffix])
    block = MLPBlock([[1.0, 1.0], [1.0, -1.0], [0.5, 0.0]], [-3.0, 2.5, 0.0], [[1.0, 2.0, 3.0]], [0.5])
    path = save_npz(block, tmp_path / "m.npz")
    out_path = tmp_path / f"p{suffix}"
    res = cli("prune", path, "--domain", "hypercube", "-o", out_path, "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["file_units"] == 1 and out["file_skip_rank"] == 1 and out["file_is_exact_prune"]
    pruned = load(out_path)
    assert pruned.s == 1 and pruned.skip is not None  # unit 0 dropped, unit 1 folded, unit 2 kept
    X = np.concatenate([c for _, c in Hypercube(2).chunks()])
    assert np.array_equal(pruned.forward(X), block.forward(X))
    text = cli("prune", path, "--domain", "hypercube", "-o", out_path)
    assert text.code == 0 and "exact affine skip term (rank 1)" in text.out
    back = cli("equiv", path, out_path, "--domain", "hypercube", "--json")
    assert back.code == 0 and json.loads(back.out)["status"] == "verified"


def test_prune_bad_output_path(planted, tmp_path, cli):
    _, path = planted
    res = cli("prune", path, "--domain", "hypercube", "-o", tmp_path / "x.txt")
    assert res.code == 2 and ".npz" in res.err


def test_sparsify_json_and_output(tmp_path, cli):
    block = random_block(6, 10, seed=4)
    path = save_npz(block, tmp_path / "r.npz")
    res = cli("sparsify", path, "-k", "1", "--domain", "hypercube", "-o", tmp_path / "s.npz", "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["status"] == "verified" and out["proof"]["status"] == "verified"
    assert out["smaller_proof"]["status"] == "violated" and out["smaller_shift"] < out["shift"]
    shifted = load_npz(tmp_path / "s.npz")
    X = np.concatenate([c for _, c in Hypercube(6).chunks()])
    assert shifted.active_count(X).max() <= 1
    bad = cli("sparsify", path, "-k", "11", "--domain", "hypercube")
    assert bad.code == 2


def test_synthesize_found_none_and_errors(tmp_path, cli):
    ok = cli("synthesize", "--function", "and:2", "-k", "1", "--s-max", "4", "--weight-range", "2",
             "--activation", "step", "-o", tmp_path / "and.npz", "--json")
    assert ok.code == 0, ok.err
    out = json.loads(ok.out)
    assert out["status"] == "found" and out["width"] == 2
    blk = load_npz(tmp_path / "and.npz")
    X = np.array([[1, 1], [-1, 1], [1, -1], [-1, -1]], dtype=float)
    np.testing.assert_array_equal(blk.forward(X)[:, 0], [1, -1, -1, -1])
    none = cli("synthesize", "--table", "1,-1,-1,1", "-k", "1", "--s-max", "3", "--weight-range", "2",
               "--activation", "step", "--json")
    assert none.code == 1 and json.loads(none.out)["status"] == "none"
    text = cli("synthesize", "--function", "majority:3", "-k", "1", "--s-max", "4", "--weight-range", "1",
               "--activation", "step")
    assert text.code == 0 and "FOUND" in text.out
    assert cli("synthesize", "--table", "1,0", "-k", "1", "--s-max", "2", "--weight-range", "1").code == 2
    assert cli("synthesize", "--function", "nope:2", "-k", "1", "--s-max", "2", "--weight-range", "1").code == 2
    assert cli("synthesize", "--function", "and", "-k", "1", "--s-max", "2", "--weight-range", "1").code == 2


def test_timeouts_give_exit_3(tmp_path, cli):
    res = cli("synthesize", "--function", "parity:4", "-k", "1", "--s-max", "16", "--weight-range", "3",
              "--timeout", "0.2", "--json")
    assert res.code == 3 and json.loads(res.out)["status"] == "unknown"
