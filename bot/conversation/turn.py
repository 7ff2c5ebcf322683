"""One event's context (`Turn`) and the resident's text read once (`Utterance`)."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from bot.disaster_mode import OFF, DisasterMode
from bot.line.identity import ANONYMOUS, USER, ChatKey
from bot.records.privacy import mask_personal_data
from faq.text import normalize

QUERY_STORE_MAX = 5000
_KEYWORD_TRIM = " 　?？!！。、.・「」"
_SPACE_RUNS = re.compile(" +")


@dataclass(frozen=True)
class Turn:
    """The context of one event."""
    chat: ChatKey
    event_id: str | None
    started: float
    mode: DisasterMode = OFF
    line_user_id: str | None = None   # only for a one-to-one chat; used for a ticket, never stored elsewhere
    lang: str = "ja"                   # the language the bot answers in (bot.language.codes)

    @property
    def known_user(self) -> bool:
        return self.chat.source_type == USER and self.chat.key != ANONYMOUS

    @property
    def in_group(self) -> bool:
        return self.chat.source_type != USER

    @property
    def one_to_one(self) -> bool:
        return self.known_user and bool(self.line_user_id)

    def latency_ms(self) -> int:
        return int(round((time.monotonic() - self.started) * 1000))


@dataclass(frozen=True)
class Utterance:
    """A resident's text, normalised (NFKC) once and masked, in the forms the checks need."""
    raw: str
    query: str      # one line, masked, at most QUERY_STORE_MAX: checked, searched and recorded
    lines: str      # line breaks kept, masked, at most QUERY_STORE_MAX: what a desk ticket keeps
    masked: bool    # personal data was masked
    keyword: str    # the query without surrounding punctuation, lower case: menu / help / desk words

    @classmethod
    def read(cls, raw: str | None) -> Utterance:
        normalized = normalize(raw or "")
        # normalize() already folded spaces within lines: joining the lines gives normalize_query()
        one_line = _SPACE_RUNS.sub(" ", normalized.replace("\n", " ")).strip()
        masked = mask_personal_data(one_line)
        query = masked.text[:QUERY_STORE_MAX]
        lines = mask_personal_data(normalized).text[:QUERY_STORE_MAX] or query
        return cls(raw or "", query, lines, masked.masked, query.strip(_KEYWORD_TRIM).lower())


def mentions_bot(message) -> bool:
    mention = getattr(message, "mention", None)
    return any(getattr(m, "is_self", False) for m in (getattr(mention, "mentionees", None) or []))


def strip_self_mentions(message) -> str:
    """The text without the @mentions of the bot (LINE indexes in UTF-16 code units)."""
    text = message.text
    spans = sorted(((m.index, m.length) for m in message.mention.mentionees if getattr(m, "is_self", False)),
                   reverse=True)
    units = text.encode("utf-16-le")
    for index, length in spans:
        units = units[:2 * index] + b" \x00" + units[2 * (index + length):]
    try:
        return units.decode("utf-16-le")
    except UnicodeDecodeError:  # indexes that split a surrogate pair: keep the text as it was
        return text
