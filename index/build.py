"""Building an index from FAQ entries, re-embedding only text that changed."""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import numpy as np

from faq.model import FaqEntry
from faq.private import private_dir

from .cache import EmbeddingCache
from .embedders import Embedder
from .lexical import BM25, JapaneseTokenizer
from .passages import answer_passages, head_text
from .snapshot import (
    FORMAT_VERSION,
    KIND_ALT,
    KIND_ANSWER_PART,
    KIND_PASSAGE,
    KIND_QUESTION,
    Snapshot,
    save_snapshot,
)
from .vectors import VectorIndex

if TYPE_CHECKING:
    from .share import BuildShare

LOCK_FILE = ".build.lock"


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
                   tokenizer: JapaneseTokenizer | None = None) -> tuple[Snapshot, int]:
    """The in-memory index; `embedder=None` gives a lexical-only one."""
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
        owners, kinds, q_texts, p_texts = [], [], [], []
        for pos, e in enumerate(entries):
            for kind, text in question_texts(e):
                owners.append(pos)
                kinds.append(kind)
                q_texts.append(text)
        for pos, e in enumerate(entries):
            for kind, text in passage_texts(e):
                owners.append(pos)
                kinds.append(kind)
                p_texts.append(text)
        # Questions are matched query-to-query (symmetric), the answer passage query-to-passage.
        if cache is not None:
            qv, n1 = cache.embed(embedder.name, embedder.dim, "query", q_texts, embedder.embed_queries, progress=progress)
            pv, n2 = cache.embed(embedder.name, embedder.dim, "passage", p_texts, embedder.embed_passages,
                                 batch_size=16, progress=progress)
            embedded = n1 + n2
        else:
            qv, pv = embedder.embed_queries(q_texts), embedder.embed_passages(p_texts)
            embedded = len(q_texts) + len(p_texts)
        vectors = np.vstack([qv, pv]) if len(q_texts) else np.zeros((0, embedder.dim), dtype=np.float32)
        snap.vectors = VectorIndex.build(vectors)
        snap.owners = np.asarray(owners, dtype=np.int32)
        snap.kinds = np.asarray(kinds, dtype=np.int8)
        manifest["n_vectors"] = len(owners)
        manifest["index_kind"] = snap.vectors.kind
    return snap, embedded


@contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index directory, across processes (faqctl, console workers)."""
    index_dir = Path(index_dir)
    private_dir(index_dir)
    with open(index_dir / LOCK_FILE, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
        snap, embedded = build_snapshot(entries, embedder, cache, progress, tokenizer)
        path = save_snapshot(snap, Path(index_dir), before_publish=share.publish if share else None)
    return BuildReport(len(snap.entries), int(snap.manifest.get("n_vectors", 0)), embedded,
                       time.perf_counter() - started, path, snap.manifest.get("index_kind", "lexical"),
                       shared=share is not None)


def count_texts(entries: list[FaqEntry]) -> int:
    active = [e for e in entries if e.active]
    return sum(len(question_texts(e)) + len(passage_texts(e)) for e in active)
