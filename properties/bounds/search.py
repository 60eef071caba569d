"""Smallest whole m with a non-increasing criterion G(m) <= target: doubling, then bisection.

G is evaluated in 40-digit floating point (mpmath) while searching; the answer is then
re-decided at m* and m* - 1 at 90 digits, and from the exact sympy expression whenever
G is within 1e-70 (relative) of the target, so the reported m* is the smallest whole
number whose exact criterion meets the target.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument, SoundnessError

MAX_DOUBLINGS = 400  # m up to 2^400: beyond that no sample size is meaningful


def _exact_le(expr: sp.Expr, var: sp.Symbol, value: int, target: sp.Expr, fine=None) -> bool:
    if fine is not None:
        with mpmath.workdps(90):
            g = fine(mpmath.mpf(value))
            tgt = mpmath.mpf(str(sp.N(target, 95)))
            if isinstance(g, mpmath.mpc) and g.imag != 0:
                raise SoundnessError(f"the criterion is not real at {var} = {value}: {g}")
            g = mpmath.re(g)
            if abs(g - tgt) > abs(tgt) * mpmath.mpf(10) ** -70:
                return bool(g <= tgt)
    g = expr.xreplace({var: sp.Integer(value)})
    diff = sp.N(g - target, 100)
    if not diff.is_real:
        raise SoundnessError(f"the criterion is not real at {var} = {value}: {diff}")
    return bool(diff <= 0)


def smallest_whole(expr: sp.Expr, var: sp.Symbol, target: sp.Expr, *, start: int = 1) -> int:
    """min{ v >= start whole : expr(v) <= target }, for expr non-increasing in v.

    ``expr`` must have ``var`` as its only free symbol.
    """
    extra = expr.free_symbols - {var}
    if extra:
        raise InvalidArgument(f"search criterion still has unset parameters: {sorted(x.name for x in extra)}")
    fast = sp.lambdify(var, expr, modules="mpmath")
    with mpmath.workdps(45):
        tgt = mpmath.mpf(str(sp.N(target, 45)))

    def ok(v: int) -> bool:
        with mpmath.workdps(40):
            g = fast(mpmath.mpf(v))
            return bool(mpmath.re(g) <= tgt)

    lo_bad, hi = start - 1, start  # invariant: criterion fails at lo_bad (or lo_bad < start), holds at hi
    steps = 0
    while not ok(hi):
        lo_bad, hi = hi, hi * 2
        steps += 1
        if steps > MAX_DOUBLINGS:
            raise InvalidArgument(f"no {var} below 2^{MAX_DOUBLINGS} meets the target {target}; the target is too small")
    while hi - lo_bad > 1:
        mid = (lo_bad + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo_bad = mid
    return _exact_boundary(expr, var, target, hi, start, fast)


def _exact_boundary(expr: sp.Expr, var: sp.Symbol, target: sp.Expr, guess: int, start: int, fine=None) -> int:
    """Re-decide the float search's answer exactly: gallop away from ``guess`` if needed, then bisect."""
    def holds(v: int) -> bool:
        return _exact_le(expr, var, v, target, fine)

    if holds(guess):
        if guess == start or not holds(guess - 1):
            return guess
        hi, step = guess - 1, 1  # holds at hi; find a failing point below
        while True:
            lo = max(start - 1, hi - step)
            if lo < start or not holds(lo):
                break
            hi, step = lo, step * 2
    else:
        lo, step = guess, 1  # fails at lo; find a holding point above
        while True:
            hi = lo + step
            if holds(hi):
                break
            lo, step = hi, step * 2
            if step > 2**MAX_DOUBLINGS:
                raise SoundnessError("exact re-check of the sample-size search did not converge")
    while hi - lo > 1:  # fails at lo (or lo < start), holds at hi
        mid = (lo + hi) // 2
        if holds(mid):
            hi = mid
        else:
            lo = mid
    return hi
