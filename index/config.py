"""Search settings from the environment (one place, shared by the bot and the scripts)."""
from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from faq.db import database_from_env
from faq.postgres import is_url

from .cache import EmbeddingCache
from .embedders import Embedder, embedder_from_env
from .search import SearchConfig
from .share import BuildShare

# Relative paths are resolved against the project root (the directory above index/), like FAQBOT_DB.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SYNC_SECONDS = 5.0


def _path(environ, name: str, default: str) -> Path:
    p = Path(environ.get(name) or default)
    return p if p.is_absolute() else PROJECT_ROOT / p


def index_dir_from_env(environ=os.environ) -> Path:
    return _path(environ, "FAQBOT_INDEX_DIR", "var/index")


def cache_from_env(environ=os.environ) -> EmbeddingCache:
    return EmbeddingCache(_path(environ, "FAQBOT_EMBED_CACHE", "var/embedding-cache.sqlite3"))


def search_config_from_env(environ=os.environ) -> SearchConfig:
    """FAQBOT_ANSWER_THRESHOLD, FAQBOT_ANSWER_MARGIN, FAQBOT_SUGGEST_THRESHOLD override the calibrated values."""
    overrides = {}
    for f in fields(SearchConfig):
        raw = environ.get("FAQBOT_" + f.name.upper())
        if raw:
            try:
                overrides[f.name] = type(f.default)(raw)
            except ValueError:
                raise ValueError(f"FAQBOT_{f.name.upper()} は数値にしてください / must be a number: {raw!r}") from None
    return SearchConfig(**overrides)


def make_embedder(environ=os.environ) -> Embedder:
    return embedder_from_env(environ)


def share_enabled(environ=os.environ, location: str | os.PathLike | None = None) -> bool:
    """FAQBOT_INDEX_SHARE: `1` / `0`; unset (or `auto`): on with a shared PostgreSQL database (several hosts),
    off with the embedded SQLite file (one host). `location`: the database in use when not the environment's
    (a staff tool's --db)."""
    raw = (environ.get("FAQBOT_INDEX_SHARE") or "auto").strip().lower()
    if raw == "auto":
        return is_url(location) if location is not None else bool(environ.get("FAQBOT_DATABASE_URL"))
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"FAQBOT_INDEX_SHARE は 1・0・auto のどれかにしてください / must be 1, 0 or auto: {raw!r}")


def sync_seconds_from_env(environ=os.environ) -> float:
    raw = (environ.get("FAQBOT_INDEX_SYNC_SECONDS") or "").strip()
    if not raw:
        return DEFAULT_SYNC_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"FAQBOT_INDEX_SYNC_SECONDS は正の数（秒）にしてください / must be a positive number: {raw!r}")
    return value


def share_from_env(environ=os.environ, location: str | os.PathLike | None = None) -> BuildShare | None:
    """Where builds are shared between hosts (the database: `location`, else the environment's), or None."""
    if not share_enabled(environ, location):
        return None
    return BuildShare(location if location is not None else database_from_env(environ))
