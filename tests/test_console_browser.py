"""The staff console in headless Chromium (Debian's chromium + chromium-driver, Selenium) over real HTTP.

A resident sends 「人と話したい」 as a signed webhook to the real /callback; the Messaging API stub runs on
another loopback port. A staff member logs in (after one wrong password), sees the waiting ticket in the
queue, opens it, replies, and the stub receives the push to that resident. Screenshots go to a tmp dir
(copied to $FAQBOT_SCREENSHOT_DIR when set).
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from browser_testkit import headless_chromium
from conftest import seed_database
from console_testkit import PASSWORD, add_staff, make_app
from line_testkit import SPEC_DIR, ServerThread, WebhookClient, rows
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from bot.emulator import signed_events as wh
from bot.emulator.stub import create_stub_app, get_stub_state
from bot.services import bot_services

SECRET = "console-browser-secret-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server.url, get_stub_state(app)


@pytest.fixture(scope="module")
def site(tmp_path_factory, seed_entries, searcher, stub):
    tmp = tmp_path_factory.mktemp("console-browser")
    app = make_app(tmp, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN="console-browser-token",
                   LINE_API_ENDPOINT=stub[0])
    seed_database(app.config["FAQBOT_DB"], seed_entries, actor="seed")
    bot_services(app).searcher = searcher
    add_staff(app, "yamada", admin=True, display_name="山田 花子")
    with ServerThread(app) as server:
        yield server.url, app


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), 1280, 900) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("console-screenshots")


def save(driver, shots: Path, name: str) -> None:
    driver.save_screenshot(str(shots / name))
    if os.environ.get("FAQBOT_SCREENSHOT_DIR"):
        shutil.copy(shots / name, Path(os.environ["FAQBOT_SCREENSHOT_DIR"]) / name)


def log_in(driver, url: str, password: str) -> None:
    driver.get(url + "/console/login")
    WebDriverWait(driver, 10).until(EC.visibility_of_element_located((By.ID, "username")))
    driver.find_element(By.ID, "username").send_keys("yamada")
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_wrong_password_shows_the_error(site, browser, shots):
    url, _ = site
    browser.delete_all_cookies()
    log_in(browser, url, "not the password 1")
    error = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "login-error")))
    assert "ユーザー名またはパスワードが違います" in error.text
    assert browser.current_url.endswith("/console/login")
    save(browser, shots, "console-1-login-error.png")


def test_staff_answers_a_resident_who_asked_for_a_person(site, browser, stub, shots):
    url, app = site
    state = stub[1]
    user = wh.new_user_id()
    client = WebhookClient(url, SECRET, state)
    response = client.send(wh.text_event(wh.user_source(user), "人と話したい"))
    assert response.status_code == 200
    [ticket] = rows(app.config["FAQBOT_DB"], "SELECT id, status FROM bot_tickets")
    assert ticket["status"] == "waiting"
    pushes_before = [m for m in state.messages(to=user) if m["kind"] == "push"]

    browser.delete_all_cookies()
    log_in(browser, url, PASSWORD)
    WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "queue")))
    assert "山田 花子" in browser.find_element(By.ID, "who").text
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-ticket="{ticket["id"]}"]')
    assert "対応待ち" in row.text
    assert browser.find_element(By.ID, "count-waiting").text == "1"
    assert no_sideways_scroll(browser)
    save(browser, shots, "console-2-queue.png")

    row.find_element(By.LINK_TEXT, f"#{ticket['id']}").click()
    box = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "reply-text")))
    assert "人と話したい" in browser.find_element(By.ID, "conversation").text
    reply = "担当の山田です。どのようなご用件でしょうか。"
    box.send_keys(reply)
    browser.find_element(By.ID, "send-reply").click()
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "返信を送信しました" in d.find_element(By.TAG_NAME, "main").text)
    assert "送信済み" in browser.find_element(By.ID, "conversation").text
    assert browser.find_element(By.ID, "ticket-status").text == "対応中"
    save(browser, shots, "console-3-replied.png")

    pushes = [m for m in state.messages(to=user) if m["kind"] == "push"]
    assert len(pushes) == len(pushes_before) + 1 and reply in pushes[-1]["message"]["text"]
    assert state.rejected() == []
    actions = [r["action"] for r in rows(app.config["FAQBOT_DB"], "SELECT action FROM console_access_log "
                                                                   "WHERE ticket_id = ? ORDER BY id", (ticket["id"],))]
    assert actions == ["ticket_view", "ticket_reply", "ticket_view"]

    # a tablet-sized window: still no sideways scrolling
    browser.set_window_size(820, 1180)
    try:
        browser.refresh()
        WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "reply-text")))
        assert no_sideways_scroll(browser)
        save(browser, shots, "console-4-tablet.png")
    finally:
        browser.set_window_size(1280, 900)


def test_dashboard_and_unanswered_render_in_the_browser(site, browser, shots):
    url, _ = site
    browser.get_log("browser")  # drain: the earlier wrong password was a (wanted) 401
    browser.get(url + "/console/dashboard")
    charts = WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
    assert len(charts) == 3 and all(c.size["width"] > 600 for c in charts)
    assert no_sideways_scroll(browser)
    save(browser, shots, "console-5-dashboard.png")
    browser.get(url + "/console/unanswered")
    WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "unanswered-summary")))
    assert no_sideways_scroll(browser)
    logs = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert logs == []  # no CSP violations or script errors
