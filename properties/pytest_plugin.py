"""The sparsecert pytest plugin (entry point ``pytest11``: ``sparsecert``).

* ``--sparsecert-timeout SECONDS``: default solver timeout of :func:`properties.assert_k_sparse`
  and :func:`properties.assert_equivalent` (an undecided check fails, never passes).
* ``--sparsecert-profile NAME``: the Hypothesis profile for tests marked ``sparsecert``
  (``sparsecert``, the default: no deadline, 25 examples; ``sparsecert-ci``: derandomised,
  prints reproduction blobs; ``sparsecert-thorough``: 200 examples). A test's own
  ``@settings`` wins.
* The marker ``@pytest.mark.sparsecert`` flags tests that need the solver.
* At the end of the session: how many proofs were made and counterexamples found.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from ._internal import session

PROFILES = {
    "sparsecert": dict(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow]),
    "sparsecert-ci": dict(deadline=None, max_examples=25, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow]),
    "sparsecert-thorough": dict(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]),
}
for _name, _kw in PROFILES.items():
    settings.register_profile(_name, **_kw)


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
    group.addoption("--sparsecert-profile", action="store", default="sparsecert", metavar="NAME",
                    help="Hypothesis settings profile for tests marked sparsecert"
                         f" ({', '.join(PROFILES)}, or any registered profile; default: sparsecert)")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "sparsecert: the test calls the sparsity solver (sparsecert assertion helpers)")
    raw = config.getoption("--sparsecert-timeout", default=None)
    session.set_default_timeout(None if raw is None else _timeout(raw))
    name = config.getoption("--sparsecert-profile", default="sparsecert")
    try:
        settings.get_profile(name)
    except Exception:
        raise pytest.UsageError(f"--sparsecert-profile {name!r} is not a registered Hypothesis profile;"
                                f" use one of {', '.join(PROFILES)} or register it in conftest.py") from None
    config._sparsecert_profile = name
    config._sparsecert_failed_tests = {"counterexample": 0, "unproved": 0}
    session.reset()


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    """Marked Hypothesis tests without their own @settings run under the chosen profile."""
    profile = settings.get_profile(getattr(config, "_sparsecert_profile", "sparsecert"))
    for item in items:
        if item.get_closest_marker("sparsecert") is None:
            continue
        fn = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        if getattr(fn, "is_hypothesis_test", False) and not getattr(fn, "_hypothesis_internal_settings_applied", False):
            fn._hypothesis_internal_use_settings = profile


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any):
    """Count the tests that fail with a sparsecert assertion (a counterexample or an unproved claim)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and call.excinfo is not None:
        from .assertions import NotProvedError, SparsecertAssertionError

        if call.excinfo.errisinstance(NotProvedError):
            item.config._sparsecert_failed_tests["unproved"] += 1
        elif call.excinfo.errisinstance(SparsecertAssertionError):
            item.config._sparsecert_failed_tests["counterexample"] += 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    t = session.tally()
    if not (t.proofs or t.counterexamples or t.undecided or t.learning_checks):
        return
    failed = getattr(config, "_sparsecert_failed_tests", {"counterexample": 0, "unproved": 0})
    terminalreporter.section("sparsecert")
    terminalreporter.write_line(f"proofs made: {t.proofs}; counterexamples found: {t.counterexamples}"
                                f" (every failing check, including Hypothesis's shrinking steps);"
                                f" undecided (timeout): {t.undecided}")
    terminalreporter.write_line(f"tests failed with a counterexample: {failed['counterexample']};"
                                f" with an unproved claim: {failed['unproved']}")
    if t.learning_checks:
        terminalreporter.write_line(f"learning checks: {t.learning_checks}, failed: {t.learning_failures}")
    timeout = session.default_timeout()
    terminalreporter.write_line(f"solver timeout: {'none' if timeout is None else f'{timeout:g} s'};"
                                f" Hypothesis profile for sparsecert tests: {config._sparsecert_profile}")
