"""The PostgreSQL test pass (FAQBOT_TEST_DATABASE_URL): every SQLite file the code opens through
``faq.db`` becomes its own schema in the run's PostgreSQL database instead.

tests/conftest.py applies this in the test process; processes the tests start (gunicorn, the staff
tools) load this file as ``sitecustomize`` through PYTHONPATH, and patch ``faq.db`` when it is
imported. The schema is named after the file's absolute path, so every process maps a path to
the same schema. Only ``FAQBOT_TEST_PG_SESSION_URL`` (set by conftest) switches it on.
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


if os.environ.get(SESSION_ENV) and "faq.db" not in sys.modules:
    sys.meta_path.insert(0, _PatchOnImport())
