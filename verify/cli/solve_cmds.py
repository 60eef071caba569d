"""``sparsecert maxact`` and ``sparsecert verify``: exact max-active and k-sparsity proofs.

Exit status (``exit_codes.py``): 0 verified (maxact: optimum proved), 1 violated, 2 bad input,
3 unknown/timeout.
A ``ball:`` domain means one ball per centre; results are per centre and the top-level
fields summarise the union of the balls.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from sparsecert.sparse_models.validation import as_count

from ..api import METHODS, check_sparsity, max_active
from ..batch import certify_balls
from ..progress import Progress as LiveProgress, cli_wants
from ..results import MaxActive, Status, Unknown, Verified, Violated
from .common import DOMAIN_HELP, Progress, add_model_argument, load_model, parse_domains, print_json
from .deep_cmds import run_deep_maxact, run_deep_verify, wants_deep
from .exit_codes import exit_code


def _common(p) -> None:
    add_model_argument(p)
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("--tau", type=float, default=0.0, help="activity threshold: unit active iff z > tau (default 0)")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock seconds per domain (default: none)")
    p.add_argument("--node-limit", type=int, default=None, metavar="N",
                   help="deterministic budget: at most N branch-and-bound nodes per domain (an LP node counts 1,"
                        " 1000 compiled cube nodes count 1); without --timeout every step does a fixed amount of"
                        " work, so the same answer comes on any machine (for CI)")
    p.add_argument("--method", choices=METHODS, default="auto", help="solving method (default: auto)")
    p.add_argument("--jobs", type=int, default=1,
                   help="parallel processes: batches of balls, large cube scans, input regions of deep networks")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="a live line on stderr during the solve: proved lower and upper bound, nodes, elapsed time"
                        " (default: on when stderr is a terminal and --json is not given)")
    p.add_argument("--whole-network", action="store_true",
                   help="deep network: the domain is over the network's inputs and every layer before --layer counts")


def register_maxact(sub) -> None:
    p = sub.add_parser("maxact", help="exact largest number of simultaneously active units, with a witness")
    _common(p)
    p.set_defaults(func=run_maxact)


def register_verify(sub) -> None:
    v = sub.add_parser("verify", help="prove that at most K units are active at once, or find an input where more are")
    v.add_argument("-k", "--k", dest="k", type=int, required=True, help="the sparsity to prove")
    _common(v)
    v.set_defaults(func=run_verify)


def _run_deep(args, maxact: bool) -> int:
    """Whole deep networks (verify.deep): one entry per layer; see verify/cli/deep_cmds.py."""
    _validate(args, None)
    if args.node_limit is not None:
        from sparsecert.sparse_models.errors import InvalidArgument
        raise InvalidArgument("--node-limit is not supported for deep networks yet; use --timeout")
    if maxact:
        out, optimal, text = run_deep_maxact(args)
        code = exit_code(Status.VERIFIED if optimal else Status.UNKNOWN)
    else:
        as_count("-k", args.k, low=0)
        out, status, text = run_deep_verify(args)
        code = exit_code(status)
    if args.json:
        print_json(out)
    else:
        print(text)
    return code


def _validate(args, block) -> None:
    as_count("--jobs", args.jobs, low=1)
    if args.node_limit is not None:
        as_count("--node-limit", args.node_limit, low=0)
    if args.timeout is not None and not args.timeout > 0:
        from sparsecert.sparse_models.errors import InvalidArgument
        raise InvalidArgument(f"--timeout must be positive seconds, got {args.timeout}")


def _live_lines(args, label: str, n: int) -> list[LiveProgress | None]:
    """One live-progress line per domain (labelled "i/n" when there are several), or None each."""
    if not cli_wants(args.progress, args.json):
        return [None] * n
    return [LiveProgress(label if n == 1 else f"{label} {i + 1}/{n}", sys.stderr, enabled=True) for i in range(n)]


def _bar(args, n: int, label: str, live) -> Progress:
    """The per-domain count bar: off with --no-progress, and when the live line shows the count itself."""
    return Progress(n, label, enabled=False if args.progress is False or any(live) else None)


def _maxact_results(args, block, domains) -> list[MaxActive]:
    if len(domains) > 1 and all(d.kind == "ball" for d in domains):
        centers = np.array([d.center for d in domains])
        prog = _bar(args, len(domains), "balls", [])
        table = certify_balls(block, centers, domains[0].radius, tau=args.tau, timeout=args.timeout,
                              jobs=args.jobs, on_result=lambda i, r: prog.advance(), method=args.method,
                              node_limit=args.node_limit)
        prog.close()
        return list(table.results)
    live = _live_lines(args, "maxact", len(domains))
    prog = _bar(args, len(domains), "maxact", live)
    return [max_active(block, d, tau=args.tau, timeout=args.timeout, method=args.method, node_limit=args.node_limit,
                       jobs=args.jobs, progress=line) for d, line in zip(prog.wrap(domains), live)]


def run_maxact(args) -> int:
    if wants_deep(args):
        return _run_deep(args, maxact=True)
    block = load_model(args)
    _validate(args, block)
    domains = parse_domains(args.domain, block.n)
    results = _maxact_results(args, block, domains)
    best = max(results, key=lambda r: (r.lower, r.upper))
    optimal = all(r.optimal for r in results)
    summary = {**best.as_dict(), "optimal": optimal, "upper": max(r.upper for r in results),
               "domain": args.domain, "tau": args.tau, "model": args.model}
    if len(results) > 1:
        summary["per_center"] = [r.as_dict() for r in results]
    if args.json:
        print_json(summary)
    else:
        _print_maxact(args, block, results, best, optimal)
    return exit_code(Status.combine(r.status for r in results))  # VERIFIED iff every max is proved


def _print_maxact(args, block, results, best, optimal) -> None:
    upper = max(r.upper for r in results)
    head = f"max active = {best.lower}" if optimal else f"max active in [{best.lower}, {upper}] (not proved optimal)"
    print(f"{head}   ({block.s} units, domain {args.domain}, tau={args.tau:g})")
    if len(results) > 1:
        vals = np.array([r.lower for r in results])
        print(f"  {len(results)} balls: max-active per ball min {vals.min()}, median {int(np.median(vals))}, max {vals.max()};"
              f" {sum(r.optimal for r in results)} proved optimal")
    if best.witness is not None:
        w = best.witness
        print(f"  witness active units ({w.count}): {list(w.active_units)[:20]}{' ...' if w.count > 20 else ''}")
        print(f"  float64 re-check at the witness: {w.float_count} active"
              + ("" if w.float_agrees else f" (differs from exact; borderline units {list(w.borderline)})"))
    st = best.stats
    print(f"  method {st.method}, {st.time_s:.3f}s, presolve fixed {st.units_fixed_off} off / {st.units_fixed_on} on,"
          f" {st.units_undecided} undecided, {st.solver_calls} solver calls")


def run_verify(args) -> int:
    if wants_deep(args):
        return _run_deep(args, maxact=False)
    block = load_model(args)
    _validate(args, block)
    k = as_count("-k", args.k, low=0, high=block.s)
    domains = parse_domains(args.domain, block.n)
    live = _live_lines(args, f"verify k={k}", len(domains))
    prog = _bar(args, len(domains), "verify", live)
    results = [check_sparsity(block, k, d, tau=args.tau, timeout=args.timeout, method=args.method,
                              node_limit=args.node_limit, jobs=args.jobs, progress=line)
               for d, line in zip(prog.wrap(domains), live)]
    violated = [r for r in results if isinstance(r, Violated)]
    unknown = [r for r in results if isinstance(r, Unknown)]
    head = violated[0] if violated else (unknown[0] if unknown else results[0])
    out = {**head.as_dict(), "domain": args.domain, "tau": args.tau, "model": args.model}
    if len(results) > 1:
        out["per_center"] = [r.as_dict() for r in results]
        out["counts"] = {"verified": sum(isinstance(r, Verified) for r in results),
                         "violated": len(violated), "unknown": len(unknown)}
    if args.json:
        print_json(out)
    else:
        _print_verify(args, block, k, results, head)
    return exit_code(Status.combine(r.status for r in results))


def _print_verify(args, block, k, results, head) -> None:
    if isinstance(head, Violated):
        w = head.witness
        print(f"VIOLATED: {w.count} > {k} units active at the witness (float64 re-check: {w.float_count})")
        print(f"  active units: {list(w.active_units)[:20]}{' ...' if w.count > 20 else ''}")
        print(f"  witness: {np.array2string(w.x, precision=6, max_line_width=96, threshold=20)}")
    elif isinstance(head, Unknown):
        print(f"UNKNOWN: {head.reason}; max active proved in [{head.lower}, {head.upper}]")
    else:
        print(f"VERIFIED: at most {k} of {block.s} units are active at once on {args.domain}"
              f" (proved bound {head.upper})")
    if len(results) > 1:
        print(f"  per centre: {sum(isinstance(r, Verified) for r in results)} verified,"
              f" {sum(isinstance(r, Violated) for r in results)} violated,"
              f" {sum(isinstance(r, Unknown) for r in results)} unknown")
    st = head.stats
    print(f"  method {st.method}, {st.time_s:.3f}s, {st.solver_calls} solver calls")
