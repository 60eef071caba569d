"""The demo pipeline on a reduced setting, with every proved claim re-checked independently."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
pytest.importorskip("sklearn")

from examples import demo  # noqa: E402
from sparsecert.sparse_models import Box, LinfBall, PointSet  # noqa: E402
from sparsecert.verify import max_active  # noqa: E402
from sparsecert.verify.batch import certify_balls  # noqa: E402

from .verify.oracle import exact_count_at  # noqa: E402


@pytest.fixture(scope="module")
def trained():
    return demo.train("breast_cancer")


def test_proved_maxima_are_never_exceeded_and_witnesses_reproduce(trained):
    block, Xtr, Xte, yte, acc = trained
    assert acc > 0.9
    rng = np.random.default_rng(0)
    pts = max_active(block, PointSet(Xte))
    assert pts.optimal and pts.value == int(block.active_count(Xte).max())
    box = Box(np.minimum(Xtr.min(0), Xte.min(0)), np.maximum(Xtr.max(0), Xte.max(0)))
    res = max_active(block, box, timeout=10)
    sample = box.sample(rng, 20000)
    assert block.active_count(sample).max() <= res.upper_bound
    x = res.witness.exact_x or res.witness.x
    assert exact_count_at(block.W1, block.b1, x, 0.0) >= res.value
    assert box.contains(res.witness.x)


def test_certified_balls_hold_under_sampling(trained):
    block, _, Xte, _, _ = trained
    rng = np.random.default_rng(1)
    table = certify_balls(block, Xte[:8], 0.01, timeout=5)
    for c, r in zip(Xte[:8], table.results):
        ball = LinfBall(c, 0.01)
        assert block.active_count(ball.sample(rng, 2000)).max() <= r.upper_bound
        assert exact_count_at(block.W1, block.b1, r.witness.exact_x or r.witness.x, 0.0) >= r.value
        assert ball.contains(r.witness.x)


def test_sparsified_block_keeps_its_promise(trained):
    from sparsecert.verify import sparsify

    block, _, Xte, yte, _ = trained
    sp = sparsify(block, 6, PointSet(Xte))
    assert sp.status == "verified"
    assert int(sp.block.active_count(Xte).max()) <= 6
    assert demo.accuracy(sp.block, Xte, yte) > 0.5
