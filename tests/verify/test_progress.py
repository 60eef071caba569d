"""Live progress inside one solve (issue 17 item 9): proved bounds, nodes and time on one
terminal line, updated a few times a second, width-aware, cleared at the end; silent when
the stream is not a terminal, and by default in the Python API."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sparsecert.sparse_models import Box, Hypercube, random_block, save_npz
from sparsecert.verify.api import check_sparsity, max_active
from sparsecert.verify.budget import Budget
from sparsecert.verify.progress import Progress, as_progress, cli_wants, is_terminal

BRACKET = re.compile(r"max (?:in \[(\d+), (\d+)\]|= (\d+))")
PTY_CAPTURE = Path("/tmp/h8_pty.txt")  # the lead's closing note quotes the line captured under a pty


class FakeTTY(io.StringIO):
    """A terminal as far as the renderer can tell: isatty() is True, the text lands in a StringIO."""

    def isatty(self) -> bool:
        return True


def _frames(text: str) -> list[str]:
    """The lines drawn: each redraw starts with a carriage return."""
    return [f.rstrip() for f in text.split("\r")]


def _brackets(text: str) -> list[tuple[int, int]]:
    out = []
    for f in _frames(text):
        m = BRACKET.search(f)
        if m:
            lo, up, eq = m.groups()
            out.append((int(eq), int(eq)) if eq else (int(lo), int(up)))
    return out


def _live(width: int = 120) -> tuple[Progress, FakeTTY]:
    tty = FakeTTY()
    return Progress("maxact", tty, interval=0.05, delay=0.0, width=width), tty


class DrawOnEveryUpdate(Progress):
    """A line redrawn at every proved update instead of on the renderer's clock (whose thread is
    parked by an hour-long interval): the frames are then exactly the updates the solvers made, so
    what the test sees does not depend on how the renderer thread was scheduled."""

    def bracket(self, lower: int, upper: int) -> None:
        super().bracket(lower, upper)
        self.draw()


def _check_frames(text: str, res, at_least: int) -> list[tuple[int, int]]:
    got = _brackets(text)
    assert len(got) >= at_least, _frames(text)
    lows, ups = [lo for lo, _ in got], [up for _, up in got]
    assert lows == sorted(lows), lows  # the proved lower bound only rises ...
    assert ups == sorted(ups, reverse=True), ups  # ... and the upper one only falls
    # every line holds the final answer: lower <= final lower <= max <= final upper <= upper
    assert all(lo <= res.lower and up >= res.upper and lo <= up for lo, up in got), (got, res)
    assert text.endswith("\r") and _frames(text)[-2] == "", repr(text[-200:])  # the line is cleared at the end
    return got


@pytest.mark.parametrize("case", ["lp-box-optimal", "lp-cube-timeout", "compiled-cube-timeout"])
def test_live_line_narrows_and_holds_the_answer(case):
    if case == "lp-box-optimal":
        block, dom, kw = random_block(38, 40, seed=3, fire_rate=0.3), Box.uniform(38, -1, 1), {"timeout": 20}
    elif case == "lp-cube-timeout":
        block, dom, kw = random_block(40, 48, seed=1, fire_rate=0.3), Hypercube(40, (-1, 1)), {"timeout": 1.2}
    else:
        pytest.importorskip("numba")
        block, dom, kw = random_block(30, 40, seed=1, fire_rate=0.3), Hypercube(30, (-1, 1)), {"timeout": 0.8}
    tty = FakeTTY()
    prog = DrawOnEveryUpdate("maxact", tty, interval=3600.0, delay=0.0, width=120)
    res = max_active(block, dom, progress=prog, **kw)
    # a search reports at most every REPORT_EVERY_S (50 ms): a solve that ran its whole timeout
    # (0.8 s or more) reported many times; the box is proved in ~0.1 s on a fast machine, after
    # the engine's opening bracket and one or two reports
    got = _check_frames(tty.getvalue(), res, at_least=1 if case == "lp-box-optimal" else 3)
    if res.optimal:
        assert got[-1][0] <= res.lower == res.upper <= got[-1][1]
    text = tty.getvalue()
    assert re.search(r"\d\.\ds", text)  # the elapsed time is shown ...
    assert prog.nodes > 0 and ("nodes " in text or case == "lp-box-optimal")  # ... and the nodes searched
    assert all(len(f) <= 119 for f in _frames(text))


def test_check_sparsity_has_the_line_too():
    """A check that runs for its whole second (the cube's max lies in about [35, 45], k = 40):
    the line is drawn, and every bracket on it holds what the check proved. (A trivial check,
    k = s, ends in milliseconds, before the first redraw: whether it drew was up to the clock.)"""
    prog, tty = _live()
    res = check_sparsity(random_block(40, 48, seed=1, fire_rate=0.3), 40, Hypercube(40), timeout=1, progress=prog)
    got = _brackets(tty.getvalue())
    assert got, _frames(tty.getvalue())
    lows = [lo for lo, _ in got]
    assert lows == sorted(lows) and all(lo <= up for lo, up in got)
    if res.status.value == "unknown":
        assert all(lo <= res.lower and up >= res.upper for lo, up in got), (got, res)
    elif res.status.value == "verified":
        assert all(up >= res.upper for _, up in got), (got, res)
    else:
        assert all(lo <= res.lower for lo in lows), (got, res)


def test_not_a_terminal_writes_nothing(capsys):
    piped = io.StringIO()  # isatty() False
    prog = Progress("maxact", piped, interval=0.01, delay=0.0)
    assert not prog.enabled
    res = max_active(random_block(38, 40, seed=3, fire_rate=0.3), Box.uniform(38, -1, 1), timeout=20, progress=prog)
    assert piped.getvalue() == "" and prog.draws == 0
    assert prog.lower is not None and prog.lower <= res.lower and prog.upper >= res.upper  # the state is kept
    # the Python API is silent by default, and progress=True draws only on a terminal (pytest's stderr is not)
    max_active(random_block(12, 24, seed=1), Box.uniform(12, -1, 1))
    max_active(random_block(12, 24, seed=1), Box.uniform(12, -1, 1), progress=True)
    assert capsys.readouterr().err == ""


def test_short_solve_draws_nothing():
    tty = FakeTTY()
    prog = Progress("maxact", tty)  # the default delay: a solve shorter than it leaves no trace
    max_active(random_block(12, 24, seed=1), Box.uniform(12, -1, 1), progress=prog)
    assert tty.getvalue() == ""


def test_line_fits_the_width_and_drops_the_least_important_fields():
    p = Progress("maxact", io.StringIO())
    p.start()
    p.bracket(12, 40)
    p.enter("lp-branch-and-bound", others=(3, 5), group=(9, 35))
    p.step = "milp"
    p.report(10, 30, 1234)
    assert (p.lower, p.upper, p.nodes) == (13, 35, 1234)  # group bounds + the others' bracket
    p.report(8, 33)  # weaker bounds never widen the line
    assert (p.lower, p.upper) == (13, 35)
    p.searched(1234)
    p.report(10, 30, 10)
    assert p.nodes == 1244
    wide = p.line(200)
    assert "max in [13, 35]" in wide and "nodes 1,244" in wide and "lp-branch-and-bound/milp" in wide
    for width in (80, 40, 30, 20, 8):
        line = p.line(width)
        assert len(line) <= width - 1
    assert p.line(30).startswith("maxact  max in [13, 35]")
    p.bracket(20, 20)
    assert "max = 20 (proved)" in p.line(80)
    p.close()


def test_terminal_detection(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    assert is_terminal(FakeTTY()) and not is_terminal(io.StringIO()) and not is_terminal(object())
    monkeypatch.setenv("TERM", "dumb")
    assert not is_terminal(FakeTTY())
    assert cli_wants(True, True, io.StringIO()) and not cli_wants(False, False, FakeTTY())
    monkeypatch.setenv("TERM", "xterm")
    assert cli_wants(None, False, FakeTTY()) and not cli_wants(None, True, FakeTTY())
    assert not cli_wants(None, False, io.StringIO())
    assert as_progress(False, "x") is None and as_progress(None, "x") is None
    assert isinstance(as_progress(True, "x"), Progress)
    with pytest.raises(TypeError):
        as_progress("yes", "x")


def test_budget_shares_find_the_sink():
    root = Budget.start(10.0)
    assert root.share(0.5).progress is None
    sink = Progress("maxact", io.StringIO())
    root.progress = sink
    assert root.share(0.5).share(0.5, nodes=0.5).progress is sink


# -- the CLI under a pseudo-terminal -----------------------------------------------------------------
HARD = ("--domain", "hypercube", "--timeout", "2")


@pytest.fixture(scope="module")
def hard_model(tmp_path_factory):
    return save_npz(random_block(40, 48, seed=1, fire_rate=0.3), tmp_path_factory.mktemp("progress") / "hard.npz")


def _exe() -> str:
    return str(Path(sys.executable).parent / "sparsecert")


def _env() -> dict:
    return {**os.environ, "TERM": "xterm", "COLUMNS": "100"}


def test_cli_on_a_pseudo_terminal_shows_the_line(hard_model):
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: every writer closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = subprocess.run([_exe(), "maxact", str(hard_model), *HARD], stdout=subprocess.PIPE, stderr=slave,
                          env=_env(), timeout=120)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    captured = b"".join(chunks)
    PTY_CAPTURE.write_bytes(captured)
    text = captured.decode()
    assert proc.returncode in (0, 3), text
    got = _brackets(text)
    assert len(got) >= 5, text  # a few redraws a second
    lows, ups = [lo for lo, _ in got], [up for _, up in got]
    assert lows == sorted(lows) and ups == sorted(ups, reverse=True)
    out = proc.stdout.decode()
    final = re.search(r"max active (?:= (\d+)|in \[(\d+), (\d+)\])", out)
    assert final, out
    lo_f, up_f = (int(final[1]),) * 2 if final[1] else (int(final[2]), int(final[3]))
    assert all(lo <= lo_f and up >= up_f for lo, up in got)
    assert "nodes " in text and all(len(f) <= 99 for f in _frames(text))
    assert _frames(text)[-2:] == ["", ""]  # cleared: the last draw is blanks, the cursor back at the start


def test_cli_piped_shows_none(hard_model, cli):
    """The same command with stderr not a terminal (in-process, stderr is a StringIO, as when piped):
    nothing on stderr; --no-progress and --json keep it so; --progress draws the line all the same,
    and stdout stays the plain report (or one JSON object)."""
    res = cli("maxact", hard_model, *HARD)
    assert res.code in (0, 3) and res.err == "" and "max active" in res.out
    res = cli("maxact", hard_model, *HARD[:2], "--timeout", "0.3", "--json", "--no-progress")
    assert res.code in (0, 3) and "\r" not in res.err and "lower" in json.loads(res.out)
    res = cli("maxact", hard_model, *HARD[:2], "--timeout", "1", "--progress")
    assert res.code in (0, 3) and _brackets(res.err) and "\r" not in res.out and "max active" in res.out


def test_deep_cli_has_a_per_layer_line(tmp_path, cli, monkeypatch):
    """Deep networks: the line names the layer being solved and the layers done (--progress forces it here)."""
    from functools import partial

    from sparsecert.verify.cli import deep_cmds

    from .deep.nets import random_network
    from .deep.test_deep_cli import _write_nnet

    net = random_network(212, max_width=5, depth=(2, 2), max_inputs=2)
    path = tmp_path / "deep.nnet"
    _write_nnet(path, net, [-2.0] * net.n, [2.0] * net.n, [0.0] * net.n, [2.0] * net.n)
    monkeypatch.setattr(deep_cmds, "Progress", partial(Progress, interval=0.01, delay=0.0))
    real = deep_cmds.max_active

    def slow(*a, **kw):  # each layer takes long enough to be drawn
        time.sleep(0.15)
        return real(*a, **kw)

    monkeypatch.setattr(deep_cmds, "max_active", slow)
    res = cli("maxact", path, "--layer", "all", "--domain", "nnet-box", "--progress")
    assert res.code == 0, res.err
    frames = [f for f in _frames(res.err) if f]
    assert any("layer 0 (1 of 2)" in f for f in frames) and any("layer 1 (2 of 2)" in f for f in frames), frames
    assert any("done: layer 0 " in f for f in frames), frames
    assert _frames(res.err)[-2:] == ["", ""] and "\r" not in res.out
