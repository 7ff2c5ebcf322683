"""Reading and writing FAQ files: JSONL, CSV (Excel-friendly, UTF-8 or Shift_JIS), YAML and Excel (.xlsx)."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .encoding import SHIFT_JIS, UndecodableText, decode_text
from .headers import header_key, plan_headers
from .model import RECORD_KEYS, TRANSLATION_FIELDS, TRANSLATION_LANGUAGES, FaqEntry
from .validate import ImportNotes, Problem, ValidationError, unknown_headers_problem, validate_records
from .xlsx import XLS_ADVICE, column_letter, read_sheet, write_sheet

FORMATS = ("jsonl", "csv", "yaml", "xlsx")
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
    if suffix == "xls":
        raise ValueError(f".xls（Excel 97-2003）は読めません。{XLS_ADVICE}: {path.name}"
                         " / the old .xls format cannot be read: save as .xlsx or CSV UTF-8")
    fmt = {"jsonl": "jsonl", "ndjson": "jsonl", "csv": "csv", "yaml": "yaml", "yml": "yaml",
           "xlsx": "xlsx", "xlsm": "xlsx"}.get(suffix)
    if not fmt:
        raise ValueError(f"ファイル形式を拡張子から判断できません: {path.name}（.jsonl / .csv / .yaml / .xlsx）"
                         f" / cannot tell the format from the file name")
    return fmt


def _decode(data: bytes, source: str) -> str:
    """JSONL and YAML: UTF-8 (with or without BOM) only."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValidationError([Problem(source, f"{line}行目", None, "UTF-8として読めない文字があります",
                                       "file is not valid UTF-8")]) from None


def _decode_csv(data: bytes, source: str, notes: ImportNotes | None) -> str:
    """UTF-8 (with or without BOM), or Shift_JIS as Japanese Excel saves 「CSV (コンマ区切り)」, noted."""
    try:
        decoded = decode_text(data)
    except UndecodableText as exc:
        raise ValidationError([Problem(source, f"{exc.line}行目", None,
                                       "UTF-8 としても Shift_JIS としても読めない文字があります。"
                                       "Excel では「CSV UTF-8（コンマ区切り）」で保存してください",
                                       "file is neither UTF-8 nor Shift_JIS (save as CSV UTF-8)")]) from None
    if decoded.encoding == SHIFT_JIS and notes is not None:
        notes.shift_jis.append(source)
    return decoded.text


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


def _plan_columns(header: list[str], source: str, location: str, ignore=(), notes: ImportNotes | None = None):
    """A table's header row (CSV or a sheet), checked once: unknown, duplicate or missing columns abort.
    Returns the plan and the headers left out of the rows: metadata (faq/headers.py) and `ignore`d ones, noted."""
    named = [h for h in header if h]
    # a city's own headers (質問, 回答, 分類 …) stand for our columns, its metadata (更新日 …) is skipped
    plan = plan_headers([h for h in named if _translation_column(h) is None], ignore)
    ignore_keys = {header_key(n) for n in ignore}
    plan.ignored += [h for h in named if _translation_column(h) is not None and header_key(h) in ignore_keys]
    if plan.unknown:
        raise ValidationError([unknown_headers_problem(source, location, plan.unknown)])
    if plan.duplicates:
        key, first, second = plan.duplicates[0]
        raise ValidationError([Problem(source, location, f"{first}, {second}",
                                       "同じ項目を表す列が複数あります（どちらか一方にしてください）",
                                       f"two columns for {key}: {first}, {second}")])
    missing = [k for k in ("question", "answer") if k not in plan.read.values()]
    if missing:
        raise ValidationError([Problem(source, location, ", ".join(missing),
                                       "見出し行に必要な列がありません（質問・回答の列）",
                                       f"missing column(s): {', '.join(missing)}")])
    if notes is not None:
        notes.note_headers(plan.skipped, plan.ignored)
    return plan, set(plan.skipped) | set(plan.ignored)


def _table_record(row: dict, left_out: set, cell=lambda v: v) -> dict:
    """One table row as a record: the columns read, translation columns folded; `cell` undoes the file's
    own escaping (CSV's leading ')."""
    return _fold_translation_columns(
        {k: cell(v) if isinstance(v, str) else v for k, v in row.items() if k and k not in left_out})


