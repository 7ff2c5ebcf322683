"""The human desk end to end: every trigger opens a ticket, messages during a ticket go to staff
(masked, never searched), desk hours (inside / outside / national holiday / year-end) with an
injected clock, groups get the phone number, and the resident can end the ticket.

Real HTTP on loopback: the Flask bot and the Messaging API stub (spec-validated) on their own
ports, signed webhook bodies, a real SQLite file.
"""
from __future__ import annotations

import uuid

import pytest
from desk_testkit import running_bot, spec_clean_turn, tokyo
from line_testkit import database_bytes, quick_items, rows, texts

from bot.desk.handoff import wants_person
from bot.desk.hours import (
    DeskHours,
    DeskHoursError,
    format_when,
    parse_closures,
    parse_weekdays,
)
from bot.emulator import signed_events as wh

RISAI_QUESTION = "罹災証明書はどうやって申請しますか？"
FALLBACK_QUERY = "宇宙旅行に行きたい"
DESK_TAP = "a=desk"


@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("handoff"), seed_entries, searcher) as rig:
        yield rig


@pytest.fixture(autouse=True)
def desk_open_and_spec_clean(rig):
    with spec_clean_turn(rig):
        yield


@pytest.fixture
def user():
    return wh.new_user_id()


def labels(replies):
    return [a["label"] for a in quick_items(replies)]


# ------------------------------------------------------------------ triggers
def test_desk_button_opens_a_waiting_ticket_inside_desk_hours(rig, user):
    _, replies = rig.tap(user, DESK_TAP)
    assert "担当者におつなぎします" in texts(replies) and "分の見込み" in texts(replies)
    assert labels(replies) == ["相談をやめる"]
    [ticket] = rig.tickets_of(user)
    assert (ticket["status"], ticket["trigger"], ticket["disaster"]) == ("waiting", "desk_button", 0)
    assert ticket["assigned_to"] is None and ticket["created_at"].startswith("20")
    # what the resident was told is in the ticket for staff to see
    assert ("bot", texts(replies)) in rig.ticket_texts(ticket["id"])


def test_fallback_then_desk_copies_the_conversation_into_the_ticket(rig, user):
    rig.say(user, "罹災証明書はどうやって申請しますか？ 電話は090-1234-5678です")  # answered, masked
    _, replies = rig.say(user, FALLBACK_QUERY)
    desk = [a for a in quick_items(replies) if a["label"] == "職員に相談"]
    assert len(desk) == 1
    rig.tap(user, desk[0]["data"])
    [ticket] = rig.tickets_of(user)
    assert ticket["trigger"] == "fallback" and ticket["category"] == "disaster-support"
    messages = rig.ticket_texts(ticket["id"])
    resident = [text for sender, text in messages if sender == "resident"]
    assert resident[0] == "罹災証明書はどうやって申請しますか? 電話は[電話番号]です"
    assert FALLBACK_QUERY in resident
    assert ("bot", "（自動応答）該当する回答が見つかりませんでした") in messages
    assert b"090-1234-5678" not in database_bytes(rig.db)


@pytest.mark.parametrize("text", ["人と話したい", "担当者につないでください", "オペレーターお願いします",
                                  "職員と話したいです", "電話したい", "罹災証明書のことで職員に相談したい",
                                  "担当者", "人間と話せますか？"])
def test_request_phrases_open_a_ticket(rig, user, text):
    _, replies = rig.say(user, text)
    assert "担当者におつなぎします" in texts(replies)
    [ticket] = rig.tickets_of(user)
    assert ticket["trigger"] == "keyword"
    assert ("resident", text.replace("？", "?")) in rig.ticket_texts(ticket["id"])


@pytest.mark.parametrize("text", ["罹災証明書はどうやって申請しますか？", "担当課はどこですか", "人と話したくない",
                                  "窓口は何時まで開いていますか", "電話番号を教えて"])
def test_ordinary_questions_are_not_requests_for_a_person(text):
    assert not wants_person(text)


def test_two_unresolved_in_a_row_opens_a_ticket(rig, user):
    _, first = rig.say(user, RISAI_QUESTION)
    unresolved = [a for a in quick_items(first) if a["label"] == "解決しない"][0]
    _, sorry = rig.tap(user, unresolved["data"])
    assert "お役に立てず" in texts(sorry) and rig.tickets_of(user) == []  # once: offered, not opened
    _, second = rig.say(user, "避難所はどこ？")
    unresolved = [a for a in quick_items(second) if a["label"] == "解決しない"][0]
    _, replies = rig.tap(user, unresolved["data"])
    assert "担当者におつなぎします" in texts(replies)
    [ticket] = rig.tickets_of(user)
    assert ticket["trigger"] == "unresolved_twice"
    assert any("解決しない" in text for sender, text in rig.ticket_texts(ticket["id"]) if sender == "bot")


