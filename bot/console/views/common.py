"""Helpers shared by the console's views."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, render_template

from bot.console.security import client_ip
from bot.console.services import ConsoleServices, console_services

log = logging.getLogger(__name__)


def services() -> ConsoleServices:
    return console_services()


def clock():
    """The product's clock (a FixedClock in tests)."""
    return services().bot.clock


def bot_conn():
    """The bot's tables (exchanges, tickets) on this thread's connection."""
    return services().bot.database.conn()


def tickets():
    return services().bot.tickets


def desk():
    return services().bot.desk


def searcher():
    return services().bot.searcher


def faq_db_path() -> str:
    return current_app.config["FAQBOT_DB"]


def faq_store():
    """The FAQ store on the shared database, stamping with the product's clock (close it after use)."""
    from faq.store import FaqStore
    return FaqStore.open(faq_db_path(), clock())


def log_access(action: str, *, ticket_id: int | None = None, target: str | None = None) -> None:
    services().access_log.write(g.staff.username, action, ticket_id=ticket_id, target=target, ip=client_ip())


def current_disaster_mode():
    """The disaster mode for the page header; a problem reading it must not break every page."""
    try:
        return services().bot.disaster.current()
    except Exception:  # noqa: BLE001
        log.exception("could not read the disaster mode for the console header")
        return None


@dataclass(frozen=True)
class SearchHealth:
    """Whether this worker searches with the full index, and how many answers were degraded lately."""
    degraded: bool
    problem: str | None
    recent_degraded: int
    build: str | None = None          # the build this server answers from (each host may differ for seconds)
    kept_old: str | None = None       # why a newer build was refused or not fetched (the old one still serves)


def current_search_health(window_minutes: int = 60) -> SearchHealth | None:
    """For the page header: staff must see when the bot answers from lexical search only."""
    try:
        health = searcher().health()
        recent = services().bot.exchanges.degraded_since(clock().iso_ago(timedelta(minutes=window_minutes)))
        kept_old = health.sync_problem or (health.problem if not health.degraded else None)
        return SearchHealth(health.degraded, health.problem if health.degraded else None, recent,
                            build=health.build, kept_old=kept_old)
    except Exception:  # noqa: BLE001
        log.exception("could not read the search health for the console header")
        return None


def render(template: str, status: int = 200, **context):
    return render_template(f"console/{template}", **context), status
