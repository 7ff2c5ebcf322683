"""Masking personal data in residents' messages, and the user pseudonyms."""
from __future__ import annotations

import pytest
from linebot.v3.webhooks import GroupSource, UserSource

from bot.line.identity import UserHasher
from bot.records.privacy import mask_personal_data
from faq.text import normalize_query

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize("text, expected, kinds", [
    ("電話は090-1234-5678です", "電話は[電話番号]です", ("phone",)),
    ("0312345678に電話", "[電話番号]に電話", ("phone",)),
    ("09012345678", "[電話番号]", ("phone",)),
    ("03(1234)5678", "[電話番号]", ("phone",)),
    ("088-000-0000", "[電話番号]", ("phone",)),
    ("+81 90-1234-5678", "[電話番号]", ("phone",)),
    ("０９０－１２３４－５６７８", "[電話番号]", ("phone",)),      # full width, normalized first
    ("090ー1234ー5678", "[電話番号]", ("phone",)),                # long vowel mark as a hyphen
    ("mail: taro.yamada+faq@example.co.jp まで", "mail: [メールアドレス] まで", ("email",)),
    ("マイナンバーは123456789012です", "マイナンバーは[個人番号]です", ("my_number",)),
    ("1234 5678 9012", "[個人番号]", ("my_number",)),
    ("カード 4111-1111-1111-1111", "カード [カード番号]", ("card",)),
    ("4111111111111111", "[カード番号]", ("card",)),
    ("口座 12345678901", "口座 [番号]", ("number",)),
])
def test_personal_data_is_masked(text, expected, kinds):
    result = mask_personal_data(normalize_query(text))
    assert result.text == expected
    assert result.kinds == kinds and result.masked


@pytest.mark.parametrize("text", [
    "罹災証明書はどうやって申請しますか？", "2024-04-01から受付", "8時30分から17時15分", "1,000,000円の支援金",
    "令和6年4月1日", "第2・第4土曜日", "12345", "マイナンバーカードの暗証番号を忘れた",
])
def test_ordinary_questions_are_not_masked(text):
    normalized = normalize_query(text)
    result = mask_personal_data(normalized)
    assert result.text == normalized and not result.masked


# Separator, full-width and kanji-digit variants residents type (each stayed as typed in an earlier version).
@pytest.mark.parametrize("text, expected, kind", [
    ("090.1234.5678", "[電話番号]", "phone"),
    ("090_1234_5678", "[電話番号]", "phone"),
    ("090/1234/5678", "[電話番号]", "phone"),
    ("〇九〇-一二三四-五六七八", "[電話番号]", "phone"),
    ("〇九〇一二三四五六七八に電話して", "[電話番号]に電話して", "phone"),
    ("電話 ０８８・８２３・１１１１", "電話 [電話番号]", "phone"),
    ("1234.5678.9012", "[個人番号]", "my_number"),
    ("1234/5678/9012", "[個人番号]", "my_number"),
    ("一二三四 五六七八 九〇一二", "[個人番号]", "my_number"),
    ("１２３４－５６７８－９０１２", "[個人番号]", "my_number"),
    ("4111.1111.1111.1111", "[カード番号]", "card"),
    ("4111 1111 1111 1111", "[カード番号]", "card"),
    ("taro @ example.com", "[メールアドレス]", "email"),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "[メールアドレス]", "email"),
    ("taro@example . co . jp です", "[メールアドレス] です", "email"),
    ("〒780-0850", "〒[郵便番号]", "postal_code"),
    ("〒７８０－０８５０", "〒[郵便番号]", "postal_code"),
    ("〒7800850", "〒[郵便番号]", "postal_code"),
    ("郵便番号は780-0850です", "郵便番号は[郵便番号]です", "postal_code"),
    ("高知市本町1丁目2番3号に住んでいます", "高知市本町1丁目[番地]に住んでいます", "address"),
    ("本町一丁目2番地", "本町一丁目[番地]", "address"),
    ("上町2丁目3-4", "上町2丁目[番地]", "address"),
    ("大字横浜123番地", "大字横浜[番地]", "address"),
    ("12番地の5", "[番地]", "address"),
    ("５番１２号", "[番地]", "address"),
])
def test_variants_of_personal_data_are_masked(text, expected, kind):
    result = mask_personal_data(normalize_query(text))
    assert result.text == expected
    assert kind in result.kinds


@pytest.mark.parametrize("text", [
    "2026年12月1日に申請", "2026/12/01から", "2026.12.01", "2026/12/01-2027/01/31の期間", "300万円の補助",
    "12:30〜13:00", "8時30分", "proc-konbini-juminhyo", "faq-0123", "3番のバス", "1番線", "一人暮らしの高齢者",
    "本町1丁目のごみの日", "九州", "四十九日", "第3水曜日", "二〇二六年", "1234-5678", "0120", "三十歳",
])
def test_dates_amounts_times_and_ids_are_not_masked(text):
    normalized = normalize_query(text)
    result = mask_personal_data(normalized)
    assert result.text == normalized and not result.masked


def test_several_kinds_in_one_message():
    result = mask_personal_data("090-1234-5678 と a@b.jp と 1234-5678-9012")
    assert result.text == "[電話番号] と [メールアドレス] と [個人番号]"
    assert set(result.kinds) == {"phone", "email", "my_number"}


def test_pseudonyms_are_stable_salted_and_separate_users_from_groups():
    user = UserSource(type="user", user_id="U" + "1" * 32)
    group = GroupSource(type="group", group_id="C" + "1" * 32, user_id="U" + "1" * 32)
    a, b = UserHasher("salt-one"), UserHasher("salt-two")
    assert a.chat_key(user) == a.chat_key(user)
    assert a.chat_key(user).key != b.chat_key(user).key
    assert len(a.chat_key(user).key) == 64 and "1" * 32 not in a.chat_key(user).key
    assert a.chat_key(group).source_type == "group"
    assert a.chat_key(group).key == a.digest("group", "C" + "1" * 32)  # the group, never the member
    with pytest.raises(ValueError):
        UserHasher("")
