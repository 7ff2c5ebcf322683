"""A city's export as it comes: CMS metadata columns skipped, typos named with the header meant,
--ignore-column, and the city's own IDs (「Q-001」, 「ＦＡＱ１２」) normalised so a re-import updates."""
import json

import pytest
from conftest import run_cli

from faq.formats import read_import
from faq.validate import ValidationError
from scripts.evaluate import load_faq

# as a CMS writes it: UTF-8 with BOM, CRLF, its bookkeeping columns between ours
EXPORT = (
    "FAQ番号,質問,回答,担当課,問い合わせ先,公開状態,更新日,表示順,閲覧数,担当者,所属コード\r\n"
    "Q-001,住民票はコンビニで取れますか,マイナンバーカードがあれば取れます。,市民課,市民課 012-345-6789,公開,2026/11/01,1,1520,山田,110\r\n"
    "ＦＡＱ１２,粗大ごみの出し方は,電話で申し込んでください。,環境課,環境課,下書き,2026/11/02,2,3,佐藤,220\r\n"
)


def write(path, text):
    path.write_text(text, encoding="utf-8-sig")
    return path


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _quoted(header):
    """As the error message writes a header for the shell."""
    return f"'{header}'" if " " in header else header


def problem_of(paths, **kwargs):
    with pytest.raises(ValidationError) as err:
        read_import(paths, **kwargs)
    return err.value.problems


# ------------------------------------------------------------------ metadata columns
def test_metadata_columns_are_skipped_and_named_and_draft_entries_come_in_inactive(tmp_path):
    read = read_import([write(tmp_path / "city.csv", EXPORT)])
    juminhyo, gomi = read.entries
    assert (juminhyo.id, juminhyo.department, juminhyo.active) == ("q-001", "市民課", True)
    assert (gomi.id, gomi.question, gomi.active) == ("faq12", "粗大ごみの出し方は", False)   # 下書き: not public
    # 担当課 is read; 問い合わせ先 (the same section with its phone number) is then metadata too
    assert read.notes.skipped == ["問い合わせ先", "更新日", "表示順", "閲覧数", "担当者", "所属コード"]
    assert read.notes.ids == {"Q-001": "q-001", "ＦＡＱ１２": "faq12"}
    assert read.notes.renamed["公開状態"] == "active" and "問い合わせ先" not in read.notes.renamed


def test_a_contact_column_is_the_department_when_there_is_no_other(tmp_path):
    path = write(tmp_path / "city.csv", "質問,回答,問い合わせ先,公開日\r\n窓口の時間は,平日です。,総務課,2026-11-30\r\n")
    read = read_import([path])
    assert read.entries[0].department == "総務課"
    assert read.notes.renamed["問い合わせ先"] == "department" and read.notes.skipped == ["公開日"]


def test_jsonl_and_yaml_skip_the_same_metadata_keys(tmp_path):
    jsonl = write_jsonl(tmp_path / "city.jsonl", [{"ID": "A-1", "質問": "窓口は", "回答": "平日です。",
                                                   "更新日": "2026-11-01", "閲覧数": 5}])
    yaml_path = write(tmp_path / "city.yaml", "- ID: B-1\n  質問: 予約は\n  回答: 不要です。\n  作成日: 2026-10-01\n")
    read = read_import([jsonl, yaml_path])
    assert [e.id for e in read.entries] == ["a-1", "b-1"]
    assert read.notes.skipped == ["更新日", "閲覧数", "作成日"]


# ------------------------------------------------------------------ unknown headers
@pytest.mark.parametrize("typo, meant", [("回 答", "回答"), ("キーワ一ド", "キーワード"), ("公開状熊", "公開状態")])
def test_a_mistyped_header_is_refused_with_the_header_meant(tmp_path, typo, meant):
    path = write(tmp_path / "city.csv", f"質問,回答文,{typo},備考\r\n窓口は,平日です。,x,メモ\r\n")
    [problem] = problem_of([path])
    assert (problem.location, problem.field) == ("1行目", f"{typo}, 備考")
    assert f"{typo}（「{meant}」の誤りでは？）、備考" in problem.ja
    assert f"faqctl import city.csv --ignore-column {_quoted(typo)} --ignore-column 備考" in problem.ja
    assert f"did you mean {meant}?" in problem.en


