import json

import numpy as np

from sparsecert.sparse_models import junta_block, planted_sparse, save_npz


def test_info_reports_dead_units_of_planted_block(tmp_path, cli):
    planted = planted_sparse(12, 40, 3, seed=2)
    path = save_npz(planted.block, tmp_path / "m.npz")
    res = cli("info", path, "--json")
    assert res.code == 0, res.err
    info = json.loads(res.out)
    assert (info["n"], info["s"], info["m"]) == (12, 40, 1)
    # every planted dead unit is proved dead by interval arithmetic on the ±1 cube
    assert set(planted.dead_units) <= set(info["interval"]["hypercube"]["dead"])


def test_info_text_output(tmp_path, cli):
    path = save_npz(junta_block(5, [0, 1], lambda a: a[0]), tmp_path / "j.npz")
    res = cli("info", path)
    assert res.code == 0 and "s=4 hidden units" in res.out


def test_info_missing_file_exits_2_with_one_line(tmp_path, cli_subprocess):
    res = cli_subprocess("info", tmp_path / "absent.npz")
    assert res.code == 2
    assert res.err.count("\n") == 1 and "no such file" in res.err and "Traceback" not in res.err


def test_info_nan_weights_exit_2(tmp_path, cli):
    path = tmp_path / "bad.npz"
    np.savez(path, W1=np.array([[np.nan, 1.0]]), b1=np.zeros(1), format=np.array("sparsecert-mlp/1"))
    res = cli("info", path)
    assert res.code == 2 and "non-finite" in res.err
