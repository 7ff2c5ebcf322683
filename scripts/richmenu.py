#!/usr/bin/env python
"""Create the normal and the disaster rich menus on LINE from bot/richmenu/menus.yaml and its images.

python scripts/richmenu.py --dry-run     # show the requests, send nothing
python scripts/richmenu.py               # create both menus, upload the images, point the aliases, set the default
python scripts/richmenu.py --switch disaster|normal   # make that menu the default (faqctl disaster does this)

The default is the disaster menu while disaster mode is on. Uses LINE_CHANNEL_ACCESS_TOKEN,
LINE_API_ENDPOINT and LINE_API_DATA_ENDPOINT (images; default https://api-data.line.me).
"""
from __future__ import annotations

import json
import sys

import click

from bot.richmenu.api import DryRun, RichMenuApiError, publish, switch_default
from bot.richmenu.definition import DISASTER, NORMAL, RichMenuError, load
from bot.richmenu.switch import api_from_env


def _disaster_active() -> bool:
    from bot.disaster_mode import DisasterModes
    from faq.db import database_from_env
    try:
        return DisasterModes.open(database_from_env()).current().active
    except Exception:  # noqa: BLE001 - no database yet: the normal menu
        return False


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dry-run", is_flag=True, help="要求を表示するだけ / print the requests only")
@click.option("--switch", "switch_to", type=click.Choice([NORMAL, DISASTER]), help="既定のメニューを切り替え / set the default")
def main(dry_run, switch_to):
    """リッチメニューを登録します / create the rich menus."""
    try:
        menus = load()
        for menu in menus.values():
            if not menu.image.is_file():
                raise RichMenuError(f"画像がありません: {menu.image}（scripts/richmenu_images.py で作れます） / image missing")
    except RichMenuError as exc:
        raise click.ClickException(str(exc))
    api = DryRun(echo=click.echo) if dry_run else api_from_env()
    if api is None:
        raise click.ClickException("LINE_CHANNEL_ACCESS_TOKEN が設定されていません / LINE_CHANNEL_ACCESS_TOKEN is not set")
    try:
        if switch_to:
            done = switch_default(api, menus, switch_to)
            if done is None:
                raise click.ClickException(f"{switch_to} のメニューがまだ登録されていません / not published yet")
            click.echo(f"既定のメニュー: {switch_to} ({done})", err=dry_run)
            return
        ids = publish(api, menus, DISASTER if _disaster_active() else NORMAL)
    except RichMenuApiError as exc:
        raise click.ClickException(f"LINE への要求が失敗しました / request failed: {exc}")
    if not dry_run:
        click.echo(json.dumps(ids, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
