"""Local stand-in for the LINE Messaging API (developer stub).

Request bodies are validated against LINE's official ``messaging-api.yml`` (see
:mod:`bot.emulator.openapi`); accepted messages are recorded so that the local
chat emulator page and tests can inspect them under ``/_stub/``.

Messaging API routes (require ``Authorization: Bearer <token>``)::

    POST /v2/bot/message/reply | push | multicast | broadcast
    POST /v2/bot/chat/loading/start, POST /v2/bot/message/markAsRead
    GET  /v2/bot/profile/<user_id>
    rich menus (bot.emulator.richmenu_stub): create, image upload, aliases, default

Inspection / control routes (no auth; the POSTs need ``Content-Type: application/json``, which a web page
on another site cannot send without a CORS preflight that the stub never answers)::

    GET  /_stub/messages?to=<userId>&after=<seq>   accepted messages (seq > after)
    GET  /_stub/rejected                          rejected requests
    GET  /_stub/requests                          every Messaging API request
    POST /_stub/reset         {}                  clear all state
    POST /_stub/reply-tokens  {"replyToken", "userId"}
    POST /_stub/faults        {"faults": [500, 429, "timeout", ...]}
    GET  /_stub/faults                            the faults not yet used

Run standalone: ``python -m bot.emulator.stub --port 8081 [--spec-dir DIR]``.
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from flask import Blueprint, Flask, current_app, jsonify, request

from bot.emulator.openapi import (
    OpenApiSpec,
    SchemaIssue,
    default_spec_dir,
    load_messaging_spec,
    messaging_request_issues,
)
from bot.emulator.richmenu_stub import RichMenuState, add_richmenu_routes

EXTENSION_KEY = "line_stub"
PROFILE_DISPLAY_NAME = "テスト利用者"
AUTH_FAILED = ("Authentication failed. Confirm that the access token in the "
               "authorization header is valid.")
TIMEOUT_MARGIN_SECONDS = 1.0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class SendOutcome:
    """Result of :meth:`StubState.accept_send`."""

    status: str  # "ok" | "duplicate_retry_key" | "invalid_reply_token"
    request_id: str
    sent_messages: list[dict[str, str]] = field(default_factory=list)


class StubState:
    """All mutable stub state (one per Flask app, in ``app.extensions["line_stub"]``).

    Every public method is thread-safe.
    """

    def __init__(self, *, client_timeout: float = 5.0, retry_after: int = 1):
        self.client_timeout = client_timeout
        self.retry_after = retry_after
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything: messages, rejections, tokens, retry keys and pending faults."""
        with self._lock:
            self._seq = 0
            self._messages: list[dict[str, Any]] = []
            self._rejected: list[dict[str, Any]] = []
            self._requests: list[dict[str, Any]] = []
            self._reply_token_users: dict[str, str] = {}
            self._used_reply_tokens: set[str] = set()
            self._retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}
            self._faults: deque[int | str] = deque()
            self.richmenus = RichMenuState()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- control -----------------------------------------------------------
    def register_reply_token(self, token: str, user_id: str | None) -> None:
        """Attribute replies that use ``token`` to ``user_id`` (called when an event is sent)."""
        with self._lock:
            if user_id is None:
                self._reply_token_users.pop(token, None)
            else:
                self._reply_token_users[token] = user_id

    def inject_faults(self, faults: Iterable[int | str]) -> None:
        """Make the next Messaging API requests fail, in order (HTTP status or ``"timeout"``)."""
        checked = []
        for fault in faults:
            if fault != "timeout" and not (isinstance(fault, int) and 400 <= fault <= 599):
                raise ValueError(f"fault must be an HTTP error status or 'timeout', got {fault!r}")
            checked.append(fault)
        with self._lock:
            self._faults.extend(checked)

    def next_fault(self) -> int | str | None:
        """Pop the next injected fault, if any."""
        with self._lock:
            return self._faults.popleft() if self._faults else None

    @property
    def pending_faults(self) -> list[int | str]:
        with self._lock:
            return list(self._faults)

    # -- recording ---------------------------------------------------------
    def log_request(self, method: str, path: str, status: int, request_id: str,
                    body: Any = None, note: str | None = None) -> None:
        """Append one entry to the log of all Messaging API requests."""
        with self._lock:
            self._requests.append({"seq": self._next_seq(), "method": method, "path": path,
                                   "status": status, "requestId": request_id, "body": body,
                                   "note": note, "receivedAt": _now()})

    def record_rejected(self, path: str, body: Any, status: int, response: dict[str, Any]) -> None:
        """Remember a request the stub refused (validation, reply token, retry key format)."""
        with self._lock:
            self._rejected.append({"seq": self._next_seq(), "path": path, "status": status,
                                   "body": body, "response": response, "receivedAt": _now()})

    def accept_send(self, *, kind: str, messages: list[dict[str, Any]],
                    recipients: list[str | None] | None, request_id: str,
                    reply_token: str | None = None, retry_key: str | None = None) -> SendOutcome:
        """Atomically check reply token / retry key and record the messages.

        ``recipients`` is ignored for replies (resolved from the reply token;
        unknown tokens are attributed to ``None``).
        """
        with self._lock:
            if retry_key is not None and retry_key in self._retry_keys:
                accepted_id, sent = self._retry_keys[retry_key]
                return SendOutcome("duplicate_retry_key", accepted_id, sent)
            if reply_token is not None:
                if reply_token in self._used_reply_tokens:
                    return SendOutcome("invalid_reply_token", request_id)
                self._used_reply_tokens.add(reply_token)
                recipients = [self._reply_token_users.get(reply_token)]
            sent = [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex}
                    for _ in messages]
            for to in recipients or [None]:
                for message, sent_message in zip(messages, sent):
                    self._messages.append({
                        "seq": self._next_seq(), "kind": kind, "to": to, "message": message,
                        "sentMessageId": sent_message["id"], "quoteToken": sent_message["quoteToken"],
                        "requestId": request_id, "replyToken": reply_token, "retryKey": retry_key,
                        "receivedAt": _now()})
            if retry_key is not None:
                self._retry_keys[retry_key] = (request_id, sent)
            return SendOutcome("ok", request_id, sent)

    # -- inspection --------------------------------------------------------
    def messages(self, to: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """Accepted messages with ``seq > after``; ``to`` keeps that user's messages and broadcasts."""
        with self._lock:
            return [dict(m) for m in self._messages if m["seq"] > after
                    and (to is None or m["to"] == to or m["kind"] == "broadcast")]

    def rejected(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._rejected]

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._requests]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq


