"""The reply builder keeps LINE's limits, and every message it builds passes messaging-api.yml.

Replies built by the conversation itself are checked too: a long FAQ answer
tapped from a quick reply, and a topic with more questions than fit.
"""
from __future__ import annotations

import re

import pytest
from conftest import seed_database
from line_testkit import reply_issues
from linebot.v3.messaging import ReplyMessageRequest
from linebot.v3.webhooks import PostbackEvent

from bot.conversation.conversation import Conversation
from bot.emulator import signed_events as wh
from bot.faq_directory import FaqDirectory
from bot.line.identity import UserHasher
from bot.line.messages import (
    LABEL_MAX,
    MESSAGES_MAX,
    QUICK_REPLY_MAX,
    TEXT_MAX,
    compose,
    line_length,
    message_action,
    postback_action,
    quick_reply,
    split_text,
    truncate,
)
from bot.line.postback import FAQ, FEEDBACK, TOPIC, Postback, decode
from bot.records.exchanges import ExchangeLog
from bot.storage import BotDatabase
from faq.model import FaqEntry


def as_json(messages) -> list[dict]:
    return ReplyMessageRequest(reply_token="r", messages=messages).to_dict()["messages"]


def assert_within_limits(messages) -> list[dict]:
    body = as_json(messages)
    assert 1 <= len(body) <= MESSAGES_MAX
    for message in body:
        assert line_length(message["text"]) <= TEXT_MAX
        items = (message.get("quickReply") or {}).get("items", [])
        assert len(items) <= QUICK_REPLY_MAX
        for item in items:
            action = item["action"]
            assert 1 <= len(action["label"]) <= LABEL_MAX
            if action["type"] == "postback":
                assert len(action["data"]) <= 300 and len(action.get("displayText", "")) <= 300
    assert [m for m in body[:-1] if "quickReply" in m] == []  # quick replies only on the last message
    assert reply_issues(body) == []
    return body


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------- splitting
def test_short_text_is_one_piece():
    assert split_text("こんにちは。") == ["こんにちは。"]


def test_long_answer_splits_on_paragraphs_without_losing_anything():
    paragraphs = [f"第{i}段落。" + "制度の説明です。" * 120 for i in range(12)]  # ~11,800 characters
    text = "\n\n".join(paragraphs)
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(line_length(p) <= TEXT_MAX for p in pieces)
    assert squeeze("".join(pieces)) == squeeze(text)
    assert all(p.startswith("第") for p in pieces)  # every piece starts at a paragraph


def test_a_paragraph_longer_than_the_limit_splits_after_a_sentence():
    text = "長い説明の文です。" * 1200  # one paragraph, 10,800 characters
    pieces = split_text(text)
    assert all(line_length(p) <= TEXT_MAX and p.endswith("。") for p in pieces)
    assert "".join(pieces) == text


def test_latin_text_is_not_cut_mid_word():
    text = " ".join(["information"] * 1000)
    pieces = split_text(text)
    assert all(line_length(p) <= TEXT_MAX for p in pieces)
    assert all(p.split() == ["information"] * len(p.split()) for p in pieces)
    assert " ".join(pieces) == text


def test_text_without_any_boundary_is_cut_hard_but_complete():
    text = "あ" * 12001
    pieces = split_text(text)
    assert [len(p) for p in pieces] == [5000, 5000, 2001]


def test_emoji_count_as_two_units():
    text = "😀" * 3000  # 6,000 UTF-16 units
    pieces = split_text(text)
    assert all(line_length(p) <= TEXT_MAX for p in pieces) and "".join(pieces) == text


# ------------------------------------------------------------- compose
def test_compose_puts_blocks_in_separate_messages_and_quick_replies_on_the_last():
    actions = [postback_action("解決した", Postback(FEEDBACK, exchange_id=1, resolved=True), "解決した")]
    body = assert_within_limits(compose(["注意", "回答", "くわしくはこちら"], actions))
    assert [m["text"] for m in body] == ["注意", "回答", "くわしくはこちら"]
    assert body[-1]["quickReply"]["items"][0]["action"]["data"] == "a=fb&x=1&v=1"


def test_compose_never_exceeds_five_messages_and_merges_before_cutting():
    body = assert_within_limits(compose([f"ブロック{i}" for i in range(9)]))
    assert len(body) == 5
    assert squeeze("".join(m["text"] for m in body)) == squeeze("".join(f"ブロック{i}" for i in range(9)))


def test_compose_cuts_only_what_cannot_fit_and_says_so():
    huge = "説明です。" * 6000  # 30,000 characters: more than five full messages
    body = assert_within_limits(compose([huge]))
    assert len(body) == 5 and body[-1]["text"].endswith("（長いため省略しました）")


def test_compose_of_a_5000_character_answer_plus_footer():
    answer = "ご案内です。" * 833 + "終わり"  # 5,001 characters
    body = assert_within_limits(compose([answer, "▼くわしくはこちら\nhttps://www.pref.example.lg.jp/x/"]))
    assert squeeze("".join(m["text"] for m in body)) == squeeze(answer + "▼くわしくはこちらhttps://www.pref.example.lg.jp/x/")


