"""Handling one parsed webhook event: claim it once, answer it, reply, never raise."""
from __future__ import annotations

import logging
import time
import uuid

from bot.line.claims import EventClaims
from bot.line.client import LineSender
from bot.line.responder import DeliveryLog, Reply, Responder

log = logging.getLogger(__name__)


class EventHandler:
    def __init__(self, responder: Responder, claims: EventClaims, exchanges: DeliveryLog,
                 replier: LineSender):
        self.responder = responder
        self.claims = claims
        self.exchanges = exchanges
        self.replier = replier

    def handle(self, event) -> None:
        started = time.monotonic()
        event_id = getattr(event, "webhook_event_id", None)
        redelivery = bool(getattr(getattr(event, "delivery_context", None), "is_redelivery", False))
        if getattr(event, "mode", "active") == "standby":
            log.info("event %s ignored: channel in standby mode", event_id)
            return
        claimed = bool(event_id)  # whether there is a claim to complete after the reply
        try:
            if event_id and not self.claims.claim(event_id):
                log.info("event %s already handled or in progress (redelivery=%s): skipped", event_id, redelivery)
                return
        except Exception:  # noqa: BLE001 - a database problem must not lose the answer
            log.exception("could not record event %s as handled; answering anyway", event_id)
            claimed = False
        if redelivery:
            log.info("event %s is a redelivery not seen before: handling it", event_id)

        reply: Reply | None
        try:
            reply = self.responder.respond(event, started)
        except Exception:  # noqa: BLE001 - answer with an apology instead of staying silent
            log.exception("event %s (%s) could not be answered", event_id, getattr(event, "type", "?"))
            reply = self.responder.system_error_reply()

        reply_token = getattr(event, "reply_token", None)
        if reply is not None and reply.messages and reply_token:
            delivered = self.replier.reply(reply_token, reply.messages)
            if not delivered and redelivery and event_id:
                delivered = self._push_instead(event, event_id, reply.messages)
            if reply.exchange_id is not None:
                try:
                    self.exchanges.mark_delivered(reply.exchange_id, delivered)
                except Exception:  # noqa: BLE001
                    log.exception("could not record delivery of exchange %s", reply.exchange_id)
        if claimed:
            try:
                self.claims.complete(event_id)
            except Exception:  # noqa: BLE001
                log.exception("could not mark event %s as done", event_id)

    def _push_instead(self, event, event_id: str, messages: list) -> bool:
        """A redelivered event whose reply failed: its reply token has most likely expired (LINE
        redelivers after a failure, possibly minutes later, e.g. after a worker was killed mid-answer).
        In a 1:1 chat the answer is pushed instead, so the resident is not left without one. The retry
        key is derived from the webhookEventId: however many workers or redeliveries try, LINE
        delivers it once."""
        source = getattr(event, "source", None)
        user_id = getattr(source, "user_id", None) if getattr(source, "type", None) == "user" else None
        if not user_id:
            return False
        retry_key = str(uuid.uuid5(uuid.NAMESPACE_URL, "faqbot-webhook-event:" + event_id))
        result = self.replier.push(user_id, messages, retry_key)
        if result.ok:
            log.info("event %s: reply failed on redelivery; the answer was pushed instead", event_id)
        else:
            log.error("event %s: reply and push both failed (%s)", event_id, result.error)
        return result.ok
