"""The staff web console (Flask blueprints under ``/console``, Japanese UI).

Services live in ``app.extensions["console"]`` (:class:`ConsoleServices`). Every console route
except the login page and the static files needs a logged-in staff session; every POST needs the
session's CSRF token; every response carries no-store and a self-only CSP (see :mod:`.security`).
The ticket pages use ``bot.tickets.TicketStore`` and ``bot.desk.DeskService`` from
``app.extensions`` (keys ``bot_tickets`` / ``bot_desk``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from bot.console.access_log import AccessLog
from bot.console.database import ConsoleDatabase
from bot.console.rebuild import IndexRebuilder
from bot.console.sessions import SessionStore
from bot.console.staff import StaffStore
from bot.console.throttle import LoginThrottle
from bot.console.unanswered import HandledQueries

log = logging.getLogger(__name__)

CONSOLE_KEY = "console"
URL_PREFIX = "/console"
SESSION_COOKIE_NAME = "faqbot_console"


@dataclass
class ConsoleServices:
    database: ConsoleDatabase
    staff: StaffStore
    sessions: SessionStore
    throttle: LoginThrottle
    access_log: AccessLog
    handled: HandledQueries
    rebuilder: IndexRebuilder


def create_services(app: Flask) -> ConsoleServices:
    from index.config import cache_from_env, make_embedder
    cfg = app.config
    database = ConsoleDatabase(cfg["FAQBOT_DB"])
    staff = StaffStore(database)
    lifetime = timedelta(hours=cfg["FAQBOT_CONSOLE_SESSION_HOURS"])
    return ConsoleServices(
        database=database, staff=staff, sessions=SessionStore(database, staff, lifetime.total_seconds()),
        throttle=LoginThrottle(database), access_log=AccessLog(database), handled=HandledQueries(database),
        rebuilder=IndexRebuilder(database, cfg["FAQBOT_DB"], cfg["FAQBOT_INDEX_DIR"], make_embedder, cache_from_env))


def init_console(app: Flask) -> None:
    """Install the console's services, session cookie settings and blueprints at ``/console``."""
    from bot.console.views import console_blueprint, install_error_pages
    services = create_services(app)
    app.extensions[CONSOLE_KEY] = services
    cfg = app.config
    app.secret_key = services.database.secret_key(cfg["FAQBOT_SECRET_KEY"])
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
