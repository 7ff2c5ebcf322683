"""The staff CLI as staff run it: a real process, a real SQLite file, exit codes."""
import json

import pytest
from conftest import run_cli, seed_database

COMMANDS = ["import", "export", "add", "edit", "remove", "restore", "history", "undo", "list", "show", "stats",
            "search", "build-index", "check"]

GOOD = {"id": "cash-1", "question": "PayPayで税金を払えますか", "answer": "請求書払いで納付できます。",
        "category": "cashless-payment", "alt_questions": ["スマホで税金"], "url": None, "department": "税務課",
        "tags": [], "active": True}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(env, command):
    result = run_cli(env, command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_usage_error_exits_2(env):
    assert run_cli(env, "show").returncode == 2
    assert run_cli(env, "no-such-command").returncode == 2


def test_import_list_show_export_history_undo(env, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [GOOD, {**GOOD, "id": "cash-2", "question": "ペイジーは使えますか"}])
    r = run_cli(env, "--no-index", "import", str(src))
    assert r.returncode == 0, r.stderr
    assert "追加 2件" in r.stdout
    r = run_cli(env, "list", "--category", "cashless-payment")
    assert r.stdout.splitlines() == ["cash-1\tcashless-payment\tPayPayで税金を払えますか",
                                     "cash-2\tcashless-payment\tペイジーは使えますか"]
    assert json.loads(run_cli(env, "show", "cash-1", "--json").stdout)["department"] == "税務課"
    r = run_cli(env, "--no-index", "edit", "cash-1", "--answer", "コンビニでも払えます。", "--by", "佐藤")
    assert r.returncode == 0, r.stderr
    hist = json.loads(run_cli(env, "history", "cash-1", "--json").stdout)
    assert [(h["action"], h["actor"]) for h in hist] == [("import", "tester"), ("update", "佐藤")]
    assert run_cli(env, "--no-index", "undo", "cash-1").returncode == 0
    assert json.loads(run_cli(env, "show", "cash-1", "--json").stdout)["answer"] == "請求書払いで納付できます。"
    out = tmp_path / "out.csv"
    assert run_cli(env, "export", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert "ペイジーは使えますか" in out.read_text(encoding="utf-8-sig")
    stats = json.loads(run_cli(env, "stats", "--json").stdout)
    assert stats["active"] == 2 and stats["by_category"]["cashless-payment"] == 2


def test_bad_import_exits_1_and_changes_nothing(env, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [GOOD])
    assert run_cli(env, "--no-index", "import", str(good)).returncode == 0
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**GOOD, "answer": "変更"}, {**GOOD, "id": "x-2", "answer": ""}])
    r = run_cli(env, "--no-index", "import", "--replace", str(bad))
    assert r.returncode == 1
    assert "bad.jsonl 2行目 [answer]: 回答が空です" in r.stderr and "何も変更していません" in r.stderr
    assert json.loads(run_cli(env, "show", "cash-1", "--json").stdout)["answer"] == "請求書払いで納付できます。"
    assert len(json.loads(run_cli(env, "history", "cash-1", "--json").stdout)) == 1


def test_dry_run_validates_without_writing(env, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [GOOD])
    r = run_cli(env, "--no-index", "import", "--dry-run", str(src))
    assert r.returncode == 0 and "検証OK: 1件" in r.stdout
    assert run_cli(env, "list").stdout == ""


def test_add_remove_restore_and_errors(env):
    r = run_cli(env, "--no-index", "add", "--id", "contact-x", "--category", "contact",
                "--question", "窓口は何時まで？", "--answer", "平日17時15分までです。", "--alt", "受付時間")
    assert r.returncode == 0, r.stderr
    assert run_cli(env, "--no-index", "remove", "contact-x").returncode == 0
    assert run_cli(env, "list").stdout == ""
    assert "[非公開]" in run_cli(env, "list", "--include-inactive").stdout
    assert run_cli(env, "--no-index", "restore", "contact-x").returncode == 0
    assert "contact-x" in run_cli(env, "list").stdout
    # errors: missing answer, unknown id, nothing to change
    r = run_cli(env, "--no-index", "add", "--question", "質問だけ")
    assert r.returncode == 1 and "回答が空です" in r.stderr
    for args in (["show", "nope"], ["--no-index", "remove", "nope"], ["history", "nope"], ["--no-index", "undo", "nope"],
                 ["--no-index", "edit", "nope", "--answer", "x"], ["--no-index", "edit", "contact-x"]):
        r = run_cli(env, *args)
        assert r.returncode == 1, args
        assert r.stderr.strip(), args


def test_search_without_index_is_a_clear_error(env):
    r = run_cli(env, "search", "住民票")
    assert r.returncode == 1 and "build-index" in r.stderr


def test_check_finds_a_stored_entry_that_todays_rules_refuse(env, tmp_path):
    """An entry stored before a rule existed (here a 外字, U+E000, which LINE cannot show) is listed with its
    ID and field, and the command fails; a clean database passes."""
    from faq.model import FaqEntry
    fields = {k: v for k, v in GOOD.items() if k != "active"}
    clean = FaqEntry(**fields)
    gaiji = FaqEntry(**{**fields, "id": "cash-2", "answer": "窓口は\ue000平日です。"})
    seed_database(tmp_path / "faq.sqlite3", [clean])
    r = run_cli(env, "check")
    assert r.returncode == 0, r.stderr
    assert "問題なし: 1件" in r.stdout
    seed_database(tmp_path / "faq.sqlite3", [gaiji])
    r = run_cli(env, "check")
    assert r.returncode == 1
    assert "cash-2" in r.stderr and "answer" in r.stderr and "外字" in r.stderr
    assert "cash-1" not in r.stderr
