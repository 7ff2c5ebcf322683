#!/usr/bin/env python
"""会話記録の保存期間を過ぎた分を削除します / delete conversation records past the retention period.

Examples:
    python scripts/purge_exchanges.py                 # FAQBOT_RETENTION_DAYS (既定 365 日) より古い記録を削除
    python scripts/purge_exchanges.py --older-than 90 --dry-run
"""
from __future__ import annotations

import os
import sys

import click

from bot.config import ConfigError, config_from_env
from bot.console.database import ConsoleDatabase
from bot.console.proposals import ProposalStore
from bot.console.uploads import LIFETIME, UploadStore
from bot.records.retention import purge
from bot.storage import BotDatabase
from faq.db import DatabaseError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--older-than", "days", type=click.IntRange(min=0), default=None, metavar="DAYS",
              help="この日数より古い記録を削除します（既定: FAQBOT_RETENTION_DAYS、未設定なら 365）。")
@click.option("--dry-run", is_flag=True, help="削除せず、削除される件数だけを表示します。")
def main(days: int | None, dry_run: bool) -> None:
    """保存期間を過ぎた会話記録（質問・回答の記録、処理済みイベント、利用者の登録状況、住民の言い換え候補）と、職員画面で確認したまま取り込まれなかった FAQ のファイルを削除します。"""
    try:
        config = config_from_env(os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if days is None:
        days = config["FAQBOT_RETENTION_DAYS"]
    try:
        console = ConsoleDatabase(config["FAQBOT_DB"])
        # residents' wordings proposed as alt questions go with their conversations; first, so that the
        # records purge's WAL checkpoint also clears these pages
        proposals = ProposalStore(console, entry=lambda faq_id: None).purge(days, dry_run=dry_run)
        uploads = UploadStore(console).purge_expired(dry_run=dry_run)   # FAQ files checked, never imported
        console.close()
        db = BotDatabase(config["FAQBOT_DB"])
        report = purge(db, days, dry_run=dry_run)
        db.close()
    except (*DatabaseError, RuntimeError, OSError) as exc:
        raise click.ClickException(f"データベースの処理に失敗しました: {exc}") from exc
    verb = "削除対象" if dry_run else "削除しました"
    click.echo(f"{days} 日より古い記録（{report.cutoff} より前）: {verb}")
    click.echo(f"  会話記録: {report.exchanges}件")
    click.echo(f"  処理済みイベント: {report.processed_events}件")
    click.echo(f"  応答キューのイベント: {report.queued_events}件")
    click.echo(f"  利用者の登録状況: {report.users}件")
    click.echo(f"  終了した職員相談（チケット）: {report.tickets}件（メッセージ {report.ticket_messages}件）")
    click.echo(f"  終了した相談から消したLINEの利用者ID: {report.line_ids}件")
    click.echo(f"  未処理の言い換え候補: {proposals.open_deleted}件")
    click.echo(f"  却下した言い換え候補の文面（再提案を防ぐ印は残ります）: {proposals.rejected_erased}件")
    click.echo(f"  職員画面で確認して{LIFETIME.seconds // 60}分を過ぎたFAQの取り込みファイル: {uploads}件")
    if dry_run:
        click.echo("（--dry-run のため、何も削除していません）")


if __name__ == "__main__":
    sys.exit(main())
