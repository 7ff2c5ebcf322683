"""The postback data the bot puts on its quick replies, and reading it back.

Data is a short query string (``a=faq&id=...&x=12``), at most 300 characters
(LINE's limit). Anything that does not parse is treated as unknown, never trusted.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

POSTBACK_DATA_MAX = 300

FAQ = "faq"          # answer this FAQ (a suggestion or a topic question was tapped)
FEEDBACK = "fb"      # 解決した / 解決しない on an exchange
TOPIC = "topic"      # list a category's questions
DESK = "desk"        # the human desk
MENU = "menu"
HELP = "help"
SUBJECT = "subj"     # a disaster-support subject (c = its key in phrases.DISASTER_SUBJECTS)
END_TICKET = "endt"  # the resident ends their desk ticket and returns to the bot
NAVIGATOR = "nav"    # the support navigator (c = start | back | restart | <question>=<option>)
SHELTER = "shelter"  # ask for the location to find the nearest open shelters
LANGUAGE = "lang"    # the language choices; with c = a language code, answer in that language
ACTIONS = (FAQ, FEEDBACK, TOPIC, DESK, MENU, HELP, SUBJECT, END_TICKET, NAVIGATOR, SHELTER, LANGUAGE)


@dataclass(frozen=True)
class Postback:
    action: str
    faq_id: str | None = None
    exchange_id: int | None = None
    category: str | None = None
    resolved: bool | None = None

    def encode(self) -> str:
        fields = {"a": self.action}
        if self.faq_id is not None:
            fields["id"] = self.faq_id
        if self.category is not None:
            fields["c"] = self.category
        if self.exchange_id is not None:
            fields["x"] = str(self.exchange_id)
        if self.resolved is not None:
            fields["v"] = "1" if self.resolved else "0"
        data = urlencode(fields)
        if len(data) > POSTBACK_DATA_MAX:
            raise ValueError(f"postback data longer than {POSTBACK_DATA_MAX} characters")
        return data


def decode(data: str | None) -> Postback | None:
    """The Postback in ``data``, or None if it is not one of ours."""
    if not data or len(data) > POSTBACK_DATA_MAX:
        return None
    try:
        fields = {k: v[0] for k, v in parse_qs(data, strict_parsing=True, max_num_fields=8).items()}
    except ValueError:
        return None
    action = fields.get("a")
    if action not in ACTIONS:
        return None
    exchange_id = None
    if "x" in fields:
        if not fields["x"].isdigit() or len(fields["x"]) > 18:
            return None
        exchange_id = int(fields["x"])
    resolved = {"1": True, "0": False}.get(fields.get("v", ""))
    if action == FAQ and not fields.get("id"):
        return None
    if action == FEEDBACK and (exchange_id is None or resolved is None):
        return None
    if action in (TOPIC, SUBJECT, NAVIGATOR) and not fields.get("c"):
        return None
    return Postback(action, faq_id=fields.get("id"), exchange_id=exchange_id, category=fields.get("c"),
                    resolved=resolved)
