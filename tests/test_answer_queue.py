"""The answer queue in process: the bot (Flask app on a loopback port) in FAQBOT_ANSWER_MODE=queue with no
answering threads of its own (FAQBOT_ANSWER_THREADS=0), so each test takes the events itself
(``AnswerWorkers.run_once``) and sees them stored before they are answered; the Messaging API stub on
another loopback port; the product's clock is a FixedClock that the tests move (leases, token age).
One test runs the answering threads for real. Killed processes: tests/test_answer_queue_processes.py."""
from __future__ import annotations

import os
import time
import uuid

import pytest
from desk_testkit import running_bot, spec_clean_turn
from line_testkit import rows, texts
from linebot.v3.messaging import TextMessage

from bot.app import create_app
from bot.config import ConfigError, config_from_env
from bot.emulator import signed_events as wh
from bot.line.answering import INLINE, QUEUE, choose_mode
from bot.line.queue import DONE, FAILED, LEASE_SECONDS, MAX_ATTEMPTS, QUEUED
from bot.records.retention import purge
from bot.services import bot_services
from faq.db import dialect
from faq.text import japanese_punctuation as shown

RISAI_QUESTION = "罹災証明書はどうやって申請しますか？"
PUSH_PATH = "/v2/bot/message/push"
REPLY_PATH = "/v2/bot/message/reply"


@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("answer-queue"), seed_entries, searcher,
                     FAQBOT_ANSWER_MODE="queue", FAQBOT_ANSWER_THREADS=0) as rig:
        yield rig


# tests in which the stub refuses a request on purpose (a reply token used twice)
REFUSAL_EXPECTED = {"test_a_worker_that_replied_and_died_before_finishing_is_not_followed_by_a_push"}


@pytest.fixture(autouse=True)
def clean_turn(rig, request):
    if request.node.name in REFUSAL_EXPECTED:
        before = len(rig.stub.rejected())
        yield
        assert [r["response"]["message"] for r in rig.stub.rejected()[before:]] == ["Invalid reply token"]
        return
    with spec_clean_turn(rig):
        yield


def workers(rig):
    return bot_services(rig.app).answer_workers


def queue(rig):
    return workers(rig).queue


def event_at(rig, user: str, text: str = RISAI_QUESTION, *, age_seconds: float = 0.0, **kw) -> dict:
    """A text event whose LINE timestamp is the product's clock minus ``age_seconds``."""
    event = wh.text_event(wh.user_source(user), text, **kw)
    event["timestamp"] = int((rig.clock.seconds() - age_seconds) * 1000)
    return event


def derived_key(event: dict) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "faqbot-webhook-event:" + event["webhookEventId"]))


def sends(rig, user: str, after: int) -> list[str]:
    """The accepted Messaging API requests that reached ``user``, by kind (one per request)."""
    requests = {}
    for m in rig.stub.messages(to=user, after=after):
        requests.setdefault(m["requestId"], m["kind"])
    return list(requests.values())


def drain(rig, worker: str = "test:0") -> int:
    n = 0
    while workers(rig).run_once(worker):
        n += 1
    return n


def risai_answer(rig) -> str:
    return shown(bot_services(rig.app).conversation.faqs.get("disaster-risai-shomeisho").answer)[:20]


