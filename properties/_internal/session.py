"""Per-process state shared by the assertion helpers and the pytest plugin: counts and defaults.

The helpers count proofs, counterexamples and undecided checks here; the plugin prints
the totals at the end of a pytest session and sets the default solver timeout.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    """Totals since the last :func:`reset`."""

    proofs: int = 0
    counterexamples: int = 0
    undecided: int = 0
    learning_checks: int = 0
    learning_failures: int = 0


_lock = threading.Lock()
_tally = Tally()
_default_timeout: float | None = None


def record(**increments: int) -> None:
    global _tally
    with _lock:
        values = dict(_tally.__dict__)
        for key, inc in increments.items():
            values[key] += inc
        _tally = Tally(**values)


def tally() -> Tally:
    return _tally


def reset() -> None:
    global _tally
    with _lock:
        _tally = Tally()


def set_default_timeout(seconds: float | None) -> None:
    """The timeout used by assert_k_sparse / assert_equivalent when they get timeout=None."""
    global _default_timeout
    _default_timeout = seconds


def default_timeout() -> float | None:
    return _default_timeout
