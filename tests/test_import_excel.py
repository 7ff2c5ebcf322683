"""A city's Excel file imported as it is: .xlsx workbooks (built here with openpyxl, read through the real
`faqctl` into a real database) and CSV saved by Japanese Excel in Shift_JIS (real cp932 bytes). Every refused
file leaves the database byte for byte as it was."""
import datetime as dt
import io
import json
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import run_cli
from line_testkit import database_bytes

from faq import xlsx
from faq.formats import read_entries, read_import, write_entries
from faq.model import FaqEntry
from faq.text import normalize
from faq.validate import ImportNotes, ValidationError
from faq.xlsx import cell_text, read_sheet

HEADER = ["管理番号", "分類", "質問", "回答", "担当課", "公開状態", "更新日", "閲覧数"]
ROWS = [
    [101, "オンライン手続き", "住民票はコンビニで取れますか", "マイナンバーカードがあれば取れます。\n6時30分から23時までです。",
     "市民課", "公開", dt.datetime(2026, 11, 1), 1520],
    None,   # an empty row between entries
    ["Q-7", "ごみ", "粗大ごみの出し方は", "電話で申し込んでください。", "環境課", "下書き", dt.datetime(2026, 11, 2, 9, 30), 3],
]


def city_workbook(path, rows=ROWS, header=HEADER, first_row=2, first_column=2, extra_sheet=True):
    """As a city keeps it: a blank first row and column, its headers, a CMS's bookkeeping columns, an ID typed
    as a number, a multi-line cell, dates; a second sheet with the entries to add."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "FAQ一覧"
    for offset, values in enumerate([header, *rows]):
        for column, value in enumerate(values or [], start=first_column):
            sheet.cell(row=first_row + offset, column=column, value=value)
    if extra_sheet:
        added = book.create_sheet("追加分")
        added.append(["番号", "質問", "回答"])
        added.append([7, "図書館の返却ポストはどこですか", "正面玄関の横です。"])
        added["A2"].number_format = "000"   # shown as 007
    book.save(path)
    return path


def patch_sheet(path, old: str, new: str, part="xl/worksheets/sheet1.xml"):
    """Rewrite the sheet's XML, for what openpyxl does not write: a formula's cached value, an error value."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    xml = parts[part].decode("utf-8")
    assert old in xml, xml
    parts[part] = xml.replace(old, new).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def listed(env):
    return [json.loads(line) for line in run_cli(env, "list", "--include-inactive", "--json").stdout.splitlines()]


# ------------------------------------------------------------------ the happy path, through faqctl
def test_a_city_workbook_imports_through_faqctl_as_it_is(env, tmp_path):
    path = city_workbook(tmp_path / "市FAQ.xlsx")
    r = run_cli(env, "--no-index", "import", str(path))
    assert r.returncode == 0, r.stderr
    assert "市FAQ.xlsx のシート「FAQ一覧」を読みました" in r.stdout
    assert "読み込まない列: 更新日, 閲覧数 / columns not read" in r.stdout
    assert "IDを小文字にそろえました: Q-7 → q-7" in r.stdout
    assert "取り込み完了: 追加 2件, 更新 0件" in r.stdout
    shown = json.loads(run_cli(env, "show", "101", "--json").stdout)
    assert shown["question"] == "住民票はコンビニで取れますか"
    assert shown["answer"] == "マイナンバーカードがあれば取れます。\n6時30分から23時までです。"
    assert (shown["category"], shown["department"], shown["active"]) == ("online-procedures", "市民課", True)
    gomi = json.loads(run_cli(env, "show", "q-7", "--json").stdout)
    # 分類 not one of our categories: a tag; 下書き: imported inactive
    assert (gomi["category"], gomi["tags"], gomi["active"]) == ("general", ["ごみ"], False)
    assert sorted(e["id"] for e in listed(env)) == ["101", "q-7"]


def test_the_sheet_named_with_sheet_is_read_instead_of_the_first(env, tmp_path):
    path = city_workbook(tmp_path / "市FAQ.xlsx")
    r = run_cli(env, "--no-index", "import", str(path), "--sheet", "追加分")
    assert r.returncode == 0, r.stderr
    assert "市FAQ.xlsx のシート「追加分」を読みました" in r.stdout and "追加 1件" in r.stdout
    [entry] = listed(env)
    assert (entry["id"], entry["question"]) == ("007", "図書館の返却ポストはどこですか")   # the cell shows 007


