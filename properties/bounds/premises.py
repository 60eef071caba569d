"""Premises of a bound: conditions on the parameter values that the theorem needs.

A premise is either a sympy relational in the registry's symbols (for example
``m >= n + 1``) or a Python callable on the exact values. Checked premises are enforced
at evaluation; assumptions that no parameter value can express (the class is fixed before
sampling, the labels are noiseless) are listed as stated premises and printed with the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Union

import sympy as sp

from sparsecert.sparse_models.errors import InvalidArgument

Condition = Union[sp.Basic, Callable[[Mapping[sp.Symbol, sp.Rational]], bool]]


@dataclass(frozen=True)
class Premise:
    """A named condition with the reason it is needed."""

    name: str
    condition: Condition
    message: str

    @property
    def symbols(self) -> frozenset[sp.Symbol]:
        if isinstance(self.condition, sp.Basic):
            return frozenset(self.condition.free_symbols)
        return frozenset(getattr(self.condition, "symbols", ()))

    def holds(self, values: Mapping[sp.Symbol, sp.Rational]) -> bool:
        """True when the premise holds at ``values`` (which must cover its symbols)."""
        if isinstance(self.condition, sp.Basic):
            verdict = self.condition.xreplace(dict(values))
            if verdict in (sp.true, sp.false):
                return bool(verdict)
            raise InvalidArgument(f"premise {self.name!r} could not be decided at the given values ({verdict})")
        return bool(self.condition(values))

    def text(self) -> str:
        return f"{self.name}: {self.message}"


def premise_fn(symbols: tuple[sp.Symbol, ...], fn: Callable[..., bool]) -> Callable[[Mapping[sp.Symbol, sp.Rational]], bool]:
    """Wrap ``fn(*values)`` as a premise condition that declares which symbols it reads."""

    def condition(values: Mapping[sp.Symbol, sp.Rational]) -> bool:
        return bool(fn(*(values[x] for x in symbols)))

    condition.symbols = symbols  # type: ignore[attr-defined]
    return condition
