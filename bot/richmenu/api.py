"""The rich-menu calls of the Messaging API (plain HTTP; the image goes to the api-data host).

`RichMenuApi` talks to LINE (or the local stub); `DryRun` prints the same requests instead.
Failures raise `RichMenuApiError` with the status and LINE's message.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from bot.richmenu.definition import RichMenu

TIMEOUT_SECONDS = 20


class RichMenuApiError(RuntimeError):
    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(f"LINE API {status}: {message}")


class RichMenuApi:
    def __init__(self, endpoint: str, data_endpoint: str, token: str):
        self._endpoint = endpoint.rstrip("/")
        self._data_endpoint = data_endpoint.rstrip("/")
        self._token = token

    def _call(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None) -> Any:
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={"Authorization": f"Bearer {self._token}"})
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read() or b"{}").get("message", exc.reason)
            except ValueError:
                message = exc.reason
            raise RichMenuApiError(exc.code, str(message)) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise RichMenuApiError(0, str(exc)) from None
        return json.loads(raw) if raw.strip() else {}

    def _json(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        return self._call(method, self._endpoint + path, data, "application/json" if body is not None else None)

    # -- the calls ------------------------------------------------------------------
    def create(self, menu: RichMenu) -> str:
        return self._json("POST", "/v2/bot/richmenu", menu.request())["richMenuId"]

    def upload_image(self, rich_menu_id: str, png: bytes) -> None:
        self._call("POST", f"{self._data_endpoint}/v2/bot/richmenu/{rich_menu_id}/content", png, "image/png")

    def alias_target(self, alias: str) -> str | None:
        try:
            return self._json("GET", f"/v2/bot/richmenu/alias/{alias}")["richMenuId"]
        except RichMenuApiError as exc:
            if exc.status == 404:
                return None
            raise

    def point_alias(self, alias: str, rich_menu_id: str) -> None:
        """Create the alias, or move it to the new menu."""
        if self.alias_target(alias) is None:
            self._json("POST", "/v2/bot/richmenu/alias", {"richMenuAliasId": alias, "richMenuId": rich_menu_id})
        else:
            self._json("POST", f"/v2/bot/richmenu/alias/{alias}", {"richMenuId": rich_menu_id})

    def set_default(self, rich_menu_id: str) -> None:
        self._call("POST", f"{self._endpoint}/v2/bot/user/all/richmenu/{rich_menu_id}")


@dataclass
class DryRun:
    """Prints each request (and records it) instead of sending it."""
    printed: list[dict] = field(default_factory=list)
    echo: Any = print

    def _show(self, method: str, path: str, body: Any = None, **extra) -> None:
        item = {"method": method, "path": path, **({"body": body} if body is not None else {}), **extra}
        self.printed.append(item)
        self.echo(json.dumps(item, ensure_ascii=False))

    def create(self, menu: RichMenu) -> str:
        self._show("POST", "/v2/bot/richmenu", menu.request())
        return f"<richMenuId of {menu.key}>"

    def upload_image(self, rich_menu_id: str, png: bytes) -> None:
        self._show("POST", f"/v2/bot/richmenu/{rich_menu_id}/content", host="api-data",
                   content_type="image/png", bytes=len(png))

    def point_alias(self, alias: str, rich_menu_id: str) -> None:
        self._show("POST", "/v2/bot/richmenu/alias", {"richMenuAliasId": alias, "richMenuId": rich_menu_id},
                   note="or POST /v2/bot/richmenu/alias/{alias} when it exists")

    def set_default(self, rich_menu_id: str) -> None:
        self._show("POST", f"/v2/bot/user/all/richmenu/{rich_menu_id}")

    def alias_target(self, alias: str) -> str | None:
        self._show("GET", f"/v2/bot/richmenu/alias/{alias}")
        return f"<richMenuId of {alias}>"


def publish(api, menus: dict[str, RichMenu], default_key: str) -> dict[str, str]:
    """Create every menu, upload its image, point its alias at it, and make `default_key`'s the default."""
    ids = {}
    for key, menu in menus.items():
        rich_menu_id = api.create(menu)
        api.upload_image(rich_menu_id, menu.image.read_bytes())
        api.point_alias(menu.alias, rich_menu_id)
        ids[key] = rich_menu_id
    api.set_default(ids[default_key])
    return ids


def switch_default(api, menus: dict[str, RichMenu], key: str) -> str | None:
    """Make the menu `key` (through its alias) every friend's default; None when it was never published."""
    rich_menu_id = api.alias_target(menus[key].alias)
    if rich_menu_id is not None:
        api.set_default(rich_menu_id)
    return rich_menu_id
