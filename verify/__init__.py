"""verify: proofs of activation sparsity.

``max_active(block, domain)`` gives the exact largest number of simultaneously active
hidden units with a witness; ``check_sparsity(block, k, domain)`` proves "at most k" or
returns an input where more are active. Results are three-valued: Verified, Violated,
Unknown (with proved bounds).

Built on them: ``is_member`` (the class H(n, s, k) with norm bounds), ``equivalent`` (exact
piecewise-linear equivalence on a domain), ``prune`` (drop never-active units, fold affine
ones, with the equivalence proof), ``sparsify`` (smallest bias shift to provable k-sparsity)
and ``synthesize`` (narrowest k-sparse integer network for a Boolean function, or a proof
that none exists).
"""

from .api import check_sparsity, max_active
from .portfolio import METHODS, Method  # the type of ``method=`` and its values
from .affine import AffineTerm
from .equivalence import Difference, Equivalence, equivalent
from .membership import Condition, Membership, is_member
from .presolve import UnitRanges, unit_ranges
from .prune import PruneResult, prune
from .results import MaxActive, Stats, Status, Unknown, Verified, Violated, Witness
from .sparse_inference import RegionCertificate, SparseBlock, certify_region
from .sparsify import FunctionChange, SparsifyResult, sparsify
from .synthesis import Synthesis, synthesize, truth_table
from .deep import max_active_all_layers  # whole deep networks: verify.deep.max_active / check_sparsity

__all__ = ["max_active", "check_sparsity", "MaxActive", "Verified", "Violated", "Unknown", "Witness", "Stats",
           "Status", "UnitRanges", "unit_ranges",
           "is_member", "Membership", "Condition", "equivalent", "Equivalence", "Difference", "AffineTerm",
           "prune", "PruneResult", "sparsify", "SparsifyResult", "FunctionChange", "synthesize", "Synthesis",
           "truth_table", "max_active_all_layers", "Method", "METHODS",
           "SparseBlock", "RegionCertificate", "certify_region"]
