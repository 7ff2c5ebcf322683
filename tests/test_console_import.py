"""「FAQの取り込み」 on the staff console: an administrator uploads a city's file (CSV, Shift_JIS CSV, .xlsx),
checks it — the FAQ is not changed; the checked file is kept in the database under a token — and imports the
kept file with only the token, into a real database through the Flask test client; every refused upload or
token leaves the FAQ as it was and says why on the page. One test drives the real page in headless Chromium
over real HTTP."""
from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import openpyxl
import pytest
from console_testkit import PASSWORD, Console, add_team, clock_of, make_app, rebuild_with, services
from line_testkit import rows

from bot.console import faq_import
from bot.console import views as console_views
from faq.formats import read_import
from faq.store import FaqStore

HEADER = "管理番号,分類,質問,回答,担当課,更新日\n"
GOMI = "Q-001,ごみ,粗大ごみの出し方は,電話で申し込んでください。,環境課,2026-11-01\n"
JUMIN = "Q-002,手続き,住民票はどこで取れますか,市民課の窓口で取れます。,市民課,2026-11-01\n"
JUMIN_NEW = "Q-002,手続き,住民票はどこで取れますか,市民課の窓口かコンビニで取れます。,市民課,2026-11-20\n"
TOSHOKAN = "Q-003,施設,図書館は何時までですか,平日は19時までです。,図書館,2026-11-20\n"
OLD = "Q-009,施設,旧庁舎の駐車場は使えますか,使えません。,管財課,2020-04-01\n"
FIRST = HEADER + GOMI + JUMIN + OLD          # what the city exported last time (already in the FAQ)
SECOND = HEADER + GOMI + JUMIN_NEW + TOSHOKAN  # this month's file: one changed, one new, Q-009 gone
ACTOR = "yamada（コンソール取り込み）"
SCREENSHOTS = Path(os.environ.get("FAQBOT_SCREENSHOT_DIR") or tempfile.gettempdir())


@pytest.fixture
def app(tmp_path, embedder, shared_cache):
    app = make_app(tmp_path)
    first = tmp_path / "first.csv"
    first.write_text(FIRST, encoding="utf-8")
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        store.import_entries(read_import([first]).entries, actor="seed")
    finally:
        store.close()
    rebuild_with(app, embedder, shared_cache)
    add_team(app)
    return app


def logged_in(app, name: str = "yamada") -> Console:
    c = Console(app)
    assert c.login(name).status_code == 302
    return c


def snapshot(app):
    """Everything an import could change: every entry (inactive too) and the history."""
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        return store.list(include_inactive=True), store.stats()["history_rows"]
    finally:
        store.close()


def entry(app, entry_id: str):
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        return store.get(entry_id), store.history(entry_id)
    finally:
        store.close()


def upload(console: Console, data: bytes | None, name: str = "市HP_FAQ.csv", action: str = "check", **fields):
    form = {"action": action, **fields}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return console.post("/console/faq/import", form, content_type="multipart/form-data")


def page(response) -> str:
    return response.get_data(as_text=True)


def token_of(response) -> str:
    """The token of the file a successful 「確認する」 kept, from the preview's 「取り込む」 form."""
    html = page(response)
    assert response.status_code == 200, html
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def import_kept(console: Console, token: str, **fields):
    """「取り込む」 as the preview's form posts it: the token and the settings, no file."""
    return console.post("/console/faq/import", {"action": "import", "token": token, **fields})


def check_and_import(console: Console, data: bytes, name: str = "市HP_FAQ.csv", **fields):
    return import_kept(console, token_of(upload(console, data, name, **fields)), **fields)


def kept(app) -> list[dict]:
    """The checked files the database holds (bytes present or not), oldest first."""
    return rows(app.config["FAQBOT_DB"], "SELECT username, filename, size, data IS NOT NULL AS has_data, "
                                         "imported_at FROM console_faq_uploads ORDER BY id")


def refused(response, status: int, message: str) -> str:
    html = page(response)
    assert response.status_code == status, html
    assert message in html and "何も変更していません" in html and 'id="import-form"' in html
    return html


