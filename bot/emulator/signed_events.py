"""Webhook bodies shaped like LINE's (webhook.yml ``CallbackRequest``), and their signature.

Used by the local chat emulator and by the tests: every builder returns plain
JSON-able dicts that validate against the official ``webhook.yml``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

# The emulated official account's own user id (the webhook "destination").
EMULATOR_BOT_USER_ID = "U" + "e0" * 16
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_event_id() -> str:
    """A ULID-like webhookEventId (26 Crockford base32 characters, time first)."""
    ms = int(time.time() * 1000)
    head = "".join(_ULID_ALPHABET[(ms >> shift) & 31] for shift in range(45, -5, -5))
    return head + "".join(secrets.choice(_ULID_ALPHABET) for _ in range(16))


def new_reply_token() -> str:
    return secrets.token_hex(16)


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def _message_id() -> str:
    return str(secrets.randbelow(9 * 10 ** 17) + 10 ** 17)


def _base(event_type: str, source: dict, *, reply_token: str | None = None, event_id: str | None = None,
          redelivery: bool = False, mode: str = "active") -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "mode": mode,
        "timestamp": int(time.time() * 1000),
        "source": source,
        "webhookEventId": event_id or new_event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    return event


def user_source(user_id: str) -> dict:
    return {"type": "user", "userId": user_id}


def group_source(group_id: str, user_id: str | None = None) -> dict:
    source = {"type": "group", "groupId": group_id}
    if user_id:
        source["userId"] = user_id
    return source


def text_event(source: dict, text: str, *, mention_self: tuple[int, int] | None = None, **kw) -> dict:
    """A text message event; ``mention_self=(index, length)`` adds a mention of the bot."""
    kw.setdefault("reply_token", new_reply_token())
    event = _base("message", source, **kw)
    message: dict[str, Any] = {"id": _message_id(), "type": "text", "text": text,
                               "quoteToken": secrets.token_urlsafe(24)}
    if mention_self is not None:
        index, length = mention_self
        message["mention"] = {"mentionees": [{"index": index, "length": length, "type": "user", "isSelf": True}]}
    event["message"] = message
    return event


def sticker_event(source: dict, **kw) -> dict:
    kw.setdefault("reply_token", new_reply_token())
    event = _base("message", source, **kw)
    event["message"] = {"id": _message_id(), "type": "sticker", "packageId": "446", "stickerId": "1988",
                        "stickerResourceType": "STATIC", "quoteToken": secrets.token_urlsafe(24)}
    return event


def image_event(source: dict, **kw) -> dict:
    kw.setdefault("reply_token", new_reply_token())
    event = _base("message", source, **kw)
    event["message"] = {"id": _message_id(), "type": "image", "contentProvider": {"type": "line"},
                        "quoteToken": secrets.token_urlsafe(24)}
    return event


def location_event(source: dict, latitude: float, longitude: float, *, title: str | None = None,
                   address: str | None = None, **kw) -> dict:
    """A location message (what LINE sends when the resident shares a place)."""
    kw.setdefault("reply_token", new_reply_token())
    event = _base("message", source, **kw)
    message: dict[str, Any] = {"id": _message_id(), "type": "location", "latitude": latitude, "longitude": longitude}
    if title:
        message["title"] = title
    if address:
        message["address"] = address
    event["message"] = message
    return event


def postback_event(source: dict, data: str, **kw) -> dict:
    kw.setdefault("reply_token", new_reply_token())
    event = _base("postback", source, **kw)
    event["postback"] = {"data": data}
    return event


def follow_event(source: dict, *, unblocked: bool = False, **kw) -> dict:
    kw.setdefault("reply_token", new_reply_token())
    event = _base("follow", source, **kw)
    event["follow"] = {"isUnblocked": unblocked}
    return event


def unfollow_event(source: dict, **kw) -> dict:
    return _base("unfollow", source, **kw)


def callback_body(events: list[dict], destination: str = EMULATOR_BOT_USER_ID) -> dict:
    return {"destination": destination, "events": events}


def encode_body(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, channel_secret: str) -> str:
    """The X-Line-Signature of ``body``: base64(HMAC-SHA256(channel secret, body))."""
    return base64.b64encode(hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")