def test_after_a_ticket_the_unresolved_count_starts_afresh(rig, user):
    _, first = rig.say(user, RISAI_QUESTION)
    rig.tap(user, [a for a in quick_items(first) if a["label"] == "解決しない"][0]["data"])
    rig.say(user, "人と話したい")
    rig.tap(user, "a=endt")
    _, second = rig.say(user, "避難所はどこ？")
    _, replies = rig.tap(user, [a for a in quick_items(second) if a["label"] == "解決しない"][0]["data"])
    assert "お役に立てず" in texts(replies) and "担当者におつなぎします" not in texts(replies)
    assert len(rig.tickets_of(user)) == 1


def test_a_second_request_appends_to_the_open_ticket(rig, user):
    rig.say(user, "人と話したい")
    _, replies = rig.tap(user, DESK_TAP)
    assert "すでに担当者へのご相談を受け付けています" in texts(replies)
    [ticket] = rig.tickets_of(user)
    assert any(sender == "system" and "もう一度" in text for sender, text in rig.ticket_texts(ticket["id"]))


# --------------------------------------------------------- while a ticket is open
def test_messages_during_a_ticket_are_appended_masked_and_not_answered(rig, user):
    rig.say(user, "人と話したい")
    event, replies = rig.say(user, RISAI_QUESTION)
    assert "Q. " not in texts(replies)                        # not searched, not answered
    assert texts(replies).startswith("担当者に伝えました")     # a short acknowledgement
    assert len(texts(replies)) < 60 and labels(replies) == ["相談をやめる"]
    _, masked = rig.say(user, "連絡先は taro@example.jp と\n090-1111-2222 です")
    assert "個人情報は、送らないでください" in texts(masked)
    sticker = rig.send_event(user, wh.sticker_event(wh.user_source(user)))
    assert "スタンプ・画像などは担当者に届きません" in texts(sticker)
    [ticket] = rig.tickets_of(user)
    resident = [text for sender, text in rig.ticket_texts(ticket["id"]) if sender == "resident"]
    assert resident[-3:] == [RISAI_QUESTION.replace("？", "?"), "連絡先は [メールアドレス] と\n[電話番号] です",
                             "（スタンプが送られました。内容は保存していません）"]
    [row] = rows(rig.db, "SELECT kind, decision, query FROM bot_exchanges WHERE event_id = ?",
                 (event["webhookEventId"],))
    assert row == {"kind": "ticket", "decision": "ticket", "query": None}  # the text lives in the ticket only
    data = database_bytes(rig.db)
    assert b"taro@example.jp" not in data and b"090-1111-2222" not in data


def test_old_buttons_during_a_ticket_get_no_auto_answer(rig, user):
    rig.say(user, "人と話したい")
    _, replies = rig.tap(user, "a=faq&id=disaster-risai-shomeisho")
    assert "Q. " not in texts(replies) and "すでに担当者へのご相談を受け付けています" in texts(replies)


def test_the_resident_can_end_the_ticket_and_is_answered_by_the_bot_again(rig, user):
    rig.say(user, "人と話したい")
    _, ended = rig.tap(user, "a=endt")
    assert "自動でお答えします" in texts(ended)
    [ticket] = rig.tickets_of(user)
    assert ticket["status"] == "closed" and ticket["closed_at"]
    _, answer = rig.say(user, RISAI_QUESTION)
    assert "Q. " in texts(answer)
    _, again = rig.tap(user, "a=endt")  # the old button again: nothing to end
    assert "自動でお答えします" in texts(again) and len(rig.tickets_of(user)) == 1


# ------------------------------------------------------------- groups and rooms
def test_groups_get_the_phone_number_and_no_ticket(rig):
    group, member = "C" + uuid.uuid4().hex, wh.new_user_id()
    seq = rig.stub.last_seq
    event = wh.text_event(wh.group_source(group, member), "@FAQボット 人と話したい", mention_self=(0, 7))
    assert rig.client.send(event, recipient=group).status_code == 200
    replies = rig.client.replies_after(seq, to=group)
    assert "088-000-0000" in texts(replies) and "1対1のトーク" in texts(replies)
    assert rows(rig.db, "SELECT count(*) AS n FROM bot_tickets WHERE line_user_id = ?", (member,)) == [{"n": 0}]
    assert member.encode() not in database_bytes(rig.db)


