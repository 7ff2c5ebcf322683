"""The LINE bot (Flask). ``create_app`` lives in :mod:`bot.app`; it is imported lazily so that
light tools (``scripts/purge_exchanges.py``) can use ``bot.config`` / ``bot.retention``
without loading Flask, the LINE SDK and the search stack."""
from __future__ import annotations

# Keys of the services in app.extensions.
SEARCHER_KEY = "faq_searcher"
DATABASE_KEY = "bot_database"
TICKETS_KEY = "bot_tickets"      # bot.tickets.TicketStore
DESK_KEY = "bot_desk"            # bot.desk.DeskService


def create_app(config: dict | None = None):
    """The Flask application (see :func:`bot.app.create_app`)."""
    from bot.app import create_app as _create_app
    return _create_app(config)
