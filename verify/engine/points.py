"""Finite point sets: every point evaluated exactly (no solver is needed)."""

from __future__ import annotations

import numpy as np

from ..exact_eval import exact_active_mask
from ..witness import witness_at
from .core import Bracket

CHUNK = 1 << 14  # points evaluated per exact batch


def solve(eng) -> Bracket:
    best, best_x = -1, None
    for _, X in eng.domain.chunks(CHUNK):
        mask, rech = exact_active_mask(eng.block, X, eng.tau)
        eng.record.rechecks += rech
        counts = mask.sum(axis=1)
        i = int(np.argmax(counts))
        if counts[i] > best:
            best, best_x = int(counts[i]), X[i]
    return Bracket(best, best, witness_at(eng.block, best_x, eng.tau))
