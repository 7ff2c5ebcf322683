"""The dashboard on a small known dataset (Japan-time days), its SVG charts, and the disaster mode form."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from console_testkit import (
    NOW,
    TODAY,
    Console,
    add_staff,
    insert_exchange,
    jst_time,
    make_app,
    services,
)
from line_testkit import execute, rows

from bot.console.reports import build_dashboard
from bot.services import bot_services
from faq.model import FaqEntry
from faq.store import FaqStore


def insert_ticket(db, created_at: str, first_response_at: str | None, user_hash: str) -> None:
    execute(db, "INSERT INTO bot_tickets (created_at, updated_at, first_response_at, status, user_hash, trigger) "
                "VALUES (?, ?, ?, 'closed', ?, 'keyword')", [created_at, created_at, first_response_at, user_hash])


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    add_staff(app, "yamada", admin=True, display_name="山田 花子")
    db = app.config["FAQBOT_DB"]
    store = FaqStore.open(db)
    store.add(FaqEntry(id="faq-a", question="質問A？", answer="回答A"), actor="t")
    store.add(FaqEntry(id="faq-b", question="質問B？", answer="回答B"), actor="t")
    store.close()
    today = TODAY
    d2, d1 = today - timedelta(days=2), today - timedelta(days=1)
    # two days ago: 4 questions (2 answered, 1 suggest, 1 fallback), a menu tap, a tapped suggestion
    insert_exchange(db, jst_time(d2, 9), decision="answer", faq_id="faq-a", query="a1", feedback="resolved")
    insert_exchange(db, jst_time(d2, 9, 5), decision="answer", faq_id="faq-a", query="a2", feedback="unresolved")
    insert_exchange(db, jst_time(d2, 10), decision="suggest", faq_id="faq-b", query="s")
    insert_exchange(db, jst_time(d2, 11), decision="fallback", query="f")
    insert_exchange(db, jst_time(d2, 11, 1), kind="menu", decision="menu", query="メニュー")
    insert_exchange(db, jst_time(d2, 12), kind="pick", decision="answer", faq_id="faq-a", feedback="resolved")
    # yesterday 23:30 in Japan (14:30 UTC): 1 answered and resolved
    insert_exchange(db, jst_time(d1, 23, 30), decision="answer", faq_id="faq-b", query="b", feedback="resolved")
    # today just after midnight in Japan (15:30 UTC yesterday): a fallback
    insert_exchange(db, jst_time(today, 0, 30), decision="fallback", query="late")
    # handoffs yesterday: answered after 10 and 30 minutes, and one never answered
    insert_ticket(db, jst_time(d1, 10), jst_time(d1, 10, 10), "u1")
    insert_ticket(db, jst_time(d1, 11), jst_time(d1, 11, 30), "u2")
    insert_ticket(db, jst_time(d1, 12), None, "u3")
    # outside the 14 days
    insert_exchange(db, jst_time(today - timedelta(days=14)), decision="answer", faq_id="faq-b", query="old")
    return app


@pytest.fixture
def console(app):
    c = Console(app)
    c.login()
    return c


def test_dashboard_numbers_per_japan_day(app):
    with app.app_context():
        board = build_dashboard(bot_services(app).database.conn(), TODAY, 14,
                                {"faq-a": "質問A？", "faq-b": "質問B？"})
    assert len(board.days) == 14 and board.days[-1].day == TODAY
    d2, d1, d0 = board.days[-3:]
    assert (d2.questions, d2.answered, d2.suggested, d2.fallback) == (4, 2, 1, 1)
    assert (d2.answer_rate, d2.suggest_rate, d2.fallback_rate) == (0.5, 0.25, 0.25)
    assert (d2.resolved, d2.unresolved) == (2, 1) and d2.resolution_rate == pytest.approx(2 / 3)
    assert (d1.questions, d1.answer_rate, d1.resolution_rate) == (1, 1.0, 1.0)
    assert (d1.handoffs, d1.responded, d1.wait_median, d1.wait_max) == (3, 2, 20.0, 30.0)
    assert (d0.questions, d0.fallback_rate, d0.resolution_rate, d0.handoffs) == (1, 1.0, None, 0)
    assert sum(d.questions for d in board.days[:-3]) == 0
    total = board.total
    assert (total.questions, total.answered, total.resolved, total.unresolved, total.handoffs) == (6, 3, 3, 1, 3)
    assert total.wait_median == 20.0
    assert [(t.faq_id, t.question, t.count) for t in board.top_faqs] == [("faq-a", "質問A？", 3), ("faq-b", "質問B？", 1)]


def test_dashboard_page_shows_charts_and_the_table(console):
    html = console.get("/console/dashboard").get_data(as_text=True)
    assert 'id="total-questions">6<' in html and 'id="total-answer-rate">50%<' in html
    assert 'id="total-resolution">75%<' in html and 'id="total-handoffs">3<' in html
    assert 'id="total-wait">20分<' in html
    d2 = (TODAY - timedelta(days=2)).isoformat()
    row = re.search(rf'<tr data-day="{d2}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:6] == ["4", "50%", "25%", "25%", "67%", "3"]
    assert html.count('<svg class="chart"') == 3
    assert html.count("<rect ") >= 5 and "<polyline" in html
    assert re.findall(r'<li><a href="/console/faq/entries/([a-z-]+)">', html) == ["faq-a", "faq-b"]
    month = console.get("/console/dashboard?days=30").get_data(as_text=True)
    assert month.count("<tr data-day=") == 30
    assert console.get("/console/dashboard?days=999").get_data(as_text=True).count("<tr data-day=") == 14


# ------------------------------------------------------------------ disaster mode
def test_disaster_mode_on_shows_on_every_page_and_off_again(app, console):
    db = app.config["FAQBOT_DB"]
    assert "災害モード中" not in console.get("/console/tickets").get_data(as_text=True)
    response = console.post("/console/disaster", {"action": "on", "name": "令和8年台風10号", "desk_24h": "1"})
    assert response.status_code == 302
    mode = bot_services(app).disaster.current()
    assert (mode.active, mode.name, mode.desk_24h, mode.changed_by) == (True, "令和8年台風10号", True, "yamada")
    for path in ("/console/tickets", "/console/dashboard", "/console/faq", "/console/unanswered"):
        page = console.get(path).get_data(as_text=True)
        assert 'id="disaster-banner"' in page and "災害モード中：令和8年台風10号" in page and "24時間" in page
    refused = console.post("/console/disaster", {"action": "off"})
    assert refused.status_code == 400 and "チェックを入れてください" in refused.get_data(as_text=True)
    assert bot_services(app).disaster.current().active
    console.post("/console/disaster", {"action": "off", "confirm": "yes"})
    assert not bot_services(app).disaster.current().active
    assert 'id="disaster-banner"' not in console.get("/console/tickets").get_data(as_text=True)
    assert [r["action"] for r in rows(db, "SELECT action FROM console_access_log WHERE action LIKE 'disaster%'")] == \
        ["disaster_on", "disaster_off"]
    history = console.get("/console/disaster").get_data(as_text=True)
    assert "yamada：開始・変更（令和8年台風10号、24時間）" in history and "yamada：終了" in history


def test_disaster_mode_needs_a_name_and_changes_nothing_without_one(app, console):
    response = console.post("/console/disaster", {"action": "on", "name": "  "})
    assert response.status_code == 400 and "災害名を指定してください" in response.get_data(as_text=True)
    assert not bot_services(app).disaster.current().active
    too_long = console.post("/console/disaster", {"action": "on", "name": "あ" * 41})
    assert too_long.status_code == 400 and "40文字以内" in too_long.get_data(as_text=True)
    assert console.post("/console/disaster", {"action": "explode"}).status_code == 400
    assert not bot_services(app).disaster.current().active
    assert services(app).access_log.recent() and all(
        e.action == "login" for e in services(app).access_log.recent())


def test_every_page_warns_when_the_bot_answers_from_lexical_search_only(tmp_path, seed_index):
    from console_testkit import Console, add_staff, make_app
    broken = make_app(tmp_path / "a")  # no index built: the bot falls back to lexical search
    add_staff(broken)
    staff = Console(broken)
    staff.login()
    for page in ("/console/tickets", "/console/dashboard", "/console/faq"):
        html = staff.get(page).get_data(as_text=True)
        assert 'id="degraded-banner"' in html and "簡易モード" in html and "build-index" in html, page
    healthy = make_app(tmp_path / "b", FAQBOT_INDEX_DIR=str(seed_index))
    add_staff(healthy)
    staff = Console(healthy)
    staff.login()
    assert 'id="degraded-banner"' not in staff.get("/console/tickets").get_data(as_text=True)
    # degraded answers given by any worker in the last hour are counted from the shared database
    from console_testkit import insert_exchange

    from faq.clock import to_iso
    x = insert_exchange(healthy.config["FAQBOT_DB"], to_iso(NOW), decision="answer")
    execute(healthy.config["FAQBOT_DB"], "UPDATE bot_exchanges SET degraded = 1 WHERE id = ?", [x])
    html = staff.get("/console/tickets").get_data(as_text=True)
    assert 'id="degraded-banner"' in html and "1 件" in html
