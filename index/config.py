"""Search settings from the environment (one place, shared by the bot and the scripts)."""
from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from .cache import EmbeddingCache
from .embedders import Embedder, embedder_from_env
from .search import SearchConfig

# Relative paths are resolved against the project root (the directory above index/), like FAQBOT_DB.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
