"""The Messaging API failing while residents write: 500/429/503 in the middle of concurrent traffic, then
a longer outage (real processes: benchmarks/loadkit.py ``LiveBot``, gunicorn 2 workers × 4 threads, the
stub in its own process with faults injected through ``/_stub/faults``); and a reply that times out
(in-process app with a 1 s read timeout behind a loopback server, the stub answering after 2 s).

Replies are retried within the reply token's life, so every event still gets exactly one reply; when LINE
stays down the failure is recorded (``delivered = 0``), LINE's webhook still gets 200, nothing crashes and
the bot answers normally afterwards. (Unit-level retry rules are in tests/test_bot_push.py.)"""
from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import seed_database
from line_testkit import SPEC_DIR, ServerThread, rows

from bot.app import create_app
from bot.emulator import signed_events as wh
from bot.emulator.loadkit import LiveBot
from bot.emulator.stub import create_stub_app, get_stub_state

QUESTIONS = ["罹災証明書はどうやって申請しますか？", "コンビニで住民票は取れますか", "電子入札の登録方法"]


@pytest.fixture(scope="module")
def live(tmp_path_factory, seed_entries, seed_index):
    work = tmp_path_factory.mktemp("faults-line")
    db = work / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    bot = LiveBot(work, db, seed_index, workers=2, threads=4)
    try:
        yield bot
    finally:
        bot.close()


def events(n: int) -> list[dict]:
    return [wh.text_event(wh.user_source(wh.new_user_id()), QUESTIONS[i % len(QUESTIONS)]) for i in range(n)]


def delivered(db: Path, batch: list[dict]) -> list[int | None]:
    return [rows(db, "SELECT delivered FROM bot_exchanges WHERE event_id = ?", (e["webhookEventId"],))[0]["delivered"]
            for e in batch]


def accepted(live: LiveBot, batch: list[dict]) -> list[int]:
    counts: dict[str, int] = {}
    for r in live.stub_requests():
        if r["path"] == "/v2/bot/message/reply" and r["status"] == 200:
            counts[r["body"]["replyToken"]] = counts.get(r["body"]["replyToken"], 0) + 1
    return [counts.get(e["replyToken"], 0) for e in batch]


def send_all(live: LiveBot, batch: list[dict]) -> list[int]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return [r.status_code for r in pool.map(live.send, batch)]


def test_errors_during_traffic_are_retried_and_every_event_answered_once(live):
    # fewer faults than reply attempts (4): whichever events they hit, each is answered within its budget
    live.inject_faults([500, 429, 503])
    batch = events(16)
    assert send_all(live, batch) == [200] * len(batch)
    assert accepted(live, batch) == [1] * len(batch)
    assert delivered(live.db, batch) == [1] * len(batch)
    log = live.log()
    assert "LINE reply failed (attempt 1)" in log and "Traceback" not in log


def test_an_outage_is_recorded_and_the_bot_recovers(live):
    batch = events(4)
    live.inject_faults([500] * (4 * len(batch)))  # every attempt of every reply fails
    assert send_all(live, batch) == [200] * len(batch)
    assert accepted(live, batch) == [0] * len(batch)
    assert delivered(live.db, batch) == [0] * len(batch)
    after = events(3)
    assert send_all(live, after) == [200] * len(after)
    assert accepted(live, after) == [1] * len(after) and delivered(live.db, after) == [1] * len(after)
    assert "Traceback" not in live.log()


def test_a_reply_that_times_out_is_retried_and_delivered_once(tmp_path, seed_entries, searcher, caplog):
    from bot.services import bot_services
    caplog.set_level(logging.INFO)
    stub_app = create_stub_app(SPEC_DIR, client_timeout=1.0)  # a "timeout" fault answers after 2 s
    stub = get_stub_state(stub_app)
    db = tmp_path / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    secret = uuid.uuid4().hex
    with ServerThread(stub_app) as stub_server:
        app = create_app({"FAQBOT_DB": str(db), "FAQBOT_INDEX_DIR": str(tmp_path / "index"),
                          "FAQBOT_ENV": "development", "FAQBOT_USER_HASH_SALT": "", "LINE_CHANNEL_SECRET": secret,
                          "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_ENDPOINT": stub_server.url,
                          "LINE_READ_TIMEOUT": 1.0})
        bot_services(app).searcher = searcher
        with ServerThread(app) as bot:
            user = wh.new_user_id()
            event = wh.text_event(wh.user_source(user), QUESTIONS[0])
            stub.register_reply_token(event["replyToken"], user)
            stub.inject_faults(["timeout"])
            raw = wh.encode_body(wh.callback_body([event]))
            import requests
            response = requests.post(f"{bot.url}/callback", data=raw, timeout=60,
                                     headers={"X-Line-Signature": wh.sign(raw, secret),
                                              "Content-Type": "application/json"})
            assert response.status_code == 200
            assert "LINE reply failed (attempt 1): ReadTimeoutError" in caplog.text
            # the stub logs the timed-out attempt only when its delay is over: wait for both attempts
            deadline = time.monotonic() + 60
            while len(replies := [r for r in stub.requests() if r["path"] == "/v2/bot/message/reply"]) < 2 \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sorted(r["status"] for r in replies) == [200, 500]  # the timed-out attempt and the retry
            assert len({m["replyToken"] for m in stub.messages(to=user)}) == 1
    assert delivered(db, [event]) == [1]
