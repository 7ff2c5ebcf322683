"""A knowledge base ready to answer: the seed FAQ in an empty database and a published index.

Used by `make run` and by a development start-up of the bot (`gunicorn wsgi:app` without
FAQBOT_ENV=production); production never imports the seed by itself."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import faq
from faq.formats import read_many
from faq.store import FaqStore

from .build import build_index
from .cache import EmbeddingCache
from .config import cache_from_env, make_embedder, share_from_env
from .embedders import Embedder
from .snapshot import current_build, file_lock

SEED_DIR = Path(faq.__file__).resolve().parent / "seed"
PREPARE_LOCK = ".prepare.lock"


@dataclass(frozen=True)
class PrepareReport:
    seeded: int        # seed entries imported into an empty database (0: it already had FAQ)
    built: bool        # this call built and published an index
    entries: int       # active entries in the built index (0 when nothing was built)
    embedded: int      # texts embedded anew (the rest came from the embedding cache)
    seconds: float


def seed_files() -> list[Path]:
    return sorted(SEED_DIR.glob("*.jsonl"))


@contextmanager
def _prepare_lock(index_dir: Path):
    """One preparation at a time per index: gunicorn workers start together, the later ones wait and
    then find the work done. (Not the build lock: build_index takes that one itself.)"""
    index_dir.mkdir(parents=True, exist_ok=True)
    with file_lock(index_dir / PREPARE_LOCK):
        yield


def prepare_knowledge_base(db_path: str | Path, index_dir: str | Path, *, refresh: bool = False,
                           embedder_factory: Callable[[], Embedder] = make_embedder,
                           cache_factory: Callable[[], EmbeddingCache | None] = cache_from_env) -> PrepareReport:
    """Import the seed FAQ when the database has no FAQ at all (active or not), then build the index
    when there is none (or always with `refresh`: only changed text is embedded again)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    with _prepare_lock(index_dir):
        store = FaqStore.open(db_path)
        try:
            seeded = 0
            if store.count() == 0 and not store.list(include_inactive=True):
                seeded = store.import_entries(read_many([str(p) for p in seed_files()]), actor="seed").added
            if not (refresh or seeded or current_build(index_dir) is None):
                return PrepareReport(0, False, 0, 0, time.perf_counter() - started)
            cache, share = cache_factory(), share_from_env(location=db_path)
            try:
                report = build_index(store.list, index_dir, embedder_factory(), cache, share=share)
            finally:
                if cache is not None:
                    cache.close()
                if share is not None:
                    share.close()
        finally:
            store.close()
    return PrepareReport(seeded, True, report.n_entries, report.embedded, time.perf_counter() - started)
