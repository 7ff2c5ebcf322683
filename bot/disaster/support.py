"""Disaster support beyond the FAQ: the support navigator and the nearest open shelter.

The conversation's flows call this one object: a text first (an open navigator, the words that
start it or ask for a shelter), a tapped navigator or shelter button, a location message.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot.conversation.decision import Decision
from bot.conversation.turn import Turn, Utterance
from bot.disaster import phrases as sp
from bot.disaster.navigator.flow import NavigatorFlow
from bot.disaster.navigator.source import CatalogueSource
from bot.disaster.navigator.state import NavigatorStore
from bot.disaster.shelters.flow import ShelterFlow
from bot.disaster.shelters.store import ShelterStore
from bot.disaster.storage import DisasterDatabase
from faq.clock import Clock
from faq.support_programmes import DEFAULT_PATH


@dataclass(frozen=True)
class DisasterSupport:
    navigator: NavigatorFlow
    shelters: ShelterFlow
    shelter_store: ShelterStore     # for the console and the CLI

    def text(self, said: Utterance, turn: Turn, lead: tuple[str, ...] = ()) -> Decision | None:
        """The reply when the text belongs to the navigator or asks for a shelter; None otherwise."""
        if not turn.known_user:   # the navigator's state is per resident: one-to-one chats only
            return None
        decision = self.navigator.typed(turn, said)
        if decision is None and sp.NAVIGATOR_WORDS.search(said.query) and self.navigator.catalogue is not None:
            decision = self.navigator.start(turn, said.query)
        if decision is None and sp.SHELTER_WORDS.search(said.query) and self.shelters.available():
            return self.shelters.ask_location(turn, said.query, lead, said.masked)
        if decision is None:
            return None
        record = replace(decision.record, pii_masked=True) if said.masked and decision.record else decision.record
        return Decision((*lead, *decision.blocks), decision.choices, record, decision.desk)


def build_disaster_support(db_path, clock: Clock, faq_exists=lambda _id: True,
                           catalogue_path=DEFAULT_PATH) -> DisasterSupport:
    """The navigator and shelters on the shared database. The programme data is validated when read (at the
    first event and whenever the file changes); problems are logged and never stop the bot."""
    db = DisasterDatabase(db_path)
    catalogue = CatalogueSource(catalogue_path)
    shelters = ShelterStore(db, clock)
    return DisasterSupport(NavigatorFlow(catalogue, NavigatorStore(db, clock), faq_exists),
                           ShelterFlow(shelters), shelters)
