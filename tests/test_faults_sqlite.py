"""The database under concurrent workers, and the server killed mid-traffic.

Real processes: gunicorn (2 workers × 4 threads) serving wsgi:app on one SQLite file (or, in the
PostgreSQL pass, one PostgreSQL database), the Messaging API
stub in its own process (benchmarks/loadkit.py ``LiveBot``), signed webhook bodies over loopback HTTP.

* Another process holds the database's write lock while events arrive: the workers wait (busy timeout)
  and then answer every event once; no exchange is lost.
* kill -9 of the master and workers in the middle of traffic, restart, LINE redelivers every event
  (same webhookEventId): nothing is answered twice, the database and the index are intact, and an event
  the killed worker had claimed but not answered is accounted for (its claim is a lease that a later
  redelivery takes over).
* kill -9 of ``faqctl build-index`` halfway: the published index is still the previous complete one."""
from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import seed_database
from line_testkit import rows

from bot.emulator import signed_events as wh
from bot.emulator.loadkit import LiveBot
from bot.line.claims import LEASE_SECONDS, EventClaims
from bot.storage import BotDatabase
from faq.db import dialect, open_db, table_names, transaction
from index.snapshot import current_build, load_snapshot

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = ["罹災証明書はどうやって申請しますか？", "コンビニで住民票は取れますか", "電子入札の登録方法",
             "キャッシュレス決済は使えますか", "被災者生活再建支援金について"]


@pytest.fixture(scope="module")
def live(tmp_path_factory, seed_entries, seed_index):
    work = tmp_path_factory.mktemp("faults-sqlite")
    db = work / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    bot = LiveBot(work, db, seed_index, workers=2, threads=4)
    try:
        yield bot
    finally:
        bot.close()


def text_event(i: int) -> dict:
    return wh.text_event(wh.user_source(wh.new_user_id()), QUESTIONS[i % len(QUESTIONS)])


def integrity(db: Path) -> str:
    """SQLite's integrity check; on PostgreSQL (whose server owns crash safety) every table still reads."""
    conn = open_db(db)
    try:
        if dialect(conn) == "sqlite":
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        for table in table_names(conn):
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return "ok"
    finally:
        conn.conn.close()


def exchange_counts(db: Path, events: list[dict]) -> list[int]:
    return [rows(db, "SELECT count(*) AS n FROM bot_exchanges WHERE event_id = ?", (e["webhookEventId"],))[0]["n"]
            for e in events]


def claim_state(db: Path, event_id: str) -> str | None:
    found = rows(db, "SELECT state FROM bot_processed_events WHERE event_id = ?", (event_id,))
    return found[0]["state"] if found else None


def accepted_replies(live: LiveBot) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in live.stub_requests():
        if r["path"] == "/v2/bot/message/reply" and isinstance(r.get("body"), dict):
            token = r["body"].get("replyToken")
            counts[token] = counts.get(token, 0) + 1  # accepted or refused: every attempt counts
    return counts


# ------------------------------------------------------------------ busy / locked
def test_events_wait_for_a_held_write_lock_and_none_is_lost(live):
    """Another writer (a staff import, a purge) holds the write lock for 3 s: SQLite's, or on PostgreSQL
    the writers' advisory lock."""
    events = [text_event(i) for i in range(24)]
    held, released = threading.Event(), threading.Event()

    def hold_the_lock():
        locker = open_db(live.db)
        try:
            with transaction(locker):
                locker.execute("INSERT INTO bot_settings (key, value) VALUES ('lock-test', 'x') "
                               "ON CONFLICT(key) DO UPDATE SET value = 'y'")
                held.set()
                time.sleep(3)
            released.set()
        finally:
            locker.conn.close()

    holder = threading.Thread(target=hold_the_lock, daemon=True)
    holder.start()
    assert held.wait(60)
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(live.send, events))
    holder.join(60)
    assert released.is_set()
    assert [r.status_code for r in responses] == [200] * len(events)
    replies = accepted_replies(live)
    assert [replies.get(e["replyToken"], 0) for e in events] == [1] * len(events)
    for event in events:
        assert "申し訳ありません" not in live.reply_texts(event["replyToken"])  # answered, not an apology
    assert exchange_counts(live.db, events) == [1] * len(events)
    assert {claim_state(live.db, e["webhookEventId"]) for e in events} == {"done"}
    assert "database is locked" not in live.log()


