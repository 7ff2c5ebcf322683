"""Headless Chromium for the browser tests (Debian's chromium + chromium-driver, Selenium)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def headless_chromium(profile: Path, width: int, height: int, *, phone: bool = False):
    """A Japanese-locale headless browser; `phone` emulates a phone's viewport (a headless window
    cannot be narrower than 500 px)."""
    assert Path(CHROMEDRIVER).is_file() and Path(CHROMIUM).is_file(), \
        "install Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                "--lang=ja-JP"):
        options.add_argument(arg)
    if phone:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height,
                                                                               "pixelRatio": 2}})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
