"""The rich menus as data (`RichMenu`), read from `menus.yaml` and checked on load, and their LINE
request bodies (`RichMenuRequest`, `CreateRichMenuAliasRequest`).

Every area's postback is one the bot understands (`bot.line.postback.decode`), so a tap on the rich
menu is handled like the same quick reply.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.line.postback import decode

HERE = Path(__file__).resolve().parent
DEFINITION = HERE / "menus.yaml"
IMAGES = HERE / "images"
NORMAL, DISASTER = "normal", "disaster"
WIDTH_RANGE = (800, 2500)
MIN_HEIGHT = 250
MIN_ASPECT = 1.45          # width / height (LINE's rule)
CHAT_BAR_MAX = 14
LABEL_MAX = 20
DISPLAY_MAX = 300


class RichMenuError(ValueError):
    """The rich-menu definition is not valid (Japanese / English)."""


@dataclass(frozen=True)
class Area:
    bounds: tuple[int, int, int, int]
    label: str
    sub: str
    data: str
    display: str


@dataclass(frozen=True)
class RichMenu:
    key: str           # normal | disaster
    alias: str
    name: str
    chat_bar: str
    size: tuple[int, int]
    color: str
    areas: tuple[Area, ...]

    @property
    def image(self) -> Path:
        return IMAGES / f"{self.key}.png"

    def request(self, selected: bool = False) -> dict:
        """The body of POST /v2/bot/richmenu."""
        return {
            "size": {"width": self.size[0], "height": self.size[1]},
            "selected": selected,
            "name": self.name,
            "chatBarText": self.chat_bar,
            "areas": [{"bounds": dict(zip(("x", "y", "width", "height"), a.bounds)),
                       "action": {"type": "postback", "label": a.label, "data": a.data, "displayText": a.display}}
                      for a in self.areas],
        }


def load(path: str | Path = DEFINITION) -> dict[str, RichMenu]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RichMenuError(f"{Path(path).name}: 読めません（{exc}） / cannot read the rich-menu definition") from None
    menus = data.get("menus") if isinstance(data, dict) else None
    if not isinstance(menus, dict) or set(menus) != {NORMAL, DISASTER}:
        raise RichMenuError("menus: に normal と disaster の 2 つを書いてください / expected menus 'normal' and 'disaster'")
    problems: list[str] = []
    out = {key: _menu(key, body, problems) for key, body in menus.items()}
    if problems:
        raise RichMenuError("\n".join(problems))
    return out


def _menu(key: str, body, problems: list[str]) -> RichMenu | None:
    where = f"menus.{key}"
    if not isinstance(body, dict):
        problems.append(f"{where}: 項目の組にしてください / must be a mapping")
        return None
    width, height = (list(body.get("size") or []) + [0, 0])[:2]
    if not (WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1]) or height < MIN_HEIGHT or width / max(height, 1) < MIN_ASPECT:
        problems.append(f"{where}.size: 幅 800〜2500、高さ 250 以上、幅/高さ 1.45 以上にしてください / bad size")
    chat_bar = str(body.get("chat_bar") or "")
    if not chat_bar or len(chat_bar) > CHAT_BAR_MAX:
        problems.append(f"{where}.chat_bar: 1〜{CHAT_BAR_MAX}文字にしてください / chat bar text 1-{CHAT_BAR_MAX} chars")
    areas = []
    for i, raw in enumerate(body.get("areas") or [], 1):
        at = f"{where}.areas[{i}]"
        try:
            x, y, w, h = (int(v) for v in raw["bounds"])
            area = Area((x, y, w, h), str(raw["label"]), str(raw.get("sub") or ""), str(raw["data"]),
                        str(raw.get("display") or raw["label"]))
        except (KeyError, TypeError, ValueError):
            problems.append(f"{at}: bounds・label・data が必要です / bounds, label and data are required")
            continue
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
            problems.append(f"{at}.bounds: 画像の外に出ています / outside the image")
        if decode(area.data) is None:
            problems.append(f"{at}.data: ボットが知らない操作です: {area.data} / not a postback the bot understands")
        if len(area.label) > LABEL_MAX or len(area.display) > DISPLAY_MAX:
            problems.append(f"{at}: label は{LABEL_MAX}文字以内にしてください / label too long")
        areas.append(area)
    if not areas or len(areas) > 20:
        problems.append(f"{where}.areas: 1〜20 個にしてください / 1 to 20 areas")
    alias = str(body.get("alias") or "")
    if not alias or len(alias) > 32 or not all(c.isalnum() or c in "-_" for c in alias):
        problems.append(f"{where}.alias: 32文字以内の英数字・-・_ にしてください / alias: up to 32 of [A-Za-z0-9_-]")
    return RichMenu(key, alias, str(body.get("name") or key)[:300], chat_bar, (width, height),
                    str(body.get("color") or "#1b6e4a"), tuple(areas))
