"""``sparsecert bounds``: list, show, eval, solve, compare, plot, instance, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import math
import sys

import pytest

from sparsecert.properties.bounds import REGISTRY, evaluate
from sparsecert.sparse_models import parity_block, random_block, save_npz

RAD = ["--set", "n=100", "--set", "s=1000", "--set", "k=4", "--set", "B_a=1", "--set", "B_w=1", "--set", "B_b=1",
       "--set", "R=10"]


def one_line_error(res, *needles):
    assert res.code == 2, (res.out, res.err)
    assert res.err.count("\n") == 1 and "Traceback" not in res.err, res.err
    for needle in needles:
        assert needle in res.err, res.err


def test_list(cli):
    res = cli("bounds", "list")
    assert res.code == 0
    for name in REGISTRY:
        assert name in res.out
    rows = json.loads(cli("bounds", "list", "--json").out)
    assert {r["name"] for r in rows} == set(REGISTRY)
    assert all(r["label"] in ("[STANDARD]", "[DERIVED]", "[PAPER, 2nd-hand]", "[THIRD-PARTY]") for r in rows)


def test_show(cli):
    res = cli("bounds", "show", "rademacher_sparse")
    assert res.code == 0
    for needle in ("[DERIVED]", "§6 Theorem E3", "premise:     m >= n + 1", "latex:", r"\sqrt", "relu units only"):
        assert needle in res.out
    info = json.loads(cli("bounds", "show", "end_to_end_time", "--json").out)
    assert info["derived_from"] and any("lmn_degree" in step for step in info["substitutions"])
    res = cli("bounds", "show", "vc_upper", "--asymptotics", "s")
    assert res.code == 0 and "as s -> infinity" in res.out


def test_eval_text_and_json(cli):
    res = cli("bounds", "eval", "rademacher_sparse", *RAD, "--set", "m=1000000")
    assert res.code == 0 and res.out.startswith("rademacher_sparse = 33.147")
    data = json.loads(cli("bounds", "eval", "rademacher_sparse", *RAD, "--set", "m=1000000", "--json").out)
    assert {"name", "value", "label", "latex"} <= set(data)
    assert data["name"] == "rademacher_sparse" and data["label"] == "[DERIVED]"
    assert data["value"] == pytest.approx(evaluate("rademacher_sparse", {"n": 100, "s": 1000, "k": 4, "B_a": 1,
                                                                          "B_w": 1, "B_b": 1, "R": 10, "m": 10**6}).value)
    assert data["latex"].startswith(r"\frac")
    data = json.loads(cli("bounds", "eval", "lmn_degree", "--set", "s=10", "--set", "k=2", "--set", "B_a=1",
                          "--set", "B_w=1", "--set", "epsilon=0.1", "--json").out)
    assert data["value"] == 159 and data["is_exact"]


def test_solve_checks_by_substitution(cli):
    res = cli("bounds", "solve", "rademacher_dense", "--for", "m", "--target", "0.5", "--set", "s=1000",
              "--set", "B_a=1", "--set", "B_w=1", "--set", "B_b=1", "--set", "R=10", "--json")
    assert res.code == 0, res.err
    sol = json.loads(res.out)
    m = sol["roots"][0]["value"]
    assert m == 1936000000 and 2 * 1000 * 11 / math.sqrt(m) == pytest.approx(0.5)
    # a sample-size bound takes its target from --set m=...
    res = cli("bounds", "solve", "lmn_samples_hoeffding", "--for", "epsilon", "--set", "m=100000", "--set", "n=20",
              "--set", "d=2", "--set", "F=1", "--set", "delta=0.1")
    assert res.code == 0 and "epsilon = 0.0352268" in res.out and "checked by substitution" in res.out


def test_compare_default_table(cli):
    res = cli("bounds", "compare", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert [row["k"] for row in data["rows"]] == ["1", "4", "16", "64"]
    assert data["fixed"]["n"] == "100" and data["fixed"]["s"] == "1000" and data["fixed"]["R"] == "10"
    for row in data["rows"]:
        for kind in ("influence", "rademacher", "samples", "generalization"):
            assert row[f"{kind}_sparse"] <= row[f"{kind}_dense"]
        assert row["influence_ratio"] == pytest.approx(min(2 * int(row["k"]), 1000) ** 2 / 1000**2)
    text = cli("bounds", "compare").out
    assert "Min(2*k, s)**2/s**2" in text and "m_gen sparse" in text


def test_compare_overrides(cli):
    res = cli("bounds", "compare", "--set", "k=2,8", "--set", "n=64", "--set", "s=100", "--json")
    data = json.loads(res.out)
    assert [row["k"] for row in data["rows"]] == ["2", "8"] and data["fixed"]["R"] == "8"
    res = cli("bounds", "compare", "--set", "n=10,20")
    one_line_error(res, "give R")
    res = cli("bounds", "compare", "--set", "m=50", "--json")  # below n + 1: E3 does not apply
    data = json.loads(res.out)
    assert data["rows"][0]["rademacher_E3"] is None


def test_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.png"
    res = cli("bounds", "plot", "rademacher_best", "--x", "m", *RAD, "-o", out, "--points", "12")
    assert res.code == 0, res.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = cli("bounds", "plot", "rademacher_sparse", "--x", "m", *RAD, "-o", tmp_path / "s.png", "--points", "12")
    assert res.code == 0 and "outside the premises were left out" in res.out
    one_line_error(cli("bounds", "plot", "vc_upper", "--x", "m", "-o", tmp_path / "x.png"), "does not depend on m")


def test_plot_without_matplotlib(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    res = cli("bounds", "plot", "rademacher_best", "--x", "m", *RAD, "-o", tmp_path / "r.png")
    one_line_error(res, "matplotlib", "sparsecert[plot]")


def test_instance(cli, tmp_path):
    path = save_npz(parity_block(8, [0, 1, 2]), tmp_path / "p.npz")
    res = cli("bounds", "instance", path, "--domain", "hypercube")
    assert res.code == 0, res.err
    assert "class-level bounds evaluated at this network's norms" in res.out
    assert "k = 1 (exact)" in res.out
    data = json.loads(cli("bounds", "instance", path, "--json", "--set", "epsilon=0.5").out)
    assert data["heading"] == "class-level bounds evaluated at this network's norms"
    assert data["quantities"]["k"] == 1 and data["parameters"]["epsilon"] == "0.5"
    names = {b["name"]: b for b in data["bounds"]}
    assert names["influence_sparse_relu"]["applies"] and not names["vc_upper"]["applies"]
    big = save_npz(random_block(24, 20, seed=0, fire_rate=0.1), tmp_path / "b.npz")
    res = cli("bounds", "instance", big, "--samples", "300")
    assert res.code == 0 and "sampled lower bound" in res.out
    one_line_error(cli("bounds", "instance", path, "--domain", "nowhere"), "unknown domain")


@pytest.mark.parametrize("args, needles", [
    (("eval", "rademacher_sparse", "--set", "n100"), ("NAME=VALUE",)),
    (("eval", "nope"), ("unknown bound 'nope'",)),
    (("eval", "vc_upper", "--set", "n=3", "--set", "q=1"), ("unknown parameter 'q'",)),
    (("eval", "vc_upper", "--set", "n=3"), ("needs values for: s",)),
    (("eval", "vc_upper", "--set", "n=3", "--set", "s=abc"), ("not a number",)),
    (("eval", "vc_upper", "--set", "n=3", "--set", "s=2", "--set", "n=4"), ("given twice",)),
    (("eval", "vc_upper", "--set", "n=3", "--set", "s=2,3"), ("only by `bounds compare`",)),
    (("eval", "rademacher_sparse", *RAD, "--set", "m=50"), ("premise m >= n + 1 fails",)),
    (("eval", "influence_step", "--set", "n=3", "--set", "s=2", "--set", "k=1", "--set", "B_a=1",
      "--activation", "relu"), ("step units only",)),
    (("solve", "rademacher_dense", "--for", "m", "--set", "s=3", "--set", "B_a=1", "--set", "B_w=1",
      "--set", "B_b=1", "--set", "R=1"), ("needs a target",)),
    (("solve", "vc_upper", "--for", "zz", "--target", "3", "--set", "n=1"), ("unknown parameter 'zz'",)),
    (("show", "nope"), ("unknown bound",)),
])
def test_bad_input_is_one_line_exit_2(cli, args, needles):
    one_line_error(cli("bounds", *args), *needles)


def test_console_script_end_to_end(cli_subprocess):
    res = cli_subprocess("bounds", "eval", "vc_upper", "--set", "n=10", "--set", "s=5", "--json")
    assert res.code == 0, res.err
    assert json.loads(res.out)["value"] == pytest.approx(2 * (5 * 12 + 1) * math.log2(math.e * 6))
    res = cli_subprocess("bounds", "eval", "vc_upper", "--set", "n=-1", "--set", "s=5")
    assert res.code == 2 and res.err.count("\n") == 1 and "n must be a whole number >= 1" in res.err
