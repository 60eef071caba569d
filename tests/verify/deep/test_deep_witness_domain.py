"""Issue 20 (A): a deep witness is a point of the domain the user gave, in the user's coordinates.

Regressions: (1) a degenerate rational box (a VNN-LIB property fixing X_3 = 0.45) holds no float64
point; the witness was the nearest float, outside the box, with no ``exact_x``, and its
``active_units`` were the exact active set at that outside point, not at any point of the box.
(2) A raw box reaching past the ``.nnet`` header's input ranges: the witness was the clipped point
(what the first layer sees), outside the box the user asked about.

Every check here is independent of the code under test: the active set at the reported point is
recomputed from the raw point with the header map (clip, then (x - mean) / range) in Fractions.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models import Box
from sparsecert.sparse_models.io import load_network
from sparsecert.sparse_models.network import Dense, InputNormalization, Network
from sparsecert.verify.deep import InputBox, check_sparsity, max_active, max_active_all_layers
from sparsecert.verify.deep.exact import ExactLayers
from sparsecert.verify.results import Violated

from .nets import random_network

F = Fraction


def _exact_active(net: Network, L: int, x, raw: bool, tau: float = 0.0) -> tuple[int, ...]:
    """Units of layer L with z > tau at the raw point x (Fractions), through the header map if raw."""
    u = [F(v) for v in x]
    norm = net.normalization
    if raw and norm is not None:
        u = [(min(max(v, F(float(a))), F(float(b))) - F(float(m))) / F(float(r))
             for v, a, b, m, r in zip(u, norm.lower, norm.upper, norm.mean, norm.range)]
    return ExactLayers(net.layers[: L + 1]).active(u, L, tau)


def _point(w) -> list[Fraction]:
    return list(w.exact_x) if w.exact_x is not None else [F(float(v)) for v in w.x]


def _assert_witness_in_domain(net: Network, L: int, box: InputBox, w, count: int, tau: float = 0.0) -> None:
    assert w is not None
    point = _point(w)
    assert box.contains_exact(point), (L, [str(v) for v in point])
    assert w.active_units == _exact_active(net, L, point, box.space == "raw", tau)
    assert w.count == count
    if w.exact_x is None:  # a float point is reported alone only when it is in the box itself
        assert box.contains_exact([F(float(v)) for v in w.x])


def _issue_net() -> Network:
    return Network([Dense([[3], [-3], [1]], [-1, 1, -1 / 3], "relu"), Dense([[1, 1, 1]], [0])])


def test_degenerate_rational_box_gives_the_exact_point_and_its_active_set():
    net = _issue_net()
    box = InputBox([F(1, 3)], [F(1, 3)])
    r = max_active(net, 0, box)
    assert r.optimal and r.value == 1
    w = r.witness
    # no float64 equals 1/3: the exact point is reported, with the units active *there*
    assert w.exact_x == (F(1, 3),)
    assert w.active_units == (2,)  # 1/3 - fl(1/3) > 0; units 0 and 1 sit exactly at 0
    _assert_witness_in_domain(net, 0, box, w, 1)
    v = check_sparsity(net, 0, 0, box)
    assert isinstance(v, Violated)
    _assert_witness_in_domain(net, 0, box, v.witness, 1)


def test_degenerate_box_on_deeper_layers():
    net = Network([Dense([[3], [-3], [1]], [-1, 1, -1 / 3], "relu"), Dense([[1, -1, 1], [-1, 1, 1]], [0, 0], "relu"),
                   Dense([[1, 1]], [0])])
    box = InputBox([F(1, 3)], [F(1, 3)])
    for L in range(net.hidden_layers):
        r = max_active(net, L, box, timeout=60)
        assert r.optimal
        _assert_witness_in_domain(net, L, box, r.witness, r.value)


def test_raw_box_past_the_header_ranges_reports_a_point_of_the_raw_box():
    norm = InputNormalization([-2.0], [-1.5], [0.25], [0.5])
    net = Network([Dense([[3], [-3], [1]], [-1, 1, -1 / 3], "relu"), Dense([[1, -1, 1], [-1, 1, 1]], [0, 0], "relu"),
                   Dense([[1, 1]], [0])], normalization=norm)
    box = Box([-0.5], [1.0])  # the network clips every input of this box to -1.5
    ibox = InputBox.from_box(box, "raw")
    table = max_active_all_layers(net, box, timeout=60)
    assert table.optimal
    for L, r in enumerate(table.results):
        _assert_witness_in_domain(net, L, ibox, r.witness, r.value)
        assert -0.5 <= float(r.witness.x[0]) <= 1.0
        # the float forward pass at the reported raw point agrees (it clips the same way)
        z = net.pre_activations(r.witness.x)[L]
        assert tuple(int(i) for i in np.flatnonzero(z > 0)) == r.witness.active_units
    v = check_sparsity(net, 0, 0, box)
    assert isinstance(v, Violated) and -0.5 <= float(v.witness.x[0]) <= 1.0


@pytest.mark.parametrize("seed", range(300, 306))
def test_random_headers_and_boxes_with_fixed_and_clipped_coordinates(seed):
    net = random_network(seed, max_width=5, max_inputs=3, depth=(2, 3))
    rng = np.random.default_rng(seed)
    n = net.n
    lower = rng.uniform(-1.0, -0.2, size=n)
    upper = rng.uniform(0.2, 1.0, size=n)
    norm = InputNormalization(lower, upper, rng.uniform(-0.1, 0.1, size=n), rng.uniform(0.5, 2.0, size=n))
    net = Network(list(net.layers), normalization=norm)
    lo, hi = [], []
    for j in range(n):
        kind = (seed + j) % 3
        if kind == 0:  # fixed to a rational that no float64 equals
            q = F(int(rng.integers(-5, 6)), 7)
            lo.append(q), hi.append(q)
        elif kind == 1:  # reaches past both header ranges
            lo.append(F(float(lower[j])) - 3), hi.append(F(float(upper[j])) + 3)
        else:  # entirely above the header's upper range: clipped to one point
            lo.append(F(float(upper[j])) + F(1, 3)), hi.append(F(float(upper[j])) + 2)
    box = InputBox(lo, hi, "raw")
    for L in range(net.hidden_layers):
        r = max_active(net, L, box, timeout=60, seed=seed)
        assert r.value <= r.upper_bound
        _assert_witness_in_domain(net, L, box, r.witness, r.value)


# -- the command line -----------------------------------------------------------------------------


def _acas_path():
    from tests.conftest import SHARED_MODELS
    path = SHARED_MODELS / "acasxu" / "ACASXU_experimental_v2a_1_1.nnet"
    if not path.is_file():
        pytest.skip("../shared/models is not beside the project")
    return path


PROP_F = """; ACAS Xu property 1 with X_3 and X_4 fixed (no float64 equals 0.45)
(declare-const X_0 Real)
(declare-const X_1 Real)
(declare-const X_2 Real)
(declare-const X_3 Real)
(declare-const X_4 Real)
(declare-const Y_0 Real)
(assert (<= X_0 0.679857769))
(assert (>= X_0 0.6))
(assert (<= X_1 0.5))
(assert (>= X_1 -0.5))
(assert (<= X_2 0.5))
(assert (>= X_2 -0.5))
(assert (<= X_3 0.45))
(assert (>= X_3 0.45))
(assert (<= X_4 -0.45))
(assert (>= X_4 -0.45))
(assert (>= Y_0 3.991125645861615))
"""


def test_cli_vnnlib_fixing_inputs_reports_the_exact_witness(cli, tmp_path):
    path = _acas_path()
    prop = tmp_path / "fixed.vnnlib"
    prop.write_text(PROP_F)
    r = cli("verify", path, "--layer", "0", "-k", "3", "--domain", f"vnnlib:{prop}", "--timeout", "60", "--json")
    assert r.code == 1, r.err
    entry = json.loads(r.out)["layers"][0]
    assert entry["status"] == "violated"
    exact = [F(v) for v in entry["exact_witness"]]
    assert exact[3] == F(9, 20) and exact[4] == F(-9, 20)
    net = load_network(path)
    box = InputBox([F("0.6"), F("-0.5"), F("-0.5"), F("0.45"), F("-0.45")],
                   [F("0.679857769"), F("0.5"), F("0.5"), F("0.45"), F("-0.45")], "normalized")
    assert box.contains_exact(exact)
    # vnnlib: boxes are in the normalised coordinates of the ONNX networks: no header map
    assert tuple(entry["active_units"]) == _exact_active(net, 0, exact, raw=False)
    assert len(entry["active_units"]) > 3
    text = cli("verify", path, "--layer", "0", "-k", "3", "--domain", f"vnnlib:{prop}", "--timeout", "60")
    assert text.code == 1 and "exactly at [" in text.out and "9/20, -9/20]" in text.out


def test_cli_whole_network_box_past_the_header_ranges(cli, tmp_path):
    from .test_deep_cli import _write_nnet

    net = Network([Dense([[3], [-3], [1]], [-1, 1, -1 / 3], "relu"), Dense([[1, -1, 1], [-1, 1, 1]], [0, 0], "relu"),
                   Dense([[1, 1]], [0])])
    path = tmp_path / "clip.nnet"
    _write_nnet(path, net, [-2.0], [-1.5], [0.25], [0.5])
    loaded = load_network(path)
    assert loaded.normalization is not None
    r = cli("maxact", path, "--whole-network", "--layer", "all", "--domain", "box:-0.5:1.0", "--timeout", "60",
            "--json")
    assert r.code == 0, r.err
    layers = json.loads(r.out)["layers"]
    assert len(layers) == 2
    for e in layers:
        point = [F(v) for v in e["exact_witness"]] if "exact_witness" in e else [F(float(v)) for v in e["witness"]]
        assert all(F("-0.5") <= v <= F("1.0") for v in point), e["witness"]
        assert all(-0.5 <= v <= 1.0 for v in e["witness"])
        assert tuple(e["active_units"]) == _exact_active(loaded, e["layer"], point, raw=True)
