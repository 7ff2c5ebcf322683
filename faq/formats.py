"""Reading and writing FAQ files: JSONL, CSV (Excel-friendly) and YAML."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .headers import header_key, plan_headers
from .model import RECORD_KEYS, TRANSLATION_FIELDS, TRANSLATION_LANGUAGES, FaqEntry
from .validate import ImportNotes, Problem, ValidationError, unknown_headers_problem, validate_records

FORMATS = ("jsonl", "csv", "yaml")
MAX_FILE_BYTES = 50 * 1024 * 1024
# A spreadsheet runs a cell starting with = + - @ (also full width, or a tab / carriage return) as a formula, so
# exported CSV cells starting that way get a leading ' (shown as text), removed again on import. A cell
# that already starts with ' before such a character gets one more, so every text comes back as it was.
_FORMULA = re.compile(r"^'*[=+\-@\t\r＝＋－＠]")


def csv_cell(value: str) -> str:
    return "'" + value if _FORMULA.match(value) else value


def csv_value(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


def detect_format(path: Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise ValueError(f"未対応の形式です: {explicit}（{', '.join(FORMATS)}）")
        return explicit
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv", "yaml": "yaml", "yml": "yaml"}.get(suffix)
    if not fmt:
        raise ValueError(f"ファイル形式を拡張子から判断できません: {path.name}（.jsonl / .csv / .yaml）"
                         f" / cannot tell the format from the file name")
    return fmt


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("cp932")
            hint = "（Shift_JISで保存されているようです。Excelでは「CSV UTF-8」で保存してください）"
        except UnicodeDecodeError:
            pass
        raise ValidationError([Problem(source, f"{line}行目", None,
                                       f"UTF-8として読めない文字があります{hint}",
                                       "file is not valid UTF-8")]) from None


def parse_jsonl(text: str, source: str):
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((f"{number}行目", json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(Problem(source, f"{number}行目", None, f"JSONとして読めません（{exc.msg}）",
                                    f"invalid JSON: {exc.msg}"))
        except RecursionError:
            problems.append(Problem(source, f"{number}行目", None, "JSONの入れ子が深すぎます",
                                    "JSON nested too deeply"))
    if problems:
        raise ValidationError(problems)
    return rows


def parse_csv(text: str, source: str, ignore=(), notes: ImportNotes | None = None):
    """Rows of a CSV file; its header row checked once: unknown, duplicate or missing columns abort.
    Metadata columns (faq/headers.py) and `ignore`d ones are left out of the rows, and noted."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ValidationError([Problem(source, "1行目", None, f"CSVの見出し行が読めません（{exc}）",
                                       f"bad CSV header: {exc}")]) from None
    header = [h.strip() if h else h for h in header]
    reader.fieldnames = header
    named = [h for h in header if h]
    # a city's own headers (質問, 回答, 分類 …) stand for our columns, its metadata (更新日 …) is skipped
    plan = plan_headers([h for h in named if _translation_column(h) is None], ignore)
    ignore_keys = {header_key(n) for n in ignore}
    plan.ignored += [h for h in named if _translation_column(h) is not None and header_key(h) in ignore_keys]
    if plan.unknown:
        raise ValidationError([unknown_headers_problem(source, "1行目", plan.unknown)])
    if plan.duplicates:
        key, first, second = plan.duplicates[0]
        raise ValidationError([Problem(source, "1行目", f"{first}, {second}",
                                       "同じ項目を表す列が複数あります（どちらか一方にしてください）",
                                       f"two columns for {key}: {first}, {second}")])
    missing = [k for k in ("question", "answer") if k not in plan.read.values()]
    if missing:
        raise ValidationError([Problem(source, "1行目", ", ".join(missing),
                                       "見出し行に必要な列がありません（質問・回答の列）",
                                       f"missing column(s): {', '.join(missing)}")])
    if notes is not None:
        notes.note_headers(plan.skipped, plan.ignored)
    left_out = set(plan.skipped) | set(plan.ignored)
    rows = []
    try:
        for index, row in enumerate(reader, start=2):
            if None in row:
                raise ValidationError([Problem(source, f"{index}行目", None, "列の数が見出しより多いです",
                                               "more cells than header columns")])
            if not any((v or "").strip() for v in row.values()):
                continue
            rows.append((f"{index}行目", _fold_translation_columns(
                {k: csv_value(v) if isinstance(v, str) else v for k, v in row.items() if k and k not in left_out})))
    except csv.Error as exc:
        raise ValidationError([Problem(source, f"{reader.line_num}行目", None,
                                       f"CSVの形式が壊れています（{exc}）", f"broken CSV: {exc}")]) from None
    return rows


def _translation_column(name: str) -> tuple[str, str] | None:
    """"question_en" -> ("question", "en"); None for other columns."""
    field, _, lang = name.partition("_")
    return (field, lang) if field in TRANSLATION_FIELDS and lang in TRANSLATION_LANGUAGES else None


