"""``sparsecert member | equiv | prune | sparsify | synthesize``: class membership, equivalence,
certified pruning, bias sparsification and synthesis of small sparse networks.

Exit status as for ``verify`` (``exit_codes.py``, from each result's ``status``): 0 verified /
proved (synthesize: network found), 1 violated (synthesize: proved that none exists), 2 bad
input, 3 unknown or timeout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sparsecert.sparse_models import load, save_npz
from sparsecert.sparse_models.io import check_save_path, save_model
from sparsecert.sparse_models.errors import DomainError, InvalidArgument

from ..equivalence import equivalent
from ..membership import is_member
from ..prune import prune
from ..sparsify import sparsify
from ..results import Status
from ..synthesis import NAMED, synthesize, truth_table
from .common import DOMAIN_HELP, add_model_argument, load_model, parse_domains, print_json
from .exit_codes import exit_code


def _one_domain(spec: str, n: int):
    domains = parse_domains(spec, n)
    if len(domains) != 1:
        raise DomainError(f"this command takes one domain, but {spec!r} gives {len(domains)} balls;"
                          " pass a centres file with one row, or a box-file covering the region")
    return domains[0]


def _timeout(p) -> None:
    p.add_argument("--timeout", type=float, default=None, help="seconds (default: none)")


def _positive_timeout(args) -> None:
    if args.timeout is not None and not args.timeout > 0:
        raise InvalidArgument(f"--timeout must be positive seconds, got {args.timeout}")


def _npz_out(path: str) -> Path:
    p = Path(path)
    if p.suffix != ".npz":
        raise InvalidArgument(f"-o must name a native model file ending in .npz, got {path!r}")
    if not p.parent.exists():
        raise InvalidArgument(f"the directory of -o {path!r} does not exist")
    return p


def _model_out(path: str, block) -> Path:
    """-o for prune / sparsify: .npz, .onnx or .safetensors, chosen by the suffix (checked before any work)."""
    return check_save_path(path, "-o", block)


# -- member ---------------------------------------------------------------------------------------

def register_member(sub) -> None:
    p = sub.add_parser("member", help="is the block in the class H(n, s, k) (with norm bounds)?")
    add_model_argument(p)
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("-s", "--s", dest="s", type=int, required=True, help="largest width of the class")
    p.add_argument("-k", "--k", dest="k", type=int, required=True, help="sparsity promise of the class")
    p.add_argument("-n", "--n", dest="n", type=int, default=None, help="input dimension (default: the model's)")
    p.add_argument("--weight-bound", type=float, default=None, help="B_w: ||w_i||_2 <= B_w")
    p.add_argument("--bias-bound", type=float, default=None, help="B_b: |b_i| <= B_b")
    p.add_argument("--output-bound", type=float, default=None, help="B_a: |a_i| <= B_a")
    p.add_argument("--tau", type=float, default=0.0, help="activity threshold (default 0)")
    _timeout(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_member)


def run_member(args) -> int:
    block = load_model(args)
    _positive_timeout(args)
    domain = _one_domain(args.domain, block.n)
    n = block.n if args.n is None else args.n
    res = is_member(block, n, args.s, args.k, domain, weight_bound=args.weight_bound, bias_bound=args.bias_bound,
                    output_bound=args.output_bound, tau=args.tau, timeout=args.timeout)
    if args.json:
        print_json({**res.as_dict(), "model": args.model, "domain": args.domain, "n": n, "s": args.s, "k": args.k})
    else:
        print(f"{res.status.upper()}: H(n={n}, s={args.s}, k={args.k}) on {args.domain}")
        for c in res.conditions:
            print(f"  {c.name:<16} {c.status:<9} {c.detail}")
            if c.name == "sparsity" and c.status is Status.VIOLATED:
                x = c.sparsity.witness.x
                print(f"    witness: {np.array2string(x, precision=6, max_line_width=96, threshold=20)}")
        for note in res.notes:
            print(f"  note: {note}")
    return exit_code(res.status)


# -- equiv ----------------------------------------------------------------------------------------

def register_equiv(sub) -> None:
    p = sub.add_parser("equiv", help="prove two blocks compute the same function on a domain, or find an input where not")
    p.add_argument("model", help="first model file")
    p.add_argument("other", help="second model file")
    p.add_argument("--layer", default=None, help="hidden layer of both deep networks (0-based)")
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("--tol", type=float, default=0.0, help="allowed |f_a - f_b| per output (default 0: exact equality)")
    _timeout(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_equiv)


def run_equiv(args) -> int:
    a = load_model(args)
    layer = None if args.layer is None else int(args.layer)
    b = load(args.other, layer=layer)
    _positive_timeout(args)
    domain = _one_domain(args.domain, a.n)
    res = equivalent(a, b, domain, tol=args.tol, timeout=args.timeout)
    if args.json:
        print_json({**res.as_dict(), "model": args.model, "other": args.other, "domain": args.domain})
    else:
        if res.status is Status.VERIFIED:
            print(f"EQUIVALENT: |f_a - f_b| <= {args.tol:g} on {args.domain} (proved exactly)")
        elif res.status is Status.VIOLATED:
            d = res.difference
            print(f"DIFFERENT: output {d.output} differs by {float(d.exact_difference):.6g} (exact) /"
                  f" {d.float_difference:.6g} (float64)")
            print(f"  witness: {np.array2string(d.x, precision=6, max_line_width=96, threshold=20)}")
            if d.exact_x is not None:
                print("  (the difference holds at the solver's rational point; see --json exact_witness)")
        else:
            print(f"UNKNOWN: {res.reason}")
        print(f"  {res.units_cancelled} units cancelled, {res.units_linearised} linear on the domain,"
              f" {res.units_compared} encoded; {res.stats.time_s:.3f}s")
    return exit_code(res.status)


# -- prune ----------------------------------------------------------------------------------------

def register_prune(sub) -> None:
    p = sub.add_parser("prune", help="drop units never active on the domain (proved equivalent) and write the result;"
                                     " a deep network is pruned in every hidden layer and written as .nnet")
    add_model_argument(p)
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("-o", "--output", required=True,
                   help="pruned model file: .npz, .onnx or .safetensors (by suffix); it holds the kept units and the"
                        " affine skip term of the folded ones exactly (a deep network: .nnet)")
    _timeout(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_prune)


def run_prune(args) -> int:
    from .deep_cmds import deep_prune_network, run_deep_prune

    _positive_timeout(args)
    net = deep_prune_network(args)
    if net is not None:  # a deep network: every hidden layer pruned, written as .nnet
        return run_deep_prune(args, net)
    block = load_model(args)
    out = _model_out(args.output, block)
    domain = _one_domain(args.domain, block.n)
    res = prune(block, domain, timeout=args.timeout)
    status = res.file_proof.status  # what is written is the file's block: its proof decides (and the exit code)
    if status is Status.VERIFIED:
        save_model(res.file_block, out)
    if args.json:
        print_json({**res.as_dict(), "status": status.value, "model": args.model, "domain": args.domain,
                    "output": str(out) if status is Status.VERIFIED else None})
    else:
        print(f"{block.s} units -> {len(res.kept)} kept + {len(res.folded)} folded into an affine skip term"
              f" ({len(res.dropped)} never active dropped)")
        if status is Status.VERIFIED:
            skip = res.file_block.skip
            extra = "" if skip is None else f" and an exact affine skip term (rank {skip.rank})"
            print(f"  wrote {out} with {res.file_block.s} units{extra}; equivalence on {args.domain} proved exactly")
        else:
            print(f"  NOT written: equivalence of the file's block is {status} ({res.file_proof.reason})")
        for note in res.notes:
            print(f"  note: {note}")
    return exit_code(status)


# -- sparsify -------------------------------------------------------------------------------------

def register_sparsify(sub) -> None:
    p = sub.add_parser("sparsify", help="smallest bias shift making the block provably k-sparse on the domain")
    add_model_argument(p)
    p.add_argument("-k", "--k", dest="k", type=int, required=True, help="the sparsity to reach")
    p.add_argument("--domain", required=True, help=DOMAIN_HELP)
    p.add_argument("--per-unit", action="store_true",
                   help="shift each unit by the same fraction of its headroom max z_i (default: one uniform shift)")
    p.add_argument("--rtol", type=float, default=1e-6, help="relative width of the proved bracket (default 1e-6)")
    p.add_argument("--tau", type=float, default=0.0, help="activity threshold (default 0)")
    p.add_argument("-o", "--output", default=None,
                   help="write the shifted model: .npz, .onnx or .safetensors (by suffix)")
    _timeout(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_sparsify)


def run_sparsify(args) -> int:
    block = load_model(args)
    _positive_timeout(args)
    out = None if args.output is None else _model_out(args.output, block)
    domain = _one_domain(args.domain, block.n)
    res = sparsify(block, args.k, domain, per_unit=args.per_unit, tau=args.tau, rtol=args.rtol, timeout=args.timeout)
    if out is not None and res.proof is not None:
        save_model(res.block, out)
    if args.json:
        print_json({**res.as_dict(), "model": args.model, "domain": args.domain,
                    "output": None if out is None or res.proof is None else str(out)})
    else:
        what = "fraction of headroom" if args.per_unit else "shift"
        if res.proof is None:
            print(f"UNKNOWN: {'; '.join(res.notes)}")
        else:
            print(f"{res.status.upper()}: {what} {res.shift:.9g} makes the block {args.k}-sparse on {args.domain}"
                  f" (proved bound {res.proof.upper})")
            if res.smaller_proof is not None:
                print(f"  {what} {res.smaller_shift:.9g} is not enough: {res.smaller_proof.witness.count} units"
                      " active at a witness (re-checked exactly)")
            c = res.change
            print(f"  output change on {c.points} sample points: max {c.max_abs:.4g}, mean {c.mean_abs:.4g},"
                  f" relative L2 {c.relative_l2:.4g}; mean active {c.mean_active_before:.3g} -> {c.mean_active_after:.3g}")
            if out is not None:
                print(f"  wrote {out}")
        for note in res.notes if res.proof is not None else ():
            print(f"  note: {note}")
    return exit_code(res.status)


# -- synthesize -----------------------------------------------------------------------------------

def register_synthesize(sub) -> None:
    p = sub.add_parser("synthesize", help="narrowest k-sparse relu/step network for a Boolean function, or a proof none exists")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--table", help="±1 truth table in docs/theory.md §1 order, comma separated (2^t values)")
    g.add_argument("--function", help=f"a named function NAME:T, NAME one of {', '.join(NAMED)}")
    p.add_argument("-k", "--k", dest="k", type=int, required=True, help="at most k active units at every point")
    p.add_argument("--s-max", type=int, required=True, help="largest width to try")
    p.add_argument("--weight-range", type=int, required=True, help="integer weights, biases, output weights in [-R, R]")
    p.add_argument("--activation", choices=("relu", "step"), default="relu")
    p.add_argument("-o", "--output", default=None, help="write the network found (.npz)")
    _timeout(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_synthesize)


def _parse_table(args) -> tuple[int, ...]:
    if args.function is not None:
        name, sep, t = args.function.partition(":")
        if not sep:
            raise InvalidArgument(f"--function is written NAME:T (for example and:2), got {args.function!r}")
        try:
            arity = int(t)
        except ValueError:
            raise InvalidArgument(f"--function arity {t!r} is not a whole number") from None
        return truth_table(name, arity)
    try:
        return tuple(int(v) for v in args.table.split(","))
    except ValueError:
        raise InvalidArgument(f"--table must be comma-separated -1/1 values, got {args.table!r}") from None


def run_synthesize(args) -> int:
    table = _parse_table(args)
    _positive_timeout(args)
    out = None if args.output is None else _npz_out(args.output)
    res = synthesize(table, args.k, args.s_max, weight_range=args.weight_range, activation=args.activation,
                     timeout=args.timeout)
    if out is not None and res.block is not None:
        save_npz(res.block, out)
    if args.json:
        print_json({**res.as_dict(), "output": None if out is None or res.block is None else str(out)})
    else:
        if res.outcome == "found":
            b = res.block
            print(f"FOUND: width {b.s} {args.activation} network, at most {res.max_active} active units"
                  f" (widths {list(res.widths_ruled_out) or 'none'} proved impossible)")
            for i in range(b.s):
                print(f"  unit {i}: w = {b.W1[i].astype(int).tolist()}, b = {int(b.b1[i])}, a = {int(b.W2[0, i])}")
        elif res.outcome == "none":
            print(f"NONE: {res.reason}")
        else:
            print(f"UNKNOWN: {res.reason}")
    return exit_code(res.status)  # found = VERIFIED (0), none = VIOLATED (1), unknown (3)
