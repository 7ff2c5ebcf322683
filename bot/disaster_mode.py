"""24-hour disaster-support mode, one setting in ``bot_settings`` (:mod:`bot.settings`).

:class:`DisasterModes` is the only way to read or switch it: ``faqctl disaster on|off|status``
and the staff console switch it with :meth:`DisasterModes.set`; every gunicorn worker reads it per
event with :meth:`DisasterModes.current` (one indexed SELECT on the worker's own connection), so a
change takes effect at once. The last changes are kept in the same setting so that staff can see
who switched what.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from bot.settings import DISASTER_MODE, SettingsStore
from bot.storage import BotDatabase
from faq.clock import SYSTEM_CLOCK, Clock
from faq.text import normalize_query

log = logging.getLogger(__name__)

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


def clean_name(name: str) -> str:
    return normalize_query(name or "")


def _history_items(raw: str | None) -> list:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return []
    items = data.get("history") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


@dataclass(frozen=True)
class HistoryItem:
    """One switch, for staff: when (stored UTC), who, and what it was switched to."""
    at: str | None
    by: str | None
    active: bool
    name: str
    desk_24h: bool


class DisasterModes:
    """``on_switch(active)`` runs after the mode flips (the composition root passes the rich-menu switch);
    its failure is logged and never undoes or blocks the switch."""

    def __init__(self, settings: SettingsStore, clock: Clock = SYSTEM_CLOCK,
                 on_switch: Callable[[bool], object] | None = None):
        self.settings = settings
        self.clock = clock
        self.on_switch = on_switch
        self._last = OFF

    @classmethod
    def open(cls, db_path: str | Path, clock: Clock = SYSTEM_CLOCK,
             on_switch: Callable[[bool], object] | None = None) -> "DisasterModes":
        """For tools that hold no services (faqctl): on the database at ``db_path``."""
        return cls(SettingsStore(BotDatabase(db_path), clock), clock, on_switch)

    def current(self) -> DisasterMode:
        """The mode now, read per event; on a database error the last mode read (answers go on)."""
        try:
            self._last = _from_json(self.settings.get(DISASTER_MODE))
        except Exception:  # noqa: BLE001 - a failed read must not stop answers
            log.exception("could not read the disaster mode; keeping the last known one")
        return self._last

    __call__ = current  # the conversation's ``disaster_mode=`` callable

    def history(self) -> list[HistoryItem]:
        """The last changes, newest first."""
        items = []
        for item in reversed(_history_items(self.settings.get(DISASTER_MODE))):
            if isinstance(item, dict):
                items.append(HistoryItem(item.get("at"), item.get("by"), bool(item.get("active")),
                                         str(item.get("name") or ""), bool(item.get("desk_24h"))))
        return items

    def set(self, *, active: bool, name: str = "", desk_24h: bool = True, by: str) -> DisasterMode:
        """Switch on (or rename) or off; raises ValueError (Japanese first) on a bad name and changes nothing."""
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
        now = self.clock.now_iso()
        result: list[DisasterMode] = []
        was_active: list[bool] = []

        def change(raw: str | None) -> str:
            current = _from_json(raw)
            was_active.append(current.active)
            if active:
                # switching on again (e.g. renaming) keeps the original start time
                since = current.since if current.active else now
                mode = DisasterMode(True, name, since, bool(desk_24h), by)
            else:
                mode = DisasterMode(False, "", None, False, by)
            history = _history_items(raw)
            history.append({"at": now, "by": by, "active": mode.active, "name": mode.name or current.name,
                            "desk_24h": mode.desk_24h})
            result.append(mode)
            # the mode and its history in one setting: one write, they never disagree
            return json.dumps(dict(asdict(mode), history=history[-HISTORY_MAX:]), ensure_ascii=False)

        self.settings.update(DISASTER_MODE, change)
        self._last = mode = result[-1]
        log.info("disaster mode %s by staff", "on" if mode.active else "off")
        if self.on_switch is not None and mode.active != was_active[-1]:
            try:
                self.on_switch(mode.active)
            except Exception:  # noqa: BLE001 - the mode is switched; a follower's failure must not hide that
                log.exception("a follower of the disaster-mode switch failed")
        return mode
