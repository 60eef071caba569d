"""Issue 20 (B): deep answers and anytime bounds do not depend on the weights' magnitude.

Regressions:
- Weights scaled by powers of two near 2^1022 (or of magnitude 1e150) overflowed the float64
  bounds of the last layer: every unit undecided, the timeout bound was the layer's width instead
  of the frontier's bound, and splitting never helped. The bounds now run on an exactly rescaled
  copy of the network (``verify.deep.scaling``).
- The exact pattern search re-set Z3's timeout before every check (which resets Z3's search
  state) and restarted from scratch whenever its time slice ran out, so a 1 s search became 19 to
  119 regions and 28 to 170 s when the slice was shorter than the search. It now keeps its state
  and resumes.

No wall-clock time is asserted: counts of regions, solver calls and parameter resets are.
"""

from __future__ import annotations

import time
import warnings
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models.network import Dense, Network
from sparsecert.verify.deep import InputBox, check_sparsity, max_active, network_bounds
from sparsecert.verify.deep.exact import ExactLayers

from .exact_lp import oracle_max_active
from .nets import oracle_layers, random_network

F = Fraction


def _pow2(net: Network, exps) -> Network:
    """The same network with layer k's pre-activations multiplied by 2^exps[k] (exactly)."""
    layers, prev = [], 0
    for layer, e in zip(net.layers[:-1], exps):
        W, b = np.ldexp(layer.W, e - prev), np.ldexp(layer.b, e)
        assert np.array_equal(np.ldexp(W, prev - e), layer.W) and np.array_equal(np.ldexp(b, -e), layer.b)
        layers.append(Dense(W, b, layer.activation))
        prev = e
    last = net.layers[-1]
    layers.append(Dense(np.ldexp(last.W, -prev), last.b))
    return Network(layers)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the float forward pass of the witness overflows
        return fn(*args, **kwargs)


@pytest.mark.parametrize("seed", [13, 19, 23, 47, 53])
def test_power_of_two_scaled_network_is_decided_like_the_original(seed):
    net = random_network(seed, max_width=6, max_inputs=3, depth=(3, 3))
    big = _pow2(net, (340, 680, 1022))
    lo, hi = [-1.0] * net.n, [1.0] * net.n
    box = InputBox(lo, hi)
    # the premise: the float64 bounds of the scaled network overflow in its last hidden layer
    raw = _quiet(network_bounds, big.layers, np.array(lo), np.array(hi), 3)
    assert not np.all(np.isfinite(raw.upper[2]))
    for L in range(3):
        expect = oracle_max_active(oracle_layers(net, L), L, lo, hi)
        a = max_active(net, L, box, timeout=120)
        b = _quiet(max_active, big, L, box, timeout=120)
        assert a.optimal and b.optimal and a.value == b.value == expect, (L, a.value, b.value, expect)
        sa, sb = a.stats, b.stats
        assert (sb.units_fixed_on, sb.units_fixed_off, sb.units_undecided) == \
            (sa.units_fixed_on, sa.units_fixed_off, sa.units_undecided)
        if sa.solver_calls == 0:
            assert sb.solver_calls == 0  # settled by the bounds alone, at either scale
        # a timeout reports the frontier's proved bound (here: the root's), the same at both scales
        qa = max_active(net, L, box, timeout=1e-6)
        qb = _quiet(max_active, big, L, box, timeout=1e-6)
        assert qb.upper_bound == qa.upper_bound and expect <= qa.upper_bound
        ka = check_sparsity(net, L, expect, box, timeout=120)
        kb = _quiet(check_sparsity, big, L, expect, box, timeout=120)
        assert ka.status == kb.status == "verified"


def test_frontier_bound_on_timeout_is_not_the_width():
    net = random_network(23, max_width=6, max_inputs=3, depth=(3, 3))
    big = _pow2(net, (340, 680, 1022))
    box = InputBox([-1.0] * net.n, [1.0] * net.n)
    r = _quiet(max_active, big, 2, box, timeout=1e-6)
    assert r.value <= 1 <= r.upper_bound < net.widths[2]  # the exact answer is 1 of 3 units


def _brief_net(seed: int, scale: float) -> Network:
    """3 inputs, hidden widths 4-3-3, normal weights times ``scale`` (the issue's family)."""
    rng = np.random.default_rng(seed)
    layers, prev = [], 3
    for w in (4, 3, 3):
        layers.append(Dense(rng.normal(size=(w, prev)) * scale, rng.normal(size=w) * scale, "relu"))
        prev = w
    layers.append(Dense(np.ones((1, prev)), [0.0]))
    return Network(layers)


@pytest.mark.parametrize("seed", [15, 37])
def test_weights_of_magnitude_1e150_settle_in_one_region(seed):
    """Before: seed 15 took 19-35 regions (28-48 s), seed 37 119 regions (167 s); now one exact search."""
    net = _brief_net(seed, 1e150)
    box = InputBox([-1] * 3, [1] * 3)
    expect = oracle_max_active(oracle_layers(net, 2), 2, [-1.0] * 3, [1.0] * 3, tau=1.0)
    r = _quiet(max_active, net, 2, box, tau=1.0, timeout=None)
    assert r.optimal and r.value == expect
    regions = int(next(n for n in r.stats.notes if n.startswith("regions")).split()[1].rstrip(","))
    assert regions <= 5, r.stats.notes
    assert r.stats.solver_calls <= 1000


