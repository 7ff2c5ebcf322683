"""Rebuilding the search index after a console edit, in a background thread.

Like ``faqctl build-index``: the active FAQ goes through ``index.build.build_index`` (only changed text
is embedded) and the new build is published atomically; the bot's Searcher picks it up on its next query.
One build at a time per process; an edit arriving during a build triggers one more build afterwards.
The state is kept in the settings (:mod:`bot.settings`) so that every worker can show it.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot.settings import INDEX_BUILD_STATUS, SettingsStore
from faq.store import FaqStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildStatus:
    state: str               # "idle" | "running" | "done" | "failed"
    at: str | None = None
    message: str = ""


class IndexRebuilder:
    def __init__(self, settings: SettingsStore, faq_db: str | Path, index_dir: str | Path,
                 embedder_factory: Callable, cache_factory: Callable):
        self.settings = settings
        self.faq_db = faq_db  # a SQLite path or a PostgreSQL URL
        self.index_dir = Path(index_dir)
        self.embedder_factory = embedder_factory
        self.cache_factory = cache_factory
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        self._embedder = None  # loaded on the first build, then reused

    def status(self) -> BuildStatus:
        raw = self.settings.get(INDEX_BUILD_STATUS)
        if raw is None:
            return BuildStatus("idle")
        try:
            return BuildStatus(**json.loads(raw))
        except (ValueError, TypeError):
            return BuildStatus("idle")

    def _set_status(self, state: str, message: str = "") -> None:
        value = json.dumps({"state": state, "at": self.settings.clock.now_iso(), "message": message},
                           ensure_ascii=False)
        self.settings.set(INDEX_BUILD_STATUS, value)

    def request(self) -> None:
        """Start a rebuild (or queue one more if a build is running)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._set_status("running", "検索インデックスを更新しています")
            self._thread = threading.Thread(target=self._run, name="console-index-build", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> BuildStatus:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()

    def _run(self) -> None:
        while True:
            try:
                report = self.build_once()
                self._set_status("done", f"検索インデックスを更新しました（{report.n_entries}件）")
            except Exception as exc:  # noqa: BLE001 - a failed build keeps the old index; staff see why
                log.exception("console index rebuild failed")
                self._set_status("failed", f"検索インデックスを更新できませんでした（{type(exc).__name__}）。"
                                           "以前のインデックスのまま動いています")
            finally:
                self.settings.close()  # this thread's connection
            with self._lock:
                if not self._again:
                    return
                self._again = False

    def build_once(self):
        from index.build import (
            build_index,  # the search stack loads only when a build is needed
        )

        def entries():  # read under the build lock, so the newest FAQ is what gets published last
            store = FaqStore.open(self.faq_db)
            try:
                return store.list()
            finally:
                store.close()
        cache = self.cache_factory()
        try:
            if self._embedder is None:
                self._embedder = self.embedder_factory()
            return build_index(entries, self.index_dir, self._embedder, cache)
        finally:
            cache.close()
