"""A bot (Flask app on a loopback port) and the Messaging API stub (another loopback port) for the
desk / disaster / push tests, with an injectable clock (a FixedClock) and a record of every request's
``X-Line-Retry-Key`` header as the stub received it."""
from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import app_database, seed_database
from line_testkit import SPEC_DIR, ServerThread, WebhookClient, rows
from linebot.v3.webhooks import UserSource

from bot.app import create_app
from bot.emulator import signed_events as wh
from bot.emulator.stub import StubState, create_stub_app, get_stub_state
from bot.services import bot_services
from faq.clock import JAPAN, FixedClock

SECRET = "desk-channel-secret-" + uuid.uuid4().hex
TOKEN = "desk-access-token"
READ_TIMEOUT = 1.0  # the stub's "timeout" fault sleeps this + 1 s


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=JAPAN)


# Tuesday 24 November 2026, 10:00 in Tokyo: the desk is open.
OPEN_TIME = tokyo(2026, 11, 24, 10, 0)


class RetryKeyLog:
    """WSGI middleware in front of the stub: (path, X-Line-Retry-Key) of every request."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.seen.append((environ.get("PATH_INFO", ""), environ.get("HTTP_X_LINE_RETRY_KEY")))
        return self.app(environ, start_response)

    def keys(self, path: str) -> list[str | None]:
        with self._lock:
            return [key for p, key in self.seen if p == path]


@dataclass
class Rig:
    url: str
    app: Any
    db: Path
    client: WebhookClient
    stub: StubState
    stub_url: str
    clock: FixedClock          # the product's clock (FAQBOT_CLOCK); tests move it
    retry_keys: RetryKeyLog
    users: list[str] = field(default_factory=list)

    @property
    def desk(self):
        return bot_services(self.app).desk

    @property
    def disaster(self):
        return bot_services(self.app).disaster

    @property
    def tickets(self):
        return bot_services(self.app).tickets

    # -- talking as a resident --------------------------------------------------
    # Each event moves the clock on by a second, as a real conversation takes time (records of
    # one conversation never share a timestamp).
    def say(self, user: str, text: str) -> tuple[dict, list[dict]]:
        self.clock.advance(seconds=1)
        seq = self.stub.last_seq
        event = wh.text_event(wh.user_source(user), text)
        response = self.client.send(event)
        assert response.status_code == 200, response.text
        return event, self.client.replies_after(seq, to=user)

    def tap(self, user: str, data: str) -> tuple[dict, list[dict]]:
        self.clock.advance(seconds=1)
        seq = self.stub.last_seq
        event = wh.postback_event(wh.user_source(user), data)
        response = self.client.send(event)
        assert response.status_code == 200, response.text
        return event, self.client.replies_after(seq, to=user)

    def send_event(self, user: str, event: dict) -> list[dict]:
        self.clock.advance(seconds=1)
        seq = self.stub.last_seq
        assert self.client.send(event).status_code == 200
        return self.client.replies_after(seq, to=user)

    def pushed_to(self, user: str, after: int = 0) -> list[dict]:
        return [m for m in self.stub.messages(to=user, after=after) if m["kind"] == "push"]

    def tickets_of(self, user: str) -> list[dict]:
        """The resident's tickets, by pseudonym (a closed ticket no longer keeps the raw LINE id)."""
        key = bot_services(self.app).conversation.hasher.chat_key(UserSource(type="user", user_id=user)).key
        return rows(self.db, "SELECT * FROM bot_tickets WHERE user_hash = ? ORDER BY id", (key,))

    def ticket_texts(self, ticket_id: int) -> list[tuple[str, str]]:
        return [(m.sender, m.text) for m in self.tickets.messages(ticket_id)]


@contextlib.contextmanager
def spec_clean_turn(rig, at: datetime = OPEN_TIME):
    """One test's turn on a shared rig: the clock at ``at`` (the desk open by default), and no request the
    bot sends during it refused by the stub's OpenAPI check."""
    rig.clock.moment = at
    before = len(rig.stub.rejected())
    yield
    assert rig.stub.rejected()[before:] == []


@contextlib.contextmanager
def running_bot(tmp: Path, seed_entries, searcher, **config):
    db = tmp / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    stub_app = create_stub_app(SPEC_DIR, client_timeout=READ_TIMEOUT)
    retry_keys = RetryKeyLog(stub_app.wsgi_app)
    stub_app.wsgi_app = retry_keys
    clock = FixedClock(OPEN_TIME)
    with ServerThread(stub_app) as stub_server:
        settings = {"FAQBOT_DB": app_database(db), "FAQBOT_INDEX_DIR": str(tmp / "index"), "FAQBOT_ENV": "development",
                    "FAQBOT_USER_HASH_SALT": "", "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
                    "LINE_API_ENDPOINT": stub_server.url, "FAQBOT_CLOCK": clock, "LINE_READ_TIMEOUT": READ_TIMEOUT,
                    **config}
        app = create_app(settings)
        bot_services(app).searcher = searcher  # the session's seed index
        state = get_stub_state(stub_app)
        with ServerThread(app) as bot_server:
            yield Rig(bot_server.url, app, db, WebhookClient(bot_server.url, SECRET, state), state,
                      stub_server.url, clock, retry_keys)
