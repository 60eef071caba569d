"""CLI errors as scripts and people need them (issue 17 item 8): JSON on stdout with --json, the
CLI's own flags in messages."""

from __future__ import annotations

import json

import numpy as np


def test_cli_json_errors_are_json_on_stdout(tmp_path, capsys):
    from sparsecert.verify.cli.main import main

    rc = main(["maxact", str(tmp_path / "missing.npz"), "--domain", "hypercube", "--json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert rc == 2 and data["error"] == "bad input" and data["exit_code"] == 2 and err.count("\n") == 1


def test_cli_names_its_own_flag_for_a_missing_activation(tmp_path, capsys):
    """A file without a recorded activation: the CLI user is told the CLI flag."""
    from safetensors.numpy import save_file

    from sparsecert.verify.cli.main import main

    path = tmp_path / "bare.safetensors"
    save_file({"fc1.weight": np.eye(3), "fc1.bias": np.zeros(3), "fc2.weight": np.ones((1, 3)),
               "fc2.bias": np.zeros(1)}, str(path))
    rc = main(["info", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and "--activation relu" in err and err.count("\n") == 1
