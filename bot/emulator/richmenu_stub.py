"""Rich-menu routes of the Messaging API stub: create (validated against messaging-api.yml), the
image upload (the api-data host's route; PNG/JPEG, at most 1 MB, the menu's exact size), aliases,
and the default menu; ``GET /_stub/richmenu`` shows the default menu to the chat emulator page."""
from __future__ import annotations

import io
import struct
import threading
import uuid
from dataclasses import dataclass, field

from flask import Blueprint, Response, jsonify, request

IMAGE_MAX_BYTES = 1024 * 1024


@dataclass
class RichMenuState:
    menus: dict[str, dict] = field(default_factory=dict)     # id -> RichMenuRequest (+ richMenuId)
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    stream = io.BytesIO(data)
    if stream.read(2) != b"\xff\xd8":
        return None
    while True:
        marker = stream.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        length = struct.unpack(">H", stream.read(2))[0]
        if marker[1] in (0xC0, 0xC1, 0xC2):
            stream.read(1)
            height, width = struct.unpack(">HH", stream.read(4))
            return width, height
        stream.read(length - 2)


def add_richmenu_routes(bp: Blueprint, state_of, reject, validated_body, log) -> None:
    """`state_of()` gives the RichMenuState; `reject`, `validated_body`, `log` are the stub's own helpers."""

    @bp.post("/v2/bot/richmenu")
    def richmenu_create():
        body, error = validated_body("/v2/bot/richmenu")
        if error is not None:
            return error
        rich_menu_id = "richmenu-" + uuid.uuid4().hex
        with state_of().lock:
            state_of().menus[rich_menu_id] = {**body, "richMenuId": rich_menu_id}
        log(body)
        return jsonify({"richMenuId": rich_menu_id})

    @bp.post("/v2/bot/richmenu/<rich_menu_id>/content")
    def richmenu_image(rich_menu_id: str):
        state = state_of()
        data = request.get_data()
        kind = (request.content_type or "").split(";")[0].strip()
        with state.lock:
            menu = state.menus.get(rich_menu_id)
            if menu is None:
                return reject(404, None, "Not found")
            if rich_menu_id in state.images:
                return reject(400, None, "An image has already been uploaded to the richmenu")
            if kind not in ("image/png", "image/jpeg"):
                return reject(415, None, "Unsupported Media Type: only image/png or image/jpeg")
            if not data or len(data) > IMAGE_MAX_BYTES:
                return reject(400, None, "The image must be at most 1 MB")
            size = _png_size(data) if kind == "image/png" else _jpeg_size(data)
            expected = (menu["size"]["width"], menu["size"]["height"])
            if size != expected:
                return reject(400, None, f"Image size {size} must match the rich menu size {expected}")
            state.images[rich_menu_id] = (kind, data)
        log(None)
        return jsonify({})

    @bp.get("/v2/bot/richmenu/list")
    def richmenu_list():
        with state_of().lock:
            menus = list(state_of().menus.values())
        log(None)
        return jsonify({"richmenus": menus})

    @bp.post("/v2/bot/richmenu/alias")
    def richmenu_alias_create():
        body, error = validated_body("/v2/bot/richmenu/alias")
        if error is not None:
            return error
        state = state_of()
        with state.lock:
            if body["richMenuId"] not in state.menus:
                return reject(400, body, "richmenu not found")
            if body["richMenuAliasId"] in state.aliases:
                return reject(400, body, "conflict richmenu alias id")
            state.aliases[body["richMenuAliasId"]] = body["richMenuId"]
        log(body)
        return jsonify({})

    @bp.route("/v2/bot/richmenu/alias/<alias>", methods=["GET", "POST"])
    def richmenu_alias(alias: str):
        state = state_of()
        if request.method == "GET":
            with state.lock:
                target = state.aliases.get(alias)
            if target is None:  # a lookup, not a bad request: not listed among the rejected ones
                return jsonify({"message": "richmenu alias not found"}), 404
            log(None)
            return jsonify({"richMenuAliasId": alias, "richMenuId": target})
        body, error = validated_body("/v2/bot/richmenu/alias/{richMenuAliasId}")
        if error is not None:
            return error
        with state.lock:
            if alias not in state.aliases:
                return reject(404, body, "richmenu alias not found")
            if body["richMenuId"] not in state.menus:
                return reject(400, body, "richmenu not found")
            state.aliases[alias] = body["richMenuId"]
        log(body)
        return jsonify({})

    @bp.post("/v2/bot/user/all/richmenu/<rich_menu_id>")
    def richmenu_set_default(rich_menu_id: str):
        state = state_of()
        with state.lock:
            if rich_menu_id not in state.menus:
                return reject(404, None, "Not found")
            if rich_menu_id not in state.images:
                return reject(400, None, "must upload richmenu image before applying it to user")
            state.default = rich_menu_id
        log(None)
        return jsonify({})

    @bp.get("/v2/bot/user/all/richmenu")
    def richmenu_get_default():
        with state_of().lock:
            default = state_of().default
        if default is None:
            return reject(404, None, "no default richmenu")
        log(None)
        return jsonify({"richMenuId": default})

    # -- for the chat emulator page (no auth) ---------------------------------------------
    @bp.get("/_stub/richmenu")
    def stub_richmenu():
        state = state_of()
        with state.lock:
            menu = state.menus.get(state.default) if state.default else None
            aliases = dict(state.aliases)
        return jsonify({"default": menu, "aliases": aliases})

    @bp.get("/_stub/richmenu/<rich_menu_id>/image")
    def stub_richmenu_image(rich_menu_id: str):
        with state_of().lock:
            found = state_of().images.get(rich_menu_id)
        if found is None:
            return jsonify({"message": "Not found"}), 404
        return Response(found[1], mimetype=found[0])
