"""The hook the disaster-mode switch calls: every friend's default rich menu follows the mode.

Configured from the environment like the bot (LINE_API_ENDPOINT, LINE_API_DATA_ENDPOINT,
LINE_CHANNEL_ACCESS_TOKEN). Without a token (development, tests) it does nothing; a failure is
logged and never stops the mode switch (staff see the menu state with ``richmenu.py --status``).
"""
from __future__ import annotations

import logging
import os

from bot.richmenu.api import RichMenuApi, RichMenuApiError, switch_default
from bot.richmenu.definition import DISASTER, NORMAL, RichMenuError, load

log = logging.getLogger(__name__)
DEFAULT_DATA_ENDPOINT = "https://api-data.line.me"


def api_from_env(environ=os.environ) -> RichMenuApi | None:
    token = environ.get("LINE_CHANNEL_ACCESS_TOKEN", "")
    if not token:
        return None
    endpoint = environ.get("LINE_API_ENDPOINT") or "https://api.line.me"
    # a local stub serves both hosts; LINE itself takes images on api-data
    data = environ.get("LINE_API_DATA_ENDPOINT") or (DEFAULT_DATA_ENDPOINT if "api.line.me" in endpoint else endpoint)
    return RichMenuApi(endpoint, data, token)


def follow_disaster_mode(active: bool, environ=os.environ) -> str | None:
    """Switch the default rich menu to the disaster (or normal) one; the rich menu id, or None."""
    api = api_from_env(environ)
    if api is None:
        return None
    try:
        return switch_default(api, load(), DISASTER if active else NORMAL)
    except (RichMenuApiError, RichMenuError) as exc:
        log.error("could not switch the rich menu (disaster mode %s): %s", "on" if active else "off", exc)
        return None
