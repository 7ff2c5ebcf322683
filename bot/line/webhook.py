"""``POST /callback``: the LINE webhook.

Order of checks (each refusal is logged without the body or the secret):
413 body over ``MAX_CONTENT_LENGTH`` → 400 no ``X-Line-Signature`` → 400 body
not UTF-8 → 400 bad signature (line-bot-sdk v3) → 400 not a webhook body
(not JSON / no ``destination`` / no ``events``). Nothing is processed for
those. Otherwise every well-formed event is handled (an empty ``events`` array,
LINE's "verify", is just 200); events of types the SDK does not know are
ignored; if any event is malformed the response is 400 (so it shows in LINE's
error statistics) after the good events of the same body were handled — a
redelivery of the body does not answer those twice (see bot/line/claims.py).

"Handled" depends on the answering mode (bot/line/answering.py): ``inline`` answers each event
inside this request; ``queue`` stores it in the answer queue and answering workers reply.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, jsonify, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError

from bot.line.answering import AnswerWorkers
from bot.line.events import MALFORMED, OK, UNKNOWN, BodyError, parse_event, read_body
from bot.line.handler import EventHandler

log = logging.getLogger(__name__)

EXTENSION_KEY = "line_webhook"

webhook_blueprint = Blueprint("line_webhook", __name__)


@dataclass
class WebhookServices:
    handler: EventHandler
    parser: WebhookParser | None   # None without a channel secret: every request is refused (503)
    workers: AnswerWorkers | None = None   # queue mode: events are stored for these workers


def init_webhook(app: Flask, handler: EventHandler, parser: WebhookParser | None,
                 workers: AnswerWorkers | None = None) -> None:
    app.extensions[EXTENSION_KEY] = WebhookServices(handler, parser, workers)
    app.register_blueprint(webhook_blueprint)


def _refuse(status: int, reason: str):
    log.warning("webhook refused (%s): %s", status, reason)
    response = jsonify(status="refused", reason=reason)
    response.status_code = status
    return response


def _verify_signature(parser: WebhookParser, body: str, signature: str) -> None:
    """The SDK's HMAC-SHA256 check; raises InvalidSignatureError."""
    if not parser.signature_validator.validate(body, signature):
        raise InvalidSignatureError("Invalid signature")


@webhook_blueprint.post("/callback")
def callback():
    wired: WebhookServices = current_app.extensions[EXTENSION_KEY]
    parser = wired.parser
    if parser is None:
        return _refuse(503, "LINE_CHANNEL_SECRET is not set")
    signature = request.headers.get("X-Line-Signature", "")
    if not signature:
        return _refuse(400, "missing X-Line-Signature")
    raw = request.get_data(cache=False)  # raises 413 above MAX_CONTENT_LENGTH
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _refuse(400, "body is not UTF-8")
    try:
        _verify_signature(parser, body, signature)
    except InvalidSignatureError:
        return _refuse(400, "invalid signature")
    try:
        raw_events = read_body(body)
    except BodyError as exc:
        return _refuse(400, f"not a webhook body: {exc}")

    parsed = [parse_event(raw_event) for raw_event in raw_events]
    handler, workers = wired.handler, wired.workers
    for item in parsed:
        if item.status == OK:
            if workers is not None:
                workers.submit(item)
            else:
                handler.handle(item.event)
        elif item.status == UNKNOWN:
            log.info("webhook event of unknown type %.40r ignored (id %.40s)", item.type, item.event_id)
        else:
            log.warning("malformed webhook event of type %.40r ignored (id %.40s)", item.type, item.event_id)
    counts = {s: sum(item.status == s for item in parsed) for s in (OK, UNKNOWN, MALFORMED)}
    log.info("webhook: %d events (%d known, %d unknown type, %d malformed)", len(parsed), counts[OK],
             counts[UNKNOWN], counts[MALFORMED])
    if counts[MALFORMED]:
        response = jsonify(status="partial", handled=counts[OK], malformed=counts[MALFORMED])
        response.status_code = 400
        return response
    return jsonify(status="ok", handled=counts[OK])
