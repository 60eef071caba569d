"""The sparsecert pytest plugin (entry point ``pytest11``: ``sparsecert``).

* ``--sparsecert-timeout SECONDS``: default solver timeout of :func:`properties.assert_k_sparse`
  and :func:`properties.assert_equivalent` (an undecided check fails, never passes).
* ``--sparsecert-profile NAME``: the Hypothesis settings profile of every Hypothesis test that
  uses sparsecert -- names one of its strategies or assertion helpers in its decorators or
  body (directly or through a helper of your own), or carries the ``sparsecert`` marker.
  A test's own ``@settings`` wins. The profiles (registered with
  ``hypothesis.settings.register_profile``, so ``--hypothesis-profile sparsecert-ci`` or
  ``settings.load_profile("sparsecert-ci")`` select them for a whole run too):

  ======================= ==============================================================
  ``sparsecert``          the default: 25 examples, no deadline
  ``sparsecert-quick``    10 examples, no deadline
  ``sparsecert-thorough`` 200 examples, no deadline
  ``sparsecert-ci``       50 examples, no deadline, derandomised, no example database,
                          prints ``@reproduce_failure`` blobs (the default when Hypothesis
                          detects a CI run)
  ======================= ==============================================================

  Who wins: ``--hypothesis-profile`` over everything (sparsecert then applies no profile of
  its own); an explicit ``--sparsecert-profile`` over a profile your ``conftest.py`` loaded;
  sparsecert's default only while Hypothesis's own default profile is active. Tests that do
  not use sparsecert keep whatever Hypothesis profile is active.
* ``--sparsecert-failures DIR``: where a failing check saves its block (native ``.npz``) for
  the reproduction its message prints; default ``<rootdir>/.sparsecert/failures`` (add
  ``.sparsecert/`` to ``.gitignore``; a CI job can keep the folder as an artifact). Files
  that a test's final report does not name -- Hypothesis's shrinking steps, checks the test
  expected to fail -- are deleted when the test ends; an empty folder is removed at exit.
* The marker ``@pytest.mark.sparsecert`` flags tests that need the solver.
* At the end of the session: how many proofs were made and counterexamples found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.errors import InvalidArgument

from ._internal import profiles, session

PROFILES = profiles.PROFILES
profiles.register()


@dataclass
class _State:
    failed: dict = field(default_factory=lambda: {"counterexample": 0, "unproved": 0})
    profile: str | None = None  # the profile sparsecert applied (None: none)
    source: str = ""  # why that profile (or why none)
    applied: int = 0  # Hypothesis tests that got it
    own_settings: int = 0  # tests using sparsecert that kept their own @settings
    kept: list = field(default_factory=list)  # failure files named by a failing test's report
    created: list = field(default_factory=list)  # folders made for failure files (removed at exit when empty)


_STATE = pytest.StashKey[_State]()


def _timeout(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        raise pytest.UsageError(f"--sparsecert-timeout takes seconds (a positive number), got {value!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise pytest.UsageError(f"--sparsecert-timeout must be a positive number of seconds, got {value!r}")
    return t


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("sparsecert", "sparsecert: activation-sparsity checks")
    group.addoption("--sparsecert-timeout", action="store", default=None, metavar="SECONDS",
                    help="default solver timeout for assert_k_sparse / assert_equivalent (default: none);"
                         " a check that times out fails as 'could not prove within timeout'")
    group.addoption("--sparsecert-profile", action="store", default=None, metavar="NAME",
                    help="Hypothesis settings profile for every Hypothesis test that uses sparsecert's strategies,"
                         f" assertions or marker ({', '.join(PROFILES)}, or any registered profile;"
                         " default: sparsecert, sparsecert-ci on CI); --hypothesis-profile, when given, wins")
    group.addoption("--sparsecert-failures", action="store", default=None, metavar="DIR",
                    help="folder for the blocks of failing checks, which their messages load"
                         " (default: <rootdir>/.sparsecert/failures)")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "sparsecert: the test calls the sparsity solver (sparsecert assertion helpers)")
    state = _State()
    config.stash[_STATE] = state
    raw = config.getoption("--sparsecert-timeout", default=None)
    session.set_default_timeout(None if raw is None else _timeout(raw))
    name = config.getoption("--sparsecert-profile", default=None)
    if name is not None:
        try:
            settings.get_profile(name)
        except InvalidArgument:
            raise pytest.UsageError(f"--sparsecert-profile {name!r} is not a registered Hypothesis profile;"
                                    f" use one of {', '.join(PROFILES)} or register it in conftest.py") from None
        if config.getoption("--hypothesis-profile", default=None):
            config.issue_config_time_warning(pytest.PytestConfigWarning(
                f"--sparsecert-profile {name} is not applied: --hypothesis-profile was given and wins"), stacklevel=2)
    raw_dir = config.getoption("--sparsecert-failures", default=None)
    if raw_dir:
        directory = Path(config.invocation_params.dir, raw_dir)
    else:
        directory = Path(config.rootpath) / session.FAILURE_DIR
    directory = directory.resolve()
    d = directory
    while not d.exists() and d != d.parent:
        state.created.append(d)
        d = d.parent
    session.set_failure_dir(directory)
    session.reset()


def _choose_profile(config: Any) -> tuple[str | None, str]:
    """(the profile to apply to tests using sparsecert, or None; why)."""
    hyp = config.getoption("--hypothesis-profile", default=None)
    if hyp:
        return None, f"{hyp} (--hypothesis-profile)"
    explicit = config.getoption("--sparsecert-profile", default=None)
    if explicit:
        return explicit, f"{explicit} (--sparsecert-profile)"
    if profiles.user_chose_a_profile():
        return None, f"{settings.get_current_profile_name()} (the Hypothesis profile loaded for this run)"
    name = profiles.default_profile()
    return name, f"{name} (sparsecert's default)"


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    """Hypothesis tests that use sparsecert and have no @settings of their own run under its profile.

    The profile is applied as a ``settings`` decorator would be (Hypothesis's public API); a
    test that already has ``@settings`` makes that raise, and keeps its own."""
    state = config.stash[_STATE]
    state.profile, state.source = _choose_profile(config)
    if state.profile is None:
        return
    verbosity = config.getoption("--hypothesis-verbosity", default=None)
    if isinstance(verbosity, str):
        from hypothesis import Verbosity

        verbosity = Verbosity[verbosity]
    profile = profiles.for_tests(state.profile, verbosity,
                                 bool(config.getoption("--hypothesis-explain", default=False)))
    seen: set[int] = set()
    for item in items:
        fn = getattr(item, "function", None)
        inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)
        if inner is None or id(fn) in seen:
            continue
        if item.get_closest_marker("sparsecert") is None and not profiles.uses_sparsecert(inner):
            continue
        seen.add(id(fn))
        try:
            profile(fn)
        except InvalidArgument:  # the test has its own @settings: they win
            state.own_settings += 1
        else:
            state.applied += 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any):
    """Failure files are named after the running test."""
    session.set_label(item.nodeid)
    try:
        yield
    finally:
        session.set_label(None)


def _exception_text(exc: BaseException | None, depth: int = 0) -> str:
    if exc is None or depth > 8:
        return ""
    parts = [str(exc), *map(str, getattr(exc, "__notes__", None) or ())]
    for sub in getattr(exc, "exceptions", None) or ():  # an ExceptionGroup of several distinct failures
        parts.append(_exception_text(sub, depth + 1))
    parts.append(_exception_text(exc.__cause__ or exc.__context__, depth + 1))
    return "\n".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any):
    """Count the tests that fail with a sparsecert assertion (a counterexample or an unproved claim),
    and delete the failure files this phase wrote that its report does not name."""
    outcome = yield
    report = outcome.get_result()
    state = item.config.stash[_STATE]
    if report.when == "call" and report.failed and call.excinfo is not None:
        from .assertions import NotProvedError, SparsecertAssertionError

        if call.excinfo.errisinstance(NotProvedError):
            state.failed["unproved"] += 1
        elif call.excinfo.errisinstance(SparsecertAssertionError):
            state.failed["counterexample"] += 1
    written = session.take_written()
    if not written:
        return
    text = ""
    if report.failed:
        text = report.longreprtext + "\n" + (_exception_text(call.excinfo.value) if call.excinfo is not None else "")
    for path in written:
        if str(path) in text:
            state.kept.append(path)
        else:
            try:
                path.unlink()
            except OSError:
                pass


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:  # ``session``: pytest's, by hook signature
    state = session.config.stash.get(_STATE, None)
    for directory in getattr(state, "created", ()):  # deepest first; stops at the first folder in use
        try:
            directory.rmdir()
        except OSError:
            break


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    t = session.tally()
    if not (t.proofs or t.counterexamples or t.undecided or t.learning_checks):
        return
    state = config.stash[_STATE]
    terminalreporter.section("sparsecert")
    terminalreporter.write_line(f"proofs made: {t.proofs}; counterexamples found: {t.counterexamples}"
                                f" (every failing check, including Hypothesis's shrinking steps);"
                                f" undecided (timeout): {t.undecided}")
    terminalreporter.write_line(f"tests failed with a counterexample: {state.failed['counterexample']};"
                                f" with an unproved claim: {state.failed['unproved']}")
    if t.learning_checks:
        terminalreporter.write_line(f"learning checks: {t.learning_checks}, failed: {t.learning_failures}")
    timeout = session.default_timeout()
    applied = (f"; applied to {state.applied} Hypothesis test{'s' if state.applied != 1 else ''}"
               + (f", {state.own_settings} kept their own @settings" if state.own_settings else "")
               if state.profile else "")
    terminalreporter.write_line(f"solver timeout: {'none' if timeout is None else f'{timeout:g} s'};"
                                f" Hypothesis profile for tests using sparsecert: {state.source}{applied}")
    kept = [p for p in dict.fromkeys(state.kept) if p.exists()]
    if kept:
        terminalreporter.write_line(f"failing blocks saved: {len(kept)} file{'s' if len(kept) != 1 else ''}"
                                    f" in {session.failure_dir()}")

