"""Masking personal data in residents' messages, and the user pseudonyms."""
from __future__ import annotations

import pytest
from linebot.v3.webhooks import GroupSource, UserSource

from bot.line.identity import UserHasher
from bot.records.privacy import mask_personal_data
from faq.text import normalize_query


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
    "〒780-0850", "令和6年4月1日", "第2・第4土曜日", "12345", "マイナンバーカードの暗証番号を忘れた",
])
def test_ordinary_questions_are_not_masked(text):
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
