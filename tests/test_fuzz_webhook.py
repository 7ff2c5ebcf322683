"""Fuzzing the LINE webhook (hypothesis, derandomized, bounded): random and mutated bodies with valid
signatures, huge strings, control characters, lone surrogates, deep nesting, random bytes.

Each input gets 200, or a clear 400/413; never a 5xx. A refused input (nothing handled) changes no row
in the database and sends no reply; an accepted one only sends replies the Messaging API stub accepts
(validated against LINE's OpenAPI description). After all that, the same server still answers.

The bot runs in-process behind a real loopback HTTP server (werkzeug, threaded), with the seed index;
the stub runs on another loopback port. Inputs tried: run with ``--hypothesis-show-statistics``
(figures in docs/BENCHMARKS.md)."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from conftest import seed_database
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from line_testkit import SPEC_DIR, ServerThread

from bot.app import create_app
from bot.emulator import signed_events as wh
from bot.emulator.stub import create_stub_app, get_stub_state
from bot.line.events import MALFORMED, BodyError, parse_event, read_body
from bot.services import bot_services
from faq.db import open_db, table_names

SECRET = "fuzz-secret-" + uuid.uuid4().hex
QUESTION = "罹災証明書はどうやって申請しますか？"
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# ------------------------------------------------------------------ strategies
# Any code point, lone surrogates included: they arrive as "\ud800" escapes in JSON.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
nasty_text = st.one_of(
    st.text(any_char, max_size=60),
    st.text(st.sampled_from("\x00\x01\x1b\x7f\u200b\u202e\ufeff\ud800\udfff\r\n\t 　罹災証明"), max_size=80),
    st.builds(lambda c, n: c * n, st.sampled_from(["あ", "a", "\x00", "\ud83d", "😀", "\u0301"]),
              st.integers(1, 120_000)),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70),
                         st.floats(allow_nan=False, allow_infinity=False), nasty_text)
json_values = st.recursive(json_scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(any_char, max_size=12), kids, max_size=4)), max_leaves=12)


def nested_text(depth: int) -> str:
    """Deeply nested JSON as text (building it as Python objects would hit the recursion limit first)."""
    half = depth // 2
    return '{"a":[' * half + ("{}" if depth % 2 else "0") + "]}" * half


_NEST = "__nest_%d__"


def base_body(user: str) -> dict:
    return wh.callback_body([wh.text_event(wh.user_source(user), QUESTION)])


def paths(value, prefix=()):
    """Every path (tuple of keys/indexes) into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


def set_path(body, path, new):
    if not path:
        return new
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return body


def del_path(body, path):
    if path:
        target = body
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return body


@st.composite
def mutated_bodies(draw):
    """A valid one-event body with 1–3 mutations: a value replaced, a key removed, a key added, deep
    nesting inserted, or the text replaced by a huge/odd string."""
    body = base_body("U" + uuid.UUID(int=draw(st.integers(0, 2 ** 128 - 1))).hex)
    for _ in range(draw(st.integers(1, 3))):
        all_paths = list(paths(body))
        path = draw(st.sampled_from(all_paths))
        kind = draw(st.sampled_from(["replace", "delete", "add", "nest", "text"]))
        if kind == "replace":
            body = set_path(body, path, draw(json_values))
        elif kind == "delete" and path:
            body = del_path(body, path)
        elif kind == "add":
            holder = body
            for key in path:
                holder = holder[key] if isinstance(holder, (dict, list)) else holder
            if isinstance(holder, dict):
                holder[draw(st.text(any_char, max_size=10))] = draw(json_values)
        elif kind == "nest":  # spliced in as text by encode()
            body = set_path(body, path, _NEST % draw(st.integers(1, 3000)))
        else:
            try:
                body["events"][0]["message"]["text"] = draw(nasty_text)
            except (KeyError, IndexError, TypeError):
                pass
    return body


# ------------------------------------------------------------------ servers
@pytest.fixture(scope="module")
def stub():
    app = create_stub_app(SPEC_DIR)
    with ServerThread(app) as server:
        yield server, get_stub_state(app)


@pytest.fixture(scope="module")
def bot(tmp_path_factory, seed_entries, searcher, stub):
    tmp = tmp_path_factory.mktemp("fuzz-webhook")
    db = tmp / "faqbot.sqlite3"
    seed_database(db, seed_entries)
    app = create_app({"FAQBOT_DB": str(db), "FAQBOT_INDEX_DIR": str(tmp / "index"), "FAQBOT_ENV": "development",
                      "FAQBOT_USER_HASH_SALT": "", "LINE_CHANNEL_SECRET": SECRET,
                      "LINE_CHANNEL_ACCESS_TOKEN": "fuzz-token", "LINE_API_ENDPOINT": stub[0].url})
    bot_services(app).searcher = searcher  # the session's seed index
    with ServerThread(app) as server:
        yield server.url, db


def table_counts(db) -> dict[str, int]:
    conn = open_db(db)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in table_names(conn)}
    finally:
        conn.conn.close()


def post(url: str, raw: bytes, signature: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json; charset=utf-8",
               "X-Line-Signature": signature if signature is not None else wh.sign(raw, SECRET)}
    return requests.post(f"{url}/callback", data=raw, headers=headers, timeout=60)


def encode(body) -> bytes:
    """As LINE would send it, but with \\u escapes so that lone surrogates survive as JSON."""
    text = json.dumps(body, ensure_ascii=True)
    for depth in re.findall(r'"__nest_(\d+)__"', text):
        text = text.replace(f'"{_NEST % int(depth)}"', nested_text(int(depth)))
    return text.encode("ascii")


