"""「未回答の質問」: grouped questions the bot could not answer, with 「この質問からFAQを作成」."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, flash, g, redirect, request, url_for

from bot.console.timeutil import parse_day, today_jst
from bot.console.unanswered import group_questions, load_unanswered
from bot.console.views.common import bot_conn, log_access, render, services

bp = Blueprint("unanswered", __name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366
KEY_PATTERN = re.compile(r"^[0-9a-f]{24}$")
MAX_KEYS = 500
# The page lists the largest groups; the rest are counted (a page of thousands helps nobody).
MAX_GROUPS_SHOWN = 200


def _range() -> tuple:
    error = None
    end = today_jst()
    start = end - timedelta(days=DEFAULT_DAYS - 1)
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    if raw_from or raw_to:
        start_in, end_in = parse_day(raw_from) if raw_from else start, parse_day(raw_to) if raw_to else end
        if start_in is None or end_in is None:
            error = "日付は 2025-04-01 の形で入力してください。直近30日を表示しています。"
        elif start_in > end_in:
            error = "開始日が終了日より後になっています。直近30日を表示しています。"
        elif (end_in - start_in).days >= MAX_DAYS:
            error = f"期間は{MAX_DAYS}日以内にしてください。直近30日を表示しています。"
        else:
            start, end = start_in, end_in
    return start, end, error


@bp.get("/unanswered")
def groups():
    start, end, error = _range()
    found = group_questions(load_unanswered(bot_conn(), start, end), services().handled.handled_at())
    return render("unanswered.html", 400 if error else 200, groups=found[:MAX_GROUPS_SHOWN], start=start, end=end,
                  error=error, total=sum(g.count for g in found), group_count=len(found),
                  hidden_groups=max(0, len(found) - MAX_GROUPS_SHOWN))


@bp.post("/unanswered/handled")
def handled():
    keys = [k for k in request.form.getlist("handled_key") if KEY_PATTERN.match(k)][:MAX_KEYS]
    back = url_for("console.unanswered.groups", **{k: request.form[k] for k in ("from", "to")
                                                  if parse_day(request.form.get(k))})
    if not keys:
        flash("対応済みにする質問がありません。", "error")
        return redirect(back)
    services().handled.mark(keys, g.staff.username)
    log_access("unanswered_handled", target=f"questions:{len(keys)}")
    flash(f"{len(keys)}種類の質問を対応済みにしました。", "ok")
    return redirect(back)
