"""Sending messages through the LINE Messaging API (line-bot-sdk v3), never raising.

* replies (webhook events): retried on 429 / 5xx / timeouts, but only within the reply
  token's short life (:data:`REPLY_POLICY`, 20 s in total);
* push and broadcast (staff replies, disaster notices): sent with an ``X-Line-Retry-Key``
  that the caller stored before the first attempt, retried with backoff on 429 (honouring
  ``Retry-After``) / 5xx / timeouts within :data:`PUSH_POLICY`; a 409 on that key means
  LINE already accepted the request, so it counts as sent, never as a second delivery.

Failures are logged without the reply token, the message text or any user id: only the
HTTP status, LINE's own error message and its request id, so that staff can trace them.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    BroadcastRequest,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.05
INVALID_REPLY_TOKEN = "Invalid reply token"   # LINE's message for a used or expired reply token
READ_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay: float       # first backoff; doubled after each failure
    max_delay: float        # one wait never exceeds this (a longer Retry-After ends the retries)
    total_seconds: float    # no new attempt starts when it could not finish within this budget


# A reply token lives about a minute; stay well inside it.
REPLY_POLICY = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, total_seconds=20.0)
PUSH_POLICY = RetryPolicy(max_attempts=6, base_delay=0.5, max_delay=8.0, total_seconds=45.0)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    attempts: int
    error: str | None = None         # for staff: HTTP status and LINE's message (never user text)
    request_id: str | None = None

    @property
    def used_token(self) -> bool:
        """LINE refused a reply token as invalid: used already (or expired)."""
        return bool(self.error) and self.error.startswith("HTTP 400") and INVALID_REPLY_TOKEN in self.error


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


def _retry_after(headers) -> float | None:
    value = _header(headers, "retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class LineSender:
    """One SDK client per app (urllib3 pools are thread-safe); created on first use.

    ``sleep`` and ``clock`` are the real ones in production; they are parameters so that
    the retry budget can be reasoned about (and exercised) without real minutes passing.
    """

    def __init__(self, endpoint: str, access_token: str, *, read_timeout: float = READ_TIMEOUT_SECONDS,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.endpoint = endpoint.rstrip("/")
        self._access_token = access_token
        self.timeout = (CONNECT_TIMEOUT_SECONDS, read_timeout)
        self._sleep = sleep
        self._clock = clock
        self._api: MessagingApi | None = None
        self._lock = threading.Lock()

    def _messaging_api(self) -> MessagingApi:
        with self._lock:
            if self._api is None:
                config = Configuration(host=self.endpoint, access_token=self._access_token)
                config.retries = False  # retries are ours (with the retry key and the budget)
                self._api = MessagingApi(ApiClient(config))
            return self._api

    # -- public ----------------------------------------------------------
    def reply(self, reply_token: str, messages: list) -> bool:
        """Send the reply to a webhook event. True if LINE accepted it."""
        return self.reply_result(reply_token, messages).ok

    def reply_result(self, reply_token: str, messages: list) -> SendResult:
        """:meth:`reply` with LINE's answer (``used_token`` tells a reply token that was already used)."""
        def call():
            request = ReplyMessageRequest(reply_token=reply_token, messages=messages)
            return self._messaging_api().reply_message_with_http_info(request, _request_timeout=self.timeout)
        return self._send("reply", call, REPLY_POLICY, retry_key=None)

    def push(self, to: str, messages: list, retry_key: str, policy: RetryPolicy = PUSH_POLICY) -> SendResult:
        """Push to one user with the caller's (stored) retry key."""
        def call():
            request = PushMessageRequest(to=to, messages=messages)
            return self._messaging_api().push_message_with_http_info(request, x_line_retry_key=retry_key,
                                                                     _request_timeout=self.timeout)
        return self._send("push", call, policy, retry_key)

    def broadcast(self, messages: list, retry_key: str, policy: RetryPolicy = PUSH_POLICY) -> SendResult:
        """Send to every friend of the official account with the caller's (stored) retry key."""
        def call():
            request = BroadcastRequest(messages=messages)
            return self._messaging_api().broadcast_with_http_info(request, x_line_retry_key=retry_key,
                                                                  _request_timeout=self.timeout)
        return self._send("broadcast", call, policy, retry_key)

    # -- the retry loop --------------------------------------------------
    def _send(self, kind: str, call, policy: RetryPolicy, retry_key: str | None) -> SendResult:
        started = self._clock()
        attempt = 0
        delay = policy.base_delay
        while True:
            attempt += 1
            wait: float | None = None
            try:
                response = call()
                return SendResult(True, attempt, request_id=_header(getattr(response, "headers", None),
                                                                   "x-line-request-id"))
            except ApiException as exc:
                request_id = _header(exc.headers, "x-line-request-id")
                if exc.status == 409 and retry_key is not None:
                    accepted = _header(exc.headers, "x-line-accepted-request-id") or request_id
                    log.info("LINE %s: retry key already accepted (request id %s): counted as sent", kind, accepted)
                    return SendResult(True, attempt, request_id=accepted)
                detail = _line_message(exc.body)
                error = f"HTTP {exc.status}" + (f": {detail}" if detail else "")
                retryable = exc.status == 429 or exc.status >= 500 or exc.status == 0
                if exc.status == 429:
                    wait = _retry_after(exc.headers)
                log.warning("LINE %s failed (attempt %d): HTTP %s; request id %s", kind, attempt, exc.status,
                            request_id)
                if exc.status == 400 and kind == "reply":
                    log.warning("the reply token was invalid or expired, or the message was rejected: %s", detail)
            except urllib3.exceptions.HTTPError as exc:  # timeouts, refused or dropped connections
                request_id = None
                error = f"通信エラー / network error: {type(exc).__name__}"
                retryable = True
                log.warning("LINE %s failed (attempt %d): %s", kind, attempt, type(exc).__name__)
            except Exception as exc:  # noqa: BLE001 - SDK validation and the unexpected: not retried
                request_id = None
                error = f"送信できませんでした / not sent: {type(exc).__name__}"
                retryable = False
                log.error("LINE %s failed: %s", kind, type(exc).__name__)
            if not retryable or attempt >= policy.max_attempts:
                return SendResult(False, attempt, error, request_id)
            wait = delay if wait is None else wait
            if wait > policy.max_delay:
                return SendResult(False, attempt, f"{error} (Retry-After {wait:g}s)", request_id)
            # start another attempt only if it can finish (wait + one full request) within the budget
            if self._clock() - started + wait + sum(self.timeout) > policy.total_seconds:
                return SendResult(False, attempt, error, request_id)
            self._sleep(wait)
            delay = min(delay * 2, policy.max_delay)

