"""VNN-LIB input boxes and the .nnet header box."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sparsecert.sparse_models.errors import DomainError, ShapeError
from sparsecert.sparse_models.network import Dense, InputNormalization, Network
from sparsecert.verify.deep import InputBox, nnet_box, normalized_box, read_vnnlib

GOOD = """; a property
(declare-const X_0 Real)
(declare-const X_1 Real)
(declare-const Y_0 Real)
(assert (<= X_0 0.679857769))
(assert (>= X_0 0.6))
(assert (and (<= X_1 1e-1) (>= X_1 (- 0.5))))
(assert (<= -2 X_1))
(assert (>= Y_0 3.99))
"""


def _write(tmp_path, text: str):
    p = tmp_path / "prop.vnnlib"
    p.write_text(text)
    return p


def test_reads_exact_box_and_ignores_outputs(tmp_path):
    v = read_vnnlib(_write(tmp_path, GOOD), 2)
    assert v.box.lower == (Fraction("0.6"), Fraction("-0.5"))
    assert v.box.upper == (Fraction("0.679857769"), Fraction("0.1"))
    assert v.n_outputs == 1 and "ignored" in v.notes[0]


@pytest.mark.parametrize("assertion,needle", [
    ("(assert (<= (+ X_0 X_1) 1))", "not a simple bound"),
    ("(assert (or (<= X_0 1) (>= X_0 2)))", "not a simple bound"),
    ("(assert (<= X_0 Y_0))", "not a simple bound"),
    ("(assert (<= X_0 X_1))", "not a simple bound"),
])
def test_non_box_input_constraints_are_named(tmp_path, assertion, needle):
    with pytest.raises(DomainError, match=needle) as exc:
        read_vnnlib(_write(tmp_path, GOOD + assertion + "\n"), 2)
    assert assertion[8:20] in str(exc.value)


def test_errors(tmp_path):
    with pytest.raises(DomainError, match="does not exist"):
        read_vnnlib(tmp_path / "nope.vnnlib")
    with pytest.raises(DomainError, match="unbounded: no X_1 upper"):
        read_vnnlib(_write(tmp_path, "(declare-const X_0 Real)(declare-const X_1 Real)"
                                     "(assert (<= X_0 1))(assert (>= X_0 0))(assert (>= X_1 0))"))
    with pytest.raises(DomainError, match="network takes 3"):
        read_vnnlib(_write(tmp_path, GOOD), 3)
    with pytest.raises(DomainError, match="unbalanced"):
        read_vnnlib(_write(tmp_path, GOOD + ")"))
    with pytest.raises(DomainError, match="empty input box"):
        read_vnnlib(_write(tmp_path, "(declare-const X_0 Real)(assert (<= X_0 0))(assert (>= X_0 1))"))


def test_nnet_box_and_normalisation_fold_exactly():
    norm = InputNormalization([0.0, -3.0], [10.0, 3.0], [5.0, 0.0], [10.0, 6.0])
    net = Network([Dense(np.eye(2), [0.0, 0.0], "relu"), Dense(np.ones((1, 2)), [0.0])], normalization=norm)
    box = nnet_box(net)
    lo, hi, m, notes = normalized_box(net, box)
    assert lo == [Fraction(-1, 2), Fraction(-1, 2)] and hi == [Fraction(1, 2), Fraction(1, 2)]
    assert m.to_x(m.to_u([Fraction(7), Fraction(1, 3)])) == [Fraction(7), Fraction(1, 3)]
    assert m.to_u([Fraction(20), Fraction(0)])[0] == Fraction(1, 2)  # clipped like the network clips
    lo2, hi2, _, notes2 = normalized_box(net, InputBox([-1, -1], [1, 1], "normalized"))
    assert lo2 == [-1, -1] and "normalised" in notes2[0]
    with pytest.raises(DomainError, match="no input normalisation"):
        nnet_box(Network([Dense(np.eye(2), [0.0, 0.0], "relu"), Dense(np.ones((1, 2)), [0.0])]))
    with pytest.raises(ShapeError, match="dimension 3"):
        normalized_box(net, InputBox([0, 0, 0], [1, 1, 1]))


def test_exported_from_verify():
    import sparsecert.verify as verify
    from sparsecert.verify.deep import max_active_all_layers
    assert verify.max_active_all_layers is max_active_all_layers
    assert verify.max_active is not None and verify.max_active.__module__ == "sparsecert.verify.api"  # the block API is unchanged


def test_unit_scale_header_is_the_clipping_alone():
    """A header with mean 0 and range 1 (MNIST's) takes the clip-only path: the same bounds,
    points and note as the general (x - mean) / range formula, with Fractions never rebuilt."""
    from sparsecert.verify.deep.domain import NormalMap

    unit = InputNormalization([0.0, 0.0, -1.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    net = Network([Dense(np.eye(3), [0.0] * 3, "relu"), Dense(np.ones((1, 3)), [0.0])], normalization=unit)
    box = InputBox([Fraction(-1, 3), 0, Fraction(1, 7)], [Fraction(1, 2), 2, 5])
    lo, hi, m, notes = normalized_box(net, box)
    assert m.unit_scale
    assert lo == [0, 0, Fraction(1, 7)] and hi == [Fraction(1, 2), 1, 2] and "clipped" in notes[0]
    general = NormalMap(m.mean, m.range, m.clip_lo, m.clip_hi)
    object.__setattr__(general, "_unit", False)  # force the general formula on the same map
    for x in ([Fraction(-5), Fraction(1, 3), Fraction(9, 4)], [Fraction(1, 2), Fraction(2), Fraction(-2)]):
        assert m.to_u(x) == general.to_u(x)
        assert m.to_x(m.to_u(x), box) == general.to_x(general.to_u(x), box)
    _, _, _, quiet = normalized_box(net, InputBox([0, 0, 0], [1, 1, 1]))
    assert quiet == []  # a box inside the header's ranges is not reported as clipped
    assert not normalized_box(Network(net.layers, normalization=InputNormalization(
        [0.0] * 3, [1.0] * 3, [0.0, 0.5, 0.0], [1.0] * 3)), box)[2].unit_scale
