"""The phase branch and bound (verify/deep/phase_bnb.py) against the exact activation-pattern oracle.

It is an exact method: every answer it calls complete must equal the oracle's, every bracket must
contain it, and on ties, huge and tiny weights and rounding-sensitive boxes it may give up (an open
bound) but never claim less than the truth.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models.network import Dense, Network
from sparsecert.verify.deep import InputBox, check_sparsity, max_active
from sparsecert.verify.deep.bounds import network_bounds
from sparsecert.verify.deep.exact import ExactLayers
from sparsecert.verify.deep.phase_bnb import PhaseSearch
from sparsecert.verify.results import Verified, Violated

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network
from .test_deep_differential import _box

pytest.importorskip("highspy")


def _phase(net: Network, L: int, lo, hi, tau: float = 0.0, best: int = -1, timeout: float | None = 20.0):
    """A PhaseSearch on the float box [lo, hi] whose offers are re-decided exactly (and recorded)."""
    layers = net.layers[: L + 1]
    exact = ExactLayers(layers)
    xl, xu = np.asarray(lo, float), np.asarray(hi, float)
    seen: list[tuple[list[float], int]] = []

    def offer(u):
        assert all(a <= v <= b for v, a, b in zip(u, xl, xu)), "an offered point left the box"
        count = len(exact.active([Fraction(v) for v in u], L, tau))
        seen.append((list(u), count))
        return count

    ps = PhaseSearch(layers, L, tau, xl, xu, network_bounds(layers, xl, xu), (xl, xu), offer, best,
                     None if timeout is None else time.monotonic() + timeout)
    return ps, seen


@pytest.mark.parametrize("seed", range(36))
def test_phase_search_matches_the_oracle(seed):
    net = random_network(seed)
    lo, hi = _box(net, seed)
    tau = 0.0 if seed % 3 else 0.25
    for L in range(1, net.hidden_layers):
        truth = oracle_max_active(oracle_layers(net, L), L, lo, hi, tau)
        ps, seen = _phase(net, L, lo, hi, tau)
        out = ps.run()
        assert out.best <= truth <= out.upper, (seed, L, out, truth)
        assert out.best == max([c for _, c in seen], default=-1)  # best is only what was re-decided exactly
        if out.complete:
            assert out.upper == truth


@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_k_checks_prune_and_stop(seed):
    net = random_network(seed)
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    ps, _ = _phase(net, L, lo, hi)
    yes = ps.run(target=truth, stop_above=truth)  # "at most truth": nothing above, so the tree closes
    assert yes.upper >= truth and yes.best <= truth
    if yes.complete:
        assert yes.upper == truth
    if truth > 0:
        ps, _ = _phase(net, L, lo, hi)
        no = ps.run(target=truth - 1, stop_above=truth - 1)
        assert no.best <= truth and (no.best == truth or no.upper >= truth)


def test_resuming_keeps_the_tree_and_the_bracket():
    net = random_network(5)
    lo, hi = _box(net, 5)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    ps, _ = _phase(net, L, lo, hi, timeout=None)
    ps.deadline = time.monotonic() - 1.0  # expired: builds the model, solves nothing
    first = ps.run()
    assert first.nodes == 0 and not first.complete and first.upper >= truth
    final = ps.run(deadline=time.monotonic() + 30)
    assert final.complete and final.upper == final.best == truth


def test_mutually_exclusive_units_tied_at_the_threshold_are_not_counted_together():
    # layer 1: z1 = relu(x) - relu(-x) = x and z2 = -x fire on opposite sides of x = 0 and meet at 0 exactly
    net = Network([Dense([[1.0], [-1.0]], [0.0, 0.0], "relu"),
                   Dense([[1.0, -1.0], [-1.0, 1.0]], [0.0, 0.0], "relu"),
                   Dense([[1.0, 1.0]], [0.0])])
    truth = oracle_max_active(oracle_layers(net, 1), 1, [-1.0], [1.0])
    assert truth == 1
    ps, _ = _phase(net, 1, [-1.0], [1.0])
    out = ps.run()
    assert out.best == 1 and out.upper >= 1
    if out.complete:
        assert out.upper == 1
    res = max_active(net, 1, InputBox([-1.0], [1.0]), timeout=30)
    assert res.optimal and res.value == 1


def test_a_unit_that_only_touches_the_threshold_is_never_counted():
    # unit 0 of layer 1 is identically 0 (never above tau = 0); unit 1 = relu(x) fires for x > 0
    net = Network([Dense([[1.0]], [0.0], "relu"), Dense([[0.0], [1.0]], [0.0, 0.0], "relu"), Dense([[1.0, 1.0]], [0.0])])
    ps, _ = _phase(net, 1, [-1.0], [1.0])
    out = ps.run()
    # the tied cell (both units "on" in the closure z >= 0) is left undecided, never counted as 2 attained
    assert out.best == 1 and out.upper >= 1 and (out.upper == 1 or not out.complete)
    res = max_active(net, 1, InputBox([-1.0], [1.0]), timeout=30)  # the engine settles it exactly
    assert res.optimal and res.value == 1


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_extreme_weights_stay_sound(scale):
    base = random_network(11)
    layers = [Dense(layer.W * scale, layer.b * scale, layer.activation.name if layer.activation else None)
              for layer in base.layers]
    net = Network(layers)
    lo, hi = _box(base, 11)
    L = net.hidden_layers - 1
    res = max_active(net, L, InputBox(lo, hi), timeout=30)
    truth = oracle_max_active(oracle_layers(base, L), L, lo, hi)  # positive homogeneity: same activity pattern
    assert res.lower <= truth <= res.upper


def test_leaky_layers_and_unbounded_weights_are_left_to_the_region_search():
    leaky = random_network(3, slope=0.1)
    lo, hi = np.array(_box(leaky, 3)[0]), np.array(_box(leaky, 3)[1])
    nb = network_bounds(leaky.layers, lo, hi)
    assert not PhaseSearch.supports(leaky.layers, leaky.hidden_layers - 1, lo, hi, nb)
    big = random_network(3)
    nb = network_bounds(big.layers, lo * 1e13, hi * 1e13)
    assert not PhaseSearch.supports(big.layers, 1, lo * 1e13, hi * 1e13, nb)


@pytest.mark.parametrize("seed", [1, 4, 9, 17, 23])
def test_engine_answers_through_the_phase_search(seed):
    net = random_network(seed, max_width=7, depth=(3, 4))
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    res = max_active(net, L, InputBox(lo, hi), timeout=30)
    assert res.optimal and res.value == truth
    assert isinstance(check_sparsity(net, L, truth, InputBox(lo, hi), timeout=30), Verified)
    if truth:
        no = check_sparsity(net, L, truth - 1, InputBox(lo, hi), timeout=30)
        assert isinstance(no, Violated) and no.witness.count == truth


@pytest.mark.parametrize("seed", [2, 6, 13])
def test_pieces_in_parallel_give_the_same_answers(seed):
    net = random_network(seed, max_width=7, depth=(3, 4))
    lo, hi = _box(net, seed)
    L = net.hidden_layers - 1
    truth = oracle_max_active(oracle_layers(net, L), L, lo, hi)
    res = max_active(net, L, InputBox(lo, hi), timeout=60, jobs=2)
    assert res.optimal and res.value == truth
    assert res.witness is not None and res.witness.count == truth
    if truth:
        no = check_sparsity(net, L, truth - 1, InputBox(lo, hi), timeout=60, jobs=2)
        assert isinstance(no, Violated) and no.witness.count == truth


def test_split_box_covers_the_box_with_float_cuts():
    from sparsecert.verify.deep.phase_pieces import split_box

    lo, hi = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.0, 3.0])
    boxes = split_box(lo, hi, np.array([1.0, 5.0, 0.5]), 5)
    assert len(boxes) == 5
    rng = np.random.default_rng(0)
    for x in rng.uniform(lo, hi, size=(200, 3)):  # every point of the box lies in some piece
        assert any(np.all(a <= x) and np.all(x <= b) for a, b in boxes)
    assert all(np.all(lo <= a) and np.all(b <= hi) for a, b in boxes)
    point = split_box(np.zeros(2), np.zeros(2), np.ones(2), 4)  # a point cannot be cut
    assert len(point) == 1
