"""The PostgreSQL test pass (FAQBOT_TEST_DATABASE_URL): every SQLite file the code opens through
``faq.db`` becomes its own schema in the run's PostgreSQL database instead. And the ``no_database``
guard: during such a test (``FAQBOT_TEST_NO_DATABASE_LOG`` set by conftest), every database opened
through ``faq.db`` is written to that log, so the test fails even when a started process opens it.

tests/conftest.py applies this in the test process; processes the tests start (gunicorn, the staff
tools) load this file as ``sitecustomize`` through PYTHONPATH, and patch ``faq.db`` when it is
imported. The schema is named after the file's absolute path, so every process maps a path to
the same schema. Only ``FAQBOT_TEST_PG_SESSION_URL`` or ``FAQBOT_TEST_NO_DATABASE_LOG`` (set by
conftest) switch it on.
"""
from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path
from urllib.parse import quote

SESSION_ENV = "FAQBOT_TEST_PG_SESSION_URL"
NO_DATABASE_ENV = "FAQBOT_TEST_NO_DATABASE_LOG"
_ready: set[str] = set()


def schema_for(path) -> str:
    return "t_" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:24]


def url_for(session_url: str, path) -> str:
    """The session database with the path's schema as the search path (created on first use)."""
    schema = schema_for(path)
    if schema not in _ready:
        import psycopg
        with psycopg.connect(session_url, autocommit=True) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7)")  # two processes creating the same schema
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        _ready.add(schema)
    sep = "&" if "?" in session_url else "?"
    return f"{session_url}{sep}options={quote('-csearch_path=' + schema)}"


def patch(db_module) -> None:
    """Replace the one function of faq.db that opens a SQLite file."""
    def open_mapped(path):
        return db_module.open_db(url_for(os.environ[SESSION_ENV], path))
    db_module._open_sqlite = open_mapped


def watch(db_module, log_path):
    """Append a line to ``log_path`` whenever ``faq.db`` opens a database (either backend), then
    open it as usual: the code under test behaves the same, the test is failed afterwards. Returns
    a function that undoes it."""
    open_sqlite = db_module._open_sqlite
    pg_class = db_module.PgDatabase
    pg_init = pg_class.__init__

    def record(what):
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"pid {os.getpid()}: {what}\n")

    def watched_sqlite(path):
        record(f"SQLite {path}")
        return open_sqlite(path)

    def watched_pg_init(self, *args, **kwargs):
        record("PostgreSQL")
        return pg_init(self, *args, **kwargs)

    db_module._open_sqlite = watched_sqlite
    pg_class.__init__ = watched_pg_init

    def undo():
        db_module._open_sqlite = open_sqlite
        pg_class.__init__ = pg_init
    return undo


class _PatchOnImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name != "faq.db":
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None:
            return None
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        if os.environ.get(SESSION_ENV):
            patch(module)
        if os.environ.get(NO_DATABASE_ENV):
            watch(module, os.environ[NO_DATABASE_ENV])


if (os.environ.get(SESSION_ENV) or os.environ.get(NO_DATABASE_ENV)) and "faq.db" not in sys.modules:
    sys.meta_path.insert(0, _PatchOnImport())
