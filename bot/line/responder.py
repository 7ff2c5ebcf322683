"""What the webhook handler needs from whatever answers residents: the `Responder` protocol.

The handler (transport) knows only this protocol; the conversation implements it. So
`bot.line` never imports `bot.conversation`.
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
