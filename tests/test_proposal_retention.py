"""Residents' wordings proposed as alt questions are kept no longer than their conversations."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from line_testkit import database_bytes, rows

from bot.console.database import MIGRATIONS, ConsoleDatabase, key_digest
from bot.console.proposals import (
    ACCEPTED,
    REJECTED,
    RESIDENT,
    SKIP_DECIDED,
    ProposalStore,
    wording_key,
)
from faq.clock import FixedClock
from faq.db import migrate, open_db, transaction
from faq.model import FaqEntry

ROOT = Path(__file__).resolve().parents[1]
ENTRY = FaqEntry(id="kokuho", question="国民健康保険に加入するとき", category="insurance",
                 answer="会社の健康保険をやめたときは14日以内に届け出てください。")
OLD_OPEN, OLD_REJECTED, OLD_ACCEPTED = "こくほの手続き古いほう", "国保って何それ古い", "国保に入りたい古い"
NEW_OPEN, NEW_REJECTED = "国保の加入はどこで", "国保ってなに新しい"


def store(path: Path, clock: FixedClock) -> ProposalStore:
    return ProposalStore(ConsoleDatabase(path), lambda faq_id: ENTRY if faq_id == ENTRY.id else None, clock)


def make_history(path: Path) -> tuple[ProposalStore, FixedClock]:
    """Three wordings proposed and decided 100 days ago, two in the last days (the clock is fixed)."""
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))
    proposals = store(path, clock)
    old = {w: proposals.propose(ENTRY.id, w, RESIDENT).proposal for w in (OLD_OPEN, OLD_REJECTED, OLD_ACCEPTED)}
    proposals.reject(old[OLD_REJECTED].id, "staff-a", is_admin=True)
    proposals.accept(old[OLD_ACCEPTED].id, "admin-a", is_admin=True, add_alt=lambda faq_id, wording, actor: ENTRY)
    clock.advance(days=99)
    newer = proposals.propose(ENTRY.id, NEW_REJECTED, RESIDENT).proposal
    proposals.reject(newer.id, "staff-a", is_admin=True)
    proposals.propose(ENTRY.id, NEW_OPEN, RESIDENT)
    clock.advance(days=1)
    return proposals, clock


def wordings(path: Path) -> dict[str, str]:
    return {r["wording"]: r["status"] for r in rows(path, "SELECT wording, status FROM console_alt_proposals")}


def test_old_open_proposals_go_old_rejected_wordings_are_erased_and_stay_rejected(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    proposals, clock = make_history(path)
    report = proposals.purge(30)
    assert (report.open_deleted, report.rejected_erased) == (1, 1)
    assert wordings(path) == {"": REJECTED, OLD_ACCEPTED: ACCEPTED, NEW_REJECTED: REJECTED, NEW_OPEN: "proposed"}
    # the erased wording still counts as rejected: residents using it again propose nothing
    assert proposals.propose(ENTRY.id, OLD_REJECTED, RESIDENT).skipped == SKIP_DECIDED
    # the deleted open one may come back, as a new proposal counted from one
    again = proposals.propose(ENTRY.id, OLD_OPEN, RESIDENT).proposal
    assert again is not None and again.times == 1
    # a second purge finds nothing more
    assert proposals.purge(30) == type(report)(0, 0)


def test_the_stored_key_is_a_digest_never_the_wording(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    make_history(path)
    keys = [r["wording_key"] for r in rows(path, "SELECT wording_key FROM console_alt_proposals")]
    assert len(keys) == 5 and all(k.startswith("sha256:") and len(k) == 71 for k in keys)
    assert key_digest(wording_key(OLD_REJECTED)) in keys


def test_dry_run_counts_and_changes_nothing(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    proposals, _ = make_history(path)
    before = wordings(path)
    report = proposals.purge(30, dry_run=True)
    assert (report.open_deleted, report.rejected_erased) == (1, 1)
    assert wordings(path) == before


def test_keys_stored_before_the_digest_are_converted(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    db = open_db(path)
    migrate(db, "console", MIGRATIONS[:3])   # the table as it was: the key held the normalised wording
    with transaction(db):
        db.execute("INSERT INTO console_alt_proposals (faq_id, wording, wording_key, source, first_seen, last_seen, "
                   "status, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [ENTRY.id, OLD_REJECTED, wording_key(OLD_REJECTED), RESIDENT, "2026-01-01T00:00:00.000+00:00",
                    "2026-01-01T00:00:00.000+00:00", REJECTED, "staff-a", "2026-01-01T00:00:00.000+00:00"])
    db.conn.close()
    proposals = store(path, FixedClock(datetime(2026, 6, 1, tzinfo=timezone.utc)))
    assert [r["wording_key"] for r in rows(path, "SELECT wording_key FROM console_alt_proposals")] == [
        key_digest(wording_key(OLD_REJECTED))]
    assert proposals.propose(ENTRY.id, OLD_REJECTED, RESIDENT).skipped == SKIP_DECIDED


def test_the_purge_command_erases_old_wordings_from_the_file(tmp_path):
    path = tmp_path / "faqbot.sqlite3"
    make_history(path)
    assert OLD_OPEN.encode() in database_bytes(path) and OLD_REJECTED.encode() in database_bytes(path)
    environ = {k: v for k, v in os.environ.items() if k != "FAQBOT_RETENTION_DAYS"}
    # the proposals are dated 2026 by a fixed clock; 0 days keeps nothing older than now
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "purge_exchanges.py"), "--older-than", "0"],
                            env={**environ, "FAQBOT_DB": str(path)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "未処理の言い換え候補: 2件" in result.stdout
    assert "却下した言い換え候補の文面（再提案を防ぐ印は残ります）: 2件" in result.stdout
    data = database_bytes(path)
    for wording in (OLD_OPEN, OLD_REJECTED, NEW_OPEN, NEW_REJECTED):
        assert wording.encode() not in data   # overwritten, not just unlinked
    assert OLD_ACCEPTED.encode() in data      # an accepted wording is the FAQ's own text
