"""Model files: native .npz and safetensors round trips, suffix dispatch, and refusal of bad files.

Framework-specific loaders are tested in test_io_onnx.py, test_io_torch.py, test_io_sklearn.py
and test_io_nnet.py.
"""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sparsecert.sparse_models import (
    InvalidArgument,
    MLPBlock,
    ModelFormatError,
    NonFiniteError,
    UnsupportedActivation,
    UnsupportedLayer,
    junta_block,
    load,
    load_network,
    load_npz,
    save_npz,
)
from sparsecert.sparse_models.io import FORMAT
from sparsecert.sparse_models.io.safetensors_io import save_safetensors

safetensors_numpy = pytest.importorskip("safetensors.numpy")

ACTIVATIONS = ["relu", "step", "leaky_relu:0.01", "leaky_relu:0.3", "gelu", "gelu_tanh", "silu", "identity"]


class _Marker:
    """Unpickling this would create a file: proof that a loader executed pickled code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _floats():
    return st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40)
@given(data=st.data(), s=st.integers(1, 6), n=st.integers(1, 6), m=st.one_of(st.none(), st.integers(1, 3)),
       activation=st.sampled_from(ACTIVATIONS))
def test_native_round_trip_is_bit_exact(tmp_path_factory, data, s, n, m, activation):
    W1 = data.draw(hnp.arrays(np.float64, (s, n), elements=_floats()))
    b1 = data.draw(hnp.arrays(np.float64, (s,), elements=_floats()))
    W2 = None if m is None else data.draw(hnp.arrays(np.float64, (m, s), elements=_floats()))
    b2 = None if m is None else data.draw(hnp.arrays(np.float64, (m,), elements=_floats()))
    block = MLPBlock(W1, b1, W2, b2, activation, name="rt")
    path = tmp_path_factory.mktemp("rt") / "b.npz"
    back = load_npz(save_npz(block, path))
    assert back.same_as(block) and back.name == "rt"
    # bit-exact, including -0.0 and subnormals
    assert back.W1.tobytes() == block.W1.tobytes() and back.b1.tobytes() == block.b1.tobytes()
    assert load(path).same_as(block)
    net = load_network(path)
    assert net.hidden_layers == 1 and net.layers[0].W.tobytes() == block.W1.tobytes()


def test_native_file_keys(tmp_path):
    path = save_npz(junta_block(4, [0, 1], [1.0, 2.0, 3.0, 4.0]), tmp_path / "j.npz")
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == {"W1", "b1", "W2", "b2", "activation", "format", "name"}
        assert str(data["format"]) == FORMAT == "sparsecert-mlp/1" and str(data["activation"]) == "relu"


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, error, match", [
    (dict(W1=np.ones((2, 3)), b1=np.zeros(2)), ModelFormatError, "no 'format' key"),
    (dict(W1=np.ones((2, 3)), b1=np.zeros(2), format=np.array("other/9")), ModelFormatError,
     "format 'other/9' is not supported"),
    (dict(b1=np.zeros(2), format=np.array(FORMAT)), ModelFormatError, r"missing key\(s\) \['W1'\]"),
    (dict(W1=np.ones((2, 3)), b1=np.zeros(2), extra=np.zeros(1), format=np.array(FORMAT)), ModelFormatError,
     r"unknown key\(s\) \['extra'\]"),
    (dict(W1=np.ones((2, 3)), b1=np.zeros(3), format=np.array(FORMAT)), ModelFormatError,
     r"b1 has shape \(3,\) but W1 has 2 rows"),
    (dict(W1=np.ones((2, 3)), b1=np.zeros(2), W2=np.ones((1, 5)), format=np.array(FORMAT)), ModelFormatError,
     r"W2 has shape \(1, 5\)"),
    (dict(W1=np.array([[1.0, np.nan]]), b1=np.zeros(1), format=np.array(FORMAT)), NonFiniteError, "non-finite"),
    (dict(W1=np.ones((1, 2)), b1=np.zeros(1), activation=np.array("softplus"), format=np.array(FORMAT)),
     UnsupportedActivation, "unknown activation 'softplus'"),
    (dict(W1=np.ones((1, 2)), b1=np.zeros(1), activation=np.array([1.0]), format=np.array(FORMAT)),
     ModelFormatError, "must hold a string"),
    (dict(W1=np.array([[1.0, None]], dtype=object), b1=np.zeros(1), format=np.array(FORMAT)), ModelFormatError,
     "pickle"),
])
def test_bad_native_files(tmp_path, arrays, error, match):
    path = _npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(error, match=match) as info:
        load(path)
    assert str(path) in str(info.value)


def test_truncated_corrupt_and_foreign_npz(tmp_path):
    good = save_npz(junta_block(3, [0], [1.0, -1.0]), tmp_path / "g.npz").read_bytes()
    cases = {
        "trunc.npz": good[: len(good) // 2],
        "text.npz": b"W1 = [[1, 2]]\n",
        "empty.npz": b"",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelFormatError, match="not a sparsecert .npz model") as info:
            load(path)
        assert str(path) in str(info.value)
    single = tmp_path / "single.npz"
    with open(single, "wb") as fh:
        np.save(fh, np.ones(3))
    with pytest.raises(ModelFormatError, match="single array"):
        load(single)


def test_corrupted_member_of_npz(tmp_path):
    """A flipped byte inside the stored W1 fails zip's CRC check: a format error, not a traceback."""
    path = save_npz(MLPBlock(np.arange(64.0).reshape(8, 8), np.zeros(8)), tmp_path / "c.npz")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("W1.npy")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.file_size - 8
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFormatError, match=str(path).replace("\\", "\\\\")):
        load(path)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors", ".onnx", ".pt", ".nnet"])
