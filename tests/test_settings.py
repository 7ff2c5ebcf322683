"""The one settings store and disaster mode: the migration keeps what older databases held, the
reader keeps the last known mode when the database fails, and every switch is in the history."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from line_testkit import rows

from bot import storage
from bot.console.database import ConsoleDatabase
from bot.disaster_mode import OFF, DisasterModes
from bot.settings import (
    CONSOLE_SECRET_KEY,
    DISASTER_MODE,
    INDEX_BUILD_STATUS,
    SettingsStore,
)
from bot.storage import BotDatabase
from faq.clock import FixedClock
from faq.db import DatabaseError, migrate, open_db, table_names
from faq.store import FaqStore

AT = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
OLD_MODE = {"active": True, "name": "令和8年台風10号", "since": "2026-11-20T00:00:00+00:00", "desk_24h": True,
            "changed_by": "yamada", "history": [{"at": "2026-11-20T00:00:00+00:00", "by": "yamada", "active": True,
                                                 "name": "令和8年台風10号", "desk_24h": True}]}


def tables(path) -> set[str]:
    db = open_db(path)
    try:
        return table_names(db)
    finally:
        db.conn.close()


def old_database(path) -> None:
    """A database as the previous release left it: three key/value tables and bot_handoff_requests."""
    db = open_db(path)
    FaqStore(db)
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)")
    db.execute("INSERT INTO settings VALUES (?, ?, ?)",
               [DISASTER_MODE, json.dumps(OLD_MODE, ensure_ascii=False), "2026-11-20T00:00:00+00:00"])
    migrate(db, storage.COMPONENT, storage.MIGRATIONS[:2])
    db.execute("INSERT INTO bot_settings (key, value) VALUES ('user_hash_salt', 'old-salt')")
    migrate(db, "console", ConsoleDatabase.MIGRATIONS)
    db.execute("CREATE TABLE console_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO console_settings VALUES (?, 'old-secret-key'), (?, ?)",
               [CONSOLE_SECRET_KEY, INDEX_BUILD_STATUS, '{"state": "done", "at": null, "message": "ok"}'])
    db.conn.close()


def test_the_migration_moves_every_setting_into_bot_settings_and_drops_the_old_tables(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    old_database(path)
    assert {"settings", "console_settings", "bot_handoff_requests"} <= tables(path)
    settings = SettingsStore(BotDatabase(path), FixedClock(AT))
    assert not {"settings", "console_settings", "bot_handoff_requests"} & tables(path)
    assert settings.user_hash_salt("") == "old-salt"
    assert settings.console_secret_key("") == "old-secret-key"
    assert json.loads(settings.get(INDEX_BUILD_STATUS))["state"] == "done"
    modes = DisasterModes(settings, FixedClock(AT))
    mode = modes.current()
    assert (mode.active, mode.name, mode.desk_24h, mode.changed_by) == (True, "令和8年台風10号", True, "yamada")
    assert [(h.by, h.active) for h in modes.history()] == [("yamada", True)]
    # a second start (another worker) finds the schema current and changes nothing
    assert SettingsStore(BotDatabase(path)).console_secret_key("") == "old-secret-key"


def test_a_new_database_has_one_settings_table(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    FaqStore.open(path).close()
    BotDatabase(path)
    ConsoleDatabase(path)
    found = tables(path)
    assert "bot_settings" in found and not {"settings", "console_settings", "bot_handoff_requests"} & found


def test_switching_stamps_the_clock_keeps_the_start_and_writes_history(tmp_path):
    clock = FixedClock(AT)
    modes = DisasterModes(SettingsStore(BotDatabase(tmp_path / "db.sqlite3"), clock), clock)
    assert modes.current() == OFF and modes.history() == []
    on = modes.set(active=True, name="令和８年　台風10号", by="yamada")
    assert (on.active, on.name, on.since, on.desk_24h) == (True, "令和8年 台風10号", "2026-11-24T01:00:00.000+00:00", True)
    clock.advance(hours=2)
    renamed = modes.set(active=True, name="令和8年台風10号", desk_24h=False, by="sato")
    assert renamed.since == on.since and not renamed.desk_24h
    clock.advance(hours=1)
    assert not modes.set(active=False, by="sato").active
    assert [(h.at, h.by, h.active) for h in modes.history()] == [
        ("2026-11-24T04:00:00.000+00:00", "sato", False), ("2026-11-24T03:00:00.000+00:00", "sato", True),
        ("2026-11-24T01:00:00.000+00:00", "yamada", True)]
    assert rows(tmp_path / "db.sqlite3", "SELECT updated_at FROM bot_settings WHERE key = ?",
                (DISASTER_MODE,)) == [{"updated_at": "2026-11-24T04:00:00.000+00:00"}]


@pytest.mark.parametrize("name, message", [("", "災害名を指定してください"), ("台" * 41, "40文字以内")])
def test_a_bad_name_is_refused_and_changes_nothing(tmp_path, name, message):
    modes = DisasterModes.open(tmp_path / "db.sqlite3")
    with pytest.raises(ValueError, match=message):
        modes.set(active=True, name=name, by="yamada")
    assert modes.current() == OFF and modes.history() == []


def test_the_reader_keeps_the_last_known_mode_when_the_database_fails(tmp_path):
    database = BotDatabase(tmp_path / "db.sqlite3")
    modes = DisasterModes(SettingsStore(database))
    modes.set(active=True, name="令和8年台風10号", by="yamada")
    reader = DisasterModes(SettingsStore(database))
    assert reader.current().active
    database.conn().execute("DROP TABLE bot_settings")  # every read fails from here on
    with pytest.raises(DatabaseError):
        SettingsStore(database).get(DISASTER_MODE)
    assert reader.current().active and reader.current().name == "令和8年台風10号"
