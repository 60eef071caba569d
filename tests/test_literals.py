"""The precise types of the public API's options (issue 17 item 12).

Each fixed set of string options has a ``Literal`` type defined once, next to the tuple the
code checks values against; ``typing.get_args`` of the Literal must equal that tuple, in
order, so the two cannot drift apart. The public functions annotate their ``domain``,
``method``, ``executor``, ``split``, ``backend`` and ``space`` parameters with these types
(``domain``: the :class:`sparsecert.sparse_models.Domain` protocol, or the deep API's
``InputDomain``), never ``Any``.
"""

from __future__ import annotations

import inspect
import typing

import pytest

from sparsecert.properties import intervals
from sparsecert.properties import strategies as public_strategies
from sparsecert.properties._internal import strategies
from sparsecert.sparse_models import Box, Domain, Hypercube, PointSet, domains
from sparsecert.verify import Method, backends, deep, executor, portfolio, synthesis
from sparsecert.verify.deep import checks
from sparsecert.verify.deep import domain as deep_domain

from tests.test_api_docs import FUNCTIONS

PAIRS = {
    "Method": (portfolio.Method, portfolio.METHODS),
    "Executor": (executor.Executor, executor.EXECUTORS),
    "SplitMode": (checks.SplitMode, checks.SPLIT_MODES),
    "BackendName": (backends.BackendName, backends.BACKENDS),
    "SynthesisActivation": (synthesis.SynthesisActivation, synthesis.ACTIVATIONS),
    "NamedFunction": (synthesis.NamedFunction, synthesis.NAMED),
    "Space": (deep_domain.Space, deep_domain.SPACES),
    "IntervalMethod": (intervals.IntervalMethod, intervals.METHODS),
    "StrategyDomainKind": (strategies.StrategyDomainKind, strategies.DOMAIN_KINDS),
    "DomainKind": (domains.DomainKind, domains.DOMAIN_KINDS),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_literal_equals_its_tuple(name: str):
    literal, values = PAIRS[name]
    assert typing.get_origin(literal) is typing.Literal
    assert typing.get_args(literal) == tuple(values)


def test_method_is_exported_once():
    assert Method is portfolio.Method
    assert typing.get_args(Method) == portfolio.METHODS
    assert public_strategies.DOMAIN_KINDS == typing.get_args(strategies.StrategyDomainKind)


# parameter name -> the types its annotation may be (exactly one of them)
EXPECTED = {
    "method": {portfolio.Method, intervals.IntervalMethod},
    "executor": {executor.Executor | None},
    "split": {checks.SplitMode},
    "backend": {backends.BackendName},
    "space": {deep_domain.Space},
}
DOMAIN_TYPES = (Domain, checks.InputDomain, Hypercube, PointSet)  # the protocol, the deep API's boxes, or a kind
ANY_ALLOWED = {"sparsecert.sparse_models.domains.check_domain"}  # validates an arbitrary object


def _mentions(hint, targets) -> bool:
    if hint in targets:
        return True
    return any(_mentions(arg, targets) for arg in typing.get_args(hint))


def _hints():
    for key, fn in sorted(FUNCTIONS.items()):
        hints = typing.get_type_hints(inspect.unwrap(fn))
        for name in inspect.signature(fn).parameters:
            if name in hints:
                yield key, name, hints[name]


HINTS = list(_hints())


def test_every_public_annotation_resolves():
    assert len(HINTS) > 200


@pytest.mark.parametrize("key,name,hint", [h for h in HINTS if h[1] in EXPECTED], ids=lambda v: str(v)[:60])
def test_option_types(key: str, name: str, hint):
    assert hint in EXPECTED[name], f"{key}: {name} is annotated {hint}"


@pytest.mark.parametrize("key,name,hint", [h for h in HINTS if h[1] in ("domain", "domains")],
                         ids=lambda v: str(v)[:60])
def test_domain_types(key: str, name: str, hint):
    if key in ANY_ALLOWED:
        assert hint is typing.Any
        return
    assert hint is not typing.Any and _mentions(hint, DOMAIN_TYPES), f"{key}: {name} is annotated {hint}"


def test_deep_domains_take_input_boxes():
    assert set(typing.get_args(checks.InputDomain)) == {deep.InputBox, Box, deep.VnnlibInputs}
