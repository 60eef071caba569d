"""max_active and check_sparsity: exact answers with witnesses, anytime bounds, UNKNOWN on timeout.

The pipeline: presolve (units always off / always on / undecided) -> a fast lower bound
(sampling and local search, re-checked exactly) -> cheap upper bounds (implied literals
and a clique cover on cubes) -> independent groups of units -> per group, exact
enumeration when the group's cube is small, else the solver backend asked "at least
c+1?" until UNSAT. Every count that is claimed comes with a point re-checked exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from sparsecert.sparse_models.network import as_block
from sparsecert.sparse_models import Hypercube, LinfBall, MLPBlock, PointSet, Polytope, check_domain
from sparsecert.sparse_models._validate import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument, SoundnessError
from sparsecert.sparse_models.exact import nearest_float

from .backends import make_backend
from .backends.base import CubeQuery, RealQuery
from .bnb import HAVE_NUMBA, branch_and_bound
from .compiled import warm_up
from .extras import notice_missing_extras
from .enumerate import EnumerationOutcome, enumerate_cube
from .executor import run_batch
from .exact_eval import exact_active_mask
from .exclusions import analyse_cube, independent_groups, row_coords, subrows
from .integer_form import IntegerRows, active_at_rational, count_active_at_float, cube_rows, real_rows
from .conflicts import pair_conflicts
from .lp_bnb import HAVE_HIGHS, lp_branch_and_bound, lp_ready_box, milp_candidates, new_highs
from .relaxation import float_rows
from .presolve import UnitRanges, unit_ranges
from .results import Interrupted, MaxActive, Stats, Unknown, Verified, Violated, Witness
from .search import HAVE_ANNEAL, box_search, cube_anneal, cube_search
from .witness import witness_at, witness_from_rational
from .z3_helpers import feasible_point, max_slack

ENUM_MAX_COORDS = 26  # enumerate a group's cube when it has at most this many coordinates ...
ENUM_MAX_WORK = 2**36  # ... and 2^coords * rows stays below this
METHODS = ("auto", "enumerate", "bnb", "z3")
TINY_CUBE_WORK = 2**20  # 2^n * undecided units up to which a cube is scanned in one float64 product
COMPILED_NODES_PER_NODE = 1000  # node_limit counts LP nodes; this many compiled cube nodes count as one
LP_BNB_MIN_COORDS = 37  # from here on cube groups go to the LP branch and bound first (see bench/frontier.py)


@dataclass
class _Group:
    rows: IntegerRows
    coords: np.ndarray
    lower: int = 0
    upper: int = 0
    point: dict[int, Fraction] = field(default_factory=dict)  # coordinate -> value attaining ``lower``
    done: bool = False


class _Timeout(Exception):
    pass


PARALLEL_WORK = 2**29  # unit evaluations above which a cube scan is split over processes


def _enumerate_part(task) -> EnumerationOutcome:
    rows, coords, stop_above, deadline, best_known, high_range = task
    return enumerate_cube(rows, coords, stop_above=stop_above, deadline=deadline, best_known=best_known,
                          high_range=high_range)


class _Engine:
    """One max-active computation; ``stop_above``/``stop_at_most`` turn it into a k-check."""

    def __init__(self, block: MLPBlock, domain: Any, tau: float, timeout: float | None, method: str,
                 presolve: bool, seed: int, backend: str, jobs: int = 1, node_limit: int | None = None) -> None:
        block = as_block(block)  # a one-hidden-layer Network is its block
        check_domain(domain, block.n)
        self.block, self.domain = block, domain
        self.tau = as_finite_float("tau", tau)
        if timeout is not None:
            timeout = as_finite_float("timeout", timeout)
            if timeout <= 0:
                raise InvalidArgument(f"timeout must be positive seconds (or None), got {timeout}")
        if method not in METHODS:
            raise InvalidArgument(f"method must be one of {METHODS}, got {method!r}")
        self.method, self.seed, self.backend_name = method, seed, backend
        self.jobs = as_count("jobs", jobs, low=1)
        self.node_limit = None if node_limit is None else as_count("node_limit", node_limit, low=0)
        self.nodes_used = 0
        self.start = time.monotonic()
        self.deadline = None if timeout is None else self.start + timeout
        self.calls = 0
        self.rechecks = 0
        self.notes: list[str] = []
        self.interrupted = False  # Ctrl-C: the bounds so far are returned, then re-raised as Interrupted
        self.ranges = unit_ranges(block, domain, self.tau) if presolve else UnitRanges(
            np.full(block.s, -np.inf), np.full(block.s, np.inf), np.zeros(block.s, bool), np.zeros(block.s, bool))
        self.on = self.ranges.n_on
        self.undecided = np.flatnonzero(self.ranges.undecided)

    # -- helpers -----------------------------------------------------------------
    def _warm(self) -> None:
        """Compile the numba kernels before their first use (once per process), moving the
        deadline by the time it took: compilation never eats the caller's timeout."""
        notice_missing_extras()
        spent = warm_up()
        if spent:
            self.notes.append(f"numba kernels compiled or loaded in {spent:.2f} s (once per process, not counted)")
            if self.deadline is not None:
                self.deadline += spent

    def _interrupt(self) -> None:
        """Ctrl-C inside the solve: keep the proved bounds; the entry point re-raises."""
        self.interrupted = True
        self.notes.append("interrupted")

    @property
    def deterministic(self) -> bool:
        """A node limit and no timeout: every step does a fixed amount of work (reproducible runs)."""
        return self.node_limit is not None and self.deadline is None

    def node_budget(self, share: float = 1.0) -> int | None:
        """Branch-and-bound nodes left (``share`` of them), None without a node limit."""
        if self.node_limit is None:
            return None
        left = max(0, self.node_limit - self.nodes_used)
        return left if share >= 1.0 else int(left * share)

    def _stop_reason(self) -> str:
        return "node limit" if self._out_of_nodes() else "timeout"

    def _out_of_nodes(self) -> bool:
        return self.node_limit is not None and self.nodes_used >= self.node_limit

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def stats(self, method: str) -> Stats:
        return Stats(time.monotonic() - self.start, self.backend_name if "solver" in method else "numpy", method,
                     self.block.s, self.ranges.n_off, self.on, int(self.undecided.size), self.calls,
                     self.rechecks, tuple(self.notes))

    def budget(self, share: float, cap: float) -> float:
        rem = self.remaining()
        return cap if rem is None else max(0.0, min(cap, rem * share))

    # -- point sets: direct exact evaluation -------------------------------------------
    def run_points(self) -> tuple[int, Witness]:
        best, best_x = -1, None
        for _, X in self.domain.chunks(1 << 14):
            mask, rech = exact_active_mask(self.block, X, self.tau)
            self.rechecks += rech
            counts = mask.sum(axis=1)
            i = int(np.argmax(counts))
            if counts[i] > best:
                best, best_x = int(counts[i]), X[i]
        return best, witness_at(self.block, best_x, self.tau)

    # -- cubes ------------------------------------------------------------------------
    def run_cube(self, stop_above: int | None, stop_at_most: int | None) -> tuple[int, int, Witness, str]:
        d: Hypercube = self.domain
        U = self.undecided
        base_x = np.full(self.block.n, d.lo)
        if U.size == 0:
            return self.on, self.on, witness_at(self.block, base_x, self.tau), "presolve"
        if self.method == "auto" and (1 << d.n) * int(U.size) <= TINY_CUBE_WORK:
            fast = self._tiny_cube(U)
            if fast is not None:
                return fast
        self._warm()
        rows = cube_rows(self.block.W1, self.block.b1, U, d.lo, d.hi, self.tau)
        member_lists = independent_groups(rows)
        structures = [analyse_cube(subrows(rows, members)) for members in member_lists]
        upper = self.on + sum(min(len(m), st.clique_bound) for m, st in zip(member_lists, structures))
        Wu, bu = self.block.W1[U], self.block.b1[U]
        # the search stops as soon as it reaches the cheap upper bound (then nothing else is needed)
        # the compiled branch and bound finds good points itself on cubes it can take: a short search there
        short = HAVE_NUMBA and self.method == "auto" and d.n < LP_BNB_MIN_COORDS
        x0 = cube_search(Wu, bu, d.lo, d.hi, self.tau, seed=self.seed,
                         budget_s=None if self.deterministic else self.budget(0.1, 0.005 if short else 0.3),
                         target=upper - self.on)
        y0 = (x0 == d.hi).astype(np.int64)
        y0_int = [int(v) for v in y0]
        groups = []
        for members, st in zip(member_lists, structures):
            sub = subrows(rows, members)
            g = _Group(sub, row_coords(sub, list(range(len(sub)))))
            g.point = {int(j): Fraction(int(y0[j])) for j in g.coords}
            g.lower = sum(sub.active(r, y0_int) for r in range(len(sub)))
            g.upper = min(len(sub), st.clique_bound)
            g.structure = st  # type: ignore[attr-defined]
            groups.append(g)
        method = "presolve+search"
        total_lo = lambda: self.on + sum(g.lower for g in groups)  # noqa: E731
        total_up = lambda: self.on + sum(g.upper for g in groups)  # noqa: E731
        try:
            for g in sorted(groups, key=lambda g: (not self._enumerable(g), g.coords.size)):
                if self._stop(total_lo(), total_up(), stop_above, stop_at_most):
                    break
                if g.lower >= g.upper:
                    continue
                if self._enumerable(g):
                    method = "enumeration" if method.startswith("presolve") else method
                    self._enumerate_group(g, stop_above, total_lo)
                else:
                    if self.method in ("auto", "bnb"):
                        if HAVE_NUMBA and (not HAVE_HIGHS or g.coords.size < LP_BNB_MIN_COORDS):
                            method = "branch-and-bound"
                            if self._bnb_group(g, stop_above, total_lo, last=not HAVE_HIGHS):
                                continue
                        if HAVE_HIGHS:
                            method = "lp-branch-and-bound"
                            if self._lp_cube_group(g, stop_above, total_lo, total_up):
                                continue
                    method = "solver" if "branch" not in method else method + "+solver"
                    self._solve_group(g, stop_above, stop_at_most, total_lo, total_up, CubeQuery(
                        g.rows, self.block.n, g.structure.implied, g.structure.cliques),  # type: ignore[attr-defined]
                        only_group=len(groups) == 1)
        except _Timeout:
            self.notes.append(self._stop_reason())
        except KeyboardInterrupt:
            self._interrupt()
        y = y0.copy()
        for g in groups:
            for j, v in g.point.items():
                y[j] = int(v)
        x = np.where(y == 1, d.hi, d.lo).astype(np.float64)
        w = witness_at(self.block, x, self.tau)
        if w.count < total_lo() and not self.interrupted:  # (an interrupt may fall between a group's
            # lower bound and its point: then the witness's exact count is the proved lower bound)
            raise SoundnessError(f"assembled cube witness has {w.count} active units, fewer than the {total_lo()} claimed")
        return w.count, max(total_up(), w.count), w, method

    def _tiny_cube(self, U: np.ndarray):
        """Small cubes in float64, z over all points as the sum of the two half-cubes' partial sums:
        exact when the largest count of surely active units (z - tau above a rigorous rounding
        bound) equals the largest count of possibly active ones (the integer-form machinery would
        cost more than the whole scan); None when near-ties leave the maximum open."""
        d: Hypercube = self.domain
        n = d.n
        Wu, bu = self.block.W1[U], self.block.b1[U]
        h1 = n // 2

        def half(cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            k = cols.size
            bits = (np.arange(1 << k)[:, None] >> np.arange(k)) & 1
            X = np.where(bits == 1, d.hi, d.lo).astype(np.float64)
            return X, X @ Wu[:, cols].T

        X1, Z1 = half(np.arange(h1))  # may overflow on huge weights (quietly, see _float_checked) ...
        X2, Z2 = half(np.arange(h1, n))
        Z = (Z1 + (bu - self.tau))[:, None, :] + Z2[None, :, :]
        xmax = max(abs(d.lo), abs(d.hi))
        err = 2 * (n + 4) * 2.0**-53 * (xmax * np.abs(Wu).sum(axis=1) + np.abs(bu) + abs(self.tau)) + 2.0**-1000
        if not (np.isfinite(err).all() and np.isfinite(Z).all()):
            return None  # ... which is detected here: only the exact path can decide
        # possibly active units per point (a near-tie may be either); bytes summed in a small integer type
        possible = (Z > -err).view(np.uint8).sum(axis=2, dtype=np.uint16 if Z.shape[2] < 2**16 else np.int64)
        best = int(possible.max())
        # the maximum is exact when some point reaching it has all its possible units surely active
        tops = np.argwhere(possible == best)
        sure = (Z[tops[:, 0], tops[:, 1]] > err).sum(axis=1)
        hit = np.flatnonzero(sure == best)
        if hit.size == 0:
            return None  # a near-tie could decide the maximum: leave it to the exact path
        p1, p2 = tops[int(hit[0])]
        x = np.concatenate([X1[p1], X2[p2]])
        w = witness_at(self.block, x, self.tau)
        if w.count != self.on + best:
            raise SoundnessError(f"float scan counted {self.on + best} at a cube point, exact count {w.count}")
        return w.count, w.count, w, "enumeration"

    def _enumerable(self, g: _Group) -> bool:
        if self.method in ("z3", "bnb"):
            return False
        if self.method == "enumerate":
            return g.coords.size <= 30
        return g.coords.size <= ENUM_MAX_COORDS and (1 << int(g.coords.size)) * len(g.rows) <= ENUM_MAX_WORK

    @staticmethod
    def _stop(lo: int, up: int, stop_above: int | None, stop_at_most: int | None) -> bool:
        return lo >= up or (stop_above is not None and lo > stop_above) or (stop_at_most is not None and up <= stop_at_most)

    def _enumerate_group(self, g: _Group, stop_above: int | None, total_lo) -> None:
        local_stop = None if stop_above is None else stop_above - (total_lo() - g.lower)
        m2 = max(0, int(g.coords.size) - 12)
        if self.jobs > 1 and (1 << int(g.coords.size)) * len(g.rows) >= PARALLEL_WORK and m2 >= 1:
            cuts = np.linspace(0, 1 << m2, self.jobs + 1).astype(np.int64)
            tasks = [(g.rows, g.coords, local_stop, self.deadline, g.lower, (int(a), int(b)))
                     for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
            parts = run_batch(_enumerate_part, tasks, jobs=self.jobs)
            best = max(parts, key=lambda o: o.best)
            out = EnumerationOutcome(best.best, best.best_y, all(o.complete for o in parts),
                                     sum(o.points for o in parts), sum(o.exact_rechecks for o in parts))
        else:
            out = enumerate_cube(g.rows, g.coords, stop_above=local_stop, deadline=self.deadline, best_known=g.lower)
        self.rechecks += out.exact_rechecks
        if out.best > g.lower:
            g.lower = out.best
            g.point = {int(j): Fraction(int(v)) for j, v in zip(g.coords, out.best_y)}
        if out.complete:
            g.upper = g.lower
        elif self.deadline is not None and time.monotonic() > self.deadline:
            raise _Timeout

    def _bnb_group(self, g: _Group, stop_above, total_lo, last: bool = True) -> bool:
        """Exact branch and bound on the group's cube; True when it settled the group."""
        rem = self.remaining()
        share = None if rem is None else time.monotonic() + (rem if self.method == "bnb" and last else
                                                              (0.8 if last else 0.5) * rem)
        budget = self.node_budget(1.0 if last else 0.5)  # in LP nodes: a compiled node is far cheaper
        out = branch_and_bound(g.rows, g.coords, g.lower, share,
                               node_limit=None if budget is None else budget * COMPILED_NODES_PER_NODE)
        best, point, complete, nodes = out
        self.calls += 1
        self.nodes_used += -(-nodes // COMPILED_NODES_PER_NODE)
        if point is not None and best > g.lower:
            g.lower = best
            g.point = {j: Fraction(v) for j, v in point.items()}
        if complete:
            g.upper = g.lower
            return True
        g.upper = min(g.upper, max(out.upper, g.lower))
        if g.lower >= g.upper:
            return True
        if (self.deadline is not None and time.monotonic() >= self.deadline) or self._out_of_nodes():
            raise _Timeout
        return False

    def _lp_cube_group(self, g: _Group, stop_above, total_lo, total_up) -> bool:
        """LP branch and bound with safe dual bounds on the group's cube; True when it settled the group."""
        m = int(g.coords.size)
        rel = float_rows(g.rows, g.coords, np.zeros(m), np.ones(m), True)
        n = self.block.n

        def count(y) -> int:
            full = [0] * n
            for j, v in zip(g.coords, y):
                full[int(j)] = int(v)
            return sum(g.rows.active(r, full) for r in range(len(g.rows)))

        def accept(count_at: int, y) -> None:
            if count_at > g.lower:
                g.lower = count_at
                g.point = {int(j): Fraction(int(v)) for j, v in zip(g.coords, y)}

        return self._lp_staged(g, rel, True, stop_above, total_lo, total_up, count, accept, None, None)

    def _lp_staged(self, g: _Group, rel, integral: bool, stop_above, total_lo, total_up, count, accept, strict,
                   inner) -> bool:
        """Short LP branch-and-bound runs between primal heuristics, then one with the rest of the
        time: LP (1 s), annealing on cubes (numba), LP (1 s), HiGHS's MILP, LP. Heuristic points
        are counted exactly; ``accept(count, point)`` keeps one that beats the group's lower bound.
        Each LP run starts from the best count so far, so a better incumbent shortens its proof."""
        final = time.monotonic() + self.remaining() * (1.0 if self.method == "bnb" else 0.9) \
            if self.deadline is not None else None
        conflicts = pair_conflicts(rel)
        stages = ["lp", "anneal", "lp", "milp", "lp-final"] if integral and HAVE_ANNEAL else ["lp", "milp", "lp-final"]
        for stage in stages:
            now = time.monotonic()
            rem = None if final is None else final - now
            if rem is not None and rem <= 0:
                break
            if stage == "anneal":
                budget = 2.0 if rem is None else min(2.0, 0.1 * rem)
                starts = [np.array([float(g.point.get(int(j), 0)) for j in g.coords])]
                det = self.deterministic  # a fixed number of restarts instead of a time budget
                y = cube_anneal(rel.A, rel.act_lo, starts, None if det else budget, seed=self.seed, target=g.upper,
                                restarts=16 if det else None)
                accept(count(y), y)
                continue
            if stage == "milp":
                budget = 10.0 if rem is None else min(10.0, 0.25 * rem)
                self.calls += 1
                det = self.deterministic  # a node cap instead of a time limit
                for v in milp_candidates(rel, integral, None if det else budget,
                                         node_limit=min(500, max(1, self.node_budget() // 4)) if det else None):
                    if not integral and inner is not None:
                        v = np.clip(v, inner[0], inner[1])
                    accept(count(v), v)
                continue
            dl = final if stage == "lp-final" else (now + 1.0 if final is None else min(now + 1.0, final))
            if self.deterministic:
                dl = None
            nl = None if self.node_limit is None else (
                self.node_budget() if stage == "lp-final" else min(self.node_budget(), 500))
            # a k-check can stop at this group's share of k only when every other group is settled
            # (their bounds met); otherwise this group's exact maximum is needed
            others_lo, others_up = total_lo() - g.lower, total_up() - g.upper
            local_stop = None if stop_above is None or others_lo != others_up else stop_above - others_lo
            self.calls += 1
            out = lp_branch_and_bound(rel, integral, g.lower, dl, count, strict_point=strict, inner=inner,
                                      stop_above=local_stop, conflicts=conflicts, node_limit=nl)
            self.nodes_used += out.nodes
            if out.point is not None:
                accept(out.best, out.point)
            g.upper = min(g.upper, max(out.upper, g.lower))
            if g.lower >= g.upper or (local_stop is not None and (g.lower > local_stop or g.upper <= local_stop)):
                return True
        if (self.deadline is not None and time.monotonic() >= self.deadline) or self._out_of_nodes():
            raise _Timeout
        return False

    def _solve_group(self, g: _Group, stop_above, stop_at_most, total_lo, total_up, query, *,
                     only_group: bool) -> None:
        """Ask the backend for more active units until UNSAT. When ``g`` is the only group, a
        k-check asks for k+1 directly (one UNSAT call then proves it)."""
        if self._out_of_nodes():  # the node budget is spent: stop like a timeout, with the bounds proved
            raise _Timeout
        backend = make_backend(self.backend_name, query, deadline=self.deadline)
        while g.lower < g.upper and not self._stop(total_lo(), total_up(), stop_above, stop_at_most):
            target = g.lower + 1
            if stop_above is not None and only_group:
                target = max(target, stop_above + 1 - self.on)
            rem = self.remaining()
            if rem is not None and rem <= 0:
                raise _Timeout
            self.calls += 1
            out = backend.at_least(target, rem)
            if out.status == "sat":
                count = self._group_count(g, out.point)
                if count < target:
                    raise SoundnessError(f"{backend.name} claimed {target} active units, exact check finds {count}")
                g.lower = count
                g.point = self._group_point(g, out.point)
            elif out.status == "unsat":
                g.upper = target - 1
            else:
                self.notes.append(f"{backend.name}: {out.reason or 'unknown'}")
                raise _Timeout

    def _group_count(self, g: _Group, point) -> int:
        return sum(g.rows.active(r, point) for r in range(len(g.rows)))

    def _group_point(self, g: _Group, point) -> dict[int, Fraction]:
        return {int(j): point[j] for j in g.coords}

    # -- real domains -------------------------------------------------------------------
    def run_real(self, stop_above: int | None, stop_at_most: int | None) -> tuple[int, int, Witness, str]:
        d = self.domain
        U = self.undecided
        if isinstance(d, Polytope):
            lo_e, hi_e, lo_f, hi_f = self._polytope_box()
        else:
            lo_e, hi_e = d.exact_bounds()
            lo_f, hi_f = (d.inner_bounds() if isinstance(d, LinfBall) else d.bounds())
        x0, point0 = self._real_start(lo_f, hi_f)
        if U.size == 0:
            on_units = [int(u) for u in np.flatnonzero(self.ranges.always_on)]
            w = witness_from_rational(self.block, d, point0, self.tau, on_units, exact_units=on_units)
            return w.count, w.count, w, "presolve"
        self._warm()
        small = HAVE_HIGHS and self.method in ("auto", "bnb") and U.size <= 32
        if not isinstance(d, Polytope):  # small instances: a short sample only, the LP search does the rest
            x0 = box_search(self.block.W1[U], self.block.b1[U], lo_f, hi_f, self.tau, seed=self.seed,
                            budget_s=0.0 if small else None if self.deterministic else
                            self.budget(0.1, 0.3 if U.size > (32 if HAVE_HIGHS else 8) else 0.005),
                            samples=256 if small else 2048, extra=x0[None, :], stop_at=int(U.size))
            point0 = [Fraction(float(v)) for v in x0]
        rows = real_rows(self.block.W1, self.block.b1, U, self.tau)
        g = _Group(rows, np.arange(self.block.n))
        # the start point lies in the domain exactly; counted in integers when it is a float point
        floats0 = all(Fraction(float(x)) == q for x, q in zip(x0, point0))
        g.lower = count_active_at_float(rows, x0) if floats0 else sum(active_at_rational(rows, point0))
        g.upper = len(rows)
        g.point = dict(enumerate(point0))
        A, c = self._polytope_rows()
        query = RealQuery(rows, tuple(lo_e), tuple(hi_e), A, c)
        method = "presolve+search"
        try:
            if (self.method in ("auto", "bnb") and HAVE_HIGHS and not isinstance(d, Polytope)
                    and lp_ready_box(*d.bounds())
                    and not self._stop(self.on + g.lower, self.on + g.upper, stop_above, stop_at_most)):
                method = "lp-branch-and-bound"
                lo_o, hi_o = d.bounds()  # outward float box of the domain
                self._lp_real_group(g, rows, lo_o, hi_o, lo_f, hi_f, lo_e, hi_e, stop_above)
            if not self._stop(self.on + g.lower, self.on + g.upper, stop_above, stop_at_most):
                method = "solver" if method != "lp-branch-and-bound" else "lp-branch-and-bound+solver"
                self._solve_group(g, stop_above, stop_at_most, lambda: self.on + g.lower,
                                  lambda: self.on + g.upper, query, only_group=True)
        except _Timeout:
            self.notes.append(self._stop_reason())
        except KeyboardInterrupt:
            self._interrupt()
        point = [g.point[j] for j in range(self.block.n)]
        undecided_on = [u for u, on in zip(rows.units, active_at_rational(rows, point)) if on]
        # exact active set at the rational point: presolve's always-on units plus the undecided rows
        # active there (decided in integers); every other unit is proved off on the whole domain
        claimed = sorted(set(int(u) for u in undecided_on) | set(int(u) for u in np.flatnonzero(self.ranges.always_on)))
        w = witness_from_rational(self.block, d, point, self.tau, claimed, exact_units=claimed)
        if w.exact_x is not None and not self.interrupted:
            w = self._recenter(w, undecided_on, claimed, query) or w
        if w.count < self.on + g.lower and not self.interrupted:
            raise SoundnessError(f"real-domain witness has {w.count} active units, fewer than {self.on + g.lower} claimed")
        return w.count, max(self.on + g.upper, w.count), w, method

    def _lp_real_group(self, g: _Group, rows: IntegerRows, lo_o, hi_o, lo_f, hi_f, lo_e, hi_e, stop_above) -> bool:
        """LP branch and bound on a box or ball; True when it settled the group."""
        rel = float_rows(rows, np.arange(self.block.n), np.asarray(lo_o, float), np.asarray(hi_o, float), False)

        def count(x) -> int:
            if not any(isinstance(v, Fraction) for v in x):
                return count_active_at_float(rows, x)
            return sum(active_at_rational(rows, [v if isinstance(v, Fraction) else Fraction(float(v)) for v in x]))

        def strict(units: list[int], exact: bool):
            x = self._max_slack_lp(rel, units, lo_f, hi_f)
            if x is not None:
                act = active_at_rational(rows, [Fraction(float(v)) for v in x])
                if all(act[r] for r in units):
                    return x
            return self._max_slack_exact(rows, units, lo_e, hi_e) if exact else None

        def accept(count_at: int, x) -> None:
            if count_at > g.lower:
                g.lower = count_at
                g.point = {j: (v if isinstance(v, Fraction) else Fraction(float(v))) for j, v in enumerate(x)}

        return self._lp_staged(g, rel, False, stop_above, lambda: self.on + g.lower, lambda: self.on + g.upper,
                               count, accept, strict,
                               (np.asarray(lo_f, float), np.asarray(hi_f, float)))

    @staticmethod
    def _max_slack_lp(rel, units: list[int], lo_f, hi_f) -> np.ndarray | None:
        """Float point of the inner box with the largest common slack on ``units`` (None if not positive)."""
        import highspy

        A = rel.A[units]
        m = A.shape[1]
        h = new_highs()
        h.addVars(m, np.asarray(lo_f, float), np.asarray(hi_f, float))
        h.addVar(-highspy.kHighsInf, 1.0)
        h.changeColCost(m, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        norms = np.abs(A).sum(axis=1) + 1e-300
        for r, i in enumerate(units):
            idx = np.arange(m + 1, dtype=np.int32)
            h.addRow(float(rel.inact_hi[i]), highspy.kHighsInf, m + 1, idx, np.r_[A[r], -norms[r]])
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        v = np.asarray(h.getSolution().col_value)
        if not v[m] > 0:
            return None
        return np.clip(v[:m], lo_f, hi_f)

    def _max_slack_exact(self, rows: IntegerRows, units: list[int], lo_e, hi_e):
        """Exact (Z3) point of the domain box with all ``units`` strictly active, or None when none exists."""
        out = self._z3_max_slack([rows.C[r] for r in units], [rows.T[r] for r in units], lo_e, hi_e, (), (),
                                 self.remaining())
        if out is None:
            raise _Timeout
        t, point = out
        if t <= 0:
            return None
        floats = [Fraction(float(v)) for v in point]
        act = active_at_rational(rows, floats)
        if all(lo <= f <= hi for f, lo, hi in zip(floats, lo_e, hi_e)) and all(act[r] for r in units):
            return [float(v) for v in point]
        return point

    def _z3_max_slack(self, Cs, Ts, lower, upper, A, c, seconds: float | None):
        """Z3 Optimize: the largest t <= 1 with C x - T >= t ||C||_1 for every row, x in the exact box
        (None: unbounded side) and A x <= c; (t, point) in Fractions, or None when Z3 gives no
        answer in ``seconds`` (the encoding checks that deadline as it is built)."""
        self.calls += 1
        return max_slack(Cs, Ts, lower, upper, A, c, None if seconds is None else time.monotonic() + seconds)

    def _real_start(self, lo_f, hi_f) -> tuple[np.ndarray, list[Fraction]]:
        """A point of the domain to start from: floats for the searches, and its exact form
        (the first lower bound is counted there, so it must lie in the domain exactly)."""
        d = self.domain
        if isinstance(d, LinfBall):
            x0 = np.clip(d.center, lo_f, hi_f)
        elif isinstance(d, Polytope):
            try:
                x0 = d._interior_point()  # Chebyshev centre (scipy); only a starting point
            except Exception:
                x0 = None
            if x0 is None or not np.isfinite(x0).all() or not d.contains(x0):
                # no float interior point (thin, unbounded or huge polytopes): an exact point of it
                exact = feasible_point(*self._polytope_rows(), self.block.n, None)
                floats = np.array([nearest_float(v) for v in exact])
                if np.isfinite(floats).all() and d.contains(floats):
                    return floats, [Fraction(float(v)) for v in floats]
                return np.nan_to_num(floats), list(exact)
        else:  # the box's centre, halved first (no overflow), clipped (no underflow past a bound)
            x0 = np.clip(lo_f / 2 + hi_f / 2, lo_f, hi_f)
        return x0, [Fraction(float(v)) for v in x0]

    def _polytope_box(self):
        """No box around a polytope: its exact bounds are None (the rows A x <= c are the whole
        domain, bounded or not) and its float bounds infinite. A clamp here would be a soundness
        assumption: one at +-1e30 once hid every unit active beyond it."""
        n = self.block.n
        return [None] * n, [None] * n, np.full(n, -np.inf), np.full(n, np.inf)

    def _polytope_rows(self):
        d = self.domain
        if not isinstance(d, Polytope):
            return (), ()
        rows = real_rows(d.A, -d.c, range(d.A.shape[0]), 0.0)  # A x - c > 0  <=>  C x > T
        # A x <= c  <=>  not (C x > T)  <=>  C x <= T
        return rows.C, rows.T

    def _recenter(self, w: Witness, undecided_on, claimed, query: RealQuery) -> Witness | None:
        """Move the rational witness to the point of largest worst-case slack, so it survives rounding."""
        # always-on units are active at every point of the domain: only the undecided ones need slack
        rows = real_rows(self.block.W1, self.block.b1, sorted(set(int(u) for u in undecided_on)), self.tau)
        if not len(rows):
            return None  # only always-on units: active at every point already
        quick = self._recenter_by_rays(w, rows, claimed, query)
        if quick is not None:
            return quick
        rem = self.remaining()
        out = self._z3_max_slack(rows.C, rows.T, query.lower, query.upper, query.A, query.c,
                                 10.0 if rem is None else min(rem, 10))
        if out is None:
            return None
        point = out[1]
        # the exact active set at the new point (more undecided units may fire there than at the old)
        fired = [int(u) for u, on in zip(query.rows.units, active_at_rational(query.rows, point)) if on]
        units = sorted(set(fired) | set(int(u) for u in np.flatnonzero(self.ranges.always_on)))
        w2 = witness_from_rational(self.block, self.domain, point, self.tau, units, exact_units=units)
        return w2 if w2.count >= w.count else None

    def _recenter_by_rays(self, w: Witness, rows: IntegerRows, claimed, query: RealQuery) -> Witness | None:
        """Cheap first try: float points on the segment from the rational point towards the box
        vertex that favours every claimed row; each candidate is re-checked exactly."""
        if query.A or not len(rows):
            return None
        lo, hi = self.domain.inner_bounds() if isinstance(self.domain, LinfBall) else self.domain.bounds()
        dirn = np.zeros(self.block.n)
        for r in range(len(rows)):
            wr = self.block.W1[rows.units[r]]
            dirn += wr / max(np.abs(wr).sum(), 1e-300)
        vertex = np.where(dirn > 0, hi, lo)
        p = np.array([float(v) for v in w.exact_x])
        for alpha in (1e-9, 1e-6, 1e-3, 0.05, 0.25, 0.5):
            x = np.clip(p + alpha * (vertex - p), lo, hi)
            if not self.domain.contains(x):
                continue
            cand = witness_at(self.block, x, self.tau)
            if cand.count >= len(claimed):
                return cand
        return None

    # -- entry --------------------------------------------------------------------------
    def run(self, stop_above: int | None = None, stop_at_most: int | None = None):
        if isinstance(self.domain, PointSet):
            best, w = self.run_points()
            return best, best, w, "enumeration"
        if isinstance(self.domain, Hypercube):
            return self.run_cube(stop_above, stop_at_most)
        return self.run_real(stop_above, stop_at_most)


def _float_checked():
    """Float64 overflow on huge weights is expected and harmless here: every float step is either
    checked against a rigorous margin (non-finite values fail the check and go to the exact path)
    or a heuristic whose points are counted exactly. So numpy's warnings are not raised."""
    return np.errstate(over="ignore", invalid="ignore", under="ignore")


def max_active(block: MLPBlock, domain: Any, *, tau: float = 0.0, timeout: float | None = None,
               method: str = "auto", presolve: bool = True, seed: int = 0, backend: str = "z3",
               jobs: int = 1, node_limit: int | None = None) -> MaxActive:
    """The exact largest number of units active at once on ``domain``, with a witness.

    On timeout the result has ``optimal=False`` and proved bounds ``value <= max <= upper_bound``
    (the upper one from the open branch-and-bound frontier). ``jobs`` > 1 splits large cube scans
    over that many processes. ``node_limit`` is a deterministic budget: at most that many
    branch-and-bound nodes (an LP node counts 1, 1000 compiled cube nodes count 1); with no
    ``timeout`` every heuristic then does a fixed amount of work, so two runs give the same
    answer on any machine. Ctrl-C raises :class:`verify.results.Interrupted` carrying the
    bracket proved so far.
    """
    with _float_checked():
        eng = _Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit)
        lo, up, w, how = eng.run()
    optimal = lo >= up
    res = MaxActive(lo, w, up, optimal, eng.stats(how), "" if optimal else
                    "interrupted" if eng.interrupted else f"{eng._stop_reason()} before the bounds met")
    if eng.interrupted and not optimal:  # Ctrl-C: the caller gets the bracket proved so far
        raise Interrupted(res)
    return res


def check_sparsity(block: MLPBlock, k: int, domain: Any, *, tau: float = 0.0, timeout: float | None = None,
                   method: str = "auto", presolve: bool = True, seed: int = 0,
                   backend: str = "z3", jobs: int = 1, node_limit: int | None = None) -> Verified | Violated | Unknown:
    """Prove that at most ``k`` units are active at once on ``domain``, or give an input where more are."""
    block = as_block(block)  # a one-hidden-layer Network is its block
    k = as_count("k", k, low=0, high=block.s)
    with _float_checked():
        eng = _Engine(block, domain, tau, timeout, method, presolve, seed, backend, jobs, node_limit)
        lo, up, w, how = eng.run(stop_above=k, stop_at_most=k)
    st = eng.stats(how)
    if lo > k:
        res: Verified | Violated | Unknown = Violated(k, w, st)
    elif up <= k:
        res = Verified(k, up, st)
    else:
        res = Unknown(k, lo, up, "interrupted" if eng.interrupted else
                      f"{eng._stop_reason()} before the question was settled", w, st)
        if eng.interrupted:  # Ctrl-C: the caller gets the bracket proved so far
            raise Interrupted(res)
    return res
