"""One import namespace: `sparsecert` (issue 17, item 1-2).

The folders sparse_models/, verify/ and properties/ install as sparsecert.sparse_models,
sparsecert.verify and sparsecert.properties, so a user project with its own properties.py,
verify.py and sparse_models.py keeps working with the pytest plugin loaded. These tests use this
tree's editable install; tests/test_install.py does the same on the wheel, installed in a fresh
venv by the README's install lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_version_and_flat_public_face():
    import sparsecert

    assert sparsecert.__version__ and sparsecert.__version__[0].isdigit()
    from sparsecert import Hypercube, check_sparsity, planted_sparse

    planted = planted_sparse(6, 12, 2, seed=0)
    assert check_sparsity(planted.block, 2, Hypercube(6))
    assert set(sparsecert.__all__) <= set(dir(sparsecert))


def test_cli_version_and_python_m():
    out = subprocess.run([sys.executable, "-m", "sparsecert", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip().startswith("sparsecert ")
    out = subprocess.run([sys.executable, "-m", "sparsecert", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "maxact" in out.stdout


def test_user_project_with_colliding_module_names(tmp_path: Path):
    """properties.py, verify.py and sparse_models.py in the user's project: the plugin still loads
    and sparsecert's assertions run (they used to fail every test: 'properties' is not a package)."""
    for name in ("properties", "verify", "sparse_models"):
        (tmp_path / f"{name}.py").write_text(f"WHO = {name!r}  # the user's own module\n")
    (tmp_path / "test_user.py").write_text(
        "import properties, verify\n"
        "from sparsecert.properties import assert_k_sparse\n"
        "from sparsecert.sparse_models import Hypercube, planted_sparse\n\n"
        "def test_own_modules_and_sparsecert():\n"
        "    assert properties.WHO == 'properties' and verify.WHO == 'verify'\n"
        "    assert_k_sparse(planted_sparse(6, 12, 2, seed=0).block, 2, Hypercube(6))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout and "sparsecert" in out.stdout  # the plugin's summary


def test_wheel_installs_only_the_sparsecert_namespace(tmp_path: Path):
    import shutil

    # built from a copy: setuptools leaves a build/ folder in the tree it builds, which would go stale
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "reports", "bench",
                                                             "__pycache__", "*.egg-info", ".hypothesis"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(src)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        pytest.fail(out.stderr[-2000:])
    (wheel,) = tmp_path.glob("sparsecert-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"sparsecert"}
    for module in ("sparsecert/__init__.py", "sparsecert/__main__.py", "sparsecert/py.typed",
                   "sparsecert/docs/theory.md", "sparsecert/verify/api.py", "sparsecert/verify/deep/api.py",
                   "sparsecert/sparse_models/io/onnx_io.py", "sparsecert/properties/pytest_plugin.py"):
        assert module in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "sparsecert = sparsecert.properties.pytest_plugin" in text
    assert "sparsecert = sparsecert.verify.cli.main:main" in text
    # the theory document the help texts cite is readable from the unpacked wheel alone (-S: no
    # site-packages, so neither the editable install of this tree nor anything else is seen)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import sparsecert, importlib.resources as r; "
            "print(r.files('sparsecert').joinpath('docs/theory.md').read_text(encoding='utf-8')[:100])")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# sparsecert theory")
