"""How many households used the support navigator, how many reached the result, and where the others
stopped (the question their last navigator step was waiting at). From ``bot_exchanges`` (kind
``navigator``) alone: the navigator's state is not needed and may have expired."""
from __future__ import annotations

from dataclasses import dataclass

RESULT = "result"


@dataclass(frozen=True)
class NavigatorUsage:
    households: int
    completed: int
    stopped: tuple[tuple[str, int], ...]     # (question title, households whose last step waited there)
    shelter_lookups: int                     # location messages answered with shelters


def navigator_usage(bot_conn, lo_iso: str, hi_iso: str, steps: list[tuple[str, str]]) -> NavigatorUsage:
    """``steps``: (question key, title) in the navigator's order."""
    last = bot_conn.execute(
        "SELECT e.decision FROM bot_exchanges e JOIN (SELECT user_hash, max(id) AS id FROM bot_exchanges "
        "WHERE kind = 'navigator' AND created_at >= ? AND created_at < ? GROUP BY user_hash) l ON e.id = l.id",
        [lo_iso, hi_iso]).fetchall()
    counts: dict[str, int] = {}
    for (decision,) in last:
        counts[decision] = counts.get(decision, 0) + 1
    known = {key for key, _ in steps}
    stopped = [(title, counts.get(key, 0)) for key, title in steps]
    other = sum(n for d, n in counts.items() if d not in known and d != RESULT)
    if other:
        stopped.append(("その他", other))
    shelters = bot_conn.execute(
        "SELECT count(*) FROM bot_exchanges WHERE kind = 'shelter' AND reason = 'location' "
        "AND created_at >= ? AND created_at < ?", [lo_iso, hi_iso]).fetchone()[0]
    return NavigatorUsage(len(last), counts.get(RESULT, 0), tuple(stopped), int(shelters))
