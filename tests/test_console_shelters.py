"""The console's shelter page (open / full / closed, with history) and the navigator figures on the dashboard."""
from __future__ import annotations

from pathlib import Path

import pytest
from console_testkit import (
    TODAY,
    Console,
    add_staff,
    insert_exchange,
    jst_time,
    make_app,
)
from line_testkit import rows

from bot.disaster.shelters.csv_import import read_file
from bot.services import bot_services

SAMPLE = Path(__file__).resolve().parent / "data" / "shelters_sample.csv"


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    add_staff(app, "yamada")
    return app


@pytest.fixture
def console(app):
    console = Console(app)
    assert console.login().status_code == 302
    return console


def statuses(app):
    return {r["id"]: r["status"] for r in rows(app.config["FAQBOT_DB"], "SELECT id, status FROM disaster_shelters")}


def test_without_shelters_the_page_says_how_to_import(console):
    page = console.get("/console/shelters").get_data(as_text=True)
    assert 'id="no-shelters"' in page and "shelters.py import" in page


def test_staff_open_mark_full_and_close_shelters_with_history(app, console):
    bot_services(app).support.shelter_store.replace_all(read_file(SAMPLE), "import-test", "sample.csv")
    page = console.get("/console/shelters").get_data(as_text=True)
    assert "みなと町立第一小学校" in page and "閉鎖（未開設） <strong>5</strong>件" in page

    response = console.post("/console/shelters", {"status": "open", "id": ["999991-001", "999991-003"]})
    assert response.status_code == 302
    console.post("/console/shelters", {"status": "full", "id": ["999991-003"]})
    assert statuses(app)["999991-001"] == "open" and statuses(app)["999991-003"] == "full"
    page = console.get("/console/shelters").get_data(as_text=True)
    assert "みなと町立中学校 を「満員」" in page and "yamada" in page and "一覧の取り込み" in page
    log = rows(app.config["FAQBOT_DB"], "SELECT action, target FROM console_access_log WHERE action LIKE 'shelter_%'")
    assert log == [{"action": "shelter_open", "target": "999991-001,999991-003"},
                   {"action": "shelter_full", "target": "999991-003"}]

    assert console.post("/console/shelters", {"status": "closed", "all": "yes"}).status_code == 302
    assert set(statuses(app).values()) == {"closed"}


@pytest.mark.parametrize("data, message", [
    ({"status": "open"}, "避難所を選ぶか"),
    ({"status": "opened", "id": ["999991-001"]}, "操作を選んでください"),
    ({"status": "open", "id": ["999991-001", "no-such"]}, "避難所IDがありません"),
])
def test_bad_requests_change_nothing(app, console, data, message):
    bot_services(app).support.shelter_store.replace_all(read_file(SAMPLE), "import-test")
    response = console.post("/console/shelters", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert set(statuses(app).values()) == {"closed"}


def test_a_post_without_the_csrf_token_is_refused(app, console):
    bot_services(app).support.shelter_store.replace_all(read_file(SAMPLE), "import-test")
    assert console.post("/console/shelters", {"status": "open", "all": "yes"}, csrf=False).status_code == 400
    assert set(statuses(app).values()) == {"closed"}


def test_the_dashboard_counts_navigator_households_and_where_they_stopped(app, console):
    db, at = app.config["FAQBOT_DB"], jst_time(TODAY)
    for step in ("damage", "housing", "household", "casualty", "income", "business", "result"):
        insert_exchange(db, at, kind="navigator", decision=step, user_hash="h-done")
    for step in ("damage", "housing"):
        insert_exchange(db, at, kind="navigator", decision=step, user_hash="h-left")
    insert_exchange(db, at, kind="text", decision="answer", user_hash="h-left")   # left with a question
    insert_exchange(db, at, kind="navigator", decision="damage", user_hash="h-first")
    insert_exchange(db, at, kind="shelter", decision="nearest", reason="location", user_hash="h-first")
    page = console.get("/console/dashboard").get_data(as_text=True)
    assert 'id="navigator-households">3<' in page and 'id="navigator-completed">1<' in page
    assert 'id="shelter-lookups">1<' in page
    assert '<th scope="row">被害の程度</th><td>1</td>' in page
    assert '<th scope="row">住まいの再建方法</th><td>1</td>' in page
    assert '<th scope="row">世帯の人数</th><td>0</td>' in page
    assert page.count('<svg class="chart"') == 4