def test_export_to_xlsx_has_the_csv_columns_and_imports_back_the_same(env, tmp_path):
    assert run_cli(env, "--no-index", "import", str(city_workbook(tmp_path / "市FAQ.xlsx"))).returncode == 0
    out = tmp_path / "書き出し.xlsx"
    r = run_cli(env, "export", str(out), "--include-inactive")
    assert r.returncode == 0, r.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    csv_out = tmp_path / "書き出し.csv"
    assert run_cli(env, "export", str(csv_out), "--include-inactive").returncode == 0
    assert list(header) == csv_out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert [e.to_record() for e in read_entries(out)] == [e.to_record() for e in read_entries(csv_out)]
    before = database_bytes(tmp_path / "faq.sqlite3")
    r = run_cli(env, "--no-index", "import", str(out))
    assert r.returncode == 0 and "追加 0件, 更新 0件, 変更なし 2件" in r.stdout
    assert database_bytes(tmp_path / "faq.sqlite3") == before


# ------------------------------------------------------------------ refused, nothing changed
@pytest.fixture
def imported(env, tmp_path):
    """A database holding the city's two entries; returns a function telling it is unchanged."""
    assert run_cli(env, "--no-index", "import", str(city_workbook(tmp_path / "first.xlsx"))).returncode == 0
    before = database_bytes(tmp_path / "faq.sqlite3")
    return lambda: database_bytes(tmp_path / "faq.sqlite3") == before


def refused(env, *args):
    r = run_cli(env, "--no-index", "import", *map(str, args))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "取り込みを中止しました（何も変更していません）" in r.stderr and "Traceback" not in r.stderr
    return r.stderr


def test_an_unknown_header_is_refused_naming_the_sheet_and_header_row(env, tmp_path, imported):
    changed = [[*row[:3], "変えた回答", *row[4:], "メモ"] if row else None for row in ROWS]
    path = city_workbook(tmp_path / "city.xlsx", changed, HEADER + ["備考"])
    err = refused(env, path)
    assert "city.xlsx シート「FAQ一覧」2行目 [備考]: 未知の列があります: 備考" in err
    assert "faqctl import city.xlsx --ignore-column 備考" in err
    assert imported()
    r = run_cli(env, "--no-index", "import", str(path), "--ignore-column", "備考")
    assert r.returncode == 0 and "指定により読み込まない列: 備考" in r.stdout and "更新 2件" in r.stdout


def test_a_bad_cell_names_sheet_row_and_column_header(env, tmp_path, imported):
    rows = [ROWS[0], None, [*ROWS[2][:3], "", *ROWS[2][4:]]]
    err = refused(env, city_workbook(tmp_path / "city.xlsx", rows))
    assert "city.xlsx シート「FAQ一覧」5行目 [回答（E列）]: 回答が空です" in err
    assert imported()


@pytest.mark.parametrize("data, expected", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, ".xls（Excel 97-2003）は読めません。Excel で .xlsx か「CSV UTF-8」で保存し直してください"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64,
     "パスワード付きの Excel ファイルは読めません"),
    ("質問,回答\r\n窓口は,平日です。\r\n".encode("utf-8"), "Excel（.xlsx）ファイルとして読めません（壊れているか、別の形式のファイルです）"),
])
def test_xls_password_protected_and_non_workbook_files_named_xlsx_are_refused(env, tmp_path, imported, data, expected):
    path = tmp_path / "city.xlsx"
    path.write_bytes(data)
    assert expected in refused(env, path)
    assert imported()


def test_a_file_named_xls_is_refused_with_what_to_do(env, tmp_path, imported):
    path = tmp_path / "city.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert "city.xls" in (err := refused(env, path)) and "「CSV UTF-8」で保存し直してください" in err
    assert imported()


