"""Tests for the local LINE Messaging API stub and the OpenAPI validators.

The stub runs in a real werkzeug server on a free loopback port and is driven
with the real line-bot-sdk v3 client. The official OpenAPI descriptions must
exist (``$LINE_OPENAPI_DIR`` or ``<repo>/../shared/line-openapi``); if they are
missing these tests fail, they never skip.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid

import pytest
import requests
from linebot.v3.messaging import (
    ApiClient,
    BroadcastRequest,
    Configuration,
    MessageAction,
    MessagingApi,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from werkzeug.serving import make_server

from bot.emulator.openapi import (
    OpenApiSpec,
    default_spec_dir,
    load_messaging_spec,
    load_webhook_spec,
    validate_messaging_request,
    validate_schema,
    validate_webhook_body,
)
from bot.emulator.stub import StubState, create_stub_app, get_stub_state

pytestmark = pytest.mark.no_database

SPEC_DIR = default_spec_dir()
CLIENT_TIMEOUT = 0.3
USER = "U" + "1" * 32
REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
AUTH = {"Authorization": "Bearer test"}


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def messaging_spec() -> OpenApiSpec:
    return load_messaging_spec(SPEC_DIR)


@pytest.fixture(scope="module")
def webhook_spec() -> OpenApiSpec:
    return load_webhook_spec(SPEC_DIR)


@pytest.fixture(scope="module")
def stub_server():
    app = create_stub_app(SPEC_DIR, client_timeout=CLIENT_TIMEOUT)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def base_url(stub_server) -> str:
    app, url = stub_server
    get_stub_state(app).reset()
    return url


@pytest.fixture
def state(stub_server, base_url) -> StubState:
    return get_stub_state(stub_server[0])


@pytest.fixture
def api(base_url):
    with ApiClient(Configuration(host=base_url, access_token="test")) as client:
        yield MessagingApi(client)


def stub_messages(base_url: str, **params) -> list[dict]:
    response = requests.get(f"{base_url}/_stub/messages", params=params, timeout=5)
    assert response.status_code == 200
    return response.json()["messages"]


def text(value: str, **extra) -> dict:
    return {"type": "text", "text": value, **extra}


def qr_item(action: dict) -> dict:
    return {"type": "action", "action": action}


# ------------------------------------------------------- spec + validation
def test_spec_files_present():
    assert (SPEC_DIR / "messaging-api.yml").is_file(), f"missing LINE OpenAPI files in {SPEC_DIR}"
    assert (SPEC_DIR / "webhook.yml").is_file()


def test_spec_is_cached_per_path(messaging_spec):
    assert load_messaging_spec(SPEC_DIR) is messaging_spec
    assert messaging_spec.document["openapi"].startswith("3.0")


def test_missing_spec_dir_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_messaging_spec(tmp_path / "nope")


def test_valid_reply_with_quick_reply_passes(messaging_spec):
    body = {"replyToken": "t", "messages": [
        text("こんにちは", quickReply={"items": [
            qr_item({"type": "postback", "label": "はい", "data": "a=1", "displayText": "はい"}),
            qr_item({"type": "message", "label": "いいえ", "text": "いいえ"}),
        ]}),
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
    ]}
    assert validate_messaging_request(messaging_spec, "POST", REPLY, body) == []


@pytest.mark.parametrize("body, fragment", [
    ({"replyToken": "t", "messages": [{"type": "text"}]}, "$.messages[0].text: must be specified"),
    ({"replyToken": "t", "messages": [text("x")] * 6}, "$.messages: must contain at most 5 items"),
    ({"replyToken": "t", "messages": [text("x", quickReply={"items": [
        qr_item({"type": "message", "label": "l", "text": "t"})] * 14})]},
     "$.messages[0].quickReply.items: must contain at most 13 items"),
    ({"replyToken": "t", "messages": [text("x", quickReply={"items": [
        qr_item({"type": "postback", "label": "l", "data": "d" * 301})]})]},
     "$.messages[0].quickReply.items[0].action.data: must be at most 300 characters"),
    ({"replyToken": "t", "messages": [{"type": "bogus", "text": "x"}]},
     "$.messages[0].type: unknown type 'bogus'"),
    ({"replyToken": "t", "messages": [text("x", quickReply={"items": [
        qr_item({"type": "nope", "label": "l"})]})]},
     "$.messages[0].quickReply.items[0].action.type: unknown type 'nope'"),
    ({"messages": [text("x")]}, "$.replyToken: must be specified"),
], ids=["text-without-text", "six-messages", "14-quick-replies", "postback-data-301",
        "unknown-message-type", "unknown-action-type", "missing-reply-token"])
def test_invalid_reply_bodies_fail(messaging_spec, body, fragment):
    errors = validate_messaging_request(messaging_spec, "POST", REPLY, body)
    assert any(e.startswith(fragment) for e in errors), errors


def _text_max_length(spec: OpenApiSpec):
    schemas = spec.document["components"]["schemas"]
    return schemas["TextMessage"]["allOf"][1]["properties"]["text"].get("maxLength")


def _action_label_max_length(spec: OpenApiSpec):
    return spec.document["components"]["schemas"]["Action"]["properties"]["label"].get("maxLength")


def test_text_length_limit_follows_spec(messaging_spec):
    """LINE documents 5000 chars; the validator enforces it only if the spec encodes it."""
    body = {"replyToken": "t", "messages": [text("あ" * 5001)]}
    errors = validate_messaging_request(messaging_spec, "POST", REPLY, body)
    assert bool(errors) == (_text_max_length(messaging_spec) is not None), errors


def test_action_label_limit_follows_spec(messaging_spec):
    """LINE documents 20 chars for quick reply labels; enforced only if the spec encodes it."""
    body = {"replyToken": "t", "messages": [text("x", quickReply={"items": [
        qr_item({"type": "message", "label": "l" * 21, "text": "t"})]})]}
    errors = validate_messaging_request(messaging_spec, "POST", REPLY, body)
    assert bool(errors) == (_action_label_max_length(messaging_spec) is not None), errors


def test_unknown_path_gives_one_error(messaging_spec):
    errors = validate_messaging_request(messaging_spec, "POST", "/v2/bot/nothing", {})
    assert len(errors) == 1 and "/v2/bot/nothing" in errors[0]


def test_loading_animation_limits(messaging_spec):
    path = "/v2/bot/chat/loading/start"
    assert validate_messaging_request(messaging_spec, "POST", path, {"chatId": USER,
                                                                      "loadingSeconds": 5}) == []
    errors = validate_messaging_request(messaging_spec, "POST", path, {"chatId": USER,
                                                                        "loadingSeconds": 61})
    assert errors and errors[0].startswith("$.loadingSeconds")


def _event(**overrides) -> dict:
    event = {"type": "message", "mode": "active", "timestamp": 1700000000000,
             "webhookEventId": "01HXXXXXXXXXXXXXXXXXXXXXXX",
             "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": USER}, "replyToken": "rt-1",
             "message": {"type": "text", "id": "100", "text": "こんにちは", "quoteToken": "q"}}
    event.update(overrides)
    return event


def _callback(*events) -> dict:
    return {"destination": "U" + "0" * 32, "events": list(events)}


def test_webhook_text_message_event_is_valid(webhook_spec):
    assert validate_webhook_body(webhook_spec, _callback(_event())) == []


def test_webhook_other_event_types_are_valid(webhook_spec):
    base = {k: v for k, v in _event().items() if k not in ("type", "message", "replyToken")}
    events = [
        dict(base, type="follow", replyToken="r", follow={"isUnblocked": False}),
        dict(base, type="unfollow"),
        dict(base, type="postback", replyToken="r", postback={"data": "action=yes"}),
        dict(base, type="message", replyToken="r", message={
            "type": "sticker", "id": "2", "packageId": "1", "stickerId": "2",
            "stickerResourceType": "STATIC", "quoteToken": "q"}),
        dict(base, type="message", replyToken="r", message={
            "type": "image", "id": "3", "contentProvider": {"type": "line"}, "quoteToken": "q"}),
        dict(base, type="message", replyToken="r", message={
            "type": "location", "id": "4", "latitude": 35.68, "longitude": 139.76}),
    ]
    assert validate_webhook_body(webhook_spec, _callback(*events)) == []


def test_webhook_missing_message_is_rejected(webhook_spec):
    event = _event()
    del event["message"]
    assert validate_webhook_body(webhook_spec, _callback(event)) == [
        "$.events[0].message: must be specified"]


def test_webhook_missing_reply_token_follows_spec(webhook_spec):
    """webhook.yml lists replyToken as optional for MessageEvent; validation follows the spec."""
    event = _event()
    del event["replyToken"]
    required = webhook_spec.document["components"]["schemas"]["MessageEvent"]["allOf"][1]["required"]
    errors = validate_webhook_body(webhook_spec, _callback(event))
    assert bool(errors) == ("replyToken" in required), errors


@pytest.mark.parametrize("mutate, fragment", [
    (lambda e: e["message"].pop("text"), "$.events[0].message.text: must be specified"),
    (lambda e: e.update(type="nonsense"), "$.events[0].type: unknown type 'nonsense'"),
    (lambda e: e["message"].update(type="hologram"), "$.events[0].message.type: unknown type"),
    (lambda e: e.pop("timestamp"), "$.events[0].timestamp: must be specified"),
    (lambda e: e.update(type="follow"), "$.events[0].follow: must be specified"),
])
def test_webhook_invalid_events_are_rejected(webhook_spec, mutate, fragment):
    event = copy.deepcopy(_event())
    mutate(event)
    errors = validate_webhook_body(webhook_spec, _callback(event))
    assert any(e.startswith(fragment) for e in errors), errors


# ------------------------------------------------------------- the stub
def test_state_lives_in_app_extensions(stub_server):
    app, _ = stub_server
    other = create_stub_app(SPEC_DIR)
    assert isinstance(app.extensions["line_stub"], StubState)
    assert other.extensions["line_stub"] is not app.extensions["line_stub"]


def test_reply_via_sdk_is_recorded_with_exact_text(api, state, base_url, messaging_spec):
    state.register_reply_token("rt-reply", USER)
    quick = QuickReply(items=[
        QuickReplyItem(action=PostbackAction(label="詳しく", data="faq=1", display_text="詳しく")),
        QuickReplyItem(action=MessageAction(label="戻る", text="戻る")),
    ])
    response = api.reply_message_with_http_info(ReplyMessageRequest(
        reply_token="rt-reply",
        messages=[TextMessage(text="こんにちは！ご用件をどうぞ。", quick_reply=quick),
                  TextMessage(text="second")]))
    assert response.status_code == 200
    assert len(response.data.sent_messages) == 2
    raw = requests.get(f"{base_url}/_stub/requests", timeout=5).json()["requests"]
    assert raw[-1]["status"] == 200 and raw[-1]["path"] == REPLY

    recorded = stub_messages(base_url, to=USER)
    assert [m["message"]["text"] for m in recorded] == ["こんにちは！ご用件をどうぞ。", "second"]
    assert {m["kind"] for m in recorded} == {"reply"}
    assert recorded[0]["message"]["quickReply"]["items"][0]["action"]["data"] == "faq=1"
    assert recorded[0]["seq"] < recorded[1]["seq"]
    assert recorded[0]["sentMessageId"] == response.data.sent_messages[0].id


def test_reply_response_matches_spec(base_url, messaging_spec):
    response = requests.post(f"{base_url}{REPLY}", headers=AUTH, timeout=5,
                             json={"replyToken": "rt-spec", "messages": [text("hi")]})
    assert response.status_code == 200
    assert validate_schema(messaging_spec, "ReplyMessageResponse", response.json()) == []
    assert response.headers["X-Line-Request-Id"]


def test_unknown_reply_token_is_attributed_to_null(base_url):
    response = requests.post(f"{base_url}{REPLY}", headers=AUTH, timeout=5,
                             json={"replyToken": "never-registered", "messages": [text("hi")]})
    assert response.status_code == 200
    assert [m["to"] for m in stub_messages(base_url)] == [None]
    assert stub_messages(base_url, to=USER) == []


def test_reply_token_reuse_is_rejected(api, state, base_url):
    state.register_reply_token("rt-once", USER)
    request = ReplyMessageRequest(reply_token="rt-once", messages=[TextMessage(text="one")])
    api.reply_message(request)
    with pytest.raises(ApiException) as exc_info:
        api.reply_message(ReplyMessageRequest(reply_token="rt-once",
                                              messages=[TextMessage(text="two")]))
    assert exc_info.value.status == 400
    assert json.loads(exc_info.value.body) == {"message": "Invalid reply token"}
    assert [m["message"]["text"] for m in stub_messages(base_url)] == ["one"]
    assert state.rejected()[-1]["response"] == {"message": "Invalid reply token"}


def test_push_multicast_broadcast_via_sdk(api, base_url):
    other = "U" + "2" * 32
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="プッシュ")]))
    api.multicast(MulticastRequest(to=[USER, other], messages=[TextMessage(text="multi")]))
    api.broadcast(BroadcastRequest(messages=[TextMessage(text="全員へ")]))
    mine = [(m["kind"], m["message"]["text"]) for m in stub_messages(base_url, to=USER)]
    assert mine == [("push", "プッシュ"), ("multicast", "multi"), ("broadcast", "全員へ")]
    theirs = [m["message"]["text"] for m in stub_messages(base_url, to=other)]
    assert theirs == ["multi", "全員へ"]


def test_messages_after_filter(api, base_url):
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="first")]))
    first = stub_messages(base_url, to=USER)
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="second")]))
    later = stub_messages(base_url, to=USER, after=first[-1]["seq"])
    assert [m["message"]["text"] for m in later] == ["second"]


def test_push_retry_key_conflict_is_recorded_once(api, base_url):
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[TextMessage(text="once")])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    assert first.status_code == 200
    with pytest.raises(ApiException) as exc_info:
        api.push_message(request, x_line_retry_key=key)
    assert exc_info.value.status == 409
    headers = {k.lower(): v for k, v in exc_info.value.headers.items()}
    assert headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert [m["message"]["text"] for m in stub_messages(base_url)] == ["once"]


def test_invalid_retry_key_is_rejected(base_url):
    response = requests.post(f"{base_url}{PUSH}", timeout=5,
                             headers={**AUTH, "X-Line-Retry-Key": "not-a-uuid"},
                             json={"to": USER, "messages": [text("x")]})
    assert response.status_code == 400
    assert stub_messages(base_url) == []


@pytest.mark.parametrize("body, prop", [
    ({"replyToken": "r", "messages": [{"type": "text"}]}, "messages[0].text"),
    ({"replyToken": "r", "messages": [text("x")] * 6}, "messages"),
    ({"replyToken": "r", "messages": [{"type": "hologram"}]}, "messages[0].type"),
    ({"replyToken": "r", "messages": [text("x", quickReply={"items": [
        qr_item({"type": "postback", "label": "l", "data": "d" * 301})]})]},
     "messages[0].quickReply.items[0].action.data"),
])
def test_invalid_reply_body_is_rejected_with_details(base_url, state, body, prop):
    response = requests.post(f"{base_url}{REPLY}", json=body, headers=AUTH, timeout=5)
    assert response.status_code == 400
    payload = response.json()
    assert payload["message"] == "The request body has 1 error(s)"
    assert [d["property"] for d in payload["details"]] == [prop]
    assert stub_messages(base_url) == []
    rejected = requests.get(f"{base_url}/_stub/rejected", timeout=5).json()["rejected"]
    assert len(rejected) == 1 and rejected[0]["body"] == body and rejected[0]["status"] == 400


def test_invalid_body_does_not_consume_reply_token(base_url, state):
    state.register_reply_token("rt-keep", USER)
    bad = requests.post(f"{base_url}{REPLY}", headers=AUTH, timeout=5,
                        json={"replyToken": "rt-keep", "messages": [{"type": "text"}]})
    good = requests.post(f"{base_url}{REPLY}", headers=AUTH, timeout=5,
                         json={"replyToken": "rt-keep", "messages": [text("ok")]})
    assert (bad.status_code, good.status_code) == (400, 200)


def test_missing_authorization_is_401(base_url):
    response = requests.post(f"{base_url}{PUSH}", json={"to": USER, "messages": [text("x")]},
                             timeout=5)
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication failed")
    assert stub_messages(base_url) == []


def test_profile_via_sdk(api):
    profile = api.get_profile(USER)
    assert profile.display_name == "テスト利用者"
    assert profile.user_id == USER


@pytest.mark.parametrize("status", [500, 429])
def test_injected_faults_reach_the_sdk(api, state, base_url, status):
    state.inject_faults([status])
    with pytest.raises(ApiException) as exc_info:
        api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="lost")]))
    assert exc_info.value.status == status
    headers = {k.lower(): v for k, v in exc_info.value.headers.items()}
    if status == 429:
        assert headers["retry-after"] == str(state.retry_after)
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="kept")]))
    assert [m["message"]["text"] for m in stub_messages(base_url)] == ["kept"]


def test_faults_apply_in_order_via_http(base_url):
    response = requests.post(f"{base_url}/_stub/faults", json={"faults": [429, 503]}, timeout=5)
    assert response.json()["pending"] == [429, 503]
    codes = [requests.get(f"{base_url}/v2/bot/profile/{USER}", headers=AUTH, timeout=5).status_code
             for _ in range(3)]
    assert codes == [429, 503, 200]


def test_timeout_fault_exceeds_client_timeout(base_url, state):
    state.inject_faults(["timeout"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{base_url}{PUSH}", headers=AUTH, timeout=CLIENT_TIMEOUT,
                      json={"to": USER, "messages": [text("late")]})
    assert state.pending_faults == []


def test_reset_clears_state(api, base_url, state):
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="x")]))
    state.inject_faults([500])
    assert requests.post(f"{base_url}/_stub/reset", json={}, timeout=5).status_code == 200
    assert stub_messages(base_url) == [] and state.pending_faults == []


@pytest.mark.parametrize("path, body", [("/_stub/reset", ""), ("/_stub/faults", '{"faults": [500]}'),
                                        ("/_stub/reply-tokens", '{"replyToken": "rt-x"}')])
def test_control_routes_refuse_cross_site_simple_posts(api, base_url, state, path, body):
    api.push_message(PushMessageRequest(to=USER, messages=[TextMessage(text="kept")]))
    for mimetype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = requests.post(f"{base_url}{path}", data=body.encode(), timeout=5,
                                 headers={"Content-Type": mimetype, "Origin": "https://evil.example"})
        assert response.status_code == 415
    assert [m["message"]["text"] for m in stub_messages(base_url)] == ["kept"] and state.pending_faults == []


def test_reply_token_registration_over_http(base_url):
    response = requests.post(f"{base_url}/_stub/reply-tokens", timeout=5,
                             json={"replyToken": "rt-http", "userId": USER})
    assert response.status_code == 200
    requests.post(f"{base_url}{REPLY}", headers=AUTH, timeout=5,
                  json={"replyToken": "rt-http", "messages": [text("via http")]})
    assert [m["to"] for m in stub_messages(base_url)] == [USER]
