"""The local LINE chat emulator in headless Chromium (Debian's chromium + chromium-driver, Selenium).

A person's path through the page on a phone-sized viewport (390×844): add the
bot as a friend, ask a question, get the FAQ answer, tap 「解決した」 (stored),
tap a 「もしかして」 candidate. Screenshots are saved under the test's /tmp dir.
Selenium never downloads anything: the driver path is given explicitly.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browser_testkit import headless_chromium
from conftest import seed_database
from line_testkit import ServerThread, free_port, rows
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from bot.app import create_app
from bot.emulator.chat import emulator_config
from bot.emulator.stub import get_stub_state
from bot.services import bot_services
from faq.store import FaqStore
from faq.text import japanese_punctuation as shown  # how FAQ text looks in LINE

WIDTH, HEIGHT = 390, 844
RISAI_ID = "disaster-risai-shomeisho"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, seed_entries, searcher):
    tmp = tmp_path_factory.mktemp("emulator-browser")
    db = tmp / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    port = free_port()
    config = {"FAQBOT_DB": str(db), "FAQBOT_INDEX_DIR": str(tmp / "index"), "FAQBOT_ENV": "development",
              "FAQBOT_USER_HASH_SALT": "", **emulator_config("127.0.0.1", port, environ={})}
    app = create_app(config)
    bot_services(app).searcher = searcher  # the session's seed index
    with ServerThread(app, port) as server:
        yield server.url, app, db


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), WIDTH, HEIGHT, phone=True) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def bot_bubbles(driver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".row.bot .bubble")]


def wait_for_bot_text(driver, fragment: str, timeout: float = 30) -> str:
    def found(d):
        matches = [t for t in bot_bubbles(d) if fragment in t]
        return matches[-1] if matches else False
    return WebDriverWait(driver, timeout).until(found)


def quick_buttons(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#quick button")


def wait_for_quick(driver, label: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(
        lambda d: next((b for b in quick_buttons(d) if b.text == label), False))


def ask(driver, text: str) -> None:
    box = driver.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def test_a_resident_asks_gets_the_answer_and_gives_feedback(emulator, browser, shots):
    url, app, db = emulator
    state = get_stub_state(app)
    rejected_before = len(state.rejected())
    browser.get(url + "/")
    banner = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "banner")))
    assert "ローカルテスト環境" in banner.text
    assert browser.execute_script("return window.innerWidth") == WIDTH

    browser.find_element(By.ID, "follow").click()
    wait_for_bot_text(browser, "友だち追加ありがとうございます")
    wait_for_quick(browser, "職員に相談")
    assert [b.text for b in quick_buttons(browser)] == ["オンライン手続き", "キャッシュレス決済", "災害の支援制度", "職員に相談", "Language / 言語"]
    browser.save_screenshot(str(shots / "1-greeting.png"))

    entry = FaqStore.open(db).get(RISAI_ID)
    ask(browser, "罹災証明書はどうやって申請しますか？")
    answer = wait_for_bot_text(browser, shown(entry.answer)[:40])
    assert shown(entry.answer) in answer
    resolved = wait_for_quick(browser, "解決した")
    browser.save_screenshot(str(shots / "2-answer.png"))

    # nothing overflows sideways on a phone, and the text is large
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    size = browser.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('.row.bot .bubble')).fontSize)")
    assert size >= 18

    resolved.click()
    wait_for_bot_text(browser, "お役に立ててよかった")
    user_lines = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".row.user .bubble")]
    assert user_lines[-1] == "解決した"  # the postback's displayText, as LINE shows it
    answered = rows(db, "SELECT feedback FROM bot_exchanges WHERE faq_id = ? AND decision = 'answer' "
                        "AND kind = 'text'", (RISAI_ID,))
    assert answered == [{"feedback": "resolved"}]
    browser.save_screenshot(str(shots / "3-feedback.png"))
    assert state.rejected()[rejected_before:] == []


def test_a_resident_picks_a_suggestion(emulator, browser, shots):
    url, app, db = emulator
    ask(browser, "電子申請")
    wait_for_bot_text(browser, "次のどれですか")
    first = WebDriverWait(browser, 30).until(
        lambda d: next((b for b in quick_buttons(d) if b.text.startswith("1. ")), False))
    assert len(first.text) <= 20
    browser.save_screenshot(str(shots / "4-suggestions.png"))
    first.click()
    wait_for_bot_text(browser, "Q. 電子申請")
    [picked] = rows(db, "SELECT faq_id FROM bot_exchanges WHERE kind = 'pick'")
    entry = FaqStore.open(db).get(picked["faq_id"])
    assert shown(entry.answer) in wait_for_bot_text(browser, shown(entry.answer)[:40])
    browser.save_screenshot(str(shots / "5-picked.png"))
    if os.environ.get("FAQBOT_SCREENSHOT_DIR"):  # for a person to look at
        for png in shots.glob("*.png"):
            shutil.copy(png, Path(os.environ["FAQBOT_SCREENSHOT_DIR"]) / png.name)


def test_menu_by_enter_key_and_a_topic_list(emulator, browser, shots):
    from selenium.webdriver.common.keys import Keys
    box = browser.find_element(By.ID, "input")
    box.send_keys("メニュー" + Keys.ENTER)  # Enter sends (Shift+Enter would be a new line)
    wait_for_bot_text(browser, "分野を選ぶこともできます")
    wait_for_quick(browser, "災害の支援制度").click()
    wait_for_bot_text(browser, "「災害の支援制度」のよくある質問です")
    buttons = WebDriverWait(browser, 30).until(lambda d: len(quick_buttons(d)) == 13 and quick_buttons(d))
    assert buttons[-1].text == "メニュー" and all(len(b.text) <= 20 for b in buttons)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    browser.save_screenshot(str(shots / "6-topic.png"))
    if os.environ.get("FAQBOT_SCREENSHOT_DIR"):
        shutil.copy(shots / "6-topic.png", Path(os.environ["FAQBOT_SCREENSHOT_DIR"]) / "6-topic.png")


def test_the_rich_menu_is_shown_and_a_tap_goes_through_the_signed_webhook(emulator, browser, shots):
    url, app, db = emulator
    state = get_stub_state(app)
    assert state.richmenus.default is not None  # published to the stub when the emulator was mounted
    browser.get(url + "/")
    panel = WebDriverWait(browser, 15).until(EC.visibility_of_element_located((By.ID, "richmenu")))
    areas = WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#richmenu .richmenu-area") or False)
    assert [a.get_attribute("aria-label") for a in areas] == [
        "使い方", "分野から探す", "職員に相談", "災害の支援制度", "オンライン手続き", "言語"]
    image = panel.find_element(By.TAG_NAME, "img")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) == 2500)
    browser.find_element(By.ID, "reset").click()
    areas[5].click()  # 「言語」: the language list comes back as quick replies
    wait_for_bot_text(browser, "Choose your language.")
    wait_for_quick(browser, "English").click()
    wait_for_bot_text(browser, "I will answer in English.")
    browser.save_screenshot(str(shots / "richmenu-language.png"))
    taps = rows(db, "SELECT kind, reason FROM bot_exchanges WHERE kind = 'language' ORDER BY id")
    assert [t["reason"] for t in taps][-2:] == ["menu", "en"]


def test_a_resident_sends_a_location_and_gets_the_nearest_open_shelter(emulator, browser, shots):
    from bot.disaster.shelters.csv_import import read_file
    url, app, db = emulator
    store = bot_services(app).support.shelter_store
    store.replace_all(read_file(Path(__file__).resolve().parent / "data" / "shelters_sample.csv"), "test")
    store.set_status(["999991-002", "999991-003"], "open", "test")
    ask(browser, "近くの避難所は？")
    wait_for_bot_text(browser, "位置情報を送る")
    wait_for_quick(browser, "位置情報を送る").click()
    panel = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "location-panel")))
    for field, value in (("latitude", "34.6012"), ("longitude", "135.4012")):
        box = browser.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    browser.find_element(By.ID, "send-location").click()
    reply = wait_for_bot_text(browser, "開設中の避難所")
    assert reply.index("1. みなと町民体育館") < reply.index("2. みなと町立中学校")
    assert "みなと町公民館" not in reply            # closed, though the nearest
    assert not panel.is_displayed()
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    browser.save_screenshot(str(shots / "7-shelter.png"))
    assert rows(db, "SELECT kind, decision FROM bot_exchanges WHERE kind = 'shelter' ORDER BY id DESC LIMIT 1") == \
        [{"kind": "shelter", "decision": "nearest"}]
