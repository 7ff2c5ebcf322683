"""Helpers for the bot's tests: loopback servers, signed webhook posts, reading the bot's tables.

Every webhook body sent through :class:`WebhookClient` is validated against the
official webhook.yml first (unless the test sends a deliberately broken body,
in which case it asserts the validator does flag it).
"""
from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from bot.emulator import signed_events as wh
from bot.emulator.openapi import (
    default_spec_dir,
    load_messaging_spec,
    load_webhook_spec,
    validate_messaging_request,
    validate_webhook_body,
)
from bot.emulator.stub import StubState
from faq.db import open_db, table_names

SPEC_DIR = default_spec_dir()
REPLY_PATH = "/v2/bot/message/reply"


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """A WSGI app on a loopback port in a daemon thread (werkzeug, threaded)."""

    def __init__(self, app, port: int = 0):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ServerThread":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self._thread.join(timeout=5)


def webhook_issues(body: dict) -> list[str]:
    return validate_webhook_body(load_webhook_spec(SPEC_DIR), body)


def reply_issues(messages: list[dict]) -> list[str]:
    body = {"replyToken": "r", "messages": messages}
    return validate_messaging_request(load_messaging_spec(SPEC_DIR), "POST", REPLY_PATH, body)


class WebhookClient:
    """Sends signed webhook bodies to a bot and reads the replies the stub recorded."""

    def __init__(self, base_url: str, secret: str, stub: StubState):
        self.base_url = base_url
        self.secret = secret
        self.stub = stub

    def post_raw(self, body: bytes, signature: str | None = "sign", **headers) -> requests.Response:
        if signature == "sign":
            signature = wh.sign(body, self.secret)
        if signature is not None:
            headers["X-Line-Signature"] = signature
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return requests.post(f"{self.base_url}/callback", data=body, headers=headers, timeout=60)

    def send(self, *events: dict, recipient: str | None = None, validate: bool = True,
             destination: str = wh.EMULATOR_BOT_USER_ID) -> requests.Response:
        """POST the events as one signed body; the stub attributes replies to ``recipient``."""
        body = wh.callback_body(list(events), destination)
        if validate:
            assert webhook_issues(body) == [], webhook_issues(body)
        for event in events:
            token = event.get("replyToken") if isinstance(event, dict) else None
            if token:
                self.stub.register_reply_token(token, recipient or _source_id(event))
        return self.post_raw(wh.encode_body(body))

    def replies_after(self, seq: int, to: str | None = None) -> list[dict]:
        return [m["message"] for m in self.stub.messages(to=to, after=seq)]


def _source_id(event: dict) -> str | None:
    source = event.get("source") or {}
    return source.get("userId") or source.get("groupId") or source.get("roomId")


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def quick_items(messages: list[dict]) -> list[dict]:
    """The quick reply actions of the last message (the only ones LINE shows)."""
    if not messages:
        return []
    return [item["action"] for item in (messages[-1].get("quickReply") or {}).get("items", [])]


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """Rows as dicts, through faq.db (so on PostgreSQL in that test pass)."""
    db = open_db(db_path)
    try:
        return list(db.query(sql, list(params)))
    finally:
        db.conn.close()


def execute(db_path: Path, sql: str, params: tuple | list = ()) -> list[tuple]:
    """One statement through faq.db (committed); the rows it returns (RETURNING), if any."""
    db = open_db(db_path)
    try:
        cur = db.execute(sql, list(params))
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
    finally:
        db.conn.close()


def database_bytes(db_path: Path) -> bytes:
    """The database file plus its WAL (where fresh writes live before a checkpoint). In the PostgreSQL
    pass (the server's files are not ours to read): every row of every table, as text."""
    if os.environ.get("FAQBOT_TEST_PG_SESSION_URL"):
        db = open_db(db_path)
        try:
            return "\n".join(repr(row) for table in sorted(table_names(db))
                             for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()).encode()
        finally:
            db.conn.close()
    data = b""
    for suffix in ("", "-wal", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data
