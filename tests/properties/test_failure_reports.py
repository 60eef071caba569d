"""Failure reports: the failing block is saved (native .npz) and the message is a short reproduction.

A user's test file run by pytest in a subprocess: a loaded 16 x 12 block and a 16 x 48 one
fail assert_k_sparse; the report names the saved file and reproduces the check in a few
lines with no array literal; the file loads back to the very same block. In-process: domain
constructors as text, short result reprs, the native file with its context arrays.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sparsecert.properties._internal import codegen
from sparsecert.sparse_models import Box, Hypercube, LinfBall, MLPBlock, PointSet, Polytope, load, random_block, save_npz
from sparsecert.verify import Violated, check_sparsity, max_active

USER_TESTS = '''
import numpy as np
import pytest
from hypothesis import given, settings
from sparsecert.properties import SparsityAssertionError, assert_k_sparse
from sparsecert.properties.strategies import blocks
from sparsecert.sparse_models import Box, Hypercube, LinfBall, load

MODEL = load("model.npz")   # 16 units x 12 inputs
WIDE = load("wide.npz")     # 16 units x 48 inputs


def test_model_on_the_box():
    assert_k_sparse(MODEL, 3, Box.uniform(12, -1, 1))


def test_wide_model_on_a_ball():
    assert_k_sparse(WIDE, 3, LinfBall(center=np.linspace(-0.5, 0.5, 48), radius=0.05))


@settings(database=None, derandomize=True)
@given(blocks(n=3, s=4))
def test_any_block_is_1_sparse(block):
    assert_k_sparse(block, 1, Hypercube(3))


def test_expected_failure_leaves_no_file():
    with pytest.raises(SparsityAssertionError):
        assert_k_sparse(MODEL, 1, Hypercube(12))
'''


def run_pytest(folder: Path, *opts: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py", *opts],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def message(out: str, test: str) -> list[str]:
    """The assertion message pytest printed for ``test`` (its ``E`` lines, prefix removed)."""
    section = re.split(r"^_{3,} (\S+) _{3,}$", out, flags=re.M)
    body = section[section.index(test) + 1]
    lines = [ln[1:] for ln in body.splitlines() if ln.startswith("E ")]
    indent = len(lines[0]) - len(lines[0].lstrip())
    lines = [ln[indent:] for ln in lines]
    end = next((i for i, ln in enumerate(lines) if ln.startswith(("Falsifying example", "Failing test case"))), len(lines))
    return lines[:end]


def reproduction(lines: list[str]) -> str:
    start = lines.index("reproduce:") + 1
    return "\n".join(ln.strip() for ln in lines[start:])


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("user")
    save_npz(random_block(12, 16, seed=1), folder / "model.npz")
    save_npz(random_block(48, 16, seed=1), folder / "wide.npz")
    (folder / "test_user.py").write_text(USER_TESTS)
    res = run_pytest(folder)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "3 failed, 1 passed" in res.stdout, res.stdout
    return folder, res.stdout


def check_short(lines: list[str], tiny_block: bool = False) -> None:
    assert len(lines) <= 10, "\n".join(lines)
    assert max(map(len, lines)) < 260, "\n".join(lines)
    text = "\n".join(lines)
    assert not re.search(r"\[[^\]]{120,}\]", text), text  # no long array literal
    assert ("W1=" in text) == tiny_block, text  # only a tiny block is written out as MLPBlock(...) source


def test_a_failure_prints_the_saved_path_and_a_short_reproduction(failing_run):
    folder, out = failing_run
    lines = message(out, "test_model_on_the_box")
    check_short(lines)
    assert "is not 3-sparse on Box.uniform(12, -1, 1)" in lines[0]
    saved = folder / ".sparsecert" / "failures"
    (path,) = saved.glob("test_model_on_the_box-*.npz")
    assert any(f"saved to {path}" in ln for ln in lines)
    code = reproduction(lines)
    assert code.splitlines()[-2:] == [f'block = load("{path}")', "check_sparsity(block, 3, Box.uniform(12, -1, 1))"]
    block = load(path)  # the file holds the very block under test
    assert block.same_as(load(folder / "model.npz"))
    scope: dict = {}
    exec(code, scope)  # the reproduction runs as printed
    again = eval(code.splitlines()[-1], scope)
    assert isinstance(again, Violated) and again.witness.count > 3


def test_long_domain_vectors_are_read_from_the_same_file(failing_run):
    folder, out = failing_run
    lines = message(out, "test_wide_model_on_a_ball")
    check_short(lines)
    (path,) = (folder / ".sparsecert" / "failures").glob("test_wide_model_on_a_ball-*.npz")
    code = reproduction(lines)
    assert f'block, saved = load("{path}"), np.load("{path}")' in code
    assert code.splitlines()[-1] == 'check_sparsity(block, 3, LinfBall(center=saved["domain_center"], radius=0.05))'
    scope: dict = {}
    exec(code, scope)
    assert np.array_equal(scope["saved"]["domain_center"], np.linspace(-0.5, 0.5, 48))
    assert scope["block"].same_as(load(folder / "wide.npz"))
    witness = np.load(path)["witness_x"]
    assert witness.shape == (48,) and LinfBall(np.linspace(-0.5, 0.5, 48), 0.05).contains(witness)


def test_shrinking_steps_and_expected_failures_leave_no_files(failing_run):
    folder, out = failing_run
    files = sorted(p.name for p in (folder / ".sparsecert" / "failures").iterdir())
    assert len(files) == 3, files  # one per failing test: Hypothesis's shrinking steps were deleted
    assert not any(name.startswith("test_expected_failure") for name in files)
    lines = message(out, "test_any_block_is_1_sparse")
    check_short(lines, tiny_block=True)  # Hypothesis shrank it to a few zero weights
    (path,) = (folder / ".sparsecert" / "failures").glob("test_any_block_is_1_sparse-*.npz")
    assert any(str(path) in ln for ln in lines)
    assert "failing blocks saved: 3 files in" in out


def test_the_failure_folder_is_an_option_and_a_clean_run_leaves_nothing(tmp_path):
    save_npz(random_block(12, 16, seed=1), tmp_path / "model.npz")
    save_npz(random_block(48, 16, seed=1), tmp_path / "wide.npz")
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    res = run_pytest(tmp_path, "-k", "model_on_the_box", "--sparsecert-failures", "out/fails")
    assert res.returncode == 1, res.stdout + res.stderr
    assert len(list((tmp_path / "out" / "fails").glob("test_model_on_the_box-*.npz"))) == 1
    res = run_pytest(tmp_path, "-k", "expected_failure")
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (tmp_path / ".sparsecert").exists()  # the folder made for the run was empty, so removed


# -- in process ------------------------------------------------------------------------------------

DOMAINS = [
    (Hypercube(16), "Hypercube(16)"),
    (Hypercube(4, (0, 1)), "Hypercube(4, values=(0, 1))"),
    (Box.uniform(48, -1, 1), "Box.uniform(48, -1, 1)"),
    (Box([0.5, -1], [1, 2]), "Box([0.5, -1], [1, 2])"),
    (Box(np.linspace(-1, 0, 20), np.linspace(0, 1, 20)), 'Box(saved["domain_lower"], saved["domain_upper"])'),
    (LinfBall(np.full(48, 0.5), 0.05), "LinfBall(center=[0.5] * 48, radius=0.05)"),
    (LinfBall(np.linspace(0, 1, 30), 0.25, within=Box.uniform(30, 0, 1)),
     'LinfBall(center=saved["domain_center"], radius=0.25, within=Box.uniform(30, 0, 1))'),
    (PointSet([[1, 0], [0, 1]]), "PointSet([[1, 0], [0, 1]])"),
    (PointSet(np.eye(5)), 'PointSet(saved["domain_X"])'),
    (Polytope([[1, 1]], [1]), "Polytope([[1, 1]], [1])"),
]


@pytest.mark.parametrize("domain, code", DOMAINS, ids=[c for _, c in DOMAINS])
def test_domains_render_as_their_constructor_and_rebuild_exactly(domain, code):
    arrays = codegen.Arrays()
    assert codegen.domain_code(domain, arrays) == code
    scope = {"Box": Box, "Hypercube": Hypercube, "LinfBall": LinfBall, "PointSet": PointSet, "Polytope": Polytope,
             "saved": arrays.arrays}
    rebuilt = eval(code, scope)
    for a, b in zip(domain.exact_bounds(), rebuilt.exact_bounds()):
        assert list(a) == list(b)
    text = codegen.domain_text(domain)
    assert len(text) < 120 and "saved[" not in text
    full = codegen.domain_code(domain)  # without a file: every vector written out, still exact
    assert eval(full, scope).dim == domain.dim


def test_domain_text_is_short_and_independent_of_repr():
    assert codegen.domain_text(Box.uniform(48, -1, 1)) == "Box.uniform(48, -1, 1)"
    assert codegen.domain_text(LinfBall(np.linspace(-0.5, 0.5, 48), 0.05)) == \
        "LinfBall(center=[-0.5, -0.478723, -0.457447, -0.43617, ... (48 values)], radius=0.05)"
    assert codegen.domain_text(PointSet(np.eye(5))) == "PointSet(<5 x 5 array>)"


def test_result_reprs_are_summaries():
    block = random_block(48, 16, seed=1)
    box = Box.uniform(48, -1, 1)
    for res in (check_sparsity(block, 3, box), check_sparsity(block, 16, box), max_active(block, box),
                max_active(block, box, timeout=0.001)):
        text = repr(res)
        assert len(text) < 260 and text.count(",") < 30, text
        assert f"status={res.status}" in text
    res = check_sparsity(block, 3, box)
    assert repr(res).startswith(f"Violated(k=3, count={res.witness.count}, status=violated, active_units=(")
    assert "(48 values)" in repr(res) and "(48 values)" in repr(res.witness)
    best = max_active(block, box)
    assert repr(best).startswith(f"MaxActive(lower={best.lower}, upper={best.upper}, optimal={best.optimal}")


def test_native_file_keeps_context_arrays_that_load_skips(tmp_path):
    from sparsecert.properties._internal import failures, session

    block = MLPBlock([[1, -1], [2, 0.5]], [0, -1])
    before = session.failure_dir()
    session.set_failure_dir(tmp_path)
    try:
        path, why = failures.save(block, {"domain_center": np.arange(10.0), **failures.witness_arrays([1, -1])})
        again, _ = failures.save(block, {"domain_center": np.arange(10.0), **failures.witness_arrays([1, -1])})
    finally:
        session.set_failure_dir(before)
    assert why == "" and path == again and path.parent == tmp_path  # same failure, same file
    assert load(path).same_as(block)
    with np.load(path) as data:
        assert np.array_equal(data["domain_center"], np.arange(10.0)) and list(data["witness_x"]) == [1, -1]
