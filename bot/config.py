"""Application settings, read from the environment once at start-up."""
from __future__ import annotations

import os

from faq.db import PROJECT_ROOT, database_from_env

DEFAULT_LINE_API_ENDPOINT = "https://api.line.me"
DEFAULT_RETENTION_DAYS = 365
DEFAULT_DESK_PHONE = "088-000-0000"
DEFAULT_DESK_HOURS = "平日 8時30分〜17時15分（土日祝日・年末年始を除く）"
DEFAULT_DESK_DAYS = "mon-fri"
DEFAULT_DESK_OPEN = "08:30"
DEFAULT_DESK_CLOSE = "17:15"
DEFAULT_DESK_CLOSED_DAYS = "12-29..01-03"
DEFAULT_DESK_MINUTES_PER_TICKET = 10
# the prefecture's multilingual consultation line (placeholder number, like the desk's)
DEFAULT_MULTILINGUAL_HELP = "088-000-0003（多言語相談窓口 / Multilingual help line）"
# LINE webhook bodies are small; anything above this is refused with 413 before it is read.
MAX_WEBHOOK_BODY_BYTES = 1024 * 1024
MIN_PRODUCTION_SALT_CHARS = 16
MIN_PRODUCTION_SECRET_KEY_CHARS = 32
DEFAULT_CONSOLE_SESSION_HOURS = 8
ANSWER_MODES = ("inline", "queue")
DEFAULT_ANSWER_THREADS = 1


# The only accepted values of FAQBOT_ENV, exactly as written: a typo must not start a production server
# without its secrets (anything else is a ConfigError).
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    pass


def _env_setting(environ, default: str) -> str:
    raw = environ.get("FAQBOT_ENV")
    if raw is None or raw == "":
        return default
    if raw not in ENVIRONMENTS:
        raise ConfigError(f"FAQBOT_ENV は {' / '.join(ENVIRONMENTS)} のどれかにしてください / "
                          f"FAQBOT_ENV must be one of {', '.join(ENVIRONMENTS)}: {raw!r}")
    return raw


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


def _bool_setting(environ, name: str, default: bool) -> bool:
    raw = (environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} は 1 か 0 にしてください / {name} must be 1 or 0: {raw!r}")


