"""Turning solver points into reported witnesses, each re-checked in float64 and exactly."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

import numpy as np

from sparsecert.sparse_models import MLPBlock
from sparsecert.sparse_models.exact import compare_float, exact_pre_activations, floats_if_exact, nearest_float

from .exact_eval import borderline_units, exact_active_mask
from .results import Witness


def witness_at(block: MLPBlock, x: np.ndarray, tau: float) -> Witness:
    """Witness for a float64 point: exact activity, float64 activity, borderline units."""
    x = np.array(x, dtype=np.float64)
    x.setflags(write=False)
    mask, _ = exact_active_mask(block, x, tau)
    exact = tuple(int(i) for i in np.flatnonzero(mask))
    floated = tuple(int(i) for i in np.flatnonzero(block.active_mask(x, tau)))
    return Witness(x, exact, floated, borderline_units(block, x, tau))


def nearest_inside(q: Fraction, lo: Fraction, hi: Fraction) -> float:
    """The float64 nearest to q, nudged by one ulp when that leaves [lo, hi]."""
    f = nearest_float(q)
    if compare_float(f, lo) < 0:
        f = math.nextafter(f, math.inf)
    if compare_float(f, hi) > 0:
        f = math.nextafter(f, -math.inf)
    return f


def round_into(domain, point: Sequence[Fraction]) -> np.ndarray:
    """Round a rational point of the domain to a nearby float64 point: kept inside the bounds of a
    box or ball; nearest otherwise (cube vertices are floats already; polytopes are re-checked)."""
    if domain.kind in ("box", "ball"):
        floats = floats_if_exact(point) if domain.kind == "box" else None
        if floats is not None and domain.contains(floats):  # float bounds compare exactly with floats
            return floats  # a float point of the box is its own rounding
        lo, hi = domain.exact_bounds()
        return np.array([nearest_inside(q, a, b) for q, a, b in zip(point, lo, hi)])
    # nearest, saturated to the finite range: past it no float fits, and the exact point is kept
    big = np.finfo(np.float64).max
    return np.clip(np.array([nearest_float(q) for q in point]), -big, big)


def witness_from_rational(block: MLPBlock, domain, point: Sequence[Fraction], tau: float,
                          claimed: Sequence[int], exact_units: Sequence[int] | None = None) -> Witness:
    """Witness for a solver's rational point. If rounding to float64 keeps every claimed unit
    active (and the point in the domain), report the float point alone; otherwise keep the
    rational point as ``exact_x`` with the units active there (``exact_units`` when the caller
    has decided them exactly already, else computed here in rational arithmetic)."""
    x = round_into(domain, point)
    w = witness_at(block, x, tau)
    if set(claimed) <= set(w.active_units) and domain.contains(x):
        return w
    if exact_units is None:
        t = Fraction(float(tau))
        zs = exact_pre_activations(block.W1, block.b1, point)
        exact_units = [i for i, z in enumerate(zs) if z > t]
    return Witness(w.x, tuple(sorted(int(u) for u in exact_units)), w.float_active_units, w.borderline, tuple(point))
