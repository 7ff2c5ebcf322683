"""「FAQの取り込み」: an administrator uploads a city's file and checks it (the FAQ unchanged; the file kept for
30 minutes), then imports the kept file with its token."""
from __future__ import annotations

import io
import logging

from flask import Blueprint, flash, g, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bot.console.faq_import import (
    ACCEPTED,
    FORM_WORDING,
    MAX_UPLOAD_BYTES,
    SHOWN_IDS,
    ImportOptions,
    ImportRefused,
    ignore_columns_from,
    import_actor,
    read_upload,
)
from bot.console.security import admin_required
from bot.console.uploads import UploadRefused
from bot.console.views.common import clock, faq_store, log_access, render, services
from faq.import_notes import import_note_lines
from faq.store import FaqStore
from faq.validate import Problem

log = logging.getLogger(__name__)
bp = Blueprint("faq_import", __name__)

SHEET_MAX = 100
IGNORE_MAX = 2000
MAX_PROBLEMS_SHOWN = 500   # a sheet of thousands of bad rows: the first ones say what to fix


def _options() -> ImportOptions:
    sheet = request.form.get("sheet", "").strip()[:SHEET_MAX]
    return ImportOptions(sheet=sheet or None,
                         ignore_columns=ignore_columns_from(request.form.get("ignore_columns", "")[:IGNORE_MAX]),
                         replace_all=request.form.get("replace_all") == "1")


def _page(status: int = 200, *, options: ImportOptions | None = None, problems: list[Problem] = (), **context):
    options = options or ImportOptions()
    return render("faq_import.html", status, options=options, ignore_text="、".join(options.ignore_columns),
                  problems=list(problems)[:MAX_PROBLEMS_SHOWN], more_problems=max(0, len(problems) - MAX_PROBLEMS_SHOWN),
                  accepted=ACCEPTED, max_mb=MAX_UPLOAD_BYTES // 2 ** 20, shown_ids=SHOWN_IDS, **context)


@bp.get("/faq/import")
@admin_required
def form():
    return _page()


@bp.post("/faq/import")
@admin_required
def upload():
    options = _options()
    if request.form.get("action") == "import":
        return _import(options)
    return _check(options)


def _check(options: ImportOptions):
    """Read and validate the file, show what would change, and keep it for 「取り込む」 (nothing else written)."""
    file = request.files.get("file")
    data = file.stream.read(MAX_UPLOAD_BYTES + 1) if file else b""   # bounded by the request limit
    try:
        found = read_upload(io.BytesIO(data) if file else None, file.filename if file else None, options)
    except ImportRefused as exc:
        return _page(400, options=options, problems=exc.problems)
    store = faq_store()
    try:
        preview = store.preview_import(found.read.entries, options.replace_all)
    finally:
        store.close()
    kept = services().uploads.keep(g.staff.username, found.filename, options, found.fingerprint, data)
    return _page(options=options, upload=found, preview=preview, report=preview.report(), kept=kept,
                 notes=import_note_lines(found.read, options.ignore_columns, FORM_WORDING))


def _import(options: ImportOptions):
    """The kept file, read and validated again exactly as at 「確認する」, imported with the token used up."""
    uploads = services().uploads
    username = g.staff.username
    token = request.form.get("token", "")
    try:
        stored = uploads.load(token, username)
    except UploadRefused as exc:
        return _page(exc.status, options=options, token_problem=True,
                     problems=[Problem("", "", None, exc.ja, exc.en)])
    try:
        found = read_upload(io.BytesIO(stored.data), stored.filename, options)
    except ImportRefused as exc:   # only with other settings than the ones checked
        return _page(400, options=options, problems=exc.problems)
    if found.fingerprint != stored.fingerprint:   # the settings were changed after the check
        return _page(409, options=options, token_problem=True, problems=[Problem(
            found.filename, "", None, "確認したファイルか設定と違います。もう一度「確認する」を押して、内容を確かめてから取り込んでください",
            "not the file or settings just checked: check again")])
    try:
        report = uploads.import_once(token, username, lambda db: FaqStore(db, clock()).import_entries(
            found.read.entries, import_actor(username), replace_all=options.replace_all))
    except UploadRefused as exc:   # used up or expired in between (another tab, another host)
        return _page(exc.status, options=options, token_problem=True,
                     problems=[Problem("", "", None, exc.ja, exc.en)])
    log_access("faq_import", target=f"file:{found.filename}"[:200])
    changed = report.added + report.updated + report.deactivated > 0
    if changed:
        services().rebuilder.request()
    flash(f"「{found.filename}」を取り込みました：追加 {report.added}件、更新 {report.updated}件、"
          f"変更なし {report.unchanged}件、非公開化 {report.deactivated}件。"
          + ("検索インデックスを更新しています。数十秒でボットの回答に使われます。" if changed else "FAQは変わっていません。"),
          "ok")
    return redirect(url_for("console.faq_import.form"))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    """The upload is beyond the request limit: said on the form (the guard has read nothing of it)."""
    if g.get("staff") is None or not g.staff.is_admin:
        return render("error.html", 413, status_code=413, message="送信された内容が大きすぎます。")
    return _page(413, problems=[Problem("", "", None, f"ファイルが大きすぎます（{MAX_UPLOAD_BYTES // 2 ** 20}MBまで）。"
                                                      "ファイルを分けて取り込んでください", "file too large")])