class Checker:
    """Sends one input and checks the outcome rules; counts what it saw."""

    def __init__(self, url, db, stub_state):
        self.url, self.db, self.stub = url, db, stub_state
        self.seen: dict[int, int] = {}

    def check(self, raw: bytes, signature: str | None = None) -> requests.Response:
        before, seq, rejected = table_counts(self.db), self.stub.last_seq, len(self.stub.rejected())
        response = post(self.url, raw, signature)
        self.seen[response.status_code] = self.seen.get(response.status_code, 0) + 1
        assert response.status_code in (200, 400, 413), (response.status_code, response.text[:300])
        assert response.headers["Content-Type"].startswith("application/json")
        # A reply token LINE would never send twice (a bit flip made a "new" event around an old token)
        # is the only refusal allowed; anything else means the bot built a request LINE refuses.
        used = {m["replyToken"] for m in self.stub.messages() if m["seq"] <= seq and m["replyToken"]}
        refused = [r for r in self.stub.rejected()[rejected:]
                   if not (r["response"]["message"] == "Invalid reply token"
                           and isinstance(r["body"], dict) and r["body"].get("replyToken") in used)]
        assert refused == [], "the bot sent LINE a request it refuses"
        payload = response.json()
        if response.status_code != 200 and payload.get("handled", 0) == 0:
            assert table_counts(self.db) == before, "a refused input changed stored data"
            assert self.stub.messages(after=seq) == [], "a refused input was answered"
        return response


@pytest.fixture(scope="module")
def checker(bot, stub):
    return Checker(bot[0], bot[1], stub[1])


# ------------------------------------------------------------------ parser, in-process
@settings(FUZZ, max_examples=1500)
@given(st.one_of(json_values.map(lambda v: json.dumps(v, ensure_ascii=True)),
                 st.integers(1, 100_000).map(nested_text)))
def test_parser_reads_any_json_without_crashing(text):
    try:
        events = read_body(text)
    except BodyError:
        return
    for raw in events:
        assert parse_event(raw).status in ("ok", "unknown", MALFORMED)


@settings(FUZZ, max_examples=400)
@given(mutated_bodies())
def test_parser_classifies_every_mutated_event(body):
    try:
        events = read_body(encode(body).decode("ascii"))
    except BodyError:
        return
    for raw in events:
        parsed = parse_event(raw)
        assert parsed.status in ("ok", "unknown", MALFORMED)
        if parsed.status == "ok":
            assert parsed.event is not None


# ------------------------------------------------------------------ over HTTP
@settings(FUZZ, max_examples=150)
@given(body=mutated_bodies())
def test_mutated_signed_bodies_get_200_or_a_clear_4xx(checker, body):
    checker.check(encode(body))


@settings(FUZZ, max_examples=100)
@given(value=json_values)
def test_random_signed_json_gets_a_clear_4xx_or_200(checker, value):
    checker.check(encode(value))


@settings(FUZZ, max_examples=100)
@given(raw=st.one_of(st.binary(max_size=2000),
                     st.builds(lambda b, i, x: b[:i] + bytes([x]) + b[i + 1:],
                               st.just(encode(base_body("U" + "1" * 32))), st.integers(0, 400), st.integers(0, 255))))
def test_random_and_bit_flipped_bytes_with_valid_signatures(checker, raw):
    checker.check(raw)


@pytest.mark.parametrize("depth", [100, 1000, 5000, 100_000])
def test_deeply_nested_json_is_400_not_500(checker, depth):
    raw = ("[" * depth + "]" * depth).encode()
    assert checker.check(raw).status_code == 400
    raw = ('{"destination":"U' + "0" * 32 + '","events":[' + '{"a":' * depth + "1" + "}" * depth + "]}").encode()
    assert checker.check(raw).status_code in (400, 200)


def test_deeply_nested_event_field_is_refused_as_malformed(checker):
    body = base_body("U" + "2" * 32)
    body["events"][0]["message"] = _NEST % 500  # decodes (under the recursion limit), not an event
    response = checker.check(encode(body))
    assert response.status_code == 400 and response.json()["malformed"] == 1


@pytest.mark.parametrize("text", ["\ud800罹災証明書\udfff", "\x00\x1b[31m罹災証明書\x7f", "あ" * 100_000,
                                  "\u202e罹災証明書\ufeff" * 50, "😀" * 3000])
def test_odd_text_messages_are_answered_once(checker, stub, text):
    user = wh.new_user_id()
    event = wh.text_event(wh.user_source(user), text)
    stub[1].register_reply_token(event["replyToken"], user)
    seq = stub[1].last_seq
    response = checker.check(encode(wh.callback_body([event])))
    assert response.status_code == 200
    replies = {m["replyToken"] for m in stub[1].messages(after=seq)}
    assert replies == {event["replyToken"]}


def test_the_server_still_answers_after_the_fuzzing(checker, stub):
    user = wh.new_user_id()
    event = wh.text_event(wh.user_source(user), QUESTION)
    stub[1].register_reply_token(event["replyToken"], user)
    seq = stub[1].last_seq
    assert checker.check(encode(wh.callback_body([event]))).status_code == 200
    assert any("罹災証明書" in m["message"].get("text", "") for m in stub[1].messages(after=seq))
    assert sum(checker.seen.values()) >= 350 + 8 + 1 + 5 and checker.seen.get(400, 0) > 50
