"""What the webhook handler needs from the rest of the bot, as protocols.

`Responder` answers events (the conversation implements it); `DeliveryLog` notes whether a
reply reached LINE (the exchange log implements it). So `bot.line` imports neither
`bot.conversation` nor `bot.records`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from linebot.v3.messaging import Message


@dataclass
class Reply:
    """The messages to reply with, and the exchange they answer (to record their delivery)."""
    messages: list[Message]
    exchange_id: int | None = None


class Responder(Protocol):
    def respond(self, event, started: float | None = None) -> Reply | None:
        """The reply to one parsed webhook event, or None when the bot stays silent."""

    def system_error_reply(self) -> Reply:
        """The apology sent when `respond` raised."""


class DeliveryLog(Protocol):
    def mark_delivered(self, exchange_id: int, delivered: bool) -> None:
        """Whether the reply to the exchange `exchange_id` reached LINE."""
