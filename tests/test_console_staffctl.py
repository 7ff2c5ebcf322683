"""scripts/staffctl.py: accounts from the command line (exit codes, Japanese errors, --help), and the
FAQ quick view of the console."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_testkit import PASSWORD, Console, add_staff, make_app
from line_testkit import rows

from bot.services import bot_services
from faq.model import FaqEntry
from faq.store import FaqStore

ROOT = Path(__file__).resolve().parents[1]


def staffctl(db, *args, input=None):
    env = dict(os.environ, FAQBOT_DB=str(db))
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "staffctl.py"), *args], env=env,
                          capture_output=True, text=True, input=input, timeout=120)


def test_add_list_disable_enable_reset(tmp_path):
    db = tmp_path / "faqbot.sqlite3"
    done = staffctl(db, "add", "yamada", "--display-name", "山田 花子", "--admin", "--password-stdin",
                    input=PASSWORD + "\n")
    assert done.returncode == 0 and "アカウントを作りました: yamada（山田 花子） 管理者" in done.stdout
    assert staffctl(db, "add", "sato", "--password-stdin", input="another long password\n").returncode == 0
    listed = staffctl(db, "list")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == ["sato\tsato\t職員 有効\t最終ログイン: -",
                                          "yamada\t山田 花子\t管理者 有効\t最終ログイン: -"]
    assert staffctl(db, "disable", "sato").returncode == 0
    assert "sato\tsato\t職員 無効" in staffctl(db, "list").stdout
    assert staffctl(db, "enable", "sato").returncode == 0
    assert staffctl(db, "reset-password", "sato", "--password-stdin", input="a brand new passphrase\n").returncode == 0
    app = make_app(tmp_path)
    assert Console(app).login("sato", "another long password").status_code == 401
    assert Console(app).login("sato", "a brand new passphrase").status_code == 302
    [hashed] = rows(db, "SELECT password_hash FROM console_staff WHERE username = 'yamada'")
    assert hashed["password_hash"].startswith("scrypt:")


@pytest.mark.parametrize("args, stdin, message", [
    (("add", "yamada", "--password-stdin"), "short\n", "パスワードは12文字以上にしてください"),
    (("add", "Bad Name!", "--password-stdin"), PASSWORD + "\n", "ユーザー名は半角英小文字"),
    (("add", "yamada", "--password-stdin"), "", "標準入力にパスワードがありません"),
    (("disable", "nobody"), None, "ユーザー「nobody」は登録されていません"),
    (("reset-password", "nobody", "--password-stdin"), PASSWORD + "\n", "ユーザー「nobody」は登録されていません"),
])
def test_bad_input_is_a_japanese_error_with_exit_code_1_and_changes_nothing(tmp_path, args, stdin, message):
    db = tmp_path / "faqbot.sqlite3"
    result = staffctl(db, *args, input=stdin)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert "アカウントはありません" in staffctl(db, "list").stdout


def test_a_taken_username_is_refused(tmp_path):
    db = tmp_path / "faqbot.sqlite3"
    staffctl(db, "add", "yamada", "--password-stdin", input=PASSWORD + "\n")
    again = staffctl(db, "add", "YAMADA", "--password-stdin", input="other long password\n")
    assert again.returncode == 1 and "既に使われています" in again.stderr
    assert len(rows(db, "SELECT * FROM console_staff")) == 1


def test_usage_errors_exit_2_and_help_works(tmp_path):
    db = tmp_path / "faqbot.sqlite3"
    assert staffctl(db, "add").returncode == 2
    assert staffctl(db, "frobnicate").returncode == 2
    for args in (("--help",), ("add", "--help"), ("reset-password", "--help")):
        shown = staffctl(db, *args)
        assert shown.returncode == 0 and "Usage" in shown.stdout
    assert "アカウントを作ります" in staffctl(db, "add", "--help").stdout


def test_the_password_is_asked_twice(tmp_path):
    from scripts import staffctl as module
    db = tmp_path / "faqbot.sqlite3"
    runner = CliRunner()
    mismatch = runner.invoke(module.cli, ["--db", str(db), "add", "kato"],
                             input=f"{PASSWORD}\nsomething else entirely\n")
    assert mismatch.exit_code != 0
    ok = runner.invoke(module.cli, ["--db", str(db), "add", "kato"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    assert "確認のためもう一度入力してください" in ok.output and PASSWORD not in ok.output
    assert [r["username"] for r in rows(db, "SELECT username FROM console_staff")] == ["kato"]


# ------------------------------------------------------------------ FAQ quick view
def test_faq_quick_view_search_and_entry(tmp_path, seed_entries, searcher):
    app = make_app(tmp_path)
    bot_services(app).searcher = searcher
    store = FaqStore.open(app.config["FAQBOT_DB"])
    store.import_entries(seed_entries, actor="seed")
    store.add(FaqEntry(id="zz-hidden", question="テスト用の非公開FAQ", answer="非公開", active=False), actor="t")
    store.close()
    add_staff(app)
    c = Console(app)
    c.login()
    everything = c.get("/console/faq").get_data(as_text=True)
    assert f"{len(seed_entries) + 1}件" in everything and "非公開" in everything
    found = c.get("/console/faq?q=罹災証明書はどこでもらえる").get_data(as_text=True)
    links = re.findall(r'/console/faq/entries/([a-z0-9_-]+)"', found)
    assert links[0] == "disaster-risai-shomeisho"  # the bot's own search ranks it first
    filtered = c.get("/console/faq?q=申請&category=e-bidding").get_data(as_text=True)
    ids = re.findall(r'/console/faq/entries/([a-z0-9_-]+)"', filtered)
    categories = {e.id: e.category for e in seed_entries}
    assert ids and all(categories[i] == "e-bidding" for i in ids)
    entry = c.get("/console/faq/entries/disaster-risai-shomeisho").get_data(as_text=True)
    risai = next(e for e in seed_entries if e.id == "disaster-risai-shomeisho")
    assert risai.question in entry and risai.answer.splitlines()[0] in entry
    assert c.get("/console/faq/entries/no-such-entry").status_code == 404
    # an ID typed as a city's export writes it leads to the entry; one invalid after normalising is not found
    moved = c.get("/console/faq/entries/ＤＩＳＡＳＴＥＲ-Risai-Shomeisho")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/faq/entries/disaster-risai-shomeisho")
    assert c.get("/console/faq/entries/Risai Shomeisho").status_code == 404
    # which entries lack which translation: a column and a filter
    lacking_vi = c.get("/console/faq?missing=vi&category=contact").get_data(as_text=True)
    ids = re.findall(r'/console/faq/entries/([a-z0-9_-]+)"', lacking_vi)
    assert "contact-denwa" in ids and "disaster-risai-shomeisho" not in ids
    assert "English、中文（简体）、한국어、Tiếng Việt、Português、やさしい日本語" in lacking_vi
    translated = c.get("/console/faq?category=disaster-support").get_data(as_text=True)
    assert "なし（確認待ち 6）" in translated      # every language there, none checked by a person yet
    assert c.get("/console/faq?missing=vi&category=disaster-support").get_data(as_text=True).count(
        "/console/faq/entries/") < translated.count("/console/faq/entries/")


def test_db_takes_a_database_url_and_refuses_one_of_another_database(tmp_path):
    """--db holds a SQLite path or (here, in the PostgreSQL pass) the database's URL itself."""
    from conftest import app_database
    db = app_database(tmp_path / "faqbot.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in ("FAQBOT_DB", "FAQBOT_DATABASE_URL")}

    def tool(name, *args, input=None):
        return subprocess.run([sys.executable, str(ROOT / "scripts" / name), *args], env=env,
                              capture_output=True, text=True, input=input, timeout=120)

    added = tool("staffctl.py", "--db", db, "add", "sato", "--password-stdin", input=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "sato" in tool("staffctl.py", "--db", db, "list").stdout
    assert rows(db, "SELECT username FROM console_staff") == [{"username": "sato"}]
    stats = tool("faqctl.py", "--db", db, "--no-index", "stats")
    assert stats.returncode == 0, stats.stderr
    for name in ("staffctl.py", "faqctl.py"):
        refused = tool(name, "--db", "mysql://root:pw-789@db/faqbot", "list")
        assert refused.returncode == 1 and "postgresql://" in refused.stderr and "pw-789" not in refused.stderr
        assert refused.stderr.startswith("エラー: --db は") and "Traceback" not in refused.stderr
    bad_env = subprocess.run([sys.executable, str(ROOT / "scripts" / "staffctl.py"), "list"], capture_output=True,
                             text=True, timeout=120, env=dict(env, FAQBOT_DATABASE_URL="mysql://root:pw-789@db/x"))
    assert bad_env.returncode == 1 and bad_env.stderr.startswith("エラー: FAQBOT_DATABASE_URL は")
    assert "pw-789" not in bad_env.stderr