def _fold_translation_columns(row: dict) -> dict:
    """CSV cells question_<lang> / answer_<lang> / checked_<lang> as the record's `translations`."""
    translations: dict[str, dict] = {}
    out = {}
    for key, value in row.items():
        column = _translation_column(key)
        if column is None:
            out[key] = value
        else:
            translations.setdefault(column[1], {})[column[0]] = value
    if translations:
        out["translations"] = translations
    return out


def _csv_translation_columns(records: list[dict]) -> list[str]:
    """Columns for the languages any entry has, in the fixed language order."""
    present = {lang for r in records for lang in r["translations"]}
    return [f"{field}_{lang}" for lang in TRANSLATION_LANGUAGES if lang in present for field in TRANSLATION_FIELDS]


def parse_yaml(text: str, source: str):
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except RecursionError:
        raise ValidationError([Problem(source, "", None, "YAMLの入れ子が深すぎます", "YAML nested too deeply")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else ""
        raise ValidationError([Problem(source, where, None, f"YAMLとして読めません（{exc}）",
                                       "invalid YAML")]) from None
    items, items_node = data, node
    if isinstance(data, dict) and "entries" in data:
        items = data["entries"]
        items_node = next((v for k, v in node.value if k.value == "entries"), None)
    if data is None:
        return []
    if not isinstance(items, list):
        raise ValidationError([Problem(source, "", None, "FAQのリスト（または entries: のリスト）にしてください",
                                       "expected a list of entries")])
    rows = []
    for index, item in enumerate(items):
        line = items_node.value[index].start_mark.line + 1 if items_node is not None else index + 1
        rows.append((f"{line}行目", item))
    return rows


@dataclass
class ImportRead:
    """Every entry of the files, valid, and what was done to them (for the staff report)."""
    entries: list[FaqEntry]
    notes: ImportNotes = field(default_factory=ImportNotes)


def read_entries(path: str | Path, fmt: str | None = None, notes: ImportNotes | None = None,
                 ignore=()) -> list[FaqEntry]:
    """Parse and validate the whole file; raises ValidationError and reads nothing partially.
    `ignore`: headers not to read (staff's --ignore-column), in any file format."""
    path = Path(path)
    source = path.name
    fmt = detect_format(path, fmt)
    if not path.is_file():
        raise ValidationError([Problem(source, "", None, "ファイルが見つかりません", "file not found")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError([Problem(source, "", None, "ファイルが大きすぎます（50MBまで）", "file too large")])
    text = _decode(path.read_bytes(), source)
    if fmt == "csv":
        headers = ImportNotes()
        rows = parse_csv(text, source, ignore, headers)
        entries = validate_records(rows, source, notes, ignore, what="列")
        if notes is not None:
            notes.note_headers(headers.skipped, headers.ignored)
        return entries
    parse = {"jsonl": parse_jsonl, "yaml": parse_yaml}[fmt]
    return validate_records(parse(text, source), source, notes, ignore)


def read_many(paths, fmt: str | None = None) -> list[FaqEntry]:
    """Several files read as one import: every problem in every file is reported together."""
    return read_import(paths, fmt).entries


def read_import(paths, fmt: str | None = None, ignore_columns=()) -> ImportRead:
    """read_many() with what the import did: entries converted from HTML, headers read as our keys,
    metadata headers skipped, `ignore_columns` left out, IDs normalised."""
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    notes = ImportNotes()
    for path in paths:
        file_notes = ImportNotes()
        try:
            batch = read_entries(path, fmt, file_notes, ignore_columns)
        except ValidationError as exc:
            problems += exc.problems
            continue
        notes.add(file_notes)
        for e in batch:
            if e.id in first_seen:
                problems.append(Problem(Path(path).name, "", "id", f"IDが重複しています: {e.id}（{first_seen[e.id]}にもあります）",
                                        f"duplicate id {e.id} (also in {first_seen[e.id]})"))
            else:
                first_seen[e.id] = Path(path).name
                entries.append(e)
    if problems:
        raise ValidationError(problems)
    return ImportRead(entries, notes)


def write_entries(entries: list[FaqEntry], path: str | Path, fmt: str | None = None) -> None:
    path = Path(path)
    fmt = detect_format(path, fmt)
    records = [e.to_record() for e in entries]
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "jsonl":
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif fmt == "yaml":
        tmp.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    else:
        columns = [k for k in RECORD_KEYS if k != "translations"] + _csv_translation_columns(records)
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:  # BOM so that Excel reads UTF-8
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for r in records:
                cells = {f"{field}_{lang}": ("true" if t[field] else "false") if field == "checked" else t[field]
                         for lang, t in r.pop("translations").items() for field in TRANSLATION_FIELDS}
                row = {**r, **cells, "alt_questions": "\n".join(r["alt_questions"]), "tags": "|".join(r["tags"]),
                       "url": r["url"] or "", "department": r["department"] or "",
                       "active": "true" if r["active"] else "false"}
                writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in row.items()})
    tmp.replace(path)
