"""Handling one parsed webhook event: claim it once, answer it, reply, never raise."""
from __future__ import annotations

import logging
import time

from .conversation import Conversation, Reply
from .event_claims import EventClaims
from .exchange_log import ExchangeLog
from .line_client import LineReplier

log = logging.getLogger(__name__)


class EventHandler:
    def __init__(self, conversation: Conversation, claims: EventClaims, exchanges: ExchangeLog,
                 replier: LineReplier):
        self.conversation = conversation
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
            reply = self.conversation.respond(event, started)
        except Exception:  # noqa: BLE001 - answer with an apology instead of staying silent
            log.exception("event %s (%s) could not be answered", event_id, getattr(event, "type", "?"))
            reply = self.conversation.system_error_reply()

        reply_token = getattr(event, "reply_token", None)
        if reply is not None and reply.messages and reply_token:
            delivered = self.replier.reply(reply_token, reply.messages)
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
