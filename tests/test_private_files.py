"""Files the app creates are readable by the service account only: the database (password hashes, raw
LINE ids of open tickets, in development the generated secrets), its WAL/SHM files, var/ and the index."""
from __future__ import annotations

import os
import stat

import pytest

from faq.db import open_db
from faq.private import private_dir, private_file


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.sqlite_only
def test_the_database_its_wal_and_shm_and_new_directories_are_private(tmp_path):
    old = os.umask(0o022)  # a usual umask: without care the files would be 0644 and the directory 0755
    try:
        path = tmp_path / "var" / "sub" / "faqbot.sqlite3"
        db = open_db(path)
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        assert mode(path) == 0o600
        assert mode(str(path) + "-wal") == 0o600 and mode(str(path) + "-shm") == 0o600
        assert mode(tmp_path / "var") == 0o700 and mode(tmp_path / "var" / "sub") == 0o700
        db.conn.close()
    finally:
        os.umask(old)


@pytest.mark.sqlite_only
def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    open_db(path).conn.close()
    assert mode(path) == 0o600


@pytest.mark.sqlite_only
def test_existing_directories_keep_their_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    private_dir(shared / "index" / "builds")
    private_file(shared / "x.sqlite3")
    assert mode(shared) == 0o755
    assert mode(shared / "index") == 0o700 and mode(shared / "index" / "builds") == 0o700


def test_an_index_build_directory_is_private(tmp_path):
    from index.snapshot import build_lock
    old = os.umask(0o022)
    try:
        with build_lock(tmp_path / "index"):
            pass
    finally:
        os.umask(old)
    assert mode(tmp_path / "index") == 0o700


@pytest.mark.sqlite_only
def test_an_existing_database_file_is_never_opened_outside_sqlite(tmp_path, monkeypatch):
    """Closing any descriptor of a database file drops the POSIX locks SQLite holds on it in this process
    (another process could then recover the WAL under a live connection: a malformed database)."""
    path = tmp_path / "faqbot.sqlite3"
    first = open_db(path)
    first.execute("CREATE TABLE t (x)")
    opened = []
    real_open = os.open

    def recording_open(p, *args, **kwargs):
        fd = real_open(p, *args, **kwargs)  # only descriptors that were really opened count
        opened.append(str(p))
        return fd

    monkeypatch.setattr(os, "open", recording_open)
    os.chmod(path, 0o644)
    private_file(path)
    second = open_db(path)  # another thread's connection
    assert str(path) not in opened and mode(path) == 0o600
    second.conn.close()
    first.conn.close()
