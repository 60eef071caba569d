"""The wheel, installed as a user installs it (issue 17, "Done when").

One fresh virtual environment per module: the wheel is built from a copy of this tree, and the
README's install block is run in that venv line by line, as written (``pip install
"sparsecert[solvers,fast]"``, ...). Offline and fast: pip gets ``--no-index`` and the wheel's
folder as its only link (through ``PIP_NO_INDEX`` / ``PIP_FIND_LINKS``, so the README's lines stay
verbatim), and the third-party dependencies are already there: a ``.pth`` file puts a folder of
symbolic links to this venv's packages (pip among them) on the fresh venv's path, *without* this
tree's editable install (no ``__editable__`` finder, no ``sparsecert`` metadata), so pip reports
them "already satisfied" and installs sparsecert alone, from the wheel, with its ``sparsecert``
command. Nothing of this tree is importable in the fresh venv; a test checks that.

Then, in that venv: ``sparsecert --version`` and ``python -m sparsecert --help`` (both lines of the
README's install block), the README's quick tour run verbatim, and a user project with its own
``properties.py``, ``verify.py`` and ``sparse_models.py`` whose suite is the README's example test
file, run with ``python -m pytest`` and the plugin loaded, passing and failing as it should.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from sparsecert.sparse_models import planted_sparse, random_block, save_npz

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _fenced_blocks(text: str, lang: str = "") -> list[str]:
    """The fenced code blocks of ``text`` whose info string is exactly ``lang``."""
    blocks, info, body = [], None, []
    for line in text.splitlines():
        if info is None and line.startswith("```"):
            info, body = line[3:].strip(), []
        elif info is not None and line.strip() == "```":
            if info == lang:
                blocks.append("\n".join(body) + "\n")
            info = None
        elif info is not None:
            body.append(line)
    return blocks


def _install_lines(comments: bool = False) -> list[str]:
    """The command lines of the README's install block (the fenced block under ``## Install``),
    without their trailing ``# ...`` comments unless ``comments``."""
    (block,) = _fenced_blocks(_section("Install"))
    return [line if comments else line.split(" #", 1)[0].strip() for line in block.splitlines() if line.strip()]


