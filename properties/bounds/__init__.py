"""The theory of sparse activation as a queryable registry of symbolic bounds (docs/theory.md §8).

``REGISTRY`` maps names to :class:`Bound` entries (sympy expression, label, premises,
section, derivation chain); :func:`evaluate`, :func:`solve`, :func:`asymptotic`,
:func:`ratio` and :func:`table` query them; :func:`instance_bounds` evaluates them at one
network's own norms and sparsity.
"""

from .asymptotics import Asymptotic, asymptotic
from .instance import HEADING as INSTANCE_HEADING
from .instance import InstanceReport, NetworkQuantities, instance_bounds, network_quantities
from .operations import Evaluation, Table, evaluate, latex, pretty, ratio, table, text
from .premises import Premise
from .registry import LABELS, REGISTRY, SPARSE_DENSE_PAIRS, Bound, Search, bound_names, get_bound
from .solving import Root, Solution, solve
from .symbols import SYMBOLS, symbol

__all__ = [
    "REGISTRY", "SPARSE_DENSE_PAIRS", "LABELS", "SYMBOLS", "Bound", "Search", "Premise", "get_bound", "bound_names",
    "symbol", "evaluate", "Evaluation", "solve", "Solution", "Root", "asymptotic", "Asymptotic", "ratio", "table",
    "Table", "latex", "text", "pretty", "instance_bounds", "network_quantities", "NetworkQuantities",
    "InstanceReport", "INSTANCE_HEADING",
]
