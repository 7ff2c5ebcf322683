"""Importing a city's FAQ as its CMS or Excel sheet exports it: Japanese headers, HTML answers, long answers."""
import csv
import dataclasses
import io
import json

import pytest
from conftest import run_cli

from faq.formats import read_entries, read_import
from faq.model import ANSWER_MAX_CHARS
from faq.validate import ValidationError
from index.build import build_index
from index.search import Searcher
from scripts.evaluate import load_faq

CMS_CSV = (
    "No.,質問,回答,分類,キーワード,担当課,公開\r\n"
    '1,コンビニで住民票は取れますか,"<p class=""faq-body"">マイナンバーカードがあれば取れます。</p>'
    '<ul><li>6時30分&nbsp;～&nbsp;23時</li><li>手数料&nbsp;200円</li></ul>'
    '<p>詳しくは<a href=""https://www.city.example.lg.jp/juminhyo/"" target=""_blank"">住民票のページ</a>へ。</p>",'
    "オンライン手続き,住民票、コンビニ交付,市民課,公開\r\n"
    "2,粗大ごみの出し方は,電話で申し込んでください。5<10点までは1回で出せます。,ごみ・リサイクル,粗大ごみ,環境課,公開\r\n"
    "3,電子入札の登録は,登録申請書を出してください。,e-bidding,,契約課,非公開\r\n"
)


def write(path, text):
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_a_csv_with_japanese_headers_and_html_answers_imports(tmp_path):
    read = read_import([write(tmp_path / "city.csv", CMS_CSV)])
    juminhyo, gomi, nyusatsu = read.entries
    assert juminhyo.id == "1" and juminhyo.question == "コンビニで住民票は取れますか"
    assert juminhyo.answer == ("マイナンバーカードがあれば取れます。\n\n・6時30分 ~ 23時\n・手数料 200円\n\n"
                               "詳しくは住民票のページ(https://www.city.example.lg.jp/juminhyo/)へ。")
    # 分類 is our category when it is one of ours (label or id), else a tag; キーワード split on 「、」
    assert juminhyo.category == "online-procedures" and juminhyo.tags == ["住民票", "コンビニ交付"]
    assert gomi.category == "general" and gomi.tags == ["粗大ごみ", "ごみ・リサイクル"]
    assert gomi.answer == "電話で申し込んでください。5<10点までは1回で出せます。"   # plain text: untouched
    assert nyusatsu.category == "e-bidding" and not nyusatsu.active and nyusatsu.department == "契約課"
    assert read.notes.html_entries == ["1"]
    assert read.notes.renamed == {"No.": "id", "質問": "question", "回答": "answer", "分類": "category",
                                  "キーワード": "tags", "担当課": "department", "公開": "active"}


def test_yaml_and_jsonl_records_with_japanese_keys_import(tmp_path):
    yaml_path = write(tmp_path / "city.yaml", "- ID: tax-1\n  問い: 税金はスマホで払えますか\n"
                                              "  答え: '<p>払えます&#12290;</p>'\n  カテゴリ: キャッシュレス決済\n")
    [entry] = read_entries(yaml_path)
    assert (entry.id, entry.question, entry.answer, entry.category) == \
        ("tax-1", "税金はスマホで払えますか", "払えます。", "cashless-payment")
    jsonl_path = write(tmp_path / "city.jsonl", json.dumps(
        {"番号": 7, "質問内容": "窓口は何時から", "回答内容": "8時30分からです。", "タグ": ["窓口"]},
        ensure_ascii=False) + "\n")
    [entry] = read_entries(jsonl_path)
    assert (entry.id, entry.question, entry.tags) == ("7", "窓口は何時から", ["窓口"])


def test_an_unknown_column_is_named_once_and_nothing_is_read(tmp_path):
    path = write(tmp_path / "city.csv", "質問,回答,備考,旧ID\r\n質問1,回答1,要確認,A1\r\n質問2,回答2,,\r\n")
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    [problem] = err.value.problems
    assert (problem.location, problem.field) == ("1行目", "備考, 旧ID")
    assert "未知の列があります" in problem.ja and "質問" in problem.ja   # says which headers are understood


def test_two_columns_for_the_same_field_are_refused(tmp_path):
    path = write(tmp_path / "city.csv", "質問,question,回答\r\nA,B,C\r\n")
    with pytest.raises(ValidationError, match="同じ項目を表す列が複数あります"):
        read_entries(path)
    path = write(tmp_path / "city.jsonl", '{"質問": "A", "問い": "B", "回答": "C"}\n')
    with pytest.raises(ValidationError, match="同じ項目を表す列が複数あります"):
        read_entries(path)


def test_a_csv_without_a_question_column_says_which_columns_are_needed(tmp_path):
    path = write(tmp_path / "city.csv", "No.,回答\r\n1,回答\r\n")
    with pytest.raises(ValidationError, match="見出し行に必要な列がありません"):
        read_entries(path)


def test_an_answer_over_lines_limit_names_the_row_and_what_to_do(tmp_path):
    long_answer = "<p>" + "あ" * (ANSWER_MAX_CHARS + 1) + "</p>"
    path = write(tmp_path / "city.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [
        {"質問": "短い", "回答": "短い回答"},
        {"質問": "長い", "回答": long_answer},
    ]))
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    [problem] = err.value.problems
    assert problem.location == "2行目" and problem.field == "answer"
    assert f"{ANSWER_MAX_CHARS + 1}文字" in problem.ja and "分ける" in problem.ja and "短く" in problem.ja


