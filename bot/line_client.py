"""Sending replies through the LINE Messaging API (line-bot-sdk v3), never raising.

A failed reply is logged without the reply token, the message text or any user
data: only the HTTP status and LINE's request id, so that staff can trace it.
"""
from __future__ import annotations

import json
import logging
import threading

from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest
from linebot.v3.messaging.exceptions import ApiException

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = (3.05, 10.0)  # connect, read


def _header(headers, name: str) -> str | None:
    for key, value in (dict(headers or {})).items():
        if key.lower() == name.lower():
            return value
    return None


def _line_message(body) -> str:
    """LINE's own error message (never user text): {"message": "..."}."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, TypeError):
        return ""
    message = payload.get("message") if isinstance(payload, dict) else None
    return str(message)[:200] if message else ""


class LineReplier:
    """One SDK client per app (urllib3 pools are thread-safe); created on first use."""

    def __init__(self, endpoint: str, access_token: str):
        self.endpoint = endpoint.rstrip("/")
        self._access_token = access_token
        self._api: MessagingApi | None = None
        self._lock = threading.Lock()

    def _messaging_api(self) -> MessagingApi:
        with self._lock:
            if self._api is None:
                client = ApiClient(Configuration(host=self.endpoint, access_token=self._access_token))
                self._api = MessagingApi(client)
            return self._api

    def reply(self, reply_token: str, messages: list) -> bool:
        """Send the reply (uses the token once). True if LINE accepted it."""
        try:
            request = ReplyMessageRequest(reply_token=reply_token, messages=messages)
            self._messaging_api().reply_message_with_http_info(request, _request_timeout=REQUEST_TIMEOUT_SECONDS)
            return True
        except ApiException as exc:
            request_id = _header(exc.headers, "x-line-request-id")
            if exc.status == 400:
                log.warning("LINE refused the reply (HTTP 400: %s); the reply token was invalid or expired, "
                            "or the message was rejected; request id %s", _line_message(exc.body), request_id)
            else:
                log.error("LINE reply failed: HTTP %s; request id %s", exc.status, request_id)
        except Exception as exc:  # noqa: BLE001 - network errors, timeouts, SDK validation
            log.error("LINE reply failed: %s", type(exc).__name__)
        return False
