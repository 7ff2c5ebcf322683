"""What the console's views use: its own stores and the bot's services, installed by
:func:`bot.console.init_console`."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from bot.console.access_log import AccessLog
from bot.console.database import ConsoleDatabase
from bot.console.drafts import DraftStore
from bot.console.proposals import ProposalStore
from bot.console.rebuild import IndexRebuilder
from bot.console.sessions import SessionStore
from bot.console.staff import StaffStore
from bot.console.throttle import HashGate, LoginThrottle
from bot.console.unanswered import HandledQueries
from bot.console.uploads import UploadStore
from bot.services import BotServices

EXTENSION_KEY = "console"


@dataclass
class ConsoleServices:
    database: ConsoleDatabase
    staff: StaffStore
    sessions: SessionStore
    throttle: LoginThrottle
    access_log: AccessLog
    handled: HandledQueries
    rebuilder: IndexRebuilder
    bot: BotServices
    hash_gate: HashGate
    drafts: DraftStore
    proposals: ProposalStore
    uploads: UploadStore


def console_services(app=None) -> ConsoleServices:
    return (app or current_app).extensions[EXTENSION_KEY]
