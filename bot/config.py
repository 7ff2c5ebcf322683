"""Application settings, read from the environment once at start-up."""
from __future__ import annotations

import os

from faq.db import db_path_from_env

DEFAULT_LINE_API_ENDPOINT = "https://api.line.me"
DEFAULT_RETENTION_DAYS = 365
DEFAULT_DESK_PHONE = "088-000-0000"
DEFAULT_DESK_HOURS = "平日 8時30分〜17時15分（土日祝日・年末年始を除く）"
# LINE webhook bodies are small; anything above this is refused with 413 before it is read.
MAX_WEBHOOK_BODY_BYTES = 1024 * 1024
MIN_PRODUCTION_SALT_CHARS = 16


class ConfigError(RuntimeError):
    pass


def _int_setting(environ, name: str, default: int, minimum: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} は整数にしてください / {name} must be an integer: {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} は {minimum} 以上にしてください / {name} must be >= {minimum}: {value}")
    return value


def config_from_env(environ=os.environ) -> dict:
    from index.config import index_dir_from_env  # here: the purge tool needs no search stack
    return {
        "FAQBOT_ENV": environ.get("FAQBOT_ENV", "development"),
        "FAQBOT_DB": str(db_path_from_env(environ)),
        "FAQBOT_INDEX_DIR": str(index_dir_from_env(environ)),
        "LINE_CHANNEL_SECRET": environ.get("LINE_CHANNEL_SECRET", ""),
        "LINE_CHANNEL_ACCESS_TOKEN": environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        "LINE_API_ENDPOINT": environ.get("LINE_API_ENDPOINT", DEFAULT_LINE_API_ENDPOINT),
        # Secret key of the HMAC that turns LINE user ids into the stored pseudonyms.
        "FAQBOT_USER_HASH_SALT": environ.get("FAQBOT_USER_HASH_SALT", ""),
        "FAQBOT_RETENTION_DAYS": _int_setting(environ, "FAQBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1),
        "FAQBOT_DESK_PHONE": environ.get("FAQBOT_DESK_PHONE") or DEFAULT_DESK_PHONE,
        "FAQBOT_DESK_HOURS": environ.get("FAQBOT_DESK_HOURS") or DEFAULT_DESK_HOURS,
        # Set only by scripts/run_local.py: mounts the local chat page and Messaging API stub.
        "FAQBOT_EMULATOR": False,
        "MAX_CONTENT_LENGTH": MAX_WEBHOOK_BODY_BYTES,
    }


def is_production(config: dict) -> bool:
    return config.get("FAQBOT_ENV") == "production"


def check_production(config: dict) -> None:
    """In production the bot refuses to start without its secrets, and never runs the emulator."""
    if not is_production(config):
        return
    missing = [k for k in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "FAQBOT_USER_HASH_SALT")
               if not config.get(k)]
    if missing:
        raise ConfigError(f"本番モードでは {', '.join(missing)} の設定が必要です / missing in production: {', '.join(missing)}")
    if len(config["FAQBOT_USER_HASH_SALT"]) < MIN_PRODUCTION_SALT_CHARS:
        raise ConfigError(f"FAQBOT_USER_HASH_SALT は {MIN_PRODUCTION_SALT_CHARS} 文字以上のランダムな値にしてください / "
                          f"FAQBOT_USER_HASH_SALT must be at least {MIN_PRODUCTION_SALT_CHARS} random characters")
    if config.get("FAQBOT_EMULATOR"):
        raise ConfigError("本番モードではローカルのLINEエミュレーターは使えません / the emulator is never used in production")