def parse_csv(text: str, source: str, ignore=(), notes: ImportNotes | None = None):
    """Rows of a CSV file; its header row checked once: unknown, duplicate or missing columns abort.
    Metadata columns (faq/headers.py) and `ignore`d ones are left out of the rows, and noted. A value under
    an empty header aborts (it would be lost); columns empty in the header and every row (Excel's trailing
    commas) are allowed."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise ValidationError([Problem(source, "1行目", None, f"CSVの見出し行が読めません（{exc}）",
                                       f"bad CSV header: {exc}")]) from None
    header = [h.strip() for h in header]
    _, left_out = _plan_columns(header, source, "1行目", ignore, notes)
    rows = []
    try:
        # numbered as records, blank lines not counted (as csv.DictReader numbers them)
        for index, cells in enumerate((c for c in reader if c), start=2):
            if len(cells) > len(header):
                raise ValidationError([Problem(source, f"{index}行目", None, "列の数が見出しより多いです",
                                               "more cells than header columns")])
            stray = next((i for i, v in enumerate(cells) if v.strip() and not header[i]), None)
            if stray is not None:
                column = f"{stray + 1}列目（{column_letter(stray + 1)}列、見出しなし）"
                raise ValidationError([Problem(source, f"{index}行目", column,
                                               f"見出しのない列に値があります（{column}）。見出しを付けるか、値を消してください",
                                               f"a value in a column without header (column {stray + 1})")])
            if not any(v.strip() for v in cells):
                continue
            row = dict(zip(header, cells + [""] * (len(header) - len(cells))))
            rows.append((f"{index}行目", _table_record(row, left_out, csv_value)))
    except csv.Error as exc:
        raise ValidationError([Problem(source, f"{reader.line_num}行目", None,
                                       f"CSVの形式が壊れています（{exc}）", f"broken CSV: {exc}")]) from None
    return rows


def parse_xlsx(data: bytes, source: str, ignore=(), notes: ImportNotes | None = None, sheet: str | None = None):
    """Rows of a worksheet, read as CSV rows are (the same header plan, the same records); locations name the
    sheet and Excel's row number. Returns the rows and, for error messages, record key -> 「header（C列）」."""
    table = read_sheet(data, source, sheet)
    where = f"シート「{table.name}」"
    plan, left_out = _plan_columns(table.header, source, f"{where}{table.header_row}行目", ignore, notes)
    if notes is not None:
        notes.sheets[source] = table.name
    columns = {}
    for index, name in enumerate(table.header):
        key = plan.read.get(name, name)
        if name and key not in columns:
            columns[key] = f"{name}（{column_letter(index + 1)}列）"
    rows = []
    for number, cells in table.rows:
        # a sheet has no fixed width: a value under no header would be lost without a word
        stray = [i for i, text in enumerate(cells) if text.strip() and not (i < len(table.header) and table.header[i])]
        if stray:
            ref = f"{table.name}!{column_letter(stray[0] + 1)}{number}"
            raise ValidationError([Problem(source, f"{where}{number}行目", ref,
                                           f"見出しのない列に値があります（{ref}）。見出しを付けるか、値を消してください",
                                           f"a value in a column without header ({ref})")])
        row = dict(zip(table.header, cells + [""] * (len(table.header) - len(cells))))
        rows.append((f"{where}{number}行目", _table_record(row, left_out)))
    return rows, columns


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
                 ignore=(), sheet: str | None = None) -> list[FaqEntry]:
    """Parse and validate the whole file; raises ValidationError and reads nothing partially.
    `ignore`: headers not to read (staff's --ignore-column), in any file format; `sheet`: the worksheet
    of an .xlsx file (the first by default)."""
    path = Path(path)
    source = path.name
    fmt = detect_format(path, fmt)
    if sheet is not None and fmt != "xlsx":
        raise ValueError(f"--sheet は Excel（.xlsx）のファイルにだけ指定できます: {source} / --sheet is for .xlsx files")
    if not path.is_file():
        raise ValidationError([Problem(source, "", None, "ファイルが見つかりません", "file not found")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError([Problem(source, "", None, "ファイルが大きすぎます（50MBまで）", "file too large")])
    data = path.read_bytes()
    if fmt in ("csv", "xlsx"):
        # the header notes of the file are kept apart: they are reported only when the whole file is valid
        headers = ImportNotes()
        if fmt == "csv":
            rows, columns = parse_csv(_decode_csv(data, source, headers), source, ignore, headers), {}
        else:
            rows, columns = parse_xlsx(data, source, ignore, headers, sheet)
        try:
            entries = validate_records(rows, source, notes, ignore, what="列")
        except ValidationError as exc:   # name the column as the sheet heads it: 「回答（D列）」, not answer
            raise ValidationError([replace(p, field=columns.get(p.field, p.field)) for p in exc.problems]) from None
        if notes is not None:
            notes.note_headers(headers.skipped, headers.ignored)
            notes.shift_jis += headers.shift_jis
            notes.sheets.update(headers.sheets)
        return entries
    parse = {"jsonl": parse_jsonl, "yaml": parse_yaml}[fmt]
    return validate_records(parse(_decode(data, source), source), source, notes, ignore)


def read_many(paths, fmt: str | None = None) -> list[FaqEntry]:
    """Several files read as one import: every problem in every file is reported together."""
    return read_import(paths, fmt).entries


def read_import(paths, fmt: str | None = None, ignore_columns=(), sheet: str | None = None) -> ImportRead:
    """read_many() with what the import did: entries converted from HTML, headers read as our keys,
    metadata headers skipped, `ignore_columns` left out, IDs normalised, CSV read as Shift_JIS, the sheet
    read of a workbook."""
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    notes = ImportNotes()
    for path in paths:
        file_notes = ImportNotes()
        try:
            batch = read_entries(path, fmt, file_notes, ignore_columns, sheet)
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


def _table_rows(records: list[dict]) -> tuple[list[str], list[dict]]:
    """The columns and the cells of a CSV file or a sheet: lists in one cell, translations as columns."""
    columns = [k for k in RECORD_KEYS if k != "translations"] + _csv_translation_columns(records)
    rows = []
    for r in records:
        cells = {f"{field}_{lang}": ("true" if t[field] else "false") if field == "checked" else t[field]
                 for lang, t in r.pop("translations").items() for field in TRANSLATION_FIELDS}
        rows.append({**r, **cells, "alt_questions": "\n".join(r["alt_questions"]), "tags": "|".join(r["tags"]),
                     "url": r["url"] or "", "department": r["department"] or "",
                     "active": "true" if r["active"] else "false"})
    return columns, rows


def write_entries(entries: list[FaqEntry], path: str | Path, fmt: str | None = None) -> None:
    path = Path(path)
    fmt = detect_format(path, fmt)
    records = [e.to_record() for e in entries]
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "jsonl":
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif fmt == "yaml":
        tmp.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    elif fmt == "xlsx":
        columns, rows = _table_rows(records)
        write_sheet(tmp, columns, [[row.get(c, "") for c in columns] for row in rows])
    else:
        columns, rows = _table_rows(records)
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:  # BOM so that Excel reads UTF-8
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: csv_cell(v) if isinstance(v, str) else v for k, v in row.items()})
    tmp.replace(path)
