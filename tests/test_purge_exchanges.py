"""scripts/purge_exchanges.py: deletes conversation records past the retention period."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from line_testkit import database_bytes, rows

from bot.line.claims import EventClaims
from bot.line.identity import ChatKey
from bot.records.exchanges import ExchangeLog, ExchangeRecord
from bot.storage import BotDatabase

ROOT = Path(__file__).resolve().parents[1]
OLD_QUERY = "古い質問ふるいしつもん"
NEW_QUERY = "新しい質問あたらしいしつもん"


def run(db_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "FAQBOT_RETENTION_DAYS"}
    environ.update(FAQBOT_DB=str(db_path), **env)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "purge_exchanges.py"), *args], env=environ,
                          capture_output=True, text=True, timeout=120)


def make_history(db_path: Path) -> None:
    db = BotDatabase(db_path)
    log = ExchangeLog(db)
    chat = ChatKey("user", "a" * 64)
    old = log.record(ExchangeRecord(chat=chat, kind="text", decision="answer", query=OLD_QUERY, event_id="old"))
    log.record(ExchangeRecord(chat=chat, kind="text", decision="answer", query=NEW_QUERY, event_id="new"))
    log.set_following(chat, True)
    claims = EventClaims(db, clock=lambda: 1_000_000.0)  # 1970: long past
    claims.claim("old")
    conn = db.conn()
    conn.execute("UPDATE bot_exchanges SET created_at = '2020-01-01T00:00:00.000+00:00' WHERE id = ?", [old])
    conn.execute("UPDATE bot_users SET last_seen = '2020-01-01T00:00:00.000+00:00'")
    db.close()


def counts(db_path: Path) -> dict[str, int]:
    return {t: rows(db_path, f"SELECT count(*) AS n FROM {t}")[0]["n"]
            for t in ("bot_exchanges", "bot_processed_events", "bot_users")}


def test_help_is_japanese():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "purge_exchanges.py"), "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--older-than" in result.stdout and "削除" in result.stdout


def test_dry_run_counts_and_deletes_nothing(tmp_path):
    db_path = tmp_path / "faqbot.sqlite3"
    make_history(db_path)
    before = counts(db_path)
    result = run(db_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "会話記録: 1件" in result.stdout and "何も削除していません" in result.stdout
    assert counts(db_path) == before


def test_purge_deletes_only_old_records_and_leaves_no_trace(tmp_path):
    db_path = tmp_path / "faqbot.sqlite3"
    make_history(db_path)
    assert OLD_QUERY.encode() in database_bytes(db_path)
    result = run(db_path)  # default: FAQBOT_RETENTION_DAYS, 365
    assert result.returncode == 0, result.stderr
    assert "365 日より古い記録" in result.stdout
    assert counts(db_path) == {"bot_exchanges": 1, "bot_processed_events": 0,
                               "bot_users": 0}
    assert [r["query"] for r in rows(db_path, "SELECT query FROM bot_exchanges")] == [NEW_QUERY]
    assert OLD_QUERY.encode() not in database_bytes(db_path)  # overwritten, not just unlinked


def test_older_than_zero_deletes_everything(tmp_path):
    db_path = tmp_path / "faqbot.sqlite3"
    make_history(db_path)
    result = run(db_path, "--older-than", "0")
    assert result.returncode == 0, result.stderr
    assert counts(db_path)["bot_exchanges"] == 0


def test_errors_exit_non_zero(tmp_path):
    db_path = tmp_path / "faqbot.sqlite3"
    bad_days = run(db_path, "--older-than", "-3")
    assert bad_days.returncode == 2
    bad_env = run(db_path, FAQBOT_RETENTION_DAYS="一年")
    assert bad_env.returncode == 1 and "FAQBOT_RETENTION_DAYS" in bad_env.stderr
    bad_url = run(db_path, FAQBOT_DATABASE_URL="mysql://root:pw-123@db/faqbot")
    assert bad_url.returncode == 1 and "postgresql://" in bad_url.stderr and "pw-123" not in bad_url.stderr
    no_server = run(db_path, FAQBOT_DATABASE_URL="postgresql://staff:pw-456@127.0.0.1:1/faqbot")
    assert no_server.returncode == 1 and "データベースの処理に失敗しました" in no_server.stderr
    assert "データベースに接続できません" in no_server.stderr and "pw-456" not in no_server.stderr
    assert "Traceback" not in no_server.stderr


@pytest.mark.sqlite_only
def test_a_file_that_is_not_a_database_exits_non_zero(tmp_path):
    not_a_db = tmp_path / "not-a-database.sqlite3"
    not_a_db.write_bytes(b"this is not sqlite" * 100)
    broken = run(not_a_db)
    assert broken.returncode == 1 and "データベースの処理に失敗しました" in broken.stderr


def test_line_ids_of_tickets_closed_days_ago_are_cleared_even_if_the_notice_failed(tmp_path):
    from datetime import datetime, timedelta, timezone

    from bot.desk.tickets import NewMessage, TicketStore
    from bot.records.retention import LINE_ID_GRACE_DAYS, purge
    from faq.clock import FixedClock
    clock = FixedClock(datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc))
    db = BotDatabase(tmp_path / "faqbot.sqlite3")
    tickets = TicketStore(db, clock)
    ids = {}
    for name, days_ago in (("old", LINE_ID_GRACE_DAYS + 1), ("fresh", 1)):
        ticket, _ = tickets.open_ticket(user_hash=name * 10, line_user_id="U" + name, trigger="keyword",
                                        category=None, disaster=False, history=[NewMessage("resident", name)])
        closed_at = clock.iso_ago(timedelta(days=days_ago))
        # closed by staff with a close notice that failed: the id was kept for a retry
        db.conn().execute("UPDATE bot_tickets SET status = 'closed', closed_at = ? WHERE id = ?",
                          [closed_at, ticket.id])
        ids[name] = ticket.id
    report = purge(db, 365, clock=clock)
    assert report.line_ids == 1
    assert tickets.line_user_id(ids["old"]) is None and tickets.line_user_id(ids["fresh"]) == "Ufresh"
    assert tickets.get(ids["old"]) is not None  # the ticket itself stays until the retention period


def test_closed_tickets_past_retention_are_deleted_open_ones_kept(tmp_path):
    from bot.desk.tickets import NewMessage, TicketStore
    db_path = tmp_path / "faqbot.sqlite3"
    db = BotDatabase(db_path)
    tickets = TicketStore(db)
    old, _ = tickets.open_ticket(user_hash="a" * 64, line_user_id="U" + "1" * 32, trigger="keyword",
                                 category=None, disaster=False, history=[NewMessage("resident", "ふるいそうだん")])
    tickets.close_by_resident(old.id, "終了")
    waiting, _ = tickets.open_ticket(user_hash="b" * 64, line_user_id="U" + "2" * 32, trigger="keyword",
                                     category=None, disaster=False, history=[NewMessage("resident", "まってます")])
    recent, _ = tickets.open_ticket(user_hash="c" * 64, line_user_id="U" + "3" * 32, trigger="keyword",
                                    category=None, disaster=False, history=[NewMessage("resident", "さいきん")])
    tickets.close_by_resident(recent.id, "終了")
    long_ago = "2020-01-01T00:00:00.000+00:00"
    db.conn().execute("UPDATE bot_tickets SET created_at = ?, closed_at = ? WHERE id = ?", [long_ago, long_ago, old.id])
    db.conn().execute("UPDATE bot_tickets SET created_at = ? WHERE id = ?", [long_ago, waiting.id])  # still open
    db.close()
    result = run(db_path)
    assert result.returncode == 0, result.stderr
    assert "終了した職員相談（チケット）: 1件（メッセージ 2件）" in result.stdout
    left = rows(db_path, "SELECT id FROM bot_tickets ORDER BY id")
    assert [r["id"] for r in left] == [waiting.id, recent.id]
    assert rows(db_path, "SELECT count(*) AS n FROM bot_ticket_messages WHERE ticket_id = ?", (old.id,))[0]["n"] == 0
    assert "ふるいそうだん".encode() not in database_bytes(db_path)
    assert ("U" + "1" * 32).encode() not in database_bytes(db_path)


def test_faq_files_checked_on_the_console_and_never_imported_go_after_30_minutes(tmp_path):
    from datetime import datetime, timezone

    from bot.console.database import ConsoleDatabase
    from bot.console.faq_import import ImportOptions
    from bot.console.uploads import UploadStore
    from faq.clock import FixedClock

    db_path = tmp_path / "faqbot.sqlite3"
    console = ConsoleDatabase(db_path)
    long_ago = FixedClock(datetime(2020, 1, 1, tzinfo=timezone.utc))
    UploadStore(console).keep("suzuki", "new.csv", ImportOptions(), "e" * 32, b"id,question\n")   # just now
    # checked long ago (the next check on the console would remove it; the purge does when nobody checks)
    UploadStore(console, long_ago).keep("yamada", "old.csv", ImportOptions(), "f" * 32, b"id,question\n")
    console.close()

    dry = run(db_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "取り込みファイル: 1件" in dry.stdout
    assert [r["filename"] for r in rows(db_path, "SELECT filename FROM console_faq_uploads ORDER BY id")] == \
        ["new.csv", "old.csv"]
    done = run(db_path)
    assert done.returncode == 0, done.stderr
    assert [r["filename"] for r in rows(db_path, "SELECT filename FROM console_faq_uploads")] == ["new.csv"]
