#!/usr/bin/env python
"""faqctl: staff command-line tool for the FAQ knowledge base.

Every command has --help. Exit status is 0 on success, 1 on a validation or
data error, 2 on a usage error."""
from __future__ import annotations

import getpass
import json
import os
import sys

import click

from faq.db import DatabaseError
from faq.formats import FORMATS, ImportRead, read_import, write_entries
from faq.import_notes import import_note_lines
from faq.model import CATEGORIES, TRANSLATION_LANGUAGES, FaqEntry, normalize_id
from faq.store import FaqStore, NotFound
from faq.validate import ValidationError, check_entries
from index.build import build_index, count_texts
from index.config import (
    cache_from_env,
    index_dir_from_env,
    make_embedder,
    search_config_from_env,
    share_from_env,
)
from index.embedders import EmbedderError
from index.search import Searcher
from index.share import ShareError
from index.snapshot import IndexError_
from scripts.database import DB_OPTION_HELP, database_location
from scripts.errors import CommandError


def _entry_id(ctx, param, value):
    """An ID as staff type it or a city's export wrote it (「Q-001」) in the stored form."""
    return normalize_id(value) if value else value


def _actor(by: str | None) -> str:
    return by or os.environ.get("FAQBOT_STAFF") or getpass.getuser() or "staff"


class Context:
    def __init__(self, db_path):
        self.db_path = db_path
        self._store = None
        self.changed = False
        self.rebuild = True

    @property
    def store(self) -> FaqStore:
        if self._store is None:
            self._store = FaqStore.open(self.db_path)
        return self._store


def _entry_text(e: FaqEntry) -> str:
    lines = [f"ID: {e.id}", f"カテゴリ: {e.category}（{CATEGORIES.get(e.category, '?')}）",
             f"状態: {'公開中' if e.active else '非公開'}", f"質問: {e.question}"]
    lines += [f"  言い換え: {q}" for q in e.alt_questions]
    lines += [f"回答:\n{e.answer}", f"URL: {e.url or '-'}", f"担当課: {e.department or '-'}",
              f"タグ: {', '.join(e.tags) or '-'}", f"更新: {e.updated_at or '-'} ({e.updated_by or '-'})"]
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", default=None, help=DB_OPTION_HELP)
@click.option("--no-index", is_flag=True, help="do not rebuild the search index after a change")
@click.pass_context
def cli(ctx, db_path, no_index):
    """FAQの登録・編集・検索を行う職員向けツール / staff tool for the FAQ knowledge base.

    変更（import, add, edit, remove, restore, undo）の後は検索インデックスを自動で更新します。"""
    ctx.obj = Context(database_location(db_path))
    ctx.obj.rebuild = not no_index


@cli.result_callback()
@click.pass_obj
def _after(obj, *args, **kwargs):
    if obj.changed and obj.rebuild:
        _rebuild(obj)
    if obj._store is not None:
        obj.store.close()


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="file format (default: from the extension)")
@click.option("--replace", "replace_all", is_flag=True, help="entries missing from FILES are set inactive")
@click.option("--dry-run", is_flag=True, help="validate only, change nothing")
@click.option("--by", help="staff name recorded in the history")
@click.option("--ignore-column", "ignore_columns", multiple=True, metavar="見出し",
              help="この列（JSONL/YAMLでは項目）を読まずに取り込む（複数可） / do not read this column")
@click.option("--sheet", metavar="シート名",
              help="Excel（.xlsx）で読むシート（既定: 最初のシート） / worksheet to read (default: the first)")
