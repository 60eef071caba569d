"""Live progress of one solve: the proved bounds, nodes and elapsed time on one terminal line.

A :class:`Progress` is a sink of numbers. The engine and the solvers hand it what they have
proved (:meth:`Progress.bracket` for the whole problem, :meth:`Progress.report` for the
group being solved, which the sink turns into whole-problem bounds with the bracket of the
other groups that the engine gave in :meth:`Progress.enter`); each call only writes a few
attributes, so a solver thread never waits on the terminal. The bounds kept are the largest
lower and the smallest upper bound reported: every one reported is proved (a lower bound is
an exactly counted point's count, an upper bound a safe bound of the search), so the line
only ever narrows and always holds the final answer.

A daemon thread redraws the line on the stream (stderr) every :data:`REDRAW_S` seconds,
fitted to the terminal's width, and clears it at the end; a solve that ends within
:data:`SHOW_AFTER_S` prints nothing. When the stream is not a terminal (piped, redirected,
``TERM=dumb``) no thread starts and nothing is written. The Python API is silent unless
asked (``max_active(..., progress=True)``); the CLI turns the line on for terminals.

Why not rich or tqdm: neither is a dependency of sparsecert (nor installed with it), and
what is shown is one line of text about a bracket that narrows, not a fraction of a known
total, so neither's bar fits it; the renderer is a carriage return, the line and padding
(no escape sequences), which every terminal understands.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import threading
import time
from typing import Any, TextIO

REDRAW_S = 0.2  # the line is redrawn this often
SHOW_AFTER_S = 0.5  # nothing is drawn for a solve shorter than this
REPORT_EVERY_S = 0.05  # searches hand their numbers in at most this often (a few attribute writes)

__all__ = ["Progress", "as_progress", "cli_wants", "is_terminal", "REPORT_EVERY_S"]


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal a status line may be drawn on."""
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


def _count(n: int) -> str:
    return f"{n:,}" if n < 1_000_000 else f"{n / 1e6:,.1f}M"


def _clock(s: float) -> str:
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(int(s), 60)
    return f"{m}m{s:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


class Progress:
    """One solve's live state and its optional status line on ``stream`` (default stderr).

    ``enabled``: draw the line (None: only when ``stream`` is a terminal, see :func:`is_terminal`).
    ``interval`` / ``delay``: seconds between redraws / before the first one. ``width``: the
    line's width (None: the terminal's, read at every redraw). The state (``lower``, ``upper``,
    ``nodes``, ``phase``, ``elapsed``) is kept whether or not anything is drawn.
    """

    def __init__(self, label: str = "maxact", stream: TextIO | None = None, *, enabled: bool | None = None,
                 interval: float = REDRAW_S, delay: float = SHOW_AFTER_S, width: int | None = None) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = is_terminal(self.stream) if enabled is None else bool(enabled)
        self.interval, self.delay, self.width = interval, delay, width
        self.draws = 0  # how many times the line was drawn
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._shown = 0  # length of the line on the screen (0: none)
        self._reset()

    def _reset(self) -> None:
        self.lower: int | None = None
        self.upper: int | None = None
        self.phase, self.step, self.note = "", "", ""
        self._done_nodes = self._run_nodes = 0
        self._others: tuple[int, int] = (0, 0)
        self._group: tuple[float, float] = (-math.inf, math.inf)
        self._t0 = time.monotonic()

    # -- state: called by the engine and the solvers (attribute writes only) ------------------------
    @property
    def nodes(self) -> int:
        """Branch-and-bound nodes of the finished searches and of the running one."""
        return self._done_nodes + self._run_nodes

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def bracket(self, lower: int, upper: int) -> None:
        """Proved bounds on the whole problem's maximum (the tighter of these and the ones kept)."""
        if self.lower is None or lower > self.lower:
            self.lower = int(lower)
        if self.upper is None or upper < self.upper:
            self.upper = int(upper)

    def enter(self, phase: str, others: tuple[int, int] = (0, 0), group: tuple[int, int] | None = None) -> None:
        """A solver starts on a group whose proved bracket is ``group``; ``others`` is the proved
        bracket of everything outside it (so the group's bounds become the whole problem's)."""
        self.phase, self.step = phase, ""
        self._others = (int(others[0]), int(others[1]))
        self._group = (-math.inf, math.inf) if group is None else (group[0], group[1])

    def report(self, lower: int, upper: int, nodes: int | None = None) -> None:
        """The running solver's proved bounds on its group, and the nodes its search has taken."""
        glo, gup = self._group
        lo, up = self._others
        self.bracket(lo + int(max(glo, lower)), up + int(min(gup, upper)))
        if nodes is not None:
            self._run_nodes = int(nodes)

    def searched(self, nodes: int) -> None:
        """A search ended after ``nodes`` nodes (they now count among the finished ones)."""
        self._run_nodes = 0
        self._done_nodes += int(nodes)

    # -- the line ---------------------------------------------------------------------------------
    def line(self, width: int = 80) -> str:
        """The status line, at most ``width - 1`` characters (the less important fields go first)."""
        lo, up = self.lower, self.upper
        if lo is None or up is None:
            bounds = ""
        elif lo >= up:
            bounds = f"max = {lo} (proved)"
        else:
            bounds = f"max in [{lo}, {up}]"
        phase = self.phase + (f"/{self.step}" if self.step else "")
        fields = [self.label, bounds, _clock(self.elapsed), f"nodes {_count(self.nodes)}" if self.nodes else "",
                  phase, self.note]
        out = ""
        for f in filter(None, fields):
            cand = f"{out}  {f}" if out else f
            if len(cand) > width - 1:
                break
            out = cand
        return out[: max(0, width - 1)]

    def _columns(self) -> int:
        if self.width is not None:
            return self.width
        try:
            cols = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            cols = 0
        return cols if cols > 0 else shutil.get_terminal_size().columns  # (a new pty reports 0 columns)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stop drawing
            self._stop.set()

    def draw(self) -> None:
        """Redraw the line now (the renderer thread calls this)."""
        text = self.line(self._columns())
        self.draws += 1
        self._write("\r" + text.ljust(self._shown))
        self._shown = len(text)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            if self.elapsed >= self.delay:
                self.draw()

    # -- lifetime ---------------------------------------------------------------------------------
    def start(self) -> "Progress":
        """Start a solve: the state is reset and, when enabled, the renderer starts."""
        self._reset()
        if self.enabled and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="sparsecert-progress", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the renderer and clear the line (the cursor ends where the line began)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=2.0)
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def __enter__(self) -> "Progress":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_progress(progress: "bool | Progress | None", label: str) -> Progress | None:
    """The sink for ``progress=`` of the Python API: None / False: none; True: a line on stderr
    when it is a terminal; a :class:`Progress`: that one."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return Progress(label)
    if isinstance(progress, Progress):
        return progress
    raise TypeError(f"progress must be True, False, None or a Progress, got {type(progress).__name__}")


def cli_wants(flag: bool | None, json: bool, stream: Any = None) -> bool:
    """The CLI's ``--progress`` / ``--no-progress`` (``flag``): given, it decides; not given (None),
    the line is drawn when ``stream`` (stderr) is a terminal and the output is not ``--json``."""
    if flag is not None:
        return bool(flag)
    return not json and is_terminal(sys.stderr if stream is None else stream)