def test_a_different_column_is_not_taken_for_a_typo(tmp_path):
    path = write(tmp_path / "city.csv", "質問,回答,旧ID,回答日\r\n窓口は,平日です。,A1,2026-01-01\r\n")
    [problem] = problem_of([path])
    assert "旧ID、回答日。" in problem.ja and "誤りでは" not in problem.ja


def test_a_file_of_many_stray_columns_names_the_first_twenty(tmp_path):
    stray = [f"列{i}" for i in range(25)]
    path = write(tmp_path / "city.csv", ",".join(["質問", "回答", *stray]) + "\r\n窓口は,平日です。" + "," * 25 + "\r\n")
    [problem] = problem_of([path])
    assert problem.field == ", ".join(stray[:20]) + " ほか5件"
    assert "列19。" not in problem.ja and "列19 ほか5件。" in problem.ja and "--ignore-column 列20" not in problem.ja


def test_ignore_column_imports_without_the_named_columns(tmp_path):
    path = write(tmp_path / "city.csv", "質問,回答,備考,旧ID\r\n窓口は,平日です。,メモ,A1\r\n")
    read = read_import([path], ignore_columns=("備考", "旧ＩＤ"))   # matched as headers are: width, case
    [entry] = read.entries
    assert (entry.question, entry.answer) == ("窓口は", "平日です。")
    assert read.notes.ignored == ["備考", "旧ID"]


def test_ignore_column_can_leave_out_a_column_we_would_read(tmp_path):
    read = read_import([write(tmp_path / "city.csv", EXPORT)], ignore_columns=("公開状態",))
    assert all(e.active for e in read.entries) and read.notes.ignored == ["公開状態"]


def test_an_unknown_jsonl_key_is_reported_once_for_the_file_with_its_first_row(tmp_path):
    records = [{"質問": f"質問{i}", "回答": "回答", "備考": "メモ"} for i in range(3)]
    records[1]["回 答"] = "typo"
    path = write_jsonl(tmp_path / "city.jsonl", records)
    [problem] = problem_of([path])
    assert (problem.location, problem.field) == ("1行目", "備考, 回 答")
    assert "未知の項目があります: 備考、回 答（「回答」の誤りでは？）" in problem.ja
    assert "--ignore-column 備考 --ignore-column '回 答'" in problem.ja
    read = read_import([path], ignore_columns=("備考", "回 答"))
    assert len(read.entries) == 3 and read.notes.ignored == ["備考", "回 答"]


# ------------------------------------------------------------------ IDs
def test_ids_differing_only_in_case_or_width_are_one_id_and_refused_as_duplicates(tmp_path):
    path = write(tmp_path / "city.csv", "ID,質問,回答\r\nq-001,窓口は,平日です。\r\nＱ－００１,予約は,不要です。\r\n")
    [problem] = problem_of([path])
    assert (problem.location, problem.field) == ("3行目", "id")
    assert "IDが重複しています: q-001（2行目と同じ。Ｑ－００１ は小文字にそろえると同じIDです）" in problem.ja
    other = write(tmp_path / "other.jsonl", '{"id": "Q-001", "question": "別", "answer": "別"}\n')
    problems = problem_of([write(tmp_path / "one.csv", "ID,質問,回答\r\nq-001,窓口は,平日です。\r\n"), other])
    assert [p.ja for p in problems] == ["IDが重複しています: q-001（one.csvにもあります）"]


def test_an_id_still_invalid_after_normalising_keeps_a_clear_error(tmp_path):
    path = write(tmp_path / "city.csv", "ID,質問,回答\r\nQ 001,窓口は,平日です。\r\n")
    [problem] = problem_of([path])
    assert (problem.location, problem.field) == ("2行目", "id")
    assert problem.ja.startswith("IDは半角英小文字・数字・-・_ の64文字以内") and problem.ja.endswith(": Q 001")


def test_the_evaluation_loader_reads_ids_as_the_import_stores_them(tmp_path):
    path = write_jsonl(tmp_path / "faq.jsonl", [{"id": "Q-001", "question": "窓口は", "answer": "平日です。"}])
    assert [e.id for e in load_faq(str(path))] == ["q-001"]


