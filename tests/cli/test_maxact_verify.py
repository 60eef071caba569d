import json

import numpy as np
import pytest

from sparsecert.sparse_models import MLPBlock, planted_sparse, random_block, save_npz


@pytest.fixture
def planted_file(tmp_path):
    planted = planted_sparse(20, 80, 4, seed=3)
    return planted, save_npz(planted.block, tmp_path / "planted.npz")


def test_maxact_json_fields_and_exit_0(planted_file, cli):
    planted, path = planted_file
    res = cli("maxact", path, "--domain", "hypercube", "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    for key in ("max_active", "optimal", "lower", "upper", "witness", "active_units", "stats"):
        assert key in out
    assert out["max_active"] == 4 and out["optimal"] and out["lower"] == out["upper"] == 4
    x = np.array(out["witness"])
    assert planted.block.active_count(x) == 4 and len(out["active_units"]) == 4


def test_verify_exit_codes(planted_file, cli):
    _, path = planted_file
    ok = cli("verify", path, "-k", "4", "--domain", "hypercube", "--json")
    assert ok.code == 0 and json.loads(ok.out)["status"] == "verified"
    bad = cli("verify", path, "-k", "3", "--domain", "hypercube", "--json")
    out = json.loads(bad.out)
    assert bad.code == 1 and out["status"] == "violated" and out["k"] == 3 and len(out["active_units"]) == 4


def test_verify_unknown_exit_3(tmp_path, cli):
    path = save_npz(random_block(40, 48, seed=1, fire_rate=0.3), tmp_path / "hard.npz")
    res = cli("verify", path, "-k", "5", "--domain", "hypercube", "--timeout", "0.5", "--method", "z3", "--json")
    assert res.code in (1, 3)
    out = json.loads(res.out)
    assert out["status"] in ("violated", "unknown")
    if res.code == 3:
        assert out["lower"] <= out["upper"]


def test_ball_and_points_domains(tmp_path, cli):
    block = random_block(6, 12, seed=2)
    path = save_npz(block, tmp_path / "b.npz")
    centers = np.random.default_rng(0).uniform(-1, 1, size=(5, 6))
    np.save(tmp_path / "c.npy", centers)
    res = cli("maxact", path, "--domain", f"ball:{tmp_path / 'c.npy'}:0.01", "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert len(out["per_center"]) == 5
    assert out["max_active"] == max(r["max_active"] for r in out["per_center"])
    res = cli("maxact", path, "--domain", f"points:{tmp_path / 'c.npy'}", "--json")
    assert res.code == 0 and json.loads(res.out)["max_active"] == int(block.active_count(centers).max())
    np.savez(tmp_path / "box.npz", lower=-np.ones(6), upper=np.ones(6))
    res = cli("verify", path, "-k", "12", "--domain", f"box-file:{tmp_path / 'box.npz'}")
    assert res.code == 0 and "VERIFIED" in res.out


@pytest.mark.parametrize("args,needle", [
    (["--domain", "sphere"], "unknown domain"),
    (["--domain", "box:1:0"], "empty box"),
    (["--domain", "ball:/nonexistent.npy:0.1"], "does not exist"),
    (["--domain", "box:a:1"], "not a number"),
    (["--domain", "hypercube", "--timeout", "-1"], "timeout"),
])
def test_bad_input_exit_2_one_line(planted_file, cli, args, needle):
    _, path = planted_file
    res = cli("maxact", path, *args)
    assert res.code == 2, (res.code, res.err)
    assert needle in res.err and res.err.count("\n") == 1


def test_k_out_of_range_exit_2(planted_file, cli):
    _, path = planted_file
    res = cli("verify", path, "-k", "1000", "--domain", "hypercube")
    assert res.code == 2 and "out of range" in res.err


def test_not_a_model_exit_2(tmp_path, cli_subprocess):
    p = tmp_path / "junk.npz"
    p.write_text("hello")
    res = cli_subprocess("maxact", p, "--domain", "hypercube")
    assert res.code == 2 and "Traceback" not in res.err and res.err.count("\n") == 1


def test_tie_at_tau_counts_inactive(tmp_path, cli):
    # z = (x1 + x2)/2 reaches exactly tau = 1 at (1, 1): inactive there (strict)
    path = save_npz(MLPBlock([[0.5, 0.5]], [0.0]), tmp_path / "t.npz")
    res = cli("maxact", path, "--domain", "hypercube", "--tau", "1", "--json")
    assert json.loads(res.out)["max_active"] == 0