# ---------------------------------------------------------- quick replies
def test_labels_are_truncated_to_twenty_characters_with_an_ellipsis():
    label = "罹災証明書の判定結果に納得できない場合はどうすればよいですか？"
    action = postback_action(label, Postback(FAQ, faq_id="x"), label)
    assert len(action.label) == 20 and action.label.endswith("…") and label.startswith(action.label[:-1])
    assert action.display_text == label
    assert truncate("短い", 20) == "短い"
    assert message_action("あ" * 30, "い" * 400).text == "い" * 299 + "…"


def test_quick_reply_keeps_at_most_thirteen_items():
    actions = [postback_action(f"質問{i}", Postback(FAQ, faq_id=f"faq-{i}"), f"質問{i}") for i in range(20)]
    qr = quick_reply(actions)
    assert len(qr.items) == 13 and qr.items[-1].action.label == "質問12"
    assert_within_limits(compose(["一覧"], actions))


def test_postback_data_longer_than_300_is_refused():
    with pytest.raises(ValueError):
        Postback(FAQ, faq_id="x" * 300).encode()


@pytest.mark.parametrize("data, expected", [
    ("a=faq&id=disaster-risai&x=12", Postback(FAQ, faq_id="disaster-risai", exchange_id=12)),
    ("a=fb&x=3&v=0", Postback(FEEDBACK, exchange_id=3, resolved=False)),
    ("a=topic&c=disaster-support", Postback(TOPIC, category="disaster-support")),
    ("a=fb&x=3", None), ("a=fb&x=abc&v=1", None), ("a=nope", None), ("", None), ("=&=", None),
    ("a=faq", None), ("x" * 301, None), ("a=faq&id=x&" + "k=v&" * 20, None),
])
def test_postback_data_round_trip_and_garbage(data, expected):
    assert decode(data) == expected
    if expected is not None:
        assert decode(expected.encode()) == expected


# ------------------------------------- replies built by the conversation itself
@pytest.fixture
def conversation(tmp_path):
    db_path = tmp_path / "faqbot.sqlite3"
    long_answer = "\n\n".join(f"{i}. " + "災害で被害を受けた方への支援について説明します。" * 40 for i in range(6))
    entries = [FaqEntry(id="long-answer", question="とても長い回答の質問ですか？", answer=long_answer[:4990],
                        category="disaster-support", url="https://www.pref.example.lg.jp/bousai/" + "a" * 200,
                        department="危機管理課")]
    entries += [FaqEntry(id=f"disaster-q{i:02d}", question=f"災害の支援制度についての質問その{i}は何ですか？" + "詳しく" * i,
                         answer=f"回答{i}です。", category="disaster-support") for i in range(20)]
    seed_database(db_path, entries)
    database = BotDatabase(db_path)
    return Conversation(lambda: None, FaqDirectory(database.conn), ExchangeLog(database),
                        UserHasher("test-salt"), "088-000-0000", "平日")


def _postback(data: str):
    return PostbackEvent.from_dict(wh.postback_event(wh.user_source(wh.new_user_id()), data))


def test_a_long_faq_answer_is_delivered_whole_within_limits(conversation):
    reply = conversation.respond(_postback("a=faq&id=long-answer"))
    body = assert_within_limits(reply.messages)
    entry = conversation.faqs.get("long-answer")
    joined = squeeze("".join(m["text"] for m in body))
    assert squeeze(entry.answer) in joined and entry.url in "".join(m["text"] for m in body)
    assert [i["action"]["label"] for i in body[-1]["quickReply"]["items"]] == ["解決した", "解決しない"]


def test_a_topic_with_twenty_questions_lists_twelve_plus_menu(conversation):
    reply = conversation.respond(_postback("a=topic&c=disaster-support"))
    body = assert_within_limits(reply.messages)
    labels = [i["action"]["label"] for i in body[-1]["quickReply"]["items"]]
    assert len(labels) == 13 and labels[-1] == "メニュー"


@pytest.mark.parametrize("data", ["a=menu", "a=help", "a=desk", "garbage", "a=faq&id=does-not-exist",
                                  "a=topic&c=nowhere", "a=fb&x=999&v=1", "a=fb&x=999&v=0"])
def test_every_postback_reply_is_valid(conversation, data):
    reply = conversation.respond(_postback(data))
    assert_within_limits(reply.messages)


def test_greeting_is_valid_and_has_the_four_topics(conversation):
    from linebot.v3.webhooks import FollowEvent
    reply = conversation.respond(FollowEvent.from_dict(wh.follow_event(wh.user_source(wh.new_user_id()))))
    body = assert_within_limits(reply.messages)
    assert [i["action"]["label"] for i in body[-1]["quickReply"]["items"]] == \
        ["オンライン手続き", "キャッシュレス決済", "災害の支援制度", "職員に相談", "Language / 言語"]
