"""「言い換え候補」: residents' wordings proposed as alternative questions; accept or reject, one click each."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from bot.console.proposals import ACCEPTED, ENDORSED, ProposalError
from bot.console.views.common import faq_store, log_access, render, services
from faq.validate import ValidationError

bp = Blueprint("proposals", __name__)
# Flash messages name a proposal by its number: they travel in the session cookie, resident text does not.


@bp.get("/proposals")
def listing():
    newest = request.args.get("order") == "new"
    store = services().proposals
    return render("proposals.html", groups=store.open_groups(newest_first=newest), newest=newest,
                  open_count=store.open_count(), decided=store.recent_decided())


def _add_alt(faq_id: str, wording: str, actor: str):
    store = faq_store()
    try:
        return store.add_alt_question(faq_id, wording, actor)
    finally:
        store.close()


def _back():
    return redirect(url_for("console.proposals.listing", **({"order": "new"} if request.form.get("order") == "new"
                                                          else {})))


@bp.post("/proposals/<int:proposal_id>/accept")
def accept(proposal_id: int):
    try:
        done = services().proposals.accept(proposal_id, g.staff.username, g.staff.is_admin, _add_alt)
    except (ProposalError, ValidationError, KeyError) as exc:
        flash(f"言い換え候補 #{proposal_id} を採用できませんでした: {_reason(exc)}", "error")
        return _back()
    proposal = done.proposal
    if proposal.status == ENDORSED:
        log_access("proposal_endorse", target=f"proposal:{proposal.id}")
        flash(f"言い換え候補 #{proposal.id} を推薦しました。管理者が承認するとFAQの言い換えに追加されます。", "ok")
    elif proposal.status == ACCEPTED:
        log_access("proposal_accept", target=f"proposal:{proposal.id}")
        services().rebuilder.request()
        flash(f"言い換え候補 #{proposal.id} を {proposal.faq_id} の言い換えに追加しました。検索インデックスを更新しています。",
              "ok")
    return _back()


@bp.post("/proposals/<int:proposal_id>/reject")
def reject(proposal_id: int):
    try:
        done = services().proposals.reject(proposal_id, g.staff.username, g.staff.is_admin)
    except ProposalError as exc:
        flash(f"言い換え候補 #{proposal_id} を却下できませんでした: {exc}", "error")
        return _back()
    log_access("proposal_reject", target=f"proposal:{done.proposal.id}")
    flash(f"言い換え候補 #{done.proposal.id} を却下しました（今後は候補に出ません）。", "ok")
    return _back()


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "、".join(p.ja for p in exc.problems)
    if isinstance(exc, KeyError):  # faq.store.NotFound
        return "FAQが見つかりません（削除された可能性があります）。"
    return str(exc)
