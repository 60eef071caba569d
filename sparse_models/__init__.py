"""sparse_models: the objects sparsecert reasons about.

Blocks (:class:`MLPBlock`), deep networks (:class:`Network`), input domains, the
paper's constructions with known sparsity, and model loaders. Knows nothing of solvers.
"""

from .activations import Activation
from .block import MLPBlock
from .constructions import (
    PlantedBlock,
    junta_block,
    parity_block,
    planted_sparse,
    random_block,
    sign_patterns,
    stack,
)
from .domains import Box, Domain, Hypercube, LinfBall, PointSet, Polytope, check_domain
from .errors import (
    DomainError,
    InvalidArgument,
    MissingDependency,
    ModelFormatError,
    NonFiniteError,
    ShapeError,
    SolverError,
    SoundnessError,
    SparsecertError,
    UnsupportedActivation,
    UnsupportedLayer,
)
from .learners import LowDegreeLearner, LowDegreeReport, SparseMLPTrainer, TrainReport
from .io import from_sklearn, from_torch, load, load_network, load_npz, save_model, save_npz
from .head import LinearSkip
from .network import Dense, InputNormalization, Network

__all__ = [
    "Activation", "MLPBlock", "Dense", "InputNormalization", "Network",
    "Domain", "Hypercube", "Box", "LinfBall", "Polytope", "PointSet", "check_domain",
    "junta_block", "parity_block", "stack", "planted_sparse", "PlantedBlock", "random_block", "sign_patterns",
    "LowDegreeLearner", "LowDegreeReport", "SparseMLPTrainer", "TrainReport",
    "load", "load_network", "load_npz", "save_npz", "save_model", "from_torch", "from_sklearn", "LinearSkip",
    "SparsecertError", "InvalidArgument", "ShapeError", "NonFiniteError", "UnsupportedActivation",
    "DomainError", "ModelFormatError", "UnsupportedLayer", "MissingDependency", "SolverError", "SoundnessError",
]
