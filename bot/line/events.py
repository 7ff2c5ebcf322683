"""Reading a verified webhook body into events, one event at a time.

The SDK's ``WebhookParser.parse`` fails the whole body when one event has an
unexpected shape, and LINE adds new event types over time; so each event is
parsed on its own with the SDK's ``Event.from_dict``:

* ``ok``: a known event the SDK parsed;
* ``unknown``: a type (or message/source type) the SDK does not know: ignored;
* ``malformed``: a known type without its required fields, or not an object.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from linebot.v3.webhooks import Event, MessageContent, Source

OK, UNKNOWN, MALFORMED = "ok", "unknown", "malformed"


class BodyError(ValueError):
    """The body is not a webhook request at all (not JSON, or no destination/events)."""


@dataclass(frozen=True)
class ParsedEvent:
    status: str
    raw: Any
    event: Event | None = None

    @property
    def type(self) -> str:
        value = self.raw.get("type") if isinstance(self.raw, dict) else None
        return value if isinstance(value, str) else "?"

    @property
    def event_id(self) -> str | None:
        value = self.raw.get("webhookEventId") if isinstance(self.raw, dict) else None
        return value if isinstance(value, str) else None


def read_body(text: str) -> list:
    """The raw events of a webhook body; BodyError if it is not one."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise BodyError("not JSON") from exc
    except RecursionError as exc:  # nesting deeper than the JSON decoder's recursion limit
        raise BodyError("JSON nested too deeply") from exc
    if not isinstance(body, dict):
        raise BodyError("not a JSON object")
    if not isinstance(body.get("destination"), str):
        raise BodyError("no destination")
    events = body.get("events")
    if not isinstance(events, list):
        raise BodyError("no events array")
    return events


def _has_unknown_type(raw: dict) -> bool:
    """True if the event, its message or its source has a type the SDK does not know."""
    if Event.get_discriminator_value(raw) is None:
        return True
    for part, model in (("message", MessageContent), ("source", Source)):
        value = raw.get(part)
        if isinstance(value, dict) and isinstance(value.get("type"), str) \
                and model.get_discriminator_value(value) is None:
            return True
    return False


def parse_event(raw: Any) -> ParsedEvent:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return ParsedEvent(MALFORMED, raw)
    try:
        if _has_unknown_type(raw):
            return ParsedEvent(UNKNOWN, raw)
        event = Event.from_dict(raw)
    except Exception:  # noqa: BLE001 - pydantic / SDK errors on a bad shape
        return ParsedEvent(MALFORMED, raw)
    if event is None or type(event) is Event:
        return ParsedEvent(MALFORMED, raw)
    return ParsedEvent(OK, raw, event)