# ------------------------------------------------------------------ desk hours
@pytest.mark.parametrize("now, opening", [
    (tokyo(2026, 11, 28, 11, 0), "11月30日（月）8時30分"),   # Saturday
    (tokyo(2026, 11, 23, 10, 0), "11月24日（火）8時30分"),   # 勤労感謝の日 (national holiday, Monday)
    (tokyo(2026, 11, 24, 17, 15), "11月25日（水）8時30分"),  # closing time
    (tokyo(2026, 11, 24, 7, 59), "11月24日（火）8時30分"),   # early morning
    (tokyo(2026, 12, 29, 10, 0), "1月4日（月）8時30分"),     # year-end closure 12/29–1/3
], ids=["saturday", "national-holiday", "after-closing", "before-opening", "year-end"])
def test_outside_desk_hours_the_ticket_is_kept_and_the_next_opening_given(rig, user, now, opening):
    rig.clock.moment = now
    _, replies = rig.say(user, "人と話したい")
    assert "受付時間外" in texts(replies) and f"{opening}以降に担当者からご連絡します" in texts(replies)
    assert "088-000-0000" in texts(replies)
    [ticket] = rig.tickets_of(user)
    assert ticket["status"] == "waiting"
    _, ack = rig.say(user, "家の屋根が壊れました")
    assert f"{opening}以降にお返事します" in texts(ack)
    assert ("resident", "家の屋根が壊れました") in rig.ticket_texts(ticket["id"])


def test_the_expected_wait_grows_with_the_queue_and_warns_near_closing(rig):
    ahead = rig.tickets.counts()["waiting"]
    _, replies = rig.say(wh.new_user_id(), "人と話したい")
    assert f"ただいま{ahead}件の相談をお受けしています" in texts(replies) or ahead == 0
    assert f"およそ{(ahead + 1) * 10}分" in texts(replies)
    rig.clock.moment = tokyo(2026, 11, 24, 17, 10)
    _, late = rig.say(wh.new_user_id(), "人と話したい")
    assert "本日の受付時間内にお返事できない場合は、11月25日（水）8時30分以降にご連絡します" in texts(late)


def test_desk_hours_rules():
    hours = DeskHours()
    assert hours.is_open(tokyo(2026, 11, 24, 8, 30)) and not hours.is_open(tokyo(2026, 11, 24, 8, 29))
    assert not hours.is_open(tokyo(2026, 11, 24, 17, 15))
    assert not hours.is_open(tokyo(2027, 1, 1, 10, 0)) and not hours.is_open(tokyo(2027, 1, 3, 10, 0))
    assert hours.next_opening(tokyo(2026, 12, 28, 18, 0)) == tokyo(2027, 1, 4, 8, 30)
    assert hours.next_opening(tokyo(2026, 5, 2, 9, 0)) == tokyo(2026, 5, 7, 8, 30)  # ゴールデンウィーク
    assert format_when(tokyo(2026, 11, 24, 9, 0)) == "11月24日（火）9時"
    saturday = DeskHours(weekdays=parse_weekdays("月-土"), closures=parse_closures("2026-11-28"))
    assert not saturday.is_open(tokyo(2026, 11, 28, 10, 0)) and saturday.is_open(tokyo(2026, 12, 5, 10, 0))
    assert parse_weekdays("mon,wed-fri") == frozenset({0, 2, 3, 4})
    for bad_days in ("", "月-日曜", "fri-mon"):
        with pytest.raises(DeskHoursError, match="FAQBOT_DESK_DAYS"):
            parse_weekdays(bad_days)
    for bad_closure in ("13-01", "12-32..01-03", "2026-02-30", "christmas"):
        with pytest.raises(DeskHoursError, match="FAQBOT_DESK_CLOSED_DAYS"):
            parse_closures(bad_closure)


def test_bad_desk_hours_settings_stop_the_app_with_a_clear_error(tmp_path, seed_entries, searcher):
    from bot.app import create_app
    from bot.config import ConfigError
    base = {"FAQBOT_DB": str(tmp_path / "x.sqlite3"), "FAQBOT_INDEX_DIR": str(tmp_path / "index")}
    with pytest.raises(ConfigError, match="FAQBOT_DESK_CLOSE"):
        create_app(dict(base, FAQBOT_DESK_OPEN="18:00", FAQBOT_DESK_CLOSE="09:00"))
    with pytest.raises(ConfigError, match="FAQBOT_DESK_OPEN"):
        create_app(dict(base, FAQBOT_DESK_OPEN="8時"))
    assert not (tmp_path / "x.sqlite3").exists()
