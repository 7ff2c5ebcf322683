"""Building an index from FAQ entries, re-embedding only text that changed."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from faq.model import FaqEntry
from faq.private import private_dir

from .cache import EmbeddingCache
from .dense_scale import measure as measure_dense_scale
from .embedders import BundledE5Embedder, Embedder
from .lexical import BM25, JapaneseTokenizer
from .passages import answer_passages, head_text
from .snapshot import (
    FORMAT_VERSION,
    KIND_ALT,
    KIND_ANSWER_PART,
    KIND_PASSAGE,
    KIND_QUESTION,
    IndexError_,
    Snapshot,
    build_lock,
    load_snapshot,
    save_snapshot,
)
from .vectors import VectorIndex

if TYPE_CHECKING:
    from .share import BuildShare



@dataclass(frozen=True)
class BuildReport:
    n_entries: int
    n_vectors: int
    embedded: int      # texts that were not in the cache
    seconds: float
    path: Path
    index_kind: str
    shared: bool = False  # published into the database for the other hosts


def question_texts(entry: FaqEntry) -> list[tuple[int, str]]:
    return [(KIND_QUESTION, entry.question)] + [(KIND_ALT, q) for q in entry.alt_questions]


def passage_texts(entry: FaqEntry) -> list[tuple[int, str]]:
    """The question with the start of the answer, then the passages of a long answer."""
    return ([(KIND_PASSAGE, head_text(entry.question, entry.answer))]
            + [(KIND_ANSWER_PART, p) for p in answer_passages(entry.answer)])


def embedding_texts(entries: list[FaqEntry]) -> tuple[list[int], list[int], list[str], list[str]]:
    """Vector rows in build order: every entry's question texts, then every entry's passages
    (owner position, kind, and the texts embedded as queries and as passages)."""
    owners, kinds, q_texts, p_texts = [], [], [], []
    for texts, out in ((question_texts, q_texts), (passage_texts, p_texts)):
        for pos, e in enumerate(entries):
            for kind, text in texts(e):
                owners.append(pos)
                kinds.append(kind)
                out.append(text)
    return owners, kinds, q_texts, p_texts


def text_digest(q_texts: list[str], p_texts: list[str]) -> str:
    """Which text each vector row holds, in one hash: a build's vectors are reused by text only when
    today's code derives the same texts from its entries (passage rules can change between versions)."""
    h = hashlib.sha256()
    for tag, texts in ((b"q", q_texts), (b"p", p_texts)):
        for t in texts:
            h.update(tag + t.encode("utf-8") + b"\x1e")
    return h.hexdigest()


class ServedVectors:
    """The vectors of the build an index directory serves, by text. The embedding cache is a file per
    host; a host that received its build from another one (index.share) would otherwise embed the whole
    FAQ again at its first rebuild (tens of minutes at 2,000 entries). Loaded only when the cache misses
    many texts: for the few an edit changes, embedding them costs less than reading the build."""

    MIN_MISSES = 32

    def __init__(self, index_dir: Path, embedder: Embedder):
        self.index_dir, self.embedder = Path(index_dir), embedder
        self._by_text: dict[str, dict[str, np.ndarray]] | None = None

    def __call__(self, kind: str, texts: list[str]) -> dict[str, np.ndarray]:
        if self._by_text is None and len(texts) < self.MIN_MISSES:
            return {}
        if self._by_text is None:
            self._by_text = self._load()
        table = self._by_text.get(kind, {})
        return {t: table[t] for t in texts if t in table}

    def _load(self) -> dict[str, dict[str, np.ndarray]]:
        try:
            snap = load_snapshot(self.index_dir)   # checks every file's sha256
        except IndexError_:
            return {}
        m = snap.manifest
        # an approximate (quantized) index does not hold the exact vectors
        if (snap.vectors is None or snap.vectors.kind != "flat" or m.get("model") != self.embedder.name
                or m.get("dim") != self.embedder.dim or not m.get("text_digest")):
            return {}
        _, _, q_texts, p_texts = embedding_texts(list(snap.entries))
        if text_digest(q_texts, p_texts) != m["text_digest"] or len(q_texts) + len(p_texts) != snap.vectors.size:
            return {}
        rows = snap.vectors.index.reconstruct_n(0, snap.vectors.size)
        return {"query": dict(zip(q_texts, rows[:len(q_texts)])), "passage": dict(zip(p_texts, rows[len(q_texts):]))}


