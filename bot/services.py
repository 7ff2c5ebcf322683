"""The bot's shared services, created once by the composition root (:mod:`bot.app`).

Blueprints receive what they need from here through their ``init_*`` functions; nothing else
creates a store, a sender or a searcher."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # types only: the services are built in bot.app
    from bot.conversation.conversation import Conversation
    from bot.desk.handoff import Handoff
    from bot.desk.service import DeskService
    from bot.desk.tickets import TicketStore
    from bot.disaster.support import DisasterSupport
    from bot.disaster_mode import DisasterModes
    from bot.line.answering import AnswerWorkers
    from bot.line.client import LineSender
    from bot.line.handler import EventHandler
    from bot.records.exchanges import ExchangeLog
    from bot.settings import SettingsStore
    from bot.storage import BotDatabase
    from faq.clock import Clock
    from index.search import Searcher

EXTENSION_KEY = "faqbot"


@dataclass
class BotServices:
    clock: Clock
    database: BotDatabase
    settings: SettingsStore
    disaster: DisasterModes
    searcher: Searcher          # replaceable (tests swap in a failing one); read through this object
    exchanges: ExchangeLog
    tickets: TicketStore
    desk: DeskService
    handoff: Handoff
    sender: LineSender
    conversation: Conversation
    events: EventHandler
    support: DisasterSupport | None = None   # the support navigator and shelters
    # learn_wording(faq_id, wording): a resident's wording that a 「もしかして」 choice resolved, proposed as an
    # alt question (the console's 言い換え候補; set by the composition root once the console exists)
    learn_wording: Callable[[str, str], object] | None = None
    answer_workers: AnswerWorkers | None = None  # queue mode (FAQBOT_ANSWER_MODE): the answering threads


def bot_services(app) -> BotServices:
    """The services of a created app (for tests and tools that hold the app)."""
    return app.extensions[EXTENSION_KEY]
