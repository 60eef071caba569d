"""CP-SAT on a cube group, as a primal solver: its points are counted again exactly.

Unit r is active iff sum_j C_rj y_j > T_r, i.e. >= T_r + 1 (integers). Rows whose
coefficient sums pass :data:`~sparsecert.verify.backends.cpsat.INT64_SAFE` are scaled by
2^-e and rounded outward (c_j = floor(C_j / 2^e); sum_j c_j y_j >= floor((T + 1) / 2^e) - m
for every truly active row), so the model is a relaxation of the exact one.

CP-SAT's own optimality claims are NOT used as proofs. Measured in this project's tests:
on an integer model with coefficients near 2^37 (an exact relaxation, whose brute-force
optimum is 6) CP-SAT 9.15 reported OPTIMAL with objective and bound 5, with 1 and with 8
workers. So this solver contributes lower bounds (every point re-counted exactly) and
leaves the proof to the exact solvers after it. Chosen with ``method="cpsat"`` (the
``bench`` extra installs OR-Tools).
"""

from __future__ import annotations

from fractions import Fraction

from ..backends.cpsat import HAVE_CPSAT, INT64_SAFE, max_rows
from .base import GroupOutcome

DETERMINISTIC_TIME_PER_NODE = 0.01  # a node-limited run (no deadline) gets this much of CP-SAT's deterministic time per node


def int64_rows(rows, coords) -> tuple[list[list[int]], list[int], bool]:
    """The group's rows over its coordinates as "active => C y >= T" in 64-bit integers,
    and whether that is exact (True) or an outward-rounded relaxation."""
    C, T, exact = [], [], True
    for row, t in zip(rows.C, rows.T):
        sub = [row[int(j)] for j in coords]
        size = sum(abs(c) for c in sub) + abs(t) + 1
        if size < INT64_SAFE:
            C.append(sub)
            T.append(t + 1)
            continue
        exact = False
        e = (size // INT64_SAFE).bit_length() + 1
        C.append([c >> e for c in sub])  # floor(C_j / 2^e), also for negative C_j
        T.append(((t + 1) >> e) - len(sub))
    return C, T, exact


class CPSAT:
    name = "cpsat"

    def available(self) -> bool:
        return HAVE_CPSAT

    def applies(self, group) -> bool:
        return group.cube

    def run(self, group, goal, budget) -> GroupOutcome:
        C, T, _ = int64_rows(group.rows, group.coords)
        limits = dict(seconds=budget.remaining(), workers=group.ctx.jobs, seed=group.ctx.seed)
        if budget.deterministic:
            limits.update(seconds=None, deterministic_time=DETERMINISTIC_TIME_PER_NODE * max(1, budget.nodes_left()))
        out = max_rows(C, T, **limits)
        if out.y is None:
            return GroupOutcome.nothing(group, calls=1)
        full = [0] * group.ctx.block.n
        for j, v in zip(group.coords, out.y):
            full[int(j)] = v
        count = group.count(full)  # the exact count at CP-SAT's point is what is claimed
        point = {int(j): Fraction(v) for j, v in zip(group.coords, out.y)} if count > group.lower else None
        return GroupOutcome(max(count, group.lower), point, None, calls=1)


CPSAT_SOLVER = CPSAT()
