"""The shape issue 16 promised for verify/: small modules, short functions, and the solver
libraries imported only by their adapters in verify/backends/.

Lengths count code, not documentation: the docstrings of functions (the numpydoc sections of
issue 17 item 12) count toward neither a module's nor a function's lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERIFY = Path(__file__).resolve().parent.parent / "verify"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80
COMPILED_KERNELS = {"_kernel", "_anneal_py", "_count_possible_py", "_count_possible_serial_py", "_propagate_loops"}
ADAPTED = ("z3", "highspy", "ortools")  # solver libraries: imported in verify/backends/ only

MODULES = sorted(VERIFY.rglob("*.py"))


def _docstring_lines(node: ast.AST) -> int:
    """Lines of the docstring of a function node (0 when it has none)."""
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno - body[0].lineno + 1
    return 0


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(VERIFY)))
def test_module_shape(path: Path):
    src = path.read_text()
    tree = ast.parse(src)
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    lines = src.count("\n") - sum(_docstring_lines(n) for n in functions)
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines besides function docstrings"
    long = [(n.name, size) for n in functions if n.name not in COMPILED_KERNELS
            and (size := n.end_lineno - n.lineno + 1 - _docstring_lines(n)) > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"
    if path.parent.name != "backends":
        used = sorted(set(_imports(tree)) & set(ADAPTED))
        assert not used, f"{path.name} imports {used}: go through verify/backends/"


def test_kernel_names_exist():
    """The exemption list names real compiled kernels (a rename must not widen it silently)."""
    defined = {n.name for p in MODULES for n in ast.walk(ast.parse(p.read_text())) if isinstance(n, ast.FunctionDef)}
    assert COMPILED_KERNELS <= defined, COMPILED_KERNELS - defined
