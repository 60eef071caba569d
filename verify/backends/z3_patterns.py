"""Z3 for the deep pattern search (:mod:`verify.deep.patterns`): one exact QF_LRA solver over an
SMT-LIB script, checked again and again under assumed Boolean guards (no push/pop, so the
solver keeps what it learnt between checks)."""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import z3

from .z3_encoding import model_fraction

NO_TIMEOUT_MS = 4294967295  # Z3's "no timeout"


class AssumptionSolver:
    """The constraints of ``script`` (SMT-LIB 2 declarations and assertions), parsed once."""

    def __init__(self, script: str) -> None:
        self._solver = z3.SolverFor("QF_LRA")
        self._solver.add(z3.parse_smt2_string(script))

    @staticmethod
    def real(name: str):
        """The script's real constant ``name``."""
        return z3.Real(name)

    @staticmethod
    def boolean(name: str):
        """The script's Boolean constant ``name`` (a guard to assume)."""
        return z3.Bool(name)

    def set_timeout(self, ms: int | None) -> None:
        """Z3's timeout for the following checks (None: none). Setting it resets Z3's search state."""
        self._solver.set("timeout", NO_TIMEOUT_MS if ms is None else ms)

    def check(self, assumed: Sequence) -> str:
        """"sat", "unsat" or "unknown": the constraints under the guards ``assumed``."""
        res = self._solver.check(*assumed)
        return "sat" if res == z3.sat else ("unsat" if res == z3.unsat else "unknown")

    def model(self):
        """The model of the last "sat" check."""
        return self._solver.model()

    def reason_unknown(self) -> str:
        """Why the last check answered "unknown" (Z3's words: "timeout", "canceled", ...)."""
        return self._solver.reason_unknown()

    @staticmethod
    def value(model, var) -> Fraction:
        """The exact value of ``var`` in ``model``."""
        return model_fraction(model, var)
