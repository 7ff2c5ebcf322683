"""Reading the shelter list from the open-data CSV (自治体標準オープンデータセット「指定緊急避難場所」
or the 国土地理院 list), by header names, Shift_JIS or UTF-8 (with or without BOM).

Every problem is collected with its line and column; nothing is imported unless all rows are good.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from bot.disaster.shelters.model import HAZARDS, Shelter
from faq.encoding import UndecodableText, decode_text
from faq.text import normalize

NAME_HEADERS = ("指定緊急避難場所名", "名称", "施設・場所名", "避難場所名", "避難所名")
ADDRESS_HEADERS = ("所在地_連結表記", "住所", "所在地住所", "所在地")
ID_HEADERS = ("ID", "NO", "No", "番号", "共通ID")
LAT_HEADERS = ("緯度",)
LON_HEADERS = ("経度",)
CAPACITY_HEADERS = ("収容人数", "想定収容人数")
PHONE_HEADERS = ("電話番号",)
HAZARD_PREFIX = "災害種別_"
YES = frozenset({"1", "○", "◯", "〇", "◎", "●", "可", "対応", "true", "yes", "y"})
NO = frozenset({"", "0", "×", "✕", "-", "－", "ー", "―", "不可", "false", "no", "n"})
ROWS_MAX = 20000


class ShelterImportError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class _Columns:
    id: str | None
    name: str
    address: str
    lat: str
    lon: str
    capacity: str | None
    phone: str | None
    hazards: dict  # hazard -> header


def decode(data: bytes) -> str:
    """UTF-8 (± BOM) or Shift_JIS (cp932, as Excel writes it)."""
    try:
        return decode_text(data).text
    except UndecodableText as exc:
        raise ShelterImportError([f"{exc.line}行目: 文字コードを読み取れません（UTF-8 か Shift_JIS にしてください） / "
                                  "cannot decode the file (use UTF-8 or Shift_JIS)"]) from None


def _pick(headers: list[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in headers), None)


def _columns(headers: list[str]) -> _Columns:
    problems = []
    required = {}
    for what, names in (("name", NAME_HEADERS), ("address", ADDRESS_HEADERS), ("lat", LAT_HEADERS),
                        ("lon", LON_HEADERS)):
        found = _pick(headers, names)
        if found is None:
            problems.append(f"1行目: 列「{'」または「'.join(names)}」がありません / missing column {names[0]}")
        required[what] = found
    hazards = {}
    for header in headers:
        hazard = header[len(HAZARD_PREFIX):] if header.startswith(HAZARD_PREFIX) else header
        if hazard in HAZARDS:
            hazards[hazard] = header
    if not hazards:
        problems.append("1行目: 災害種別の列（洪水・地震・津波など）がありません / no hazard-type columns")
    if problems:
        raise ShelterImportError(problems)
    return _Columns(_pick(headers, ID_HEADERS), required["name"], required["address"], required["lat"],
                    required["lon"], _pick(headers, CAPACITY_HEADERS), _pick(headers, PHONE_HEADERS), hazards)


def _number(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


def parse(text: str, source: str = "CSV") -> list[Shelter]:
    """All shelters in the CSV text, or ShelterImportError listing every problem (line, column)."""
    reader = csv.reader(io.StringIO(text))
    try:
        headers = [normalize(h).strip() for h in next(reader)]
    except StopIteration:
        raise ShelterImportError([f"{source}: ファイルが空です / the file is empty"]) from None
    except csv.Error as exc:
        raise ShelterImportError([f"{source}: 1行目: CSVとして読めません / not valid CSV: {exc}"]) from None
    cols = _columns(headers)
    index = {h: i for i, h in reversed(list(enumerate(headers)))}
    problems: list[str] = []
    shelters: list[Shelter] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(shelters) + len(problems) >= ROWS_MAX:
                problems.append(f"{line}行目: {ROWS_MAX}行を超えています / more than {ROWS_MAX} rows")
                break

            def cell(header: str | None) -> str:
                if header is None:
                    return ""
                i = index[header]
                return normalize(cells[i]).strip() if i < len(cells) else ""

            def bad(header: str, ja: str, en: str) -> None:
                problems.append(f"{line}行目 列「{header}」: {ja} / line {line}, column {header}: {en}")

            name, address = cell(cols.name), cell(cols.address)
            if not name:
                bad(cols.name, "名称が空です", "empty name")
            if not address:
                bad(cols.address, "住所が空です", "empty address")
            lat = _number(cell(cols.lat), 20.0, 46.0)
            lon = _number(cell(cols.lon), 122.0, 154.0)
            if lat is None:
                bad(cols.lat, f"緯度が数値でないか日本の範囲外です（{cell(cols.lat) or '空'}）",
                    "latitude is not a number within Japan")
            if lon is None:
                bad(cols.lon, f"経度が数値でないか日本の範囲外です（{cell(cols.lon) or '空'}）",
                    "longitude is not a number within Japan")
            hazards = []
            for hazard, header in cols.hazards.items():
                value = cell(header).lower()
                if value in YES:
                    hazards.append(hazard)
                elif value not in NO:
                    bad(header, f"「{value}」は分かりません（1・○・◎ か 空欄）", "use 1, ○, ◎ or empty")
            capacity = None
            if cols.capacity and cell(cols.capacity):
                raw = cell(cols.capacity).replace(",", "")
                if not raw.isdigit():
                    bad(cols.capacity, "収容人数は数字にしてください", "capacity must be a number")
                else:
                    capacity = int(raw)
            shelter_id = cell(cols.id) if cols.id else ""
            if not shelter_id:
                shelter_id = hashlib.sha256(f"{name}\n{address}".encode()).hexdigest()[:10]
            if len(shelter_id) > 40:
                bad(cols.id or cols.name, "IDは40文字以内にしてください", "id too long")
            if shelter_id in seen:
                bad(cols.id or cols.name, f"{seen[shelter_id]}行目と同じ避難所（ID {shelter_id}）です",
                    f"duplicate of line {seen[shelter_id]}")
            seen[shelter_id] = line
            if name and address and lat is not None and lon is not None:
                shelters.append(Shelter(shelter_id, name, address, lat, lon, tuple(hazards), capacity,
                                        cell(cols.phone) or None))
    except csv.Error as exc:
        problems.append(f"{reader.line_num}行目: CSVとして読めません / not valid CSV: {exc}")
    if problems:
        raise ShelterImportError([f"{source}: {p}" for p in problems])
    if not shelters:
        raise ShelterImportError([f"{source}: 避難所の行がありません / no shelter rows"])
    return shelters


def read_file(path: str | Path) -> list[Shelter]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ShelterImportError([f"{path}: ファイルを読めません / cannot read the file: {exc}"]) from None
    return parse(decode(data), str(path))
