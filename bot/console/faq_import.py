"""A city's FAQ file uploaded on the console, read and checked exactly as `faqctl import` reads it.

The bytes are copied into a temporary directory only while the reader needs a path, then removed. Between
「確認する」 and 「取り込む」 the checked bytes are kept in the database (:mod:`bot.console.uploads`) and read
here again; a fingerprint of the bytes and the options lets 「取り込む」 refuse settings other than the ones
checked."""
from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from faq.formats import MAX_FILE_BYTES, ImportRead, detect_format, read_import
from faq.import_notes import NoteWording
from faq.model import FIELD_LABELS
from faq.text import normalize
from faq.validate import Problem, ValidationError, unknown_headers_message

MAX_UPLOAD_BYTES = MAX_FILE_BYTES                # what the readers accept
REQUEST_BYTES = MAX_UPLOAD_BYTES + 256 * 1024    # the upload request: the file and the form's other fields
SHOWN_IDS = 20
MAX_IGNORE_COLUMNS = 100
NAME_MAX = 120
ACCEPTED = ".jsonl,.csv,.yaml,.yml,.xlsx"

FORM_WORDING = NoteWording(ignore_option="「読まない列」",
                           id_lookup="FAQの画面は元のIDでも開けます",
                           check_html="FAQの画面で表示を確認してください")
_SEPARATORS = re.compile(r"[,，、\r\n]+")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass(frozen=True)
class ImportOptions:
    sheet: str | None = None
    ignore_columns: tuple[str, ...] = ()
    replace_all: bool = False


class ImportRefused(Exception):
    """The upload cannot be imported; nothing was changed. `problems` as the readers report them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Upload:
    """An uploaded file, read and valid."""
    filename: str
    read: ImportRead
    fingerprint: str   # the file's bytes and the options


def import_actor(username: str) -> str:
    """What the FAQ history records as the author of a console import."""
    return f"{username}（コンソール取り込み）"


def ignore_columns_from(text: str) -> tuple[str, ...]:
    """「読まない列」 as typed: separated by commas (also 、 and full width) or lines, each trimmed."""
    names: list[str] = []
    for part in _SEPARATORS.split(normalize(text or "")):
        part = part.strip()
        if part and part not in names:
            names.append(part)
    return tuple(names[:MAX_IGNORE_COLUMNS])


def upload_name(raw: str | None) -> str:
    """The uploaded file's own name (for messages and the format), without any path or odd characters."""
    name = normalize(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().lstrip(".")
    if len(name) > NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:NAME_MAX - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 10 else name[:NAME_MAX]
    return name


def _refused(source: str, ja: str, en: str, field: str | None = None) -> ImportRefused:
    return ImportRefused([Problem(source, "", field, ja, en)])


def _form_advice(source: str, names: list[str], what: str) -> tuple[str, str]:
    return (f"読まなくてよい{what}なら、「読まない列」に {'、'.join(names)} と書いて、もう一度「確認する」を押してください",
            "or enter it in 「読まない列」 to import without it")


def _for_the_form(problem: Problem) -> Problem:
    """The readers' problems worded for this form (its fields, not faqctl's options)."""
    if problem.unknown is not None:
        ja, en = unknown_headers_message(problem.source, problem.unknown.names, problem.unknown.what, _form_advice)
        problem = replace(problem, ja=ja, en=en)
    if problem.field == "--sheet":
        problem = replace(problem, field="シート名")
    elif problem.field in FIELD_LABELS:
        problem = replace(problem, field=f"{FIELD_LABELS[problem.field]}（{problem.field}）")
    return problem


def _value_problem(source: str, exc: ValueError) -> Problem:
    ja, _, en = str(exc).rpartition(" / ")
    return Problem(source, "", None, ja or en, en if ja else "")


def _fingerprint(digest, options: ImportOptions) -> str:
    digest.update(repr((options.sheet, options.ignore_columns, options.replace_all)).encode("utf-8"))
    return digest.hexdigest()[:32]


def _copy(stream: IO[bytes], target: Path, source: str):
    """The upload into `target`, refused beyond MAX_UPLOAD_BYTES; returns its SHA-256 so far."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise _refused(source, f"ファイルが大きすぎます（{MAX_UPLOAD_BYTES // 2 ** 20}MBまで）。"
                                       "ファイルを分けて取り込んでください", "file too large")
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise _refused(source, "ファイルが空です（0バイト）。保存し直したファイルを選んでください", "the file is empty")
    return digest


def read_upload(stream: IO[bytes] | None, filename: str | None, options: ImportOptions) -> Upload:
    """Read and validate the whole upload as faqctl does; raises ImportRefused and reads nothing partially."""
    name = upload_name(filename)
    if stream is None or not name:
        raise _refused("", "ファイルを選んでください", "choose a file")
    try:
        fmt = detect_format(Path(name))
    except ValueError as exc:
        raise ImportRefused([_value_problem(name, exc)]) from None
    if options.sheet and fmt != "xlsx":
        raise _refused(name, "シート名は Excel（.xlsx）のファイルにだけ指定できます。空にしてください",
                       "a sheet name is for .xlsx files only", "シート名")
    with tempfile.TemporaryDirectory(prefix="faq-import-") as tmp:
        path = Path(tmp) / name
        digest = _copy(stream, path, name)
        try:
            read = read_import([path], None, options.ignore_columns, options.sheet)
        except ValidationError as exc:
            raise ImportRefused([_for_the_form(p) for p in exc.problems]) from None
        except ValueError as exc:
            raise ImportRefused([_value_problem(name, exc)]) from None
    if not read.entries:   # with 「非公開にする」 an empty file would take every FAQ away from residents
        raise _refused(name, "ファイルに FAQ が1件もありません（見出し行だけか、空の行だけです）",
                       "the file has no FAQ entries")
    return Upload(name, read, _fingerprint(digest, options))
