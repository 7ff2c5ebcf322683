"""Every resident: small talk, other languages and やさしい日本語, through the signed webhook.

Real HTTP on loopback (the Flask bot and the spec-validating Messaging API stub), a real SQLite file,
the seed FAQ and its index.
"""
from __future__ import annotations

import pytest
from desk_testkit import running_bot, spec_clean_turn
from line_testkit import quick_items, rows, texts

from bot.conversation.smalltalk import Smalltalk, SmalltalkError, key
from bot.emulator import signed_events as wh
from bot.language.detect import detect
from bot.language.texts import missing_phrases

RISAI_ID = "disaster-risai-shomeisho"


@pytest.fixture(scope="module")
def rig(tmp_path_factory, seed_entries, searcher):
    with running_bot(tmp_path_factory.mktemp("languages"), seed_entries, searcher,
                     FAQBOT_MULTILINGUAL_HELP="088-000-0003") as rig:
        yield rig


@pytest.fixture(autouse=True)
def spec_clean(rig):
    with spec_clean_turn(rig):
        yield


@pytest.fixture
def user():
    return wh.new_user_id()


def exchange(rig, event) -> dict:
    [found] = rows(rig.db, "SELECT * FROM bot_exchanges WHERE event_id = ?", (event["webhookEventId"],))
    return found


def labels(replies):
    return [a["label"] for a in quick_items(replies)]


# ------------------------------------------------------------------ small talk
@pytest.mark.parametrize("said, reply", [
    ("ありがとう", "どういたしまして"),
    ("ありがとうございます！", "どういたしまして"),
    ("こんにちは", "こんにちは。県と市"),
    ("Thanks!", "You're welcome"),
    ("cảm ơn", "Không có gì"),
])
def test_small_talk_gets_its_reply_and_is_not_an_unanswered_question(rig, user, said, reply):
    event, replies = rig.say(user, said)
    assert reply in texts(replies)
    assert "見つかりませんでした" not in texts(replies)
    row = exchange(rig, event)
    assert (row["kind"], row["decision"]) == ("text", "smalltalk")


def test_thanks_never_hides_a_question_in_the_same_message(rig, user):
    event, replies = rig.say(user, "ありがとう、あと罹災証明書はどうやって申請しますか？")
    row = exchange(rig, event)
    assert row["decision"] == "answer" and row["faq_id"] == RISAI_ID
    assert "どういたしまして" not in texts(replies)


def test_a_question_mentioning_thanks_inside_is_searched(rig, user):
    event, _ = rig.say(user, "お礼の品を送りたいけど、ありがとうの気持ちはどう伝える？")
    assert exchange(rig, event)["decision"] != "smalltalk"


def test_a_complaint_offers_the_desk(rig, user):
    _, replies = rig.say(user, "使えない")
    assert "申し訳ありません" in texts(replies) and "職員に相談" in labels(replies)


# ------------------------------------------------------------------ languages
def test_english_question_gets_the_damage_certificate_entry_in_english(rig, user):
    event, replies = rig.say(user, "How do I get a disaster damage certificate?")
    row = exchange(rig, event)
    assert row["faq_id"] == RISAI_ID and row["decision"] in ("answer", "suggest")
    if row["decision"] == "suggest":  # the entry is offered first; tapping it answers in English
        first = quick_items(replies)[0]
        assert first["label"].startswith("1. How do I apply") and f"id={RISAI_ID}" in first["data"]
        _, replies = rig.tap(user, first["data"])
    body = texts(replies)
    assert "disaster damage certificate (risai shomeisho) is issued by the city" in body
    assert "Did this answer help?" in body and labels(replies)[:2] == ["Solved", "Not solved"]


def test_untranslated_answer_is_japanese_with_a_note_in_the_residents_language(rig, user):
    rig.tap(user, "a=lang&c=vi")
    _, replies = rig.tap(user, "a=faq&id=pay-smartphone-app")
    body = texts(replies)
    assert body.index("chỉ có bằng tiếng Nhật") < body.index("Q. ")
    assert "088-000-0003" in body
    assert labels(replies)[:2] == ["Đã giải quyết", "Chưa giải quyết"]


