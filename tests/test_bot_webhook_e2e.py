"""The LINE bot end to end over real HTTP: gunicorn serving wsgi:app, the Messaging API stub
on another loopback port, signed webhook bodies (validated against webhook.yml) sent with
requests, and the bot's real line-bot-sdk calls captured (and spec-validated) by the stub.

The bot runs against a temporary database holding the seed FAQ and the seed index.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from conftest import seed_database
from line_testkit import (
    SPEC_DIR,
    ServerThread,
    WebhookClient,
    database_bytes,
    free_port,
    quick_items,
    rows,
    texts,
    webhook_issues,
)

from bot.config import config_from_env
from bot.desk.hours import desk_hours_from_config
from bot.emulator import signed_events as wh
from bot.emulator.stub import create_stub_app, get_stub_state
from faq.clock import SYSTEM_CLOCK
from faq.store import FaqStore
from faq.text import japanese_punctuation as shown  # how FAQ text looks in LINE

ROOT = Path(__file__).resolve().parents[1]
SECRET = "e2e-channel-secret-" + uuid.uuid4().hex
RISAI_QUESTION = "罹災証明書はどうやって申請しますか？"
RISAI_ID = "disaster-risai-shomeisho"
SUGGEST_QUERY = "電子申請"
FALLBACK_QUERY = "宇宙旅行に行きたい"


# ---------------------------------------------------------------- servers
@pytest.fixture(scope="module")
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server, get_stub_state(app)


@pytest.fixture(scope="module")
def bot_db(tmp_path_factory, seed_entries):
    path = tmp_path_factory.mktemp("bot-e2e") / "faqbot.sqlite3"
    seed_database(path, seed_entries)
    return path


@pytest.fixture(scope="module")
def gunicorn_bot(tmp_path_factory, bot_db, seed_index, stub):
    server, _ = stub
    port = free_port()
    work = tmp_path_factory.mktemp("gunicorn")
    log_path = work / "gunicorn.log"
    env = dict(os.environ, FAQBOT_ENV="development", FAQBOT_DB=str(bot_db), FAQBOT_INDEX_DIR=str(seed_index),
               FAQBOT_EMBED_CACHE=str(work / "cache.sqlite3"), LINE_CHANNEL_SECRET=SECRET,
               LINE_CHANNEL_ACCESS_TOKEN="e2e-access-token", LINE_API_ENDPOINT=server.url,
               PYTHONUNBUFFERED="1")
    env.pop("FAQBOT_USER_HASH_SALT", None)  # development: generated once and kept in the database
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2",
             "--timeout", "120", "--graceful-timeout", "5", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail("gunicorn exited:\n" + log_path.read_text(errors="replace")[-3000:])
            try:
                health = requests.get(f"{url}/healthz", timeout=30)
                if health.status_code == 200 and health.json()["status"] == "ok":
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not become healthy:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.2)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def client(gunicorn_bot, stub):
    url, _ = gunicorn_bot
    return WebhookClient(url, SECRET, stub[1])


@pytest.fixture
def stub_state(stub):
    return stub[1]


@pytest.fixture(autouse=True)
def stub_rejects_nothing(request, stub):
    """Every request the bot makes to the Messaging API must pass the spec (tests may allow some)."""
    state = stub[1]
    before = len(state.rejected())
    allowed: list[str] = []
    yield allowed
    new = state.rejected()[before:]
    assert [r["response"]["message"] for r in new] == allowed, new


@pytest.fixture
def user():
    return wh.new_user_id()


def exchange(db: Path, event: dict) -> dict:
    found = rows(db, "SELECT * FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert len(found) == 1, found
    return found[0]


def ask(client: WebhookClient, user: str, text: str) -> tuple[dict, list[dict]]:
    seq = client.stub.last_seq
    event = wh.text_event(wh.user_source(user), text)
    response = client.send(event)
    assert response.status_code == 200, response.text
    return event, client.replies_after(seq, to=user)


def tap(client: WebhookClient, user: str, action: dict) -> tuple[dict, list[dict]]:
    assert action["type"] == "postback", action
    seq = client.stub.last_seq
    event = wh.postback_event(wh.user_source(user), action["data"])
    response = client.send(event)
    assert response.status_code == 200, response.text
    return event, client.replies_after(seq, to=user)


def user_hash(db: Path, user_id: str) -> str:
    """The pseudonym the bot stores for a user (development: the salt it generated into the database)."""
    [setting] = rows(db, "SELECT value FROM bot_settings WHERE key = 'user_hash_salt'")
    return hmac.new(setting["value"].encode(), f"user:{user_id}".encode(), hashlib.sha256).hexdigest()


def count_rows(db: Path) -> dict[str, int]:
    return {table: rows(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]
            for table in ("bot_exchanges", "bot_processed_events", "bot_users", "bot_tickets")}


# ------------------------------------------------------------- the flows
def test_verify_call_with_empty_events_is_ok(client):
    body = wh.callback_body([])
    assert webhook_issues(body) == []
    response = client.post_raw(wh.encode_body(body))
    assert response.status_code == 200


def test_follow_gets_greeting_with_four_topic_quick_replies(client, bot_db, user):
    seq = client.stub.last_seq
    event = wh.follow_event(wh.user_source(user))
    assert client.send(event).status_code == 200
    replies = client.replies_after(seq, to=user)
    assert len(replies) == 1
    assert "友だち追加ありがとうございます" in replies[0]["text"]
    labels = [a["label"] for a in quick_items(replies)]
    assert labels == ["オンライン手続き", "キャッシュレス決済", "災害の支援制度", "職員に相談", "Language / 言語"]
    assert rows(bot_db, "SELECT active FROM bot_users WHERE user_hash = ?", (user_hash(bot_db, user),)) == \
        [{"active": 1}]
    assert user.encode() not in database_bytes(bot_db)


def test_risai_question_gets_the_seed_answer_and_feedback_is_stored(client, bot_db, user):
    entry = FaqStore.open(bot_db).get(RISAI_ID)
    event, replies = ask(client, user, RISAI_QUESTION)
    assert shown(entry.answer) in texts(replies)
    assert entry.url in texts(replies) and f"担当：{entry.department}" in texts(replies)
    actions = quick_items(replies)
    assert [a["label"] for a in actions] == ["解決した", "解決しない"]

    row = exchange(bot_db, event)
    assert (row["decision"], row["faq_id"], row["kind"], row["delivered"]) == ("answer", RISAI_ID, "text", 1)
    assert row["query"] == "罹災証明書はどうやって申請しますか?"  # normalized (NFKC)
    assert row["score"] > 0 and row["latency_ms"] >= 0 and row["degraded"] == 0
    assert row["user_hash"] == user_hash(bot_db, user) and user.encode() not in database_bytes(bot_db)
    assert row["created_at"].startswith("20")

    _, thanks = tap(client, user, actions[0])
    assert "お役に立ててよかった" in texts(thanks)
    assert exchange(bot_db, event)["feedback"] == "resolved"
    _, sorry = tap(client, user, actions[1])  # changing one's mind: the last answer counts
    assert "お役に立てず" in texts(sorry) and "職員に相談" in [a["label"] for a in quick_items(sorry)]
    assert exchange(bot_db, event)["feedback"] == "unresolved"


def test_feedback_on_someone_elses_exchange_is_not_stored(client, bot_db, user):
    event, replies = ask(client, user, RISAI_QUESTION)
    other = wh.new_user_id()
    tap(client, other, quick_items(replies)[0])
    assert exchange(bot_db, event)["feedback"] is None


def test_suggest_flow_offers_candidates_and_answers_the_chosen_one(client, bot_db, user):
    event, replies = ask(client, user, SUGGEST_QUERY)
    assert "次のどれですか" in texts(replies)
    row = exchange(bot_db, event)
    assert row["decision"] == "suggest"
    actions = quick_items(replies)
    assert 2 <= len(actions) <= 4 and actions[-1]["label"] == "職員に相談"
    candidates = actions[:-1]
    store = FaqStore.open(bot_db)
    for action in candidates:
        assert len(action["label"]) <= 20 and len(action["data"]) <= 300
        faq_id = dict(p.split("=", 1) for p in action["data"].split("&"))["id"]
        assert action["displayText"] == shown(store.get(faq_id).question)  # full question as the resident's line
        assert shown(store.get(faq_id).question) in texts(replies)         # and listed in full in the text
    chosen_id = dict(p.split("=", 1) for p in candidates[1]["data"].split("&"))["id"]
    pick, answer = tap(client, user, candidates[1])
    assert shown(store.get(chosen_id).answer) in texts(answer)
    picked = exchange(bot_db, pick)
    assert (picked["kind"], picked["decision"], picked["faq_id"], picked["parent_id"]) == \
        ("pick", "answer", chosen_id, row["id"])
    assert [a["label"] for a in quick_items(answer)] == ["解決した", "解決しない"]


def test_fallback_offers_the_desk_and_records_the_request(client, bot_db, user):
    event, replies = ask(client, user, FALLBACK_QUERY)
    assert "見つかりませんでした" in texts(replies)
    assert exchange(bot_db, event)["decision"] == "fallback"
    desk = [a for a in quick_items(replies) if a["label"] == "職員に相談"]
    assert len(desk) == 1
    # gunicorn runs on the real clock: the notice depends on the desk hours at this moment, so the
    # expected branch is computed from the same hours just before and just after the tap.
    hours = desk_hours_from_config(config_from_env(os.environ))
    open_before = hours.is_open(SYSTEM_CLOCK.now())
    tap_event, info = tap(client, user, desk[0])
    open_after = hours.is_open(SYSTEM_CLOCK.now())
    assert "088-000-0000" in texts(info) and "受付時間" in texts(info)
    opened, closed = "担当者におつなぎします" in texts(info), "受付時間外" in texts(info)
    assert opened != closed
    assert opened in {open_before, open_after} and closed in {not open_before, not open_after}
    [ticket] = rows(bot_db, "SELECT * FROM bot_tickets WHERE user_hash = ?", (user_hash(bot_db, user),))
    assert ticket["trigger"] == "fallback" and ticket["status"] == "waiting"
    desk_row = exchange(bot_db, tap_event)
    assert desk_row["decision"] == "desk" and desk_row["parent_id"] == exchange(bot_db, event)["id"]


def test_topic_quick_reply_lists_that_categorys_questions(client, bot_db, user):
    _, replies = tap(client, user, {"type": "postback", "data": "a=topic&c=disaster-support"})
    actions = quick_items(replies)
    assert 2 <= len(actions) <= 13 and actions[-1]["label"] == "メニュー"
    store = FaqStore.open(bot_db)
    for action in actions[:-1]:
        faq_id = dict(p.split("=", 1) for p in action["data"].split("&"))["id"]
        assert store.get(faq_id).category == "disaster-support"
        assert len(action["label"]) <= 20
    assert "「災害の支援制度」" in texts(replies)


def test_a_question_right_after_a_topic_prefers_that_category(client, bot_db, user):
    query = "保険料を払いたい"  # paying the premium comes first; the disaster reduction of premiums is close behind
    plain, _ = ask(client, wh.new_user_id(), query)
    tap(client, user, {"type": "postback", "data": "a=topic&c=disaster-support"})
    after_topic, _ = ask(client, user, query)
    without, with_topic = exchange(bot_db, plain), exchange(bot_db, after_topic)
    store = FaqStore.open(bot_db)
    assert store.get(without["faq_id"]).category != "disaster-support"
    assert store.get(with_topic["faq_id"]).category == "disaster-support"
    assert with_topic["decision"] != "answer"  # moved up by the topic, so offered as a choice, not asserted


@pytest.mark.parametrize("word, expected", [("メニュー", "分野を選ぶ"), ("menu", "分野を選ぶ"), ("使い方", "【使い方】"),
                                            ("ヘルプ", "【使い方】")])
def test_menu_and_help_keywords(client, user, word, expected):
    _, replies = ask(client, user, word)
    assert expected in texts(replies)
    assert "災害の支援制度" in [a["label"] for a in quick_items(replies)]


@pytest.mark.parametrize("builder", [wh.sticker_event, wh.image_event], ids=["sticker", "image"])
def test_non_text_messages_get_asked_for_text(client, bot_db, user, builder):
    seq = client.stub.last_seq
    event = builder(wh.user_source(user))
    assert client.send(event).status_code == 200
    replies = client.replies_after(seq, to=user)
    assert "文字で送ってください" in texts(replies)
    assert exchange(bot_db, event)["decision"] == "ask_text"


def test_group_message_without_mention_gets_no_reply_and_nothing_stored(client, bot_db):
    group, member = "C" + uuid.uuid4().hex, wh.new_user_id()
    before = count_rows(bot_db)
    seq = client.stub.last_seq
    event = wh.text_event(wh.group_source(group, member), RISAI_QUESTION)
    assert client.send(event, recipient=group).status_code == 200
    assert client.replies_after(seq) == []
    after = count_rows(bot_db)
    assert after["bot_exchanges"] == before["bot_exchanges"]


def test_group_message_with_mention_is_answered_without_storing_member_ids(client, bot_db):
    group, member = "C" + uuid.uuid4().hex, wh.new_user_id()
    seq = client.stub.last_seq
    event = wh.text_event(wh.group_source(group, member), "@FAQボット " + RISAI_QUESTION, mention_self=(0, 7))
    assert client.send(event, recipient=group).status_code == 200
    replies = client.replies_after(seq, to=group)
    entry = FaqStore.open(bot_db).get(RISAI_ID)
    assert shown(entry.answer) in texts(replies)
    row = exchange(bot_db, event)
    assert row["source_type"] == "group" and row["query"] == "罹災証明書はどうやって申請しますか?"
    data = database_bytes(bot_db)
    assert member.encode() not in data and group.encode() not in data


def test_unfollow_marks_the_user_inactive(client, bot_db, user):
    query = "SELECT active, unfollowed_at FROM bot_users WHERE user_hash = ?"
    client.send(wh.follow_event(wh.user_source(user)))
    assert rows(bot_db, query, (user_hash(bot_db, user),)) == [{"active": 1, "unfollowed_at": None}]
    seq = client.stub.last_seq
    assert client.send(wh.unfollow_event(wh.user_source(user))).status_code == 200
    assert client.replies_after(seq) == []
    [row] = rows(bot_db, query, (user_hash(bot_db, user),))
    assert row["active"] == 0 and row["unfollowed_at"]


# -------------------------------------------------------------- privacy
def test_personal_data_is_masked_before_storing_and_the_resident_is_warned(client, bot_db, gunicorn_bot, user):
    raw = "090-1234-5678 と taro.yamada@example.jp と 1234 5678 9012 と 0312345678 です。罹災証明書について"
    event, replies = ask(client, user, raw)
    assert "個人情報は、送らないでください" in replies[0]["text"]
    row = exchange(bot_db, event)
    assert row["pii_masked"] == 1
    assert row["query"].count("[電話番号]") == 2 and "[メールアドレス]" in row["query"] and "[個人番号]" in row["query"]
    data = database_bytes(bot_db)
    for secret in ("090-1234-5678", "09012345678", "taro.yamada", "1234 5678 9012", "123456789012", "0312345678"):
        assert secret.encode() not in data, secret
    log = gunicorn_bot[1].read_bytes()
    for secret in ("090-1234-5678", "taro.yamada", "0312345678", user):
        assert secret.encode() not in log, secret


# ------------------------------------------------------------ idempotency
def test_duplicate_webhook_event_id_is_answered_once(client, bot_db, user):
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    seq = client.stub.last_seq
    first = client.send(event)
    redelivered = dict(event, deliveryContext={"isRedelivery": True})
    second = client.send(redelivered)
    third = client.send(event)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert len([m for m in client.replies_after(seq, to=user) if "Q. " in m.get("text", "")]) == 1
    assert rows(bot_db, "SELECT state FROM bot_processed_events WHERE event_id = ?",
                (event["webhookEventId"],)) == [{"state": "done"}]
    exchange(bot_db, event)  # exactly one row


def test_the_same_event_arriving_at_once_on_both_workers_is_answered_once(client, bot_db, user):
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    body = wh.callback_body([event])
    assert webhook_issues(body) == []
    client.stub.register_reply_token(event["replyToken"], user)
    raw = wh.encode_body(body)
    seq = client.stub.last_seq
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: client.post_raw(raw).status_code, range(4)))
    assert statuses == [200] * 4
    assert len([m for m in client.replies_after(seq, to=user) if "Q. " in m.get("text", "")]) == 1
    exchange(bot_db, event)


def test_user_source_without_user_id_is_still_answered(client, bot_db):
    event = wh.text_event({"type": "user"}, RISAI_QUESTION)
    seq = client.stub.last_seq
    assert client.send(event, recipient="anonymous-user").status_code == 200
    assert "Q. " in texts(client.replies_after(seq, to="anonymous-user"))
    assert exchange(bot_db, event)["user_hash"] == "anonymous"


def test_redelivery_of_an_event_never_seen_is_answered(client, user):
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION, redelivery=True)
    seq = client.stub.last_seq
    assert client.send(event).status_code == 200
    assert "Q. " in texts(client.replies_after(seq, to=user))


# ----------------------------------------------------------- LINE failing
def test_invalid_reply_token_is_logged_not_crashed(client, bot_db, stub, stub_rejects_nothing, user):
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    client.stub.register_reply_token(event["replyToken"], user)
    requests.post(f"{stub[0].url}/v2/bot/message/reply", timeout=5,  # someone used the token already
                  headers={"Authorization": "Bearer x"},
                  json={"replyToken": event["replyToken"], "messages": [{"type": "text", "text": "used"}]})
    response = client.send(event)
    assert response.status_code == 200
    stub_rejects_nothing.append("Invalid reply token")
    assert exchange(bot_db, event)["delivered"] == 0
    ask(client, user, RISAI_QUESTION)  # and the next event is answered normally


def test_a_redelivery_after_a_crash_is_pushed_when_the_reply_token_is_spent(client, bot_db, stub,
                                                                              stub_rejects_nothing, user):
    """A worker killed mid-answer leaves a stale claim; LINE redelivers the event later, when its reply
    token no longer works. The answer is pushed instead, once, however often the event comes again."""
    from line_testkit import execute
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION, redelivery=True)
    # claimed long ago by a worker that died
    execute(bot_db, "INSERT INTO bot_processed_events (event_id, state, claimed_at) VALUES (?, 'processing', 0)",
            [event["webhookEventId"]])
    client.stub.register_reply_token(event["replyToken"], user)
    requests.post(f"{stub[0].url}/v2/bot/message/reply", timeout=5,  # the token is no longer valid
                  headers={"Authorization": "Bearer x"},
                  json={"replyToken": event["replyToken"], "messages": [{"type": "text", "text": "spent"}]})
    seq = client.stub.last_seq
    assert client.send(event).status_code == 200
    assert client.send(event).status_code == 200  # redelivered once more: already done
    stub_rejects_nothing.append("Invalid reply token")
    pushed = [m for m in client.stub.messages(after=seq, to=user) if m["kind"] == "push"]
    assert pushed and "Q. " in " ".join(m["message"].get("text", "") for m in pushed)
    assert len({m["retryKey"] for m in pushed}) == 1 and len({m["requestId"] for m in pushed}) == 1
    assert exchange(bot_db, event)["delivered"] == 1
    assert rows(bot_db, "SELECT state FROM bot_processed_events WHERE event_id = ?",
                (event["webhookEventId"],)) == [{"state": "done"}]


def test_line_server_error_is_survived(client, bot_db, stub_state, user):
    stub_state.inject_faults([500, 500, 500, 500])  # every reply attempt (bot.line_client.REPLY_POLICY) fails
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    assert client.send(event).status_code == 200
    assert exchange(bot_db, event)["delivered"] == 0
    _, replies = ask(client, user, RISAI_QUESTION)
    assert "Q. " in texts(replies)


# --------------------------------------------------------------- bad input
def _no_reply_and_nothing_stored(client, bot_db, seq, before):
    assert client.stub.messages(after=seq) == []
    assert count_rows(bot_db) == before


@pytest.fixture
def unchanged(client, bot_db):
    """Asserts that the request under test made no reply and stored no row."""
    seq, before = client.stub.last_seq, count_rows(bot_db)
    yield
    _no_reply_and_nothing_stored(client, bot_db, seq, before)


def _valid_body(user: str) -> bytes:
    body = wh.callback_body([wh.text_event(wh.user_source(user), RISAI_QUESTION)])
    assert webhook_issues(body) == []
    return wh.encode_body(body)


def test_wrong_signature_is_400(client, unchanged, user):
    body = _valid_body(user)
    assert client.post_raw(body, signature=wh.sign(body, "not-the-secret")).status_code == 400


def test_missing_signature_is_400(client, unchanged, user):
    assert client.post_raw(_valid_body(user), signature=None).status_code == 400


def test_truncated_body_is_400(client, unchanged, user):
    body = _valid_body(user)
    cut = body[: len(body) // 2]
    assert client.post_raw(cut, signature=wh.sign(body, SECRET)).status_code == 400  # signed whole, sent half
    assert client.post_raw(cut).status_code == 400                                   # signed half: not JSON


def test_two_megabyte_body_is_413(client, unchanged, user):
    event = wh.text_event(wh.user_source(user), "あ" * (700 * 1024))
    body = wh.encode_body(wh.callback_body([event]))
    assert len(body) > 2 * 1024 * 1024
    assert client.post_raw(body).status_code == 413


def test_invalid_utf8_is_400(client, unchanged, user):
    body = _valid_body(user).replace("罹災".encode(), b"\xff\xfe\xfd")
    assert client.post_raw(body).status_code == 400


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"destination": "U' + b"0" * 32 + b'"}', b"null", b'"x"'],
                         ids=["array", "empty-object", "no-events", "null", "string"])
def test_not_a_webhook_body_is_400(client, unchanged, body):
    assert client.post_raw(body).status_code == 400


def test_event_missing_fields_is_400_and_not_answered(client, unchanged, user):
    event = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    del event["message"]
    body = wh.callback_body([event])
    assert "$.events[0].message: must be specified" in webhook_issues(body)
    assert client.post_raw(wh.encode_body(body)).status_code == 400


def test_unknown_event_type_does_not_break_the_text_event_beside_it(client, bot_db, user):
    future = {"type": "somethingNew", "mode": "active", "timestamp": 1700000000000,
              "source": {"type": "user", "userId": user}, "webhookEventId": wh.new_event_id(),
              "deliveryContext": {"isRedelivery": False}, "surprise": {"x": 1}}
    text = wh.text_event(wh.user_source(user), RISAI_QUESTION)
    body = wh.callback_body([future, text])
    assert any("unknown type 'somethingNew'" in issue for issue in webhook_issues(body))
    seq = client.stub.last_seq
    client.stub.register_reply_token(text["replyToken"], user)
    assert client.post_raw(wh.encode_body(body)).status_code == 200
    assert "Q. " in texts(client.replies_after(seq, to=user))
    exchange(bot_db, text)


def test_server_still_answers_after_bad_input(client, user):
    for body, signature in ((b"\xff" * 10, "sign"), (b"{", "sign"), (b"{}", None)):
        assert client.post_raw(body, signature=signature).status_code == 400
    _, replies = ask(client, user, RISAI_QUESTION)
    assert "Q. " in texts(replies)
