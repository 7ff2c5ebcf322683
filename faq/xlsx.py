"""An Excel workbook (.xlsx) as a table of text cells, read the way a person sees the sheet, and written back.

Reading is streamed (openpyxl read_only) with the cached values of formulas (data_only); the workbook is
parsed a second time without data_only only to tell a formula that has no cached value (never calculated,
e.g. written by a program) from an empty cell. What openpyxl gives is what is read: a merged cell's text is
in its top-left cell only (the others are empty), hidden rows and columns are read like any other, a cell's
number format is not applied except zero padding (「000」: 7 → 007) and dates (YYYY-MM-DD)."""
from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from .text import normalize
from .validate import Problem, ValidationError

MAX_ROWS = 100_000                           # rows with text (header included)
MAX_CELLS = 5_000_000                        # cells looked at, empty ones too
MAX_UNPACKED_BYTES = 200 * 1024 * 1024       # the workbook's parts once unzipped: a zip bomb stops here
EXCEL_MAX_ROWS = 1_048_576

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"    # the compound file of .xls, and of any password-protected workbook
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_ZERO_PADDED = re.compile(r"^0+$")
XLS_ADVICE = "Excel で .xlsx か「CSV UTF-8」で保存し直してください"


@dataclass
class Sheet:
    """One worksheet: its header row and the rows with text, each as (Excel's row number, cells)."""
    name: str
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    others: list[str] = field(default_factory=list)   # the workbook's other worksheets


