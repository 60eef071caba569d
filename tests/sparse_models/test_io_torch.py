"""PyTorch: state dicts read with weights_only=True, nn.Sequential converted in memory."""

from __future__ import annotations

import copy
import pickle
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from sparsecert.sparse_models import (  # noqa: E402
    InvalidArgument,
    MissingDependency,
    ModelFormatError,
    NonFiniteError,
    UnsupportedLayer,
    from_torch,
    load,
    load_network,
)


def _seq(*layers) -> "nn.Sequential":
    torch.manual_seed(0)
    return nn.Sequential(*layers).eval()


def _torch_forward(module, X: np.ndarray) -> np.ndarray:
    """The module's own forward pass, on a float64 copy (so the comparison is not float32-limited)."""
    with torch.no_grad():
        return copy.deepcopy(module).double()(torch.from_numpy(X)).numpy()


def _X(n: int, rows: int = 40, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, n)) * 2


# --- state dicts on disk ---------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_state_dict_matches_torch_forward(tmp_path, suffix):
    module = _seq(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    path = tmp_path / f"m{suffix}"
    torch.save(module.state_dict(), path)
    net = load_network(path, activation="relu")
    assert net.widths == (8, 8) and net.name == "m"
    X = _X(5)
    np.testing.assert_allclose(net.forward(X), _torch_forward(module, X), rtol=1e-12, atol=1e-12)
    with torch.no_grad():  # and the float32 module within float32 accuracy
        ref32 = module(torch.from_numpy(X).float()).numpy()
    np.testing.assert_allclose(net.forward(X), ref32, rtol=1e-5, atol=1e-5)
    # the weights are the module's float32 values, exactly
    assert np.array_equal(net.layers[1].W, module[2].weight.detach().numpy().astype(np.float64))
    block = load(path, layer=1, activation="relu")
    assert (block.n, block.s, block.m) == (8, 8, 3)


def test_state_dict_needs_the_activation(tmp_path):
    path = tmp_path / "m.pt"
    torch.save(_seq(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 1)).state_dict(), path)
    with pytest.raises(ModelFormatError, match=r"m.pt: a PyTorch state dict does not record the activation"
                                               r".*load\(path, activation='relu'\)"):
        load(path)
    assert load(path, activation="gelu").activation.name == "gelu"


def test_nested_checkpoint_and_bias_free_layers(tmp_path):
    module = _seq(nn.Linear(3, 4, bias=False), nn.LeakyReLU(0.1), nn.Linear(4, 2))
    path = tmp_path / "ckpt.pt"
    torch.save({"state_dict": module.state_dict(), "epoch": 7, "lr": 0.1}, path)
    net = load_network(path, activation="leaky_relu:0.1")
    assert np.array_equal(net.layers[0].b, np.zeros(4))
    X = _X(3)
    np.testing.assert_allclose(net.forward(X), _torch_forward(module, X), rtol=1e-12, atol=1e-12)


def test_bfloat16_state_dict_is_widened_exactly(tmp_path):
    module = _seq(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).to(torch.bfloat16)
    path = tmp_path / "bf.pt"
    torch.save(module.state_dict(), path)
    net = load_network(path, activation="relu")
    assert np.array_equal(net.layers[0].W, module[0].weight.detach().to(torch.float64).numpy())