@pytest.mark.parametrize("said, numbers_line", [
    ("火事です", "・火事・救急：119"),
    ("Fire!", "・Fire / ambulance: 119"),
    ("Cháy!", "・Cháy / cấp cứu: 119"),
    ("着火了！", "・火灾・急救：119"),
    ("불이야!", "・화재・구급: 119"),
    ("Fogo!", "・Incêndio / ambulância: 119"),
])
def test_fire_in_any_language_gets_119_first(rig, user, said, numbers_line):
    _, replies = rig.say(user, said)
    first = replies[0]["message"]["text"] if "message" in replies[0] else texts(replies[:1])
    assert numbers_line in first


def test_language_choice_is_remembered_and_japanese_keeps_easy_japanese(rig, user):
    _, replies = rig.tap(user, "a=lang")
    assert labels(replies) == ["日本語", "やさしい日本語", "English", "中文（简体）", "한국어", "Tiếng Việt", "Português"]
    _, replies = rig.tap(user, "a=lang&c=easy")
    assert "やさしい 日本語で こたえます" in texts(replies)
    event, replies = rig.say(user, "宇宙旅行に行きたい")
    assert "こたえが みつかりませんでした" in texts(replies)
    [stored] = rows(rig.db, "SELECT language, source FROM bot_chat_languages")[-1:]
    assert stored["language"] in ("easy", "ja", "en", "vi")  # the table holds pseudonymous chats only
    assert not rows(rig.db, "SELECT 1 FROM bot_chat_languages WHERE chat_key = ?", (user,))


def test_a_detected_language_is_remembered_and_short_texts_keep_it(rig, user):
    rig.say(user, "Where can I find the nearest evacuation shelter?")
    _, replies = rig.say(user, "OK")  # too short to tell: still English
    assert "Ask staff" in labels(replies) and "職員に相談" not in labels(replies)
    _, replies = rig.say(user, "住民票をコンビニで取りたい")  # Japanese again: answered in Japanese
    assert "職員に相談" in labels(replies) or "解決した" in labels(replies)
    assert "Ask staff" not in labels(replies)


def test_typing_a_language_name_chooses_it(rig, user):
    _, replies = rig.say(user, "English")
    assert "I will answer in English." in texts(replies)
    _, replies = rig.say(user, "メニュー")
    assert "Send your question in your own words" in texts(replies)


# ------------------------------------------------------------------ detection on short texts
@pytest.mark.parametrize("text, expected", [
    ("OK", None), ("はい", "ja"), ("👍", None), ("🙏🙏", None), ("12345", None), ("hi", None),
    ("LINE Payで払える？", "ja"), ("マイナンバーカードのPIN忘れた", "ja"), ("罹災証明書", None),
    ("How do I get a disaster damage certificate?", "en"), ("Tôi muốn hỏi về thuế", "vi"),
    ("Como obter o certificado de danos?", "pt"), ("怎么申请受灾证明？", "zh"), ("피해 증명서는 어떻게 받나요?", "ko"),
])
def test_detection_of_short_and_mixed_texts(text, expected):
    assert detect(text) == expected


def test_every_language_has_every_fixed_phrase():
    assert missing_phrases() == []


# ------------------------------------------------------------------ the small-talk file
def test_smalltalk_file_in_the_repository_is_valid():
    talk = Smalltalk.load()
    assert talk.match("ありがとう！").intent.name == "thanks"
    assert talk.match("住民票ありがとう") is None
    assert key("🙏ありがとうー") == "ありがとう"


@pytest.mark.parametrize("data, problem", [
    ({"intents": {"thanks": {"patterns": {"ja": ["ありがとう"]}, "replies": {"ja": "どういたしまして"}}}},
     "返事がない言語があります"),
    ({"intents": {"a": {"patterns": {"fr": ["merci"]}, "replies": {}}}}, "未対応の言語です"),
    ({"intents": {"a": {"patterns": {"ja": ["x"]}, "replies": {}, "action": "shout"}}}, "使えません"),
    ({"nothing": 1}, "intents"),
])
def test_a_broken_smalltalk_file_is_refused_with_a_clear_message(data, problem):
    with pytest.raises(SmalltalkError, match=problem) as exc:
        Smalltalk.from_data(data)
    assert " / " in str(exc.value)
