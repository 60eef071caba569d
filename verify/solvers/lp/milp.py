"""HiGHS's MILP on the big-M model as a primal heuristic: its points are counted exactly.

The MILP is solved in floating point with tolerances, so nothing it says is a proof here:
the LP branch and bound's stages (:mod:`.staged`) count every candidate exactly and keep
the best one as an incumbent.
"""

from __future__ import annotations

import numpy as np

from ...backends.highs import INF, add_unit_count_columns, new_highs, set_integer_columns
from .relaxation import FloatRows


def milp_candidates(rel: FloatRows, integral: bool, time_limit: float | None, *, margin: float = 1e-7,
                    node_limit: int | None = None) -> list[np.ndarray]:
    """Points from HiGHS's MILP on the big-M model (a primal heuristic only: callers count them exactly).

    On real domains each forced row asks for a relative margin, so that the points HiGHS returns
    tend to be strictly inside the active half-spaces rather than on their boundaries.
    ``node_limit`` caps HiGHS's branch-and-bound nodes (a deterministic budget; with
    ``time_limit`` None the result is reproducible). At least one of the two limits is needed.
    """
    if time_limit is None and node_limit is None:
        raise ValueError("milp_candidates needs a time_limit or a node_limit")
    A = rel.A
    s, m = A.shape
    h = new_highs()
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", max(1, int(node_limit)))
    inf = INF
    add_unit_count_columns(h, rel.lo, rel.hi, s)
    set_integer_columns(h, [integral] * m + [True] * s)
    Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
    L = Ap @ rel.lo + An @ rel.hi
    scale = np.abs(A) @ np.maximum(np.abs(rel.lo), np.abs(rel.hi)) + np.abs(rel.act_lo)
    need = rel.act_lo + (0.0 if integral else margin) * scale
    for i in range(s):
        idx = np.r_[np.arange(m), m + i].astype(np.int32)
        h.addRow(float(L[i]), inf, m + 1, idx, np.r_[A[i], -max(float(need[i] - L[i]), 0.0)])
    h.run()
    out = []
    sol = h.getSolution()
    if sol.value_valid:
        v = np.asarray(sol.col_value)[:m]
        out.append(np.round(v) if integral else np.clip(v, rel.lo, rel.hi))
    return out