class Venv:
    """A fresh venv with the wheel installed by the README's lines; runs commands inside it."""

    def __init__(self, root: Path, wheel_dir: Path):
        self.root = root
        self.bin = root / "bin"
        self.python = self.bin / "python"
        self.site = Path(subprocess.run([str(self.python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        capture_output=True, text=True, check=True).stdout.strip())
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "PIP_", "HYPOTHESIS"))}
        self.env.update(PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}", VIRTUAL_ENV=str(root),
                        PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheel_dir), PIP_DISABLE_PIP_VERSION_CHECK="1",
                        PYTHONDONTWRITEBYTECODE="1")

    def run(self, args: str | list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a command line (a string: through the shell, as a user types it) in the venv."""
        return subprocess.run(args, shell=isinstance(args, str), cwd=cwd, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


def _dependency_folder(dest: Path) -> Path:
    """Symbolic links to this venv's third-party packages, leaving out this tree's own install."""
    dest.mkdir(parents=True)
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        name = entry.name.lower()
        if "sparsecert" in name or name.startswith(("__editable__", "__pycache__")) or name.endswith(".pth"):
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Venv:
    tmp = tmp_path_factory.mktemp("install")
    # built from a copy: setuptools leaves a build/ folder in the tree it builds
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "reports", "bench", ".sparsecert",
                                                             "__pycache__", "*.egg-info", ".hypothesis"))
    wheels = tmp / "wheels"
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(wheels), str(src)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    # --without-pip: ensurepip would take 5 s; pip comes with the other packages through the .pth
    # file, and bin/pip is the launcher pip's own install writes
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True, capture_output=True,
                   timeout=300)
    v = Venv(tmp / "venv", wheels)
    # named site-packages: Hypothesis takes modules whose path lacks "/site-packages/" for the
    # user's own code and parses them all for constants (8 s for numpy, scipy, z3, ... here)
    deps = _dependency_folder(tmp / "deps" / "site-packages")
    (v.site / "_sparsecert_test_dependencies.pth").write_text(f"{deps}\n")
    (v.bin / "pip").write_text(f"#!{v.python}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n")
    (v.bin / "pip").chmod(0o755)
    home = tmp / "home"  # where the user types the README's lines
    home.mkdir()
    lines = _install_lines()
    assert lines and lines[0].startswith("pip install "), lines  # installs first
    v.install_output = {}
    # each line as written, comment included, through the shell; pip's --no-index and
    # --find-links come from the environment
    for command, line in zip(lines, _install_lines(comments=True)):
        out = v.install_output[command] = v.run(line, cwd=home)
        assert out.returncode == 0, f"README install line failed: {line}\n{out.stdout[-3000:]}{out.stderr[-3000:]}"
    return v


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_readme_install_lines_name_the_distribution_and_its_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = _install_lines()
    assert lines[0] == 'pip install "sparsecert[solvers,fast]"', lines
    assert all(line.startswith(("pip install ", "sparsecert ", "python -m sparsecert ")) for line in lines), lines
    pip_lines = [line for line in lines if line.startswith("pip install ")]
    pip_lines += re.findall(r"`(pip install [^`]+)`", _section("Install"))  # the ones in the prose
    for line in pip_lines:
        for requirement in shlex.split(line)[2:]:
            name, _, extras = requirement.partition("[")
            assert name == project["name"], line
            assert set(extras.rstrip("]").split(",")) <= set(project["optional-dependencies"]), line


def test_installed_from_the_wheel_not_from_this_tree(venv: Venv, tmp_path: Path):
    code = ("import sys, sparsecert, sparsecert.verify, sparsecert.properties, importlib.metadata as m; "
            "print(sparsecert.__file__); print(sparsecert.__version__); "
            "print([p for p in sys.path if p.startswith(sys.argv[1])]); "
            "print(len([d for d in m.distributions() if d.metadata['Name'] == 'sparsecert']))")
    out = venv.run([str(venv.python), "-c", code, str(ROOT)], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    file, version, tree_paths, n_dists = out.stdout.splitlines()
    assert Path(file).is_relative_to(venv.site) and not Path(file).resolve().is_relative_to(ROOT), file
    assert version == _version() and tree_paths == "[]" and n_dists == "1", out.stdout


def test_readme_install_block_ran_verbatim(venv: Venv):
    """What the fixture's run of the README's lines printed: pip installed sparsecert alone, from the
    wheel; the ``sparsecert`` command is the venv's; ``--version`` and ``python -m sparsecert --help``."""
    shown = venv.install_output
    assert {"sparsecert --version", "python -m sparsecert --help"} <= set(shown), list(shown)
    pip = shown['pip install "sparsecert[solvers,fast]"'].stdout
    assert "Installing collected packages: sparsecert\n" in pip, pip
    assert re.search(r"^Requirement already satisfied: numpy", pip, flags=re.M), pip
    assert shown["sparsecert --version"].stdout.strip() == f"sparsecert {_version()}", shown["sparsecert --version"]
    assert shutil.which("sparsecert", path=venv.env["PATH"]) == str(venv.bin / "sparsecert")
    help_text = shown["python -m sparsecert --help"].stdout
    assert help_text.startswith("usage: sparsecert "), help_text
    for command in ("maxact", "verify", "info", "profile", "bounds", "member", "equiv", "prune", "sparsify"):
        assert re.search(rf"^\s+{command}\s", help_text, flags=re.M), (command, help_text)


def _run_shown(snippet: str) -> str:
    """A script that runs ``snippet`` statement by statement, as written, printing the value of
    each bare expression (what the README's comments say it shows)."""
    return ("import ast, sys\n"
            f"SRC = {snippet!r}\n"
            "ns = {'__name__': '__main__'}\n"
            "for node in ast.parse(SRC).body:\n"
            "    if isinstance(node, ast.Expr):\n"
            "        value = eval(compile(ast.Expression(node.value), 'README', 'eval'), ns)\n"
            "        print('>>>', ast.get_source_segment(SRC, node)); print(repr(value)[:400])\n"
            "    else:\n"
            "        exec(compile(ast.Module([node], []), 'README', 'exec'), ns)\n"
            "print('>>> res'); print(repr(ns['res'])[:400])\n")


def test_readme_quick_tour_runs_verbatim(venv: Venv, tmp_path: Path):
    (snippet,) = _fenced_blocks(_section("Quick tour"), "python")
    # the one file it names: a 64-input model (written here, by this tree: it is only data)
    save_npz(random_block(64, 24, seed=0), tmp_path / "model.npz")
    (tmp_path / "quick_tour.py").write_text(_run_shown(snippet), encoding="utf-8")
    out = venv.run([str(venv.python), "quick_tour.py"], cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    shown = out.stdout
    # what the snippet's comments promise
    assert "MaxActive(lower=8, upper=8, optimal=True" in shown.split(">>> res\n", 1)[1], shown
    assert "Verified(k=8" in shown and "Violated(k=7, count=8" in shown, shown
    assert shown.count("MaxActive(") == 2, shown


FAILING_TEST = """
from sparsecert.properties import assert_k_sparse
from sparsecert.sparse_models import Hypercube, load


def test_model_is_1_sparse():          # it is 3-sparse, not 1-sparse: fails with the witness
    assert_k_sparse(load("model.npz"), 1, Hypercube(8))
"""


def test_user_project_with_colliding_names_runs_the_readme_suite(venv: Venv, tmp_path: Path):
    """A project with its own properties.py, verify.py and sparse_models.py, whose tests are the
    README's example test file (verbatim) and one failing assertion, run by ``python -m pytest``."""
    for name in ("properties", "verify", "sparse_models"):
        (tmp_path / f"{name}.py").write_text(f"WHO = {name!r}  # the user's own module\n")
    (tmp_path / "test_own_modules.py").write_text(
        "import properties, sparse_models, verify\n\n"
        "def test_own_modules():\n"
        "    assert (properties.WHO, verify.WHO, sparse_models.WHO) == ('properties', 'verify', 'sparse_models')\n")
    (suite,) = _fenced_blocks(_section("Property-based tests in your own suite"), "python")
    (tmp_path / "test_readme_suite.py").write_text(suite, encoding="utf-8")
    (tmp_path / "test_failing.py").write_text(FAILING_TEST)
    # the file the README's suite loads: a block of known max-active 3 (so 3-sparse, not 1-sparse)
    save_npz(planted_sparse(8, 16, 3, seed=0).block, tmp_path / "model.npz")

    # one run: the plugin's own option is accepted, so the plugin is loaded (it registers it)
    out = venv.run("python -m pytest -rf --sparsecert-profile sparsecert-quick", cwd=tmp_path)
    report = out.stdout + out.stderr
    assert out.returncode == 1, report
    assert re.search(r"^FAILED test_failing.py::test_model_is_1_sparse", out.stdout, flags=re.M), report
    assert re.search(r"^=+ 1 failed, 4 passed in ", out.stdout, flags=re.M), report  # the README's 3, own modules
    # the failure reads as the README shows it: the claim, the saved block, a reproduction
    assert "is not 1-sparse on Hypercube(8): 3 units are active at once" in out.stdout, report
    assert "reproduce:" in out.stdout and "check_sparsity(block, 1, Hypercube(8))" in out.stdout, report
    (saved,) = (tmp_path / ".sparsecert" / "failures").glob("test_model_is_1_sparse-*.npz")
    assert str(saved) in out.stdout, report
    assert re.search(rf"^plugins: .*\bsparsecert-{re.escape(_version())}\b", out.stdout, flags=re.M), report
    # the plugin's end-of-session summary, with the profile applied to the README's Hypothesis test
    assert re.search(r"^=+ sparsecert =+$", out.stdout, flags=re.M), report
    assert "counterexamples found: 1" in out.stdout and "sparsecert-quick (--sparsecert-profile)" in out.stdout, report
    assert "Error while loading plugin" not in report and str(ROOT) not in report
