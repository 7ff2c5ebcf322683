#!/usr/bin/env python
"""`make run`: the bot on 127.0.0.1:8000 with no LINE credentials needed.

Creates the database on first use, loads the seed FAQ when it is empty,
brings the search index up to date, and serves the app."""
from __future__ import annotations

import glob
import os
import sys

import _bootstrap  # noqa: F401
import click

from faq.db import PROJECT_ROOT, db_path_from_env
from faq.formats import read_many
from faq.store import FaqStore
from index.build import build_index
from index.config import cache_from_env, index_dir_from_env, make_embedder


def prepare() -> None:
    store = FaqStore.open(db_path_from_env())
    try:
        if store.count() == 0 and not store.list(include_inactive=True):
            seed = sorted(glob.glob(str(PROJECT_ROOT / "faq" / "seed" / "*.jsonl")))
            report = store.import_entries(read_many(seed), actor="seed")
            click.echo(f"初期FAQを読み込みました: {report.added}件", err=True)
        entries = store.list()
    finally:
        store.close()
    cache = cache_from_env()
    try:
        report = build_index(entries, index_dir_from_env(), make_embedder(), cache)
    finally:
        cache.close()
    click.echo(f"検索インデックス: {report.n_entries}件（新規埋め込み {report.embedded}件, {report.seconds:.1f}秒）", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=lambda: os.environ.get("FAQBOT_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("FAQBOT_PORT", "8000")), type=int, show_default="8000")
def main(host, port):
    """ローカルでボットを起動します / run the bot locally."""
    prepare()
    from bot import create_app
    app = create_app()
    click.echo(f"http://{host}:{port}/ で起動しました（Ctrl+C で終了）", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    sys.exit(main())
