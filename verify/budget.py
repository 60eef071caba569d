"""One object for a solve's resources: a wall-clock deadline and a node allowance.

Every stage receives a :class:`Budget` (CrossHair style: one options object that hands
shares to sub-stages) instead of loose ``deadline`` / ``timeout_s`` / ``budget_s`` numbers.
A share is a child budget: it ends no later than its parent, and the nodes it spends are
charged to the parent as well, so a node limit holds across every stage of a solve.
Running out is signalled by one control-flow exception, :class:`OutOfBudget`.

Deadlines are absolute ``time.monotonic()`` values; ``None`` means unlimited.

The root budget may carry a live-progress sink (:class:`~sparsecert.verify.progress.Progress`);
``budget.progress`` finds it from any share, so a solver reports its proved bounds without
a parameter of its own.
"""

from __future__ import annotations

import time

COMPILED_NODES_PER_NODE = 1000  # node limits count LP nodes; this many compiled cube nodes count as one


class OutOfBudget(Exception):
    """The budget ran out (time or nodes): the stage stops with the bounds proved so far."""

    def __init__(self, reason: str = "timeout") -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """Time and branch-and-bound nodes left for one solve (or one share of it).

    ``deadline``: absolute ``time.monotonic()`` value, None for no time limit.
    ``node_limit``: at most this many branch-and-bound nodes (an LP node counts 1,
    :data:`COMPILED_NODES_PER_NODE` compiled cube nodes count 1), None for no limit.
    """

    __slots__ = ("deadline", "node_limit", "nodes_used", "_parent", "_progress")

    def __init__(self, deadline: float | None = None, node_limit: int | None = None,
                 _parent: "Budget | None" = None) -> None:
        self.deadline = deadline
        self.node_limit = node_limit
        self.nodes_used = 0
        self._parent = _parent
        self._progress = None

    @property
    def progress(self):
        """The solve's live-progress sink (set on the root budget, found from every share), or None."""
        b: Budget | None = self
        while b is not None:
            if b._progress is not None:
                return b._progress
            b = b._parent
        return None

    @progress.setter
    def progress(self, sink) -> None:
        self._progress = sink

    @classmethod
    def start(cls, timeout: float | None = None, node_limit: int | None = None) -> "Budget":
        """A budget of ``timeout`` seconds from now and ``node_limit`` nodes."""
        return cls(None if timeout is None else time.monotonic() + timeout, node_limit)

    @classmethod
    def unlimited(cls) -> "Budget":
        return cls()

    # -- time ---------------------------------------------------------------------------
    def remaining(self) -> float | None:
        """Seconds left (may be negative), None without a deadline."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def seconds(self, fraction: float = 1.0, cap: float | None = None) -> float | None:
        """``fraction`` of the time left, at most ``cap`` seconds (never negative).

        Without a deadline: ``cap`` (None when no cap either)."""
        rem = self.remaining()
        if rem is None:
            return cap
        share = max(0.0, rem * fraction)
        return share if cap is None else min(cap, share)

    def time_expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def extend(self, seconds: float) -> None:
        """Move the deadline (and the parents') by ``seconds``: work that must not count
        against the caller's timeout, such as compiling the numba kernels once per process."""
        b: Budget | None = self
        while b is not None:
            if b.deadline is not None:
                b.deadline += seconds
            b = b._parent

    # -- nodes --------------------------------------------------------------------------
    def nodes_left(self, fraction: float = 1.0) -> int | None:
        """Nodes left (``fraction`` of them), None without a node limit."""
        if self.node_limit is None:
            return None
        left = max(0, self.node_limit - self.nodes_used)
        return left if fraction >= 1.0 else int(left * fraction)

    def charge(self, nodes: int) -> None:
        """Count ``nodes`` spent here and in every parent budget."""
        b: Budget | None = self
        while b is not None:
            b.nodes_used += nodes
            b = b._parent

    def charge_compiled(self, nodes: int) -> None:
        """Charge compiled cube nodes, rounded up to LP-node units."""
        self.charge(-(-nodes // COMPILED_NODES_PER_NODE))

    def nodes_expired(self) -> bool:
        b: Budget | None = self
        while b is not None:
            if b.node_limit is not None and b.nodes_used >= b.node_limit:
                return True
            b = b._parent
        return False

    # -- both ---------------------------------------------------------------------------
    def expired(self) -> bool:
        return self.time_expired() or self.nodes_expired()

    @property
    def deterministic(self) -> bool:
        """A node limit and no deadline: every stage does a fixed amount of work, so two
        runs give the same answer on any machine."""
        return self.node_limit is not None and self.deadline is None

    def reason(self) -> str:
        """Why a stopped solve stopped: "node limit" or "timeout"."""
        return "node limit" if self.nodes_expired() else "timeout"

    def check(self) -> None:
        """Raise :class:`OutOfBudget` when time or nodes are spent."""
        if self.expired():
            raise OutOfBudget(self.reason())

    def share(self, fraction: float = 1.0, cap: float | None = None, nodes: float = 1.0) -> "Budget":
        """A child budget: ``fraction`` of the time left (at most ``cap`` seconds) and
        ``nodes`` (a fraction) of the nodes left; its spending is charged here too."""
        sec = self.seconds(fraction, cap)
        deadline = None if sec is None else time.monotonic() + sec
        return Budget(deadline, self.nodes_left(nodes), _parent=self)

    def __repr__(self) -> str:
        rem = self.remaining()
        t = "no deadline" if rem is None else f"{rem:.3f} s left"
        n = "" if self.node_limit is None else f", {self.nodes_used}/{self.node_limit} nodes"
        return f"Budget({t}{n})"