def _choice_setting(environ, name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, or "" when unset (the program chooses)."""
    raw = (environ.get(name) or "").strip().lower()
    if raw and raw not in choices:
        raise ConfigError(f"{name} は {' / '.join(choices)} のどれかにしてください / "
                          f"{name} must be one of {', '.join(choices)}: {raw!r}")
    return raw


def _database_setting(environ) -> str:
    try:
        return str(database_from_env(environ))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def config_from_env(environ=os.environ, default_env: str = "development") -> dict:
    """``default_env`` applies when FAQBOT_ENV is unset: ``wsgi.py`` (the production entry point) passes
    "production", the local tools keep "development"."""
    from index.config import (  # here: the purge tool needs no search stack
        index_dir_from_env,
        share_enabled,
        sync_seconds_from_env,
    )
    try:
        index_share, sync_seconds = share_enabled(environ), sync_seconds_from_env(environ)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return {
        "FAQBOT_ENV": _env_setting(environ, default_env),
        # the PostgreSQL URL when FAQBOT_DATABASE_URL is set, else the SQLite file's path
        "FAQBOT_DB": _database_setting(environ),
        "FAQBOT_INDEX_DIR": str(index_dir_from_env(environ)),
        # Index builds shared through the database (several hosts), checked every FAQBOT_INDEX_SYNC_SECONDS.
        "FAQBOT_INDEX_SHARE": index_share,
        "FAQBOT_INDEX_SYNC_SECONDS": sync_seconds,
        "LINE_CHANNEL_SECRET": environ.get("LINE_CHANNEL_SECRET", ""),
        "LINE_CHANNEL_ACCESS_TOKEN": environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        "LINE_API_ENDPOINT": environ.get("LINE_API_ENDPOINT", DEFAULT_LINE_API_ENDPOINT),
        # Secret key of the HMAC that turns LINE user ids into the stored pseudonyms.
        "FAQBOT_USER_HASH_SALT": environ.get("FAQBOT_USER_HASH_SALT", ""),
        "FAQBOT_RETENTION_DAYS": _int_setting(environ, "FAQBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1),
        "FAQBOT_DESK_PHONE": environ.get("FAQBOT_DESK_PHONE") or DEFAULT_DESK_PHONE,
        "FAQBOT_DESK_HOURS": environ.get("FAQBOT_DESK_HOURS") or DEFAULT_DESK_HOURS,
        # Desk hours (Asia/Tokyo) for handoff tickets; read by bot.desk_hours.
        "FAQBOT_DESK_DAYS": environ.get("FAQBOT_DESK_DAYS") or DEFAULT_DESK_DAYS,
        "FAQBOT_DESK_OPEN": environ.get("FAQBOT_DESK_OPEN") or DEFAULT_DESK_OPEN,
        "FAQBOT_DESK_CLOSE": environ.get("FAQBOT_DESK_CLOSE") or DEFAULT_DESK_CLOSE,
        "FAQBOT_DESK_CLOSED_DAYS": environ.get("FAQBOT_DESK_CLOSED_DAYS", DEFAULT_DESK_CLOSED_DAYS),
        "FAQBOT_DESK_NATIONAL_HOLIDAYS": _bool_setting(environ, "FAQBOT_DESK_NATIONAL_HOLIDAYS", True),
        "FAQBOT_DESK_MINUTES_PER_TICKET": _int_setting(environ, "FAQBOT_DESK_MINUTES_PER_TICKET",
                                                       DEFAULT_DESK_MINUTES_PER_TICKET, 1),
        # #7119 (救急安心センター) is offered only where the prefecture runs it.
        "FAQBOT_EMERGENCY_7119": _bool_setting(environ, "FAQBOT_EMERGENCY_7119", True),
        # Where residents writing in another language get help in it (phone and/or URL), named with
        # answers that have no translation and at the desk.
        "FAQBOT_MULTILINGUAL_HELP": environ.get("FAQBOT_MULTILINGUAL_HELP") or DEFAULT_MULTILINGUAL_HELP,
        # The small-talk replies (greetings, thanks …) staff edit; validated at start.
        "FAQBOT_SMALLTALK": environ.get("FAQBOT_SMALLTALK") or str(PROJECT_ROOT / "faq" / "smalltalk.yaml"),
        # Production starts without FAQ entries or a search index only when this is set.
        "FAQBOT_ALLOW_EMPTY": _bool_setting(environ, "FAQBOT_ALLOW_EMPTY", False),
        # Not from the environment: tests inject a faq.clock.Clock (a FixedClock) so nothing depends on the hour.
        "FAQBOT_CLOCK": None,
        "LINE_READ_TIMEOUT": 10.0,
        # Staff console (bot/console): the session signing key (required in production), plain-http cookies
        # for local development only, session length, and how many trusted proxies add X-Forwarded-For.
        "FAQBOT_SECRET_KEY": environ.get("FAQBOT_SECRET_KEY", ""),
        "FAQBOT_CONSOLE_INSECURE_COOKIES": _bool_setting(environ, "FAQBOT_CONSOLE_INSECURE_COOKIES", False),
        "FAQBOT_CONSOLE_SESSION_HOURS": _int_setting(environ, "FAQBOT_CONSOLE_SESSION_HOURS",
                                                     DEFAULT_CONSOLE_SESSION_HOURS, 1),
        "FAQBOT_CONSOLE_PROXY_HOPS": _int_setting(environ, "FAQBOT_CONSOLE_PROXY_HOPS", 0, 0),
        # Answering (bot/line/answering.py): "inline" in the webhook request, or "queue" (stored, then
        # answered by FAQBOT_ANSWER_THREADS threads per process); unset: queue on PostgreSQL, inline on SQLite.
        "FAQBOT_ANSWER_MODE": _choice_setting(environ, "FAQBOT_ANSWER_MODE", ANSWER_MODES),
        "FAQBOT_ANSWER_THREADS": _int_setting(environ, "FAQBOT_ANSWER_THREADS", DEFAULT_ANSWER_THREADS, 0),
        # Set only by scripts/run_local.py: mounts the local chat page and Messaging API stub.
        "FAQBOT_EMULATOR": False,
        "MAX_CONTENT_LENGTH": MAX_WEBHOOK_BODY_BYTES,
    }


def is_production(config: dict) -> bool:
    return config.get("FAQBOT_ENV") == "production"


def check_production(config: dict) -> None:
    """In production the bot refuses to start without its secrets (never generated into the database,
    where the hashed ids they protect are kept), and never runs the emulator."""
    if config.get("FAQBOT_ENV") not in ENVIRONMENTS:
        raise ConfigError(f"FAQBOT_ENV は {' / '.join(ENVIRONMENTS)} のどれかにしてください / "
                          f"FAQBOT_ENV must be one of {', '.join(ENVIRONMENTS)}: {config.get('FAQBOT_ENV')!r}")
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
    # the staff console: signed session cookies, sent over HTTPS only
    if len(config.get("FAQBOT_SECRET_KEY") or "") < MIN_PRODUCTION_SECRET_KEY_CHARS:
        raise ConfigError(f"本番モードでは FAQBOT_SECRET_KEY（職員画面のセッション鍵、{MIN_PRODUCTION_SECRET_KEY_CHARS} 文字以上の"
                          f"ランダムな値）が必要です / FAQBOT_SECRET_KEY (at least {MIN_PRODUCTION_SECRET_KEY_CHARS} "
                          "random characters) is required in production")
    if config.get("FAQBOT_CONSOLE_INSECURE_COOKIES"):
        raise ConfigError("本番モードでは FAQBOT_CONSOLE_INSECURE_COOKIES は使えません（職員画面は HTTPS のみ） / "
                          "insecure console cookies are never allowed in production")
