"""Z3, the reference backend: exact integer / rational arithmetic everywhere.

Cube coordinates are 0/1 integers, real coordinates are reals with exact rational
bounds; "row active" implies its strict inequality. Coefficients are arbitrary-size
integers, so linear integer arithmetic is used (Z3's pseudo-Boolean constraints take
only 32-bit coefficients). One solver is kept per query and each cardinality target is
asked under an assumption, so learnt clauses carry over between questions.

The rows are built through Z3's C API (:mod:`verify.backends.z3_encoding`), not its Python
operators, and the build stops at the backend's deadline: every question is then
answered ``unknown`` (reason ``timeout``), never from a partial encoding.
"""

from __future__ import annotations

import time
from fractions import Fraction
from math import gcd, lcm
from operator import mul

import z3

from sparsecert.sparse_models.errors import InvalidArgument

from .base import CubeQuery, Outcome, RealQuery
from .z3_encoding import EncodingTimeout, bound_constraints, check_deadline, iter_linear_constraints, model_fraction


def _box_form(C, T, H, Dh, M, Dm) -> tuple[list[int], Fraction]:
    """Row ``C x > T`` with x = mid + half * t as ``sum_j a_j t_j > rhs``: a primitive integer
    vector a (a positive multiple of C_j * half_j) and an exact rational rhs.

    ``half_j = H_j / Dh`` and ``mid_j = M_j / Dm`` over common denominators, so the row is
    sum_j (C_j H_j / Dh) t_j > (T Dm - sum_j C_j M_j) / Dm; scaling by Dh / g, g = gcd(C_j H_j),
    keeps every sign (g > 0)."""
    a = list(map(mul, C, H))
    g = gcd(*a)
    rhs_num = T * Dm - sum(map(mul, C, M))
    if g == 0:  # no coefficient at all: the constant comparison 0 > rhs
        return a, Fraction(rhs_num, Dm)
    if g != 1:
        a = [v // g for v in a]
    return a, Fraction(rhs_num * Dh, Dm * g)


class Z3Backend:
    name = "z3"

    def __init__(self, query: "CubeQuery | RealQuery", deadline: float | None = None) -> None:
        """Encode ``query``; ``deadline`` (an absolute ``time.monotonic()`` value, or None) stops
        the build when it passes, and bounds every later ``at_least`` call too."""
        self.query = query
        self.deadline = deadline
        self.rows_built = 0  # linear rows (activity rows and polytope rows) encoded so far
        self.expired = False  # True when the deadline cut the build short
        self._targets: dict[int, z3.BoolRef] = {}
        self.tvars = None
        rows = query.rows
        cube = isinstance(query, CubeQuery)
        self.solver = z3.SolverFor("QF_LIA") if cube else z3.SolverFor("QF_LRA")
        self.active = [z3.Bool(f"a{r}") for r in range(len(rows))]
        if not cube:
            self._check_real(query)
        try:
            check_deadline(deadline)
            if cube:
                self._cube_rows(query)
            elif query.A or any(v is None for v in query.lower) or any(v is None for v in query.upper):
                self._polytope_rows(query)
            else:
                # a box: solve in t in [-1, 1]^n with x = mid + half * t, each row rescaled to
                # integers; simple bounds keep the simplex's numbers small
                self._box_rows(query)
        except EncodingTimeout:
            self.expired = True

    @staticmethod
    def _check_real(query: RealQuery) -> None:
        n = len(query.lower)
        if len(query.upper) != n:
            raise InvalidArgument(f"RealQuery has {n} lower bounds but {len(query.upper)} upper bounds")
        if len(query.A) != len(query.c):
            raise InvalidArgument(f"RealQuery has {len(query.A)} polytope rows but {len(query.c)} right-hand sides")

    def _add_rows(self, constraints) -> None:
        for con in constraints:
            self.solver.add(con)
            self.rows_built += 1

    def _cube_rows(self, query: CubeQuery) -> None:
        s, rows = self.solver, query.rows
        self.vars = [z3.Int(f"y{j}") for j in range(query.n)]
        used = sorted({j for C in rows.C for j, c in enumerate(C) if c})
        for j in used:
            s.add(self.vars[j] >= 0, self.vars[j] <= 1)
        self._add_rows(iter_linear_constraints(zip(rows.C, rows.T), self.vars, ">", self.deadline, self.active))
        for r, (a, lits) in enumerate(zip(self.active, query.implied)):
            if r % 64 == 0:
                check_deadline(self.deadline)
            for j, v in lits:
                s.add(z3.Implies(a, self.vars[j] == v))
        for clique in query.cliques:
            if len(clique) > 1:
                s.add(z3.AtMost(*[self.active[r] for r in clique], 1))

    def _polytope_rows(self, query: RealQuery) -> None:
        """x-space: bounds where given (None: unbounded on that side), rows A x <= c, activity rows."""
        s, rows = self.solver, query.rows
        self.vars = [z3.Real(f"x{j}") for j in range(len(query.lower))]
        s.add(*bound_constraints(self.vars, query.lower, query.upper, self.deadline))
        self._add_rows(iter_linear_constraints(zip(query.A, query.c), self.vars, "<=", self.deadline))
        self._add_rows(iter_linear_constraints(zip(rows.C, rows.T), self.vars, ">", self.deadline, self.active))

    def _box_rows(self, query: RealQuery) -> None:
        s, rows = self.solver, query.rows
        lower = [Fraction(v) for v in query.lower]  # exact (ints and floats too, never via str)
        upper = [Fraction(v) for v in query.upper]
        mid = [(a + b) / 2 for a, b in zip(lower, upper)]
        half = [(b - a) / 2 for a, b in zip(lower, upper)]
        if any(h < 0 for h in half):
            raise InvalidArgument("RealQuery box has a lower bound above its upper bound")
        self.mid, self.half = mid, half
        self.tvars = [z3.Real(f"t{j}") for j in range(len(mid))]
        zero = [j for j, h in enumerate(half) if not h]
        free = [j for j, h in enumerate(half) if h]
        s.add(*bound_constraints([self.tvars[j] for j in free], [-1] * len(free), [1] * len(free), self.deadline))
        s.add(*bound_constraints([self.tvars[j] for j in zero], [0] * len(zero), [0] * len(zero), self.deadline))
        # every half_j and mid_j over one common denominator: integer numerators, no Fractions per term
        Dh = lcm(*(h.denominator for h in half)) if half else 1
        Dm = lcm(*(m.denominator for m in mid)) if mid else 1
        H = [h.numerator * (Dh // h.denominator) for h in half]
        M = [m.numerator * (Dm // m.denominator) for m in mid]

        def forms():
            for C, T in zip(rows.C, rows.T):
                check_deadline(self.deadline)
                yield _box_form(C, T, H, Dh, M, Dm)

        self._add_rows(iter_linear_constraints(forms(), self.tvars, ">", self.deadline, self.active))

    def _point(self, model) -> tuple[Fraction, ...]:
        if getattr(self, "tvars", None) is None:
            return tuple(model_fraction(model, v) for v in self.vars)
        return tuple(m + h * model_fraction(model, t) for m, h, t in zip(self.mid, self.half, self.tvars))

    def at_least(self, count: int, timeout_s: float | None) -> Outcome:
        if count <= 0:
            count = 0
        if count > len(self.active):
            return Outcome("unsat", reason="more units asked than exist")
        if self.expired:
            return Outcome("unknown", reason="timeout")
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                return Outcome("unknown", reason="timeout")
            timeout_s = left if timeout_s is None else min(timeout_s, left)
        if count not in self._targets:
            p = z3.Bool(f"target_{count}")
            self.solver.add(z3.Implies(p, z3.AtLeast(*self.active, count) if count else z3.BoolVal(True)))
            self._targets[count] = p
        ms = 0 if timeout_s is None else max(1, int(timeout_s * 1000))
        self.solver.set("timeout", ms if timeout_s is not None else 4294967295)
        res = self.solver.check(self._targets[count])
        if res == z3.sat:
            model = self.solver.model()
            point = self._point(model)
            if isinstance(self.query, CubeQuery):
                point = tuple(Fraction(min(1, max(0, int(v)))) for v in point)
            return Outcome("sat", point)
        if res == z3.unsat:
            return Outcome("unsat")
        return Outcome("unknown", reason=self.solver.reason_unknown())
