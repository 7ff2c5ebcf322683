"""Application settings, read from the environment once at start-up."""
from __future__ import annotations

import os

from faq.db import db_path_from_env
from index.config import index_dir_from_env

DEFAULT_LINE_API_ENDPOINT = "https://api.line.me"


def config_from_env(environ=os.environ) -> dict:
    return {
        "FAQBOT_ENV": environ.get("FAQBOT_ENV", "development"),
        "FAQBOT_DB": str(db_path_from_env(environ)),
        "FAQBOT_INDEX_DIR": str(index_dir_from_env(environ)),
        "LINE_CHANNEL_SECRET": environ.get("LINE_CHANNEL_SECRET", ""),
        "LINE_CHANNEL_ACCESS_TOKEN": environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        "LINE_API_ENDPOINT": environ.get("LINE_API_ENDPOINT", DEFAULT_LINE_API_ENDPOINT),
    }


class ConfigError(RuntimeError):
    pass


def check_production(config: dict) -> None:
    """In production the bot refuses to start without its LINE credentials."""
    if config.get("FAQBOT_ENV") != "production":
        return
    missing = [k for k in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN") if not config.get(k)]
    if missing:
        raise ConfigError(f"本番モードでは {', '.join(missing)} の設定が必要です / missing in production: {', '.join(missing)}")