def test_plain_pickles_are_refused_without_running_them(tmp_path, suffix):
    marker = tmp_path / "executed"
    path = tmp_path / f"evil{suffix}"
    with open(path, "wb") as fh:
        pickle.dump({"0.weight": _Marker(str(marker)), "W1": np.ones((1, 1))}, fh)
    with pytest.raises(ModelFormatError) as info:
        load(path, activation="relu") if suffix in (".safetensors", ".pt") else load(path)
    assert str(path) in str(info.value)
    assert not marker.exists(), "a loader executed pickled code"


@pytest.mark.parametrize("suffix", [".pkl", ".joblib", ".h5", ""])
def test_unknown_suffixes_are_refused(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"\x80\x04N.")
    with pytest.raises(ModelFormatError, match="unknown model suffix"):
        load_network(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFormatError, match="no such file"):
        load(tmp_path / "absent.onnx")
    with pytest.raises(ModelFormatError, match="no such file"):
        load_network(tmp_path / "absent.onnx")
    d = tmp_path / "dir.onnx"
    d.mkdir()
    with pytest.raises(ModelFormatError, match="is a directory"):
        load_network(d)


def test_activation_keyword_only_where_the_file_does_not_record_it(tmp_path):
    path = save_npz(junta_block(3, [0], [1.0, -1.0]), tmp_path / "j.npz")
    with pytest.raises(InvalidArgument, match="record their activations"):
        load(path, activation="relu")
    st_path = save_safetensors(junta_block(3, [0], [1.0, -1.0]), tmp_path / "j.safetensors")
    with pytest.raises(UnsupportedActivation, match="unknown activation 'softplus'"):
        load(st_path, activation="softplus")


# --- safetensors ----------------------------------------------------------------------------------

def _block(seed=0, n=6, s=5, m=2, activation="leaky_relu:0.2") -> MLPBlock:
    rng = np.random.default_rng(seed)
    return MLPBlock(rng.normal(size=(s, n)), rng.normal(size=s), rng.normal(size=(m, s)), rng.normal(size=m),
                    activation)


def test_safetensors_native_round_trip(tmp_path):
    block = _block()
    path = save_safetensors(block, tmp_path / "b.safetensors")
    back = load(path)
    assert back.same_as(block) and back.name == "b"
    assert load(path, activation="leaky_relu:0.2").same_as(block)  # agreeing keyword is fine
    with pytest.raises(InvalidArgument, match="records activation 'leaky_relu:0.2' but activation='relu'"):
        load(path, activation="relu")
    hidden_only = save_safetensors(MLPBlock(block.W1, block.b1, activation="gelu"), tmp_path / "h.safetensors")
    assert load(hidden_only).same_as(MLPBlock(block.W1, block.b1, activation="gelu"))


def test_safetensors_native_keys_without_metadata_need_the_activation(tmp_path):
    block = _block(activation="relu")
    path = tmp_path / "nometa.safetensors"
    safetensors_numpy.save_file({"W1": block.W1, "b1": block.b1, "W2": block.W2, "b2": block.b2}, str(path))
    with pytest.raises(ModelFormatError, match=r"does not record the activation.*activation='relu'"):
        load(path)
    assert load(path, activation="relu").same_as(block)


def test_safetensors_float32_weights_are_widened_exactly(tmp_path):
    rng = np.random.default_rng(2)
    W = rng.normal(size=(3, 4)).astype(np.float32)
    path = tmp_path / "f32.safetensors"
    safetensors_numpy.save_file({"W1": W, "b1": np.zeros(3, np.float32)}, str(path), metadata={"activation": "relu"})
    assert np.array_equal(load(path).W1, W.astype(np.float64))


