"""The programme data as the running bot sees it: re-read when staff change the file, and a broken
file never stops the bot (the last good data stays in use; with none, the navigator is unavailable
and the FAQ answers as usual)."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from faq.support_programmes import Catalogue, SupportDataError, load_catalogue

log = logging.getLogger(__name__)


class CatalogueSource:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._catalogue: Catalogue | None = None
        self.problems: list[str] = []

    def __call__(self) -> Catalogue | None:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError as exc:
            stamp = None
            if not self.problems:
                self.problems = [f"{self.path}: ファイルがありません / missing: {exc}"]
                log.error("support programme data unavailable: %s", self.problems[0])
            return self._catalogue
        if stamp == self._stamp:
            return self._catalogue
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._catalogue = load_catalogue(self.path)
                    self.problems = []
                except SupportDataError as exc:
                    self.problems = exc.problems
                    log.error("support programme data refused (%d problems; %s): %s", len(exc.problems),
                              "keeping the last good data" if self._catalogue else "navigator unavailable",
                              "; ".join(exc.problems[:5]))
        return self._catalogue
