"""Helpers shared by the console's views."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, g, render_template

from bot import DATABASE_KEY, DESK_KEY, SEARCHER_KEY, TICKETS_KEY
from bot.console import CONSOLE_KEY, ConsoleServices
from bot.console.security import client_ip

log = logging.getLogger(__name__)


def services() -> ConsoleServices:
    return current_app.extensions[CONSOLE_KEY]


def bot_conn():
    """The bot's tables (exchanges, tickets) on this thread's connection."""
    return current_app.extensions[DATABASE_KEY].conn()


def tickets():
    return current_app.extensions[TICKETS_KEY]


def desk():
    return current_app.extensions[DESK_KEY]


def searcher():
    return current_app.extensions.get(SEARCHER_KEY)


def faq_db_path() -> str:
    return current_app.config["FAQBOT_DB"]


def log_access(action: str, *, ticket_id: int | None = None, target: str | None = None) -> None:
    services().access_log.write(g.staff.username, action, ticket_id=ticket_id, target=target, ip=client_ip())


def current_disaster_mode():
    """The disaster mode for the page header; a problem reading it must not break every page."""
    try:
        from bot.disaster import read_disaster_mode
        return read_disaster_mode(faq_db_path())
    except Exception:  # noqa: BLE001
        log.exception("could not read the disaster mode for the console header")
        return None


@dataclass(frozen=True)
class SearchHealth:
    """Whether this worker searches with the full index, and how many answers were degraded lately."""
    degraded: bool
    problem: str | None
    recent_degraded: int


def current_search_health(window_minutes: int = 60) -> SearchHealth | None:
    """For the page header: staff must see when the bot answers from lexical search only."""
    try:
        found = searcher()
        snap = found.snapshot if found is not None else None
        degraded = snap is None or not snap.has_dense
        since = (datetime.now(timezone.utc) - timedelta(minutes=window_minutes)).isoformat(timespec="milliseconds")
        recent = bot_conn().execute("SELECT count(*) FROM bot_exchanges WHERE degraded = 1 AND created_at >= ?",
                                    [since]).fetchone()[0]
        return SearchHealth(degraded, getattr(found, "problem", None) if degraded else None, int(recent))
    except Exception:  # noqa: BLE001
        log.exception("could not read the search health for the console header")
        return None


def render(template: str, status: int = 200, **context):
    return render_template(f"console/{template}", **context), status
