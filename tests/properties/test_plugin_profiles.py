"""The plugin's Hypothesis profiles, run as a user would: a test file in its own folder, pytest in a subprocess.

Each test of the user file appends its name to a counter file once per example, so the
example counts show which profile each test ran under.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from sparsecert.properties._internal import profiles

CI_VARS = ("CI", "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI", "TF_BUILD", "bamboo.buildKey", "BUILDKITE", "CIRCLECI",
           "CIRRUS_CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS", "GITLAB_CI", "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION")

USER_TESTS = '''
import os

import pytest
from hypothesis import given, settings, strategies as st

from sparsecert.properties import assert_k_sparse
from sparsecert.properties.strategies import sparse_blocks
from sparsecert.sparse_models import Hypercube, MLPBlock


def bump(name):
    with open(os.environ["COUNTS"], "a") as fh:
        fh.write(name + "\\n")


BLOCKS = sparse_blocks(n=6, s=8, k=2)  # a strategy kept in a module-level variable
ONE_UNIT = MLPBlock([[1, -1]], [0])


@given(sparse_blocks(n=6, s=8, k=2))
def test_strategy_in_given(block):
    bump("strategy")


@given(BLOCKS)
def test_module_level_strategy(block):
    bump("module_level")


@given(st.integers())
def test_assertion_in_body(i):
    bump("assertion")
    assert_k_sparse(ONE_UNIT, 1, Hypercube(2))


@st.composite
def my_blocks(draw):
    return draw(sparse_blocks(n=5, k=1))


@given(my_blocks())
def test_through_my_composite(block):
    bump("composite")


class TestInAClass:
    @given(sparse_blocks(n=4))
    def test_method(self, block):
        bump("method")


@pytest.mark.sparsecert
@given(st.integers())
def test_marked(i):
    bump("marked")


@settings(max_examples=7)
@given(sparse_blocks(n=6, s=8))
def test_own_settings(block):
    bump("own_settings")


@given(st.integers())
def test_unrelated(i):
    bump("unrelated")
'''

SPARSECERT_TESTS = ("strategy", "module_level", "assertion", "composite", "method", "marked")

CONFTEST = '''
import os

from hypothesis import settings

settings.register_profile("mine", max_examples=3, deadline=None)
settings.register_profile("wide", max_examples=40, deadline=None)
if os.environ.get("LOAD_WIDE"):
    settings.load_profile("wide")
'''


def run(folder: Path, *opts: str, **env_extra: str) -> tuple[subprocess.CompletedProcess, collections.Counter]:
    counts = folder / "counts.txt"
    counts.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in CI_VARS and k != "PYTEST_ADDOPTS"}
    env.update(COUNTS=str(counts), **env_extra)
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py", *opts],
                         cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    return res, collections.Counter(counts.read_text().split())


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    return tmp_path


def sparsecert_counts(counts: collections.Counter) -> set[int]:
    return {counts[name] for name in SPARSECERT_TESTS}


def test_default_profile_applies_to_every_test_using_sparsecert_not_only_marked_ones(user_folder):
    res, counts = run(user_folder)
    assert all(10 < c <= 25 for c in sparsecert_counts(counts)), counts  # sparsecert: 25 examples
    assert counts["own_settings"] == 7 and counts["unrelated"] == 100, counts  # untouched
    assert "Hypothesis profile for tests using sparsecert: sparsecert (sparsecert's default)" in res.stdout
    assert "applied to 6 Hypothesis tests, 1 kept their own @settings" in res.stdout


@pytest.mark.parametrize("profile, low, high", [("sparsecert-quick", 1, 10), ("sparsecert-thorough", 100, 200)])
def test_sparsecert_profile_option_changes_the_example_count_of_unmarked_tests(user_folder, profile, low, high):
    res, counts = run(user_folder, "--sparsecert-profile", profile)
    assert all(low <= c <= high for c in sparsecert_counts(counts)), counts
    assert counts["own_settings"] == 7 and counts["unrelated"] == 100, counts
    assert f"{profile} (--sparsecert-profile)" in res.stdout


def test_hypothesis_profile_option_is_honoured_and_wins(user_folder):
    res, counts = run(user_folder, "--hypothesis-profile", "mine")
    assert all(1 <= c <= 3 for c in sparsecert_counts(counts)) and counts["unrelated"] == 3, counts
    assert counts["own_settings"] == 7, counts
    assert "mine (--hypothesis-profile)" in res.stdout
    # given both, Hypothesis's option wins, with a warning that sparsecert's is not applied
    res, counts = run(user_folder, "--hypothesis-profile", "mine", "--sparsecert-profile", "sparsecert-thorough")
    assert all(1 <= c <= 3 for c in sparsecert_counts(counts)) and counts["unrelated"] == 3, counts
    assert "--sparsecert-profile sparsecert-thorough is not applied: --hypothesis-profile was given" in res.stdout


def test_sparsecert_profiles_can_be_loaded_with_hypothesis_profile(user_folder):
    _, counts = run(user_folder, "--hypothesis-profile", "sparsecert-quick")
    assert all(1 <= c <= 10 for c in sparsecert_counts(counts)) and 1 <= counts["unrelated"] <= 10, counts


def test_a_profile_loaded_in_conftest_beats_the_default_but_not_the_option(user_folder):
    res, counts = run(user_folder, LOAD_WIDE="1")
    assert all(25 < c <= 40 for c in sparsecert_counts(counts)) and counts["unrelated"] == 40, counts
    assert "wide (the Hypothesis profile loaded for this run)" in res.stdout
    res, counts = run(user_folder, "--sparsecert-profile", "sparsecert-quick", LOAD_WIDE="1")
    assert all(1 <= c <= 10 for c in sparsecert_counts(counts)) and counts["unrelated"] == 40, counts


def test_hypothesis_verbosity_alone_keeps_the_sparsecert_profile_and_is_kept(user_folder):
    res, counts = run(user_folder, "--hypothesis-verbosity", "verbose", "--sparsecert-profile", "sparsecert-quick",
                      "-s", "-k", "strategy_in_given or unrelated")
    assert 1 <= counts["strategy"] <= 10 and counts["unrelated"] == 100, counts
    assert re.search(r"(Trying example|Test case): test_strategy_in_given\(", res.stdout)  # Hypothesis's verbose output
    res, counts = run(user_folder, "--hypothesis-verbosity", "quiet")
    assert all(10 < c <= 25 for c in sparsecert_counts(counts)), counts
    assert "sparsecert (sparsecert's default)" in res.stdout


def test_on_ci_the_default_is_the_ci_profile(user_folder):
    res, counts = run(user_folder, CI="true")
    assert "sparsecert-ci (sparsecert's default)" in res.stdout
    assert all(25 < c <= 50 for c in sparsecert_counts(counts)), counts


def test_an_unknown_profile_is_a_usage_error(user_folder):
    env = {k: v for k, v in os.environ.items() if k not in CI_VARS}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py",
                          "--sparsecert-profile", "nope"], cwd=user_folder, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 4 and "--sparsecert-profile 'nope' is not a registered Hypothesis profile" in res.stderr


def test_profiles_are_registered_public_hypothesis_profiles():
    for name, kw in profiles.PROFILES.items():
        prof = settings.get_profile(name)
        assert prof.max_examples == kw["max_examples"] and prof.deadline is None
    ci = settings.get_profile("sparsecert-ci")
    assert ci.derandomize and ci.database is None and ci.print_blob
