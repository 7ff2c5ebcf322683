"""「言い換え候補」: residents' wordings proposed from 「もしかして」→「解決した」 and from 「未回答の質問」,
counted, filtered (personal data, other languages, known questions, rejected ones), and accepted into the
entry's alt questions (search finds the entry for that wording after the rebuild) or rejected; the
endorsement rule for staff who are not administrators; CSRF; one run over real HTTP.

Real SQLite file with the seed FAQ, the real seed index and embedder, the app's own wiring (the
conversation's hook set by the composition root)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from conftest import seed_database
from console_testkit import (
    PASSWORD,
    TODAY,
    Console,
    add_team,
    csrf_from,
    insert_exchange,
    jst_time,
    make_app,
    rebuild_with,
    services,
)
from line_testkit import ServerThread
from linebot.v3.webhooks import MessageEvent, PostbackEvent, UserSource

from bot.console.proposals import (
    ACCEPTED,
    ENDORSED,
    PROPOSED,
    REJECTED,
    RESIDENT,
    SKIP_DECIDED,
    SKIP_FOREIGN,
    SKIP_KNOWN,
    SKIP_LONG,
    SKIP_PERSONAL,
    STAFF,
    WORDING_MAX,
    unusable,
    wording_key,
)
from bot.emulator import signed_events as wh
from bot.line.postback import FAQ, FEEDBACK, TOPIC, Postback
from bot.services import bot_services
from faq.store import FaqStore
from index.search import ANSWER, SUGGEST, Searcher

# On the seed index 「チケットが届かない」 gets 「もしかして」 with eticket-no-smartphone first and
# eticket-nyujo second; the resident means the second.
QUERY = "チケットが届かない"
PICKED = "eticket-nyujo"
FIRST = "eticket-no-smartphone"


@pytest.fixture
def app(tmp_path, seed_entries, searcher, embedder, shared_cache):
    seed_database(tmp_path / "faqbot.sqlite3", seed_entries)
    app = make_app(tmp_path)
    bot_services(app).searcher = searcher
    rebuild_with(app, embedder, shared_cache)
    add_team(app)
    return app


def console_as(app, username: str) -> Console:
    c = Console(app)
    assert c.login(username).status_code == 302
    return c


def say(app, text: str, user: str):
    return bot_services(app).conversation.respond(MessageEvent.from_dict(wh.text_event(wh.user_source(user), text)))


def tap(app, postback: Postback, user: str):
    event = PostbackEvent.from_dict(wh.postback_event(wh.user_source(user), postback.encode()))
    return bot_services(app).conversation.respond(event)


def decision_of(app, exchange_id: int) -> str:
    return bot_services(app).exchanges.decision_of(exchange_id)


def pick_and_resolve(app, user: str, text: str = QUERY, faq_id: str = PICKED, resolved: bool = True):
    asked = say(app, text, user)
    assert decision_of(app, asked.exchange_id) == SUGGEST
    picked = tap(app, Postback(FAQ, faq_id=faq_id, exchange_id=asked.exchange_id), user)
    tap(app, Postback(FEEDBACK, resolved=resolved, exchange_id=picked.exchange_id), user)
    return picked


def open_proposals(app):
    return [p for grp in services(app).proposals.open_groups() for p in grp.proposals]


def entry(app, faq_id: str):
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        return store.get(faq_id)
    finally:
        store.close()


# ------------------------------------------------------------------ what can be a wording
def test_a_wording_is_compared_without_width_spaces_or_punctuation():
    assert wording_key("チケットが 届かない？") == wording_key("ﾁｹｯﾄが届かない!") == "チケットが届かない"


@pytest.mark.parametrize("wording, reason", [
    ("電話 [電話番号] に折り返してほしい", SKIP_PERSONAL),
    ("090-1234-5678 に電話ください", SKIP_PERSONAL),
    ("taro@example.com に送って", SKIP_PERSONAL),
    ("My ticket has not arrived", SKIP_FOREIGN),
    ("あ" * (WORDING_MAX + 1), SKIP_LONG),
])
def test_wordings_with_personal_data_other_languages_or_too_long_are_never_proposed(wording, reason):
    assert unusable(wording) == reason


def test_a_normal_question_is_usable():
    assert unusable("チケットが届かない") is None
    assert unusable("2026年12月の粗大ごみは何日？") is None   # dates are not personal data


# ------------------------------------------------------------------ from the conversation
def test_a_resolved_suggestion_proposes_the_residents_words_once_per_resolution(app):
    resident = wh.new_user_id()
    picked = pick_and_resolve(app, resident)
    [proposal] = open_proposals(app)
    assert (proposal.faq_id, proposal.wording, proposal.source, proposal.times, proposal.status) == \
        (PICKED, QUERY, RESIDENT, 1, PROPOSED)
    tap(app, Postback(FEEDBACK, resolved=True, exchange_id=picked.exchange_id), resident)   # the same tap again
    assert [p.times for p in open_proposals(app)] == [1]
    pick_and_resolve(app, wh.new_user_id(), text="チケットが 届かない？")   # another resident, same words
    [proposal] = open_proposals(app)
    assert (proposal.times, proposal.wording) == (2, QUERY)


def test_no_proposal_without_a_resolved_suggestion(app):
    pick_and_resolve(app, wh.new_user_id(), resolved=False)                  # 解決しない
    resident = wh.new_user_id()                                               # a topic's question, resolved
    topic = tap(app, Postback(TOPIC, category="e-tickets"), resident)
    picked = tap(app, Postback(FAQ, faq_id=PICKED, exchange_id=topic.exchange_id), resident)
    tap(app, Postback(FEEDBACK, resolved=True, exchange_id=picked.exchange_id), resident)
    answered = say(app, "入札の資格", resident)                                  # a direct answer, resolved
    assert decision_of(app, answered.exchange_id) == ANSWER
    tap(app, Postback(FEEDBACK, resolved=True, exchange_id=answered.exchange_id), resident)
    other = wh.new_user_id()                                                  # someone else's exchange
    asked = say(app, QUERY, resident)
    picked = tap(app, Postback(FAQ, faq_id=PICKED, exchange_id=asked.exchange_id), resident)
    tap(app, Postback(FEEDBACK, resolved=True, exchange_id=picked.exchange_id), other)
    assert open_proposals(app) == []


def test_a_question_with_personal_data_is_never_proposed(app):
    pick_and_resolve(app, wh.new_user_id(), text=f"{QUERY} 090-1234-5678")
    assert open_proposals(app) == []


def test_a_resident_chatting_in_another_language_proposes_nothing(app):
    # Japanese text switches the chat back to Japanese; a chat in Chinese may type kanji-only words
    resident = wh.new_user_id()
    asked = say(app, QUERY, resident)
    picked = tap(app, Postback(FAQ, faq_id=PICKED, exchange_id=asked.exchange_id), resident)
    conversation = bot_services(app).conversation
    assert conversation.languages.choose(conversation.hasher.chat_key(UserSource.from_dict(wh.user_source(resident))),
                                         "zh")
    tap(app, Postback(FEEDBACK, resolved=True, exchange_id=picked.exchange_id), resident)
    assert bot_services(app).exchanges.feedback_of(picked.exchange_id) == "resolved"
    assert open_proposals(app) == []


def test_a_failing_proposal_store_never_breaks_the_residents_reply(app):
    def broken(faq_id, wording):
        raise RuntimeError("disk full")
    bot_services(app).learn_wording = broken
    resident = wh.new_user_id()
    asked = say(app, QUERY, resident)
    picked = tap(app, Postback(FAQ, faq_id=PICKED, exchange_id=asked.exchange_id), resident)
    thanks = tap(app, Postback(FEEDBACK, resolved=True, exchange_id=picked.exchange_id), resident)
    assert thanks.messages and bot_services(app).exchanges.feedback_of(picked.exchange_id) == "resolved"


# ------------------------------------------------------------------ from 「未回答の質問」
def unanswered_group(app, console):
    db = app.config["FAQBOT_DB"]
    day = TODAY - timedelta(days=1)
    for i, text in enumerate(["チケットの受け取り方がわからない", "チケットの受け取り方がわからない",
                              "チケットの受け取り方がわからない？", "チケットの受け取り方 090-1234-5678"]):
        insert_exchange(db, jst_time(day, 10, i), query=text.replace("090-1234-5678", "[電話番号]"))
    html = console.get("/console/unanswered").get_data(as_text=True)
    assert "既存のFAQで答えられる" in html
    [key] = re.findall(r'<section class="group" data-key="([0-9a-f]+)"', html)
    return key


def test_staff_answer_an_unanswered_group_with_an_entry_and_its_questions_become_proposals(app):
    console = console_as(app, "sato")
    key = unanswered_group(app, console)
    form = console.get(f"/console/unanswered/answer?group={key}")
    assert form.status_code == 200 and 'data-faq="' in form.get_data(as_text=True)   # the search's candidates
    # the ID as a city's export writes it (「ETICKET-NYUJO」) finds the entry
    done = console.post("/console/unanswered/answer", {"group": key, "faq_id": PICKED.upper()})
    assert done.status_code == 302
    proposals = open_proposals(app)
    assert [(p.wording, p.source, p.times) for p in proposals] == [("チケットの受け取り方がわからない", STAFF, 3)]
    assert "チケットの受け取り方" not in console.get("/console/unanswered").get_data(as_text=True)  # handled


def test_an_unknown_entry_is_a_clear_error_and_changes_nothing(app):
    console = console_as(app, "yamada")
    key = unanswered_group(app, console)
    refused = console.post("/console/unanswered/answer", {"group": key, "faq_id": "no-such-entry"})
    assert refused.status_code == 400 and "見つかりません" in refused.get_data(as_text=True)
    assert open_proposals(app) == []
    assert "チケットの受け取り方" in console.get("/console/unanswered").get_data(as_text=True)


# ------------------------------------------------------------------ accepting and rejecting
def test_accepted_wording_joins_the_entry_and_search_finds_it_after_the_rebuild(app, embedder):
    pick_and_resolve(app, wh.new_user_id())
    console = console_as(app, "yamada")
    page = console.get("/console/proposals").get_data(as_text=True)
    assert QUERY in page and entry(app, PICKED).question in page
    [proposal] = open_proposals(app)
    assert console.post(f"/console/proposals/{proposal.id}/accept").status_code == 302
    assert QUERY in entry(app, PICKED).alt_questions
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        last = store.history(PICKED)[-1]
        assert (last.action, last.actor) == ("update", "yamada") and QUERY not in last.before.alt_questions
        assert QUERY not in store.undo(PICKED, "yamada").alt_questions        # undo holds
        store.add_alt_question(PICKED, QUERY, "yamada")
    finally:
        store.close()
    assert services(app).proposals.get(proposal.id).status == ACCEPTED
    assert open_proposals(app) == []
    # the accept's rebuild may have read the FAQ between the undo and the re-add above: build once more
    services(app).rebuilder.request()
    assert services(app).rebuilder.wait(timeout=300).state == "done"
    rebuilt = Searcher(app.config["FAQBOT_INDEX_DIR"], lambda: embedder)
    before = bot_services(app).searcher.search(QUERY)
    after = rebuilt.search(QUERY)
    assert before.candidates[0].entry.id == FIRST
    assert after.candidates[0].entry.id == PICKED and after.decision == ANSWER
    pick_and_resolve(app, wh.new_user_id())        # the old index still suggests; the wording is known now
    assert open_proposals(app) == []


def test_rejected_wording_is_not_added_and_never_proposed_again(app):
    pick_and_resolve(app, wh.new_user_id())
    [proposal] = open_proposals(app)
    console = console_as(app, "sato")                 # any staff member may reject an open proposal
    assert console.post(f"/console/proposals/{proposal.id}/reject").status_code == 302
    assert QUERY not in entry(app, PICKED).alt_questions
    assert services(app).proposals.get(proposal.id).status == REJECTED
    pick_and_resolve(app, wh.new_user_id())
    assert open_proposals(app) == []
    assert services(app).proposals.propose(PICKED, QUERY, STAFF).skipped == SKIP_DECIDED
    html = console.get("/console/proposals").get_data(as_text=True)
    assert "却下" in html and f'data-proposal="{proposal.id}"' not in html      # in the history only
    assert services(app).rebuilder.status().state == "idle"


def test_the_entrys_own_question_is_not_proposed(app):
    question = entry(app, PICKED).question
    assert services(app).proposals.propose(PICKED, question + "？", STAFF).skipped == SKIP_KNOWN


def test_a_staff_members_accept_is_an_endorsement_an_administrator_completes(app):
    pick_and_resolve(app, wh.new_user_id())
    [proposal] = open_proposals(app)
    sato = console_as(app, "sato")
    assert sato.post(f"/console/proposals/{proposal.id}/accept").status_code == 302
    assert services(app).proposals.get(proposal.id).status == ENDORSED
    assert QUERY not in entry(app, PICKED).alt_questions
    assert sato.post(f"/console/proposals/{proposal.id}/accept").status_code == 302     # refused, with a message
    assert sato.post(f"/console/proposals/{proposal.id}/reject").status_code == 302
    assert services(app).proposals.get(proposal.id).status == ENDORSED
    assert "承認待ち" in sato.get("/console/proposals").get_data(as_text=True)
    assert console_as(app, "suzuki").post(f"/console/proposals/{proposal.id}/accept").status_code == 302
    assert QUERY in entry(app, PICKED).alt_questions
    store = FaqStore.open(app.config["FAQBOT_DB"])
    try:
        assert store.history(PICKED)[-1].actor == "suzuki（推薦: sato）"
    finally:
        store.close()
    services(app).rebuilder.wait(timeout=300)


def test_posts_without_the_csrf_token_or_a_session_change_nothing(app):
    pick_and_resolve(app, wh.new_user_id())
    [proposal] = open_proposals(app)
    console = console_as(app, "yamada")
    refused = console.post(f"/console/proposals/{proposal.id}/accept", csrf=False)
    assert refused.status_code == 400
    assert console.post(f"/console/proposals/{proposal.id}/reject", csrf="wrong-token").status_code == 400
    anonymous = app.test_client().post(f"/console/proposals/{proposal.id}/accept")
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]
    assert services(app).proposals.get(proposal.id).status == PROPOSED
    assert QUERY not in entry(app, PICKED).alt_questions


def test_accept_over_real_http(app):
    pick_and_resolve(app, wh.new_user_id())
    [proposal] = open_proposals(app)
    with ServerThread(app) as server, requests.Session() as http:
        token = csrf_from(http.get(f"{server.url}/console/login", timeout=30).text)
        login = http.post(f"{server.url}/console/login", timeout=30, allow_redirects=False,
                          data={"csrf_token": token, "username": "yamada", "password": PASSWORD})
        assert login.status_code == 302
        page = http.get(f"{server.url}/console/proposals", timeout=30)
        assert page.status_code == 200 and QUERY in page.text
        done = http.post(f"{server.url}/console/proposals/{proposal.id}/accept", timeout=30,
                         data={"csrf_token": csrf_from(page.text)})
        assert done.status_code == 200 and "言い換えに追加しました" in done.text
    assert QUERY in entry(app, PICKED).alt_questions
    services(app).rebuilder.wait(timeout=300)