def test_a_formula_without_a_cached_value_is_refused_naming_the_cell(env, tmp_path, imported):
    rows = [ROWS[0], None, [*ROWS[2][:3], "=D2&\"です\"", *ROWS[2][4:]]]
    err = refused(env, city_workbook(tmp_path / "city.xlsx", rows))
    assert "[FAQ一覧!E5]: FAQ一覧!E5 の数式に計算結果が保存されていません" in err
    assert imported()


def test_a_formula_with_its_cached_value_imports_the_value(tmp_path):
    rows = [ROWS[0], None, [*ROWS[2][:3], "=E3", *ROWS[2][4:]]]
    path = city_workbook(tmp_path / "city.xlsx", rows)
    patch_sheet(path, '<c r="E5"><f>E3</f><v /></c>', '<c r="E5" t="str"><f>E3</f><v>電話で申し込んでください。</v></c>')
    assert read_entries(path)[1].answer == "電話で申し込んでください。"
    patch_sheet(path, '<c r="E5" t="str"><f>E3</f><v>電話で申し込んでください。</v></c>',
                '<c r="E5" t="e"><f>E3/0</f><v>#DIV/0!</v></c>')
    with pytest.raises(ValidationError, match=r"FAQ一覧!E5 が数式のエラー（#DIV/0!）です"):
        read_entries(path)


def test_a_missing_sheet_is_refused_listing_the_sheets(env, tmp_path, imported):
    err = refused(env, city_workbook(tmp_path / "city.xlsx"), "--sheet", "令和8年度")
    assert "シート「令和8年度」がありません（あるシート: 「FAQ一覧」、「追加分」）" in err
    assert imported()


def test_sheet_is_only_for_workbooks(env, tmp_path, imported):
    path = tmp_path / "city.csv"
    path.write_text("質問,回答\r\n窓口は,平日です。\r\n", encoding="utf-8-sig")
    assert "--sheet は Excel（.xlsx）のファイルにだけ指定できます" in refused(env, path, "--sheet", "FAQ一覧")
    assert imported()


# ------------------------------------------------------------------ reading the sheet
@pytest.mark.no_database
def test_cells_read_as_the_sheet_shows_them():
    assert cell_text(None) == "" and cell_text(12.0) == "12" and cell_text(1.5) == "1.5"
    assert cell_text(7, "000") == "007" and cell_text(True) == "TRUE"
    assert cell_text(dt.datetime(2026, 11, 1)) == "2026-11-01"
    assert cell_text(dt.datetime(2026, 11, 1, 9, 30)) == "2026-11-01 09:30"
    assert cell_text(dt.date(2026, 12, 2)) == "2026-12-02" and cell_text(dt.time(8, 30)) == "08:30"
    assert cell_text(123456789012) == "123456789012"   # never 1.23457E+11


@pytest.mark.no_database
def test_the_header_is_the_first_row_with_text_and_empty_rows_are_skipped_with_excel_row_numbers(tmp_path):
    sheet = read_sheet(city_workbook(tmp_path / "city.xlsx").read_bytes(), "city.xlsx")
    assert (sheet.name, sheet.header_row, sheet.others) == ("FAQ一覧", 2, ["追加分"])
    assert sheet.header == ["", *HEADER]
    assert [number for number, _ in sheet.rows] == [3, 5]
    assert sheet.rows[0][1][1:] == ["101", "オンライン手続き", "住民票はコンビニで取れますか",
                                     "マイナンバーカードがあれば取れます。\n6時30分から23時までです。", "市民課", "公開",
                                     "2026-11-01", "1520"]
    assert sheet.rows[1][1][7] == "2026-11-02 09:30"


@pytest.mark.no_database
def test_a_value_under_no_header_is_refused_not_lost(tmp_path):
    path = city_workbook(tmp_path / "city.xlsx", [ROWS[0] + [None, "はみ出し"]])
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    [problem] = err.value.problems
    assert (problem.location, problem.field) == ("シート「FAQ一覧」3行目", "FAQ一覧!K3")
    # left of the header too: the header starts in column B
    path = city_workbook(tmp_path / "city.xlsx", [ROWS[0]], extra_sheet=False)
    book = openpyxl.load_workbook(path)
    book.active["A3"] = "メモ"
    book.save(path)
    with pytest.raises(ValidationError, match=r"見出しのない列に値があります（FAQ一覧!A3）"):
        read_entries(path)


