import glob
import importlib.util
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl")))
PGMAP_DIR = ROOT / "tests" / "pgmap"
_pg_session: dict = {}
_no_database_log = pytest.StashKey[Path]()
_watcher: dict = {}  # the SQLite pass's own copy of tests/pgmap/sitecustomize.py, loaded once


def _load_pgmap():
    spec = importlib.util.spec_from_file_location("faqbot_pgmap", PGMAP_DIR / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config):
    """FAQBOT_TEST_DATABASE_URL set: the PostgreSQL pass. A database of its own for this run (dropped at
    the end); every SQLite path opened through faq.db, here and in started processes, becomes a
    schema in it (tests/pgmap/sitecustomize.py)."""
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself, or the hour the code runs at (time is never the database's); not run in the PostgreSQL pass")
    config.addinivalue_line("markers", "postgres_only: about the PostgreSQL side itself; only in the PostgreSQL pass")
    config.addinivalue_line("markers", "no_database: never opens a database (checked in the SQLite pass); "
                                       "not run in the PostgreSQL pass")
    config.addinivalue_line("markers", "database: opens a database although its module is marked no_database")
    # processes the tests start (`python scripts/faqctl.py`, gunicorn) import this tree's packages, not
    # those of the checkout installed in the virtualenv; and tests/pgmap/sitecustomize.py, which maps
    # SQLite files to PostgreSQL schemas (PostgreSQL pass) and watches no_database tests (SQLite pass)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(PGMAP_DIR), os.environ.get("PYTHONPATH", "")) if p)
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
    """Each pass leaves out the other backend's own tests (deselected and counted in the summary); the
    PostgreSQL pass also leaves out the no_database tests: they would run exactly as in the SQLite pass."""
    others = ("postgres_only",) if not _pg_session else ("sqlite_only",)
    kept = [i for i in items if not any(i.get_closest_marker(m) for m in others)
            and not (_pg_session and _no_database(i))]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header(config):
    if _pg_session:
        return f"PostgreSQL pass: database {_pg_session['name']} (sqlite_only and no_database tests deselected)"
    return "SQLite pass (postgres_only tests deselected)"


def _no_database(item) -> bool:
    return item.get_closest_marker("no_database") is not None and item.get_closest_marker("database") is None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """The guard that keeps the no_database marker true (the PostgreSQL pass trusts it): from the first
    fixture to the last teardown of such a test, every database opened through faq.db, in this process
    or in a process it starts (tests/pgmap/sitecustomize.py, through the environment), is logged, and
    pytest_runtest_makereport fails the test. Opening still works, so the test's own outcome is kept."""
    if _pg_session or not _no_database(item):
        yield
        return
    import faq.db
    if "pgmap" not in _watcher:
        _watcher["pgmap"] = _load_pgmap()
    pgmap = _watcher["pgmap"]
    fd, name = tempfile.mkstemp(prefix="faqbot-no-database-", suffix=".log")
    os.close(fd)
    item.stash[_no_database_log] = Path(name)
    os.environ[pgmap.NO_DATABASE_ENV] = name
    undo = pgmap.watch(faq.db, name)
    try:
        yield
    finally:
        undo()
        del os.environ[pgmap.NO_DATABASE_ENV]
        os.unlink(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    log = item.stash.get(_no_database_log, None)
    if log is None or not log.exists():
        return
    opened = log.read_text(encoding="utf-8")
    if not opened:
        return
    log.write_text("", encoding="utf-8")
    report = outcome.get_result()
    report.outcome = "failed"
    report.longrepr = (f"no_database のテストがデータベースを開きました。マーカーを外すか、そのテストに database を付けてください / "
                       f"a no_database test opened a database ({call.when}); remove the marker or mark the test `database`:\n{opened}"
                       + (f"\n{report.longrepr}" if report.longrepr else ""))


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


EMBED_CACHE_FROM_ENV = "FAQBOT_TEST_EMBED_CACHE_FROM"


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One embedding cache for the whole run, so the seed FAQ is embedded once. A run started by a test
    (tests/test_any_hour.py) starts from a copy of that run's cache, named by $FAQBOT_TEST_EMBED_CACHE_FROM:
    the same vectors, not computed again; the copy is its own, so the two runs never write one file."""
    path = tmp_path_factory.mktemp("cache") / "embeddings.sqlite3"
    source = os.environ.get(EMBED_CACHE_FROM_ENV)
    if source:
        import sqlite3
        from contextlib import closing
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(str(path))) as dst:
            src.backup(dst)
    return path


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
