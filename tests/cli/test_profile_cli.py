"""``sparsecert profile``: the readable report, JSON, plots, modes by domain, and bad input (exit 2)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from sparsecert.sparse_models import MLPBlock, parity_block, planted_sparse, random_block, save_npz


@pytest.fixture
def planted(tmp_path):
    pb = planted_sparse(10, 20, 3, seed=1)
    return save_npz(pb.block, tmp_path / "planted.npz"), pb


def test_text_report_exact(cli, planted):
    path, pb = planted
    r = cli("profile", path, "--domain", "hypercube")
    assert r.code == 0, r.err
    out = r.out
    assert f"max active count  {pb.k}  [exact]" in out
    for section in ("ACTIVATION", "active-count histogram", "SPECTRUM", "total influence I", "BOUNDS",
                    "I <= B0", "B3 <= B5", "W^{>d} <= I/(d+1)", "LOW-DEGREE ALGORITHM"):
        assert section in out
    assert "0 violated" in out and "VIOLATED" not in out


def test_json_report(cli, planted):
    path, pb = planted
    r = cli("profile", path, "--json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["mode"] == "exact" and data["model"]["path"] == str(path)
    act = data["activation"]
    assert act["max_active"] == pb.k and act["max_kind"] == "exact"
    assert sum(act["count_histogram"]) == 2 ** 10
    assert np.isclose(sum(act["rates"]), act["mean_active"])
    spec = data["spectrum"]
    assert np.isclose(sum(spec["weights_by_degree"]), spec["energy"])
    assert np.isclose(sum(spec["influences"]), spec["total_influence"])
    th = data["theory"]
    assert th["violations"] == 0 and th["k"] == pb.k
    assert all(c["holds"] for c in th["checks"])
    assert {"B0", "B5", "4k^2 Lambda^2"} <= set(th["bounds"])
    assert all(sz["m"] == min(sz["m_C1"], sz["m_C2"]) for sz in th["lmn"])


def test_parity_report_numbers(cli, tmp_path):
    path = save_npz(parity_block(8, [1, 4, 6]), tmp_path / "parity.npz")
    data = json.loads(cli("profile", path, "--json").out)
    assert data["theory"]["influence"] == pytest.approx(3.0)
    assert data["theory"]["bounds"]["B4"] == pytest.approx(12.0)
    assert data["spectrum"]["weights_by_degree"][3] == pytest.approx(1.0)
    assert data["spectrum"]["top_coefficients"][0]["set"] == [1, 4, 6]


def test_plots(cli, planted, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = planted
    r = cli("profile", path, "--plots", tmp_path / "figs")
    assert r.code == 0, r.err
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["active_counts.png", "bounds.png", "influences.png", "rates.png", "spectrum.png"]
    for name in names:
        assert (tmp_path / "figs" / name).read_bytes()[:4] == b"\x89PNG"


def test_plots_without_matplotlib_is_a_clear_error(cli, planted, tmp_path, monkeypatch):
    path, _ = planted
    for mod in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    r = cli("profile", path, "--plots", tmp_path / "figs")
    assert r.code == 2
    assert "matplotlib" in r.err and "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "figs").exists()


def test_several_outputs_need_output(cli, tmp_path):
    path = save_npz(random_block(6, 5, 0, output_dim=3), tmp_path / "multi.npz")
    r = cli("profile", path)
    assert r.code == 2 and "--output" in r.err
    r = cli("profile", path, "--output", "2")
    assert r.code == 0 and "analysed: output 2" in r.out
    r = cli("profile", path, "--output", "3")
    assert r.code == 2 and "output" in r.err


def test_hidden_only_block_analyses_a_unit(cli, tmp_path):
    path = save_npz(MLPBlock(np.eye(4), -0.5 * np.ones(4)), tmp_path / "hidden.npz")
    assert cli("profile", path).code == 2
    r = cli("profile", path, "--output", "1")
    assert r.code == 0 and "hidden unit 1" in r.out


def test_binary_cube_gives_statistics_only(cli, planted):
    path, _ = planted
    r = cli("profile", path, "--domain", "hypercube01")
    assert r.code == 0, r.err
    assert "exact enumeration" in r.out and "SPECTRUM" not in r.out and "±1 cube" in r.out


def test_large_cube_is_monte_carlo_with_a_lower_bound(cli, tmp_path):
    path = save_npz(random_block(24, 12, 3, fire_rate=0.1), tmp_path / "big.npz")
    r = cli("profile", path, "--samples", "3000", "--influence-samples", "300")
    assert r.code == 0, r.err
    assert "lower bound (sample maximum)" in r.out and "INFLUENCE (Monte Carlo" in r.out
    assert "dense bound" in r.out and "W^{<=1}" in r.out
    data = json.loads(cli("profile", path, "--samples", "3000", "--influence-samples", "300", "--json").out)
    assert data["mode"] == "monte carlo" and "rate_intervals" in data["activation"]
    total = data["influence_estimate"]["total"]
    assert total["lower"] <= total["estimate"] <= total["upper"]


def test_exact_limit_flag(cli, tmp_path):
    path = save_npz(random_block(12, 6, 3, fire_rate=0.2), tmp_path / "b.npz")
    assert json.loads(cli("profile", path, "--json", "--exact-limit", "11").out)["mode"] == "monte carlo"
    assert json.loads(cli("profile", path, "--json", "--exact-limit", "12").out)["mode"] == "exact"
    r = cli("profile", path, "--exact-limit", "23")
    assert r.code == 2 and "22" in r.err


def test_box_and_points_domains(cli, tmp_path):
    block = random_block(5, 6, 2, fire_rate=0.3)
    path = save_npz(block, tmp_path / "b.npz")
    r = cli("profile", path, "--domain", "box:-1:1", "--samples", "2000")
    assert r.code == 0 and "Monte Carlo" in r.out and "SPECTRUM" not in r.out
    X = np.random.default_rng(0).normal(size=(50, 5))
    np.save(tmp_path / "X.npy", X)
    data = json.loads(cli("profile", path, "--domain", f"points:{tmp_path / 'X.npy'}", "--json").out)
    assert data["activation"]["exact"] and data["activation"]["points"] == 50
    assert data["activation"]["max_active"] == int(block.active_count(X).max())


@pytest.mark.parametrize("args,needle", [
    (["--samples", "0"], "--samples"),
    (["--domain", "sphere"], "unknown domain"),
    (["--delta", "2"], "delta"),
    (["--eps", "-1"], "eps"),
])
def test_bad_input(cli, planted, args, needle):
    path, _ = planted
    r = cli("profile", path, *args)
    assert r.code == 2 and needle in r.err and "Traceback" not in r.err


def test_missing_model(cli, tmp_path):
    r = cli("profile", tmp_path / "nope.npz")
    assert r.code == 2 and "no such file" in r.err


def test_monte_carlo_without_an_output_bound_says_so(cli, tmp_path):
    path = save_npz(random_block(23, 6, 1, activation="gelu"), tmp_path / "gelu.npz")
    r = cli("profile", path, "--samples", "500")
    assert r.code == 0, r.err
    assert "no influence estimate" in r.out and "INFLUENCE (Monte Carlo" not in r.out
