"""The ``sparsecert`` command: subcommands are plugins on the ``sparsecert.commands`` entry point.

Exit status, for every subcommand: 0 verified / optimum proved, 1 violated, 2 bad
input (one line on stderr, never a traceback), 3 unknown or timeout.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from typing import Callable, Sequence

from sparse_models.errors import SparsecertError

EXIT_VERIFIED, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (argparse's own usage errors also use 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"sparsecert {self.prog.split(' ', 1)[-1]}: error: {message}\n"
                  if " " in self.prog else f"sparsecert: error: {message}\n")


def _commands() -> dict[str, Callable]:
    found = {}
    for ep in entry_points(group="sparsecert.commands"):
        found[ep.name] = ep
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sparsecert", description="Prove, measure and test activation sparsity of MLP blocks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, ep in sorted(_commands().items()):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args))
    except SparsecertError as exc:
        print(f"sparsecert {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"sparsecert {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
