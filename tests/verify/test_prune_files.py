"""prune() writes what it proves (issue 17 item 7): the file block holds the kept units and the folded
units' exact skip term; .npz, .safetensors and .onnx read back to outputs equal to the pruned model's
(bit for bit in float64, and exactly as rationals). Item 6 at the pruning level: softmax blocks are
pruned on their logits, sigmoid / tanh blocks are refused by name, equivalence refuses softmax."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sparsecert.sparse_models import Box, Hypercube, MLPBlock, UnsupportedActivation, load, save_npz
from sparsecert.sparse_models.head import LinearSkip
from sparsecert.sparse_models.io import save_model
from sparsecert.verify import check_sparsity, equivalent, max_active, prune

from .exact_oracle import cube_points, exact_max_active, exact_output

SUFFIXES = [".npz", ".safetensors", ".onnx"]


def _needs(suffix):
    if suffix != ".npz":
        pytest.importorskip(suffix[1:])


def _sixteen(rng, act="relu", n=6):
    """16 units on {-1,1}^n: 5 dead, 7 always on, 4 undecided (the issue's 16 -> 7 folded case)."""
    rows, biases = [], []
    for kind in rng.permutation([0] * 5 + [1] * 7 + [2] * 4):
        w = rng.normal(size=n)
        l1 = float(np.abs(w).sum())
        biases.append(-l1 - rng.uniform(0.1, 1) if kind == 0 else
                      (l1 + rng.uniform(0.1, 1) if kind == 1 else rng.normal() * 0.2))
        rows.append(w)
    return MLPBlock(np.array(rows), np.array(biases), rng.normal(size=(3, 16)), rng.normal(size=3), act, name="sixteen")


def _assert_exact(res, X):
    for x in X:
        ref = exact_output(res.original, x)
        assert exact_output(res.file_block, x) == ref
        assert exact_output(res.block, x, res.linear) == ref


@pytest.mark.parametrize("act", ["relu", "leaky_relu:0.01", "leaky_relu:0.3", "step", "identity"])
def test_the_file_block_is_the_pruned_block_exactly(act):
    rng = np.random.default_rng(hash(act) % 1000)
    block = _sixteen(rng, act)
    res = prune(block, Hypercube(6))
    assert res.proof.status == "verified" and res.file_proof is res.proof
    if act in ("relu", "step"):
        assert len(res.folded) == 7 and len(res.dropped) == 5 and len(res.kept) == 4
    assert res.file_block.s == max(len(res.kept), 1) and res.file_is_exact_prune
    if res.linear is not None:
        skip = res.file_block.skip
        # one factor row per folded unit; a leaky unit with a non-dyadic slope needs a second (rounding) row
        assert skip.rank >= len(res.folded)
    _assert_exact(res, cube_points(6))
    assert equivalent(block, res.file_block, Hypercube(6)).status == "verified"


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("act", ["relu", "leaky_relu:0.01", "identity"])
def test_written_file_reads_back_to_the_pruned_model(tmp_path, suffix, act):
    _needs(suffix)
    rng = np.random.default_rng(7)
    block = _sixteen(rng, act)
    res = prune(block, Hypercube(6))
    assert res.file_block.skip is not None
    back = load(save_model(res.file_block, tmp_path / f"pruned{suffix}"))
    assert back.s == res.file_block.s < block.s and back.same_as(res.file_block)
    X = np.random.default_rng(8).uniform(-1, 1, size=(200, 6))
    assert np.array_equal(back.forward(X), res.forward(X))  # float64, bit for bit
    for x in X[:25]:  # and the same real function as the original (on the cube and off it: folding is exact
        assert exact_output(back, x) == exact_output(res.block, x, res.linear)  # wherever the units' modes hold)
    _assert_exact(res, cube_points(6))
    assert equivalent(block, back, Hypercube(6)).status == "verified"


def test_onnx_file_of_a_pruned_block_runs_in_onnxruntime(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    res = prune(_sixteen(np.random.default_rng(9)), Hypercube(6))
    path = save_model(res.file_block, tmp_path / "p.onnx")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = np.random.default_rng(10).uniform(-1, 1, size=(100, 6))
    assert np.array_equal(sess.run(None, {"input": X})[0], res.forward(X))  # MatMul/Gemm/Add in the same order
    C = cube_points(6)
    np.testing.assert_allclose(sess.run(None, {"input": C})[0], res.original.forward(C), rtol=1e-12, atol=1e-12)


def test_pruning_a_pruned_file_keeps_its_skip_term(tmp_path):
    rng = np.random.default_rng(11)
    block = _sixteen(rng)
    first = prune(block, Hypercube(6))
    pruned = load(save_npz(first.file_block, tmp_path / "p.npz"))
    box = Box.uniform(6, -0.25, 0.25)  # a smaller domain: more units are decided
    second = prune(pruned, box)
    assert second.proof.status == "verified" and second.file_block.s <= pruned.s
    assert second.file_block.skip.rank >= pruned.skip.rank
    X = box.sample(0, 50)
    for x in X:
        assert exact_output(second.file_block, x) == exact_output(block, x)
    assert equivalent(block, second.file_block, box).status == "verified"


def test_softmax_blocks_are_pruned_on_their_logits(tmp_path):
    rng = np.random.default_rng(12)
    block = _sixteen(rng).replace(output_activation="softmax")
    res = prune(block, Hypercube(6))
    assert res.proof.status == "verified" and any("logits" in note for note in res.notes)
    assert res.file_block.output_activation == "softmax" and res.block.output_activation == "softmax"
    C = cube_points(6)
    np.testing.assert_allclose(res.forward(C), block.forward(C), rtol=1e-12, atol=1e-15)
    logits = res.file_block.replace(output_activation=None)
    for x in C[::7]:
        assert exact_output(logits, x) == exact_output(block.replace(output_activation=None), x)
    back = load(save_model(res.file_block, tmp_path / "p.npz"))
    assert back.output_activation == "softmax" and np.array_equal(back.forward(C), res.forward(C))


def test_equivalence_refuses_softmax_and_names_the_way_out():
    block = _sixteen(np.random.default_rng(13)).replace(output_activation="log_softmax")
    with pytest.raises(UnsupportedActivation, match=r"ends in log_softmax.*block.replace\(output_activation=None\)"):
        equivalent(block, block, Hypercube(6))
    plain = block.replace(output_activation=None)
    assert equivalent(plain, plain, Hypercube(6)).status == "verified"


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "gelu", "silu"])
def test_output_operations_refuse_smooth_activations_by_name(act):
    block = _sixteen(np.random.default_rng(14), act)
    with pytest.raises(UnsupportedActivation, match=f"cannot prune {act} units: an inactive {act} unit"):
        prune(block, Hypercube(6))
    with pytest.raises(UnsupportedActivation, match=f"activation '{act}' is not piecewise linear"):
        equivalent(block, block, Hypercube(6))


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_counts_work_for_sigmoid_and_tanh_and_ignore_skip_and_softmax(act):
    rng = np.random.default_rng(15)
    relu = _sixteen(rng)
    skip = LinearSkip(rng.normal(size=(2, 6)), rng.normal(size=2), rng.normal(size=(3, 2)))
    C = cube_points(6)
    truth = exact_max_active(relu, C)
    for block in (relu.replace(activation=act), relu.replace(activation=act, skip=skip, output_activation="softmax")):
        res = max_active(block, Hypercube(6))
        assert res.value == truth and res.optimal
        assert check_sparsity(block, truth, Hypercube(6)).status == "verified"
        assert check_sparsity(block, truth - 1, Hypercube(6)).status == "violated"


