"""「FAQの取り込み」: an administrator uploads a city's file, checks it (nothing written), then imports it."""
from __future__ import annotations

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
from bot.console.views.common import faq_store, log_access, render, services
from faq.import_notes import import_note_lines
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
    importing = request.form.get("action") == "import"
    file = request.files.get("file")
    try:
        found = read_upload(file.stream if file else None, file.filename if file else None, options)
    except ImportRefused as exc:
        return _page(400, options=options, problems=exc.problems)
    checked = request.form.get("checked", "")
    if not importing:
        store = faq_store()
        try:
            preview = store.preview_import(found.read.entries, options.replace_all)
        finally:
            store.close()
        return _page(options=options, upload=found, preview=preview, report=preview.report(),
                     notes=import_note_lines(found.read, options.ignore_columns, FORM_WORDING))
    if checked and checked != found.fingerprint:   # another file (or other settings) than the one checked
        return _page(409, options=options, problems=[Problem(
            found.filename, "", None, "確認したファイルか設定と違います。もう一度「確認する」を押して、内容を確かめてから取り込んでください",
            "not the file or settings just checked: check again")])
    store = faq_store()
    try:
        report = store.import_entries(found.read.entries, import_actor(g.staff.username),
                                      replace_all=options.replace_all)
    finally:
        store.close()
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
