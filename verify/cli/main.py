"""The ``sparsecert`` command: subcommands are plugins on the ``sparsecert.commands`` entry point.

Exit status, for every subcommand (the table is ``exit_codes.py``): 0 verified / optimum
proved, 1 violated, 2 bad input (one line on stderr, never a traceback), 3 unknown or
timeout, 4 internal error (a bug in sparsecert or a solver: one line; the traceback with
``--debug`` or SPARSECERT_DEBUG=1), 130 interrupted (Ctrl-C; the bounds proved so far are
printed first). 1 means only a violation confirmed by a re-checked witness.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib.metadata import entry_points
from typing import Callable, Sequence

from sparsecert.sparse_models.errors import SolverError, SoundnessError, SparsecertError

from ..results import Interrupted
from .exit_codes import (  # noqa: F401 - re-exported: the EXIT_* names were defined here first
    EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNKNOWN, EXIT_VERIFIED, EXIT_VIOLATED,
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (argparse's own usage errors also use 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"sparsecert {self.prog.split(' ', 1)[-1]}: error: {message}\n"
                  if " " in self.prog else f"sparsecert: error: {message}\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("sparsecert")
    except PackageNotFoundError:  # pragma: no cover - a tree that was never installed
        return "0+unknown"


def _commands() -> dict[str, Callable]:
    found = {}
    for ep in entry_points(group="sparsecert.commands"):
        found[ep.name] = ep
    return found


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not a global flag), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI parser. With ``only`` (a known subcommand) just that subcommand's module is
    loaded: each command's module imports what it needs, and a run should not import them all."""
    parser = _Parser(prog="sparsecert", description="Prove, measure and test activation sparsity of MLP blocks.",
                     epilog="exit status: 0 verified / optimum proved, 1 violated (confirmed witness), 2 bad input,"
                            " 3 unknown or timeout, 4 internal error, 130 interrupted")
    parser.add_argument("--version", action="version", version=f"sparsecert {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an internal error (also SPARSECERT_DEBUG=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands = _commands()
    for name, ep in sorted(commands.items()):
        if only is None or only not in commands or name == only:
            ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--version"]:  # without building any subcommand
        print(f"sparsecert {_version()}")
        return EXIT_OK
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except (SoundnessError, SolverError) as exc:  # ours, but not the user's fault: internal
        return _internal(args, exc)
    except SparsecertError as exc:
        print(f"sparsecert {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        _json_error(args, "bad input", exc, EXIT_BAD_INPUT)
        return EXIT_BAD_INPUT
    except Interrupted as exc:
        _report_interrupted(args, exc.partial)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"sparsecert {args.command}: interrupted (no proved bounds to report)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - any other exception is a bug: never exit 0, 1 or 3 on it
        return _internal(args, exc)


def _internal(args, exc: BaseException) -> int:
    if getattr(args, "debug", False) or os.environ.get("SPARSECERT_DEBUG"):
        traceback.print_exc()
    print(f"sparsecert {args.command}: internal error: {type(exc).__name__}: {_one_line(exc)}"
          " (a bug in sparsecert: please report it; --debug shows the traceback)", file=sys.stderr)
    _json_error(args, "internal error", exc, EXIT_INTERNAL)
    return EXIT_INTERNAL


def _json_error(args, kind: str, exc: BaseException, code: int) -> None:
    """With --json, the error is also a JSON object on stdout, so scripts parse every outcome."""
    if getattr(args, "json", False):
        import json
        json.dump({"error": kind, "message": _one_line(exc), "exception": type(exc).__name__, "exit_code": code},
                  sys.stdout)
        sys.stdout.write("\n")


def _report_interrupted(args, partial) -> None:
    """Ctrl-C: the bracket proved so far, as a line on stderr and (``--json``) an object on stdout."""
    out = partial.as_dict()
    if "layers" in out:  # a deep network's table: the layers done, the interrupted one last
        done = ", ".join(f"layer {e['layer']} [{e['lower']}, {e['upper']}]" for e in out["layers"])
        print(f"sparsecert {args.command}: interrupted; proved so far: {done}", file=sys.stderr)
    else:
        print(f"sparsecert {args.command}: interrupted; proved so far: max active in [{out.get('lower')},"
              f" {out.get('upper')}]", file=sys.stderr)
    if getattr(args, "json", False):
        from .common import print_json
        print_json({**out, "interrupted": True})


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
