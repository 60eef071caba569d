"""Cheap sound reasoning on a cube before any solver: implied literals, pairwise
exclusions, a clique-cover upper bound and independent groups of units.

In the 0/1 integer form (unit r active iff sum_j C_rj y_j > T_r), the largest value
of the left side is max_r = sum_j max(C_rj, 0). If moving y_j off its favoured value
costs |C_rj| >= max_r - T_r, then "r active" forces y_j to the favoured value. Two units
forcing opposite values of one coordinate can never be active together, so the active
units form an independent set of the conflict graph, and the number of cliques in any
clique partition bounds the count from above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .integer_form import IntegerRows


@dataclass(frozen=True)
class CubeStructure:
    implied: tuple[tuple[tuple[int, int], ...], ...]  # per row: (coordinate, forced 0/1 value)
    conflicts: tuple[frozenset[int], ...]  # per row: rows it can never be active with
    cliques: tuple[tuple[int, ...], ...]  # a partition of the rows into cliques of the conflict graph

    @property
    def clique_bound(self) -> int:
        return len(self.cliques)


def implied_literals(rows: IntegerRows) -> list[tuple[tuple[int, int], ...]]:
    out = []
    for C, T in zip(rows.C, rows.T):
        slack = sum(c for c in C if c > 0) - T  # > 0 for a unit that can be active
        out.append(tuple((j, 1 if c > 0 else 0) for j, c in enumerate(C) if c and abs(c) >= slack))
    return out


def analyse_cube(rows: IntegerRows) -> CubeStructure:
    """Implied literals, the conflict graph and a greedy clique partition of ``rows``.

    Two rows conflict when one forces a coordinate to 1 and the other forces it to 0. The
    partition is greedy: rows by decreasing degree, each joining the first clique all of
    whose members it conflicts with. Both steps are matrix operations (a float32 product of
    0/1 matrices, exact for counts below 2**24; one column test per row over the cliques so
    far), so tens of thousands of rows cost milliseconds, not a Python loop over pairs.
    Rows without a conflict are singleton cliques and never enter the matrices.
    """
    implied = implied_literals(rows)
    s = len(implied)
    m = max((len(c) for c in rows.C), default=0)
    forces = [np.zeros((s, m), np.float32), np.zeros((s, m), np.float32)]  # [value 0, value 1]
    for r, lits in enumerate(implied):
        for j, v in lits:
            forces[v][r, j] = 1.0
    conflict = (forces[1] @ forces[0].T) > 0.5 if s and m else np.zeros((s, s), bool)
    conflict |= conflict.T
    degree = conflict.sum(axis=1)
    adj = tuple(frozenset(np.flatnonzero(row).tolist()) for row in conflict)
    order = np.argsort(-degree, kind="stable")  # (the order of the earlier loop: sorted by -degree, stable)
    linked = order[degree[order] > 0]
    cliques: list[list[int]] = []
    if linked.size:
        sub = conflict[np.ix_(linked, linked)]
        open_to = np.zeros((linked.size, linked.size), bool)  # open_to[c, q]: row q conflicts with all of clique c
        for q in range(linked.size):
            fits = np.flatnonzero(open_to[: len(cliques), q])
            if fits.size:
                c = int(fits[0])
                cliques[c].append(int(linked[q]))
                open_to[c] &= sub[q]
            else:
                open_to[len(cliques)] = sub[q]
                cliques.append([int(linked[q])])
    cliques += [[int(r)] for r in order[degree[order] == 0]]
    return CubeStructure(tuple(implied), adj, tuple(tuple(c) for c in cliques))


def independent_groups(rows: IntegerRows) -> list[list[int]]:
    """Rows split into groups that share no input coordinate (their maxima add up)."""
    parent = list(range(len(rows)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    owner: dict[int, int] = {}
    for r, C in enumerate(rows.C):
        for j, c in enumerate(C):
            if c:
                if j in owner:
                    ra, rb = find(r), find(owner[j])
                    if ra != rb:
                        parent[ra] = rb
                else:
                    owner[j] = r
    groups: dict[int, list[int]] = {}
    for r in range(len(rows)):
        groups.setdefault(find(r), []).append(r)
    return list(groups.values())


def row_coords(rows: IntegerRows, members: list[int]) -> np.ndarray:
    """Coordinates on which any of the given rows has a nonzero weight."""
    used = set()
    for r in members:
        used.update(j for j, c in enumerate(rows.C[r]) if c)
    return np.array(sorted(used), dtype=np.int64)


def subrows(rows: IntegerRows, members: list[int]) -> IntegerRows:
    return IntegerRows(tuple(rows.units[r] for r in members), tuple(rows.C[r] for r in members),
                       tuple(rows.T[r] for r in members))
