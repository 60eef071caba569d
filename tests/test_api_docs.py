"""The public functions' docstrings (issue 17 item 12): numpydoc sections and examples that run.

* Every function in the ``__all__`` of the public modules below (and the few public
  functions and domain constructors listed in ``EXTRA``) has a numpydoc docstring: a
  ``Parameters`` section naming exactly the function's parameters (when it takes any), a
  ``Returns`` section and an ``Examples`` section with at least one ``>>>`` line.
* The examples are real doctests: every docstring example of the modules that define those
  functions is run here, so the default suite fails when an example goes stale. They use
  tiny blocks and each runs in well under a second (the first solve of a process also
  loads the compiled kernels; the torch and scikit-learn examples pay for importing those).
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import io
from types import FunctionType

import pytest

PUBLIC_MODULES = (
    "sparsecert.verify",
    "sparsecert.verify.deep",
    "sparsecert.sparse_models",
    "sparsecert.properties",
    "sparsecert.properties.strategies",
    "sparsecert.properties.bounds",
    "sparsecert.properties.assertions",
)
# Public functions outside those __all__ lists: the batch API and the domains' constructors.
EXTRA = (
    ("sparsecert.verify.batch", "certify_balls"),
    ("sparsecert.sparse_models", "Box.uniform"),
    ("sparsecert.sparse_models", "Polytope.from_box"),
    ("sparsecert.verify.deep", "InputBox.from_box"),
    ("sparsecert.properties.activation_statistics", "activation_stats"),  # also a submodule's name: listed directly
)
# Modules whose examples need an optional dependency (an extra) to run.
NEEDS = {"sparsecert.sparse_models.io.torch_io": "torch", "sparsecert.sparse_models.io.sklearn_io": "sklearn"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _resolve(module: str, dotted: str):
    obj = importlib.import_module(module)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _listed() -> list[tuple[str, str]]:
    return [(m, n) for m in PUBLIC_MODULES for n in importlib.import_module(m).__all__] + list(EXTRA)


def public_functions() -> dict[str, FunctionType]:
    """'module.qualname' of the defining module -> the function, each function once."""
    found: dict[str, FunctionType] = {}
    for module, name in _listed():
        obj = _resolve(module, name)
        if inspect.ismethod(obj):  # a classmethod, bound to its class
            obj = obj.__func__
        if not inspect.isfunction(obj):
            continue  # classes, constants, type aliases
        found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return found


FUNCTIONS = public_functions()


def sections(doc: str) -> dict[str, list[str]]:
    """numpydoc sections: a title line underlined by dashes of its length, up to the next title."""
    lines = doc.splitlines()
    out: dict[str, list[str]] = {}
    current = None
    i = 0
    while i < len(lines):
        title, under = lines[i].strip(), lines[i + 1].strip() if i + 1 < len(lines) else ""
        if title and under and set(under) == {"-"} and len(under) == len(title):
            current = title
            out[current] = []
            i += 2
            continue
        if current is not None:
            out[current].append(lines[i])
        i += 1
    return out


def documented_parameters(entries: list[str]) -> list[str]:
    """The names of a Parameters section: unindented ``name[, name] : type`` (or ``name``) lines."""
    names = []
    for line in entries:
        if not line.strip() or line[:1].isspace():
            continue
        head = line.split(" : ")[0]
        names += [n.strip().lstrip("*") for n in head.split(",")]
    return names


def signature_parameters(fn: FunctionType) -> list[str]:
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return [p.name for p in params]


def test_the_list_is_complete():
    """The functions the issue names are all here (a renamed export must not drop out silently)."""
    short = {key.rsplit(".", 1)[-1] for key in FUNCTIONS}
    expected = {"max_active", "check_sparsity", "is_member", "equivalent", "prune", "sparsify", "synthesize",
                "truth_table", "unit_ranges", "max_active_all_layers", "certify_balls", "load", "save_npz",
                "save_model", "planted_sparse", "random_block", "from_sklearn", "from_torch", "uniform", "from_box",
                "assert_k_sparse", "assert_equivalent", "assert_learns", "blocks", "sparse_blocks", "domains",
                "points", "evaluate", "solve", "instance_bounds"}
    expected |= {"activation_stats", "spectrum", "analyse", "profile_block"}  # names shared with a submodule or not
    assert expected <= short, sorted(expected - short)
    assert len(FUNCTIONS) >= 70


def test_exports_are_not_shadowed_by_submodules():
    """A listed name is the object, not a submodule of the same name: the packages export lazily,
    and an imported submodule of the same name would hide the object (``activation_stats`` was
    once both; its module is now ``activation_statistics``)."""
    import pkgutil

    for m in PUBLIC_MODULES:
        mod = importlib.import_module(m)
        if hasattr(mod, "__path__") and hasattr(mod, "_EXPORTS"):  # lazily exporting packages
            subs = {info.name for info in pkgutil.iter_modules(mod.__path__)}
            clash = sorted(set(getattr(mod, "__all__", ())) & subs)
            assert clash == [], f"{m} exports names that are also its submodules: {clash}"
    for m in PUBLIC_MODULES:
        importlib.import_module(m)
    importlib.import_module("sparsecert.properties.activation_statistics")  # as profile.py and the doctests do
    shadowed = [f"{m}.{n}" for m, n in _listed() if inspect.ismodule(_resolve(m, n))]
    assert shadowed == [], f"these exports resolve to a submodule instead of the object: {shadowed}"


@pytest.mark.parametrize("key", sorted(FUNCTIONS))
def test_numpydoc_sections(key: str):
    fn = FUNCTIONS[key]
    doc = inspect.getdoc(fn) or ""
    assert doc, f"{key} has no docstring"
    found = sections(doc)
    assert "Returns" in found, f"{key}: no Returns section"
    params = signature_parameters(fn)
    if params:
        assert "Parameters" in found, f"{key}: no Parameters section"
        documented = documented_parameters(found["Parameters"])
        assert sorted(documented) == sorted(params), (
            f"{key}: Parameters documents {documented}, the signature has {params}")
    assert any(ln.lstrip().startswith(">>>") for ln in found.get("Examples", [])), f"{key}: no Examples with >>>"


def test_section_parser():
    doc = "Summary.\n\nParameters\n----------\na, *rest : int\n    Text.\nflag\n    More.\n\nReturns\n-------\nint\n"
    found = sections(doc)
    assert set(found) == {"Parameters", "Returns"}
    assert documented_parameters(found["Parameters"]) == ["a", "rest", "flag"]


DOC_MODULES = sorted({fn.__module__ for fn in FUNCTIONS.values()})


@pytest.mark.parametrize("module", DOC_MODULES)
def test_doctests(module: str):
    if module in NEEDS:
        pytest.importorskip(NEEDS[module])
    mod = importlib.import_module(module)
    tests = [t for t in doctest.DocTestFinder().find(mod) if t.examples]
    names = {t.name for t in tests}
    mine = [key for key, fn in FUNCTIONS.items() if fn.__module__ == module]
    assert set(mine) <= names, f"examples not found by doctest: {sorted(set(mine) - names)}"
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, out.getvalue()
