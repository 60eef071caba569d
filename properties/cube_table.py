"""Exact enumeration of a block on a hypercube, held in bounded memory.

One pass over the cube (via :meth:`Hypercube.chunks`, docs/theory.md §1 index order) records,
for every point r, the exact activity mask (packed to bits) and optionally the value of
one scalar output f. A second pass over the edges (r, r XOR 2^j) gives the per-edge
quantities of docs/theory.md §2 (q_ij, flips, the B0/B1 sums and the flip influences).

Memory: 2^n * (ceil(s/8) + 8) bytes for the tables (f in float64, masks as bits) plus a
working set of at most about ``WORK_BYTES`` per chunk; at n = 22, s = 64 that is
32 MiB + 32 MiB + 64 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.sparse_models.errors import DomainError, InvalidArgument

from .output import OutputSelection, exact_decisions, margin_for, output_values

MAX_EXACT_N = 22
WORK_BYTES = 64 << 20
TABLE_LIMIT_BYTES = 1 << 30

Progress = Callable[[int], None]


def chunk_points(n: int, s: int) -> int:
    """Largest power of two of points whose working arrays fit in WORK_BYTES (at most 2^16, at most 2^n)."""
    per_point = 8 * (n + 4 * s + 4)
    c = 1
    while c * 2 <= min(1 << 16, 1 << n) and c * 2 * per_point <= WORK_BYTES:
        c *= 2
    return c


MAX_PAIRWISE_UNITS = 2048


def check_pairwise(s: int) -> None:
    """Refuse an s x s co-activation matrix that would not fit comfortably in memory."""
    if s > MAX_PAIRWISE_UNITS:
        raise InvalidArgument(f"pairwise co-activation for s={s} units needs an s x s matrix ({8 * s * s >> 20} MiB);"
                              f" pass pairwise=False (limit s <= {MAX_PAIRWISE_UNITS})")


def _check_cube(block: MLPBlock, cube: Hypercube, max_n: int) -> None:
    if not isinstance(cube, Hypercube):
        raise DomainError(f"exact enumeration needs a Hypercube domain, got {type(cube).__name__}")
    if cube.n != block.n:
        raise DomainError(f"the cube has dimension {cube.n} but the block takes n={block.n} inputs")
    if cube.n > max_n:
        raise DomainError(
            f"exact enumeration of {cube!r} needs 2^{cube.n} points, beyond the limit n <= {max_n};"
            " use the Monte Carlo estimators (properties.montecarlo; CLI: a lower --exact-limit) instead")
    need = (1 << cube.n) * ((block.s + 7) // 8 + 8)
    if need > TABLE_LIMIT_BYTES:
        raise DomainError(
            f"the exact tables for n={cube.n}, s={block.s} would take {need >> 20} MiB (limit"
            f" {TABLE_LIMIT_BYTES >> 20} MiB); use the Monte Carlo estimators for this block"
            " (CLI: a lower --exact-limit)")


@dataclass(frozen=True, eq=False)
class CubeTable:
    """Every point of a hypercube with its exact active set and (optionally) f.

    ``masks`` is (2^n, ceil(s/8)) uint8 from np.packbits (bit order big); ``values`` is
    f by point index or None. The counts are exact integers.
    """

    cube: Hypercube
    s: int
    masks: np.ndarray
    values: np.ndarray | None
    selection: OutputSelection | None
    count_histogram: np.ndarray
    unit_counts: np.ndarray
    coactivation_counts: np.ndarray | None
    max_active: int
    argmax_index: int
    redecided: int
    chunk: int

    @property
    def n(self) -> int:
        return self.cube.n

    @property
    def size(self) -> int:
        return 1 << self.cube.n

    def mask_rows(self, start: int, stop: int) -> np.ndarray:
        """The exact boolean masks of points start..stop-1, shape (stop-start, s)."""
        return np.unpackbits(self.masks[start:stop], axis=1, count=self.s).view(bool)


def tabulate_cube(
    block: MLPBlock,
    cube: Hypercube | None = None,
    selection: OutputSelection | None = None,
    *,
    pairwise: bool = True,
    max_n: int = MAX_EXACT_N,
    progress: Progress | None = None,
) -> CubeTable:
    """Enumerate ``cube`` (default the ±1 cube) once; f values only when ``selection`` is given."""
    cube = Hypercube(block.n) if cube is None else cube
    _check_cube(block, cube, max_n)
    if pairwise:
        check_pairwise(block.s)
    n, s = cube.n, block.s
    N = 1 << n
    C = chunk_points(n, s)
    margin = margin_for(block, max(abs(cube.lo), abs(cube.hi)))
    masks = np.empty((N, (s + 7) // 8), dtype=np.uint8)
    values = np.empty(N) if selection is not None else None
    hist = np.zeros(s + 1, dtype=np.int64)
    unit_counts = np.zeros(s, dtype=np.int64)
    co = np.zeros((s, s), dtype=np.float64) if pairwise else None
    best, best_at, redecided = -1, 0, 0
    for start, X in cube.chunks(C):
        dec = exact_decisions(block, X, margin)
        M = dec.mask
        redecided += dec.redecided
        stop = start + X.shape[0]
        masks[start:stop] = np.packbits(M, axis=1)
        if values is not None:
            values[start:stop] = output_values(selection, dec, overwrite=True)
        counts = M.sum(axis=1)
        hist += np.bincount(counts, minlength=s + 1)
        unit_counts += M.sum(axis=0)
        if co is not None:
            Mf = M.astype(np.float32)  # exact: chunk counts stay below 2^24
            co += Mf.T @ Mf
        top = int(np.argmax(counts))
        if counts[top] > best:
            best, best_at = int(counts[top]), start + top
        if progress is not None:
            progress(X.shape[0])
    masks.setflags(write=False)
    if values is not None:
        values.setflags(write=False)
    co_counts = None if co is None else np.rint(co).astype(np.int64)
    return CubeTable(cube, s, masks, values, selection, hist, unit_counts, co_counts,
                     best, best_at, redecided, C)


@dataclass(frozen=True)
class EdgeSums:
    """Sums over all ordered pairs (x, x^(j)) of the cube, x uniform (divide by 2^n for means).

    q_counts[i, j]    #{x : i in A(x) or i in A(x^(j))}
    flip_counts[i, j] #{x : [i in A(x)] != [i in A(x^(j))]}
    b0[j]             sum_x (sum_{i in T(x,j)} 2 |a_i| |w_ij|)^2
    b1[j]             sum_x |T(x,j)| * sum_{i in T(x,j)} a_i^2 w_ij^2
    influence[j]      sum_x ((f(x) - f(x^(j))) / 2)^2
    The last three are None when the table has no f.
    """

    q_counts: np.ndarray
    flip_counts: np.ndarray
    b0: np.ndarray | None
    b1: np.ndarray | None
    influence: np.ndarray | None


def _pairs(table: CubeTable, j: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]]:
    """Each unordered edge in direction j once: (masks at bit j = 0, masks at bit j = 1, f there, f there).

    The mask arrays may be strided views of shape (..., s); rows correspond pairwise.
    """
    N, C, s = table.size, table.chunk, table.s
    h = 1 << j
    vals = table.values
    if h < C:
        for start in range(0, N, C):
            Mv = table.mask_rows(start, start + C).reshape(C // (2 * h), 2, h, s)
            fa = fb = None
            if vals is not None:
                fv = vals[start:start + C].reshape(C // (2 * h), 2, h)
                fa, fb = fv[:, 0], fv[:, 1]
            yield Mv[:, 0], Mv[:, 1], fa, fb
    else:
        for start in range(0, N, C):
            if start & h:
                continue
            other = start | h
            fa = fb = None
            if vals is not None:
                fa, fb = vals[start:start + C], vals[other:other + C]
            yield table.mask_rows(start, start + C), table.mask_rows(other, other + C), fa, fb


def _column_counts(T: np.ndarray) -> np.ndarray:
    """Column sums of a contiguous (R, s) boolean array (summing wide rows: numpy is slow on narrow ones)."""
    R, s = T.shape
    k = 1
    while k < 64 and R % (2 * k) == 0:
        k *= 2
    return T.view(np.uint8).reshape(R // k, k * s).sum(axis=0, dtype=np.int64).reshape(k, s).sum(axis=0)


def edge_sums(table: CubeTable, block: MLPBlock, *, progress: Progress | None = None) -> EdgeSums:
    """Accumulate :class:`EdgeSums` over every edge; each unordered edge is visited once and counted twice.

    Per direction j every point lies in exactly one edge, so with T = A or B per edge,
    sum_edges (A_i + B_i) = unit_counts_i and the flips A xor B = 2T - (A + B) follow from
    the counts of T: flip_counts = 2 (2 sum T - unit_counts), q_counts = 2 sum T.
    """
    if block.s != table.s or block.n != table.n:
        raise InvalidArgument("the table was built for a different block")
    n, s = table.n, table.s
    q = np.zeros((s, n), dtype=np.int64)
    sel = table.selection
    with_f = table.values is not None and sel is not None
    b0 = np.zeros(n) if with_f else None
    b1 = np.zeros(n) if with_f else None
    infl = np.zeros(n) if with_f else None
    if with_f:
        v0 = 2.0 * np.abs(sel.a)[:, None] * np.abs(block.W1)  # (s, n): 2|a_i||w_ij|
        v1 = (sel.a ** 2)[:, None] * block.W1 ** 2              # (s, n): a_i^2 w_ij^2
    for j in range(n):
        if with_f:
            V0, V1 = np.ascontiguousarray(v0[:, j]), np.ascontiguousarray(v1[:, j])
        for A, B, fa, fb in _pairs(table, j):
            T = np.bitwise_or(A, B).reshape(-1, s)  # a new contiguous array
            q[:, j] += 2 * _column_counts(T)
            if with_f:
                # einsum, not BLAS gemv: these thin products are memory-bound, and a multi-threaded BLAS
                # on a busy machine was measured 5x slower than einsum's single loop
                Tf = T.astype(np.float64)
                t0 = np.einsum("ij,j->i", Tf, V0)
                size = np.einsum("ij->i", Tf)
                b0[j] += 2.0 * float(np.einsum("i,i->", t0, t0))
                b1[j] += 2.0 * float(np.einsum("i,i->", size, np.einsum("ij,j->i", Tf, V1)))
                d = (fa - fb).ravel() / 2.0
                infl[j] += 2.0 * float(np.einsum("i,i->", d, d))
        if progress is not None:
            progress(1)
    flips = 2 * q - 2 * table.unit_counts[:, None]
    return EdgeSums(q, flips, b0, b1, infl)
