"""End to end as a user: a test file importing only public names, run by plain pytest with the plugin.

It passes for a sparse model and fails for a dense one with a shrunk counterexample whose
message shows the witness input. The examples/ scripts are the user files.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sparsecert.properties as properties
import sparsecert.sparse_models as sparse_models
import sparsecert.verify as verify
from sparsecert.sparse_models import planted_sparse, random_block, save_npz

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PUBLIC = {"sparsecert.properties": set(properties.__dict__) - {"assertions"},
          "sparsecert.properties.strategies": set(properties.strategies.__all__),
          "sparsecert.sparse_models": set(sparse_models.__all__), "sparsecert.verify": set(verify.__all__),
          "sparsecert.properties.bounds": set(properties.bounds.__all__)}
THIRD_PARTY = {"os", "math", "pathlib", "pytest", "hypothesis", "numpy", "argparse", "sys"}


def imports_only_public_names(path: Path) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if mod.split(".")[0] in THIRD_PARTY:
                continue
            names = {a.name for a in node.names}
            allowed = PUBLIC.get(mod)
            if allowed is None or not names <= allowed or any(n.startswith("_") for n in names):
                bad.append(f"from {mod} import {sorted(names)}")
        elif isinstance(node, ast.Import):
            bad += [a.name for a in node.names if a.name.split(".")[0] not in THIRD_PARTY]
    return bad


def run_pytest(cwd: Path, test_file: str, env_extra: dict, *opts: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file, *opts],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    save_npz(planted_sparse(8, 24, 2, seed=3).block, tmp_path / "sparse.npz")
    save_npz(random_block(8, 12, seed=1), tmp_path / "dense.npz")
    return tmp_path


@pytest.mark.parametrize("name", ["test_my_model.py", "test_my_learner.py", "check_sparsity_precommit.py"])
def test_examples_import_only_public_names(name):
    assert imports_only_public_names(EXAMPLES / name) == []


def test_user_file_passes_for_a_sparse_model_and_fails_with_a_shrunk_witness_for_a_dense_one(user_dir):
    user_file = user_dir / "test_user_model.py"
    user_file.write_text((EXAMPLES / "test_my_model.py").read_text())

    ok = run_pytest(user_dir, user_file.name, {"SPARSECERT_MODEL": "sparse.npz", "SPARSECERT_K": "2"},
                    "--sparsecert-timeout", "60", "--sparsecert-profile", "sparsecert-ci")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "3 passed" in ok.stdout
    assert "proofs made:" in ok.stdout and "tests failed with a counterexample: 0" in ok.stdout
    assert "solver timeout: 60 s" in ok.stdout and "sparsecert-ci" in ok.stdout

    bad = run_pytest(user_dir, user_file.name, {"SPARSECERT_MODEL": "dense.npz", "SPARSECERT_K": "2"})
    out = bad.stdout
    assert bad.returncode == 1, out + bad.stderr
    assert "2 failed, 1 passed" in out  # pruning stays equivalent even for the dense model
    assert "SparsityAssertionError" in out and "witness input x = [" in out and "active units: [" in out
    assert "reproduce:" in out and 'block = load("' in out and "check_sparsity(block, 2, Hypercube(8))" in out
    assert "MLPBlock(W1=" not in out  # the 12 x 8 block is saved, not printed
    # Hypothesis shrank the failing input to the simplest cube point (all coordinates +1)
    assert "x=array([1., 1., 1., 1., 1., 1., 1., 1.])" in out
    assert "witness input x = [1, 1, 1, 1, 1, 1, 1, 1]" in out
    assert "tests failed with a counterexample: 2" in out


def test_learner_example_passes(tmp_path):
    (tmp_path / "test_user_learner.py").write_text((EXAMPLES / "test_my_learner.py").read_text())
    res = run_pytest(tmp_path, "test_user_learner.py", {})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 passed" in res.stdout and "learning checks: 1, failed: 0" in res.stdout


def test_plugin_refuses_a_bad_timeout(tmp_path):
    (tmp_path / "test_nothing.py").write_text("def test_ok():\n    pass\n")
    res = run_pytest(tmp_path, "test_nothing.py", {}, "--sparsecert-timeout", "soon")
    assert res.returncode == 4
    assert "--sparsecert-timeout takes seconds" in res.stderr


def _precommit():
    spec = importlib.util.spec_from_file_location("check_sparsity_precommit", EXAMPLES / "check_sparsity_precommit.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main


def test_precommit_check_exit_codes(user_dir, capsys):
    main = _precommit()
    assert main([str(user_dir / "sparse.npz"), "-k", "2"]) == 0
    assert "proved 2-sparse" in capsys.readouterr().out
    assert main([str(user_dir / "dense.npz"), "-k", "2", "--timeout", "60"]) == 1
    err = capsys.readouterr().err
    assert "lost its sparsity" in err and "witness input x" in err
    assert main([str(user_dir / "missing.npz"), "-k", "2"]) == 2
    assert main([str(user_dir / "sparse.npz"), "-k", "2", "--domain", "sphere"]) == 2


PROFILE_FILE = '''
import pytest
from hypothesis import given, settings, strategies as st

COUNTS = {"marked": 0, "marked_own_settings": 0, "plain": 0}


@pytest.mark.sparsecert
@given(st.integers())
def test_marked(x):
    COUNTS["marked"] += 1


@pytest.mark.sparsecert
@settings(max_examples=7)
@given(st.integers())
def test_marked_own_settings(x):
    COUNTS["marked_own_settings"] += 1


@given(st.integers())
def test_plain(x):
    COUNTS["plain"] += 1


def test_counts():
    print("COUNTS", COUNTS)
'''


@pytest.mark.parametrize("profile, marked", [("sparsecert", 25)])
def test_profile_applies_to_marked_tests_and_not_to_unrelated_ones(tmp_path, profile, marked):
    (tmp_path / "test_profiles.py").write_text(PROFILE_FILE)
    res = run_pytest(tmp_path, "test_profiles.py", {}, "-s", "--strict-markers", "--sparsecert-profile", profile)
    assert res.returncode == 0, res.stdout + res.stderr
    counts = eval(res.stdout.split("COUNTS ", 1)[1].splitlines()[0])
    assert counts == {"marked": marked, "marked_own_settings": 7, "plain": 100}
