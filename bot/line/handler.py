"""Handling one parsed webhook event: claim it once, answer it, reply, never raise."""
from __future__ import annotations

import logging
import time
import uuid

from bot.line.claims import EventClaims
from bot.line.client import LineSender
from bot.line.responder import DeliveryLog, Reply, Responder

log = logging.getLogger(__name__)


def push_retry_key(event_id: str) -> str:
    """The X-Line-Retry-Key of a late answer's push: derived from the webhookEventId, so every worker,
    host and redelivery that pushes the same event's answer gets it delivered once."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "faqbot-webhook-event:" + event_id))


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
        reply = self._respond(event, event_id, started)
        self._deliver(event, event_id, reply, reply_fresh=True, push_on_failure=redelivery)
        if claimed:
            self._complete(event_id)

    def answer_queued(self, event, *, reply_fresh: bool, apology_only: bool = False, retaken: bool = False) -> None:
        """Answer an event taken from the answer queue (claimed when /callback stored it): reply while
        the token is fresh, else (or when the reply fails) push in a 1:1 chat. ``apology_only``: earlier
        attempts all failed, so only the apology is sent. ``retaken``: an earlier attempt stopped without
        finishing; if LINE then says the fresh token was used, that attempt replied before it stopped, and
        nothing is pushed. Never raises for the resident's sake, like :meth:`handle`."""
        started = time.monotonic()
        event_id = getattr(event, "webhook_event_id", None)
        if apology_only:
            reply: Reply | None = self.responder.system_error_reply()
        else:
            reply = self._respond(event, event_id, started)
        self._deliver(event, event_id, reply, reply_fresh=reply_fresh, push_on_failure=True, retaken=retaken)
        if event_id:
            self._complete(event_id)

    def _respond(self, event, event_id: str | None, started: float) -> Reply | None:
        try:
            return self.responder.respond(event, started)
        except Exception:  # noqa: BLE001 - answer with an apology instead of staying silent
            log.exception("event %s (%s) could not be answered", event_id, getattr(event, "type", "?"))
            return self.responder.system_error_reply()

    def _deliver(self, event, event_id: str | None, reply: Reply | None, *, reply_fresh: bool,
                 push_on_failure: bool, retaken: bool = False) -> None:
        reply_token = getattr(event, "reply_token", None)
        if reply is None or not reply.messages or not reply_token:
            return
        delivered = False
        if reply_fresh and retaken:
            result = self.replier.reply_result(reply_token, reply.messages)
            delivered = result.ok
            if result.used_token:  # the token is fresh, so the earlier attempt used it: already answered
                log.warning("event %s: its reply token was used by an earlier attempt; not pushed again", event_id)
                push_on_failure, delivered = False, True
        elif reply_fresh:
            delivered = self.replier.reply(reply_token, reply.messages)
        if not delivered and push_on_failure and event_id:
            delivered = self._push_instead(event, event_id, reply.messages)
        if reply.exchange_id is not None:
            try:
                self.exchanges.mark_delivered(reply.exchange_id, delivered)
            except Exception:  # noqa: BLE001
                log.exception("could not record delivery of exchange %s", reply.exchange_id)

    def _complete(self, event_id: str) -> None:
        try:
            self.claims.complete(event_id)
        except Exception:  # noqa: BLE001
            log.exception("could not mark event %s as done", event_id)

    def _push_instead(self, event, event_id: str, messages: list) -> bool:
        """The reply failed or its token is too old: a redelivered event (LINE redelivers after a
        failure, possibly minutes later, e.g. after a worker was killed mid-answer) or a queued event
        answered late. In a 1:1 chat the answer is pushed instead, so the resident is not left without
        one. The retry key is derived from the webhookEventId: however many workers or redeliveries
        try, LINE delivers it once."""
        source = getattr(event, "source", None)
        user_id = getattr(source, "user_id", None) if getattr(source, "type", None) == "user" else None
        if not user_id:
            return False
        result = self.replier.push(user_id, messages, push_retry_key(event_id))
        if result.ok:
            log.info("event %s: no reply (failed or token too old); the answer was pushed instead", event_id)
        else:
            log.error("event %s: reply and push both failed (%s)", event_id, result.error)
        return result.ok
