"""The staff web console (Flask blueprints under ``/console``, Japanese UI).

Services live in ``app.extensions["console"]`` (:class:`bot.console.services.ConsoleServices`),
which also carries the bot's services (tickets, desk, searcher) handed over by the composition
root. Every console route except the login page and the static files needs a logged-in staff session; every POST needs the
session's CSRF token; every response carries no-store and a self-only CSP (see :mod:`.security`).
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from flask import Flask

from bot.config import ConfigError, is_production
from bot.console.access_log import AccessLog
from bot.console.database import ConsoleDatabase
from bot.console.drafts import DraftStore
from bot.console.proposals import ProposalStore
from bot.console.rebuild import IndexRebuilder
from bot.console.services import EXTENSION_KEY, ConsoleServices
from bot.console.sessions import SessionStore
from bot.console.staff import StaffStore
from bot.console.throttle import HashGate, LoginThrottle
from bot.console.unanswered import HandledQueries
from bot.console.uploads import UploadStore
from bot.faq_directory import FaqDirectory
from bot.services import BotServices

log = logging.getLogger(__name__)

URL_PREFIX = "/console"
SESSION_COOKIE_NAME = "faqbot_console"


def create_services(app: Flask, bot: BotServices, embedder_factory: Callable,
                    cache_factory: Callable, share_factory: Callable = lambda: None) -> ConsoleServices:
    cfg = app.config
    clock = bot.clock
    database = ConsoleDatabase(cfg["FAQBOT_DB"])
    staff = StaffStore(database, clock)
    lifetime = timedelta(hours=cfg["FAQBOT_CONSOLE_SESSION_HOURS"])
    return ConsoleServices(
        database=database, staff=staff, sessions=SessionStore(database, staff, lifetime.total_seconds(), clock),
        throttle=LoginThrottle(database, clock=clock), access_log=AccessLog(database, clock),
        handled=HandledQueries(database, clock),
        rebuilder=IndexRebuilder(bot.settings, cfg["FAQBOT_DB"], cfg["FAQBOT_INDEX_DIR"], embedder_factory,
                                 cache_factory, share_factory),
        bot=bot, hash_gate=HashGate(), drafts=DraftStore(database, clock),
        proposals=ProposalStore(database, FaqDirectory(database.conn).get, clock),
        uploads=UploadStore(database, clock))


def init_console(app: Flask, bot: BotServices, embedder_factory: Callable, cache_factory: Callable,
                 share_factory: Callable = lambda: None) -> None:
    """Install the console's services, session cookie settings and blueprints at ``/console``.
    ``embedder_factory`` / ``cache_factory`` / ``share_factory`` are what index rebuilds after an edit use
    (the last one: where a build is shared with the other hosts, or None)."""
    from bot.console.views import console_blueprint, install_error_pages
    services = create_services(app, bot, embedder_factory, cache_factory, share_factory)
    app.extensions[EXTENSION_KEY] = services
    cfg = app.config
    if is_production(cfg) and not cfg["FAQBOT_SECRET_KEY"]:  # never generated into the database
        raise ConfigError("本番モードでは FAQBOT_SECRET_KEY の設定が必要です / FAQBOT_SECRET_KEY is required in production")
    app.secret_key = bot.settings.console_secret_key(cfg["FAQBOT_SECRET_KEY"])
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_PATH=URL_PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not cfg["FAQBOT_CONSOLE_INSECURE_COOKIES"],
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg["FAQBOT_CONSOLE_SESSION_HOURS"]),
    )
    if cfg["FAQBOT_CONSOLE_INSECURE_COOKIES"]:
        log.warning("console session cookies are sent over plain http (FAQBOT_CONSOLE_INSECURE_COOKIES): "
                    "local development only")
    app.register_blueprint(console_blueprint(), url_prefix=URL_PREFIX)
    install_error_pages(app)
