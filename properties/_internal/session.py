"""Per-process state shared by the assertion helpers and the pytest plugin: counts and defaults.

The helpers count proofs, counterexamples and undecided checks here; the plugin prints
the totals at the end of a pytest session and sets the default solver timeout. Failure
files: the plugin sets the directory (``<rootdir>/.sparsecert/failures``) and the label of
the running test; the helpers record each file they write, so the plugin can delete the
ones a test's final report does not mention (Hypothesis's shrinking steps).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path


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


# -- failure files ---------------------------------------------------------------------------------

FAILURE_DIR = Path(".sparsecert") / "failures"  # relative to the pytest rootdir (outside pytest: the cwd)

_failure_dir: Path | None = None
_label: str | None = None
_written: list[Path] = []


def set_failure_dir(directory: "Path | None") -> None:
    """Where failing blocks are saved (None: ``.sparsecert/failures`` under the working directory)."""
    global _failure_dir
    _failure_dir = None if directory is None else Path(directory)


def failure_dir() -> Path:
    return _failure_dir if _failure_dir is not None else Path.cwd() / FAILURE_DIR


def set_label(label: str | None) -> None:
    """The running test's name, the start of its failure files' names (None: ``check``)."""
    global _label
    _label = label


def label() -> str:
    return _label or "check"


def record_written(path: Path) -> None:
    with _lock:
        _written.append(Path(path))


def take_written() -> list[Path]:
    """The failure files written since the last call (each once, in order)."""
    global _written
    with _lock:
        out, _written = list(dict.fromkeys(_written)), []
    return out