def test_a_pickled_module_is_refused_not_run(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(_seq(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), path)
    with pytest.raises(ModelFormatError, match=r"whole.pt: holds pickled Python objects.*refuses to unpickle"
                                               r".*state_dict\(\)"):
        load(path, activation="relu")


def test_plain_pickle_is_refused(tmp_path):
    path = tmp_path / "plain.pt"
    with open(path, "wb") as fh:
        pickle.dump({"0.weight": np.ones((2, 2))}, fh)
    with pytest.raises(ModelFormatError, match="refuses to unpickle"):
        load(path, activation="relu")


@pytest.mark.parametrize("obj, error, match", [
    (lambda: torch.ones(3), ModelFormatError, "single tensor, not a state dict"),
    (lambda: {}, ModelFormatError, "empty dict"),
    (lambda: {"a": 1, "b": [1, 2]}, ModelFormatError, r"entries \['a', 'b'\] are not tensors"),
    (lambda: [torch.ones(2)], ModelFormatError, "holds a list, not a state dict"),
    (lambda: {"0.weight": torch.ones(3, 2), "0.bias": torch.ones(2)}, ModelFormatError, r"0.bias has shape \(2,\)"),
    (lambda: {"0.weight": torch.ones(3, 2), "1.weight": torch.ones(2, 2)}, ModelFormatError,
     "1.weight takes 2 inputs but 0 gives 3"),
    (lambda: {"0.weight": torch.tensor([[float("nan"), 1.0]])}, NonFiniteError, "non-finite"),
    (lambda: {"bn.weight": torch.ones(3), "bn.running_mean": torch.zeros(3)}, UnsupportedLayer,
     r"bn.weight has shape \(3,\)|bn.running_mean"),
    (lambda: {"0.weight": torch.ones(2, 2, dtype=torch.complex64)}, ModelFormatError, "numeric array"),
    (lambda: {"0.weight": torch.ones(2, 2).to_sparse()}, ModelFormatError, "sparse or quantized"),
])
def test_bad_state_dicts(tmp_path, obj, error, match):
    path = tmp_path / "bad.pt"
    torch.save(obj(), path)
    with pytest.raises(error, match=match) as info:
        load_network(path, activation="relu")
    assert str(path) in str(info.value)


def test_unreadable_torch_files(tmp_path):
    good = tmp_path / "good.pt"
    torch.save(_seq(nn.Linear(3, 4)).state_dict(), good)
    raw = good.read_bytes()
    for name, content in {"trunc": raw[: len(raw) // 2], "text": b"hello world\n", "empty": b""}.items():
        path = tmp_path / f"{name}.pt"
        path.write_bytes(content)
        with pytest.raises(ModelFormatError, match="not a (readable )?PyTorch file") as info:
            load(path, activation="relu")
        assert str(path) in str(info.value)


def test_missing_torch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    path = tmp_path / "m.pt"
    path.write_bytes(b"x")
    with pytest.raises(MissingDependency, match=r"pip install 'sparsecert\[torch\]'"):
        load(path, activation="relu")
    with pytest.raises(MissingDependency, match="PyTorch"):
        from_torch(object())


# --- nn.Sequential in memory ------------------------------------------------------------------------------

@pytest.mark.parametrize("act, expected", [
    (lambda: nn.ReLU(), "relu"),
    (lambda: nn.LeakyReLU(0.3), "leaky_relu"),
    (lambda: nn.GELU(), "gelu"),
    (lambda: nn.GELU(approximate="tanh"), "gelu_tanh"),
    (lambda: nn.SiLU(), "silu"),
])
def test_from_torch_matches_torch_forward(act, expected):
    module = _seq(nn.Linear(6, 10), act(), nn.Dropout(0.5), nn.Linear(10, 7), act(), nn.Linear(7, 2))
    net = from_torch(module)
    assert [l.activation.name if l.activation else None for l in net.layers] == [expected, expected, None]
    X = _X(6)
    np.testing.assert_allclose(net.forward(X), _torch_forward(module, X), rtol=1e-12, atol=1e-12)


def test_from_torch_flatten_identity_nested_and_linear_pairs():
    inner = nn.Sequential(nn.Linear(12, 5), nn.Linear(5, 5))  # two Linear in a row: identity hidden layer
    module = _seq(nn.Flatten(), nn.Identity(), inner, nn.ReLU(), nn.Linear(5, 3))
    net = from_torch(module, name="mine")
    assert net.name == "mine" and net.n == 12
    assert [l.activation.name if l.activation else None for l in net.layers] == ["identity", "relu", None]
    X3 = np.random.default_rng(0).normal(size=(10, 3, 4))
    with torch.no_grad():
        ref = copy.deepcopy(module).double()(torch.from_numpy(X3)).numpy()
    np.testing.assert_allclose(net.forward(X3.reshape(10, 12)), ref, rtol=1e-12, atol=1e-12)
    single = from_torch(nn.Linear(4, 2))
    assert single.hidden_layers == 0 and single.layers[0].W.shape == (2, 4)


@pytest.mark.parametrize("module, error, match", [
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.Softplus(), nn.Linear(4, 1)), UnsupportedLayer,
     r"layer '1' is a Softplus, which is not supported"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), UnsupportedLayer,
     r"BatchNorm1d layer '1' is in training mode .*call model.eval\(\)"),
    (lambda: nn.Sequential(nn.Sequential(nn.Conv1d(1, 1, 3))), UnsupportedLayer, r"layer '0.0' is a Conv1d"),
    (lambda: nn.Sequential(nn.ReLU(), nn.Linear(3, 1)), UnsupportedLayer, r"layer '0' \(ReLU\) does not follow"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.ReLU()), UnsupportedLayer, r"layer '2' \(ReLU\)"),
    (lambda: nn.Sequential(nn.Flatten(0, -1), nn.Linear(3, 1)), UnsupportedLayer, r"Flatten\(0, -1\)"),
    (lambda: nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 1)), ModelFormatError, "layer 1 takes 5 inputs"),
    (lambda: nn.Sequential(), ModelFormatError, "no Linear layer"),
    (lambda: nn.TransformerEncoderLayer(8, 2), InvalidArgument, "reads an nn.Sequential"),
])
def test_from_torch_refusals(module, error, match):
    with pytest.raises(error, match=match):
        from_torch(module())


def test_from_torch_nan_weights():
    module = nn.Sequential(nn.Linear(2, 2))
    with torch.no_grad():
        module[0].weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteError, match="Sequential: .*non-finite"):
        from_torch(module)
