"""The deep-network path of ``sparsecert maxact`` / ``verify``: whole-network questions per layer.

Taken when ``--layer all`` is given, when the domain only makes sense for a whole network
(``vnnlib:FILE``, ``vnnlib-raw:FILE``, ``nnet-box``), or with ``--whole-network``. The
single-block path (``--layer L`` with a domain over that layer's own inputs) is unchanged.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.errors import DomainError, InvalidArgument, SparsecertError
from sparsecert.sparse_models.network import Network

from ..deep.api import check_sparsity, max_active
from ..deep.domain import nnet_box
from ..deep.vnnlib import read_vnnlib
from ..progress import Progress, cli_wants
from ..results import Status, Unknown, Verified, Violated
from .common import load_network_model, parse_domains

DEEP_DOMAIN_HELP = "vnnlib:FILE | vnnlib-raw:FILE | nnet-box (whole network; also box:LO:HI with --whole-network)"


def wants_deep(args) -> bool:
    """True when the command asks about a whole deep network rather than one block."""
    spec = getattr(args, "domain", "") or ""
    return (str(getattr(args, "layer", None)) == "all" or getattr(args, "whole_network", False)
            or spec.startswith(("vnnlib:", "vnnlib-raw:")) or spec == "nnet-box")


def load_deep(args) -> Network:
    return load_network_model(args)


def deep_domain(spec: str, network: Network) -> Any:
    """An input box for the whole network from a --domain string."""
    kind, _, rest = spec.partition(":")
    if kind in ("vnnlib", "vnnlib-raw"):
        if not rest:
            raise DomainError(f"write the VNN-LIB domain as {kind}:FILE, got {spec!r}")
        # VNN-COMP writes ACAS Xu properties over the normalised inputs the ONNX networks take;
        # a network that carries a .nnet header therefore reads vnnlib: boxes in normalised space
        space = "normalized" if kind == "vnnlib" and network.normalization is not None else "raw"
        return read_vnnlib(Path(rest), network.n, space=space)
    if kind == "nnet-box" and not rest:
        return nnet_box(network)
    if kind == "box":
        parts = rest.split(":")
        if len(parts) != 2:
            raise DomainError(f"box domain is written box:LO:HI, got {spec!r}")
        try:
            lo, hi = float(parts[0]), float(parts[1])
        except ValueError:
            raise DomainError(f"box bounds must be numbers, got {spec!r}") from None
        return Box.uniform(network.n, lo, hi)
    if kind == "box-file":
        return parse_domains(spec, network.n)[0]
    raise DomainError(f"domain {spec!r} is not an input box for a whole network; use {DEEP_DOMAIN_HELP}")


def _layers(args, network: Network) -> list[int]:
    layer = getattr(args, "layer", None)
    if layer is None or str(layer) == "all":
        return list(range(network.hidden_layers))
    try:
        L = int(layer)
    except ValueError:
        raise InvalidArgument(f"--layer must be a whole number or 'all', got {layer!r}") from None
    if not 0 <= L < network.hidden_layers:
        raise InvalidArgument(f"--layer {L} is out of range: the network has hidden layers 0..{network.hidden_layers - 1}")
    return [L]


def _layer_line(args) -> Progress | None:
    """The live line of a deep run: one entry per layer (the layer being solved, the layers done)."""
    if not cli_wants(getattr(args, "progress", None), getattr(args, "json", False)):
        return None
    return Progress(f"{getattr(args, 'command', None) or 'sparsecert'} (deep)", sys.stderr, enabled=True)


def _at_layer(line: Progress | None, L: int, i: int, n: int, done: list[str]) -> None:
    if line is not None:
        line.phase = f"layer {L} ({i + 1} of {n})"
        line.note = f"done: {', '.join(done[-4:])}" if done else ""


def _entry(L: int, width: int, result) -> dict:
    return {"layer": L, "width": width, **result.as_dict()}


def run_deep_maxact(args) -> tuple[dict, bool, str]:
    """(JSON summary, all optimal, text report)."""
    net = load_deep(args)
    dom = deep_domain(args.domain, net)
    entries, lines, optimal = [], [], True
    lines.append(f"{args.model}: {net.hidden_layers} hidden layers {list(net.widths)}, domain {args.domain},"
                 f" tau={args.tau:g}, timeout {args.timeout or 'none'} s per layer")
    lines.append(f"{'layer':>5} {'width':>5} {'max active':>12} {'proved':>6} {'on/off/unstable':>16} {'time s':>8}")
    layers, done, live = _layers(args, net), [], _layer_line(args)
    with live or nullcontext():
        for i, L in enumerate(layers):
            _at_layer(live, L, i, len(layers), done)
            r = max_active(net, L, dom, tau=args.tau, timeout=args.timeout, jobs=args.jobs)
            optimal &= r.optimal
            entries.append(_entry(L, net.widths[L], r))
            val = f"{r.lower}" if r.optimal else f"[{r.lower}, {r.upper}]"
            done.append(f"layer {L} {val}")
            st = r.stats
            lines.append(f"{L:>5} {net.widths[L]:>5} {val:>12} {'yes' if r.optimal else 'no':>6}"
                         f" {f'{st.units_fixed_on}/{st.units_fixed_off}/{st.units_undecided}':>16} {st.time_s:>8.2f}")
    out = {"model": args.model, "domain": args.domain, "tau": args.tau, "optimal": optimal, "layers": entries}
    return out, optimal, "\n".join(lines)


def run_deep_verify(args) -> tuple[dict, Status, str]:
    """(JSON summary, the combined Status of the layers, text report)."""
    net = load_deep(args)
    dom = deep_domain(args.domain, net)
    entries, lines, statuses = [], [], []
    layers, done, live = _layers(args, net), [], _layer_line(args)
    with live or nullcontext():
        for i, L in enumerate(layers):
            _at_layer(live, L, i, len(layers), done)
            r = check_sparsity(net, L, args.k, dom, tau=args.tau, timeout=args.timeout, jobs=args.jobs)
            done.append(f"layer {L} {r.status.value}")
            statuses.append(r.status)
            _verify_lines(args, L, net.widths[L], r, entries, lines)
    status = Status.combine(statuses)
    out = {"model": args.model, "domain": args.domain, "tau": args.tau, "k": args.k, "status": status.value,
           "layers": entries}
    return out, status, "\n".join(lines)


def _verify_lines(args, L: int, width: int, r, entries: list, lines: list) -> None:
    """One layer's JSON entry and text lines of ``verify`` on a deep network."""
    entries.append(_entry(L, width, r))
    if isinstance(r, Violated):
        w = r.witness
        lines.append(f"layer {L}: VIOLATED: {w.count} > {args.k} units active at"
                     f" {np.array2string(w.x, precision=6, max_line_width=96)}"
                     f" (float64 re-check: {w.float_count})")
        if w.exact_x is not None:
            lines.append(f"  exactly at [{', '.join(str(v) for v in w.exact_x)}] (the float64 point above"
                         " only approximates it: it lies outside the domain or activates fewer units)")
    elif isinstance(r, Unknown):
        lines.append(f"layer {L}: UNKNOWN: max active proved in [{r.lower}, {r.upper}] ({r.reason})")
    elif isinstance(r, Verified):
        lines.append(f"layer {L}: VERIFIED: at most {args.k} of {width} units active"
                     f" (proved bound {r.upper})")