def test_markup_does_not_count_towards_the_limit(tmp_path):
    # 4,000 characters of text in 6,000+ characters of HTML: what LINE would show fits
    answer = "".join(f'<p class="para">{"い" * 39}</p>' for _ in range(100))
    assert len(answer) > ANSWER_MAX_CHARS
    path = write(tmp_path / "city.jsonl", json.dumps({"質問": "長いHTML", "回答": answer}, ensure_ascii=False) + "\n")
    [entry] = read_entries(path)
    assert len(entry.answer) <= ANSWER_MAX_CHARS and "<" not in entry.answer


def test_an_html_answer_is_found_by_its_words_not_by_its_markup(tmp_path):
    entries = read_entries(write(tmp_path / "city.csv", CMS_CSV))
    raw = dataclasses.replace(entries[0], id="raw", answer=next(csv.DictReader(io.StringIO(CMS_CSV)))["回答"])
    build_index([*entries, raw], tmp_path / "idx", None, None)
    searcher = Searcher(tmp_path / "idx", None)
    assert searcher.search("住民票のページ 手数料").top.entry.id in ("1", "raw")
    for markup in ("href", "nbsp", "class", "target"):
        lexical = {c.entry.id: c.lexical for c in searcher.search(markup).candidates}
        assert lexical.get("raw", 0) > 0, markup          # the markup left in, it would be searched
        assert lexical.get("1", 0) == 0, markup


def test_evaluate_loader_reads_html_text_as_plain_text(tmp_path):
    path = write(tmp_path / "faq.jsonl", json.dumps(
        {"id": "a", "question": "税&amp;保険", "answer": "<p>窓口で<br>受け付けます</p>",
         "alt_questions": ["<b>保険</b>の窓口"], "translations": {"en": {"question": "Tax &amp; insurance",
                                                                        "answer": "<p>At the desk</p>"}}},
        ensure_ascii=False) + "\n")
    [entry] = load_faq(str(path))
    assert (entry.question, entry.answer, entry.alt_questions) == ("税&保険", "窓口で\n受け付けます", ["保険の窓口"])
    assert (entry.translations["en"].question, entry.translations["en"].answer) == ("Tax & insurance", "At the desk")


def test_faqctl_import_of_a_cms_export_reports_headers_and_html(env, tmp_path):
    src = write(tmp_path / "city.csv", CMS_CSV)
    r = run_cli(env, "--no-index", "import", str(src))
    assert r.returncode == 0, r.stderr
    assert "追加 3件" in r.stdout
    assert "見出しの読み替え: No.→id, 質問→question, 回答→answer, 分類→category" in r.stdout
    assert "HTMLから文章に変換: 1件(1)" in r.stdout.replace("（", "(").replace("）", ")")
    shown = json.loads(run_cli(env, "show", "1", "--json").stdout)
    assert "<" not in shown["answer"] and "住民票のページ(https://www.city.example.lg.jp/juminhyo/)" in shown["answer"]


def test_faqctl_import_of_a_bad_cms_export_changes_nothing(env, tmp_path):
    assert run_cli(env, "--no-index", "import", str(write(tmp_path / "city.csv", CMS_CSV))).returncode == 0
    before = run_cli(env, "list", "--include-inactive", "--json").stdout
    changed = CMS_CSV.replace("マイナンバーカードがあれば取れます。", "変更しました。")
    too_long = changed + f"4,長い回答,\"<p>{'あ' * (ANSWER_MAX_CHARS + 1)}</p>\",,,,公開\r\n"
    r = run_cli(env, "--no-index", "import", "--replace", str(write(tmp_path / "bad.csv", too_long)))
    assert r.returncode == 1
    assert "bad.csv 5行目 [answer]: 回答が長すぎます" in r.stderr and "何も変更していません" in r.stderr
    unknown = "質問,回答,備考\r\n新しい質問,新しい回答,要確認\r\n"
    r = run_cli(env, "--no-index", "import", str(write(tmp_path / "bad2.csv", unknown)))
    assert r.returncode == 1 and "bad2.csv 1行目 [備考]: 未知の列があります" in r.stderr
    assert run_cli(env, "list", "--include-inactive", "--json").stdout == before


def test_the_longest_importable_answer_is_sent_whole_within_lines_limit(tmp_path):
    from bot.line.messages import TEXT_MAX, compose, line_length
    answer = ("ご案内です😀。" * 800)[:ANSWER_MAX_CHARS]   # emoji count twice for LINE: over 5,000 units
    path = write(tmp_path / "city.jsonl", json.dumps({"質問": "最長", "回答": answer,
                                                       "URL": "https://www.city.example.lg.jp/x/"},
                                                      ensure_ascii=False) + "\n")
    [entry] = read_entries(path)
    assert len(entry.answer) == ANSWER_MAX_CHARS and line_length(entry.answer) > TEXT_MAX
    messages = compose([entry.answer, f"▼くわしくはこちら\n{entry.url}"])
    assert len(messages) > 1 and all(line_length(m.text) <= TEXT_MAX for m in messages)
    sent = "".join(m.text for m in messages)
    assert sent.replace("\n", "").startswith(entry.answer.replace("\n", "")) and entry.url in sent


def test_headers_in_full_width_or_another_case_are_read_too(tmp_path):
    path = write(tmp_path / "city.csv", "ＮＯ．,Ｑ,a,関連ＵＲＬ,Category\r\n"
                                        "q-1,窓口の時間は,平日です。,https://www.city.example.lg.jp/,contact\r\n")
    read = read_import([path])
    [entry] = read.entries
    assert (entry.id, entry.question, entry.answer, entry.url, entry.category) == \
        ("q-1", "窓口の時間は", "平日です。", "https://www.city.example.lg.jp/", "contact")
    assert read.notes.renamed == {"ＮＯ．": "id", "Ｑ": "question", "a": "answer", "関連ＵＲＬ": "url",
                                  "Category": "category"}
    assert read.notes.html_entries == []