def test_rescaled_layers_are_exact_multiples():
    from sparsecert.verify.deep.scaling import rescale

    rng = np.random.default_rng(4)
    net = _brief_net(3, 1e150)
    for tau in (0.0, 1.0, 0.75):
        s = rescale(net.layers, 2, tau, 1)
        assert not s.identity
        assert F(s.tau) == F(tau) / F(2) ** s.exponents[-1]
        orig, scaled = ExactLayers(net.layers[:3]), ExactLayers(s.layers)
        for _ in range(5):
            u = [F(int(v), 1000) for v in rng.integers(-1000, 1001, size=3)]
            za, zb = orig.pre_activations(u, 3), scaled.pre_activations(u, 3)
            for k in range(3):
                assert zb[k] == [v / F(2) ** s.exponents[k] for v in za[k]]
            assert orig.active(u, 2, tau) == scaled.active(u, 2, s.tau)
        b = network_bounds(s.layers, np.full(3, -1.0), np.full(3, 1.0), 3)
        assert all(np.all(np.isfinite(b.lower[k])) and np.all(np.isfinite(b.upper[k])) for k in range(3))


def test_rescale_leaves_a_network_alone_when_no_exact_scaling_exists():
    from sparsecert.verify.deep.scaling import rescale

    # layer 1 needs e_1 >= e_0 (its weight 1e308 must stay finite) and e_1 <= 0 (its bias 5e-324
    # must stay exact), while layer 0's magnitude 1e308 asks for e_0 > 1000
    layers = [Dense([[1e308]], [1e308], "relu"), Dense([[1e308]], [5e-324], "relu")]
    s = rescale(layers, 1, 0.0, 1)
    assert s.identity and s.layers[0] is layers[0] and s.tau == 0.0


def _search_case():
    """An exact pattern search of about a hundred checks (the magnitude-1e150 case of the issue)."""
    net = _brief_net(15, 1e150)
    layers = net.layers[:3]
    bounds = _quiet(network_bounds, layers, np.full(3, -1.0), np.full(3, 1.0), 3)
    return layers, [F(-1)] * 3, [F(1)] * 3, bounds


class _FakeClock:
    """time.monotonic for the pattern search: every reading advances one 'second'."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_exact_search_resumes_where_its_slice_ended(monkeypatch):
    from sparsecert.verify.deep import patterns

    layers, lo, hi, bounds = _search_case()
    whole = patterns.PatternSearch(layers, 2, lo, hi, bounds, 1.0)
    assert whole.run(1, None)
    clock = _FakeClock()
    monkeypatch.setattr(patterns, "time", clock)
    sliced = patterns.PatternSearch(layers, 2, lo, hi, bounds, 1.0)
    sets = []
    real_set = sliced.solver.set_timeout
    monkeypatch.setattr(sliced.solver, "set_timeout", lambda *a: (sets.append(a), real_set(*a)))
    runs = 0
    while not sliced.run(1, clock.now + 12):  # a few checks per slice
        runs += 1
        assert runs < whole.checks, "the search restarts instead of resuming"
    assert runs > 3  # it was interrupted often
    assert sliced.best == whole.best
    # resumed, not restarted: about as many checks as one uninterrupted search
    assert sliced.checks <= 2 * whole.checks + runs
    # Z3's timeout is not re-set before every check (each re-set resets Z3's search state)
    assert len(sets) < sliced.checks / 2


def test_pattern_search_sets_the_z3_timeout_a_few_times_only(monkeypatch):
    from sparsecert.verify.deep import patterns

    layers, lo, hi, bounds = _search_case()
    search = patterns.PatternSearch(layers, 2, lo, hi, bounds, 1.0)
    sets = []
    real_set = search.solver.set_timeout
    monkeypatch.setattr(search.solver, "set_timeout", lambda *a: (sets.append(a), real_set(*a)))
    generous = time.monotonic() + 600  # a deadline that never binds
    assert search.run(1, generous)
    assert search.checks > 20 and len(sets) <= 3


def test_layer_zero_timeout_keeps_the_search_frontier_bound(monkeypatch):
    """Regression: on layer 0, a timeout before the search popped its first region reported the
    single-block core's bound alone, even when the frontier (the root's bounds) proved less."""
    from sparsecert.verify.deep import api

    net = Network([Dense([[1.0], [1.0], [-1.0]], [0.0, -5.0, 0.0], "relu"), Dense([[1.0, 1.0, 1.0]], [0.0])])
    box = InputBox([-1], [1])
    # a sound but loose block answer (every unit): the deep search's root bound is 2 (unit 1 is off)
    monkeypatch.setattr(api, "_first_layer_block", lambda network, dom, tau, solver, timeout, seed: 3)
    r = max_active(net, 0, box, timeout=1e-6)
    assert r.value == 1 and r.upper_bound == 2 and not r.optimal