@click.pass_obj
def import_cmd(obj, files, fmt, replace_all, dry_run, by, ignore_columns, sheet):
    """FILES（.jsonl / .csv / .yaml / .xlsx、複数可）からFAQを取り込みます。
    1件でも誤りがあれば何も変更しません（全件を1つのトランザクションで反映）。
    更新日・閲覧数などの管理用の列は読まずに取り込み、結果に表示します。
    CSV は UTF-8（BOM 付きも可）か Shift_JIS（Excel の「CSV (コンマ区切り)」）。
    Excel は最初のシート（--sheet で指定）の、最初に文字のある行を見出し行として読みます。"""
    try:
        read = read_import(files, fmt, ignore_columns, sheet)
    except (ValidationError, ValueError) as exc:
        raise CommandError(f"取り込みを中止しました（何も変更していません） / import aborted, nothing changed:\n{exc}")
    entries = read.entries
    _import_notes(read, ignore_columns)
    if dry_run:
        click.echo(f"検証OK: {len(entries)}件（--dry-run のため変更なし） / valid, {len(entries)} entries")
        return
    with click.progressbar(length=len(entries), label="取り込み中", file=sys.stderr) as bar:
        report = obj.store.import_entries(entries, _actor(by), replace_all=replace_all, progress=bar.update)
    obj.changed = report.added + report.updated + report.deactivated > 0
    click.echo(f"取り込み完了: 追加 {report.added}件, 更新 {report.updated}件, 変更なし {report.unchanged}件, "
               f"非公開化 {report.deactivated}件")


def _import_notes(read: ImportRead, ignore_columns=()) -> None:
    for line in import_note_lines(read, ignore_columns):
        click.echo(line)


@cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="file format (default: from the extension)")
@click.option("--include-inactive", is_flag=True, help="also export inactive entries")
@click.pass_obj
def export_cmd(obj, file, fmt, include_inactive):
    """FAQをFILEに書き出します（CSVはExcelで開けるBOM付きUTF-8、.xlsx は取り込みと同じ列）。"""
    try:
        entries = obj.store.list(include_inactive=include_inactive)
        write_entries(entries, file, fmt)
    except (ValueError, OSError) as exc:
        raise CommandError(f"書き出しに失敗しました / export failed: {exc}")
    click.echo(f"{len(entries)}件を書き出しました: {file}")


def _entry_options(f):
    for opt in reversed([
        click.option("--category", type=click.Choice(list(CATEGORIES)), help="category id"),
        click.option("--question", help="質問"),
        click.option("--answer", help="回答"),
        click.option("--alt", "alt_questions", multiple=True, help="言い換えの質問（複数可）"),
        click.option("--url", help="公式ページのURL"),
        click.option("--department", help="担当課"),
        click.option("--tag", "tags", multiple=True, help="タグ（複数可）"),
        click.option("--by", help="staff name recorded in the history"),
    ]):
        f = opt(f)
    return f


@cli.command()
@click.option("--id", "entry_id", help="ID (default: generated from the question)")
@_entry_options
@click.pass_obj
def add(obj, entry_id, category, question, answer, alt_questions, url, department, tags, by):
    """FAQを1件追加します。"""
    entry = FaqEntry(id=entry_id or "", question=question or "", answer=answer or "",
                     category=category or "general", alt_questions=list(alt_questions), url=url,
                     department=department, tags=list(tags))
    try:
        saved = obj.store.add(entry, _actor(by))
    except ValidationError as exc:
        raise CommandError(f"追加できませんでした / not added:\n{exc}")
    obj.changed = True
    click.echo(f"追加しました: {saved.id}")


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@_entry_options
@click.option("--clear-alt", is_flag=True, help="remove all alt questions before adding --alt ones")
@click.pass_obj
def edit(obj, entry_id, category, question, answer, alt_questions, url, department, tags, by, clear_alt):
    """FAQ（ID）の指定した項目だけを変更します。"""
    changes = {k: v for k, v in dict(category=category, question=question, answer=answer, url=url,
                                     department=department).items() if v is not None}
    try:
        if alt_questions or clear_alt:
            current = [] if clear_alt else obj.store.get(entry_id).alt_questions
            changes["alt_questions"] = current + list(alt_questions)
        if tags:
            changes["tags"] = list(tags)
        if not changes:
            raise CommandError("変更する項目を指定してください（--question, --answer など） / nothing to change")
        saved = obj.store.edit(entry_id, _actor(by), **changes)
    except (ValidationError, NotFound) as exc:
        raise CommandError(f"変更できませんでした / not changed:\n{exc}")
    obj.changed = True
    click.echo(f"変更しました: {saved.id}")


