#!/usr/bin/env python
"""staffctl: staff accounts of the web console (/console).

Exit status: 0 on success, 1 on bad input or an unknown account, 2 on a usage error."""
from __future__ import annotations

import sys

import click

from bot.console.database import ConsoleDatabase
from bot.console.staff import MIN_PASSWORD_CHARS, StaffError, StaffStore
from scripts.database import DB_OPTION_HELP, database_location
from scripts.errors import CommandError


def _password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError(prefix="エラー: ", message="標準入力にパスワードがありません")
        return line.rstrip("\r\n")
    return click.prompt(f"パスワード（{MIN_PASSWORD_CHARS}文字以上）", hide_input=True,
                        confirmation_prompt="確認のためもう一度入力してください", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", default=None, help=DB_OPTION_HELP)
@click.pass_context
def cli(ctx, db_path):
    """職員画面のアカウントを管理します / manage staff accounts of the web console.

    パスワードは scrypt でハッシュ化して保存します（平文では保存しません）。"""
    ctx.obj = StaffStore(ConsoleDatabase(database_location(db_path)))


@cli.command()
@click.argument("username")
@click.option("--display-name", default="", help="画面に出す名前（例: 山田 花子）。省略するとユーザー名")
@click.option("--admin", is_flag=True, help="管理者にする（アクセス記録を見られる）")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の1行目から読む（スクリプト用）")
@click.pass_obj
def add(store: StaffStore, username, display_name, admin, password_stdin):
    """アカウントを作ります（パスワードは2回たずねます）。"""
    if store.get(username) is not None:
        raise CommandError(prefix="エラー: ", message=f"ユーザー名「{username}」は既に使われています")
    try:
        staff = store.add(username, _password(password_stdin), display_name=display_name, is_admin=admin)
    except StaffError as exc:
        raise CommandError(prefix="エラー: ", message=str(exc))
    click.echo(f"アカウントを作りました: {staff.username}（{staff.display_name}）{' 管理者' if staff.is_admin else ''}")


@cli.command("list")
@click.pass_obj
def list_(store: StaffStore):
    """アカウントの一覧を表示します。"""
    accounts = store.list()
    if not accounts:
        click.echo("アカウントはありません。`staffctl add USERNAME` で作成してください。")
        return
    for s in accounts:
        flags = [("管理者" if s.is_admin else "職員"), ("有効" if s.active else "無効")]
        click.echo(f"{s.username}\t{s.display_name}\t{' '.join(flags)}\t最終ログイン: {s.last_login_at or '-'}")


@cli.command()
@click.argument("username")
@click.pass_obj
def disable(store: StaffStore, username):
    """アカウントを無効にします（ログイン中のセッションもすぐ終わります）。"""
    try:
        store.set_active(username, False)
    except StaffError as exc:
        raise CommandError(prefix="エラー: ", message=str(exc))
    click.echo(f"アカウントを無効にしました: {username}")


@cli.command()
@click.argument("username")
@click.pass_obj
def enable(store: StaffStore, username):
    """無効にしたアカウントを有効に戻します。"""
    try:
        store.set_active(username, True)
    except StaffError as exc:
        raise CommandError(prefix="エラー: ", message=str(exc))
    click.echo(f"アカウントを有効にしました: {username}")


@cli.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の1行目から読む（スクリプト用）")
@click.pass_obj
def reset_password(store: StaffStore, username, password_stdin):
    """パスワードを変えます（その人のセッションはすべて終わります）。"""
    if store.get(username) is None:
        raise CommandError(prefix="エラー: ", message=f"ユーザー「{username}」は登録されていません")
    try:
        store.reset_password(username, _password(password_stdin))
    except StaffError as exc:
        raise CommandError(prefix="エラー: ", message=str(exc))
    click.echo(f"パスワードを変更しました: {username}")


if __name__ == "__main__":
    cli()
