"""Z3, the reference backend: exact integer / rational arithmetic everywhere.

Cube coordinates are 0/1 integers, real coordinates are reals with exact rational
bounds; "row active" implies its strict inequality. Coefficients are arbitrary-size
integers, so linear integer arithmetic is used (Z3's pseudo-Boolean constraints take
only 32-bit coefficients). One solver is kept per query and each cardinality target is
asked under an assumption, so learnt clauses carry over between questions.
"""

from __future__ import annotations

from fractions import Fraction

import z3

from ..z3_helpers import model_fraction, z3_fraction
from .base import CubeQuery, Outcome, RealQuery


def _lin(C, xs) -> z3.ArithRef:
    terms = [c * xs[j] if c != 1 else xs[j] for j, c in enumerate(C) if c]
    if not terms:
        return z3.IntVal(0)
    return z3.Sum(terms) if len(terms) > 1 else terms[0]


class Z3Backend:
    name = "z3"

    def __init__(self, query: "CubeQuery | RealQuery") -> None:
        self.query = query
        rows = query.rows
        self.solver = z3.SolverFor("QF_LIA") if isinstance(query, CubeQuery) else z3.SolverFor("QF_LRA")
        s = self.solver
        if isinstance(query, CubeQuery):
            self.vars = [z3.Int(f"y{j}") for j in range(query.n)]
            used = {j for C in rows.C for j, c in enumerate(C) if c}
            for j in used:
                s.add(self.vars[j] >= 0, self.vars[j] <= 1)
        else:
            self.vars = [z3.Real(f"x{j}") for j in range(len(query.lower))]
            if query.A:
                for j, x in enumerate(self.vars):
                    s.add(x >= z3_fraction(query.lower[j]), x <= z3_fraction(query.upper[j]))
                for Arow, ci in zip(query.A, query.c):
                    s.add(_lin(Arow, self.vars) <= ci)
            else:
                # a box: solve in t in [-1, 1]^n with x = mid + half * t, each row rescaled to
                # integers; simple bounds keep the simplex's numbers small
                self._box_rows(query)
                return
        self.active = [z3.Bool(f"a{r}") for r in range(len(rows))]
        for a, C, T in zip(self.active, rows.C, rows.T):
            s.add(z3.Implies(a, _lin(C, self.vars) > T))
        if isinstance(query, CubeQuery):
            for a, lits in zip(self.active, query.implied):
                for j, v in lits:
                    s.add(z3.Implies(a, self.vars[j] == v))
            for clique in query.cliques:
                if len(clique) > 1:
                    s.add(z3.AtMost(*[self.active[r] for r in clique], 1))
        self._targets: dict[int, z3.BoolRef] = {}
        self.tvars = None

    def _box_rows(self, query: RealQuery) -> None:
        s, rows = self.solver, query.rows
        mid = [(a + b) / 2 for a, b in zip(query.lower, query.upper)]
        half = [(b - a) / 2 for a, b in zip(query.lower, query.upper)]
        self.mid, self.half = mid, half
        self.tvars = [z3.Real(f"t{j}") for j in range(len(mid))]
        for j, t in enumerate(self.tvars):
            if half[j]:
                s.add(t >= -1, t <= 1)
            else:
                s.add(t == 0)
        self.active = [z3.Bool(f"a{r}") for r in range(len(rows))]
        for a, C, T in zip(self.active, rows.C, rows.T):
            coeffs = [Fraction(c) * half[j] for j, c in enumerate(C)]
            rhs = Fraction(T) - sum((Fraction(c) * mid[j] for j, c in enumerate(C) if c), Fraction(0))
            den = 1
            for q in coeffs + [rhs]:
                den = den * q.denominator // __import__("math").gcd(den, q.denominator)
            ints = [int(q * den) for q in coeffs]
            s.add(z3.Implies(a, _lin(ints, self.tvars) > int(rhs * den)))
        self._targets = {}

    def _point(self, model) -> tuple[Fraction, ...]:
        if getattr(self, "tvars", None) is None:
            return tuple(model_fraction(model, v) for v in self.vars)
        return tuple(m + h * model_fraction(model, t) for m, h, t in zip(self.mid, self.half, self.tvars))

    def at_least(self, count: int, timeout_s: float | None) -> Outcome:
        if count <= 0:
            count = 0
        if count > len(self.active):
            return Outcome("unsat", reason="more units asked than exist")
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