def _set_active(obj, entry_id, by, active: bool) -> None:
    try:
        (obj.store.restore if active else obj.store.remove)(entry_id, _actor(by))
    except NotFound as exc:
        raise CommandError(str(exc))
    obj.changed = True
    click.echo(f"{'公開に戻しました' if active else '非公開にしました'}: {entry_id}")


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@click.option("--by", help="staff name recorded in the history")
@click.pass_obj
def remove(obj, entry_id, by):
    """FAQを非公開にします（削除はせず、restoreで戻せます）。"""
    _set_active(obj, entry_id, by, active=False)


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@click.option("--by", help="staff name recorded in the history")
@click.pass_obj
def restore(obj, entry_id, by):
    """非公開にしたFAQを公開に戻します。"""
    _set_active(obj, entry_id, by, active=True)


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_obj
def history(obj, entry_id, as_json):
    """FAQの変更履歴（誰が・いつ・何を）を表示します。"""
    try:
        items = obj.store.history(entry_id)
    except NotFound as exc:
        raise CommandError(str(exc))
    if as_json:
        click.echo(json.dumps([{"id": h.id, "action": h.action, "actor": h.actor, "at": h.at, "undone": h.undone,
                                "before": h.before and h.before.to_record(),
                                "after": h.after and h.after.to_record()} for h in items], ensure_ascii=False, indent=1))
        return
    for h in items:
        changed = []
        if h.before and h.after:
            b, a = h.before.to_record(), h.after.to_record()
            changed = [k for k in b if b[k] != a[k]]
        mark = "（取消済み）" if h.undone else ""
        click.echo(f"#{h.id} {h.at} {h.actor} {h.action}{mark} {', '.join(changed)}")


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@click.option("--by", help="staff name recorded in the history")
@click.pass_obj
def undo(obj, entry_id, by):
    """FAQの直前の変更を取り消します（繰り返すとさらに前に戻ります）。"""
    try:
        entry = obj.store.undo(entry_id, _actor(by))
    except (ValidationError, NotFound) as exc:
        raise CommandError(str(exc))
    obj.changed = True
    click.echo(f"取り消しました: {entry_id}" + ("" if entry else "（追加前の状態に戻したため、このIDは無くなりました）"))


@cli.command("list")
@click.option("--category", type=click.Choice(list(CATEGORIES)), help="only this category")
@click.option("--include-inactive", is_flag=True, help="also list inactive entries")
@click.option("--json", "as_json", is_flag=True, help="JSONL output")
@click.pass_obj
def list_cmd(obj, category, include_inactive, as_json):
    """FAQの一覧を表示します。"""
    for e in obj.store.list(category=category, include_inactive=include_inactive):
        if as_json:
            click.echo(json.dumps(e.to_record(), ensure_ascii=False))
        else:
            click.echo(f"{e.id}\t{e.category}\t{'' if e.active else '[非公開] '}{e.question}")


@cli.command()
@click.argument("entry_id", callback=_entry_id)
@click.option("--json", "as_json", is_flag=True, help="JSON output")
@click.pass_obj
def show(obj, entry_id, as_json):
    """FAQを1件表示します。"""
    try:
        e = obj.store.get(entry_id)
    except NotFound as exc:
        raise CommandError(str(exc))
    click.echo(json.dumps(e.to_record(), ensure_ascii=False, indent=1) if as_json else _entry_text(e))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON output")
@click.pass_obj
def stats(obj, as_json):
    """件数・カテゴリ別件数などを表示します。"""
    s = obj.store.stats()
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False))
        return
    click.echo(f"公開中 {s['active']}件 / 非公開 {s['inactive']}件 / 最終更新 {s['last_updated'] or '-'}")
    for cat, n in s["by_category"].items():
        click.echo(f"  {CATEGORIES[cat]}（{cat}）: {n}件")


@cli.command()
@click.pass_obj
def check(obj):
    """保存済みのFAQ（非公開も）を今の検証規則で確かめます（外字・回答の長さなど）。問題があれば一覧を表示し、
    終了コード1で終わります / check stored entries against the current rules."""
    entries = obj.store.list(include_inactive=True)
    problems = check_entries(entries)
    if problems:
        raise CommandError(f"直すところがあります（{len(problems)}件） / entries to fix: {len(problems)}\n"
                           + str(ValidationError(problems)))
    click.echo(f"問題なし: {len(entries)}件 / all {len(entries)} entries pass")


