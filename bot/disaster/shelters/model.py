"""A shelter, the hazard types of the open-data lists, and distances."""
from __future__ import annotations

import math
from dataclasses import dataclass

# The 災害種別 columns of 自治体標準オープンデータセット「指定緊急避難場所」 and of the 国土地理院 list.
HAZARDS = ("洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事", "内水氾濫", "火山現象")
OPEN, FULL, CLOSED = "open", "full", "closed"
STATUSES = (OPEN, FULL, CLOSED)
STATUS_LABELS = {OPEN: "開設", FULL: "満員", CLOSED: "閉鎖（未開設）"}
EARTH_RADIUS_M = 6_371_000.0

# Words of a disaster's name → the hazard types a shelter must be designated for.
_HAZARD_WORDS = (
    (("津波",), ("津波",)),
    (("地震", "震災"), ("地震",)),
    (("台風",), ("洪水", "高潮", "内水氾濫")),
    (("高潮",), ("高潮",)),
    (("大雨", "豪雨", "洪水", "氾濫", "浸水", "線状降水帯"), ("洪水", "内水氾濫")),
    (("土砂", "がけ崩れ", "崖崩れ", "土石流", "地滑り", "地すべり"), ("崖崩れ、土石流及び地滑り",)),
    (("火山", "噴火"), ("火山現象",)),
    (("火災", "火事", "大火"), ("大規模な火事",)),
)


@dataclass(frozen=True)
class Shelter:
    id: str
    name: str
    address: str
    latitude: float
    longitude: float
    hazards: tuple[str, ...]
    capacity: int | None = None
    phone: str | None = None
    status: str = CLOSED
    status_at: str | None = None
    status_by: str | None = None


@dataclass(frozen=True)
class Nearby:
    shelter: Shelter
    distance_m: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def hazards_for(disaster_name: str) -> tuple[str, ...]:
    """The hazard types a disaster's name implies (「令和8年台風10号」→ 洪水・高潮・内水氾濫); () when unknown."""
    found: list[str] = []
    for words, hazards in _HAZARD_WORDS:
        if any(w in (disaster_name or "") for w in words):
            found += [h for h in hazards if h not in found]
    return tuple(found)


def nearest_open(shelters: list[Shelter], lat: float, lon: float, hazards: tuple[str, ...] = (),
                 limit: int = 3) -> tuple[list[Nearby], bool]:
    """The nearest open shelters, designated for one of `hazards` when any such is open; the flag says
    whether the hazard filter was applied."""
    open_ones = [s for s in shelters if s.status == OPEN]
    suited = [s for s in open_ones if set(s.hazards) & set(hazards)] if hazards else []
    pool = suited or open_ones
    ranked = sorted((Nearby(s, haversine_m(lat, lon, s.latitude, s.longitude)) for s in pool),
                    key=lambda n: (n.distance_m, n.shelter.id))
    return ranked[:limit], bool(suited)


def map_url(lat: float, lon: float) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={lat:.6f},{lon:.6f}"
