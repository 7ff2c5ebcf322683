"""Roles: staff who are not administrators draft FAQ entries, an administrator other than the drafter
publishes them (the history names both); only administrators switch disaster mode."""
from __future__ import annotations

import re

import pytest
from console_testkit import Console, add_team, make_app, services
from line_testkit import rows

from faq.store import FaqStore, NotFound

DRAFT = {"id": "pet-hinan", "category": "general", "question": "ペットと一緒に避難できますか",
         "answer": "ペットと一緒に避難できる避難所があります。市のホームページで確認してください。",
         "alt_questions": "", "url": "", "department": "防災課", "tags": ""}


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    add_team(app)
    return app


def logged_in(app, name: str) -> Console:
    c = Console(app)
    assert c.login(name).status_code == 302
    return c


def faq_entry(app, entry_id: str):
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        return store.get(entry_id), store.history(entry_id)
    except NotFound:
        return None, []
    finally:
        store.close()


def draft_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-draft="(\d+)"', html)]


def test_an_editor_drafts_and_nothing_is_published(app):
    sato = logged_in(app, "sato")
    response = sato.post("/console/faq/new", DRAFT)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/faq/drafts")
    assert faq_entry(app, "pet-hinan") == (None, [])
    page = sato.get("/console/faq/drafts").get_data(as_text=True)
    assert "下書きとして保存しました" in page and "管理者の承認待ちです" in page and DRAFT["question"] in page
    [draft_id] = draft_ids(page)
    # an editor cannot approve, not even by posting directly
    assert sato.post(f"/console/faq/drafts/{draft_id}/approve").status_code == 403
    assert faq_entry(app, "pet-hinan") == (None, [])


def test_another_administrator_publishes_and_the_history_shows_both(app):
    logged_in(app, "sato").post("/console/faq/new", DRAFT)
    [draft] = services(app).drafts.pending()
    yamada = logged_in(app, "yamada")
    response = yamada.post(f"/console/faq/drafts/{draft.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/faq/entries/pet-hinan")
    entry, [created] = faq_entry(app, "pet-hinan")
    assert entry.answer == DRAFT["answer"]
    assert created.actor == "yamada（下書き: sato）"
    assert services(app).drafts.get(draft.id).decided_by == "yamada"
    actions = [r["action"] for r in rows(app.config["FAQBOT_DB"], "SELECT action FROM console_access_log")]
    assert "faq_draft" in actions and "faq_draft_approve" in actions
    assert yamada.post(f"/console/faq/drafts/{draft.id}/approve").status_code == 302  # twice: refused kindly
    assert "すでに処理されています" in yamada.get("/console/faq/drafts").get_data(as_text=True)


def test_an_administrator_cannot_approve_their_own_draft(app):
    services(app).drafts.add(__import__("faq.model", fromlist=["FaqEntry"]).FaqEntry(
        id="own", question="自分の下書き", answer="回答です。", category="general"), "yamada", [])
    [draft] = services(app).drafts.pending()
    yamada = logged_in(app, "yamada")
    yamada.post(f"/console/faq/drafts/{draft.id}/approve")
    assert "自分で作成した下書き" in yamada.get("/console/faq/drafts").get_data(as_text=True)
    assert faq_entry(app, "own") == (None, [])
    logged_in(app, "suzuki").post(f"/console/faq/drafts/{draft.id}/reject")
    assert services(app).drafts.get(draft.id).status == "rejected" and faq_entry(app, "own") == (None, [])


def test_only_administrators_switch_disaster_mode(app):
    sato = logged_in(app, "sato")
    page = sato.get("/console/disaster").get_data(as_text=True)
    assert "管理者が行います" in page and 'id="disaster-on"' not in page
    assert sato.post("/console/disaster", {"action": "on", "name": "令和8年台風10号"}).status_code == 403
    assert not services(app).bot.disaster.current().active
    yamada = logged_in(app, "yamada")
    assert yamada.post("/console/disaster", {"action": "on", "name": "令和8年台風10号"}).status_code == 302
    assert services(app).bot.disaster.current().active