def cell_text(value, number_format: str | None = None) -> str:
    """A cell's value as the sheet shows it: 12 not 12.0, dates as YYYY-MM-DD, TRUE/FALSE, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if number_format and _ZERO_PADDED.match(number_format):
            return str(value).zfill(len(number_format))
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _problem(source: str, location: str, field_name: str | None, ja: str, en: str) -> ValidationError:
    return ValidationError([Problem(source, location, field_name, ja, en)])


def _check_container(data: bytes, source: str) -> None:
    """.xls, a password-protected workbook, a file that is no workbook, or one that unzips too large: a
    clear error before openpyxl sees it."""
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise _problem(source, "", None, "パスワード付きの Excel ファイルは読めません。"
                           f"パスワードを外して保存し直すか、{XLS_ADVICE}",
                           "password-protected workbook: remove the password or save as .xlsx / CSV UTF-8")
        raise _problem(source, "", None, f".xls（Excel 97-2003）は読めません。{XLS_ADVICE}",
                       "old .xls format: save as .xlsx or CSV UTF-8")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _problem(source, "", None, f"Excel（.xlsx）ファイルとして読めません（壊れているか、別の形式のファイルです）。"
                       f"{XLS_ADVICE}", "not an .xlsx workbook (damaged or another format)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _problem(source, "", None, f"Excel ファイルの中身が大きすぎます（展開後 {MAX_UNPACKED_BYTES // 2 ** 20}MB まで）",
                       "workbook too large once unzipped")


def _pick_sheet(names: list[str], wanted: str | None, source: str) -> str:
    if not names:
        raise _problem(source, "", None, "ワークシートがありません", "the workbook has no worksheet")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    same = [n for n in names if normalize(n) == normalize(wanted)]   # 「ＦＡＱ」 typed for 「FAQ」
    if len(same) == 1:
        return same[0]
    listed = "、".join(f"「{n}」" for n in names)
    raise _problem(source, "", "--sheet", f"シート「{wanted}」がありません（あるシート: {listed}）",
                   f"no sheet named {wanted} (sheets: {', '.join(names)})")


def read_sheet(data: bytes, source: str, sheet: str | None = None) -> Sheet:
    """The chosen worksheet (the first by default): header row = the first row with text; rows without text
    are left out. Raises ValidationError naming the sheet and cell for anything it cannot read."""
    _check_container(data, source)
    with warnings.catch_warnings():
        # openpyxl warns about parts it does not read (data validation, slicers …): none hold cell values
        warnings.simplefilter("ignore")
        values = _open(data, source, data_only=True)
        try:
            formulas = _open(data, source, data_only=False)
            try:
                names = [ws.title for ws in values.worksheets]   # chart sheets have no rows
                name = _pick_sheet(names, sheet, source)
                try:
                    return _read_rows(values[name], formulas[name], name, source, [n for n in names if n != name])
                except ValidationError:
                    raise
                except Exception:   # a damaged sheet part fails only once its rows are parsed
                    raise _problem(source, f"シート「{name}」", None, f"シートが壊れていて読めません。{XLS_ADVICE}",
                                   "damaged worksheet") from None
            finally:
                formulas.close()
        finally:
            values.close()


def _open(data: bytes, source: str, data_only: bool):
    import openpyxl   # imported here: only an Excel import or export pays for it
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception:   # openpyxl raises many kinds on a damaged part (KeyError, XML, zip, value errors)
        raise _problem(source, "", None, f"Excel ファイルが壊れていて読めません。{XLS_ADVICE}",
                       "damaged workbook") from None


def _read_rows(values, formulas, name: str, source: str, others: list[str]) -> Sheet:
    values.reset_dimensions()     # the sheet's own <dimension> may be wrong; read the rows that are there
    formulas.reset_dimensions()
    result: Sheet | None = None
    cells_seen = 0
    for number, (row, formula_row) in enumerate(zip(values.iter_rows(), formulas.iter_rows()), start=1):
        where = f"シート「{name}」{number}行目"
        if number > EXCEL_MAX_ROWS:
            raise _problem(source, where, None, "行が多すぎます（Excel の上限を超えています）", "too many rows")
        cells_seen += len(row)
        if cells_seen > MAX_CELLS:
            raise _problem(source, where, None, f"セルが多すぎます（{MAX_CELLS:,}セルまで）", "too many cells")
        texts = []
        for column, (cell, formula_cell) in enumerate(zip(row, formula_row), start=1):
            if getattr(formula_cell, "data_type", None) == "f" and cell.value is None:
                ref = f"{name}!{column_letter(column)}{number}"
                raise _problem(source, where, ref, f"{ref} の数式に計算結果が保存されていません。"
                               "Excel で開いて保存し直すか、値として貼り付けてください",
                               f"formula in {ref} has no cached value: open and save it in Excel")
            if getattr(cell, "data_type", None) == "e":
                ref = f"{name}!{column_letter(column)}{number}"
                raise _problem(source, where, ref, f"{ref} が数式のエラー（{cell.value}）です。直してから取り込んでください",
                               f"{ref} is a formula error ({cell.value})")
            texts.append(cell_text(cell.value, getattr(cell, "number_format", None)))
        if not any(t.strip() for t in texts):
            continue
        if result is None:
            result = Sheet(name, number, [t.strip() for t in texts], others=others)
            continue
        if len(result.rows) + 2 > MAX_ROWS:   # the header, the rows so far and this one
            raise _problem(source, where, None, f"行が多すぎます（{MAX_ROWS:,}行まで）", f"more than {MAX_ROWS} rows")
        result.rows.append((number, texts))
    if result is None:
        raise _problem(source, f"シート「{name}」", None, "シートが空です（見出し行がありません）",
                       "the sheet is empty (no header row)")
    return result


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(column)


def write_sheet(path, columns: list[str], rows: list[list[str]], title: str = "FAQ") -> None:
    """A workbook of one sheet: the header row, then every cell as text (never a formula, never a number)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        cells = []
        for value in row:
            try:
                cell = WriteOnlyCell(sheet, value=value)
            except IllegalCharacterError:
                raise ValueError(f"Excel のセルに入れられない制御文字があります / control character in {value[:40]!r}") from None
            cell.data_type = "s"   # 「=SUM(…)」 or 「0120」 stays the text it is
            cells.append(cell)
        sheet.append(cells)
    book.save(path)