# ------------------------------------------------------------------ stored, then answered
def test_the_webhook_stores_the_event_and_a_worker_answers_it_then_clears_the_raw_event(rig):
    user = wh.new_user_id()
    event = event_at(rig, user)
    seq = rig.stub.last_seq
    assert rig.client.send(event).status_code == 200
    row = queue(rig).row(event["webhookEventId"])
    assert (row.state, row.attempts, row.has_payload) == (QUEUED, 0, True)
    assert rig.client.replies_after(seq, to=user) == []          # stored, not answered yet
    assert bot_services(rig.app).events.claims.state(event["webhookEventId"]) == "processing"

    assert drain(rig) == 1
    replies = rig.client.replies_after(seq, to=user)
    assert sends(rig, user, seq) == ["reply"]
    assert risai_answer(rig) in texts(replies)
    row = queue(rig).row(event["webhookEventId"])
    assert (row.state, row.attempts, row.has_payload, row.error) == (DONE, 1, False, None)
    assert bot_services(rig.app).events.claims.state(event["webhookEventId"]) == "done"
    # the raw event (unmasked text, LINE user id) is gone from the queue; the exchange was recorded once
    stored = rows(rig.db, "SELECT * FROM bot_event_queue WHERE event_id = ?", (event["webhookEventId"],))
    assert stored[0]["payload"] is None and user not in repr(stored)
    assert len(rows(rig.db, "SELECT id FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))) == 1


def test_a_redelivery_is_stored_once_and_answered_once(rig):
    user = wh.new_user_id()
    event = event_at(rig, user)
    seq = rig.stub.last_seq
    assert rig.client.send(event).status_code == 200
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert rig.client.send(again).status_code == 200               # LINE redelivers before it is answered
    assert len(rows(rig.db, "SELECT id FROM bot_event_queue WHERE event_id = ?", (event["webhookEventId"],))) == 1
    assert drain(rig) == 1
    assert rig.client.send(again).status_code == 200               # and after
    assert drain(rig) == 0
    assert len(sends(rig, user, seq)) == 1


def test_an_old_event_is_pushed_with_the_key_derived_from_its_id(rig):
    user = wh.new_user_id()
    event = event_at(rig, user, age_seconds=45)    # the reply token is too old to use
    seq, keys_before = rig.stub.last_seq, len(rig.retry_keys.keys(PUSH_PATH))
    replies_before = len(rig.retry_keys.keys(REPLY_PATH))
    assert rig.client.send(event).status_code == 200
    assert drain(rig) == 1
    sent = rig.stub.messages(to=user, after=seq)
    assert sends(rig, user, seq) == ["push"] and risai_answer(rig) in texts([m["message"] for m in sent])
    assert rig.retry_keys.keys(PUSH_PATH)[keys_before:] == [derived_key(event)]
    assert len(rig.retry_keys.keys(REPLY_PATH)) == replies_before   # no reply was even tried
    delivered = rows(rig.db, "SELECT delivered FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert delivered == [{"delivered": 1}]


def test_a_failed_reply_is_pushed_instead(rig):
    user = wh.new_user_id()
    event = event_at(rig, user)
    seq = rig.stub.last_seq
    assert rig.client.send(event).status_code == 200
    rig.stub.inject_faults([400])  # LINE refuses the reply token (not retried)
    assert drain(rig) == 1
    assert sends(rig, user, seq) == ["push"]
    assert rig.retry_keys.keys(PUSH_PATH)[-1] == derived_key(event)


def test_a_group_event_too_old_to_reply_to_is_not_pushed(rig):
    # pushes go to 1:1 chats only; the event is still finished (not retried for ever)
    source = wh.group_source("C" + uuid.uuid4().hex, wh.new_user_id())
    event = wh.text_event(source, RISAI_QUESTION)
    event["timestamp"] = int((rig.clock.seconds() - 45) * 1000)
    pushes = len(rig.retry_keys.keys(PUSH_PATH))
    assert rig.client.send(event).status_code == 200
    drain(rig)
    assert len(rig.retry_keys.keys(PUSH_PATH)) == pushes
    assert queue(rig).row(event["webhookEventId"]).state == DONE


# ------------------------------------------------------------------ leases, retries, poison
def test_a_dead_workers_lease_runs_out_and_a_live_workers_heartbeat_keeps_it(rig):
    user = wh.new_user_id()
    event = event_at(rig, user)
    assert rig.client.send(event).status_code == 200
    q = queue(rig)
    held = q.take("host-a:1:0")
    assert held is not None and held.event_id == event["webhookEventId"]
    assert q.take("host-b:2:0") is None                               # leased
    rig.clock.advance(seconds=LEASE_SECONDS - 2)
    assert q.heartbeat({held.id: "host-a:1:0"}) == 1                  # host a is alive and answering
    rig.clock.advance(seconds=LEASE_SECONDS - 2)                      # past the first lease, not the renewed one
    assert q.take("host-b:2:0") is None
    rig.clock.advance(seconds=3)                                      # host a died: no more heartbeats
    seq = rig.stub.last_seq
    assert workers(rig).run_once("host-b:2:0")
    row = q.row(event["webhookEventId"])
    assert (row.state, row.attempts, row.worker) == (DONE, 2, "host-b:2:0")
    assert len(sends(rig, user, seq)) == 1
    assert q.heartbeat({held.id: "host-a:1:0"}) == 0                  # a late heartbeat takes nothing back


def test_a_worker_that_replied_and_died_before_finishing_is_not_followed_by_a_push(rig):
    # the window between LINE accepting the reply and the event being marked done
    user = wh.new_user_id()
    event = event_at(rig, user)
    assert rig.client.send(event).status_code == 200
    q = queue(rig)
    assert q.take("host-a:1:0") is not None
    seq, pushes = rig.stub.last_seq, len(rig.retry_keys.keys(PUSH_PATH))
    assert bot_services(rig.app).sender.reply(event["replyToken"], [TextMessage(text="先に届いた回答")])
    rig.clock.advance(seconds=LEASE_SECONDS + 1)                    # host a died right after its reply
    assert workers(rig).run_once("host-b:2:0")
    assert sends(rig, user, seq) == ["reply"]                       # only host a's reply
    assert len(rig.retry_keys.keys(PUSH_PATH)) == pushes
    assert q.row(event["webhookEventId"]).state == DONE


def test_an_error_while_answering_queues_the_event_again(rig, monkeypatch):
    user = wh.new_user_id()
    event = event_at(rig, user)
    assert rig.client.send(event).status_code == 200
    handler = bot_services(rig.app).events
    real = handler.answer_queued
    calls = []

    def broken_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(handler, "answer_queued", broken_once)
    seq = rig.stub.last_seq
    assert workers(rig).run_once("test:0")
    row = queue(rig).row(event["webhookEventId"])
    assert (row.state, row.attempts, row.error, row.has_payload) == (QUEUED, 1, "RuntimeError", True)
    assert drain(rig) == 1
    assert queue(rig).row(event["webhookEventId"]).state == DONE
    assert len(sends(rig, user, seq)) == 1


def test_a_poison_event_fails_after_its_attempts_with_an_apology_and_the_others_are_answered(rig):
    poison_user, other_user = wh.new_user_id(), wh.new_user_id()
    poison = event_at(rig, poison_user, "この質問で毎回ワーカーが落ちる")
    seq = rig.stub.last_seq
    assert rig.client.send(poison).status_code == 200
    q = queue(rig)
    for attempt in range(1, MAX_ATTEMPTS + 1):       # each taker dies while answering (killed, crashed)
        item = q.take(f"doomed:{attempt}:0")
        assert item.event_id == poison["webhookEventId"] and item.attempts == attempt and not item.exhausted
        rig.clock.advance(seconds=LEASE_SECONDS + 1)
    other = event_at(rig, other_user)
    assert rig.client.send(other).status_code == 200
    assert drain(rig) == 2
    row = q.row(poison["webhookEventId"])
    assert (row.state, row.attempts, row.has_payload, row.error) == (FAILED, MAX_ATTEMPTS + 1, False,
                                                                    "attempts exhausted")
    apology = bot_services(rig.app).conversation.system_error_reply().messages[0].text
    assert texts(rig.client.replies_after(seq, to=poison_user)) == apology and len(sends(rig, poison_user, seq)) == 1
    assert risai_answer(rig) in texts(rig.client.replies_after(seq, to=other_user))
    assert q.row(other["webhookEventId"]).state == DONE


def test_old_queue_rows_go_with_the_retention_purge(rig):
    event = event_at(rig, wh.new_user_id())
    assert rig.client.send(event).status_code == 200
    drain(rig)
    database = bot_services(rig.app).database
    assert purge(database, 30, dry_run=True, clock=rig.clock).queued_events == 0
    rig.clock.advance(days=31)
    try:
        report = purge(database, 30, clock=rig.clock)
    finally:
        rig.clock.advance(days=-31)
    assert report.queued_events >= 1
    assert queue(rig).row(event["webhookEventId"]) is None


# ------------------------------------------------------------------ threads and modes
def test_answering_threads_answer_without_being_asked(tmp_path, seed_entries, searcher):
    with running_bot(tmp_path, seed_entries, searcher, FAQBOT_ANSWER_MODE="queue", FAQBOT_ANSWER_THREADS=2) as live:
        user = wh.new_user_id()
        event = event_at(live, user)
        seq = live.stub.last_seq
        assert live.client.send(event).status_code == 200
        deadline = time.monotonic() + 120
        while not live.stub.messages(to=user, after=seq) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert risai_answer(live) in texts(live.client.replies_after(seq, to=user))
        answering = bot_services(live.app).answer_workers
        answering.stop()
        assert not any(t.is_alive() for t in answering._threads)
        row = answering.queue.row(event["webhookEventId"])
        assert row.state == DONE and row.worker.split(":")[1] == str(os.getpid())


def test_the_mode_defaults_to_the_database_and_can_be_set():
    assert choose_mode("", "sqlite") == INLINE
    assert choose_mode("", "postgresql") == QUEUE
    assert choose_mode("inline", "postgresql") == INLINE and choose_mode("queue", "sqlite") == QUEUE
    assert config_from_env({"FAQBOT_ANSWER_MODE": " Queue "})["FAQBOT_ANSWER_MODE"] == "queue"
    assert config_from_env({})["FAQBOT_ANSWER_THREADS"] == 1
    with pytest.raises(ConfigError, match="FAQBOT_ANSWER_MODE"):
        config_from_env({"FAQBOT_ANSWER_MODE": "async"})
    with pytest.raises(ConfigError, match="FAQBOT_ANSWER_THREADS"):
        config_from_env({"FAQBOT_ANSWER_THREADS": "-1"})


def test_the_default_mode_follows_the_database_and_is_logged(tmp_path, caplog):
    caplog.set_level("INFO")
    app = create_app({"FAQBOT_DB": str(tmp_path / "faqbot.sqlite3"), "FAQBOT_INDEX_DIR": str(tmp_path / "index"),
                      "FAQBOT_ENV": "development", "LINE_CHANNEL_SECRET": "", "FAQBOT_USER_HASH_SALT": "",
                      "FAQBOT_ANSWER_MODE": ""})
    services = bot_services(app)
    backend = dialect(services.database.conn())
    try:
        if backend == "sqlite":
            assert services.answer_workers is None and "answering mode: inline" in caplog.text
        else:
            assert services.answer_workers.threads == 1 and "answering mode: queue" in caplog.text
    finally:
        if services.answer_workers is not None:
            services.answer_workers.stop()


def test_a_forked_child_starts_its_own_answering_threads(rig):
    # gunicorn --preload forks workers from a process that may already run the threads
    answering = bot_services(rig.app).answer_workers
    original = answering.threads
    answering.threads = 1
    answering.ensure_running()
    try:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report whether its own threads run, then leave at once
            alive = [t for t in answering._threads if t.is_alive()]
            os.write(write, f"{answering._pid == os.getpid()} {len(alive)}".encode())
            os._exit(0)
        os.close(write)
        report = os.read(read, 100).decode()
        os.waitpid(pid, 0)
        os.close(read)
        assert report == "True 2"  # one answering thread and the heartbeat
    finally:
        answering.stop()
        answering.threads = original
