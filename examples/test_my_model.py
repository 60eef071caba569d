"""A property test for your own model file: copy this into your test suite.

    SPARSECERT_MODEL=path/to/model.npz SPARSECERT_K=2 pytest test_my_model.py

Any format sparse_models.load reads works (.npz, .onnx, .safetensors, .pt with an
activation, .nnet). The sparsecert pytest plugin (installed with the package) adds
--sparsecert-timeout, --sparsecert-profile (the Hypothesis profile of every test that uses
sparsecert: sparsecert, sparsecert-quick, sparsecert-thorough, sparsecert-ci) and a summary
of proofs and counterexamples. A failing check saves the block under .sparsecert/failures/
and prints a few-line reproduction that loads it.
"""

import os
from pathlib import Path

import pytest
from hypothesis import given

from sparsecert.properties import assert_equivalent, assert_k_sparse
from sparsecert.properties.strategies import points
from sparsecert.sparse_models import Hypercube, PointSet, load
from sparsecert.verify import prune

MODEL = Path(os.environ.get("SPARSECERT_MODEL", "model.npz"))
K = int(os.environ.get("SPARSECERT_K", "2"))

if not MODEL.is_file():
    pytest.skip(f"no model at {MODEL}; set SPARSECERT_MODEL=path/to/model", allow_module_level=True)

BLOCK = load(MODEL)
CUBE = Hypercube(BLOCK.n)  # the ±1 cube; use Hypercube(n, (0, 1)) or a Box for your data


@pytest.mark.sparsecert
def test_model_is_k_sparse_on_the_cube():
    """Exact proof over every input (or a failure naming the input where more than K units fire)."""
    assert_k_sparse(BLOCK, K, CUBE)


@pytest.mark.sparsecert
@given(points(CUBE))
def test_few_units_fire_at_any_input(x):
    """Hypothesis searches inputs and shrinks a failing one to a simple witness."""
    assert_k_sparse(BLOCK, K, PointSet(x[None, :]))


@pytest.mark.sparsecert
def test_pruned_model_is_equivalent():
    """Dropping the units that never fire on the domain must not change the output anywhere."""
    assert_equivalent(BLOCK, prune(BLOCK, CUBE), CUBE)
