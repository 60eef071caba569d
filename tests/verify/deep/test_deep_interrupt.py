"""Ctrl-C in a deep search keeps the bracket proved so far (issue 20 item 9)."""

from __future__ import annotations

import json

import pytest

from sparsecert.verify.deep import InputBox, check_sparsity, max_active, max_active_all_layers
from sparsecert.verify.deep.box_split import BoxSplit
from sparsecert.verify.deep.phase_bnb import PhaseSearch
from sparsecert.verify.deep.solve import LayerSolver
from sparsecert.verify.results import Interrupted, MaxActive, Unknown

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network
from .test_deep_differential import _box


def _interrupt_searches(monkeypatch):
    def boom(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(LayerSolver, "z3_region", boom)
    monkeypatch.setattr(PhaseSearch, "_solve", boom)  # the phase branch and bound's node LP
    monkeypatch.setattr(BoxSplit, "_bound", boom)  # the input splitting's region bound


@pytest.mark.parametrize("seed", [200, 203, 205])
def test_interrupted_layer_reports_a_sound_bracket(monkeypatch, seed):
    net = random_network(seed, max_width=6)
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    _interrupt_searches(monkeypatch)
    try:
        res = max_active(net, L, InputBox(lo, hi), split="never")
    except Interrupted as stop:
        part = stop.partial
        assert isinstance(part, MaxActive) and not part.optimal and part.reason == "interrupted"
        assert part.value <= truth <= part.upper_bound
    else:  # settled before any exact search was needed
        assert res.optimal and res.value == truth
    try:
        check_sparsity(net, L, max(truth - 1, 0), InputBox(lo, hi), split="never")
    except Interrupted as stop:
        assert isinstance(stop.partial, Unknown) and stop.partial.lower <= truth <= stop.partial.upper


def test_interrupted_table_keeps_the_layers_done(monkeypatch):
    net = random_network(203, max_width=6)
    lo, hi = _box(net, 203)
    _interrupt_searches(monkeypatch)
    # no incumbent from sampling or the gradient attack: the searches must run (and are interrupted)
    monkeypatch.setattr(LayerSolver, "sample", lambda self, *args, **kwargs: None)
    with pytest.raises(Interrupted) as stop:
        max_active_all_layers(net, InputBox(lo, hi), split="never")
    table = stop.value.partial
    rows = table.as_dict()["layers"]
    assert len(rows) >= 2 and not rows[-1]["optimal"]
    for row in rows:
        L = row["layer"]
        truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
        assert row["lower"] <= truth <= row["upper"]
    assert json.dumps(table.as_dict(), default=str)


def test_ctrl_c_while_the_phase_model_is_built_keeps_a_sound_bracket(monkeypatch):
    """Ctrl-C during the LP bound tightening (before the tree exists): the width still bounds the layer."""
    import numpy as np

    from sparsecert.sparse_models.network import Dense, Network
    from sparsecert.verify.deep.phase_model import PhaseRelaxation

    rng = np.random.default_rng(4)  # 12 inputs: the root tightening runs (it is skipped for <= 8 inputs)
    net = Network([Dense(rng.normal(size=(6, 12)), rng.normal(size=6) * 0.3, "relu"),
                   Dense(rng.normal(size=(5, 6)), rng.normal(size=5) * 0.3, "relu"), Dense(rng.normal(size=(1, 5)), [0.0])])

    def boom(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(PhaseRelaxation, "_tighten", boom)
    monkeypatch.setattr(LayerSolver, "sample", lambda self, *args, **kwargs: None)
    try:
        res = max_active(net, 1, InputBox([-1.0] * 12, [1.0] * 12))
    except Interrupted as stop:
        part = stop.partial
        assert part.reason == "interrupted" and 0 <= part.lower <= part.upper <= 5
    else:
        assert res.optimal