def test_cli_prune_writes_onnx_and_safetensors_of_the_issue_case(tmp_path, cli):
    pytest.importorskip("onnx")
    pytest.importorskip("safetensors")
    block = _sixteen(np.random.default_rng(16))
    path = save_npz(block, tmp_path / "m.npz")
    C = cube_points(6)
    for suffix in SUFFIXES:
        out_path = tmp_path / f"p{suffix}"
        res = cli("prune", path, "--domain", "hypercube", "-o", out_path, "--json")
        assert res.code == 0, res.err
        out = json.loads(res.out)
        assert out["units_before"] == 16 and len(out["folded"]) == 7 and out["file_units"] == 4
        assert out["file_skip_rank"] == 7 and out["output"] == str(out_path)
        back = load(out_path)
        assert back.s == 4
        np.testing.assert_allclose(back.forward(C), block.forward(C), rtol=1e-12, atol=1e-12)
        assert cli("equiv", path, out_path, "--domain", "hypercube").code == 0
        assert cli("maxact", out_path, "--domain", "hypercube").code == 0


def test_cli_prune_refuses_what_a_format_cannot_hold_before_solving(tmp_path, cli):
    pytest.importorskip("onnx")
    path = save_npz(_sixteen(np.random.default_rng(17), "step"), tmp_path / "s.npz")
    res = cli("prune", path, "--domain", "hypercube", "-o", tmp_path / "p.onnx")
    assert res.code == 2 and "step units cannot be written to ONNX" in res.err and "Traceback" not in res.err
    assert not (tmp_path / "p.onnx").exists()
    res = cli("prune", path, "--domain", "hypercube", "-o", tmp_path / "p.h5")
    assert res.code == 2 and ".npz, .onnx, .safetensors" in res.err
    tanh = save_npz(_sixteen(np.random.default_rng(17), "tanh"), tmp_path / "t.npz")
    res = cli("prune", tanh, "--domain", "hypercube", "-o", tmp_path / "t2.npz")
    assert res.code == 2 and "cannot prune tanh units" in res.err


def test_other_output_reading_calls_refuse_skip_and_softmax():
    from sparsecert.properties.output import select_output
    from sparsecert.sparse_models import InvalidArgument, stack
    from sparsecert.verify import is_member

    rng = np.random.default_rng(18)
    pruned = prune(_sixteen(rng), Hypercube(6)).file_block
    soft = _sixteen(rng).replace(output_activation="softmax")
    for model, what in ((pruned, "affine skip term"), (soft, "ends in softmax")):
        with pytest.raises(InvalidArgument, match=what):
            is_member(model, 6, 16, 3, Hypercube(6))
        with pytest.raises(InvalidArgument, match=what):
            select_output(model, 0)
        with pytest.raises(InvalidArgument, match=what):
            stack(model, model)
