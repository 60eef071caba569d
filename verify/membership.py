"""is_member: is a block in the class H(n, s, k) of docs/theory.md §0/§1, with optional norm bounds?

H(n, s, k): width-s networks f(x) = sum_i a_i sigma(w_i . x + b_i) on n inputs, sigma relu or
step, with at most k active units at every point of the domain; norm bounds |a_i| <= B_a
(``output_bound``), ||w_i||_2 <= B_w (``weight_bound``), |b_i| <= B_b (``bias_bound``).
Each condition gets its own verdict and, when broken, the witness that breaks it (a unit
index for a norm, an input for sparsity). Norms are compared exactly (squared, as Fractions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from sparsecert.sparse_models.network import output_block
from sparsecert.sparse_models import Domain, MLPBlock, Network, check_domain
from sparsecert.sparse_models.validation import as_count, as_finite_float
from sparsecert.sparse_models.errors import InvalidArgument

from .api import check_sparsity
from .results import Status, Unknown, Verified, Violated

CLASS_ACTIVATIONS = ("relu", "step")


@dataclass(frozen=True, eq=False)
class Condition:
    """One membership condition: ``status`` is a :class:`Status` (a plain string is accepted)."""

    name: str
    status: Status
    detail: str
    unit: int | None = None  # the unit that breaks a per-unit condition
    value: Any = None  # the measured quantity (exact where it is a norm)
    bound: Any = None
    sparsity: Verified | Violated | Unknown | None = None  # the full sparsity result (witness input)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def as_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "status": self.status.value, "detail": self.detail}
        if self.unit is not None:
            out["unit"] = self.unit
        if self.value is not None:
            out["value"] = self.value if isinstance(self.value, (int, str)) else float(self.value)
        if self.bound is not None:
            out["bound"] = self.bound if isinstance(self.bound, (int, str)) else float(self.bound)
        if self.sparsity is not None:
            out["sparsity"] = self.sparsity.as_dict()
        return out


@dataclass(frozen=True, eq=False)
class Membership:
    """Overall verdict, a :class:`Status`: violated if any condition is, else unknown if any is, else verified."""

    status: Status
    conditions: tuple[Condition, ...]
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def __bool__(self) -> bool:
        return self.status is Status.VERIFIED

    def condition(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status.value, "conditions": [c.as_dict() for c in self.conditions],
                "notes": list(self.notes)}


def _bound(name: str, value: Any) -> float | None:
    if value is None:
        return None
    v = as_finite_float(name, value)
    if v < 0:
        raise InvalidArgument(f"{name} must be >= 0, got {value!r}")
    return v


def _per_unit(name: str, values: list[Fraction], bound: float, squared: bool, what: str) -> Condition:
    """values[i] is |q_i| (or ||w_i||^2 when ``squared``); compare with bound exactly."""
    B = Fraction(bound)
    limit = B * B if squared else B
    worst = int(np.argmax([float(v) for v in values])) if values else 0
    for i, v in enumerate(values):  # exact maximum (float argmax only picks a candidate)
        if v > values[worst]:
            worst = i
    top = values[worst]
    shown = float(top) ** 0.5 if squared else float(top)
    if top <= limit:
        return Condition(name, "verified", f"max {what} = {shown:.6g} <= {bound:g}", None, shown, bound)
    return Condition(name, "violated", f"unit {worst} has {what} = {shown:.6g} > {bound:g}", worst, shown, bound)


def is_member(block: MLPBlock | Network, n: int, s: int, k: int, domain: Domain, *, weight_bound: float | None = None,
              bias_bound: float | None = None, output_bound: float | None = None, tau: float = 0.0,
              timeout: float | None = None) -> Membership:
    """Check every condition of H(n, s, k) (and the given norm bounds) for ``block`` on ``domain``.

    Parameters
    ----------
    block : MLPBlock or Network
        The block (a one-hidden-layer Network is its block); no skip term or output activation.
    n, s, k : int
        The class: input dimension ``n``, width at most ``s``, at most ``k`` units active at once.
    domain : Domain
        The domain of the sparsity condition (checked only when ``block.n == n``).
    weight_bound, bias_bound, output_bound : float or None, default None
        B_w >= ||w_i||_2, B_b >= |b_i|, B_a >= |a_i| (None: that condition is not checked).
    tau : float, default 0.0
        Activity threshold of the sparsity condition.
    timeout : float or None, default None
        Seconds for the sparsity proof (None: no limit).

    Returns
    -------
    Membership
        ``status`` (violated if any condition is, else unknown if any is, else verified; the
        object is truthy when verified), ``conditions`` (one :class:`Condition` each: width,
        input_dimension, activation, the norms asked for, sparsity) and ``notes``.

    Raises
    ------
    InvalidArgument
        A bad count or bound, a deep network, or a block with a skip term / output activation.
    DomainError, ShapeError
        ``domain`` is not a domain of dimension ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> from sparsecert.sparse_models import Hypercube, MLPBlock
    >>> from sparsecert.verify import is_member
    >>> block = MLPBlock(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), np.array([0.0, 0.0, -1.0]),
    ...                  np.array([[1.0, 1.0, 1.0]]))
    >>> is_member(block, 2, 3, 1, Hypercube(2), weight_bound=1.5).status.value
    'verified'
    >>> m = is_member(block, 2, 3, 1, Hypercube(2), weight_bound=1.0)  # ||w_0||_2 = sqrt(2) > 1
    >>> m.status.value, m.condition("weight_norm").unit
    ('violated', 0)
    """
    block = output_block(block, "is_member (the class H(n, s, k) of sums of units)")  # a 1-hidden-layer Network is its block
    n = as_count("n", n, low=1)
    s = as_count("s", s, low=1)
    k = as_count("k", k, low=0)
    B_w, B_b, B_a = _bound("weight_bound", weight_bound), _bound("bias_bound", bias_bound), _bound("output_bound", output_bound)
    conds: list[Condition] = []
    notes: list[str] = []
    conds.append(Condition("width", "verified" if block.s <= s else "violated",
                           f"width {block.s} {'<=' if block.s <= s else '>'} s = {s}", None, block.s, s))
    conds.append(Condition("input_dimension", "verified" if block.n == n else "violated",
                           f"input dimension {block.n} {'==' if block.n == n else '!='} n = {n}", None, block.n, n))
    act = block.activation
    ok = act.name in CLASS_ACTIVATIONS
    conds.append(Condition("activation", "verified" if ok else "violated",
                           f"activation {act.spec} {'is' if ok else 'is not'} one of the class's (relu, step)",
                           None, act.spec, "relu|step"))
    if block.W2 is not None and block.W2.shape[0] != 1:
        notes.append(f"the block has {block.W2.shape[0]} outputs; each output coordinate is checked as its own network"
                     " (|a_i| is the largest |W2[o, i]| over outputs)")
    if block.W2 is not None and np.any(block.b2 != 0):
        notes.append("the block has a nonzero output bias b2, which the class's f = sum_i a_i sigma(z_i) does not;"
                     " it is ignored by these conditions")
    if B_w is not None:
        sq = [sum((Fraction(float(v)) ** 2 for v in block.W1[i] if v), Fraction(0)) for i in range(block.s)]
        conds.append(_per_unit("weight_norm", sq, B_w, True, "||w_i||_2"))
    if B_b is not None:
        conds.append(_per_unit("bias", [abs(Fraction(float(v))) for v in block.b1], B_b, False, "|b_i|"))
    if B_a is not None:
        if block.W2 is None:
            notes.append("the block has no W2: its outputs are the hidden units themselves, so a_i = 1")
            vals = [Fraction(1)] * block.s
        else:
            vals = [max(abs(Fraction(float(v))) for v in block.W2[:, i]) for i in range(block.s)]
        conds.append(_per_unit("output_weight", vals, B_a, False, "|a_i|"))
    if block.n == n:
        check_domain(domain, block.n)
        res = check_sparsity(block, min(k, block.s), domain, tau=tau, timeout=timeout)
        if isinstance(res, Verified):
            conds.append(Condition("sparsity", "verified", f"at most {k} units active at once (proved bound"
                                   f" {res.upper})", None, res.upper, k, res))
        elif isinstance(res, Violated):
            conds.append(Condition("sparsity", "violated", f"{res.witness.count} > {k} units active at the witness input",
                                   None, res.witness.count, k, res))
        else:
            conds.append(Condition("sparsity", "unknown", f"max active proved in [{res.lower}, {res.upper}]: {res.reason}",
                                   None, None, k, res))
    else:
        conds.append(Condition("sparsity", "unknown", "not checked: the block's input dimension differs from n", None, None, k))
    return Membership(Status.combine(c.status for c in conds), tuple(conds), tuple(notes))
