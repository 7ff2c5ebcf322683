"""The disaster-support tables (component "disaster") in the shared database (SQLite or PostgreSQL): the
navigator's per-resident state, the shelter list and the history of shelter status changes.

A component of its own, so its migrations never interleave with the bot's."""
from __future__ import annotations

from bot.storage import ComponentDatabase
from faq.db import Database


def _create_v1(db: Database) -> None:
    # The navigator's state, by pseudonym only: the answers so far (option values), expiring.
    db.execute("""CREATE TABLE disaster_navigator (
        user_hash TEXT PRIMARY KEY,
        answers TEXT NOT NULL,
        updated_at REAL NOT NULL)""")
    # Designated shelters imported from the open-data CSV; status is set by staff.
    db.execute("""CREATE TABLE disaster_shelters (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        address TEXT NOT NULL,
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        hazards TEXT NOT NULL,
        capacity INTEGER,
        phone TEXT,
        status TEXT NOT NULL DEFAULT 'closed',
        status_at TEXT,
        status_by TEXT)""")
    db.execute("""CREATE TABLE disaster_shelter_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        shelter_id TEXT,
        action TEXT NOT NULL,
        detail TEXT)""")
    db.execute("CREATE INDEX disaster_shelter_history_shelter ON disaster_shelter_history(shelter_id, id)")


MIGRATIONS = [_create_v1]


class DisasterDatabase(ComponentDatabase):
    COMPONENT = "disaster"
    MIGRATIONS = MIGRATIONS
