import glob
import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl")))
PGMAP_DIR = ROOT / "tests" / "pgmap"
_pg_session: dict = {}


def _load_pgmap():
    spec = importlib.util.spec_from_file_location("faqbot_pgmap", PGMAP_DIR / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config):
    """FAQBOT_TEST_DATABASE_URL set: the PostgreSQL pass. A database of its own for this run (dropped at
    the end); every SQLite path opened through faq.db, here and in started processes, becomes a
    schema in it (tests/pgmap/sitecustomize.py)."""
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; not run in the PostgreSQL pass")
    config.addinivalue_line("markers", "postgres_only: about the PostgreSQL side itself; only in the PostgreSQL pass")
    # processes the tests start (`python scripts/faqctl.py`, gunicorn) import this tree's packages, not
    # those of the checkout installed in the virtualenv
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    admin_url = os.environ.get("FAQBOT_TEST_DATABASE_URL")
    if not admin_url:
        return
    import psycopg
    parts = urlsplit(admin_url)
    name = f"{parts.path.strip('/') or 'faqbot'}_{os.getpid()}_{secrets.token_hex(3)}".lower()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    session_url = urlunsplit(parts._replace(path="/" + name))
    _pg_session.update(admin_url=admin_url, name=name)
    os.environ["FAQBOT_TEST_PG_SESSION_URL"] = session_url
    # PostgreSQL's default answering mode is the queue; the suite's webhook tests read the answer when
    # /callback returns, so they keep the inline mode here (the queue tests set FAQBOT_ANSWER_MODE).
    os.environ.setdefault("FAQBOT_ANSWER_MODE", "inline")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(PGMAP_DIR), os.environ.get("PYTHONPATH", "")) if p)
    import faq.db
    _pg_session["pgmap"] = _load_pgmap()
    _pg_session["pgmap"].patch(faq.db)


def app_database(path) -> str:
    """What an app's FAQBOT_DB holds for the database at ``path``: the path, or in the PostgreSQL pass the
    URL of its schema itself (so the URL, not only a path, travels through the app's own code)."""
    if not _pg_session:
        return str(path)
    return _pg_session["pgmap"].url_for(os.environ["FAQBOT_TEST_PG_SESSION_URL"], path)


def pytest_collection_modifyitems(config, items):
    """Each pass leaves out the other backend's own tests (deselected and counted in the summary)."""
    other = "postgres_only" if not _pg_session else "sqlite_only"
    kept = [i for i in items if i.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header(config):
    if _pg_session:
        return f"PostgreSQL pass: database {_pg_session['name']} (sqlite_only tests deselected)"
    return "SQLite pass (postgres_only tests deselected)"


def pytest_unconfigure(config):
    if not _pg_session:
        return
    import psycopg
    with psycopg.connect(_pg_session["admin_url"], autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_pg_session['name']} WITH (FORCE)")


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
