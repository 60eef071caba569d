"""The ``sparsecert`` exit status, for every subcommand: the one table from a result's status to a code.

======  =====================================================================================
code    meaning
======  =====================================================================================
0       VERIFIED: proved (maxact: the optimum is proved; synthesize: a network was found);
        also the success of commands that prove nothing (info, bounds, profile)
1       VIOLATED: refuted by a re-checked witness (synthesize: proved that no network exists;
        profile: an inequality of docs/theory.md fails on the block)
2       bad input: one line on stderr, never a traceback (argparse usage errors too)
3       UNKNOWN: undecided (timeout, node limit); the proved bounds are printed
4       internal error: a bug in sparsecert or a solver (traceback with ``--debug``)
130     interrupted (Ctrl-C, 128 + SIGINT); the bounds proved so far are printed first
======  =====================================================================================

Scripts depend on these numbers: they never change. A command returns
``exit_code(result.status)``; the error and interrupt codes are returned by ``main``.
"""

from __future__ import annotations

from ..results import Status

EXIT_VERIFIED = 0
EXIT_VIOLATED = 1
EXIT_BAD_INPUT = 2
EXIT_UNKNOWN = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_OK = EXIT_VERIFIED  # a command that answers no yes/no question and succeeded

EXIT_FOR_STATUS: dict[Status, int] = {
    Status.VERIFIED: EXIT_VERIFIED,
    Status.VIOLATED: EXIT_VIOLATED,
    Status.UNKNOWN: EXIT_UNKNOWN,
}


def exit_code(status: "Status | str") -> int:
    """The exit code of an answer with this status (a Status or its string value)."""
    return EXIT_FOR_STATUS[Status(status)]
