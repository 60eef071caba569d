"""Hypothesis settings profiles for tests that use sparsecert, and which tests those are.

Profiles (registered with ``hypothesis.settings.register_profile`` when the plugin loads, so
``--hypothesis-profile sparsecert-ci`` and ``settings.load_profile("sparsecert-ci")`` work too):

``sparsecert`` (the default)  25 examples, no deadline (a solver call can take seconds)
``sparsecert-quick``          10 examples, no deadline: the edit-and-rerun loop
``sparsecert-thorough``       200 examples, no deadline: before a release, nightly
``sparsecert-ci``             50 examples, no deadline, derandomised (the same examples on every
                              run), no example database, ``print_blob=True`` (a failure prints
                              the ``@reproduce_failure`` line)

All of them suppress the ``too_slow`` health check: drawing a block is slow by Hypothesis's
standards. A test "uses sparsecert" when it is a Hypothesis test that carries the
``sparsecert`` marker, or whose decorators or body name one of sparsecert's strategies
(``sparse_blocks``, ``points``, ... or a strategy they returned, kept in a module-level
variable) or assertion helpers, directly or through a helper function of the user's own
(an ``@st.composite`` strategy, say) defined outside site-packages. Detection reads the
test's source with :mod:`ast`; it never looks at Hypothesis internals.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import os
import re
import sys
import types
import weakref
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

DEFAULT = "sparsecert"
CI = "sparsecert-ci"
_SLOW = [HealthCheck.too_slow]
PROFILES: dict[str, dict[str, Any]] = {
    "sparsecert": dict(deadline=None, max_examples=25, suppress_health_check=_SLOW),
    "sparsecert-quick": dict(deadline=None, max_examples=10, suppress_health_check=_SLOW),
    "sparsecert-thorough": dict(deadline=None, max_examples=200, suppress_health_check=_SLOW),
    "sparsecert-ci": dict(deadline=None, max_examples=50, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=_SLOW),
}


def _hypothesis_own() -> dict[str, settings]:
    out = {}
    for name in ("default", "ci"):
        try:
            out[name] = settings.get_profile(name)
        except InvalidArgument:  # an older Hypothesis without a built-in "ci" profile
            pass
    return out


# Hypothesis's own profiles as they were when the plugin loaded: while one of them is still the
# active profile, nobody chose a profile, and sparsecert's default applies to its tests.
_HYPOTHESIS_OWN = _hypothesis_own()


def register() -> None:
    """Register the sparsecert profiles, each on top of Hypothesis's own default (not whatever is loaded)."""
    parent = _HYPOTHESIS_OWN.get("default")
    for name, kw in PROFILES.items():
        settings.register_profile(name, parent, **kw)


# What Hypothesis's pytest plugin makes of --hypothesis-verbosity / --hypothesis-explain: the active
# profile again under a longer name, with one setting changed (not a profile the user chose).
_OPTION_SUFFIX = re.compile(r"-with-(?:\w+-verbosity|explain-phase)$")


def _base_profile() -> tuple[str, settings] | None:
    try:
        name = settings.get_current_profile_name()
    except AssertionError:  # no profile loaded at all
        return None
    active = settings.default
    while _OPTION_SUFFIX.search(name):
        name = _OPTION_SUFFIX.sub("", name)
        try:
            active = settings.get_profile(name)
        except InvalidArgument:
            return None
    return name, active


def user_chose_a_profile() -> bool:
    """True when the active profile is not Hypothesis's built-in one (a conftest or option loaded another);
    Hypothesis's verbosity and explain options alone do not count."""
    base = _base_profile()
    return base is not None and base[1] is not _HYPOTHESIS_OWN.get(base[0])


def for_tests(name: str, verbosity: Any = None, explain: bool = False) -> settings:
    """The settings a test using sparsecert gets: profile ``name``, with Hypothesis's own
    ``--hypothesis-verbosity`` / ``--hypothesis-explain`` still applied when they were given."""
    prof = settings.get_profile(name)
    overrides: dict[str, Any] = {}
    if verbosity is not None and prof.verbosity != verbosity:
        overrides["verbosity"] = verbosity
    if explain:
        from hypothesis import Phase

        if Phase.explain not in prof.phases:
            overrides["phases"] = (*prof.phases, Phase.explain)
    return settings(prof, **overrides) if overrides else prof


def default_profile() -> str:
    """sparsecert's default: ``sparsecert-ci`` when Hypothesis detected a CI run (and loaded its "ci"), else ``sparsecert``."""
    base = _base_profile()
    ci = base is not None and base[0] == "ci" and base[1] is _HYPOTHESIS_OWN.get("ci")
    return CI if ci else DEFAULT


# -- which tests use sparsecert --------------------------------------------------------------------

SPARSECERT_MODULES = ("sparsecert.properties.assertions", "sparsecert.properties._internal.strategies",
                      "sparsecert.properties.strategies")
