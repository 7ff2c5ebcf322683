"""FAQ quick view (search, entry) and creating an FAQ, e.g. from a group of unanswered questions."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from bot.console.drafts import DraftError, approval_actor
from bot.console.security import admin_required
from bot.console.timeutil import parse_day
from bot.console.unanswered import group_questions, load_unanswered
from bot.console.views.common import (
    bot_conn,
    clock,
    faq_store,
    log_access,
    render,
    searcher,
    services,
)
from faq.model import CATEGORIES, FIELD_LABELS, ID_PATTERN, TRANSLATION_LANGUAGES, normalize_id
from faq.store import FaqStore, NotFound
from faq.text import normalize_query
from faq.validate import Problem, ValidationError, validate_record

log = logging.getLogger(__name__)
bp = Blueprint("faq", __name__)

SEARCH_RESULTS = 20
QUERY_MAX = 200
KEY_PATTERN = re.compile(r"^[0-9a-f]{24}$")
MAX_KEYS = 500
PREFILL_ALTS = 5
FIELDS = ("id", "category", "question", "alt_questions", "answer", "url", "department", "tags")


def _store() -> FaqStore:
    return faq_store()


@bp.get("/faq")
def search():
    query = normalize_query(request.args.get("q", ""))[:QUERY_MAX]
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else ""
    store = _store()
    try:
        entries = store.list(category or None, include_inactive=True)
    finally:
        store.close()
    results, decision, problem = [], None, None
    if query:
        seen = set()
        found = searcher()
        if found is not None:
            try:
                outcome = found.search(query, top_k=SEARCH_RESULTS, prefer_category=category or None)
                decision = outcome.decision
                for cand in outcome.candidates:
                    if not category or cand.entry.category == category:
                        results.append((cand.entry, cand.score))
                        seen.add(cand.entry.id)
            except Exception:  # noqa: BLE001 - the plain text filter below still works
                log.exception("console FAQ search failed")
                problem = "検索エンジンが使えないため、文字列の一致だけで探しています。"
        needle = query.lower()
        for entry in entries:
            if entry.id in seen:
                continue
            haystack = " ".join([entry.id, entry.question, entry.answer, *entry.alt_questions, *entry.tags]).lower()
            if needle in haystack:
                results.append((entry, None))
    else:
        results = [(e, None) for e in entries]
    # translations as stored now (search results come from the index build)
    stored = {e.id: e for e in entries}
    results = [(stored.get(e.id, e), score) for e, score in results]
    missing = request.args.get("missing", "")
    missing = missing if missing in TRANSLATION_LANGUAGES else ""
    if missing:
        results = [(e, score) for e, score in results if missing not in e.translations]
    return render("faq_list.html", query=query, category=category, categories=CATEGORIES, results=results,
                  decision=decision, problem=problem, total=len(entries), languages=TRANSLATION_LANGUAGES,
                  missing=missing)


@bp.get("/faq/entries/<entry_id>")
def entry(entry_id: str):
    canonical = normalize_id(entry_id)
    if canonical != entry_id:   # 「Q-001」 typed or linked as a city's export wrote it
        if not ID_PATTERN.match(canonical):
            abort(404)
        return redirect(url_for("console.faq.entry", entry_id=canonical))
    store = _store()
    try:
        found = store.get(entry_id)
        history = store.history(entry_id)[-10:]
    except NotFound:
        abort(404)
    finally:
        store.close()
    return render("faq_entry.html", entry=found, history=list(reversed(history)), categories=CATEGORIES,
                  build=services().rebuilder.status())


def _guess_category(question: str) -> str:
    """The category of the nearest FAQ (the bot's own search), else 「このサービスについて」."""
    found = searcher()
    if found is not None and question:
        try:
            top = found.search(question, top_k=1).top
            if top is not None:
                return top.entry.category
        except Exception:  # noqa: BLE001
            log.exception("console could not search for the nearest FAQ")
    return "general"


def _group_from_request():
    """The unanswered group named in the query string (recomputed: resident text never goes in a URL)."""
    key = request.args.get("group", "")
    if not KEY_PATTERN.match(key):
        return None, None, None
    end = parse_day(request.args.get("to")) or clock().japan_today()
    start = parse_day(request.args.get("from")) or end - timedelta(days=29)
    if start > end or (end - start).days > 366:
        return None, None, None
    groups = group_questions(load_unanswered(bot_conn(), start, end), services().handled.handled_at())
    return next((grp for grp in groups if grp.key == key), None), start, end


@bp.get("/faq/new")
def new():
    values = {f: "" for f in FIELDS}
    values["category"] = "general"
    group, start, end = _group_from_request()
    keys: tuple[str, ...] = ()
    if request.args.get("group") and group is None:
        flash("元の質問のグループが見つかりませんでした（対応済みになったか、期間が変わった可能性があります）。"
              "空のフォームを表示しています。", "error")
    if group is not None:
        values["question"] = group.representative
        alts = [v.query for v in group.variants[1:] if "[" not in v.query][:PREFILL_ALTS]
        values["alt_questions"] = "\n".join(alts)
        values["category"] = _guess_category(group.representative)
        keys = group.query_keys
    return render("faq_new.html", values=values, errors={}, categories=CATEGORIES, keys=keys, group=group,
                  labels=FIELD_LABELS, range_from=start, range_to=end)


def _form_values() -> dict:
    values = {f: request.form.get(f, "") for f in FIELDS}
    return {k: (v if isinstance(v, str) else "") for k, v in values.items()}


def _field_errors(problems: list[Problem]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for p in problems:
        field = p.field if p.field in FIELDS else "_form"
        errors.setdefault(field, []).append(p.ja)
    return errors


@bp.post("/faq/new")
def create():
    values = _form_values()
    keys = [k for k in request.form.getlist("handled_key") if KEY_PATTERN.match(k)][:MAX_KEYS]
    record = {"id": values["id"].strip(), "category": values["category"], "question": values["question"],
              "alt_questions": values["alt_questions"].replace("|", "\n"), "answer": values["answer"],
              "url": values["url"].strip(), "department": values["department"], "tags": values["tags"],
              "active": True}
    problems: list[Problem] = []
    entry = validate_record(record, "入力", "", problems)
    store = _store()
    try:
        if entry is not None and not g.staff.is_admin and _id_taken(store, entry.id):
            problems.append(Problem("入力", "", "id", f"IDが既に使われています: {entry.id}",
                                    f"id already in use: {entry.id}"))
            entry = None
        elif entry is not None and g.staff.is_admin:
            try:
                entry = store.add(entry, actor=g.staff.username)
            except ValidationError as exc:
                problems.extend(exc.problems)
                entry = None
    finally:
        store.close()
    if entry is None:
        return render("faq_new.html", 400, values=values, errors=_field_errors(problems), categories=CATEGORIES,
                      keys=keys, group=None, labels=FIELD_LABELS, range_from=None, range_to=None)
    if not g.staff.is_admin:  # a draft: an administrator publishes it (a second pair of eyes)
        draft = services().drafts.add(entry, g.staff.username, keys)
        log_access("faq_draft", target=f"draft:{draft.id}")
        flash(f"FAQ「{entry.question}」を下書きとして保存しました。管理者が承認すると公開されます。", "ok")
        return redirect(url_for("console.faq.drafts"))
    _published(entry, keys)
    return redirect(url_for("console.faq.entry", entry_id=entry.id))


def _id_taken(store: FaqStore, entry_id: str) -> bool:
    try:
        store.get(entry_id)
    except NotFound:
        return False
    return True


def _published(entry, keys) -> None:
    """After an entry is in the FAQ: the questions it answers leave the unanswered list, the index is rebuilt."""
    if keys:
        services().handled.mark(list(keys), g.staff.username, entry.id)
    log_access("faq_create", target=f"faq:{entry.id}")
    services().rebuilder.request()
    flash(f"FAQ「{entry.question}」（{entry.id}）を登録しました。検索インデックスを更新しています。"
          "数十秒でボットの回答に使われます。", "ok")


# ------------------------------------------------------------------ drafts (published by an administrator)
@bp.get("/faq/drafts")
def drafts():
    store = services().drafts
    return render("faq_drafts.html", pending=store.pending(), decided=store.recent_decided(),
                  categories=CATEGORIES)


def _decided(draft_id: int, approve: bool):
    drafts_store = services().drafts
    approver = g.staff.username
    published = []

    def publish(draft) -> None:
        store = _store()
        try:
            published.append(store.add(draft.entry, actor=approval_actor(approver, draft.drafted_by)))
        finally:
            store.close()

    try:
        if approve:
            draft = drafts_store.approve(draft_id, approver, publish)
        else:
            draft = drafts_store.reject(draft_id, approver)
    except (DraftError, ValidationError) as exc:
        message = str(exc) if isinstance(exc, DraftError) else "、".join(p.ja for p in exc.problems)
        flash(f"下書き #{draft_id} を処理できませんでした: {message}", "error")
        return redirect(url_for("console.faq.drafts"))
    if approve:
        log_access("faq_draft_approve", target=f"draft:{draft.id}")
        _published(published[0], draft.handled_keys)
        return redirect(url_for("console.faq.entry", entry_id=published[0].id))
    log_access("faq_draft_reject", target=f"draft:{draft.id}")
    flash(f"下書き #{draft.id}（{draft.drafted_by} 作成）を却下しました。", "ok")
    return redirect(url_for("console.faq.drafts"))


@bp.post("/faq/drafts/<int:draft_id>/approve")
@admin_required
def approve(draft_id: int):
    return _decided(draft_id, approve=True)


@bp.post("/faq/drafts/<int:draft_id>/reject")
@admin_required
def reject(draft_id: int):
    return _decided(draft_id, approve=False)