def get_stub_state(app: Flask | None = None) -> StubState:
    """Return the :class:`StubState` of ``app`` (default: ``current_app``)."""
    return (app or current_app).extensions[EXTENSION_KEY]


def _error(status: int, message: str, **extra: Any):
    response = jsonify({"message": message, **extra})
    response.status_code = status
    return response


def _details(issues: list[SchemaIssue]) -> list[dict[str, str]]:
    return [{"message": issue.message, "property": issue.property} for issue in issues]


def _is_inspection_request() -> bool:
    """A ``/_stub/`` control route, also when the blueprint is mounted under a prefix (``/line-api/_stub/``)."""
    rule = request.url_rule
    return rule is not None and "/_stub/" in rule.rule


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def create_stub_blueprint(spec_dir: str | Path | None = None, *, client_timeout: float = 5.0,
                          name: str = "line_stub") -> Blueprint:
    """Build the Messaging API stub blueprint; the spec is loaded now (fails if missing).

    Registering the blueprint installs a :class:`StubState` in
    ``app.extensions["line_stub"]``; ``client_timeout`` is how long the client
    waits, a ``"timeout"`` fault sleeps ``client_timeout + 1`` s before a 500.
    """
    spec: OpenApiSpec = load_messaging_spec(spec_dir or default_spec_dir())
    bp = Blueprint(name, __name__)

    @bp.record
    def _install(setup_state) -> None:
        setup_state.app.extensions.setdefault(EXTENSION_KEY, StubState(client_timeout=client_timeout))

    def reject(status: int, body: Any, message: str, **extra: Any):
        state = get_stub_state()
        payload = {"message": message, **extra}
        state.record_rejected(request.path, body, status, payload)
        state.log_request(request.method, request.path, status, _request_id(), body, message)
        return _error(status, message, **extra)

    def _request_id() -> str:
        return request.environ.setdefault("line_stub.request_id", uuid.uuid4().hex)

    @bp.before_request
    def _guard():
        if _is_inspection_request():
            return None
        state = get_stub_state()
        fault = state.next_fault()
        if fault is not None:
            if fault == "timeout":
                time.sleep(state.client_timeout + TIMEOUT_MARGIN_SECONDS)
                fault = 500
            state.log_request(request.method, request.path, int(fault), _request_id(),
                              request.get_json(silent=True), "injected fault")
            if fault == 429:
                response = _error(429, "The API rate limit has been exceeded. Try again later.")
                response.headers["Retry-After"] = str(state.retry_after)
                return response
            return _error(int(fault), "Internal server error" if fault == 500
                          else f"Injected fault (HTTP {fault})")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer "):].strip():
            return reject(401, request.get_json(silent=True), AUTH_FAILED)
        return None

    @bp.after_request
    def _request_id_header(response):
        if not _is_inspection_request():
            response.headers["X-Line-Request-Id"] = _request_id()
        return response

    def validated_body(api_path: str):
        """Return (body, None) if valid, else (body, error response)."""
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            issues = [SchemaIssue("", "request body must be a JSON object")]
        else:
            issues = messaging_request_issues(spec, "POST", api_path, body)
        if issues:
            return body, reject(400, body, f"The request body has {len(issues)} error(s)",
                                details=_details(issues))
        return body, None

    def send(kind: str, api_path: str):
        body, error = validated_body(api_path)
        if error is not None:
            return error
        retry_key = request.headers.get("X-Line-Retry-Key") if kind != "reply" else None
        if retry_key is not None and not _is_uuid(retry_key):
            return reject(400, body, "The value for the 'X-Line-Retry-Key' header is invalid")
        recipients: list[str | None] = {"push": lambda: [body["to"]],
                                        "multicast": lambda: list(body["to"]),
                                        "broadcast": lambda: [None],
                                        "reply": lambda: []}[kind]()
        state = get_stub_state()
        outcome = state.accept_send(kind=kind, messages=body["messages"], recipients=recipients,
                                    request_id=_request_id(), retry_key=retry_key,
                                    reply_token=body.get("replyToken") if kind == "reply" else None)
        if outcome.status == "invalid_reply_token":
            return reject(400, body, "Invalid reply token")
        if outcome.status == "duplicate_retry_key":
            state.log_request("POST", request.path, 409, _request_id(), body, "duplicate retry key")
            extra = {"sentMessages": outcome.sent_messages} if kind == "push" else {}
            response = _error(409, "The retry key is already accepted", **extra)
            response.headers["X-Line-Accepted-Request-Id"] = outcome.request_id
            return response
        state.log_request("POST", request.path, 200, _request_id(), body)
        return jsonify({"sentMessages": outcome.sent_messages} if kind in ("reply", "push") else {})

    for kind in ("reply", "push", "multicast", "broadcast"):
        path = f"/v2/bot/message/{kind}"
        bp.add_url_rule(path, f"send_{kind}", lambda kind=kind, path=path: send(kind, path),
                        methods=["POST"])

    @bp.post("/v2/bot/chat/loading/start")
    def loading_start():
        body, error = validated_body("/v2/bot/chat/loading/start")
        if error is not None:
            return error
        get_stub_state().log_request("POST", request.path, 202, _request_id(), body)
        return jsonify({}), 202

    @bp.post("/v2/bot/message/markAsRead")
    def mark_as_read():
        body, error = validated_body("/v2/bot/message/markAsRead")
        if error is not None:
            return error
        get_stub_state().log_request("POST", request.path, 200, _request_id(), body)
        return jsonify({})

    @bp.get("/v2/bot/profile/<user_id>")
    def profile(user_id: str):
        get_stub_state().log_request("GET", request.path, 200, _request_id())
        return jsonify({"userId": user_id, "displayName": PROFILE_DISPLAY_NAME, "language": "ja"})

    add_richmenu_routes(bp, lambda: get_stub_state().richmenus, reject, validated_body,
                        lambda body: get_stub_state().log_request(request.method, request.path, 200,
                                                                  _request_id(), body))
    _add_inspection_routes(bp)
    return bp


