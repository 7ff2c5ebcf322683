"""「未回答の質問」: grouped questions the bot could not answer, with 「この質問からFAQを作成」 and
「既存のFAQで答えられる」 (the group's questions become 言い換え候補 of the entry staff pick)."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import Blueprint, flash, g, redirect, request, url_for

from bot.console.proposals import STAFF
from bot.console.timeutil import parse_day
from bot.console.unanswered import QuestionGroup, group_questions, load_unanswered
from bot.console.views.common import (
    bot_conn,
    clock,
    log_access,
    render,
    searcher,
    services,
)
from bot.faq_directory import FaqDirectory
from faq.model import normalize_id

log = logging.getLogger(__name__)
bp = Blueprint("unanswered", __name__)

DEFAULT_DAYS = 30
MAX_DAYS = 366
KEY_PATTERN = re.compile(r"^[0-9a-f]{24}$")
MAX_KEYS = 500
# The page lists the largest groups; the rest are counted (a page of thousands helps nobody).
MAX_GROUPS_SHOWN = 200
CANDIDATES_SHOWN = 5
FAQ_ID_MAX = 64


def _range() -> tuple:
    error = None
    end = clock().japan_today()
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


# ------------------------------------------------------------------ 既存のFAQで答えられる
def _group(key: str, raw_from: str | None, raw_to: str | None):
    """The group with ``key`` in the range, recomputed (resident text never goes into a URL or a form)."""
    if not KEY_PATTERN.match(key or ""):
        return None, None, None
    end = parse_day(raw_to) or clock().japan_today()
    start = parse_day(raw_from) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days >= MAX_DAYS:
        return None, None, None
    found = group_questions(load_unanswered(bot_conn(), start, end), services().handled.handled_at())
    return next((grp for grp in found if grp.key == key), None), start, end


def _candidates(group: QuestionGroup) -> list:
    """The entries the bot's own search finds for the group's question (staff may also type an id)."""
    found = searcher()
    if found is None:
        return []
    try:
        return [c.entry for c in found.search(group.representative, top_k=CANDIDATES_SHOWN).candidates]
    except Exception:  # noqa: BLE001 - the id field still works
        log.exception("console could not search for the group's candidates")
        return []


@bp.get("/unanswered/answer")
def answer_form():
    group, start, end = _group(request.args.get("group", ""), request.args.get("from"), request.args.get("to"))
    if group is None:
        flash("質問のグループが見つかりませんでした（対応済みになったか、期間が変わった可能性があります）。", "error")
        return redirect(url_for("console.unanswered.groups"))
    return render("unanswered_answer.html", group=group, start=start, end=end, candidates=_candidates(group))


@bp.post("/unanswered/answer")
def answer():
    group, start, end = _group(request.form.get("group", ""), request.form.get("from"), request.form.get("to"))
    if group is None:
        flash("質問のグループが見つかりませんでした（対応済みになったか、期間が変わった可能性があります）。", "error")
        return redirect(url_for("console.unanswered.groups"))
    faq_id = (request.form.get("faq_id") or "").strip()[:FAQ_ID_MAX]
    entry = FaqDirectory(bot_conn).get(normalize_id(faq_id)) if faq_id else None   # 「Q-001」 as the export wrote it
    if entry is None:
        return render("unanswered_answer.html", 400, group=group, start=start, end=end,
                      candidates=_candidates(group), error=f"FAQ「{faq_id}」が見つかりません。IDを確かめてください。"
                      if faq_id else "FAQを選ぶか、IDを入力してください。")
    proposals = services().proposals
    made = [proposals.propose(entry.id, v.query, STAFF, times=v.count) for v in group.variants]
    proposed = sum(1 for m in made if m.proposal is not None)
    services().handled.mark(list(group.query_keys), g.staff.username, entry.id)
    log_access("unanswered_answered_by", target=f"faq:{entry.id}")
    skipped = len(made) - proposed
    flash(f"{group.count}件の質問を「{entry.question}」で答えられるものとして対応済みにし、言い換え候補を{proposed}件作りました"
          + (f"（{skipped}件は個人情報・長さ・既にある言い換えなどのため候補にしていません）" if skipped else "")
          + "。", "ok")
    return redirect(url_for("console.unanswered.groups", **{"from": start.isoformat(), "to": end.isoformat()}))
