#!/usr/bin/env python
"""友だち全員へのお知らせの一斉送信（災害時のお知らせなど） / broadcast a notice to every friend.

Examples:
    python scripts/broadcast.py --text "避難所を開設しました。…" --dry-run   # 送る内容の確認だけ（送信しない）
    python scripts/broadcast.py --file お知らせ.txt --by 山田              # 確認のあと送信
    python scripts/broadcast.py --retry 3 --yes                            # 失敗した送信 #3 を同じ再送キーで再送
    python scripts/broadcast.py --list                                     # 送信の記録

Exit status: 0 sent (or dry run OK), 1 invalid input / refused / failed, 2 usage error.
"""
from __future__ import annotations

import getpass
import json
import os
import sys

import click

from bot.config import ConfigError, config_from_env
from bot.line.client import LineSender
from bot.line.messages import TEXT_MAX, line_length
from bot.records.broadcasts import (
    Broadcaster,
    BroadcastError,
    broadcast_text,
    request_body,
)
from bot.storage import BotDatabase
from faq.db import DatabaseError
from scripts.errors import CommandError


def _read_text(text: str | None, file: str | None) -> str:
    if (text is None) == (file is None):
        raise CommandError("--text か --file のどちらか一方を指定してください / give exactly one of --text and --file")
    if file is not None:
        try:
            with open(file, encoding="utf-8-sig") as f:
                return f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"ファイルを読めません: {file}: {exc}")
    return text


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--text", help="送信する文章")
@click.option("--file", type=click.Path(dir_okay=False), help="送信する文章のファイル（UTF-8）")
@click.option("--dry-run", is_flag=True, help="送る内容を表示して検証するだけで、送信しません")
@click.option("--yes", "-y", is_flag=True, help="確認せずに送信します")
@click.option("--by", help="送信者として記録する職員名（既定: $FAQBOT_STAFF かログイン名）")
@click.option("--retry", "retry_id", type=int, help="失敗した一斉送信（記録の番号）を同じ再送キーで送り直します")
@click.option("--list", "list_only", is_flag=True, help="最近の一斉送信の記録を表示します")
def main(text, file, dry_run, yes, by, retry_id, list_only):
    """友だち全員にお知らせを一斉送信します（LINE Messaging API の broadcast）。

    送る前に内容と文字数を表示して確認します。送信の記録（誰が・いつ・何を・結果）はデータベースに残ります。
    一斉送信は友だち全員に届き、取り消せません。まず --dry-run で確認してください。"""
    try:
        config = config_from_env(os.environ)
    except ConfigError as exc:
        raise CommandError(str(exc))
    staff = by or os.environ.get("FAQBOT_STAFF") or getpass.getuser() or "staff"
    try:
        database = BotDatabase(config["FAQBOT_DB"])
    except (*DatabaseError, RuntimeError, OSError) as exc:
        raise CommandError(f"データベースを開けません: {exc}")
    sender = LineSender(config["LINE_API_ENDPOINT"], config["LINE_CHANNEL_ACCESS_TOKEN"])
    broadcaster = Broadcaster(database, sender)

    if list_only:
        for r in broadcaster.recent():
            first_line = r.text.splitlines()[0] if r.text else ""
            click.echo(f"#{r.id} {r.created_at} {r.sent_by} {r.status}"
                       f"{' (' + r.error + ')' if r.error else ''} {first_line[:40]}")
        return

    if retry_id is not None:
        record = broadcaster.get(retry_id)
        if record is None:
            raise CommandError(f"一斉送信 #{retry_id} の記録がありません / no broadcast #{retry_id}")
        body_text = record.text
    else:
        raw = _read_text(text, file)
        try:
            body_text = broadcast_text(raw)
        except BroadcastError as exc:
            raise CommandError(f"送信できません（何も送っていません）: {exc}")

    if not dry_run and not config["LINE_CHANNEL_ACCESS_TOKEN"]:
        raise CommandError("LINE_CHANNEL_ACCESS_TOKEN が設定されていないため送信できません / LINE_CHANNEL_ACCESS_TOKEN is not set")
    click.echo("次の内容を、友だち全員に一斉送信します:" if not dry_run else "送信する内容（--dry-run: 送信しません）:")
    click.echo("-" * 40)
    click.echo(body_text)
    click.echo("-" * 40)
    click.echo(f"文字数: {line_length(body_text)} / {TEXT_MAX}")
    if dry_run:
        click.echo("POST /v2/bot/message/broadcast")
        click.echo(json.dumps(request_body(body_text), ensure_ascii=False, indent=1))
        click.echo("検証OK。--dry-run のため送信していません。")
        return
    if not yes and not click.confirm("送信しますか？（取り消せません）", default=False):
        raise CommandError("送信を中止しました（何も送っていません）")
    try:
        record = broadcaster.retry(retry_id) if retry_id is not None else broadcaster.send(body_text, staff)
    except BroadcastError as exc:
        raise CommandError(f"送信できません: {exc}")
    if record.status != "sent":
        raise CommandError(f"送信に失敗しました（記録 #{record.id}、{record.attempts}回試行）: {record.error}\n"
              f"あとで python scripts/broadcast.py --retry {record.id} で同じ内容を再送できます（二重には届きません）。")
    click.echo(f"送信しました（記録 #{record.id}、送信者 {record.sent_by}）。")


if __name__ == "__main__":
    sys.exit(main())