@pytest.mark.no_database
def test_row_and_size_limits_stop_a_workbook_before_it_eats_memory(tmp_path, monkeypatch):
    path = city_workbook(tmp_path / "city.xlsx", [ROWS[0], ROWS[2], [None, None, "3件目", "回答"]])
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="行が多すぎます（3行まで）"):
        read_entries(path)
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    assert len(read_entries(path)) == 3
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 10_000)   # the workbook unzips to about 17 kB
    with pytest.raises(ValidationError, match="中身が大きすぎます"):
        read_entries(path)


@pytest.mark.no_database
def test_exported_text_that_looks_like_a_formula_or_number_stays_text(tmp_path):
    entry = FaqEntry(id="f-1", question="=HYPERLINK(\"http://evil.example\",\"クリック\")", answer="0120-000-000 まで",
                     department="0120", tags=["-2+3"])
    path = tmp_path / "faq.xlsx"
    write_entries([entry], path)
    book = openpyxl.load_workbook(path)
    cells = {c.value: c.data_type for row in book.worksheets[0].iter_rows(min_row=2) for c in row if c.value}
    book.close()
    assert cells[entry.question] == "s" and cells["0120"] == "s"   # a spreadsheet shows them, never runs them
    assert [e.to_record() for e in read_entries(path)] == [entry.to_record()]


