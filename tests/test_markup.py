"""HTML from a city's CMS export as the plain text residents read in LINE."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faq.markup import html_to_text, looks_like_html, plain_text
from faq.text import normalize

CMS_ANSWER = """<div class="faq-answer">
<p>住民票の写しは、マイナンバーカードがあれば
全国のコンビニエンスストアで取得できます。</p>
<h3>必要なもの</h3>
<ul>
  <li>マイナンバーカード</li>
  <li>利用者証明用電子証明書の暗証番号（数字4桁）</li>
</ul>
<table border="1">
  <tr><th>取得できる時間</th><th>手数料</th></tr>
  <tr><td>6時30分&nbsp;～&nbsp;23時</td><td>200円</td></tr>
</table>
<p>詳しくは<a href="https://www.city.example.lg.jp/kurashi/juminhyo.html" target="_blank">住民票のページ</a>を
ご覧ください。<br>
お問い合わせ：市民課&amp;窓口センター<br><br>
<a href="https://www.city.example.lg.jp/konbini/">https://www.city.example.lg.jp/konbini/</a></p>
<script type="text/javascript">trackFaq(12);</script>
<style>.faq-answer p { margin: 0 }</style>
<!-- 更新担当: 市民課 -->
</div>"""

CMS_TEXT = """住民票の写しは、マイナンバーカードがあれば全国のコンビニエンスストアで取得できます。

必要なもの

・マイナンバーカード
・利用者証明用電子証明書の暗証番号(数字4桁)

取得できる時間 / 手数料
6時30分 ~ 23時 / 200円

詳しくは住民票のページ(https://www.city.example.lg.jp/kurashi/juminhyo.html)をご覧ください。
お問い合わせ:市民課&窓口センター

https://www.city.example.lg.jp/konbini/"""


def test_a_cms_answer_with_a_list_a_table_links_and_entities_becomes_plain_text():
    assert looks_like_html(CMS_ANSWER)
    assert html_to_text(CMS_ANSWER) == CMS_TEXT
    text, converted = plain_text(CMS_ANSWER)
    assert converted and text == CMS_TEXT
    for markup in ("<", ">", "href", "nbsp", "&amp;", "trackFaq", "margin", "更新担当"):
        assert markup not in text


@pytest.mark.parametrize("text", [
    "5<10 のときは窓口へ",
    "<注意>必ず本人が来てください",
    "A&B社の窓口",
    "R&D;部門",
    "a < b かつ c > d",
    "年齢<65歳>の方",
    "矢印 -> と <- で示します",
])
def test_plain_text_with_brackets_or_ampersands_is_left_as_it_is(text):
    assert not looks_like_html(text)
    assert plain_text(text) == (normalize(text), False)


def test_ordered_lists_are_numbered_and_nested_lists_keep_their_items():
    text = html_to_text("<p>手順</p><ol><li>申請書を書く</li><li>窓口に出す<ul><li>本庁</li><li>支所</li></ul></li>"
                        "<li>受け取る</li></ol>")
    assert text == "手順\n\n1. 申請書を書く\n2. 窓口に出す\n・本庁\n・支所\n3. 受け取る"


def test_line_breaks_blank_lines_and_source_wrapping():
    # <br><br> is a blank line; more blank lines fold to one; source line wrapping between Japanese
    # characters is not a space, between Latin words it is
    assert html_to_text("一行目<br>二行目<br><br>段落<br><br><br><br>次<p></p><p></p><p>最後</p>") == \
        "一行目\n二行目\n\n段落\n\n次\n\n最後"
    assert html_to_text("<p>市役所の\n窓口で\n  受け付けます。Open\nMonday</p>") == "市役所の窓口で受け付けます。Open Monday"


def test_links_keep_what_a_resident_can_use():
    assert html_to_text('<a href="mailto:shimin@city.example.lg.jp">メール</a>') == "メール(shimin@city.example.lg.jp)"
    assert html_to_text('<a href="tel:0120-000-000">0120-000-000</a>') == "0120-000-000"
    # a link inside the city's site means nothing in LINE: the label alone
    assert html_to_text('<p><a href="/kurashi/gomi.html">ごみの出し方</a></p>') == "ごみの出し方"
    assert html_to_text('<a href="https://example.jp/a"></a>') == "https://example.jp/a"
    assert html_to_text('<p><a href="https://example.jp/a">example.jp/a</a></p>') == "https://example.jp/a"


def test_references_only_keep_the_texts_own_line_breaks():
    text = "税&amp;保険の窓口\n受付:&#x3000;平日 8&#58;30から\n&lt;本人確認書類&gt;が必要です"
    assert looks_like_html(text)
    assert plain_text(text) == ("税&保険の窓口\n受付: 平日 8:30から\n<本人確認書類>が必要です", True)


def test_converted_text_is_plain_and_stays_the_same_when_read_again():
    text = html_to_text(CMS_ANSWER)
    assert plain_text(text) == (text, False)


def test_full_width_and_invisible_characters_are_normalized_after_conversion():
    assert html_to_text("<p>ＰａｙＰａｙ\u200bで　払えます</p>") == "PayPayで 払えます"


def test_unclosed_and_broken_markup_does_not_lose_text():
    assert html_to_text("<p>受付<b>時間<li>平日") == "受付時間\n・平日"
    assert html_to_text('<p>詳しくは<a href="https://example.jp/x">こちら') == "詳しくはこちら(https://example.jp/x)"


def test_markup_html_parser_gives_up_on_or_an_unclosed_comment_still_becomes_text():
    assert html_to_text("<p>受付<![foo[ x ]]>時間</p>") == "受付時間"
    assert html_to_text("<!-- 閉じていない<p>本文") == "閉じていない\n\n本文"
    assert html_to_text("<p>番号&#0;&#xD800;です</p>") == "番号です"


MARKUP_PIECES = ["<p>", "</p>", "<br>", "<br/>", "<ul>", "<ol>", "<li>", "</li>", "<table>", "<tr>", "<td>", "</td>",
                 '<a href="https://example.jp/x">', '<a href="/rel">', "</a>", "<script>", "</script>", "<style>",
                 "<!--", "-->", "<![", "<!", "<?", "&amp;", "&nbsp;", "&#12354;", "&#x;", "&", "<", ">", "\n", " ",
                 "　", "住民票", "5<10", "<注意>", "ｶﾅ", "\u200b", "]]>", '"', "=", "/"]


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(st.lists(st.sampled_from(MARKUP_PIECES), max_size=40))
def test_any_mix_of_markup_becomes_normalized_text_without_failing(pieces):
    text, _ = plain_text("".join(pieces))
    assert normalize(text) == text and "\x01" not in text and "\ufffd" not in text
    assert "<p>" not in text and "<br>" not in text and "&nbsp;" not in text