# ------------------------------------------------------------------ kill -9 and restart
def test_kill_mid_traffic_then_redelivery_answers_nothing_twice(live):
    events = [text_event(i) for i in range(60)]
    status: dict[str, int | str] = {}
    answered_before_kill = threading.Event()

    def deliver(event):
        try:
            status[event["webhookEventId"]] = live.send(event, timeout=30).status_code
        except Exception as exc:  # noqa: BLE001 - the server dies under some of these
            status[event["webhookEventId"]] = type(exc).__name__
        if sum(1 for s in status.values() if s == 200) >= 15:
            answered_before_kill.set()

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(deliver, e) for e in events]
        assert answered_before_kill.wait(120), status
        live.kill()
        for f in futures:
            f.result()
    ok_before = [e for e in events if status[e["webhookEventId"]] == 200]
    failed = [e for e in events if status[e["webhookEventId"]] != 200]
    assert ok_before and failed, status  # the kill really happened mid-traffic

    assert integrity(live.db) == "ok"
    live.start()  # the restarted server: same database, same index (healthz "ok" = index loads)

    # LINE redelivers what failed; a duplicate delivery of answered events must change nothing either.
    for event in events:
        redelivered = dict(event, deliveryContext={"isRedelivery": True})
        assert live.send(redelivered).status_code == 200

    replies = accepted_replies(live)
    assert max(replies.get(e["replyToken"], 0) for e in events) == 1, "an event was answered twice"
    assert [replies.get(e["replyToken"], 0) for e in ok_before] == [1] * len(ok_before)
    assert max(exchange_counts(live.db, events)) == 1
    unanswered = [e for e in events if replies.get(e["replyToken"], 0) == 0]
    # Only events the killed workers had claimed (in flight: at most workers × threads) are unanswered;
    # their claim is a lease, so a redelivery after it is handled (checked here with a later clock).
    assert len(unanswered) <= live.workers * live.threads
    later = EventClaims(BotDatabase(live.db), clock=lambda: time.time() + LEASE_SECONDS + 1)
    for event in unanswered:
        assert claim_state(live.db, event["webhookEventId"]) == "processing"
        assert later.claim(event["webhookEventId"]) is True
    assert integrity(live.db) == "ok"


def test_kill_during_an_index_build_leaves_the_published_index_intact(tmp_path, seed_entries, seed_index):
    import shutil
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index, index_dir)
    before = current_build(index_dir)
    db = tmp_path / "faq.sqlite3"
    # every text new: neither the cold cache nor the served build (whose vectors a rebuild re-uses) has it,
    # so the build embeds everything and takes long enough to be killed in the middle
    seed_database(db, [dataclasses.replace(e, question=e.question + "（改訂）", answer=e.answer + "\n（改訂）")
                       for e in seed_entries])
    env = dict(os.environ, FAQBOT_DB=str(db), FAQBOT_INDEX_DIR=str(index_dir), OMP_NUM_THREADS="1",
               FAQBOT_EMBED_CACHE=str(tmp_path / "cold-cache.sqlite3"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "faqctl.py"), "build-index"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (tmp_path / "cold-cache.sqlite3").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # embedding (and writing the cache) is under way
    assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert current_build(index_dir) == before
    snap = load_snapshot(index_dir)
    assert len(snap.entries) == len(seed_entries) and snap.has_dense
    conn = sqlite3.connect(str(tmp_path / "cold-cache.sqlite3"))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
