"""A full disk and a read-only database, on a real small file system (tmpfs mounted by the test; the
tests run as root, as CI does).

* Disk full while running: LINE still gets 200, the resident gets the apology with the desk's phone
  number (the bot cannot record the turn), the log says plainly that the database could not be written;
  once space is freed the next message is answered normally and the database is intact.
* Database on a read-only file system at start: the bot refuses to start with a clear message naming
  the database (it cannot record anything, so it must not pretend to run)."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import seed_database

from bot.emulator import signed_events as wh
from bot.emulator.loadkit import LiveBot, bot_env, start_bot, start_stub

# disk full and a read-only file are about the SQLite file the app writes itself
pytestmark = pytest.mark.sqlite_only

QUESTION = "罹災証明書はどうやって申請しますか？"
APOLOGY = "申し訳ありません。ただいまシステムの不具合で"


def mount_tmpfs(path: Path, size: str = "16m") -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"this test mounts a tmpfs and must run as root: {done.stderr}"


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(directory: Path) -> Path:
    """Write until the file system says ENOSPC."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 20, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def seed_db(path: Path, seed_entries) -> None:
    seed_database(path, seed_entries)


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mount_tmpfs(mnt)
    try:
        yield mnt
    finally:
        unmount(mnt)


def test_disk_full_gets_200_and_an_apology_then_recovers(tmp_path, small_disk, seed_entries, seed_index):
    db = small_disk / "faqbot.sqlite3"
    seed_db(db, seed_entries)
    live = LiveBot(tmp_path, db, seed_index, workers=1, threads=2)
    try:
        user = wh.new_user_id()
        first = wh.text_event(wh.user_source(user), QUESTION)
        assert live.send(first).status_code == 200
        assert "罹災証明書" in live.reply_texts(first["replyToken"]) and APOLOGY not in live.reply_texts(first["replyToken"])

        # empty the WAL so that the next write must grow a file, then fill the disk
        conn = sqlite3.connect(str(db), timeout=30)
        assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
        conn.close()
        filler = fill(small_disk)

        during = wh.text_event(wh.user_source(user), QUESTION)
        response = live.send(during)
        assert response.status_code == 200
        texts = live.reply_texts(during["replyToken"])
        assert APOLOGY in texts and "088-000-0000" in texts
        assert "database or disk is full" in live.log() or "ディスク" in live.log()

        filler.unlink()
        after = wh.text_event(wh.user_source(user), QUESTION)
        assert live.send(after).status_code == 200
        assert APOLOGY not in live.reply_texts(after["replyToken"]) and "罹災証明書" in live.reply_texts(after["replyToken"])
    finally:
        live.close()
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {r[0] for r in conn.execute("SELECT event_id FROM bot_exchanges")}
        assert first["webhookEventId"] in ids and after["webhookEventId"] in ids
    finally:
        conn.close()


def test_read_only_database_refuses_to_start_with_a_clear_message(tmp_path, small_disk, seed_entries, seed_index):
    db = small_disk / "faqbot.sqlite3"
    seed_db(db, seed_entries)
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    stub, stub_url = start_stub(tmp_path)
    try:
        env = bot_env(db, seed_index, stub_url, "secret-" + os.urandom(4).hex(), tmp_path)
        with pytest.raises(RuntimeError) as failed:
            start_bot(env, tmp_path, workers=1, threads=1, timeout=120)
        log = (tmp_path / "gunicorn.log").read_text(errors="replace")
        assert "データベースを開けません" in log and str(db) in log
        assert "gunicorn exited" in str(failed.value) or "not ready" in str(failed.value)
    finally:
        stub.stop()
