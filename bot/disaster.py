"""24-hour disaster-support mode, stored in the FAQ database's settings.

``faqctl disaster on|off|status`` and the staff console both go through
:func:`set_disaster_mode`; every gunicorn worker reads the setting per event with
:func:`read_disaster_mode` (one indexed SELECT), so a change takes effect at once.
The last changes are kept in the same setting so that staff can see who switched what.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import sqlite_utils

from bot.storage import utc_now_iso
from faq.store import FaqStore
from faq.text import normalize_query

log = logging.getLogger(__name__)

SETTING_KEY = "disaster_mode"
HISTORY_MAX = 30
NAME_MAX = 40
BY_MAX = 40
DISASTER_CATEGORY = "disaster-support"
# How far relevant disaster-support entries move up the order in disaster mode (search scores are
# 0..1; a topic picked from the menu uses the search default, 0.05). Only the order changes, so a
# boosted entry is offered first but never turned into a confident answer by the boost.
DISASTER_BOOST = 0.10


@dataclass(frozen=True)
class DisasterMode:
    active: bool
    name: str
    since: str | None
    desk_24h: bool
    changed_by: str | None


OFF = DisasterMode(active=False, name="", since=None, desk_24h=False, changed_by=None)


def _from_json(raw: str | None) -> DisasterMode:
    if not raw:
        return OFF
    try:
        data = json.loads(raw)
        return DisasterMode(active=bool(data["active"]), name=str(data.get("name") or ""),
                            since=data.get("since"), desk_24h=bool(data.get("desk_24h")),
                            changed_by=data.get("changed_by"))
    except (ValueError, KeyError, TypeError):
        log.error("the disaster mode setting is unreadable; treating disaster mode as off")
        return OFF


def read_disaster_mode(db_path: str | Path) -> DisasterMode:
    store = FaqStore.open(db_path)
    try:
        return _from_json(store.get_setting(SETTING_KEY))
    finally:
        store.close()


def disaster_history(db_path: str | Path) -> list[dict]:
    """The last changes, newest first: {"at", "by", "active", "name", "desk_24h"}."""
    store = FaqStore.open(db_path)
    try:
        raw = store.get_setting(SETTING_KEY)
    finally:
        store.close()
    return list(reversed(_history_items(raw)))


def clean_name(name: str) -> str:
    return normalize_query(name or "")


def set_disaster_mode(db_path: str | Path, *, active: bool, name: str = "", desk_24h: bool = True,
                      by: str, on_switch: Callable[[bool], object] | None = None) -> DisasterMode:
    """Raises ValueError (Japanese message) when turning on without a name. When the mode flips,
    `on_switch(active)` runs after the change is stored (default: the rich menu follows the mode)."""
    by = normalize_query(by or "")
    if not by:
        raise ValueError("操作した職員名を指定してください / staff name is required")
    if len(by) > BY_MAX:
        raise ValueError(f"職員名は{BY_MAX}文字以内にしてください / staff name too long")
    name = clean_name(name)
    if active and not name:
        raise ValueError("災害名を指定してください（例: 令和8年台風10号） / a disaster name is required")
    if len(name) > NAME_MAX:
        raise ValueError(f"災害名は{NAME_MAX}文字以内にしてください（{len(name)}文字） / name too long")
    now = utc_now_iso()
    store = FaqStore.open(db_path)
    try:
        raw = store.get_setting(SETTING_KEY)
        current = _from_json(raw)
        if active:
            # switching on again (e.g. renaming) keeps the original start time
            since = current.since if current.active else now
            mode = DisasterMode(True, name, since, bool(desk_24h), by)
        else:
            mode = DisasterMode(False, "", None, False, by)
        history = _history_items(raw)
        history.append({"at": now, "by": by, "active": mode.active, "name": mode.name or current.name,
                        "desk_24h": mode.desk_24h})
        # the mode and its history in one setting: one write, they never disagree
        store.set_setting(SETTING_KEY, json.dumps(dict(asdict(mode), history=history[-HISTORY_MAX:]),
                                                  ensure_ascii=False))
    finally:
        store.close()
    log.info("disaster mode %s by staff", "on" if mode.active else "off")
    if mode.active != current.active:
        if on_switch is None:
            from bot.richmenu.switch import follow_disaster_mode as on_switch
        on_switch(mode.active)
    return mode


def _history_items(raw: str | None) -> list:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return []
    items = data.get("history") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def mode_reader(conn: Callable[[], sqlite_utils.Database]):
    """A per-event reader for the bot, on the worker's own per-thread connection (one SELECT, no
    connection opened per event); on a database error it keeps the last mode it read."""
    last = [OFF]

    def read() -> DisasterMode:
        try:
            row = conn().execute("SELECT value FROM settings WHERE key = ?", [SETTING_KEY]).fetchone()
            last[0] = _from_json(row[0] if row else None)
        except Exception:  # noqa: BLE001 - a failed read must not stop answers
            log.exception("could not read the disaster mode; keeping the last known one")
        return last[0]
    return read