# ------------------------------------------------------------------ faqctl import, as staff run it
def test_faqctl_imports_a_cms_export_and_reimport_updates_the_same_entries(env, tmp_path):
    r = run_cli(env, "--no-index", "import", str(write(tmp_path / "city.csv", EXPORT)))
    assert r.returncode == 0, r.stderr
    assert "取り込み完了: 追加 2件, 更新 0件" in r.stdout
    assert "読み込まない列: 問い合わせ先, 更新日, 表示順, 閲覧数, 担当者, 所属コード / columns not read" in r.stdout
    assert "IDを小文字にそろえました: Q-001 → q-001, ＦＡＱ１２ → faq12（2件。" in r.stdout
    listed = run_cli(env, "list", "--include-inactive").stdout.splitlines()
    assert listed == ["faq12\tgeneral\t[非公開] 粗大ごみの出し方は", "q-001\tgeneral\t住民票はコンビニで取れますか"]
    # the next export of the same CMS: the same IDs as written there update, never duplicate
    again = EXPORT.replace("取れます。", "取れます（6時30分から23時）。")
    r = run_cli(env, "--no-index", "import", str(write(tmp_path / "city2.csv", again)))
    assert r.returncode == 0, r.stderr
    assert "取り込み完了: 追加 0件, 更新 1件, 変更なし 1件" in r.stdout
    # staff type the ID as the CMS shows it
    shown = json.loads(run_cli(env, "show", "Q-001", "--json").stdout)
    assert shown["id"] == "q-001" and "6時30分から23時" in shown["answer"]
    assert run_cli(env, "--no-index", "restore", "ＦＡＱ１２").returncode == 0
    r = run_cli(env, "--no-index", "edit", "FAQ12", "--department", "環境政策課")
    assert r.returncode == 0 and "変更しました: faq12" in r.stdout
    assert [h["action"] for h in json.loads(run_cli(env, "history", "Faq12", "--json").stdout)] == \
        ["import", "restore", "update"]
    r = run_cli(env, "--no-index", "add", "--id", "Q-002", "--question", "予約は要りますか", "--answer", "不要です。")
    assert r.returncode == 0 and "追加しました: q-002" in r.stdout
    assert run_cli(env, "--no-index", "remove", "q-002").returncode == 0
    assert "[非公開] 予約は要りますか" in run_cli(env, "list", "--include-inactive").stdout


def test_faqctl_names_an_unknown_header_and_ignore_column_imports_it(env, tmp_path):
    src = write(tmp_path / "city.csv", "質問,回 答,備考\r\n窓口は,平日です。,メモ\r\n")
    r = run_cli(env, "--no-index", "import", str(src))
    assert r.returncode == 1
    assert "何も変更していません" in r.stderr and "回 答（「回答」の誤りでは？）" in r.stderr
    assert "faqctl import city.csv --ignore-column '回 答' --ignore-column 備考" in r.stderr
    assert run_cli(env, "list", "--include-inactive").stdout == ""
    fixed = write(tmp_path / "fixed.csv", "質問,回答,備考\r\n窓口は,平日です。,メモ\r\n")
    r = run_cli(env, "--no-index", "import", str(fixed), "--ignore-column", "備考", "--ignore-column", "旧ID")
    assert r.returncode == 0, r.stderr
    assert "指定により読み込まない列: 備考" in r.stdout
    assert "注意: --ignore-column の列がファイルにありません: 旧ID" in r.stdout
    assert "追加 1件" in r.stdout


def test_faqctl_refuses_ids_that_collide_after_normalising_and_changes_nothing(env, tmp_path):
    assert run_cli(env, "--no-index", "import", str(write(tmp_path / "city.csv", EXPORT))).returncode == 0
    before = run_cli(env, "list", "--include-inactive", "--json").stdout
    clash = EXPORT.replace("ＦＡＱ１２", "q-001").replace("粗大ごみの出し方は", "別の質問")
    r = run_cli(env, "--no-index", "import", "--replace", str(write(tmp_path / "clash.csv", clash)))
    assert r.returncode == 1
    assert "clash.csv 3行目 [id]: IDが重複しています: q-001（2行目と同じ。Q-001 は小文字にそろえると同じIDです）" in r.stderr
    assert run_cli(env, "list", "--include-inactive", "--json").stdout == before