def lexical_docs(entries: list[FaqEntry], tokenizer: JapaneseTokenizer,
                 cache: EmbeddingCache | None = None) -> tuple[Iterable, Iterable]:
    """Token streams of the two fields: question (with alt questions and tags) and answer.
    Each field gets its own BM25 (own length normalisation), combined at query time."""
    questions = [" ".join([e.question, *e.alt_questions, *e.tags]) for e in entries]
    answers = [e.answer for e in entries]
    if cache is None:  # generators: BM25.fit keeps only term ids, never every token list at once
        return (tokenizer.tokens(t) for t in questions), (tokenizer.tokens(t) for t in answers)
    name = tokenizer.cache_name
    return (cache.iter_tokens(name, questions, tokenizer.tokens),
            cache.iter_tokens(name, answers, tokenizer.tokens))


def build_snapshot(entries: list[FaqEntry], embedder: Embedder | None, cache: EmbeddingCache | None,
                   progress: Callable[[int], None] | None = None,
                   tokenizer: JapaneseTokenizer | None = None,
                   served_from: Path | None = None) -> tuple[Snapshot, int]:
    """The in-memory index; `embedder=None` gives a lexical-only one. Text the cache lacks is taken from
    the build `served_from` serves when that build has it, else embedded."""
    tokenizer = tokenizer or JapaneseTokenizer()
    entries = [e for e in entries if e.active]
    q_docs, a_docs = lexical_docs(entries, tokenizer, cache)
    manifest = {"format": FORMAT_VERSION, "n_entries": len(entries),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "model": embedder.name if embedder else None, "dim": embedder.dim if embedder else None,
                "lexical_features": list(tokenizer.features),
                "entries": [{"id": e.id, "hash": e.content_hash()} for e in entries]}
    snap = Snapshot(entries, manifest, BM25().fit(q_docs), BM25().fit(a_docs))
    embedded = 0
    if embedder is not None:
        owners, kinds, q_texts, p_texts = embedding_texts(entries)
        # Questions are matched query-to-query (symmetric), the answer passage query-to-passage.
        if cache is not None:
            known = ServedVectors(served_from, embedder) if served_from is not None else None
            qv, n1 = cache.embed(embedder.name, embedder.dim, "query", q_texts, embedder.embed_queries,
                                 progress=progress, known=known)
            pv, n2 = cache.embed(embedder.name, embedder.dim, "passage", p_texts, embedder.embed_passages,
                                 batch_size=16, progress=progress, known=known)
            embedded = n1 + n2
        else:
            qv, pv = embedder.embed_queries(q_texts), embedder.embed_passages(p_texts)
            embedded = len(q_texts) + len(p_texts)
        vectors = np.vstack([qv, pv]) if len(q_texts) else np.zeros((0, embedder.dim), dtype=np.float32)
        snap.vectors = VectorIndex.build(vectors)
        snap.owners = np.asarray(owners, dtype=np.int32)
        snap.kinds = np.asarray(kinds, dtype=np.int8)
        if embedder.name != BundledE5Embedder.name:   # another model: its cosines put on the bundled one's scale
            scale = measure_dense_scale(vectors, snap.owners, snap.kinds)
            if scale is not None:
                manifest["dense_scale"] = scale.to_manifest()
        manifest["n_vectors"] = len(owners)
        manifest["text_digest"] = text_digest(q_texts, p_texts)
        manifest["index_kind"] = snap.vectors.kind
    return snap, embedded


def build_index(entries: list[FaqEntry] | Callable[[], list[FaqEntry]], index_dir: Path,
                embedder: Embedder | None, cache: EmbeddingCache | None,
                progress: Callable[[int], None] | None = None,
                tokenizer: JapaneseTokenizer | None = None, share: BuildShare | None = None) -> BuildReport:
    """Build and publish an index. Pass `entries` as a function to read them under the build lock:
    then two builds started close together publish in order and the last one has the newest FAQ.
    With `share`, the build goes into the database for every host before this host serves it; if that
    fails, nothing changes anywhere (the error is raised)."""
    started = time.perf_counter()
    with build_lock(index_dir):
        if callable(entries):
            entries = entries()
        snap, embedded = build_snapshot(entries, embedder, cache, progress, tokenizer, served_from=Path(index_dir))
        path = save_snapshot(snap, Path(index_dir), before_publish=share.publish if share else None)
    return BuildReport(len(snap.entries), int(snap.manifest.get("n_vectors", 0)), embedded,
                       time.perf_counter() - started, path, snap.manifest.get("index_kind", "lexical"),
                       shared=share is not None)


def count_texts(entries: list[FaqEntry]) -> int:
    active = [e for e in entries if e.active]
    return sum(len(question_texts(e)) + len(passage_texts(e)) for e in active)
