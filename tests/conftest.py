import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl")))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "faq.sqlite3"


@pytest.fixture
def store(db_path):
    from faq.store import FaqStore
    s = FaqStore.open(db_path)
    yield s
    s.close()


@pytest.fixture
def env(tmp_path):
    """Environment for a subprocess: its own database, index and embedding cache."""
    e = dict(os.environ)
    e.update(FAQBOT_DB=str(tmp_path / "faq.sqlite3"), FAQBOT_INDEX_DIR=str(tmp_path / "index"),
             FAQBOT_EMBED_CACHE=str(tmp_path / "cache.sqlite3"), FAQBOT_STAFF="tester")
    return e


def seed_database(path, entries, actor: str = "test"):
    """A real FAQ database file holding `entries`; returns its path."""
    from faq.store import FaqStore
    store = FaqStore.open(path)
    try:
        store.import_entries(entries, actor=actor)
    finally:
        store.close()
    return path


def run_cli(env, *args, input=None):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "faqctl.py"), *args], env=env,
                          capture_output=True, text=True, input=input, timeout=600)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One embedding cache for the whole run, so the seed FAQ is embedded once."""
    return tmp_path_factory.mktemp("cache") / "embeddings.sqlite3"


@pytest.fixture(scope="session")
def seed_entries():
    from faq.formats import read_many
    return read_many(SEED_FILES)


@pytest.fixture(scope="session")
def embedder():
    from index.embedders import BundledE5Embedder
    return BundledE5Embedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seed_entries, embedder, shared_cache):
    """The seed FAQ built into a real index directory once per test run."""
    from index.build import build_index
    from index.cache import EmbeddingCache
    index_dir = tmp_path_factory.mktemp("index")
    cache = EmbeddingCache(shared_cache)
    build_index(seed_entries, index_dir, embedder, cache)
    cache.close()
    return index_dir


@pytest.fixture(scope="session")
def searcher(seed_index, embedder):
    from index.search import Searcher
    return Searcher(seed_index, lambda: embedder)
