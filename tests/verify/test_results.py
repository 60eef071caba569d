"""One result vocabulary (issue 16): Status, the lower/upper names with their aliases, stable JSON keys,
and the one table from status to CLI exit code."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.verify import (Condition, Equivalence, MaxActive, Membership, Stats, Status, Synthesis, Unknown,
                               Verified, Violated, Witness, prune)
from sparsecert.verify.batch import BallTable
from sparsecert.verify.cli import exit_codes, main
from sparsecert.verify.deep.api import LayerTable

STATS_KEYS = ["time_s", "backend", "method", "units_total", "units_fixed_off", "units_fixed_on", "units_undecided",
              "solver_calls", "exact_rechecks", "notes", "solvers"]


def _witness(count: int = 2) -> Witness:
    return Witness(np.zeros(3), tuple(range(count)), tuple(range(count)))


def test_status_is_a_str_enum_with_the_json_strings():
    assert [s.value for s in Status] == ["verified", "violated", "unknown"]
    for s in Status:
        assert s == s.value and isinstance(s, str)
        assert str(s) == s.value and f"{s}" == s.value and f"{s:<9}|" == f"{s.value:<9}|"
        assert json.dumps(s) == json.dumps(s.value) and json.dumps({"status": s}) == json.dumps({"status": s.value})
        assert Status(s.value) is s
        assert s.upper() == s.value.upper()
    with pytest.raises(ValueError):
        Status("found")


def test_combine_is_the_conjunction():
    V, X, U = Status.VERIFIED, Status.VIOLATED, Status.UNKNOWN
    assert Status.combine([]) is V
    assert Status.combine([V, V]) is V
    assert Status.combine([V, U]) is U
    assert Status.combine([U, X, V]) is X
    assert Status.combine(["verified", "unknown"]) is U


def test_max_active_fields_aliases_and_status():
    w = _witness(2)
    proved = MaxActive(2, 2, True, witness=w, stats=Stats(method="m"))
    assert (proved.lower, proved.upper, proved.value, proved.upper_bound) == (2, 2, 2, 2)
    assert proved.status is Status.VERIFIED and proved.active_units == (0, 1)
    bracket = MaxActive(1, 4, False, reason="timeout")
    assert bracket.status is Status.UNKNOWN and bracket.witness is None and bracket.active_units == ()
    assert (bracket.value, bracket.upper_bound) == (1, 4)
    with pytest.raises(AttributeError):  # the aliases are read-only
        bracket.value = 3  # type: ignore[misc]
    with pytest.raises(TypeError):  # the old order MaxActive(value, witness, upper_bound, optimal, stats)
        MaxActive(2, w, 2, True, Stats())  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        MaxActive(2, w, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # witness, stats and reason are keyword-only
        MaxActive(2, 2, True, w)  # type: ignore[misc]
    assert MaxActive(np.int64(1), np.int64(2), False).upper == 2
    back = pickle.loads(pickle.dumps(proved))  # results cross process boundaries (jobs > 1)
    assert (back.lower, back.upper, back.optimal, back.witness.active_units) == (2, 2, True, (0, 1))


def test_max_active_json_keys_are_unchanged():
    d = MaxActive(2, 3, False, witness=_witness(2), reason="timeout").as_dict()
    assert list(d) == ["max_active", "optimal", "lower", "upper", "witness", "active_units", "float_active_count",
                       "borderline_units", "reason", "stats"]
    assert (d["max_active"], d["lower"], d["upper"], d["optimal"]) == (2, 2, 3, False)
    d = MaxActive(0, 0, True).as_dict()
    assert list(d) == ["max_active", "optimal", "lower", "upper", "witness", "active_units", "stats"]
    assert list(d["stats"]) == STATS_KEYS and d["stats"]["solvers"] == []


def test_check_results_status_bounds_and_json_keys():
    ok = Verified(3, 2)
    assert ok.status is Status.VERIFIED and ok.upper == ok.upper_bound == 2 and ok
    d = ok.as_dict()
    assert list(d) == ["status", "k", "upper_bound", "witness", "active_units", "stats"]
    assert type(d["status"]) is str and d["status"] == "verified" and d["upper_bound"] == 2

    bad = Violated(1, _witness(2))
    assert bad.status is Status.VIOLATED and bad.lower == 2 and not bad
    d = bad.as_dict()
    assert list(d) == ["status", "k", "witness", "active_units", "float_active_count", "borderline_units", "stats"]
    assert type(d["status"]) is str and d["status"] == "violated"

    unk = Unknown(2, 1, 4, "timeout")
    assert unk.status is Status.UNKNOWN and (unk.lower, unk.upper) == (1, 4) and not unk
    d = unk.as_dict()
    assert list(d) == ["status", "k", "lower", "upper", "reason", "witness", "active_units", "stats"]
    assert type(d["status"]) is str and d["status"] == "unknown"
    assert [r.status for r in (ok, bad, unk)] == ["verified", "violated", "unknown"]  # comparisons with strings


def test_stats_names_the_solvers_and_keeps_its_positional_order():
    st = Stats(1.0, "z3", "solver", 5, 1, 1, 3, 7, 0, ("note",))  # positional, as the engines build it
    assert st.solvers == () and st.as_dict()["notes"] == ["note"]
    st = Stats(method="lp-bnb", solvers=("presolve", "lp_bnb"))
    d = st.as_dict()
    assert list(d) == STATS_KEYS and d["solvers"] == ["presolve", "lp_bnb"] and d["backend"] == ""


def test_string_statuses_are_coerced_and_written_as_plain_strings():
    eq = Equivalence("verified", 0.0)
    assert eq.status is Status.VERIFIED and eq
    assert type(eq.as_dict()["status"]) is str
    assert not Equivalence(Status.UNKNOWN, 0.0, reason="z3: timeout")
    with pytest.raises(ValueError):
        Equivalence("maybe", 0.0)
    c = Condition("width", "violated", "width 3 > s = 2", None, 3, 2)
    m = Membership("violated", (c,))
    assert m.status is Status.VIOLATED and c.status is Status.VIOLATED and not m
    d = m.as_dict()
    assert d["status"] == "violated" and type(d["status"]) is str and type(d["conditions"][0]["status"]) is str


@pytest.mark.parametrize("outcome,status", [("found", Status.VERIFIED), ("none", Status.VIOLATED),
                                            ("unknown", Status.UNKNOWN)])
def test_synthesis_outcome_and_status(outcome, status):
    res = Synthesis(outcome, (1, -1, -1, -1), 1, 2, 1, "step")
    assert res.outcome == outcome and res.status is status and bool(res) == (outcome == "found")
    assert res.as_dict()["status"] == outcome  # JSON keeps the outcome word
    assert exit_codes.exit_code(res.status) == {"found": 0, "none": 1, "unknown": 3}[outcome]


def test_synthesis_refuses_an_unknown_outcome():
    from sparsecert.sparse_models.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        Synthesis("verified", (1, -1), 1, 1, 1, "step")


def test_prune_result_status_is_its_proof_status():
    block = MLPBlock(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.0, -5.0, 0.5]),
                     np.array([[1.0, 2.0, -1.0]]), np.zeros(1))
    res = prune(block, Hypercube(2))
    assert res.status is res.proof.status is Status.VERIFIED
    assert res.as_dict()["status"] == "verified" and type(res.as_dict()["status"]) is str


def test_tables_use_the_same_names():
    rs = (MaxActive(1, 1, True), MaxActive(2, 3, False))
    t = BallTable(0.1, rs, 0.0, 0)
    assert t.lower.tolist() == [1, 2] and t.upper.tolist() == [1, 3]
    assert t.values.tolist() == [1, 2] and t.upper_bounds.tolist() == [1, 3]
    assert t.status is Status.UNKNOWN and t.certified_fraction(1) == 0.5
    assert BallTable(0.1, rs[:1], 0.0, 1).status is Status.VERIFIED
    lt = LayerTable(rs, (4, 4), 0.0)
    assert lt.status is Status.UNKNOWN and lt.lower == (1, 2) and lt.upper == (1, 3)
    assert list(lt.as_dict()) == ["optimal", "time_s", "layers"]


def test_the_exit_table():
    assert exit_codes.EXIT_FOR_STATUS == {Status.VERIFIED: 0, Status.VIOLATED: 1, Status.UNKNOWN: 3}
    assert [exit_codes.exit_code(s) for s in ("verified", "violated", "unknown")] == [0, 1, 3]
    assert (exit_codes.EXIT_OK, exit_codes.EXIT_BAD_INPUT, exit_codes.EXIT_INTERNAL,
            exit_codes.EXIT_INTERRUPTED) == (0, 2, 4, 130)
    for name in ("EXIT_VERIFIED", "EXIT_VIOLATED", "EXIT_BAD_INPUT", "EXIT_UNKNOWN", "EXIT_INTERNAL",
                 "EXIT_INTERRUPTED"):
        assert getattr(main, name) == getattr(exit_codes, name)  # the old import place still works
    assert exit_codes.exit_code(MaxActive(1, 1, True).status) == 0
    assert exit_codes.exit_code(MaxActive(1, 2, False).status) == 3
    with pytest.raises(ValueError):
        exit_codes.exit_code("found")
