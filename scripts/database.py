"""The database a staff tool works on: ``--db`` when given, else FAQBOT_DATABASE_URL, else FAQBOT_DB."""
from __future__ import annotations

import os

from faq.db import database_from_env
from faq.postgres import is_url, masked
from scripts.errors import CommandError

DB_OPTION_HELP = ("SQLite file or postgresql:// URL (default: $FAQBOT_DATABASE_URL, else $FAQBOT_DB "
                  "or var/faqbot.sqlite3)")


def database_location(option: str | None = None, environ=os.environ) -> str:
    """A SQLite path given with --db is taken as it is (relative to the current directory)."""
    if option:
        if "://" in option and not is_url(option):
            raise CommandError("--db は SQLite のファイルか postgresql:// で始まる URL にしてください / "
                               f"--db must be a SQLite file or a postgresql:// URL: {masked(option)}", prefix="エラー: ")
        return option
    try:
        return str(database_from_env(environ))
    except ValueError as exc:
        raise CommandError(str(exc), prefix="エラー: ") from None
