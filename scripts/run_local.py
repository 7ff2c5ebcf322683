#!/usr/bin/env python
"""`make run`: the bot on 127.0.0.1:8000 with no LINE credentials needed.

Creates the database on first use, loads the seed FAQ when it is empty,
brings the search index up to date, and serves the app.

Without LINE_CHANNEL_SECRET / LINE_CHANNEL_ACCESS_TOKEN (development mode) the
local LINE emulator is mounted: a chat page at http://127.0.0.1:8000/ and the
Messaging API stub at /line-api; a channel secret and access token are made up
for this run only. With the credentials set, the bot talks to the real LINE API."""
from __future__ import annotations

import os
import sys

import click

from faq.db import database_from_env
from index.config import index_dir_from_env
from index.prepare import prepare_knowledge_base

_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


def prepare() -> None:
    """Seed FAQ into an empty database, then bring the index up to date (only changed text is embedded)."""
    click.echo("FAQと検索インデックスを準備しています… / preparing the FAQ and the search index ...", err=True)
    report = prepare_knowledge_base(database_from_env(), index_dir_from_env(), refresh=True)
    if report.seeded:
        click.echo(f"初期FAQを読み込みました: {report.seeded}件", err=True)
    click.echo(f"検索インデックス: {report.entries}件（新規埋め込み {report.embedded}件, {report.seconds:.1f}秒）", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=lambda: os.environ.get("FAQBOT_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("FAQBOT_PORT", "8000")), type=int, show_default="8000")
def main(host, port):
    """ローカルでボットを起動します / run the bot locally."""
    prepare()
    from bot.app import create_app
    from bot.config import ConfigError
    from bot.emulator.chat import emulator_config
    overrides = emulator_config(host, port)
    if overrides:  # local testing over plain http: the console's cookies cannot be HTTPS-only here
        overrides["FAQBOT_CONSOLE_INSECURE_COOKIES"] = True
    try:
        app = create_app(overrides)
    except (ConfigError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
    if overrides:
        click.echo(f"LINE エミュレーター: http://{shown}:{port}/ をブラウザで開いてください"
                   "（ローカルテスト環境。実際の LINE には送信しません）", err=True)
    else:
        click.echo(f"LINE の認証情報で起動します。Webhook URL: http://{shown}:{port}/callback", err=True)
    click.echo(f"http://{shown}:{port}/ で起動しました（Ctrl+C で終了）", err=True)
    click.echo(f"職員画面: http://{shown}:{port}/console/ （アカウントは python scripts/staffctl.py add で作成）", err=True)
    # threaded: the emulator page calls /callback, which calls the stub, all in this one server
    app.run(host=host, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    sys.exit(main())
