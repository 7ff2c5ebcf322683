"""24-hour disaster-support mode and emergency words, end to end.

`faqctl disaster on/off/status` (a subprocess on the bot's database) switches the greeting, the
quick replies and the ranking of the running bot at once; every disaster quick reply leads to a
disaster-support answer; the disaster desk is open around the clock (unless --no-desk-24h); and
emergency words get the emergency numbers first in every mode, also while a ticket is open.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from desk_testkit import running_bot, spec_clean_turn, tokyo
from line_testkit import quick_items, rows, texts

from bot.conversation.emergency import detect
from bot.emulator import signed_events as wh
from faq.store import FaqStore

ROOT = Path(__file__).resolve().parents[1]
NAME = "令和8年台風10号"
SUBJECT_LABELS = ["支援制度ナビ", "罹災証明書", "生活再建支援金", "災害援護資金", "住宅の応急修理", "避難所", "義援金",
                  "税・保険料の減免"]
SATURDAY_NIGHT = tokyo(2026, 11, 28, 23, 0)


@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("disaster"), seed_entries, searcher) as rig:
        yield rig


@pytest.fixture(autouse=True)
def normal_mode(rig):
    rig.disaster.set(active=False, by="test")
    with spec_clean_turn(rig):
        yield
        rig.disaster.set(active=False, by="test")


def faqctl(rig, *args):
    env = dict(os.environ, FAQBOT_STAFF="防災課 山田")
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "faqctl.py"), "--db", str(rig.db), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def greeting(rig, user):
    return rig.send_event(user, wh.follow_event(wh.user_source(user)))


def labels(replies):
    return [a["label"] for a in quick_items(replies)]


def exchange(rig, event):
    [row] = rows(rig.db, "SELECT * FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    return row


# --------------------------------------------------------------- the command
def test_disaster_on_and_off_switch_the_greeting_and_quick_replies(rig):
    normal = greeting(rig, wh.new_user_id())
    assert "友だち追加ありがとうございます" in texts(normal)
    assert labels(normal) == ["オンライン手続き", "キャッシュレス決済", "災害の支援制度", "職員に相談", "Language / 言語"]

    result = faqctl(rig, "disaster", "on", "--name", NAME)
    assert result.returncode == 0, result.stderr
    assert NAME in result.stdout
    replies = greeting(rig, wh.new_user_id())
    assert f"【災害支援：{NAME}】" in texts(replies) and "119" in texts(replies)
    assert labels(replies) == SUBJECT_LABELS + ["職員に相談", "Language / 言語"]
    _, menu = rig.say(wh.new_user_id(), "メニュー")
    assert NAME in texts(menu)
    assert labels(menu) == SUBJECT_LABELS + ["職員に相談", "Language / 言語", "オンライン手続き", "キャッシュレス決済", "使い方"]

    status = faqctl(rig, "disaster", "status")
    assert status.returncode == 0 and f"有効（{NAME}）" in status.stdout and "24時間" in status.stdout
    assert "防災課 山田" in status.stdout

    off = faqctl(rig, "disaster", "off")
    assert off.returncode == 0 and "終了しました" in off.stdout
    assert labels(greeting(rig, wh.new_user_id()))[0] == "オンライン手続き"
    assert "無効" in faqctl(rig, "disaster", "status").stdout


def test_disaster_on_without_a_name_fails_and_changes_nothing(rig):
    before = rig.disaster.current()
    for args in (["disaster", "on"], ["disaster", "on", "--name", "  "], ["disaster", "on", "--name", "台" * 41]):
        result = faqctl(rig, *args)
        assert result.returncode == 1, result.stdout
        assert "災害名" in result.stderr and "Traceback" not in result.stderr
    assert rig.disaster.current() == before
    assert faqctl(rig, "disaster", "--help").returncode == 0
    assert "--no-desk-24h" in faqctl(rig, "disaster", "on", "--help").stdout


def test_every_disaster_quick_reply_leads_to_a_disaster_support_answer(rig):
    rig.disaster.set(active=True, name=NAME, by="test")
    user = wh.new_user_id()
    store = FaqStore.open(rig.db)
    try:
        for action in quick_items(greeting(rig, user))[1:len(SUBJECT_LABELS)]:  # after 支援制度ナビ
            event, replies = rig.tap(user, action["data"])
            row = exchange(rig, event)
            assert row["decision"] in ("answer", "suggest"), (action["label"], row)
            assert store.get(row["faq_id"]).category == "disaster-support", action["label"]
            assert "Q. " in texts(replies) or "次のどれですか" in texts(replies)
    finally:
        store.close()


def test_disaster_mode_ranks_disaster_support_entries_first(rig):
    query = "保険料を払いたい"  # paying the premium comes first; the disaster reduction of premiums is close behind
    plain, _ = rig.say(wh.new_user_id(), query)
    rig.disaster.set(active=True, name=NAME, by="test")
    boosted, replies = rig.say(wh.new_user_id(), query)
    before, after = exchange(rig, plain), exchange(rig, boosted)
    store = FaqStore.open(rig.db)
    try:
        assert store.get(before["faq_id"]).category != "disaster-support"
        assert store.get(after["faq_id"]).category == "disaster-support"
    finally:
        store.close()
    # moved up by the mode, not by its own score: offered first among choices, not answered outright
    assert after["decision"] == "suggest" and after["score"] < before["score"]
    assert "次のどれですか" in texts(replies)


def test_the_disaster_desk_is_open_around_the_clock_unless_switched_off(rig):
    rig.clock.moment = SATURDAY_NIGHT
    _, normal = rig.say(wh.new_user_id(), "人と話したい")
    assert "受付時間外" in texts(normal)
    rig.disaster.set(active=True, name=NAME, by="test")
    user = wh.new_user_id()
    _, replies = rig.say(user, "人と話したい")
    assert "担当者におつなぎします" in texts(replies)
    assert rig.tickets_of(user)[0]["disaster"] == 1
    assert faqctl(rig, "disaster", "on", "--name", NAME, "--no-desk-24h").returncode == 0
    _, office_hours = rig.say(wh.new_user_id(), "人と話したい")
    assert "11月30日（月）8時30分以降" in texts(office_hours)


# ------------------------------------------------------------- emergency words
EMERGENCIES = ["火事です", "救急車を呼んで", "けがをして動けない", "助けて", "119", "逃げ遅れた人がいる",
               "父が息をしていない", "母が倒れた", "子どもが溺れている", "車が流された", "エレベーターに閉じ込められた"]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_words_get_the_numbers_first_in_normal_mode(rig, text):
    _, replies = rig.say(wh.new_user_id(), text)
    first = replies[0]["text"]
    assert first.startswith("【命に危険があるときは") and "119" in first and "110" in first and "#7119" in first
    assert "171" not in first


def test_in_disaster_mode_the_emergency_notice_adds_the_message_dial(rig):
    rig.disaster.set(active=True, name=NAME, by="test")
    _, replies = rig.say(wh.new_user_id(), "家族が流された、助けて")
    assert replies[0]["text"].startswith("【命に危険があるときは") and "171（災害用伝言ダイヤル）" in replies[0]["text"]


def test_emergency_words_during_an_open_ticket_get_the_numbers_and_reach_staff(rig):
    user = wh.new_user_id()
    rig.say(user, "人と話したい")
    _, replies = rig.say(user, "火事です！助けて")
    assert replies[0]["text"].startswith("【命に危険があるときは")
    assert "担当者に伝えました" in texts(replies)
    [ticket] = rig.tickets_of(user)
    messages = rig.ticket_texts(ticket["id"])
    assert ("resident", "火事です!助けて") in messages
    assert any(sender == "system" and "緊急" in text for sender, text in messages)


def test_an_emergency_word_with_a_faq_question_gets_both(rig):
    _, replies = rig.say(wh.new_user_id(), "けがをして動けない。罹災証明書はどうやって申請しますか？")
    assert replies[0]["text"].startswith("【命に危険があるときは") and "Q. " in texts(replies)


@pytest.mark.parametrize("text", ["火事の後の罹災証明", "災害でけがをしたときの見舞金", "家が流されたときの支援金",
                                  "罹災証明書はどうやって申請しますか？", "#7119 とは"])
def test_support_questions_are_not_emergencies(rig, text):
    assert detect(text) is None
    _, replies = rig.say(wh.new_user_id(), text)
    assert "命に危険" not in texts(replies)


def test_emergency_detection_keeps_urgent_words_in_support_questions():
    assert detect("助けて、罹災証明").urgent
    assert detect("110番に電話した方がいい？") is not None
    assert detect("1190円の手数料") is None and detect("令和7年11月9日") is None