@cli.command()
@click.option("--category", type=click.Choice(list(CATEGORIES)), help="カテゴリで絞る / only this category")
@click.option("--lang", "languages", multiple=True, type=click.Choice(list(TRANSLATION_LANGUAGES)),
              help="言語で絞る（複数可） / only these languages")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def translations(obj, category, languages, as_json):
    """翻訳のない FAQ と、確認待ちの翻訳を言語ごとに表示します / missing and unchecked translations."""
    from faq.translations import coverage
    entries = obj.store.list(category=category)
    report = coverage(entries, list(languages) or None)
    if as_json:
        click.echo(json.dumps([{"lang": c.lang, "translated": c.translated, "checked": c.checked,
                                "missing": list(c.missing), "unchecked": list(c.unchecked)} for c in report],
                              ensure_ascii=False))
        return
    click.echo(f"公開中の FAQ {len(entries)}件")
    for c in report:
        click.echo(f"{c.label}（{c.lang}）: 翻訳あり {c.translated}件（確認済み {c.checked}件） / 翻訳なし {len(c.missing)}件")
        if c.missing:
            click.echo("  翻訳なし: " + ", ".join(c.missing))
        if c.unchecked:
            click.echo("  確認待ち: " + ", ".join(c.unchecked))


def _rebuild(obj, quiet=False) -> None:
    """Rebuild the search index (only changed text is re-embedded)."""
    try:
        embedder = make_embedder()
    except EmbedderError as exc:
        raise CommandError(f"索引を作れません / cannot build the index: {exc}")
    try:
        share = share_from_env(location=obj.db_path)  # several hosts: into the database before it is served
    except ValueError as exc:
        raise CommandError(str(exc))
    cache = cache_from_env()
    try:
        # the entries are read again under the build lock: another build may have been running
        with click.progressbar(length=count_texts(obj.store.list()), label="索引を作成中", file=sys.stderr) as bar:
            report = build_index(obj.store.list, index_dir_from_env(), embedder, cache, progress=bar.update,
                                 share=share)
    except (ShareError, *DatabaseError) as exc:
        # the database is down or refused the upload: no host (this one included) changed its index
        raise CommandError(f"データベースが使えないか版を共有できなかったため、どのサーバーも以前のインデックスのままです / "
                           f"the database is unavailable or refused the build; every host keeps its index: {exc}")
    finally:
        cache.close()
        if share is not None:
            share.close()
    if not quiet:
        click.echo(f"検索インデックスを更新しました: {report.n_entries}件, ベクトル {report.n_vectors}本 "
                   f"({report.index_kind}), 新規埋め込み {report.embedded}件, {report.seconds:.1f}秒"
                   + ("（データベース経由で全サーバーに配布）" if report.shared else ""))


@cli.command("build-index")
@click.pass_obj
def build_index_cmd(obj):
    """公開中のFAQから検索インデックスを作り直します（変更のあった文だけ再計算）。
    実行中のボットは再起動なしで新しいインデックスに切り替わります。"""
    _rebuild(obj)


@cli.command()
@click.argument("query")
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--category", type=click.Choice(list(CATEGORIES)), help="rank this category first when relevant")
@click.option("--json", "as_json", is_flag=True, help="JSON output")
@click.pass_obj
def search(obj, query, top_k, category, as_json):
    """住民の質問のようにFAQを検索し、ボットの判断（回答／候補提示／職員へ）を表示します。"""
    try:
        config = search_config_from_env()
    except ValueError as exc:
        raise CommandError(str(exc))
    searcher = Searcher(index_dir_from_env(), make_embedder, config)
    try:
        searcher.check()
    except (IndexError_, EmbedderError) as exc:
        raise CommandError(f"検索できません / cannot search: {exc}")
    outcome = searcher.search(query, top_k=top_k, prefer_category=category)
    if as_json:
        click.echo(json.dumps({"query": outcome.query, "decision": outcome.decision, "reason": outcome.reason,
                               "degraded": outcome.degraded,
                               "results": [{"id": c.entry.id, "question": c.entry.question, "score": round(c.score, 4),
                                            "dense": round(c.dense, 4), "lexical": round(c.lexical, 4)}
                                           for c in outcome.candidates]}, ensure_ascii=False, indent=1))
        return
    label = {"answer": "回答する", "suggest": "候補を示す（もしかして）", "fallback": "職員窓口を案内"}[outcome.decision]
    click.echo(f"判断: {label} ({outcome.decision}, {outcome.reason})")
    for rank, c in enumerate(outcome.candidates, start=1):
        click.echo(f"{rank:2d}. {c.score:.3f}  {c.entry.id}  {c.entry.question}")


