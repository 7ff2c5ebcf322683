"""Pseudonymous keys for LINE users and chats (HMAC-SHA256 with a secret salt).

The raw LINE user id is never stored: exchanges and the follow status are keyed
by ``HMAC(salt, "user:" + userId)``. Group and room chats are keyed by their
group/room id; the ids of their members are never stored, not even hashed.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

USER, GROUP, ROOM = "user", "group", "room"
# The key of a chat whose source carries no id (the spec allows a user source without userId).
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class ChatKey:
    """Who a reply goes to, as stored: the source type and its pseudonym."""
    source_type: str   # user | group | room
    key: str           # hex HMAC


class UserHasher:
    def __init__(self, salt: str):
        if not salt:
            raise ValueError("the user hash salt must not be empty")
        self._salt = salt.encode("utf-8")

    def digest(self, kind: str, raw_id: str) -> str:
        return hmac.new(self._salt, f"{kind}:{raw_id}".encode("utf-8"), hashlib.sha256).hexdigest()

    def chat_key(self, source) -> ChatKey:
        """The key of the chat an event came from (a linebot.v3 webhook Source); ANONYMOUS if it has no id."""
        source_type = getattr(source, "type", None)
        if source_type == USER and getattr(source, "user_id", None):
            return ChatKey(USER, self.digest(USER, source.user_id))
        if source_type == GROUP and getattr(source, "group_id", None):
            return ChatKey(GROUP, self.digest(GROUP, source.group_id))
        if source_type == ROOM and getattr(source, "room_id", None):
            return ChatKey(ROOM, self.digest(ROOM, source.room_id))
        return ChatKey(source_type if source_type in (USER, GROUP, ROOM) else "unknown", ANONYMOUS)