def _add_inspection_routes(bp: Blueprint) -> None:
    """Register the ``/_stub/`` routes used by the chat emulator page and tests."""

    @bp.before_request
    def _json_only_control():
        # A cross-site form or fetch can POST text/plain without a preflight; application/json it cannot.
        if request.method == "POST" and "/_stub/" in request.path \
                and request.mimetype != "application/json":
            return _error(415, "control routes need Content-Type: application/json")
        return None

    @bp.get("/_stub/messages")
    def stub_messages():
        try:
            after = int(request.args.get("after", "0"))
        except ValueError:
            return _error(400, "'after' must be an integer")
        state = get_stub_state()
        last_seq = state.last_seq  # read first: the client can poll with after=lastSeq safely
        return jsonify({"messages": state.messages(request.args.get("to"), after),
                        "lastSeq": last_seq})

    @bp.get("/_stub/rejected")
    def stub_rejected():
        return jsonify({"rejected": get_stub_state().rejected()})

    @bp.get("/_stub/requests")
    def stub_requests():
        return jsonify({"requests": get_stub_state().requests()})

    @bp.post("/_stub/reset")
    def stub_reset():
        get_stub_state().reset()
        return jsonify({"status": "reset"})

    @bp.post("/_stub/reply-tokens")
    def stub_reply_tokens():
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict) or not isinstance(body.get("replyToken"), str):
            return _error(400, "'replyToken' (string) is required")
        get_stub_state().register_reply_token(body["replyToken"], body.get("userId"))
        return jsonify({"status": "registered"})

    @bp.post("/_stub/faults")
    def stub_faults():
        body = request.get_json(silent=True) or {}
        try:
            get_stub_state().inject_faults((body.get("faults") if isinstance(body, dict) else None) or [])
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return jsonify({"pending": get_stub_state().pending_faults})

    @bp.get("/_stub/faults")
    def stub_pending_faults():
        return jsonify({"pending": get_stub_state().pending_faults})


def create_stub_app(spec_dir: str | Path | None = None, *, client_timeout: float = 5.0) -> Flask:
    """Create a Flask app serving only the stub (JSON 404/405 like LINE)."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.register_blueprint(create_stub_blueprint(spec_dir, client_timeout=client_timeout))

    @app.errorhandler(404)
    def _not_found(_exc):
        return _error(404, "Not found")

    @app.errorhandler(405)
    def _not_allowed(_exc):
        return _error(405, "Method not allowed")

    return app


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: serve the stub on 127.0.0.1."""
    parser = argparse.ArgumentParser(description="Local LINE Messaging API stub")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--spec-dir", default=None,
                        help="directory with messaging-api.yml (default: $LINE_OPENAPI_DIR "
                             "or <repo>/../shared/line-openapi)")
    parser.add_argument("--client-timeout", type=float, default=5.0,
                        help="seconds a 'timeout' fault must exceed (default 5)")
    args = parser.parse_args(argv)
    app = create_stub_app(args.spec_dir, client_timeout=args.client_timeout)
    app.run(host="127.0.0.1", port=args.port, threaded=True)


if __name__ == "__main__":
    main()
