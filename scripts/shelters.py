#!/usr/bin/env python
"""避難所の一覧の取り込みと開設状況の切り替え / import the shelter list and set shelters open, full or closed.

Examples:
    python scripts/shelters.py import 指定緊急避難場所.csv --by 山田   # オープンデータCSVの取り込み（全件入れ替え）
    python scripts/shelters.py open 999991-001 999991-003 --by 山田   # 開設
    python scripts/shelters.py open --all --by 山田                   # すべて開設
    python scripts/shelters.py full 999991-001 --by 山田              # 満員（案内しない）
    python scripts/shelters.py close --all --by 山田                  # 閉鎖
    python scripts/shelters.py list                                   # 一覧と状態
    python scripts/shelters.py history                                # 操作の記録（誰が・いつ）

The import is all-or-nothing: any problem (with its line and column) leaves the list unchanged.
Shelters whose ID is already known keep their status; new ones start closed.
Exit status: 0 done, 1 invalid input (nothing changed), 2 usage error.
"""
from __future__ import annotations

import getpass
import os
import sys

import click

from bot.disaster.shelters.csv_import import ShelterImportError, read_file
from bot.disaster.shelters.model import CLOSED, FULL, OPEN, STATUS_LABELS
from bot.disaster.shelters.store import ShelterStore
from bot.disaster.storage import DisasterDatabase
from scripts.database import database_location


def _store() -> ShelterStore:
    return ShelterStore(DisasterDatabase(database_location()))


def _staff(by: str | None) -> str:
    return by or os.environ.get("FAQBOT_STAFF") or getpass.getuser() or "staff"


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """避難所の一覧と開設状況（FAQBOT_DB のデータベース）。"""


@main.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False))
@click.option("--by", help="操作した職員名（既定: $FAQBOT_STAFF かログイン名）")
def import_(csv_file, by):
    """オープンデータCSV（UTF-8 / Shift_JIS）を取り込みます（全件入れ替え）。"""
    try:
        shelters = read_file(csv_file)
        added, removed = _store().replace_all(shelters, _staff(by), os.path.basename(csv_file))
    except ShelterImportError as exc:
        _fail("取り込みを中止しました（何も変更していません） / import refused, nothing changed:\n"
              + "\n".join(exc.problems))
    except ValueError as exc:
        _fail(str(exc))
    click.echo(f"{len(shelters)}件の避難所を取り込みました（新規{added}件・削除{removed}件）。"
               "新規の避難所は「閉鎖（未開設）」です。")


def _status_command(status: str, verb: str):
    @click.argument("ids", nargs=-1)
    @click.option("--all", "all_", is_flag=True, help="すべての避難所")
    @click.option("--by", help="操作した職員名（既定: $FAQBOT_STAFF かログイン名）")
    def command(ids, all_, by):
        if bool(ids) == bool(all_):
            click.echo("避難所IDか --all のどちらか一方を指定してください / give IDs or --all", err=True)
            sys.exit(2)
        try:
            count = _store().set_status(None if all_ else list(ids), status, _staff(by))
        except ValueError as exc:
            _fail(str(exc))
        click.echo(f"{count}件を「{STATUS_LABELS[status]}」にしました。")
    command.__doc__ = f"避難所を{verb}にします。"
    return command


main.command("open")(_status_command(OPEN, "開設"))
main.command("full")(_status_command(FULL, "満員"))
main.command("close")(_status_command(CLOSED, "閉鎖"))


@main.command("list")
def list_():
    """避難所と状態の一覧。"""
    shelters = _store().list()
    if not shelters:
        click.echo("避難所が登録されていません。shelters.py import で取り込んでください。")
    for s in shelters:
        changed = f" {s.status_at} {s.status_by}" if s.status_at else ""
        click.echo(f"{s.id}\t{STATUS_LABELS[s.status]}\t{s.name}\t{s.address}\t{'・'.join(s.hazards)}{changed}")


@main.command("history")
@click.option("--limit", default=30, show_default=True)
def history(limit):
    """操作の記録（新しい順）。"""
    for h in _store().history(limit):
        click.echo(f"{h.at}\t{h.by}\t{h.shelter_id or '-'}\t{h.action}\t{h.detail or ''}")


if __name__ == "__main__":
    main()