def test_safetensors_pytorch_names_match_torch_forward(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    mods = []
    for _ in range(11):  # 11 Linear layers: '20.weight' must come after '2.weight' and '18.weight'
        mods += [torch.nn.Linear(4, 4), torch.nn.ReLU()]
    module = torch.nn.Sequential(*mods[:-1]).eval()
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    path = tmp_path / "seq.safetensors"
    safetensors_numpy.save_file(state, str(path))
    net = load_network(path, activation="relu")
    assert net.widths == (4,) * 10
    X = np.random.default_rng(0).normal(size=(50, 4))
    with torch.no_grad():
        ref = module.double()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(net.forward(X), ref, rtol=1e-12, atol=1e-12)
    block = load(path, layer=3, activation="relu")
    assert block.W1.shape == (4, 4) and np.array_equal(block.W1, state["6.weight"].astype(np.float64))


def test_safetensors_fc_names_and_missing_bias(tmp_path):
    rng = np.random.default_rng(3)
    W1, W2, W10 = rng.normal(size=(5, 3)), rng.normal(size=(4, 5)), rng.normal(size=(2, 4))
    path = tmp_path / "fc.safetensors"
    safetensors_numpy.save_file({"fc1.weight": W1, "fc1.bias": np.ones(5), "fc2.weight": W2,
                                 "fc10.weight": W10, "fc10.bias": np.zeros(2)}, str(path),
                                metadata={"activation": "silu"})
    net = load_network(path)
    assert [l.W.shape for l in net.layers] == [(5, 3), (4, 5), (2, 4)]
    assert np.array_equal(net.layers[1].b, np.zeros(4)) and net.layers[0].activation.name == "silu"


@pytest.mark.parametrize("tensors, meta, error, match", [
    ({"W1": np.ones((2, 3)), "b1": np.ones(2), "fc.weight": np.ones((1, 1))}, {"activation": "relu"},
     ModelFormatError, "mixes native keys"),
    ({"W1": np.ones((2, 3))}, {"activation": "relu"}, ModelFormatError, r"missing tensor\(s\) \['b1'\]"),
    ({"W1": np.ones((2, 3)), "b1": np.ones(2), "b2": np.ones(1)}, {"activation": "relu"}, ModelFormatError,
     "has b2 but no W2"),
    ({"W1": np.ones((2, 3)), "b1": np.ones(3)}, {"activation": "relu"}, ModelFormatError, "b1 has shape"),
    ({"W1": np.array([[np.inf, 1.0]]), "b1": np.ones(1)}, {"activation": "relu"}, NonFiniteError, "non-finite"),
    ({"W1": np.ones((1, 1)), "b1": np.ones(1)}, {"activation": "softplus"}, UnsupportedActivation, "softplus"),
    ({"0.weight": np.ones((3, 2)), "1.weight": np.ones((2, 4))}, {"activation": "relu"}, ModelFormatError,
     "1.weight takes 4 inputs but 0 gives 3 outputs"),
    ({"0.weight": np.ones((3, 2)), "0.bias": np.ones(2)}, {}, ModelFormatError, r"0.bias has shape \(2,\)"),
    ({"0.bias": np.ones(2)}, {}, ModelFormatError, "0.bias has no matching 0.weight"),
    ({"0.weight": np.ones((3, 2)), "bn.running_mean": np.ones(3)}, {"activation": "relu"}, UnsupportedLayer,
     "'bn.running_mean' belongs to a BatchNorm layer; a state dict does not record the batch norm's epsilon"),
    ({"conv.weight": np.ones((3, 2, 3, 3))}, {}, UnsupportedLayer, r"conv.weight has shape \(3, 2, 3, 3\)"),
    ({"0.weight": np.ones((3, 2)), "2.weight": np.ones((1, 3))}, {}, ModelFormatError, "does not record"),
    ({"W1": np.ones((2, 3), dtype=np.int8) > 0, "b1": np.ones(2)}, {"activation": "relu"}, ModelFormatError,
     "boolean"),
])
def test_bad_safetensors_files(tmp_path, tensors, meta, error, match):
    path = tmp_path / "bad.safetensors"
    safetensors_numpy.save_file(tensors, str(path), metadata=meta or None)
    with pytest.raises(error, match=match) as info:
        load_network(path)
    assert str(path) in str(info.value)


def test_unreadable_safetensors_files(tmp_path):
    good = save_safetensors(_block(), tmp_path / "g.safetensors").read_bytes()
    for name, content in {"text": b"hello, not a model\n", "trunc": good[: len(good) - 40], "empty": b""}.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(content)
        with pytest.raises(ModelFormatError, match="not a readable safetensors file") as info:
            load(path)
        assert str(path) in str(info.value)


def test_bfloat16_safetensors_is_widened_exactly(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    from safetensors.torch import save_file

    W = torch.randn(3, 2, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    save_file({"W1": W, "b1": torch.zeros(3)}, str(path), metadata={"activation": "relu"})
    assert np.array_equal(load(path).W1, W.to(torch.float64).numpy())


def test_layer_selection_errors(tmp_path):
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 1))
    path = tmp_path / "deep.safetensors"
    safetensors_numpy.save_file({k: v.detach().numpy() for k, v in module.state_dict().items()}, str(path),
                                metadata={"activation": "relu"})
    with pytest.raises(ModelFormatError, match=r"2 hidden layers; pass layer=0..1"):
        load(path)
    with pytest.raises(InvalidArgument, match=r"layer=2 is out of range"):
        load(path, layer=2)
    block = load(path, layer=1)
    assert (block.n, block.s, block.m) == (4, 4, 1) and block.name == "deep[layer 1]"
