"""Staff replies (push with X-Line-Retry-Key), closing a ticket, webhook reply retries, and
scripts/broadcast.py — against the Messaging API stub on a loopback port, with faults injected
into the stub (500, 429 with Retry-After, timeouts) and every request validated against the
official OpenAPI description."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from desk_testkit import READ_TIMEOUT, TOKEN, running_bot
from line_testkit import rows, texts

from bot.desk.service import DeskError, DeskService
from bot.emulator import signed_events as wh
from bot.line.client import LineSender, RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
PUSH = "/v2/bot/message/push"
BROADCAST = "/v2/bot/message/broadcast"
RISAI_QUESTION = "罹災証明書はどうやって申請しますか？"
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.2, total_seconds=15.0)


@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("push"), seed_entries, searcher) as rig:
        yield rig


@pytest.fixture(autouse=True)
def spec_clean(rig):
    before = len(rig.stub.rejected())
    yield
    assert rig.stub.rejected()[before:] == []
    assert rig.stub.pending_faults == []


@pytest.fixture
def ticket(rig):
    """A resident with an open ticket: (user id, ticket id)."""
    user = wh.new_user_id()
    rig.say(user, "人と話したい")
    [row] = rig.tickets_of(user)
    return user, row["id"]


def stored_key(rig, message_id: int) -> str:
    [row] = rows(rig.db, "SELECT retry_key FROM bot_ticket_messages WHERE id = ?", (message_id,))
    return row["retry_key"]


# ------------------------------------------------------------------- staff replies
def test_a_staff_reply_is_pushed_once_with_its_retry_key(rig, ticket):
    user, ticket_id = ticket
    seq = rig.stub.last_seq
    message = rig.desk.reply(ticket_id, "山田", "お問い合わせありがとうございます。\n窓口は 088-000-0000 です。")
    assert (message.push_status, message.push_error, message.attempts, message.sender) == ("sent", None, 1, "staff")
    [pushed] = rig.pushed_to(user, seq)
    assert pushed["message"]["text"] == "【担当者からのお返事】\nお問い合わせありがとうございます。\n窓口は 088-000-0000 です。"
    assert pushed["retryKey"] == stored_key(rig, message.id)
    after = rig.tickets.get(ticket_id)
    assert (after.status, after.assigned_to) == ("in_progress", "山田") and after.first_response_at


def test_500_and_429_are_retried_with_the_same_key_and_delivered_once(rig, ticket):
    user, ticket_id = ticket
    seq = rig.stub.last_seq
    before = len(rig.retry_keys.keys(PUSH))
    rig.stub.inject_faults([500, 429])  # 429 carries Retry-After: 1
    message = rig.desk.reply(ticket_id, "佐藤", "確認して折り返します。")
    assert (message.push_status, message.attempts) == ("sent", 3)
    assert len(rig.pushed_to(user, seq)) == 1
    keys = rig.retry_keys.keys(PUSH)[before:]
    assert keys == [stored_key(rig, message.id)] * 3


def test_a_timeout_is_retried_with_the_same_key(rig, ticket):
    user, ticket_id = ticket
    seq = rig.stub.last_seq
    before = len(rig.retry_keys.keys(PUSH))
    rig.stub.inject_faults(["timeout"])  # the stub answers after READ_TIMEOUT + 1 s
    message = rig.desk.reply(ticket_id, "佐藤", "お待たせしました。")
    assert message.push_status == "sent" and message.attempts == 2
    assert len(rig.pushed_to(user, seq)) == 1
    assert rig.retry_keys.keys(PUSH)[before:] == [stored_key(rig, message.id)] * 2


def test_a_failed_push_is_kept_and_retried_later_with_the_same_key(rig, ticket):
    user, ticket_id = ticket
    impatient = DeskService(rig.tickets, LineSender(rig.stub_url, TOKEN, read_timeout=READ_TIMEOUT),
                            "088-000-0000", policy=FAST)
    seq = rig.stub.last_seq
    rig.stub.inject_faults([500, 503, 500])
    failed = impatient.reply(ticket_id, "山田", "住宅の応急修理についてご案内します。")
    assert (failed.push_status, failed.attempts) == ("failed", 3) and "HTTP 500" in failed.push_error
    assert rig.pushed_to(user, seq) == []
    assert rig.tickets.messages(ticket_id)[-1] == failed  # never dropped: visible with its error

    retried = rig.desk.retry_push(failed.id, "山田")
    assert (retried.push_status, retried.push_error, retried.attempts) == ("sent", None, 4)
    [pushed] = rig.pushed_to(user, seq)
    assert pushed["retryKey"] == stored_key(rig, failed.id)
    with pytest.raises(DeskError, match="送信済み"):
        rig.desk.retry_push(failed.id, "山田")


def test_a_409_on_retry_means_line_had_it_already(rig, ticket):
    """The first attempt reached LINE but its answer was lost: the retry gets 409 and counts as sent."""
    user, ticket_id = ticket
    impatient = DeskService(rig.tickets, LineSender(rig.stub_url, TOKEN), policy=FAST)
    rig.stub.inject_faults([500, 500, 500])
    failed = impatient.reply(ticket_id, "山田", "念のため再送します。")
    assert failed.push_status == "failed"
    seq = rig.stub.last_seq
    accepted = requests.post(f"{rig.stub_url}{PUSH}", timeout=5, headers={
        "Authorization": f"Bearer {TOKEN}", "X-Line-Retry-Key": stored_key(rig, failed.id)},
        json={"to": user, "messages": [{"type": "text", "text": "【担当者からのお返事】\n念のため再送します。"}]})
    assert accepted.status_code == 200
    retried = rig.desk.retry_push(failed.id, "山田")
    assert retried.push_status == "sent"
    assert len(rig.pushed_to(user, seq)) == 1  # delivered once, not twice


def test_personal_data_in_a_staff_reply_is_masked_but_the_desk_number_kept(rig, ticket):
    user, ticket_id = ticket
    message = rig.desk.reply(ticket_id, "山田", "090-1234-5678 ではなく 088-000-0000 におかけください")
    assert message.text == "[電話番号] ではなく 088-000-0000 におかけください"


# ----------------------------------------------------------------- assign and close
def test_close_tells_the_resident_and_the_bot_answers_again(rig, ticket):
    user, ticket_id = ticket
    assigned = rig.desk.assign(ticket_id, "鈴木", by="山田")
    assert (assigned.status, assigned.assigned_to) == ("in_progress", "鈴木")
    seq = rig.stub.last_seq
    closed = rig.desk.close(ticket_id, "鈴木")
    assert closed.status == "closed" and closed.closed_at
    [pushed] = rig.pushed_to(user, seq)
    assert "担当者とのご相談を終了しました" in pushed["message"]["text"]
    notice = rig.tickets.messages(ticket_id)[-1]
    assert (notice.sender, notice.push_status) == ("system", "sent")
    _, replies = rig.say(user, RISAI_QUESTION)
    assert "Q. " in texts(replies)  # answered by the search again
    assert rig.tickets.counts()["closed"] >= 1
    assert closed.id not in [t.id for t in rig.tickets.queue()]
    assert closed.id in [t.id for t in rig.tickets.queue(include_closed=True)]


def line_id_of(rig, ticket_id: int):
    [row] = rows(rig.db, "SELECT line_user_id FROM bot_tickets WHERE id = ?", (ticket_id,))
    return row["line_user_id"]


def test_the_raw_line_id_goes_once_the_close_notice_is_delivered(rig, ticket):
    user, ticket_id = ticket
    assert line_id_of(rig, ticket_id) == user
    rig.desk.close(ticket_id, "山田")
    assert line_id_of(rig, ticket_id) is None
    assert user not in [r["line_user_id"] for r in rows(rig.db, "SELECT line_user_id FROM bot_tickets")]


def test_a_failed_close_notice_keeps_the_line_id_for_a_retry_then_drops_it(rig, ticket):
    user, ticket_id = ticket
    impatient = DeskService(rig.tickets, LineSender(rig.stub_url, TOKEN, read_timeout=READ_TIMEOUT),
                            "088-000-0000", policy=FAST)
    rig.stub.inject_faults([500, 503, 500])
    impatient.close(ticket_id, "山田")
    notice = rig.tickets.messages(ticket_id)[-1]
    assert notice.push_status == "failed" and line_id_of(rig, ticket_id) == user
    assert rig.desk.retry_push(notice.id, "山田").push_status == "sent"
    assert line_id_of(rig, ticket_id) is None


def test_a_ticket_the_resident_ends_drops_the_line_id_at_once(rig, ticket):
    _, ticket_id = ticket
    assert rig.tickets.close_by_resident(ticket_id, "終了")  # what 「相談をやめる」 does
    assert line_id_of(rig, ticket_id) is None


@pytest.mark.parametrize("action, message", [
    (lambda d, t: d.reply(t, "山田", ""), "空"),
    (lambda d, t: d.reply(t, "山田", " \n　"), "空"),
    (lambda d, t: d.reply(t, "山田", "あ" * 5000), "長すぎます"),
    (lambda d, t: d.reply(t, "", "こんにちは"), "職員名"),
    (lambda d, t: d.reply(999999, "山田", "こんにちは"), "見つかりません"),
    (lambda d, t: d.assign(999999, "山田", by="佐藤"), "見つかりません"),
    (lambda d, t: d.close(999999, "山田"), "見つかりません"),
    (lambda d, t: d.retry_push(999999, "山田"), "見つかりません"),
], ids=["empty", "blank", "too-long", "no-staff", "unknown-reply", "unknown-assign", "unknown-close",
        "unknown-message"])
def test_bad_desk_input_is_refused_and_changes_nothing(rig, ticket, action, message):
    _, ticket_id = ticket
    before_messages, before_ticket, seq = rig.tickets.messages(ticket_id), rig.tickets.get(ticket_id), rig.stub.last_seq
    with pytest.raises(DeskError, match=message):
        action(rig.desk, ticket_id)
    assert rig.tickets.messages(ticket_id) == before_messages and rig.tickets.get(ticket_id) == before_ticket
    assert rig.stub.last_seq == seq


def test_a_closed_ticket_refuses_replies_and_changes(rig, ticket):
    _, ticket_id = ticket
    rig.desk.close(ticket_id, "山田")
    before, seq = rig.tickets.messages(ticket_id), rig.stub.last_seq
    for action in (lambda: rig.desk.reply(ticket_id, "山田", "追伸"), lambda: rig.desk.close(ticket_id, "山田"),
                   lambda: rig.desk.assign(ticket_id, "佐藤", by="山田")):
        with pytest.raises(DeskError, match="終了"):
            action()
    assert rig.tickets.messages(ticket_id) == before and rig.stub.last_seq == seq


# ------------------------------------------------------------- webhook replies
def test_a_reply_is_retried_after_a_server_error(rig):
    user = wh.new_user_id()
    rig.stub.inject_faults([500])
    event, replies = rig.say(user, RISAI_QUESTION)
    assert "Q. " in texts(replies)
    [row] = rows(rig.db, "SELECT delivered FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert row["delivered"] == 1


def test_a_reply_that_keeps_failing_is_recorded_as_not_delivered(rig):
    user = wh.new_user_id()
    rig.stub.inject_faults([500, 502, 503, 500])  # every attempt within the reply budget
    event, replies = rig.say(user, RISAI_QUESTION)
    assert replies == []
    [row] = rows(rig.db, "SELECT delivered FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    assert row["delivered"] == 0


# ------------------------------------------------------------------- broadcast
def run_broadcast(rig, *args, input=None, token=TOKEN):
    env = dict(os.environ, FAQBOT_DB=str(rig.db), LINE_API_ENDPOINT=rig.stub_url, LINE_CHANNEL_ACCESS_TOKEN=token,
               FAQBOT_STAFF="防災課 山田")
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "broadcast.py"), *args], env=env,
                          capture_output=True, text=True, input=input, timeout=120)


NOTICE = "【お知らせ】台風10号の被害を受けた方へ\n罹災証明書の申請受付を11月25日から始めます。"


def broadcasts(rig) -> list[dict]:
    return rows(rig.db, "SELECT * FROM bot_broadcasts ORDER BY id")


def test_broadcast_dry_run_shows_the_request_and_sends_nothing(rig):
    seq, before = rig.stub.last_seq, broadcasts(rig)
    result = run_broadcast(rig, "--text", NOTICE, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "POST /v2/bot/message/broadcast" in result.stdout and '"text": "【お知らせ】' in result.stdout
    assert "送信していません" in result.stdout
    assert rig.stub.last_seq == seq and broadcasts(rig) == before


def test_broadcast_reaches_every_friend_and_is_recorded(rig, tmp_path):
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE + "\n", encoding="utf-8")
    seq = rig.stub.last_seq
    result = run_broadcast(rig, "--file", str(notice), "--yes")
    assert result.returncode == 0, result.stderr
    [sent] = [m for m in rig.stub.messages(after=seq) if m["kind"] == "broadcast"]
    assert sent["message"] == {"type": "text", "text": NOTICE}
    record = broadcasts(rig)[-1]
    assert (record["status"], record["sent_by"], record["text"], record["attempts"]) == ("sent", "防災課 山田", NOTICE, 1)
    assert sent["retryKey"] == record["retry_key"]
    listed = run_broadcast(rig, "--list")
    assert f"#{record['id']}" in listed.stdout and "sent" in listed.stdout


def test_broadcast_asks_for_confirmation(rig):
    seq, before = rig.stub.last_seq, broadcasts(rig)
    result = run_broadcast(rig, "--text", NOTICE, input="n\n")
    assert result.returncode == 1 and "中止" in result.stderr
    assert rig.stub.last_seq == seq and broadcasts(rig) == before


@pytest.mark.parametrize("args, error", [
    (["--text", "あ" * 5001], "長すぎます"),
    (["--text", "  \n "], "空です"),
    ([], "--text か --file"),
    (["--text", "x", "--file", "y.txt"], "--text か --file"),
    (["--file", "/nonexistent/notice.txt"], "ファイルを読めません"),
    (["--retry", "99999", "--yes"], "記録がありません"),
], ids=["too-long", "empty", "nothing", "both", "missing-file", "unknown-retry"])
def test_bad_broadcast_input_is_refused_and_sends_nothing(rig, args, error):
    seq, before = rig.stub.last_seq, broadcasts(rig)
    result = run_broadcast(rig, *args)
    assert result.returncode == 1 and error in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert rig.stub.last_seq == seq and broadcasts(rig) == before


def test_broadcast_without_a_token_is_refused(rig):
    seq = rig.stub.last_seq
    result = run_broadcast(rig, "--text", NOTICE, "--yes", token="")
    assert result.returncode == 1 and "LINE_CHANNEL_ACCESS_TOKEN" in result.stderr
    assert rig.stub.last_seq == seq


def test_a_failed_broadcast_is_recorded_and_resent_with_the_same_key(rig):
    before = len(rig.retry_keys.keys(BROADCAST))
    rig.stub.inject_faults([403])  # refused by LINE: not retried
    result = run_broadcast(rig, "--text", NOTICE, "--yes")
    assert result.returncode == 1 and "HTTP 403" in result.stderr and "--retry" in result.stderr
    record = broadcasts(rig)[-1]
    assert record["status"] == "failed" and "403" in record["error"]
    seq = rig.stub.last_seq
    rig.stub.inject_faults([500])  # and once more on the way: retried within the run
    again = run_broadcast(rig, "--retry", str(record["id"]), "--yes")
    assert again.returncode == 0, again.stderr
    [sent] = [m for m in rig.stub.messages(after=seq) if m["kind"] == "broadcast"]
    assert sent["retryKey"] == record["retry_key"]
    assert rig.retry_keys.keys(BROADCAST)[before:] == [record["retry_key"]] * 3
    assert broadcasts(rig)[-1]["status"] == "sent" and broadcasts(rig)[-1]["attempts"] == 3