def deep_prune_network(args) -> Network | None:
    """The model as a whole network when it has more than one hidden layer (then ``sparsecert prune``
    prunes every layer), else None (the single-block path)."""
    if getattr(args, "layer", None) is not None:
        return None
    try:
        net = load_network_model(args)
    except SparsecertError:  # not a network file the deep path reads: the block path reports it
        return None
    return net if net.hidden_layers > 1 else None


def run_deep_prune(args, net: Network) -> int:
    """``sparsecert prune`` on a deep ReLU network: every hidden unit proved never active on the input
    box removed, the smaller network written as ``.nnet`` (read back and compared before reporting)."""
    from sparsecert.sparse_models.io.nnet import load_nnet_network, save_nnet

    from ..deep.prune import prune_network
    from .common import print_json
    from .exit_codes import exit_code

    out = Path(args.output)
    if out.suffix.lower() != ".nnet":
        raise InvalidArgument(f"a pruned deep network is written as .nnet; got {args.output!r}")
    if not out.parent.exists():
        raise InvalidArgument(f"the directory of the output file {args.output!r} does not exist")
    dom = deep_domain(args.domain, net)
    res = prune_network(net, dom, timeout=args.timeout)
    save_nnet(res.network, out)
    back = load_nnet_network(out)
    if any(not (np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)) for a, b in zip(back.layers, res.network.layers)):
        raise InvalidArgument(f"{out}: the written file does not read back to the pruned weights")  # never expected
    if args.json:
        print_json({**res.as_dict(), "model": args.model, "domain": args.domain, "output": str(out)})
    else:
        print(f"{res.units_before} hidden units -> {res.units_before - res.units_removed} kept"
              f" ({res.units_removed} never active removed, {100 * res.share_removed:.1f}%); widths"
              f" {list(net.widths)} -> {list(res.network.widths)}")
        print(f"  wrote {out}; equal to the original on {args.domain}: every removed unit's pre-activation is"
              f" proved <= 0 there ({res.bounds})")
        always = sum(len(a) for a in res.always_active)
        if always:
            print(f"  {always} kept units are always active on the domain (affine there; kept: folding them needs"
                  " skip connections)")
        for note in res.notes:
            print(f"  note: {note}")
    return exit_code(res.status)
