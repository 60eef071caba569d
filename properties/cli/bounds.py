"""``sparsecert bounds``: the symbolic bound registry on the command line.

    sparsecert bounds list
    sparsecert bounds show NAME [--asymptotics VAR [--at 0]]
    sparsecert bounds eval NAME --set n=100 --set s=1000 ... [--json]
    sparsecert bounds solve NAME --for m [--target V] --set ...
    sparsecert bounds compare [--set k=1,4,16,64 ...]
    sparsecert bounds plot NAME --x m --set ... -o FILE.png
    sparsecert bounds instance MODEL --domain hypercube

Bad input (unknown names or parameters, bad --set syntax, missing values, a premise that
fails) is exit status 2 with one line on stderr.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

from sparsecert.sparse_models.errors import InvalidArgument, MissingDependency
from sparsecert.verify.cli.exit_codes import EXIT_BAD_INPUT, EXIT_OK

from ..bounds import (
    INSTANCE_HEADING,
    REGISTRY,
    SPARSE_DENSE_PAIRS,
    asymptotic,
    evaluate,
    get_bound,
    instance_bounds,
    latex,
    ratio,
    solve,
    symbol,
    table,
    text,
)
from ..bounds.operations import format_value
from ..bounds.symbols import SYMBOLS, spec_of, to_rational

COMPARE_DEFAULTS: dict[str, str] = {
    "n": "100", "s": "1000", "k": "1,4,16,64", "B_a": "1", "B_w": "1", "B_b": "1", "m": "1000000",
    "epsilon": "0.1", "delta": "0.05", "Y": "1",
}


# ---- argument helpers ----------------------------------------------------------------------------
def parse_sets(items: Sequence[str] | None, *, lists: bool = False) -> dict[str, Any]:
    """``NAME=VALUE`` pairs (``NAME=V1,V2`` lists when ``lists``) keyed by parameter name."""
    out: dict[str, Any] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise InvalidArgument(f"--set expects NAME=VALUE (for example --set n=100), got {item!r}")
        key = symbol(name).name
        if key in out:
            raise InvalidArgument(f"--set {key} given twice")
        if "," in value:
            if not lists:
                raise InvalidArgument(f"--set {key}={value}: a list of values is accepted only by `bounds compare`")
            parts = [v.strip() for v in value.split(",")]
            if not all(parts):
                raise InvalidArgument(f"--set {key}={value}: empty item in the list")
            out[key] = [to_rational(key, v) for v in parts]
        else:
            out[key] = to_rational(key, value)
    return out


def _add_sets(p) -> None:
    p.add_argument("--set", action="append", metavar="NAME=VALUE", default=[],
                   help="parameter value (repeatable); names: " + ", ".join(SYMBOLS))


def _print_json(obj) -> None:
    from sparsecert.verify.cli.common import print_json

    print_json(obj)


# ---- subcommands ----------------------------------------------------------------------------------
def register(sub) -> None:
    p = sub.add_parser("bounds", help="symbolic sample-complexity and capacity bounds (docs/theory.md §8)",
                       description="Query the registry of bounds for H(n,s,k): evaluate, solve, compare, plot.")
    bsub = p.add_subparsers(dest="bounds_command", metavar="ACTION")
    p.set_defaults(func=_no_action, _parser=p)

    q = bsub.add_parser("list", help="the registry's entries")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_list)

    q = bsub.add_parser("show", help="expression, label, premises and LaTeX of one bound")
    q.add_argument("name")
    q.add_argument("--asymptotics", metavar="VAR", help="also print the verified leading term in VAR")
    q.add_argument("--at", choices=("oo", "0"), default="oo", help="VAR -> infinity (oo, default) or -> 0+")
    _add_sets(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_show)

    q = bsub.add_parser("eval", help="evaluate a bound at given parameter values")
    q.add_argument("name")
    _add_sets(q)
    q.add_argument("--activation", help="check the bound's activation premise (relu, step, ...)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_eval)

    q = bsub.add_parser("solve", help="solve bound = target for one parameter")
    q.add_argument("name")
    q.add_argument("--for", dest="var", required=True, metavar="VAR", help="the unknown parameter")
    q.add_argument("--target", help="the bound's value (for a sample-size bound, --set m=... works too)")
    q.add_argument("--timeout", type=float, default=3.0, help="seconds for sympy's symbolic attempt (default 3)")
    _add_sets(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_solve)

    q = bsub.add_parser("compare", help="sparse against dense: influence, Rademacher, sample sizes")
    _add_sets(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_compare)

    q = bsub.add_parser("plot", help="plot a bound against one parameter (needs matplotlib)")
    q.add_argument("name")
    q.add_argument("--x", required=True, metavar="VAR", help="the parameter on the horizontal axis")
    q.add_argument("--range", dest="xrange", metavar="LO:HI", help="range of VAR (default depends on VAR)")
    q.add_argument("--points", type=int, default=60, help="number of points (default 60)")
    q.add_argument("--linear-x", action="store_true", help="linear instead of logarithmic x axis")
    q.add_argument("-o", "--output", required=True, metavar="FILE.png")
    _add_sets(q)
    q.set_defaults(func=run_plot)

    from sparsecert.verify.cli.common import DOMAIN_HELP, add_model_argument

    q = bsub.add_parser("instance", help="class-level bounds evaluated at one network's norms (docs/theory.md §7)")
    add_model_argument(q)
    q.add_argument("--domain", default="hypercube", help=DOMAIN_HELP + " (default hypercube)")
    q.add_argument("--output", type=int, default=None, metavar="J",
                   help="output coordinate for B_a and F (default: max over all outputs)")
    q.add_argument("--samples", type=int, default=20_000, help="sample size when the domain is not enumerated")
    q.add_argument("--seed", type=int, default=0)
    _add_sets(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_instance)


def _no_action(args) -> int:
    args._parser.print_help()
    return EXIT_BAD_INPUT


def run_list(args) -> int:
    rows = [{"name": b.name, "label": b.label, "section": b.section, "quantity": b.quantity,
             "direction": b.direction, "parameters": list(b.parameter_names)} for b in REGISTRY.values()]
    if args.json:
        _print_json(rows)
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['label']:<14} {r['direction']:<9} {r['quantity']}  [{r['section']}]")
    return EXIT_OK


def run_show(args) -> int:
    b = get_bound(args.name)
    info = {"name": b.name, "label": b.label, "section": b.section, "quantity": b.quantity, "direction": b.direction,
            "expression": text(b), "latex": latex(b), "parameters": list(b.parameter_names),
            "premises": [p.text() for p in b.premises], "stated_premises": list(b.stated),
            "activation": b.activation_text, "domain": b.domain, "derived_from": list(b.derived_from),
            "substitutions": list(b.substitutions), "description": b.description}
    if args.asymptotics:
        info["asymptotics"] = asymptotic(b, args.asymptotics, parse_sets(args.set), point=args.at).as_dict()
    elif args.set:
        raise InvalidArgument("--set is used by `bounds show` only with --asymptotics")
    if args.json:
        _print_json(info)
        return EXIT_OK
    print(f"{b.name}  {b.label}  docs/theory.md {b.section}")
    print(f"  {b.description}")
    print(f"  bounds:      {b.quantity} ({b.direction} bound)" if b.direction != "threshold"
          else f"  value:       {b.quantity}")
    print(f"  expression:  {info['expression']}")
    print(f"  latex:       {info['latex']}")
    print(f"  parameters:  {', '.join(f'{x} ({spec_of(symbol(x)).domain_text()})' for x in b.parameter_names)}")
    print(f"  activation:  {b.activation_text}")
    if b.domain == "cube":
        print("  domain:      the hypercube {-1,1}^n")
    for p in b.premises:
        print(f"  premise:     {p.text()}")
    for st in b.stated:
        print(f"  assumes:     {st}")
    if b.derived_from:
        print(f"  derived from {', '.join(b.derived_from)}:")
        for step in b.substitutions:
            print(f"    {step}")
    if args.asymptotics:
        a = info["asymptotics"]
        arrow = "infinity" if a["point"] == "oo" else "0+"
        print(f"  asymptotics: {a['leading']}   as {a['variable']} -> {arrow} (verified: limit of the ratio is 1)")
    return EXIT_OK


def run_eval(args) -> int:
    ev = evaluate(args.name, parse_sets(args.set), activation=args.activation)
    if args.json:
        _print_json(ev.as_dict())
        return EXIT_OK
    exact = f"  (exact {ev.exact})" if ev.exact and not ev.is_exact and len(ev.exact) < 160 else ""
    print(f"{ev.name} = {format_value(ev.value, 10)}{exact}  {ev.label}")
    print(f"  {ev.direction} bound on {ev.quantity} [{ev.section}]" if ev.direction != "threshold"
          else f"  {ev.quantity} [{ev.section}]")
    print(f"  at {', '.join(f'{k_}={v}' for k_, v in ev.inputs.items())}")
    return EXIT_OK


def run_solve(args) -> int:
    values = parse_sets(args.set)
    sol = solve(args.name, args.var, values, target=args.target, timeout=args.timeout)
    if args.json:
        _print_json(sol.as_dict())
        return EXIT_OK
    print(f"{sol.name} = {sol.target}  =>  {sol.text()}  {sol.label}")
    print(f"  method: {sol.method}; every root checked by substitution (largest relative residual "
          f"{max(r.residual for r in sol.roots):.1e})")
    for note in sol.notes:
        print(f"  note: {note}")
    return EXIT_OK


def _compare_values(sets: dict[str, Any]) -> tuple[dict[str, list], dict[str, Any], list[str]]:
    merged: dict[str, Any] = {}
    for key, value in COMPARE_DEFAULTS.items():
        merged[key] = [to_rational(key, v) for v in value.split(",")] if "," in value else to_rational(key, value)
    merged.update(sets)
    notes = []
    if "R" not in merged:
        n_ = merged["n"]
        if isinstance(n_, list):
            raise InvalidArgument("give R with --set R=... when n takes several values (R defaults to sqrt(n))")
        root = math.isqrt(int(n_))
        if root * root == int(n_):
            merged["R"] = to_rational("R", root)
        else:
            from ..bounds.instance import _sqrt_up

            merged["R"] = to_rational("R", repr(_sqrt_up(Fraction(int(n_)))))
        notes.append("R = sqrt(n): the cube {-1,1}^n")
    grid = {key: v for key, v in merged.items() if isinstance(v, list)}
    fixed = {key: v for key, v in merged.items() if not isinstance(v, list)}
    return grid, fixed, notes


def run_compare(args) -> int:
    grid, fixed, notes = _compare_values(parse_sets(args.set, lists=True))
    names = [x for pair_ in SPARSE_DENSE_PAIRS.values() for x in pair_] + ["rademacher_sparse"]
    tab = table(names, grid, fixed)
    ratios = {"influence": str(ratio("influence_sparse_relu", "influence_dense_relu")),
              "rademacher E3/E1": str(ratio("rademacher_sparse", "rademacher_dense"))}
    rows = []
    for point, cells in tab.rows:
        row = {key: str(v) for key, v in point.items()}
        for kind, (sp_name, de_name) in SPARSE_DENSE_PAIRS.items():
            a, b = cells[sp_name], cells[de_name]
            row[f"{kind}_sparse"] = a.evaluation.value if a.evaluation else None
            row[f"{kind}_dense"] = b.evaluation.value if b.evaluation else None
            row[f"{kind}_ratio"] = (a.evaluation.number / b.evaluation.number
                                    if a.evaluation and b.evaluation and b.evaluation.number not in (0.0, math.inf)
                                    and a.evaluation.number != math.inf else None)
            for c, side in ((a, "sparse"), (b, "dense")):
                if c.reason:
                    row[f"{kind}_{side}_reason"] = c.reason
        e3 = cells["rademacher_sparse"]
        row["rademacher_E3"] = e3.evaluation.value if e3.evaluation else None
        rows.append(row)
    if args.json:
        _print_json({"fixed": {k_: str(v) for k_, v in fixed.items()},
                     "grid": {k_: [str(x) for x in v] for k_, v in grid.items()},
                     "symbolic_ratios": ratios, "notes": notes, "rows": rows,
                     "pairs": {k_: list(v) for k_, v in SPARSE_DENSE_PAIRS.items()}})
        return EXIT_OK
    print("sparse vs dense at " + ", ".join(f"{k_}={_decimal(v)}" for k_, v in fixed.items()))
    for note in notes:
        print(f"  {note}")
    print(f"  influence ratio (A1):           {ratios['influence']}")
    print(f"  Rademacher ratio E3/E1:         {ratios['rademacher E3/E1']}")
    print("  influence: influence_sparse_relu vs influence_dense_relu [DERIVED]; Rademacher: rademacher_best"
          " (min of E1, E3, kM) vs rademacher_dense (E1); samples: end_to_end_samples (low-degree algorithm,"
          " Cor. C3) vs _dense; generalization: generalization_sample_size (E6) vs _dense. Dense = k := s.")
    keys = list(grid)
    head = [*keys, "I sparse", "I dense", "ratio", "Rad E3", "Rad best", "Rad E1", "ratio",
            "m_LD sparse", "m_LD dense", "ratio", "m_gen sparse", "m_gen dense", "ratio"]
    lines = []
    for row in rows:
        cells_ = [row[key] for key in keys]
        cells_ += [_fmt(row["influence_sparse"]), _fmt(row["influence_dense"]), _fmt(row["influence_ratio"]),
                   _fmt(row["rademacher_E3"]), _fmt(row["rademacher_sparse"]), _fmt(row["rademacher_dense"]),
                   _fmt(row["rademacher_ratio"]), _fmt(row["samples_sparse"]), _fmt(row["samples_dense"]),
                   _fmt(row["samples_ratio"]), _fmt(row["generalization_sparse"]), _fmt(row["generalization_dense"]),
                   _fmt(row["generalization_ratio"])]
        lines.append(cells_)
    widths = [max(len(str(h)), *(len(str(line[i])) for line in lines)) for i, h in enumerate(head)]
    print("  ".join(f"{h:>{w}}" for h, w in zip(head, widths)))
    for line in lines:
        print("  ".join(f"{str(c):>{w}}" for c, w in zip(line, widths)))
    for row in rows:
        for key, value in row.items():
            if key.endswith("_reason"):
                print(f"  n/a at {', '.join(f'{k_}={row[k_]}' for k_ in keys)}: {value}")
    return EXIT_OK


def _decimal(q) -> str:
    """A rational as the user would write it: an integer, or a short decimal when it has one."""
    text_ = str(q)
    if "/" not in text_:
        return text_
    f = float(q)
    return repr(f) if Fraction(repr(f)) == Fraction(int(q.p), int(q.q)) else text_


def _fmt(v) -> str:
    return "n/a" if v is None else format_value(v, 4)


# ---- plot -----------------------------------------------------------------------------------------------
DEFAULT_RANGES = {"m": (10, 10**9), "epsilon": (1e-3, 1), "delta": (1e-9, 0.5), "n": (1, 10**4), "s": (1, 10**5),
                  "k": (1, 10**4), "d": (0, 20), "t": (1, 20), "gamma": (0.01, 1), "tau": (1e-4, 1)}


def _plot_points(var: str, xrange: str | None, count: int) -> list:
    spec = spec_of(symbol(var))
    if xrange:
        lo_s, sep, hi_s = xrange.partition(":")
        if not sep:
            raise InvalidArgument(f"--range is written LO:HI, got {xrange!r}")
        lo, hi = float(to_rational("range start", lo_s)), float(to_rational("range end", hi_s))
    else:
        lo, hi = DEFAULT_RANGES.get(var, (0.01, 100))
    if not lo < hi:
        raise InvalidArgument(f"--range needs LO < HI, got {lo} and {hi}")
    if count < 2 or count > 2000:
        raise InvalidArgument(f"--points must be between 2 and 2000, got {count}")
    return lo, hi, spec


def run_plot(args) -> int:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingDependency("bounds plot needs matplotlib: pip install 'sparsecert[plot]'") from None
    from ..plots import bound_figure

    b = get_bound(args.name)
    var = symbol(args.x).name
    if var not in b.parameter_names:
        raise InvalidArgument(f"{b.name} does not depend on {var}; it takes {', '.join(b.parameter_names)}")
    values = parse_sets(args.set)
    if var in values:
        raise InvalidArgument(f"{var} is on the x axis; do not also --set it")
    missing = [x for x in b.parameter_names if x not in values and x != var]
    if missing:
        raise InvalidArgument(f"{b.name} needs values for: {', '.join(missing)}")
    lo, hi, spec = _plot_points(var, args.xrange, args.points)
    if args.linear_x or lo <= 0:
        xs = [lo + (hi - lo) * i / (args.points - 1) for i in range(args.points)]
    else:
        xs = [lo * (hi / lo) ** (i / (args.points - 1)) for i in range(args.points)]
    if spec.integer:
        xs = sorted({int(round(x)) for x in xs})
    px, py, skipped = [], [], []
    for x in xs:
        try:
            ev = evaluate(b, {**values, var: repr(x) if isinstance(x, float) else x})
        except InvalidArgument as exc:
            skipped.append((x, str(exc)))
            continue
        px.append(float(x))
        py.append(ev.number)
    if not px:
        raise InvalidArgument(f"{b.name} applies at none of the {len(xs)} points of {var} in [{lo}, {hi}]: {skipped[0][1]}")
    fig = bound_figure(b, var, px, py, values, log_x=not args.linear_x and lo > 0, integer_x=spec.integer)
    try:
        fig.savefig(args.output, dpi=120)
    except OSError as exc:
        raise InvalidArgument(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}: {b.name} against {var} at {len(px)} points")
    if skipped:
        print(f"  {len(skipped)} point(s) outside the premises were left out, e.g. {var}={skipped[0][0]}: {skipped[0][1]}")
    return EXIT_OK


# ---- instance -------------------------------------------------------------------------------------------
def run_instance(args) -> int:
    from sparsecert.verify.cli.common import load_model, parse_domains

    block = load_model(args)
    domains = parse_domains(args.domain, block.n)
    if args.samples < 1:
        raise InvalidArgument(f"--samples must be >= 1, got {args.samples}")
    report = instance_bounds(block, domains, parameters=parse_sets(args.set), output=args.output,
                             samples=args.samples, seed=args.seed)
    if args.json:
        _print_json(report.as_dict())
        return EXIT_OK
    q = report.quantities
    print(f"{args.model}: n={q.n}, s={q.s}, activation {q.activation}, domain {q.domain}")
    k_text = f"{q.k} (exact)" if q.k_exact else f"between {q.k_lower} (sampled lower bound) and {q.k_upper} (proved upper bound)"
    print(f"  k = {k_text}; mean active {q.mean_active:.4g}{'' if q.mean_active_exact else ' (sampled)'}")
    print(f"    {q.k_method}")
    print(f"  B_a = {q.B_a:.6g}, B_w = {q.B_w:.6g}, B_b = {q.B_b:.6g}, R = {q.R:.6g} (B_w, R rounded up)")
    print(f"  F = {'n/a' if q.F is None else f'{q.F:.6g}'}: {q.F_method}")
    for note in q.notes + report.parameter_notes:
        print(f"  note: {note}")
    print(f"{INSTANCE_HEADING}:")
    width = max(len(e.name) for e in report.entries)
    for e in report.entries:
        if e.evaluation is not None:
            ev = e.evaluation
            print(f"  {e.name:<{width}}  {format_value(ev.value, 6):>14}  {e.label:<14} {ev.direction} bound on {ev.quantity}"
                  if ev.direction != "threshold" else
                  f"  {e.name:<{width}}  {format_value(ev.value, 6):>14}  {e.label:<14} {ev.quantity}")
        else:
            print(f"  {e.name:<{width}}  {'n/a':>14}  {e.label:<14} {e.reason}")
    return EXIT_OK