@pytest.mark.no_database
def test_shared_strings_as_japanese_excel_writes_them_are_read_without_furigana(tmp_path):
    """Excel keeps text in a shared-string table, with the furigana typed by the IME (<rPh>) and runs of
    formatting (<r>): a cell reads as the text shown, never 「住民票ジュウミンヒョウ」."""
    path = city_workbook(tmp_path / "city.xlsx", [["1", None, "X", "Y"]], extra_sheet=False)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
        '<si><t>住民票はどこで取れますか</t><rPh sb="0" eb="3"><t>ジュウミンヒョウ</t></rPh><phoneticPr fontId="1"/></si>'
        '<si><r><t>市民課の</t></r><r><rPr><b/></rPr><t>1番窓口</t></r><r><t>です。</t></r>'
        '<rPh sb="0" eb="3"><t>シミンカ</t></rPh></si></sst>').encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml" Id="rId99" /></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, index, text in (("D3", 0, "X"), ("E3", 1, "Y")):
        sheet = sheet.replace(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>', f'<c r="{ref}" t="s"><v>{index}</v></c>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    [entry] = read_entries(path)
    assert (entry.question, entry.answer) == ("住民票はどこで取れますか", "市民課の1番窓口です。")


# ------------------------------------------------------------------ CSV saved by Japanese Excel (Shift_JIS)
SJIS_CSV = ("管理番号,質問,回答,担当課,更新日\r\n"
            "1,〇〇市の住民票は髙島屋の近くで取れますか,\"①市民課（本庁舎1階）\r\n②ｺﾝﾋﾞﾆ交付は6時30分～23時\",市民課,2026/11/01\r\n")


def test_a_shift_jis_csv_from_japanese_excel_imports_and_the_report_says_so(env, tmp_path):
    path = tmp_path / "市FAQ.csv"
    path.write_bytes(SJIS_CSV.encode("cp932"))
    assert SJIS_CSV.encode("cp932").decode("cp932") == SJIS_CSV   # every character is one cp932 has
    r = run_cli(env, "--no-index", "import", str(path))
    assert r.returncode == 0, r.stderr
    assert "市FAQ.csv は Shift_JIS として読みました" in r.stdout and "追加 1件" in r.stdout
    shown = json.loads(run_cli(env, "show", "1", "--json").stdout)
    assert shown["question"] == "〇〇市の住民票は髙島屋の近くで取れますか"
    assert shown["answer"] == normalize("①市民課（本庁舎1階）\n②ｺﾝﾋﾞﾆ交付は6時30分～23時")
    assert "コンビニ交付" in shown["answer"]   # half-width kana made full width, as at every boundary
    # the same file in UTF-8 stores the same and says nothing about Shift_JIS
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text(SJIS_CSV, encoding="utf-8-sig")
    r = run_cli(env, "--no-index", "import", str(utf8))
    assert r.returncode == 0 and "変更なし 1件" in r.stdout and "Shift_JIS" not in r.stdout


def test_a_csv_neither_utf8_nor_shift_jis_is_refused_with_its_line(env, tmp_path, imported):
    path = tmp_path / "city.csv"
    # Shift_JIS up to line 3, where a lead byte is followed by a comma: no encoding reads that
    path.write_bytes("質問,回答\r\n窓口は,平日です。\r\n".encode("cp932") + b"\x82,x\r\n")
    err = refused(env, path)
    assert "city.csv 3行目: UTF-8 としても Shift_JIS としても読めない文字があります" in err
    assert "「CSV UTF-8（コンマ区切り）」で保存してください" in err
    assert imported()


@pytest.mark.no_database
def test_a_damaged_utf8_file_is_not_read_as_shift_jis_mojibake(tmp_path):
    # "é" in UTF-8 (C3 A9) is also two half-width katakana in cp932: one stray byte must not turn
    # the whole file into ﾃｩ
    path = tmp_path / "city.csv"
    path.write_bytes("question,answer\r\nWhere is the Café?,The Café is upstairs.\r\n".encode("utf-8") + b"x,\xff\r\n")
    data = path.read_bytes()
    assert data.decode("cp932")   # the whole file would read as Shift_JIS
    with pytest.raises(ValidationError) as err:
        read_entries(path)
    assert err.value.problems[0].location == "3行目" and "Shift_JIS としても読めない" in err.value.problems[0].ja


@pytest.mark.no_database
def test_the_notes_of_several_files_say_which_were_shift_jis(tmp_path):
    sjis, utf8 = tmp_path / "a.csv", tmp_path / "b.csv"
    sjis.write_bytes("質問,回答\r\n窓口は,平日です。\r\n".encode("cp932"))
    utf8.write_text("質問,回答\r\n予約は,不要です。\r\n", encoding="utf-8")
    read = read_import([sjis, utf8])
    assert read.notes.shift_jis == ["a.csv"] and len(read.entries) == 2
    notes = ImportNotes()
    read_entries(sjis, notes=notes)
    assert notes.shift_jis == ["a.csv"]


# ------------------------------------------------------------------ CSV columns without a header
def test_a_csv_value_under_an_empty_header_is_refused_naming_row_and_column(env, tmp_path, imported):
    # the header cell of the department column was cleared: its values would be lost without a word
    path = tmp_path / "city.csv"
    path.write_bytes("質問,回答,,更新日\r\n窓口は,平日です。,,2026/11/01\r\n予約は,不要です。,市民課,2026/11/02\r\n"
                     .encode("cp932"))
    with pytest.raises(ValidationError) as err:
        read_import([path])
    [problem] = err.value.problems
    assert (problem.source, problem.location, problem.field) == ("city.csv", "3行目", "3列目（C列、見出しなし）")
    assert problem.ja.startswith("見出しのない列に値があります（3列目（C列、見出しなし））。見出しを付けるか")
    assert problem.en == "a value in a column without header (column 3)"
    stderr = refused(env, path)
    assert "city.csv 3行目 [3列目（C列、見出しなし）]: 見出しのない列に値があります" in stderr
    assert imported()


def test_excels_trailing_empty_columns_and_rows_still_import(env, tmp_path):
    # Excel writes a column once formatted as empty cells down the whole file, header included
    path = tmp_path / "city.csv"
    path.write_bytes("質問,回答,,\r\n窓口は,平日です。,,\r\n予約は,不要です。, ,\r\n,,,\r\n".encode("cp932"))
    assert [e.question for e in read_import([path]).entries] == ["窓口は", "予約は"]
    r = run_cli(env, "--no-index", "import", str(path))
    assert r.returncode == 0, r.stderr
    assert "追加 2件" in r.stdout and len(listed(env)) == 2


# ------------------------------------------------------------------ Shift_JIS 外字 (private use characters)
GAIJI = b"\xf0\x40"   # the first cp932 user-defined character: U+E000, which LINE cannot show
GAIJI_HEADER = "質問,回答,担当課,タグ,question_en,answer_en\r\n"


@pytest.mark.no_database
@pytest.mark.parametrize("row, field, where", [   # "~" marks where the city typed its 外字
    ("~窓口は,平日です。,市民課,予約|窓口,Hours?,Weekdays.", "question", "1文字目"),
    ("窓口は,平日です。~,市民課,予約|窓口,Hours?,Weekdays.", "answer", "6文字目、「平日です。」の次"),
    ("窓口は,平日です。,市民~課,予約|窓口,Hours?,Weekdays.", "department", "3文字目、「市民」の次"),
    ("窓口は,平日です。,市民課,予約|窓口~,Hours?,Weekdays.", "tags", "2つ目の3文字目、「窓口」の次"),
    ("窓口は,平日です。,市民課,予約|窓口,Hours?,Weekdays.~", "translations.en.answer", "10文字目、「Weekdays.」の次"),
])
def test_a_gaiji_from_a_shift_jis_csv_is_refused_naming_row_field_and_position(tmp_path, row, field, where):
    path = tmp_path / "city.csv"
    path.write_bytes((GAIJI_HEADER + row + "\r\n").encode("cp932").replace(b"~", GAIJI))
    with pytest.raises(ValidationError) as err:
        read_import([path])
    [problem] = err.value.problems
    assert (problem.source, problem.location, problem.field) == ("city.csv", "2行目", field)
    assert problem.ja.startswith(f"表示できない文字（外字）があります: {where}。")
    assert "U+E000" in problem.en


@pytest.mark.no_database
@pytest.mark.parametrize("fmt, location, field", [
    ("jsonl", "2行目", "alt_questions"), ("yaml", "11行目", "alt_questions"),
    ("xlsx", "シート「FAQ」3行目", "alt_questions（E列）"),
])
def test_a_private_use_character_is_refused_in_every_format(tmp_path, fmt, location, field):
    entries = [FaqEntry(id="ok", question="窓口は", answer="平日です。"),
               FaqEntry(id="gaiji", question="予約は", answer="不要です。", alt_questions=["予約\ue757要る?"])]
    path = tmp_path / f"faq.{fmt}"
    write_entries(entries, path)
    with pytest.raises(ValidationError) as err:
        read_import([path])
    [problem] = err.value.problems
    assert (problem.location, problem.field) == (location, field)
    assert problem.ja.startswith("表示できない文字（外字）があります: 3文字目、「予約」の次")


def test_faqctl_refuses_a_shift_jis_csv_with_a_gaiji_and_changes_nothing(env, tmp_path, imported):
    path = tmp_path / "市FAQ.csv"
    path.write_bytes("質問,回答\r\n窓口は,平日です。\r\n髙島屋の前は,".encode("cp932") + GAIJI + "バス停です。\r\n".encode("cp932"))
    stderr = refused(env, path)
    assert "市FAQ.csv 3行目 [answer]: 表示できない文字（外字）があります: 1文字目。通常の文字に置き換えてください" in stderr
    assert imported()


# ------------------------------------------------------------------ damaged workbooks
@pytest.fixture(scope="module")
def workbook_bytes(tmp_path_factory):
    return city_workbook(tmp_path_factory.mktemp("book") / "city.xlsx").read_bytes()


PARTS = ["zip", "xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml",
         "xl/_rels/workbook.xml.rels"]


@pytest.mark.no_database
@settings(derandomize=True, database=None, deadline=None, max_examples=200,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(PARTS), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(b'<>"=/ 0aZ\x00\xff')), max_size=4))
def test_a_damaged_workbook_gives_entries_or_a_clear_error_never_a_traceback(tmp_path, workbook_bytes, part, cut, flips):
    """The zip itself, or one XML part inside it, cut short and with a few bytes changed."""
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    original = workbook_bytes if part == "zip" else parts[part]
    data = bytearray(original[:max(1, int(len(original) * cut))] if cut < 0.9 else original)
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    if part != "zip":
        parts[part] = bytes(data)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in parts.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    path = tmp_path / "city.xlsx"
    path.write_bytes(bytes(data))
    try:
        read_entries(path)
    except ValidationError as exc:
        assert all(p.source == "city.xlsx" and p.ja and p.en for p in exc.problems)
