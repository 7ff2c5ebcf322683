"""The resident's side: asking for the location, and the nearest open shelters for a location message.

The coordinates are used for this reply only: the exchange records that a location was used
(kind ``shelter``), never where."""
from __future__ import annotations

from bot.conversation import choices
from bot.conversation.decision import Choice, Decision, Record
from bot.conversation.turn import Turn
from bot.disaster import phrases as sp
from bot.disaster.shelters.model import hazards_for, map_url, nearest_open
from bot.disaster.shelters.store import ShelterStore

KIND = "shelter"


def location_choice() -> Choice:
    return Choice(sp.LOCATION_LABEL, None)


class ShelterFlow:
    def __init__(self, store: ShelterStore):
        self._store = store

    def available(self) -> bool:
        """Some shelter is open: only then is the location worth asking for (else the FAQ answers)."""
        return self._store.any_open()

    def ask_location(self, turn: Turn, query: str | None = None, lead: tuple[str, ...] = (),
                     pii_masked: bool = False) -> Decision:
        return Decision((*lead, sp.ASK_LOCATION), (location_choice(), choices.desk(), choices.menu()),
                        Record(kind=KIND, decision="ask_location", query=query, pii_masked=pii_masked))

    def nearest(self, turn: Turn, latitude: float, longitude: float) -> Decision:
        hazards = hazards_for(turn.mode.name) if turn.mode.active else ()
        found, suited = nearest_open(self._store.list(), latitude, longitude, hazards)
        if not found:
            return Decision((sp.NO_OPEN_SHELTER,), (location_choice(), choices.desk(), choices.menu()),
                            Record(kind=KIND, decision="none_open", reason="location"))
        lines = []
        for i, near in enumerate(found, 1):
            s = near.shelter
            lines.append(sp.shelter_line(i, s.name, near.distance_m, s.address, map_url(s.latitude, s.longitude)))
        blocks = []
        if hazards and not suited:
            blocks.append(sp.SHELTERS_NOT_SUITED)
        blocks.append(sp.shelters_found("・".join(hazards) if suited else None) + "\n\n" + "\n\n".join(lines))
        return Decision(tuple(blocks), (location_choice(), choices.desk(), choices.menu()),
                        Record(kind=KIND, decision="nearest", reason="location"))
