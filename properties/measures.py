"""Exact instance quantities of docs/theory.md §1-§2 for one block output on {-1,1}^n.

From one enumeration of the cube (:mod:`properties.cube_table`) and the spectrum
(:mod:`properties.fourier`): k(f), p_i, q_ij, c_i, Lambda^2, F, the influence both ways
(spectral and by the edge formula), the A1 chain B0..B5 with its caps, and the A2 (step)
quantities AS_i and the bounds built from them. All are computed whatever the
activation; :mod:`properties.inequalities` decides which theorem applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sparsecert.sparse_models import Hypercube, MLPBlock
from sparsecert.sparse_models.errors import DomainError, InvalidArgument

from .cube_table import MAX_EXACT_N, CubeTable, EdgeSums, Progress, edge_sums, tabulate_cube
from .fourier import Spectrum
from .output import select_output


@dataclass(frozen=True, eq=False)
class InstanceMeasures:
    """Every measured quantity the inequalities of docs/theory.md compare (exact enumeration, float64 sums)."""

    n: int
    s: int
    activation: str
    output: str
    k: int
    a: np.ndarray
    c: np.ndarray                 # a_i^2 ||w_i||_2^2
    lam2: float                   # max_i c_i
    Ba: float                     # max_i |a_i|
    p: np.ndarray                 # P[i in A(x)]
    q: np.ndarray                 # (s, n) P[i in A(x) or A(x^(j))]
    AS: np.ndarray                # sum_j P[unit i flips along j]
    F: float                      # max_x |f(x)| (block output, bias included)
    F_bound: float | None         # docs/theory.md §1 bound on F (relu/step), plus |b2|
    energy: float                 # E[f^2]
    I: float                      # sum_S |S| f^(S)^2
    I_edge: float                 # sum_j E[((f(x) - f(x^(j)))/2)^2]
    influences_edge: np.ndarray
    B0: float
    B1: float
    B2: float
    B3: float
    B4: float
    B5: float
    cap: float                    # 4 k^2 Lambda^2
    dense: float                  # s sum_i c_i
    dense_cap: float              # s^2 Lambda^2
    step_main: float              # min(2k,s)/4 sum_i a_i^2 AS_i
    step_corollary: float         # min(2k,s)/2 Ba^2 min(nk, sqrt(n) sum sqrt(p(1-p)))
    step_half: float | None       # k Ba^2 min(nk, sqrt(nsk)) when k <= s/2
    step_dense: float             # s/2 Ba^2 sqrt(n) sum sqrt(p(1-p))
    step_dense_cap: float         # s^2 sqrt(n) Ba^2 / 4

    @property
    def m2k(self) -> int:
        return min(2 * self.k, self.s)

    def bounds(self) -> dict[str, float]:
        """The influence bounds by name, for tables and the degree chain."""
        out = {"B0": self.B0, "B1": self.B1, "B2": self.B2, "B3": self.B3, "B4": self.B4, "B5": self.B5,
               "4k^2 Lambda^2": self.cap, "dense s*sum c_i": self.dense, "dense s^2 Lambda^2": self.dense_cap,
               "A2 step": self.step_main, "A2 corollary": self.step_corollary,
               "A2 dense": self.step_dense, "A2 dense cap": self.step_dense_cap}
        if self.step_half is not None:
            out["A2 k<=s/2"] = self.step_half
        return out


def measure(block: MLPBlock, table: CubeTable, edges: EdgeSums, spec: Spectrum) -> InstanceMeasures:
    """Combine the enumeration, the edge sums and the spectrum into :class:`InstanceMeasures`."""
    if table.values is None or table.selection is None or edges.b0 is None:
        raise InvalidArgument("the measures need a table with f values (tabulate_cube(..., selection))")
    cube = table.cube
    if (cube.lo, cube.hi) != (-1.0, 1.0):
        raise DomainError(f"the bounds of docs/theory.md are for the ±1 cube; {cube!r} is not it")
    sel = table.selection
    n, s, N = table.n, table.s, table.size
    a = np.asarray(sel.a)
    W = block.W1
    c = a ** 2 * np.sum(W ** 2, axis=1)
    lam2 = float(c.max())
    Ba = float(np.abs(a).max())
    k = table.max_active
    p = table.unit_counts / N
    q = edges.q_counts / N
    AS = edges.flip_counts.sum(axis=1) / N
    m2k = min(2 * k, s)
    F = float(np.max(np.abs(table.values)))
    act = block.activation.name
    if act == "relu":
        F_bound = min(k, s) * float(np.max(np.abs(a) * (np.abs(W).sum(axis=1) + np.abs(block.b1)))) + abs(sel.bias)
    elif act == "step":
        F_bound = min(k, s) * Ba + abs(sel.bias)
    else:
        F_bound = None
    infl_edge = edges.influence / N
    B2 = m2k * float(np.sum(q * (a ** 2)[:, None] * W ** 2))
    B3 = m2k * float(np.minimum(1.0, 2.0 * p) @ c)
    sq = float(np.sum(np.sqrt(p * (1.0 - p))))
    step_half = k * Ba ** 2 * min(n * k, math.sqrt(n * s * k)) if 2 * k <= s else None
    return InstanceMeasures(
        n=n, s=s, activation=block.activation.spec, output=sel.description, k=k, a=a, c=c, lam2=lam2, Ba=Ba,
        p=p, q=q, AS=AS, F=F, F_bound=F_bound, energy=spec.energy, I=spec.total_influence,
        I_edge=float(infl_edge.sum()), influences_edge=infl_edge,
        B0=float(edges.b0.sum()) / (4.0 * N), B1=float(edges.b1.sum()) / N, B2=B2, B3=B3,
        B4=4.0 * k * float(p @ c), B5=m2k ** 2 * lam2, cap=4.0 * k * k * lam2,
        dense=s * float(c.sum()), dense_cap=s * s * lam2,
        step_main=m2k / 4.0 * float(a ** 2 @ AS),
        step_corollary=m2k / 2.0 * Ba ** 2 * min(n * k, math.sqrt(n) * sq),
        step_half=step_half,
        step_dense=s / 2.0 * Ba ** 2 * math.sqrt(n) * sq,
        step_dense_cap=s * s * math.sqrt(n) * Ba ** 2 / 4.0,
    )


@dataclass(frozen=True, eq=False)
class ExactAnalysis:
    """Everything exact about one block output on {-1,1}^n: the tables, the spectrum, the measures."""

    table: CubeTable
    edges: EdgeSums
    spectrum: Spectrum
    measures: InstanceMeasures


def analyse(block: MLPBlock, output: int | None = None, *, pairwise: bool = True, max_n: int = MAX_EXACT_N,
            progress: Progress | None = None, edge_progress: Progress | None = None) -> ExactAnalysis:
    """Enumerate {-1,1}^n once, then the edges, then the WHT (n <= max_n <= 22).

    Peak memory about 2^n (33 + s/8) bytes (f, the packed masks, the spectrum and its
    weights) plus a 64 MiB working set: about 200 MiB at n = 22, s = 64.
    ``progress`` is called with points enumerated, ``edge_progress`` once per direction j.

    Parameters
    ----------
    block : MLPBlock
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    output : int or None, default None
        The output row of W2 (optional when W2 has one row); without W2, the hidden unit analysed.
    pairwise : bool, default True
        Also tabulate pairwise co-activation.
    max_n : int, default 22
        The largest n enumerated.
    progress, edge_progress : callable or None, default None
        Progress callbacks (points enumerated; once per direction j).

    Returns
    -------
    ExactAnalysis
        ``table`` (values and activity on the cube), ``edges``, ``spectrum`` and ``measures``
        (an :class:`InstanceMeasures`: k, norms, influences, the bounds B0-B5, ...).

    Raises
    ------
    InvalidArgument
        A bad ``output``, or a block with a skip term / output activation.
    DomainError
        ``block.n > max_n``.

    Examples
    --------
    >>> from sparsecert.sparse_models import parity_block
    >>> from sparsecert.properties import analyse
    >>> m = analyse(parity_block(4, [0, 1])).measures
    >>> m.k, m.s, m.I, m.B0
    (1, 4, 2.0, 8.0)
    """
    sel = select_output(block, output)
    table = tabulate_cube(block, Hypercube(block.n), sel, pairwise=pairwise, max_n=max_n, progress=progress)
    edges = edge_sums(table, block, progress=edge_progress)
    spec = Spectrum.from_values(table.values)
    return ExactAnalysis(table, edges, spec, measure(block, table, edges, spec))
