"""What the conversation decided to say, as plain data (no LINE SDK objects).

A flow returns a `Decision`: the text blocks, the quick-reply `Choice`s, the exchange to
`Record` and, for the human desk, a `DeskRequest`. The conversation records the exchange
once, carries out the desk request, and hands the settled `Outcome` to `replies`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot.line.postback import Postback


@dataclass(frozen=True)
class Choice:
    """A quick-reply button: its label, the postback it sends, the text shown in the chat when tapped.
    Without a postback it is LINE's 「位置情報」 button (the resident sends their location)."""
    label: str
    postback: Postback | None
    shows: str | None = None
    of_this_exchange: bool = False   # the postback carries the id of the exchange recorded for this reply

    def postback_for(self, exchange_id: int | None) -> Postback | None:
        if self.postback is None:
            return None
        return replace(self.postback, exchange_id=exchange_id) if self.of_this_exchange else self.postback


@dataclass(frozen=True)
class Record:
    """The exchange to store for this turn (``query`` already masked)."""
    kind: str
    decision: str
    query: str | None = None
    pii_masked: bool = False
    reason: str | None = None
    faq_id: str | None = None
    score: float | None = None
    degraded: bool = False
    parent_id: int | None = None


@dataclass(frozen=True)
class DeskRequest:
    """After recording: note the request for a person; with `open_ticket`, open the resident's ticket and
    end the reply with its notice."""
    trigger: str
    parent_id: int | None
    open_ticket: bool


@dataclass(frozen=True)
class Decision:
    blocks: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    record: Record | None = None
    desk: DeskRequest | None = None


@dataclass(frozen=True)
class Outcome:
    """What to say, settled: the exchange (if any) is recorded and its id known."""
    blocks: tuple[str, ...]
    choices: tuple[Choice, ...]
    exchange_id: int | None = None