# -- disaster-support mode ----------------------------------------------------------
def _local_time(iso: str | None) -> str:
    if not iso:
        return "-"
    from faq.clock import JAPAN, parse_iso
    parsed = parse_iso(iso)
    return parsed.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M") if parsed else iso


def _disaster_modes(obj):
    from bot.disaster_mode import DisasterModes
    from bot.richmenu.switch import (
        follow_disaster_mode,  # the default rich menu follows the mode
    )
    return DisasterModes.open(obj.db_path, on_switch=follow_disaster_mode)


@cli.group()
def disaster():
    """災害支援モード（24時間対応）の切り替えと確認 / 24-hour disaster-support mode.

    有効の間、あいさつとメニューが災害の支援制度（罹災証明書・生活再建支援金など）に切り替わり、
    検索では「災害の支援制度」のFAQを優先します。稼働中のボットは再起動なしで切り替わります。"""


@disaster.command("on")
@click.option("--name", default="", help="災害名（必須。例: 令和8年台風10号）")
@click.option("--no-desk-24h", is_flag=True, help="災害の相談も職員窓口は通常の受付時間のみにする")
@click.option("--by", help="staff name recorded with the change")
@click.pass_obj
def disaster_on(obj, name, no_desk_24h, by):
    """災害支援モードを有効にします（すでに有効なら災害名などを変更します）。"""
    try:
        mode = _disaster_modes(obj).set(active=True, name=name, desk_24h=not no_desk_24h, by=_actor(by))
    except ValueError as exc:
        raise CommandError(f"災害支援モードを有効にできませんでした（何も変更していません）: {exc}")
    click.echo(f"災害支援モードを有効にしました: {mode.name}（職員窓口: "
               f"{'24時間' if mode.desk_24h else '通常の受付時間'}）")


@disaster.command("off")
@click.option("--by", help="staff name recorded with the change")
@click.pass_obj
def disaster_off(obj, by):
    """災害支援モードを終了し、通常のあいさつとメニューに戻します。"""
    modes = _disaster_modes(obj)
    was = modes.current()
    try:
        modes.set(active=False, by=_actor(by))
    except ValueError as exc:
        raise CommandError(f"災害支援モードを終了できませんでした: {exc}")
    click.echo(f"災害支援モードを終了しました{f'（{was.name}）' if was.active else '（もともと無効でした）'}")


@disaster.command("status")
@click.option("--json", "as_json", is_flag=True, help="JSON output")
@click.pass_obj
def disaster_status(obj, as_json):
    """災害支援モードの状態と、最近の切り替えの記録を表示します。"""
    from dataclasses import asdict

    modes = _disaster_modes(obj)
    mode = modes.current()
    history = modes.history()
    if as_json:
        click.echo(json.dumps(dict(asdict(mode), history=[asdict(h) for h in history]), ensure_ascii=False,
                              indent=1))
        return
    if mode.active:
        click.echo(f"災害支援モード: 有効（{mode.name}）")
        click.echo(f"  開始: {_local_time(mode.since)}  操作: {mode.changed_by or '-'}")
        click.echo(f"  職員窓口（災害の相談）: {'24時間' if mode.desk_24h else '通常の受付時間'}")
    else:
        click.echo("災害支援モード: 無効（通常の案内）")
    if history:
        click.echo("最近の切り替え:")
        for item in history[:10]:
            state = "有効" if item.active else "終了"
            click.echo(f"  {_local_time(item.at)}  {item.by or '-'}  {state}  {item.name}")


if __name__ == "__main__":
    cli()
