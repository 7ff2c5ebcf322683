import json

import pytest

from faq.formats import read_entries, read_many, write_entries
from faq.model import RECORD_KEYS, FaqEntry
from faq.validate import ImportNotes, ValidationError

pytestmark = pytest.mark.no_database

GOOD = {"id": "cash-1", "question": "PayPayで税金を払えますか", "answer": "請求書払いで納付できます。",
        "category": "cashless-payment", "alt_questions": ["スマホで税金", "ペイペイで払える?"],
        "url": "https://www.city.example.lg.jp/pay", "department": "税務課", "tags": ["スマホ決済"], "active": True}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "yaml"])
def test_export_then_import_round_trips_every_field(tmp_path, suffix):
    entries = [FaqEntry(**GOOD), FaqEntry(**{**GOOD, "id": "cash-2", "url": None, "department": None, "tags": [],
                                              "alt_questions": [], "active": False,
                                              "answer": "1行目\n2行目, \"引用\" を含む"})]
    path = tmp_path / f"faq.{suffix}"
    write_entries(entries, path)
    back = read_entries(path)
    assert [e.to_record() for e in back] == [e.to_record() for e in entries]


FORMULAS = ["＝HYPERLINK(\"http://evil.example\",\"クリック\")", "-2+3", "@SUM(1,1)", "+cmd|' /C calc'!A0",
            "'=既に引用符つき", "''-二重"]


def test_csv_export_defuses_spreadsheet_formulas_and_import_restores_them(tmp_path):
    import csv
    records = [{**GOOD, "id": f"f-{i}", "question": text, "answer": text, "department": text,
                "alt_questions": [text.split("|")[0] + "の言い換え"]} for i, text in enumerate(FORMULAS)]
    entries = read_entries(write_jsonl(tmp_path / "in.jsonl", records))  # normalized: ＝ becomes =
    path = tmp_path / "faq.csv"
    write_entries(entries, path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    # no cell a spreadsheet would run: every one that starts with = + - @ has a ' in front
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"クリック\")" in cells and "'-2+3" in cells
    back = read_entries(path)
    assert [e.to_record() for e in back] == [e.to_record() for e in entries]
    assert back[0].question.startswith("=HYPERLINK") and back[4].question == "'=既に引用符つき"


def test_jsonl_export_record_has_exactly_the_record_keys(tmp_path):
    path = tmp_path / "out.jsonl"
    write_entries([FaqEntry(**GOOD)], path)
    assert list(json.loads(path.read_text(encoding="utf-8"))) == list(RECORD_KEYS)


@pytest.mark.parametrize("bom", [True, False])
def test_csv_from_excel_with_or_without_bom_and_multiline_cells(tmp_path, bom):
    text = ("id,question,answer,category,alt_questions,url,department,tags,active\r\n"
            'cash-1,ＰａｙＰａｙで払える？,"請求書払いで\r\n納付できます。",cashless-payment,"スマホで税金\r\nペイペイ",,税務課,スマホ決済|税金,TRUE\r\n'
            ",,,,,,,,\r\n")
    path = tmp_path / "faq.csv"
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    [e] = read_entries(path)
    assert e.id == "cash-1" and e.question == "PayPayで払える?"
    assert e.answer == "請求書払いで\n納付できます。"
    assert e.alt_questions == ["スマホで税金", "ペイペイ"] and e.tags == ["スマホ決済", "税金"] and e.active


def test_csv_in_shift_jis_is_read_and_noted(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_bytes("question,answer\n質問,回答\n".encode("cp932"))
    notes = ImportNotes()
    [e] = read_entries(path, notes=notes)
    assert (e.question, e.answer, notes.shift_jis) == ("質問", "回答", ["faq.csv"])


def test_jsonl_stays_utf8_only(tmp_path):
    path = tmp_path / "faq.jsonl"
    path.write_bytes('{"question": "質問", "answer": "回答"}\n'.encode("cp932"))
    with pytest.raises(ValidationError, match="UTF-8として読めない"):
        read_entries(path)


def test_csv_with_broken_quoting_is_rejected(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text('question,answer\n"質問,回答\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="CSV"):
        read_entries(path)


def test_yaml_list_or_entries_mapping(tmp_path):
    path = tmp_path / "faq.yaml"
    path.write_text("entries:\n  - id: a-1\n    question: 質問\n    answer: 回答\n", encoding="utf-8")
    assert read_entries(path)[0].id == "a-1"
    path.write_text("- question: 質問だけ\n  answer: 回答\n", encoding="utf-8")
    assert read_entries(path)[0].id.startswith("faq-")  # generated, stable for re-imports
    assert read_entries(path)[0].id == read_entries(path)[0].id


def test_every_problem_is_reported_with_file_line_and_field(tmp_path):
    records = [
        {**GOOD, "question": ""},
        {**GOOD, "id": "cash-2", "answer": "あ" * 5001},
        {**GOOD, "id": "cash-3", "url": "ftp//broken"},
        {**GOOD, "id": "cash-4", "category": "sports"},
        {**GOOD, "id": "cash-5", "colour": "red"},
        {**GOOD, "id": "cash-6"},
        {**GOOD, "id": "cash-6"},
        {**GOOD, "id": "Bad Id!"},
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", records)
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    text = str(err.value)
    for expected in ["bad.jsonl 1行目 [question]: 質問が空です / question is empty",
                     "bad.jsonl 2行目 [answer]: 回答が長すぎます（5001文字",
                     "bad.jsonl 3行目 [url]: URLの形式が正しくありません",
                     "bad.jsonl 4行目 [category]: 未知のカテゴリです: sports",
                     "bad.jsonl 5行目 [colour]: 未知の項目があります",
                     "bad.jsonl 7行目 [id]: IDが重複しています: cash-6",
                     "bad.jsonl 8行目 [id]: IDは半角英小文字"]:
        assert expected in text
    assert len(err.value.problems) == 7


def test_invalid_json_line_and_wrong_types(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "q", "answer": "a"}\n{not json\n[1, 2]\n{"question": 5, "answer": ["x"]}\n',
                    encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    assert "2行目" in str(err.value) and "JSONとして読めません" in str(err.value)


def test_duplicate_ids_across_files(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    b = write_jsonl(tmp_path / "b.jsonl", [GOOD])
    with pytest.raises(ValidationError, match="IDが重複しています: cash-1"):
        read_many([a, b])


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "faq.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="拡張子"):
        read_entries(path)