_strategies: "weakref.WeakSet[Any]" = weakref.WeakSet()  # every strategy sparsecert's public functions returned
_LIBRARY_ROOTS = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def remember(strategy: Any) -> Any:
    """Note a strategy returned by a sparsecert strategy function (so a module-level ``BLOCKS = sparse_blocks()``
    counts as using sparsecert wherever ``BLOCKS`` is named)."""
    try:
        _strategies.add(strategy)
    except TypeError:  # pragma: no cover - not weak-referenceable
        pass
    return strategy


def _is_sparsecert(obj: Any) -> bool:
    try:
        if obj in _strategies:
            return True
    except TypeError:
        pass
    if isinstance(obj, types.ModuleType):
        return obj.__name__ in SPARSECERT_MODULES
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module in SPARSECERT_MODULES and callable(obj)


_trees: dict[tuple, ast.AST | None] = {}


def _tree(filename: str) -> ast.AST | None:
    try:
        st = os.stat(filename)
        key = (filename, st.st_mtime_ns, st.st_size)
    except OSError:
        key = (filename, None, None)
    if key not in _trees:
        linecache.checkcache(filename)
        try:
            _trees[key] = ast.parse("".join(linecache.getlines(filename)), filename)
        except (SyntaxError, ValueError):
            _trees[key] = None
    return _trees[key]


def _node(fn: Any) -> ast.AST | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    tree = _tree(code.co_filename)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == code.co_name:
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if code.co_firstlineno in (first, node.lineno):
                return node
    return None


def _by_name(filename: str, qualname: str) -> ast.AST | None:
    """The ``def`` of ``qualname`` (``f`` or ``Class.f``) at the top of a source file."""
    tree = _tree(filename)
    body = getattr(tree, "body", [])
    node = None
    for part in qualname.split("."):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _chains(node: ast.AST) -> list[list[str]]:
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            parts, cur = [], sub
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                out.append([cur.id, *reversed(parts)])
        elif isinstance(sub, ast.Name):
            out.append([sub.id])
    return out


_NOT_USER = ("sparsecert", "hypothesis", "numpy", "pytest", "_pytest", "pluggy")


def _user_file(filename: str | None) -> bool:
    if not filename or filename.startswith("<"):
        return False
    return not os.path.realpath(filename).startswith(_LIBRARY_ROOTS)


def _source(obj: Any, user_only: bool) -> tuple[ast.AST, dict] | None:
    """(the ``def`` node, the globals its names resolve in) of a function, or None.

    A plain function is found by its code object; a wrapped one whose wrapper hides it
    (``@st.composite`` does) by its qualified name in its module's source."""
    if not callable(obj) or isinstance(obj, type):
        return None
    module = getattr(obj, "__module__", None) or ""
    if user_only and module.split(".")[0] in _NOT_USER:
        return None
    try:
        fn = inspect.unwrap(obj)
    except ValueError:
        fn = obj
    code = getattr(fn, "__code__", None)
    if isinstance(fn, types.FunctionType) and code is not None and not code.co_filename.startswith("<"):
        if user_only and not _user_file(code.co_filename):
            return None
        node = _node(fn)
        return None if node is None else (node, fn.__globals__)
    qualname = getattr(obj, "__qualname__", "") or ""
    if "<locals>" in qualname:  # a wrapper made inside a decorator (st.composite's): the name it was given
        qualname = getattr(obj, "__name__", "") or ""
    mod = sys.modules.get(module)
    filename = getattr(mod, "__file__", None)
    if mod is None or not qualname or not (_user_file(filename) if user_only else filename):
        return None
    node = _by_name(filename, qualname)
    return None if node is None else (node, vars(mod))


def uses_sparsecert(fn: Any, depth: int = 3, _seen: set | None = None) -> bool:
    """Does the function's source (decorators and body) name a sparsecert strategy or assertion,
    itself or through the user's own helpers (up to ``depth`` calls deep)?"""
    seen: set = set() if _seen is None else _seen
    found = _source(fn, user_only=_seen is not None)
    if found is None:
        code = getattr(fn, "__code__", None)
        if code is None or _seen is not None:
            return False
        node, globs = None, getattr(fn, "__globals__", {})  # no source: the global names the code reads
        chains = [[name] for name in code.co_names]
    else:
        node, globs = found
        if id(node) in seen:
            return False
        seen.add(id(node))
        chains = _chains(node)
    for chain in chains:
        root = chain[0]
        if root not in globs:
            continue  # a local, an argument or a builtin
        obj = globs[root]
        objs = [obj]
        for attr in chain[1:]:
            if not isinstance(obj, (types.ModuleType, type)):
                break
            obj = getattr(obj, attr, None)
            objs.append(obj)
        for obj in objs:
            if _is_sparsecert(obj):
                return True
            if depth > 0 and uses_sparsecert(obj, depth - 1, seen):
                return True
    return False
