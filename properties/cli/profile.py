"""``sparsecert profile MODEL --domain D``: measured sparsity, spectrum and influence against the bounds of docs/theory.md.

Exit status: 0 when every applicable inequality of docs/theory.md holds (or none applies), 1 when one
is violated (that is a bug somewhere: please report it), 2 on bad input.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from sparsecert.properties.cube_table import MAX_EXACT_N
from sparsecert.properties.profile import NOISE_RATES, Profile, needed_samples_note, profile_block
from sparsecert.verify.cli.common import DOMAIN_HELP, Progress, add_model_argument, load_model, parse_domains, print_json
from sparsecert.verify.cli.exit_codes import EXIT_OK, exit_code
from sparsecert.verify.results import Status
from sparsecert.sparse_models.errors import InvalidArgument


def register(sub) -> None:
    p = sub.add_parser("profile",
                       help="activation statistics, Fourier spectrum and influence against the bounds of docs/theory.md",
                       description=__doc__.split("\n\n")[0])
    add_model_argument(p)
    p.add_argument("--domain", default="hypercube", help=f"input domain (default hypercube): {DOMAIN_HELP}")
    p.add_argument("--output", type=int, default=None, metavar="K",
                   help="output coordinate to analyse (required when the block has several outputs;"
                        " without W2 it names a hidden unit)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--plots", default=None, metavar="DIR", help="write PNG plots to DIR (needs matplotlib)")
    p.add_argument("--exact-limit", type=int, default=20, metavar="N",
                   help=f"enumerate cubes up to n = N exactly (default 20, at most {MAX_EXACT_N}); Monte Carlo beyond")
    p.add_argument("--samples", type=int, default=20000, help="Monte Carlo points for rates and counts (default 20000)")
    p.add_argument("--influence-samples", type=int, default=2000,
                   help="Monte Carlo points for influences, n+1 evaluations each (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed for the Monte Carlo parts (default 0)")
    p.add_argument("--eps", type=float, default=0.1,
                   help="error budget relative to E[f^2] for the degree and LMN sample sizes (default 0.1)")
    p.add_argument("--delta", type=float, default=0.05,
                   help="failure probability of confidence intervals and LMN sizes (default 0.05)")
    p.set_defaults(func=run)


def run(args) -> int:
    if not 1 <= args.exact_limit <= MAX_EXACT_N:
        raise InvalidArgument(f"--exact-limit must lie in [1, {MAX_EXACT_N}], got {args.exact_limit}")
    for name in ("samples", "influence_samples"):
        if getattr(args, name) < 1:
            raise InvalidArgument(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    block = load_model(args)
    domains = parse_domains(args.domain, block.n)
    prof = profile_block(block, domains, output=args.output, exact_limit=args.exact_limit, samples=args.samples,
                         influence_samples=args.influence_samples, seed=args.seed, eps_rel=args.eps,
                         delta=args.delta, progress=lambda total, label: Progress(total, f"profile: {label}"))
    written = []
    if args.plots:
        from pathlib import Path

        from sparsecert.properties.plots import write_plots

        written = write_plots(prof, args.plots, model=Path(args.model).name)
    if args.json:
        data = prof.to_dict()
        data["model"]["path"] = args.model
        data["plots"] = [str(p) for p in written]
        print_json(data)
    else:
        print(render(prof, args.model))
        if written:
            print(f"\nplots: {', '.join(str(p) for p in written)}")
    if prof.violations:
        print(f"sparsecert profile: {prof.violations} inequality(ies) of docs/theory.md VIOLATED on this block; this is a bug,"
              " please report it with the model file", file=sys.stderr)
        return exit_code(Status.VIOLATED)
    return EXIT_OK


# text report ------------------------------------------------------------------------------------------
def _g(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{x:.{digits}g}"


def _units(idx, limit: int = 12) -> str:
    idx = list(idx)
    if not idx:
        return "none"
    return f"{len(idx)} ({', '.join(map(str, idx[:limit]))}{', ...' if len(idx) > limit else ''})"


def _table(rows: list[list[str]], header: list[str], indent: str = "  ") -> list[str]:
    widths = [max(len(r[c]) for r in [header] + rows) for c in range(len(header))]
    fmt = lambda r: indent + "  ".join(v.rjust(w) if c else v.ljust(w) for c, (v, w) in enumerate(zip(r, widths)))
    return [fmt(header)] + [fmt(r) for r in rows]


def _point(x) -> str:
    x = np.asarray(x)
    if x.size <= 32 and np.all(np.abs(x) == 1):
        return "".join("+" if v > 0 else "-" for v in x) + "  (x_0 ... x_{n-1})"
    if x.size <= 12:
        return "[" + " ".join(f"{v:.3g}" for v in x) + "]"
    return f"[{' '.join(f'{v:.3g}' for v in x[:10])} ...]"


def render(prof: Profile, path: str) -> str:
    b, st = prof.block, prof.stats
    L: list[str] = []
    L.append(f"sparsecert profile  {path}")
    L.append(f"block     n={b.n} inputs, s={b.s} hidden units, m={b.m} outputs, activation {b.activation.spec}"
             + (f"; analysed: {prof.output}" if prof.output else ""))
    how = (f"exact enumeration of {st.points} points" if st.exact
           else f"Monte Carlo, {st.points} i.i.d. uniform points, intervals at {100 * (1 - prof.delta):g}%")
    L.append(f"domain    {prof.domain}: {how}")
    for note in prof.notes:
        L.append(f"note      {note}")

    # activation ------------------------------------------------------------------------------------
    L.append("")
    L.append("ACTIVATION (unit i active iff z_i(x) > 0; decisions near 0 re-decided in exact arithmetic)")
    L.append(f"  max active count  {st.max_active}  [{st.max_kind}]  at x = {_point(st.max_witness)}")
    mean = f"{st.mean_active:.4g}"
    if st.mean_active_interval is not None:
        iv = st.mean_active_interval
        mean += f"  [{iv.lower:.4g}, {iv.upper:.4g}]"
    L.append(f"  E|A(x)| = sum p_i  {mean}   (width s = {st.s})")
    r = st.rates
    L.append(f"  rates p_i         min {r.min():.4g}  median {np.median(r):.4g}  mean {r.mean():.4g}  max {r.max():.4g}")
    seen = "" if st.exact else " (in the sample)"
    L.append(f"  never active{seen}  {_units(st.dead_units)}")
    L.append(f"  always active{seen} {_units(st.always_active_units)}")
    if st.rate_intervals is not None:
        hw = float(np.max(st.rate_intervals.half_width))
        L.append(f"  rate intervals    simultaneous over all units, widest ±{hw:.3g}; {needed_samples_note(st)}")
    order = np.argsort(-r, kind="stable")[:8]
    L.append("  busiest units     " + ", ".join(f"{int(i)}: {r[i]:.3g}" for i in order))
    pairs = st.top_pairs(5)
    if pairs:
        L.append("  most co-active    " + ", ".join(f"({i},{j}): {v:.3g}" for i, j, v in pairs))
    if st.q is not None:
        i, j = np.unravel_index(int(np.argmax(st.q)), st.q.shape)
        L.append(f"  q_ij              max {st.q[i, j]:.4g} at unit {i}, coordinate {j}"
                 f"  (P[i active at x or at x with x_{j} flipped])")
    L.append("  active-count histogram:")
    dist = st.count_distribution()
    nz = np.flatnonzero(st.count_histogram)
    first, top = (int(nz[0]), int(nz[-1])) if nz.size else (0, 0)
    peak = float(dist.max()) or 1.0
    if first > 0:
        L.append(f"    |A| < {first}: no {'point' if st.exact else 'sample'}")
    for c in range(first, top + 1):
        bar = "#" * int(round(40 * dist[c] / peak))
        L.append(f"    |A|={c:<3d} {st.count_histogram[c]:>9d}  {dist[c]:7.4f}  {bar}")

    # spectrum --------------------------------------------------------------------------------------
    sp = prof.spectrum
    if sp is not None:
        th = prof.theory
        L.append("")
        L.append(f"SPECTRUM of f = {prof.output} on {{-1,1}}^{sp.n}  [STANDARD Fourier analysis, exact WHT]")
        L.append(f"  E[f] = f^(empty) = {sp.mean:.4g}   E[f^2] = {sp.energy:.4g}   Var f = {sp.variance:.4g}")
        floor = 1e-13 * sp.energy  # float64 round-off of the WHT: smaller weights are numerically 0
        w_all = sp.weights_by_degree
        last = int(np.max(np.flatnonzero(w_all > floor))) if np.any(w_all > floor) else 0
        rows = [[str(d), f"{w_all[d]:.4g}", f"{(w_all[d] / sp.energy if sp.energy else 0):.2%}",
                 f"{sp.tail_weights[d]:.4g}" if sp.tail_weights[d] > floor else "0"] for d in range(last + 1)]
        L += _table(rows, ["degree d", "W^{=d}", "share", "W^{>d}"])
        if last < sp.n:
            L.append(f"  degrees {last + 1}..{sp.n}: weight below 1e-13 E[f^2] (numerically 0)")
        eps = th.eps if th is not None else prof.eps_rel * sp.energy
        L.append(f"  smallest d with W^{{>d}} <= eps = {eps:.4g} ({prof.eps_rel:g} E[f^2]):  d_exact = {sp.min_degree(eps)}")
        L.append(f"  total influence I = sum_S |S| f^(S)^2 = {sp.total_influence:.6g}")
        inf = sp.influences
        order = np.argsort(-inf, kind="stable")[:10]
        L.append("  influences Inf_j (largest): " + ", ".join(f"x{int(j)}: {inf[j]:.3g}" for j in order))
        L.append("  noise sensitivity NS_delta = 1/4 E[(f(x)-f(y))^2]: "
                 + ", ".join(f"delta={d:g}: {sp.noise_sensitivity(d):.4g}" for d in NOISE_RATES))
        top = sp.top(6)
        L.append("  largest coefficients: " + ", ".join(
            f"f^({{{','.join(str(j) for j in range(sp.n) if mk >> j & 1)}}}) = {v:.3g}" for mk, v in top))

    # theory ----------------------------------------------------------------------------------------
    th = prof.theory
    if th is not None:
        m = th.measures
        L.append("")
        L.append(f"BOUNDS (docs/theory.md §1-§4; {th.applicable})")
        L.append(f"  k = k(f) = {m.k} (exact), Lambda^2 = max a_i^2||w_i||^2 = {m.lam2:.4g}, B_a = {m.Ba:.4g},"
                 f" F = max|f| = {m.F:.4g}")
        rows = []
        for c in th.checks:
            rows.append([c.name, c.section, _g(c.lhs), c.relation, _g(c.rhs),
                         "-" if c.relation == "iff" else _g(c.slack, 3),
                         "-" if c.relation in ("iff", "==") or not c.rhs else f"{c.ratio:.3g}", c.status])
        L += _table(rows, ["check", "where", "lhs", "", "rhs", "slack", "lhs/rhs", "status"])
        L.append(f"  {len(th.checks)} checks, {len(th.violations)} violated."
                 " Labels: A1/A2/C2 [DERIVED], Lemma B/C1/Parseval [STANDARD] (see the JSON for each).")
        L.append("")
        L.append(f"LOW-DEGREE ALGORITHM sample sizes (docs/theory.md §4, Cor. C3; eps = {th.eps:.4g},"
                 f" delta = {th.delta:g}, F = {m.F:.4g})")
        rows = [[sz.source, _g(sz.eps_tail), str(sz.d), str(sz.N_d), str(sz.m_C1), str(sz.m_C2), str(sz.m),
                 f"{float(sz.time):.3g}"] for sz in th.lmn]
        L += _table(rows, ["degree from", "eps_tail", "d", "N_d", "m_C1", "m_C2", "m = min", "time m*N_d"])

    # Monte Carlo spectral parts --------------------------------------------------------------------
    im = prof.influence_mc
    if im is not None:
        t = im.total
        L.append("")
        L.append(f"INFLUENCE (Monte Carlo, edge formula, {im.samples} points x {b.n + 1} evaluations,"
                 f" {100 * t.confidence:g}% {t.method})")
        L.append(f"  I ~ {t.estimate:.4g}  in [{t.lower:.4g}, {t.upper:.4g}]"
                 f"   (per-sample range [0, {im.per_sample_range:.4g}], <= n F^2)")
        per = im.per_coordinate
        order = np.argsort(-per.estimate, kind="stable")[:10]
        L.append("  Inf_j (largest): " + ", ".join(
            f"x{int(j)}: {per.estimate[j]:.3g} [{per.lower[j]:.3g}, {per.upper[j]:.3g}]" for j in order))
        for name, val in prof.dense_bounds().items():
            L.append(f"  dense bound {name:<14} {val:.4g}   upper end of I's interval / bound = {t.upper / val:.3g}"
                     if val > 0 else f"  dense bound {name:<14} 0")
        L.append("  sparse bounds (B4, B5, 4k^2 Lambda^2) need a proven k: the sampled max is only a lower bound")
    ld = prof.low_degree_mc
    if ld is not None:
        L.append(f"  W^{{<={ld.degree}}} in [{ld.low_weight[0]:.4g}, {ld.low_weight[1]:.4g}]"
                 f" ({100 * (1 - ld.delta):g}%, docs/theory.md §4 C1/C2 radius), unbiased estimate {ld.low_weight_unbiased:.4g}")
    return "\n".join(L)
