import pytest

from faq.text import (
    japanese_punctuation,
    katakana_to_hiragana,
    normalize,
    normalize_query,
)

pytestmark = pytest.mark.no_database


def test_full_width_ascii_and_half_width_kana_are_folded():
    assert normalize("ＰａｙＰａｙ　で払える？") == "PayPay で払える?"
    assert normalize("ｺﾝﾋﾞﾆ") == "コンビニ"


def test_control_characters_and_surrogates_are_removed_but_newlines_kept():
    assert normalize("住民票\u200bの\x00写し\ud800\r\n2行目\u3000 ") == "住民票の写し\n2行目"


def test_query_is_one_line():
    assert normalize_query("  罹災証明書\nどこ？ ") == "罹災証明書 どこ?"


def test_katakana_to_hiragana():
    assert katakana_to_hiragana("リサイショウメイ・ABC") == "りさいしょうめい・ABC"


def test_japanese_punctuation_is_restored_for_display_only_next_to_japanese():
    stored = normalize("住民票はコンビニで取れますか？（土日も可！）詳しくは https://example.lg.jp/a?b=1 (PDF)")
    assert "?" in stored and "（" not in stored  # stored and searched in NFKC form
    shown = japanese_punctuation(stored)
    assert shown == "住民票はコンビニで取れますか？（土日も可！）詳しくは https://example.lg.jp/a?b=1 (PDF)"
    assert japanese_punctuation(shown) == shown
    assert japanese_punctuation("What? (yes)") == "What? (yes)"
