"""The local LINE chat emulator: a web page where a person writes as a resident.

Mounted only in development (``FAQBOT_EMULATOR``, set by ``scripts/run_local.py``):

* ``GET /``: the chat page (static HTML/CSS/JS in ``static/``);
* ``POST /_emulator/events``: the page's input (text, postback, follow, sticker, location) is
  turned into a LINE-shaped webhook body, signed with the dev channel secret and
  POSTed over real HTTP to this server's own ``/callback``, which verifies it as
  it would LINE's;
* the Messaging API stub under ``/line-api`` (``LINE_API_ENDPOINT`` points there),
  which validates every reply against messaging-api.yml; the page polls
  ``/line-api/_stub/messages`` for the bot's messages.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import urllib.error
import urllib.request
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, request, send_from_directory

from bot.emulator import signed_events as wh
from bot.emulator.stub import create_stub_blueprint, get_stub_state

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
TEXT_MAX = 5000
POSTBACK_MAX = 300
FORWARD_TIMEOUT_SECONDS = 60

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def emulator_config(host: str, port: int, environ=os.environ) -> dict | None:
    """Settings for the local emulator, or None when real LINE credentials (or production) are set."""
    if environ.get("FAQBOT_ENV", "development") == "production":
        return None
    if environ.get("LINE_CHANNEL_SECRET") or environ.get("LINE_CHANNEL_ACCESS_TOKEN"):
        return None
    call_host = "127.0.0.1" if host in _WILDCARD_HOSTS else (f"[{host}]" if ":" in host else host)
    return {
        "FAQBOT_EMULATOR": True,
        # made up for this run; only the emulator page (server side) and /callback know it
        "LINE_CHANNEL_SECRET": secrets.token_hex(16),
        "LINE_CHANNEL_ACCESS_TOKEN": "emulator-" + secrets.token_urlsafe(24),
        "LINE_API_ENDPOINT": f"http://{call_host}:{port}/line-api",
    }


def _own_callback_url() -> str:
    """This server's /callback over loopback (the address it is bound to, or 127.0.0.1 for a wildcard)."""
    host = request.environ.get("SERVER_NAME", "")
    port = request.environ.get("SERVER_PORT", "")
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/callback"


def _bad(message: str):
    return jsonify(error=message), 400


def _build_event(payload: dict) -> dict | tuple:
    user_id = payload.get("userId")
    if not isinstance(user_id, str) or not USER_ID.match(user_id):
        return _bad("userId must look like U + 32 hex characters")
    source = wh.user_source(user_id)
    kind = payload.get("kind")
    if kind == "text":
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_MAX:
            return _bad(f"text must be 1..{TEXT_MAX} characters")
        return wh.text_event(source, text)
    if kind == "postback":
        data = payload.get("data")
        if not isinstance(data, str) or not data or len(data) > POSTBACK_MAX:
            return _bad(f"data must be 1..{POSTBACK_MAX} characters")
        return wh.postback_event(source, data)
    if kind == "follow":
        return wh.follow_event(source)
    if kind == "sticker":
        return wh.sticker_event(source)
    if kind == "location":
        lat, lon = payload.get("latitude"), payload.get("longitude")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)) \
                or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return _bad("latitude must be -90..90 and longitude -180..180")
        return wh.location_event(source, float(lat), float(lon), title="現在地（エミュレーター）")
    return _bad("kind must be text, postback, follow, sticker or location")


def create_chat_blueprint(api_prefix: str) -> Blueprint:
    bp = Blueprint("line_emulator", __name__, static_folder=str(STATIC_DIR),
                   static_url_path="/_emulator/static")

    @bp.get("/")
    def page():
        response = send_from_directory(STATIC_DIR, "chat.html", max_age=0)
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/_emulator/config")
    def config():
        return jsonify(messagesUrl=f"{api_prefix}/_stub/messages", richMenuUrl=f"{api_prefix}/_stub/richmenu")

    @bp.post("/_emulator/events")
    def send_event():
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return _bad("JSON object expected")
        built = _build_event(payload)
        if isinstance(built, tuple):
            return built
        event = built
        if "replyToken" in event:
            get_stub_state(current_app).register_reply_token(event["replyToken"], payload["userId"])
        body = wh.encode_body(wh.callback_body([event]))
        forward = urllib.request.Request(
            _own_callback_url(), data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "X-Line-Signature": wh.sign(body, current_app.config["LINE_CHANNEL_SECRET"])})
        try:
            with urllib.request.urlopen(forward, timeout=FORWARD_TIMEOUT_SECONDS) as response:  # noqa: S310 - loopback
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            log.error("emulator could not reach /callback: %s", type(exc).__name__)
            return jsonify(error="callback unreachable"), 502
        return jsonify(status=status, webhookEventId=event["webhookEventId"])

    return bp


def mount_emulator(app: Flask, api_prefix: str = "/line-api") -> None:
    """Mount the Messaging API stub under ``api_prefix`` and the chat page at ``/``."""
    app.register_blueprint(create_stub_blueprint(), url_prefix=api_prefix)
    app.register_blueprint(create_chat_blueprint(api_prefix))
    publish_rich_menus(app, api_prefix)
    log.info("local LINE emulator mounted: chat page at /, Messaging API stub at %s", api_prefix)


def publish_rich_menus(app: Flask, api_prefix: str) -> None:
    """Create the rich menus in the local stub through its own (spec-validated) routes, as
    ``scripts/richmenu.py`` does on LINE, so that the chat page shows the normal menu."""
    from bot.richmenu.definition import NORMAL, RichMenuError, load
    try:
        menus = load()
    except RichMenuError as exc:
        log.error("rich menus not shown in the emulator: %s", exc)
        return
    client = app.test_client()
    auth = {"Authorization": "Bearer emulator"}
    ids = {}
    for key, menu in menus.items():
        created = client.post(f"{api_prefix}/v2/bot/richmenu", json=menu.request(), headers=auth)
        if created.status_code != 200 or not menu.image.is_file():
            log.error("rich menu %s not created in the emulator (%s)", key, created.status_code)
            return
        ids[key] = created.get_json()["richMenuId"]
        client.post(f"{api_prefix}/v2/bot/richmenu/{ids[key]}/content", data=menu.image.read_bytes(),
                    headers={**auth, "Content-Type": "image/png"})
        client.post(f"{api_prefix}/v2/bot/richmenu/alias", json={"richMenuAliasId": menu.alias,
                                                                  "richMenuId": ids[key]}, headers=auth)
    client.post(f"{api_prefix}/v2/bot/user/all/richmenu/{ids[NORMAL]}", headers=auth)
