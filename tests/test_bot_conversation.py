"""The conversation's layers: the resident's text read once, decisions as plain data, one exchange
recorded per turn (after deciding, before the reply is built), and the table of postback actions.

Real SQLite file, real seed index and searcher; events are the SDK's models of signed-event bodies.
"""
from __future__ import annotations

import pytest
from conftest import seed_database
from hypothesis import given, settings
from hypothesis import strategies as st
from linebot.v3.webhooks import MessageEvent, PostbackEvent

from bot.conversation.conversation import Conversation
from bot.conversation.decision import Choice
from bot.conversation.replies import to_reply
from bot.conversation.turn import QUERY_STORE_MAX, Utterance
from bot.emulator import signed_events as wh
from bot.faq_directory import FaqDirectory
from bot.line.identity import UserHasher
from bot.line.postback import ACTIONS, DESK, Postback
from bot.records.exchanges import ExchangeLog
from bot.records.privacy import mask_personal_data
from bot.storage import BotDatabase
from faq.text import normalize, normalize_query

FALLBACK_QUERY = "宇宙旅行に行きたい"
_TRIM = " 　?？!！。、.・「」"
# characters that exercise NFKC, spaces, line breaks, invisible characters and the masks
_TRICKY = list("0１２３4５6789-－ー() 　\t\n\r\u200b\u2028\ufeffａＢc@.＠助けてメニューヘルプ？！「」。、")


@pytest.fixture
def database(tmp_path, seed_entries):
    return BotDatabase(seed_database(tmp_path / "faqbot.sqlite3", seed_entries))


@pytest.fixture
def conversation(database, searcher):
    return Conversation(lambda: searcher, FaqDirectory(database.conn), ExchangeLog(database),
                        UserHasher("test-salt"), "088-000-0000", "平日 8:30〜17:15")


def exchange_count(database) -> int:
    return database.conn().execute("SELECT count(*) FROM bot_exchanges").fetchone()[0]


def text_event(text: str, user_id: str | None = None) -> MessageEvent:
    return MessageEvent.from_dict(wh.text_event(wh.user_source(user_id or wh.new_user_id()), text))


def postback_event(data: str, user_id: str | None = None) -> PostbackEvent:
    return PostbackEvent.from_dict(wh.postback_event(wh.user_source(user_id or wh.new_user_id()), data))


# ------------------------------------------------------------------ the text, read once
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=80))
def test_each_form_of_the_text_is_the_normalised_masked_text(raw):
    said = Utterance.read(raw)
    one_line = mask_personal_data(normalize_query(raw))
    assert said.query == one_line.text[:QUERY_STORE_MAX]
    assert said.masked == one_line.masked
    assert said.lines == (mask_personal_data(normalize(raw)).text[:QUERY_STORE_MAX] or said.query)
    assert said.keyword == said.query.strip(_TRIM).lower()


def test_a_phone_number_is_masked_in_every_form_and_line_breaks_stay_for_staff():
    said = Utterance.read("電話は０９０－１２３４－５６７８です\n\n折り返し　ください")
    assert said.masked
    assert "5678" not in said.query and "5678" not in said.lines
    assert "\n" not in said.query and "\n" in said.lines
    assert said.raw.startswith("電話は０９０")


def test_a_menu_word_is_found_whatever_its_width_and_punctuation():
    assert Utterance.read("　ＭＥＮＵ！").keyword == "menu"
    assert Utterance.read("「メニュー」").keyword == "メニュー"


# ------------------------------------------------------------------ decisions as data
def test_a_fallback_is_decided_as_data_recorded_once_and_its_desk_button_names_that_exchange(
        conversation, database):
    event = text_event(FALLBACK_QUERY)
    turn = conversation.turn(event)
    decision = conversation.decide(event, turn)
    assert decision.record.kind == "text" and decision.record.decision == "fallback"
    assert decision.record.query == FALLBACK_QUERY
    assert all(isinstance(c, Choice) for c in decision.choices)
    assert exchange_count(database) == 0          # deciding stores nothing

    outcome = conversation.settle(decision, turn)
    assert exchange_count(database) == 1
    row = database.conn().execute("SELECT id, decision, query FROM bot_exchanges").fetchone()
    assert tuple(row) == (outcome.exchange_id, "fallback", FALLBACK_QUERY)

    reply = to_reply(outcome)
    actions = [item.action for item in reply.messages[-1].quick_reply.items]
    assert [a.label for a in actions] == ["職員に相談", "使い方", "メニュー"]
    assert actions[0].data == Postback(DESK, exchange_id=outcome.exchange_id).encode()
    assert reply.exchange_id == outcome.exchange_id


@pytest.mark.parametrize("make_event", [
    lambda: text_event("メニュー"), lambda: text_event("使い方"), lambda: text_event(FALLBACK_QUERY),
    lambda: text_event("罹災証明書はどうやって申請するの？"), lambda: text_event("職員に相談"),
    lambda: text_event("助けて 火事です"),
    lambda: MessageEvent.from_dict(wh.sticker_event(wh.user_source(wh.new_user_id()))),
    lambda: postback_event("a=menu"), lambda: postback_event("a=help"), lambda: postback_event("garbage"),
    lambda: postback_event("a=topic&c=disaster-support"), lambda: postback_event("a=subj&c=nowhere"),
    lambda: postback_event("a=faq&id=does-not-exist"), lambda: postback_event("a=desk"),
    lambda: postback_event("a=endt"), lambda: postback_event("a=fb&x=999&v=0"),
])
def test_a_turn_records_at_most_one_exchange_and_replies_with_its_id(conversation, database, make_event):
    before = exchange_count(database)
    reply = conversation.respond(make_event())
    after = exchange_count(database)
    assert reply is not None and reply.messages
    assert after - before == (0 if reply.exchange_id is None else 1)


def test_the_emergency_numbers_lead_and_the_fallback_apology_is_left_out(conversation):
    event = text_event("宇宙旅行に行きたい 助けて")
    decision = conversation.decide(event, conversation.turn(event))
    assert decision.blocks[0].startswith("【命に危険があるときは")
    assert not any("見つかりませんでした" in block for block in decision.blocks)


def feedback_of(database, exchange_id: int) -> str | None:
    return database.conn().execute("SELECT feedback FROM bot_exchanges WHERE id = ?", [exchange_id]).fetchone()[0]


def test_feedback_is_stored_only_on_the_chats_own_exchange_and_records_no_exchange(conversation, database):
    owner = wh.new_user_id()
    answered = conversation.respond(text_event("罹災証明書はどうやって申請するの？", owner))
    assert answered.exchange_id is not None
    conversation.respond(postback_event(f"a=fb&x={answered.exchange_id}&v=0"))   # someone else's tap
    assert feedback_of(database, answered.exchange_id) is None
    thanks = conversation.respond(postback_event(f"a=fb&x={answered.exchange_id}&v=1", owner))
    assert feedback_of(database, answered.exchange_id) == "resolved"
    assert thanks.exchange_id is None and exchange_count(database) == 1


# ------------------------------------------------------------------ postback table
def test_every_postback_action_has_a_handler(conversation):
    assert set(conversation.postbacks.handlers) == set(ACTIONS)
    assert set(conversation.postbacks.during_ticket) <= set(ACTIONS)
