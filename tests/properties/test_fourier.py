"""The fast Walsh-Hadamard transform and the Spectrum against the definitions of docs/theory.md §1."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparsecert.properties.fourier import (Spectrum, cube_values, fourier_coefficients_direct, influences_by_flips, mask_of,
                                spectrum, wht)
from sparsecert.sparse_models import Hypercube, MLPBlock, junta_block, parity_block, random_block, sign_patterns
from sparsecert.sparse_models.errors import DomainError, InvalidArgument, ShapeError


def _points(n: int) -> np.ndarray:
    return np.vstack([X for _, X in Hypercube(n).chunks()])


@pytest.mark.parametrize("n", range(0, 11))
def test_wht_matches_direct_definition(n):
    rng = np.random.default_rng(n)
    values = rng.normal(size=1 << n) * rng.uniform(0.1, 10)
    spec = Spectrum.from_values(values)
    direct = fourier_coefficients_direct(values)
    assert np.allclose(spec.coefficients, direct, rtol=0, atol=1e-12 * max(1.0, np.abs(values).max()))


def test_direct_definition_is_the_expectation_of_f_chi_S():
    """f^(S) = E[f chi_S] with chi_S(x) = prod_{j in S} x_j on the docs/theory.md §1 point order."""
    n = 5
    X = _points(n)
    rng = np.random.default_rng(7)
    f = rng.normal(size=1 << n)
    spec = Spectrum.from_values(f)
    for S in itertools.chain.from_iterable(itertools.combinations(range(n), t) for t in range(n + 1)):
        chi = np.prod(X[:, list(S)], axis=1) if S else np.ones(1 << n)
        assert spec.coefficient(S) == pytest.approx(float(np.mean(f * chi)), abs=1e-12)
        assert spec.coefficient(mask_of(S, n)) == spec.coefficient(S)


def test_index_convention_dictator_and_point_order():
    n = 6
    X = _points(n)
    r = np.arange(1 << n)
    for j in range(n):
        assert np.array_equal(X[:, j], 1 - 2 * ((r >> j) & 1))  # x_j = 1 - 2 bit_j(r)
        spec = Spectrum.from_values(X[:, j].copy())
        assert spec.coefficients[1 << j] == 1.0
        assert np.count_nonzero(spec.coefficients) == 1


def test_wht_is_an_involution_up_to_2n():
    rng = np.random.default_rng(3)
    a = rng.normal(size=1 << 14)
    b = wht(wht(a.copy()))
    assert np.allclose(b, a * (1 << 14), rtol=1e-12, atol=1e-9)


def test_wht_blocked_levels_match_direct_at_n_16_on_a_sparse_function():
    """Beyond the cache-blocked levels (15): a function with a few known coefficients."""
    n = 16
    X = _points(n)
    f = 0.5 + 2.0 * X[:, 15] - 3.0 * X[:, 0] * X[:, 15] + 0.25 * np.prod(X[:, [2, 9, 15]], axis=1)
    spec = Spectrum.from_values(f)
    expect = {0: 0.5, 1 << 15: 2.0, 1 | 1 << 15: -3.0, (1 << 2) | (1 << 9) | (1 << 15): 0.25}
    for mask, v in expect.items():
        assert spec.coefficients[mask] == pytest.approx(v, abs=1e-12)
    assert np.sum(spec.weights) == pytest.approx(sum(v * v for v in expect.values()), rel=1e-12)


@settings(max_examples=40)
@given(n=st.integers(1, 10), seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-3, 1e3))
def test_parseval_and_flip_influences_on_random_functions(n, seed, scale):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=1 << n) * scale
    spec = Spectrum.from_values(f)
    assert abs(spec.energy - float(np.mean(f ** 2))) <= 1e-9 * max(1.0, float(np.mean(f ** 2)))
    flips = influences_by_flips(f)
    assert np.allclose(spec.influences, flips, rtol=1e-9, atol=1e-12 * scale * scale)
    assert spec.total_influence == pytest.approx(float(flips.sum()), rel=1e-9, abs=1e-12 * scale * scale)
    # weights by degree add up, tails are suffix sums, Lemma B's quantities are consistent
    assert spec.weights_by_degree.sum() == pytest.approx(spec.energy, rel=1e-12)
    for d in range(n + 1):
        assert spec.tail_weight(d) == pytest.approx(float(spec.weights[spec.degrees > d].sum()), rel=1e-9, abs=1e-15)


@settings(max_examples=25)
@given(n=st.integers(1, 10), s=st.integers(1, 12), seed=st.integers(0, 10**6),
       act=st.sampled_from(["relu", "step", "leaky_relu:0.1", "identity"]))
def test_block_values_and_influences(n, s, seed, act):
    block = random_block(n, s, seed, activation=act)
    vals = cube_values(block)
    assert np.allclose(vals, block.forward(_points(n))[:, 0], rtol=0, atol=1e-12 * max(1, np.abs(vals).max()))
    spec = spectrum(block)
    assert abs(spec.energy - float(np.mean(vals ** 2))) <= 1e-9 * max(1.0, spec.energy)
    assert np.allclose(spec.influences, influences_by_flips(vals), rtol=1e-9, atol=1e-15)


def test_noise_sensitivity_matches_the_direct_definition():
    n = 6
    rng = np.random.default_rng(11)
    f = rng.normal(size=1 << n)
    spec = Spectrum.from_values(f)
    for delta in (0.0, 0.05, 0.3, 0.5, 1.0):
        total = 0.0
        for z in range(1 << n):  # noise pattern z flips the coordinates in its bits
            k = bin(z).count("1")
            pz = delta ** k * (1 - delta) ** (n - k)
            y = f[np.arange(1 << n) ^ z]
            total += pz * float(np.mean((f - y) ** 2)) / 4.0
        assert spec.noise_sensitivity(delta) == pytest.approx(total, abs=1e-12)
    with pytest.raises(InvalidArgument):
        spec.noise_sensitivity(1.5)


@pytest.mark.parametrize("act", ["relu", "step"])
@pytest.mark.parametrize("n,coords", [(6, [1, 4]), (8, [0, 3, 7]), (10, [2, 3, 5, 9])])
def test_parity_junta_spectrum(act, n, coords):
    t = len(coords)
    spec = spectrum(parity_block(n, coords, activation=act))
    mask = mask_of(coords, n)
    assert spec.coefficients[mask] == pytest.approx(1.0, abs=1e-12)
    w = spec.weights_by_degree
    assert w[t] == pytest.approx(1.0, abs=1e-12) and np.sum(np.delete(w, t)) < 1e-20
    assert spec.total_influence == pytest.approx(t, abs=1e-12)
    expect_inf = np.zeros(n)
    expect_inf[coords] = 1.0
    assert np.allclose(spec.influences, expect_inf, atol=1e-12)
    for delta in (0.01, 0.1, 0.25):
        assert spec.noise_sensitivity(delta) == pytest.approx(0.5 - 0.5 * (1 - 2 * delta) ** t, abs=1e-12)
    assert spec.min_degree(0.5) == t  # W^{>t-1} = 1 > 0.5, W^{>t} = 0


@settings(max_examples=20)
@given(seed=st.integers(0, 10**6), t=st.integers(1, 4), act=st.sampled_from(["relu", "step"]))
def test_random_junta_spectrum_is_g_spectrum_embedded(seed, t, act):
    rng = np.random.default_rng(seed)
    n = 8
    coords = sorted(rng.choice(n, size=t, replace=False).tolist())
    table = rng.normal(size=1 << t)
    spec = spectrum(junta_block(n, coords, table, activation=act))
    g = Spectrum.from_values(table)  # sign_patterns(t) uses the same index order as the cube
    assert np.array_equal(sign_patterns(t), _points(t))
    for mask_t in range(1 << t):
        S = [coords[i] for i in range(t) if mask_t >> i & 1]
        assert spec.coefficient(S) == pytest.approx(g.coefficients[mask_t], abs=1e-12)
    assert spec.energy == pytest.approx(g.energy, rel=1e-12)
    outside = [j for j in range(n) if j not in coords]
    assert np.all(spec.influences[outside] < 1e-24)


def test_min_degree_and_top():
    n = 5
    X = _points(n)
    f = 3 * X[:, 0] + np.prod(X[:, :3], axis=1) * 0.5
    spec = Spectrum.from_values(f)
    assert spec.min_degree(0.25) == 1  # W^{>1} = 0.25 <= 0.25
    assert spec.min_degree(0.2) == 3
    assert spec.top(2) == [(1, 3.0), (7, 0.5)]


def test_errors():
    with pytest.raises(ShapeError):
        wht(np.zeros(6))
    with pytest.raises(InvalidArgument):
        wht(np.zeros(8, dtype=np.float32))
    ro = np.zeros(8)
    ro.setflags(write=False)
    with pytest.raises(InvalidArgument):
        wht(ro)
    with pytest.raises(ShapeError):
        Spectrum.from_values(np.zeros(12))
    with pytest.raises(InvalidArgument, match="NaN"):
        Spectrum.from_values(np.array([0.0, np.nan]))
    multi = random_block(4, 3, 0, output_dim=2)
    with pytest.raises(InvalidArgument, match="--output"):
        spectrum(multi)
    assert spectrum(multi, output=1).n == 4
    with pytest.raises(InvalidArgument):
        spectrum(multi, output=2)
    hidden_only = MLPBlock(np.eye(3), np.zeros(3))
    with pytest.raises(InvalidArgument, match="W2"):
        spectrum(hidden_only)
    # without W2, output names a hidden unit: relu(x_1) = (1 + x_1)/2 on the cube
    sp = spectrum(hidden_only, output=1)
    assert sp.coefficients[0] == pytest.approx(0.5) and sp.coefficients[2] == pytest.approx(0.5)
    with pytest.raises(DomainError):
        spectrum(random_block(23, 2, 0))
    with pytest.raises(InvalidArgument):
        cube_values(random_block(4, 2, 0), max_n=23)
