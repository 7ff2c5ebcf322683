"""Helpers for the staff console's tests: an app on a temporary database, staff accounts, a logged-in
test client that sends the CSRF token, and tickets created through bot.tickets."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from conftest import app_database

from bot.app import create_app
from bot.console.services import console_services
from bot.emulator import signed_events as wh
from bot.services import bot_services
from faq.clock import JAPAN, FixedClock

# The console's "now" in these tests (FAQBOT_CLOCK): Tuesday 24 November 2026, 15:00 in Japan, so
# that "today", "the last hour" and desk hours never depend on when the tests run.
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=JAPAN)
TODAY = NOW.date()

PASSWORD = "correct horse battery staple"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_config(tmp_path: Path, **overrides) -> dict:
    config = {"FAQBOT_DB": app_database(tmp_path / "faqbot.sqlite3"), "FAQBOT_INDEX_DIR": str(tmp_path / "index"),
              "FAQBOT_ENV": "development", "LINE_CHANNEL_SECRET": "", "LINE_CHANNEL_ACCESS_TOKEN": "",
              "FAQBOT_USER_HASH_SALT": "", "FAQBOT_EMULATOR": False, "FAQBOT_SECRET_KEY": "",
              "FAQBOT_CONSOLE_INSECURE_COOKIES": True, "FAQBOT_CLOCK": FixedClock(NOW)}
    config.update(overrides)
    return config


def make_app(tmp_path: Path, **overrides):
    return create_app(console_config(tmp_path, **overrides))


def services(app):
    return console_services(app)


def clock_of(app) -> FixedClock:
    return bot_services(app).clock


def add_staff(app, username: str = "yamada", *, admin: bool = False, display_name: str = "",
              password: str = PASSWORD):
    return services(app).staff.add(username, password, display_name=display_name or username, is_admin=admin)


def add_team(app) -> None:
    """Two administrators (yamada, suzuki) and one member of staff (sato)."""
    add_staff(app, "yamada", admin=True)
    add_staff(app, "suzuki", admin=True)
    add_staff(app, "sato")


def rebuild_with(app, embedder, cache_path) -> None:
    """The console's index rebuilds with the real model and the session's shared embedding cache."""
    from bot.console.rebuild import IndexRebuilder
    from index.cache import EmbeddingCache
    services(app).rebuilder = IndexRebuilder(bot_services(app).settings, app.config["FAQBOT_DB"],
                                             app.config["FAQBOT_INDEX_DIR"], lambda: embedder,
                                             lambda: EmbeddingCache(cache_path))


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


class Console:
    """A Flask test client that logs in through the form and posts with the session's CSRF token."""

    def __init__(self, app, client=None):
        self.app = app
        self.client = client or app.test_client()
        self.token: str | None = None

    def login(self, username: str = "yamada", password: str = PASSWORD, **extra):
        page = self.client.get("/console/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/console/login", data={"csrf_token": token, "username": username,
                                                            "password": password, **extra})
        if response.status_code == 302:
            self.token = csrf_from(self.client.get("/console/tickets").get_data(as_text=True))
        return response

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, *, csrf: bool | str = True, **kw):
        data = dict(data or {})
        if csrf is True:
            data["csrf_token"] = self.token
        elif isinstance(csrf, str):
            data["csrf_token"] = csrf
        return self.client.post(path, data=data, **kw)


def open_ticket(app, text: str = "住民票の写しについて相談したいです", *, disaster: bool = False,
                user_id: str | None = None, created_at: str | None = None):
    """A waiting ticket with one resident message, through bot.tickets (as the webhook would)."""
    from bot.desk.tickets import RESIDENT, NewMessage
    store = bot_services(app).tickets
    user_id = user_id or wh.new_user_id()
    ticket, created = store.open_ticket(user_hash="h-" + user_id, line_user_id=user_id, trigger="keyword",
                                        category=None, disaster=disaster,
                                        history=[NewMessage(RESIDENT, text, created_at)])
    assert created
    if created_at:
        store.db.conn().execute("UPDATE bot_tickets SET created_at = ? WHERE id = ?", [created_at, ticket.id])
    return store.get(ticket.id), user_id


def insert_exchange(db_path, created_at: str, *, kind: str = "text", decision: str = "fallback",
                    query: str | None = None, feedback: str | None = None, faq_id: str | None = None,
                    reason: str | None = None, parent_id: int | None = None, user_hash: str = "h-test") -> int:
    """One row of bot_exchanges with a chosen time (the bot itself always stamps 'now')."""
    from line_testkit import execute
    return execute(db_path,
                   "INSERT INTO bot_exchanges (created_at, user_hash, source_type, kind, query, decision, reason, "
                   "faq_id, feedback, parent_id) VALUES (?, ?, 'user', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   [created_at, user_hash, kind, query, decision, reason, faq_id, feedback, parent_id])[0][0]


def jst_time(day, hour: int = 12, minute: int = 0) -> str:
    """The stored (UTC ISO) form of a Japan-time moment."""
    from datetime import time

    from faq.clock import to_iso
    return to_iso(datetime.combine(day, time(hour, minute), JAPAN))
