"""Start-up checks of the composition root: is there a knowledge base to answer from?

Production refuses to start with an empty FAQ or no search index (a bot that can only say "ask the desk"
looks alive but helps nobody) unless FAQBOT_ALLOW_EMPTY is set. Development prepares one itself: the seed
FAQ and the index, in the background, so the server answers at once and picks the index up when built."""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

from bot.config import ConfigError
from bot.services import BotServices

if TYPE_CHECKING:
    from index.prepare import PrepareReport

log = logging.getLogger(__name__)

EMPTY_IN_PRODUCTION = (
    "本番モードでは、FAQ が1件もないか検索インデックスが無いため起動しません。"
    "先に faqctl import faq/seed/*.jsonl（または自治体のFAQファイル）と faqctl build-index を実行してください"
    "（空のまま起動するには FAQBOT_ALLOW_EMPTY=1） / "
    "refusing to start in production: the FAQ is empty or there is no search index; run "
    "`faqctl import faq/seed/*.jsonl` (or your FAQ files) and `faqctl build-index` first, "
    "or set FAQBOT_ALLOW_EMPTY=1")


def require_knowledge_base(services: BotServices, active_entries: int, allow_empty: bool) -> None:
    """Production: raise ConfigError (the process exits) unless there are FAQ entries and an index."""
    health = services.searcher.health()
    if active_entries > 0 and health.published:
        return
    if allow_empty:
        log.warning("starting in production with %s (FAQBOT_ALLOW_EMPTY): every question goes to the desk "
                    "until `faqctl build-index` has run", "no FAQ" if active_entries == 0 else "no search index")
        return
    log.critical(EMPTY_IN_PRODUCTION)
    raise ConfigError(EMPTY_IN_PRODUCTION)


def prepare_in_background(prepare: Callable[[], "PrepareReport"]) -> threading.Thread:
    """Development: run `prepare` (seed import + index build, under a file lock so that gunicorn workers
    starting together build once) without holding up the worker's start."""
    def run():
        log.info("development: preparing the knowledge base (seed FAQ when empty, search index when missing)")
        try:
            report = prepare()
        except Exception:  # noqa: BLE001 - the bot keeps serving (lexical search or the desk); say why
            log.exception("development: the knowledge base could not be prepared; run `faqctl build-index`")
            return
        if report.seeded:
            log.info("development: imported the seed FAQ (%d entries, faq/seed/*.jsonl)", report.seeded)
        if report.built:
            log.info("development: search index built (%d entries, %d texts embedded, %.1f s)",
                     report.entries, report.embedded, report.seconds)
        else:
            log.info("development: knowledge base already prepared (FAQ and search index present)")

    thread = threading.Thread(target=run, name="faqbot-prepare", daemon=True)
    thread.start()
    return thread