def section(html: str, element_id: str) -> str:
    """One part of the page (the header's banners may name faqctl for other reasons)."""
    match = re.search(rf'<(section|div|ul) [^>]*id="{element_id}".*?</\1>', html, re.S)
    assert match, f"no #{element_id} on the page"
    return match.group(0)


def imports_logged(app) -> list:
    return [(r["staff"], r["target"]) for r in
            rows(app.config["FAQBOT_DB"], "SELECT staff, target FROM console_access_log WHERE action = 'faq_import'")]


# ------------------------------------------------------------------ who may import
def test_only_administrators_see_and_use_the_page(app):
    before = snapshot(app)
    sato = logged_in(app, "sato")
    assert sato.get("/console/faq/import").status_code == 403
    assert upload(sato, SECOND.encode(), action="import").status_code == 403
    assert "faq-import-link" not in page(sato.get("/console/faq"))
    assert snapshot(app) == before
    yamada = logged_in(app)
    assert 'id="faq-import-link"' in page(yamada.get("/console/faq"))
    form = page(yamada.get("/console/faq/import"))
    for label in ("FAQの取り込み", "確認する", "取り込む", "読まない列", "シート名", "ファイルにない FAQ は非公開にする"):
        assert label in form


def test_a_post_without_the_csrf_token_changes_nothing(app):
    before = snapshot(app)
    yamada = logged_in(app)
    response = yamada.post("/console/faq/import", {"action": "import", "file": (io.BytesIO(SECOND.encode()), "a.csv")},
                           csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400 and "フォームの有効期限" in page(response)
    assert snapshot(app) == before


# ------------------------------------------------------------------ check, then import
def test_checking_shows_what_would_change_and_writes_nothing(app, temp_dir):
    before = snapshot(app)
    response = upload(logged_in(app), SECOND.encode() + b"\n" * 600_000, replace_all="1")  # spooled to disk too
    html = page(response)
    assert response.status_code == 200, html
    assert snapshot(app) == before
    assert re.search(r'id="count-added">1件', html) and re.search(r'id="count-updated">1件', html)
    assert re.search(r'id="count-unchanged">1件', html) and re.search(r'id="count-deactivated">1件', html)
    assert re.search(r'id="ids-added">q-003<', html) and re.search(r'id="ids-updated">q-002<', html)
    assert re.search(r'id="ids-deactivated">q-009<', html) and 'id="deactivate-warning"' in html
    # the notes staff see in faqctl, worded for the console
    assert "見出しの読み替え" in html and "読み込まない列: 更新日" in html
    notes = section(html, "import-notes")
    assert "IDを小文字にそろえました" in notes and "FAQの画面は元のIDでも開けます" in notes and "faqctl" not in notes
    # 「取り込む」 carries the token and the settings, no file: the checked file is kept in the database
    run_form = re.search(r'<form [^>]*id="import-run-form".*?</form>', html, re.S).group(0)
    assert 'name="token" value="' in run_form and 'type="file"' not in run_form
    assert 'name="replace_all" value="1"' in run_form and "同じファイルをもう一度選んで" not in html
    assert "ファイルを選び直す必要はありません" in run_form and "2026-11-24 15:30 まで（30分）" in run_form
    assert kept(app) == [{"username": "yamada", "filename": "市HP_FAQ.csv", "size": len(SECOND.encode()) + 600_000,
                          "has_data": 1, "imported_at": None}]
    assert services(app).rebuilder.status().state == "idle" and imports_logged(app) == []
    assert list(temp_dir.iterdir()) == []   # the temporary copy the reader needed is removed


def test_importing_the_kept_file_adds_and_updates_and_the_history_names_the_staff_member(app):
    yamada = logged_in(app)
    token = token_of(upload(yamada, SECOND.encode()))
    response = import_kept(yamada, token)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/faq/import")
    flash = page(yamada.get("/console/faq/import"))
    assert "追加 1件、更新 1件、変更なし 1件、非公開化 0件" in flash and "検索インデックスを更新しています" in flash
    added, [created] = entry(app, "q-003")
    assert added.answer == "平日は19時までです。" and created.actor == ACTOR and created.action == "import"
    updated, history = entry(app, "q-002")
    assert updated.answer == "市民課の窓口かコンビニで取れます。" and history[-1].actor == ACTOR
    assert entry(app, "q-009")[0].active  # without 「非公開にする」 an entry missing from the file stays
    assert imports_logged(app) == [("yamada", "file:市HP_FAQ.csv")]
    [used] = kept(app)   # the bytes are gone; the row only says the token was used, until it expires
    assert not used["has_data"] and used["imported_at"]
    assert services(app).rebuilder.wait(timeout=300).state == "done"


def test_replace_deactivates_the_entries_missing_from_the_file(app):
    yamada = logged_in(app)
    assert check_and_import(yamada, SECOND.encode(), replace_all="1").status_code == 302
    assert "非公開化 1件" in page(yamada.get("/console/faq/import"))
    old, history = entry(app, "q-009")
    assert not old.active and history[-1].action == "import-remove" and history[-1].actor == ACTOR
    assert services(app).rebuilder.wait(timeout=300).state == "done"


def test_importing_the_same_file_again_changes_nothing(app):
    yamada = logged_in(app)
    before = snapshot(app)
    assert check_and_import(yamada, FIRST.encode()).status_code == 302
    assert "変更なし 3件" in page(yamada.get("/console/faq/import"))
    assert snapshot(app) == before and services(app).rebuilder.status().state == "idle"


def test_settings_other_than_the_ones_checked_are_refused_and_the_check_stays_usable(app):
    yamada = logged_in(app)
    before = snapshot(app)
    token = token_of(upload(yamada, workbook(), "市FAQ.xlsx", sheet="追加分"))
    checked, jumin = kept(app), entry(app, "q-002")[0]
    for tampered in ({"sheet": "追加分", "replace_all": "1"}, {"sheet": "追加分", "ignore_columns": "備考"},
                     {"sheet": "FAQ一覧"}):
        refused(import_kept(yamada, token, **tampered), 409, "確認したファイルか設定と違います")
        assert snapshot(app) == before and kept(app) == checked and imports_logged(app) == []
    # a file sent along with the token is not what gets imported: the kept one is
    response = yamada.post("/console/faq/import", {"action": "import", "token": token, "sheet": "追加分",
                                                   "file": (io.BytesIO(SECOND.encode()), "other.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert entry(app, "q-010")[0].answer == "正面玄関の横です。" and entry(app, "q-002")[0] == jumin
    services(app).rebuilder.wait(timeout=300)


# ------------------------------------------------------------------ the kept file's token
def test_a_used_token_cannot_import_twice(app):
    yamada = logged_in(app)
    token = token_of(upload(yamada, SECOND.encode(), replace_all="1"))
    assert import_kept(yamada, token, replace_all="1").status_code == 302
    after = snapshot(app), kept(app)
    html = refused(import_kept(yamada, token, replace_all="1"), 410, "このファイルはすでに取り込みました（2026-11-24 15:00）")
    assert "ファイルを選んで「確認する」を押してください" in html
    assert (snapshot(app), kept(app)) == after and len(imports_logged(app)) == 1
    services(app).rebuilder.wait(timeout=300)


def test_another_administrators_token_is_refused(app):
    token = token_of(upload(logged_in(app), SECOND.encode()))
    before = snapshot(app), kept(app)
    refused(import_kept(logged_in(app, "suzuki"), token), 404, "取り込めるのは確認した本人だけです")
    assert import_kept(logged_in(app, "sato"), token).status_code == 403   # not an administrator at all
    assert (snapshot(app), kept(app)) == before and imports_logged(app) == []


def test_a_check_expires_after_30_minutes_and_goes_when_the_next_file_is_checked(app):
    yamada = logged_in(app)
    suzuki = logged_in(app, "suzuki")
    token = token_of(upload(yamada, SECOND.encode()))
    token_of(upload(suzuki, FIRST.encode()))
    before = snapshot(app), kept(app)
    clock_of(app).advance(minutes=31)
    refused(import_kept(yamada, token), 410,
            "確認から30分を過ぎました。もう一度ファイルを選んで「確認する」を押してください")
    assert (snapshot(app), kept(app)) == before and imports_logged(app) == []
    fresh = token_of(upload(yamada, SECOND.encode()))   # every expired row goes, the other administrator's too
    assert [(r["username"], r["has_data"]) for r in kept(app)] == [("yamada", 1)]
    refused(import_kept(yamada, token), 400, "確認したファイルが見つかりません")
    assert import_kept(yamada, fresh).status_code == 302
    services(app).rebuilder.wait(timeout=300)


@pytest.mark.parametrize("token", ["", "x", "../../etc/passwd", "a" * 43, "トークン" * 11, "a" * 43 + "'--"])
def test_an_unknown_or_malformed_token_is_a_clear_400(app, token):
    yamada = logged_in(app)
    token_of(upload(yamada, SECOND.encode()))
    before = snapshot(app), kept(app)
    refused(import_kept(yamada, token), 400, "確認したファイルが見つかりません")
    response = yamada.post("/console/faq/import", {"action": "import"})   # no token field at all
    refused(response, 400, "確認したファイルが見つかりません")
    assert (snapshot(app), kept(app)) == before and imports_logged(app) == []


def test_each_administrator_keeps_only_the_newest_three_checked_files(app):
    yamada = logged_in(app)
    suzuki_token = token_of(upload(logged_in(app, "suzuki"), FIRST.encode()))
    tokens = [token_of(upload(yamada, SECOND.encode(), f"{n}.csv")) for n in range(1, 5)]
    assert [(r["username"], r["filename"]) for r in kept(app)] == [
        ("suzuki", "市HP_FAQ.csv"), ("yamada", "2.csv"), ("yamada", "3.csv"), ("yamada", "4.csv")]
    refused(import_kept(yamada, tokens[0]), 400, "確認したファイルが見つかりません")
    assert import_kept(yamada, tokens[1]).status_code == 302
    assert import_kept(logged_in(app, "suzuki"), suzuki_token).status_code == 302
    services(app).rebuilder.wait(timeout=300)


def test_a_failed_import_leaves_the_token_unused(app, tmp_path):
    """The token is used up in the import's own transaction: when the import fails, neither happened."""
    yamada = logged_in(app)
    token = token_of(upload(yamada, SECOND.encode()))
    before = snapshot(app), kept(app)
    store = services(app).uploads
    second = tmp_path / "second.csv"
    second.write_text(SECOND, encoding="utf-8")

    def failing(db):
        from faq.store import FaqStore
        FaqStore(db, clock_of(app)).import_entries(read_import([second]).entries, ACTOR)
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        store.import_once(token, "yamada", failing)
    assert (snapshot(app), kept(app)) == before
    assert store.load(token, "yamada").data == SECOND.encode()
    assert import_kept(yamada, token).status_code == 302
    services(app).rebuilder.wait(timeout=300)


# ------------------------------------------------------------------ city files as they come
def test_a_shift_jis_csv_from_japanese_excel(app):
    yamada = logged_in(app)
    data = SECOND.encode("cp932")
    html = page(upload(yamada, data, "FAQ一覧.csv"))
    assert "FAQ一覧.csv は Shift_JIS として読みました" in html and re.search(r'id="count-added">1件', html)
    assert check_and_import(yamada, data, "FAQ一覧.csv").status_code == 302
    assert entry(app, "q-003")[0].question == "図書館は何時までですか"
    services(app).rebuilder.wait(timeout=300)


def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "FAQ一覧"
    book.active.append(["管理番号", "質問", "回答"])
    book.active.append(["Q-001", "粗大ごみの出し方は", "電話で申し込んでください。"])
    added = book.create_sheet("追加分")
    added.append(["番号", "質問", "回答", "閲覧数"])
    added.append(["Q-010", "図書館の返却ポストはどこですか", "正面玄関の横です。", 12])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_and_its_chosen_sheet(app):
    yamada = logged_in(app)
    data = workbook()
    html = page(upload(yamada, data, "市FAQ.xlsx", sheet="追加分"))
    assert "市FAQ.xlsx のシート「追加分」を読みました" in html and "読み込まない列: 閲覧数" in html
    assert re.search(r'id="ids-added">q-010<', html)
    assert 'value="追加分"' in html  # the settings stay on the form for the import
    assert check_and_import(yamada, data, "市FAQ.xlsx", sheet="追加分").status_code == 302
    assert entry(app, "q-010")[0].answer == "正面玄関の横です。"
    services(app).rebuilder.wait(timeout=300)


def test_columns_not_to_read(app):
    yamada = logged_in(app)
    with_remarks = SECOND.replace("更新日\n", "更新日,備考\n", 1).replace("\n", ",\n").replace("更新日,備考,", "更新日,備考", 1)
    refused = upload(yamada, with_remarks.encode())
    html = page(refused)
    assert refused.status_code == 400 and "未知の列があります: 備考" in html
    problems = section(html, "import-problems")
    assert "「読まない列」に 備考 と書いて" in problems and "faqctl" not in problems and "--ignore-column" not in problems
    html = page(upload(yamada, with_remarks.encode(), ignore_columns="備考、 旧ID"))
    assert "指定により読み込まない列: 備考" in html
    assert "注意: 「読まない列」 の列がファイルにありません: 旧ID" in html
    assert re.search(r'id="count-added">1件', html)


# ------------------------------------------------------------------ bad input: a clear message, nothing changed
def _xlsx_with_a_broken_sheet() -> bytes:
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook())) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, data[:len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


BAD = {
    "no file": (None, "x.csv", {}, "ファイルを選んでください"),
    "empty file": (b"", "x.csv", {}, "ファイルが空です"),
    "only a header": (HEADER.encode(), "x.csv", {}, "FAQ が1件もありません"),
    "unknown extension": (SECOND.encode(), "faq.txt", {}, "ファイル形式を拡張子から判断できません"),
    "old .xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "faq.xls", {}, ".xls（Excel 97-2003）は読めません"),
    "not a workbook": (b"PK\x03\x04 this is no workbook", "faq.xlsx", {}, "Excel（.xlsx）ファイルとして読めません"),
    "damaged workbook": (_xlsx_with_a_broken_sheet(), "faq.xlsx", {}, "壊れていて読めません"),
    "missing sheet": (workbook(), "faq.xlsx", {"sheet": "令和8年度"}, "シート「令和8年度」がありません"),
    "sheet for a CSV": (SECOND.encode(), "x.csv", {"sheet": "追加分"}, "シート名は Excel（.xlsx）のファイルにだけ"),
    "neither UTF-8 nor Shift_JIS": (HEADER.encode() + b"Q-5,x,\xff\xfe\xfd,y,z,w\n", "x.csv", {}, "Shift_JIS としても読めない"),
    "a value under no header": ((HEADER.replace("担当課", "") + GOMI).encode(), "x.csv", {},
                                "見出しのない列に値があります（5列目（E列、見出しなし））"),
    "Shift_JIS 外字": (HEADER.encode("cp932") + GOMI.encode("cp932").replace("電話".encode("cp932"), b"\xf0\x40"),
                       "x.csv", {}, "表示できない文字（外字）があります: 1文字目"),
}


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """Where uploads may go while they are read (they must be gone afterwards)."""
    path = tmp_path / "temp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_says_why_and_changes_nothing(app, case, temp_dir):
    data, name, fields, message = BAD[case]
    yamada = logged_in(app)
    before = snapshot(app)
    refused(upload(yamada, data, name, **fields), 400, message)
    assert snapshot(app) == before and imports_logged(app) == [] and kept(app) == []   # a refused file is not kept
    assert services(app).rebuilder.status().state == "idle"
    assert list(temp_dir.iterdir()) == []


def test_every_invalid_row_is_listed_with_its_row_and_column(app):
    bad = HEADER + GOMI + "Q-004,施設,体育館の予約は,,スポーツ課,2026-11-20\n" + JUMIN_NEW + "Q-005,施設,,回答だけです。,x,2026-11-20\n"
    yamada = logged_in(app)
    before = snapshot(app)
    response = upload(yamada, bad.encode())
    html = page(response)
    assert response.status_code == 400 and snapshot(app) == before and kept(app) == []
    problems = re.findall(r'<tr class="problem"><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>', html)
    assert ("市HP_FAQ.csv", "3行目", "回答（answer）") in problems
    assert ("市HP_FAQ.csv", "5行目", "質問（question）") in problems


def test_a_file_above_the_size_limit_is_refused(app, monkeypatch):
    yamada = logged_in(app)
    before = snapshot(app)
    monkeypatch.setattr(faq_import, "MAX_UPLOAD_BYTES", 200)
    response = upload(yamada, SECOND.encode() + b"Q-6,a,b,c,d,e\n" * 20)
    assert response.status_code == 400 and "ファイルが大きすぎます" in page(response)
    # beyond the request limit: the body is not read, the form says why
    monkeypatch.setitem(console_views.UPLOAD_LIMITS, "console.faq_import.upload", 100)
    response = upload(yamada, SECOND.encode())
    assert response.status_code == 413 and "ファイルが大きすぎます" in page(response)
    assert 'id="import-form"' in page(response)
    assert snapshot(app) == before and kept(app) == []


def test_the_upload_name_keeps_only_the_file_name():
    assert faq_import.upload_name("C:\\Users\\市役所\\Desktop\\FAQ一覧.csv") == "FAQ一覧.csv"
    assert faq_import.upload_name("../../etc/passwd.csv") == "passwd.csv"
    assert faq_import.upload_name("ＦＡＱ.CSV") == "FAQ.CSV"
    assert faq_import.upload_name("") == ""
    assert faq_import.ignore_columns_from("備考, 旧ID\n更新者、備考，メモ") == ("備考", "旧ID", "更新者", "メモ")


# ------------------------------------------------------------------ the real page in a browser
def test_an_administrator_checks_and_imports_a_csv_in_the_browser(app, tmp_path):
    from browser_testkit import headless_chromium
    from line_testkit import ServerThread
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    csv_file = tmp_path / "市HP_FAQ_2026-12.csv"
    csv_file.write_text(SECOND, encoding="utf-8-sig")
    with ServerThread(app) as server, headless_chromium(tmp_path / "profile", 1280, 1000) as browser:
        browser.get(server.url + "/console/login")
        WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "username")))
        browser.find_element(By.ID, "username").send_keys("yamada")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "login").click()
        WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "who")))
        browser.get(server.url + "/console/faq")
        browser.find_element(By.ID, "faq-import-link").click()
        file_input = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "f-file")))
        file_input.send_keys(str(csv_file))
        browser.find_element(By.ID, "f-replace").click()
        before = snapshot(app)
        browser.find_element(By.ID, "import-check").click()
        preview = WebDriverWait(browser, 30).until(EC.visibility_of_element_located((By.ID, "import-preview")))
        assert snapshot(app) == before
        assert browser.find_element(By.ID, "count-added").text == "1件"
        assert browser.find_element(By.ID, "count-deactivated").text == "1件"
        assert "q-009" in browser.find_element(By.ID, "ids-deactivated").text
        assert "読み込まない列: 更新日" in preview.text
        assert browser.find_element(By.ID, "f-replace").is_selected()   # the settings checked are kept
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        browser.set_window_size(1280, 1800)   # the whole page: the result, the notes and the form
        browser.save_screenshot(str(SCREENSHOTS / "console-import-preview.png"))

        # 「取り込む」 imports the file checked: no file to choose a second time
        run_form = browser.find_element(By.ID, "import-run-form")
        assert run_form.find_elements(By.CSS_SELECTOR, "input[type=file]") == []
        assert "ファイルを選び直す必要はありません" in run_form.text
        assert "非公開にする" in browser.find_element(By.ID, "import-settings").text
        browser.find_element(By.ID, "import-run").click()
        WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: "を取り込みました" in d.find_element(By.TAG_NAME, "main").text)
        assert "追加 1件、更新 1件、変更なし 1件、非公開化 1件" in browser.find_element(By.TAG_NAME, "main").text
        assert entry(app, "q-003")[0].question == "図書館は何時までですか"
        assert not entry(app, "q-009")[0].active
        assert services(app).rebuilder.wait(timeout=300).state == "done"
