"""The exhaustive cube scan on its own, against the brute-force oracle."""

from sparsecert.verify.goal import Goal
from sparsecert.verify.solvers.enumeration import ENUMERATION, ENUMERATION_FORCED

from .support import check_outcome, cube_cases, unlimited


def test_maximum_matches_oracle():
    for idx, kind, g, expected in cube_cases(300, 41):
        assert ENUMERATION.applies(g)
        out = ENUMERATION.run(g, Goal.maximise(), unlimited())
        check_outcome(g, out, expected)
        assert out.complete and out.lower == expected, (idx, kind, out, expected)


def test_checks_settle_either_way():
    for idx, kind, g, expected in cube_cases(120, 42):
        for k in {max(0, expected - 1), expected}:
            goal = Goal.at_most(k)
            out = ENUMERATION.run(g, goal, unlimited())
            check_outcome(g, out, expected, goal)
            assert goal.settled(out.lower, out.upper if out.upper is not None else g.upper), (idx, k, out)


def test_size_rules():
    for _, _, g, _ in cube_cases(5, 43):
        assert ENUMERATION_FORCED.applies(g)
