"""「言い換え候補」: residents' own wordings proposed as alternative questions of an FAQ entry.

A city's imported FAQ has one question per entry; the words residents actually use are the best
alternative questions. A wording is *proposed* here, never added on its own:

- from the conversation: a resident picked a 「もしかして」 choice and tapped 「解決した」; the question
  they typed (already masked, as stored in ``bot_exchanges``) is proposed for the picked entry;
- from 「未回答の質問」: staff say an existing entry answers a group; its questions are proposed.

The same wording (compared by :func:`wording_key`) for the same entry is one proposal whose count goes
up. Not proposed: a wording that still holds a masked token (phone, e-mail …) or other personal data,
one without Japanese script (translations as alt questions draw other-language queries to the few
translated entries), one longer than :data:`WORDING_MAX`, one that already is the entry's question or an
alt question, and one that was rejected before.

Deciding follows the draft rule (:mod:`bot.console.drafts`): an administrator's accept adds the wording
to the entry's ``alt_questions`` through ``FaqStore`` (history and undo hold); a staff member who is not
an administrator *endorses* it and an administrator adds it (the history names both). Anyone may
reject a proposal nobody has endorsed; a rejected one stays as history and is not proposed again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from bot.console.database import ConsoleDatabase, key_digest
from bot.records.privacy import (
    ADDRESS_MASK,
    CARD_MASK,
    EMAIL_MASK,
    MY_NUMBER_MASK,
    NUMBER_MASK,
    PHONE_MASK,
    POSTAL_MASK,
    mask_personal_data,
)
from faq.clock import SYSTEM_CLOCK, Clock
from faq.db import dialect, transaction
from faq.model import FaqEntry
from faq.text import normalize_query

RESIDENT, STAFF, BOTH = "resident", "staff", "both"
PROPOSED, ENDORSED, ACCEPTED, REJECTED = "proposed", "endorsed", "accepted", "rejected"
OPEN = (PROPOSED, ENDORSED)

# A resident's long message with its context is not an alternative question.
WORDING_MAX = 100
LIST_LIMIT = 300
_MASKS = (EMAIL_MASK, CARD_MASK, MY_NUMBER_MASK, PHONE_MASK, POSTAL_MASK, ADDRESS_MASK, NUMBER_MASK)
_STRIP = re.compile(r"[\W_]+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")

# Why a wording was not proposed (for tests and the staff page's message).
SKIP_EMPTY, SKIP_PERSONAL, SKIP_LONG, SKIP_FOREIGN = "empty", "personal-data", "too-long", "not-japanese"
SKIP_NO_ENTRY, SKIP_KNOWN, SKIP_DECIDED = "no-entry", "already-a-question", "decided-before"


class ProposalError(ValueError):
    """A refused decision; the message is Japanese and safe to show."""


def endorsed_actor(approver: str, endorser: str) -> str:
    """What the FAQ history records for an endorsed wording an administrator added: both people."""
    return f"{approver}（推薦: {endorser}）"


def wording_key(text: str) -> str:
    """What makes two wordings the same: NFKC, lower case, no spaces, punctuation or symbols."""
    return _STRIP.sub("", normalize_query(text).lower())


def unusable(wording: str) -> str | None:
    """Why ``wording`` (already normalized) cannot be an alternative question, or None."""
    if not wording_key(wording):
        return SKIP_EMPTY
    if any(mask in wording for mask in _MASKS) or mask_personal_data(wording).masked:
        return SKIP_PERSONAL
    if len(wording) > WORDING_MAX:
        return SKIP_LONG
    if not _JAPANESE.search(wording):
        return SKIP_FOREIGN
    return None


@dataclass(frozen=True)
class Proposal:
    id: int
    faq_id: str
    wording: str
    source: str             # resident | staff | both
    times: int
    first_seen: str
    last_seen: str
    status: str             # proposed | endorsed | accepted | rejected
    endorsed_by: str | None
    endorsed_at: str | None
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True)
class ProposalGroup:
    """The open proposals of one entry, as the page lists them."""
    faq_id: str
    question: str | None    # None: the entry is gone or withdrawn
    proposals: tuple[Proposal, ...]


@dataclass(frozen=True)
class Proposed:
    """What became of one wording: the proposal (new or counted), or why it was skipped."""
    proposal: Proposal | None
    skipped: str | None = None


@dataclass(frozen=True)
class ProposalPurge:
    """What the retention purge did to proposals (or would do, on a dry run)."""
    open_deleted: int       # never decided, last proposed before the cutoff
    rejected_erased: int    # rejected before the cutoff: wording erased, its digest kept


@dataclass(frozen=True)
class Decided:
    proposal: Proposal
    entry: FaqEntry | None  # the entry with the wording added (None: endorsed or rejected)


_COLUMNS = ("id, faq_id, wording, source, times, first_seen, last_seen, status, endorsed_by, endorsed_at, "
            "decided_by, decided_at")


class ProposalStore:
    """Owner of ``console_alt_proposals``. ``entry(faq_id)``: the published entry or None."""

    def __init__(self, database: ConsoleDatabase, entry: Callable[[str], FaqEntry | None],
                 clock: Clock = SYSTEM_CLOCK):
        self.database = database
        self.entry = entry
        self.clock = clock

    # -- proposing -----------------------------------------------------------------------
    def propose(self, faq_id: str, wording: str, source: str, times: int = 1) -> Proposed:
        wording = normalize_query(wording)
        reason = unusable(wording)
        if reason:
            return Proposed(None, reason)
        entry = self.entry(faq_id)
        if entry is None:
            return Proposed(None, SKIP_NO_ENTRY)
        key = wording_key(wording)
        if key in {wording_key(q) for q in (entry.question, *entry.alt_questions)}:
            return Proposed(None, SKIP_KNOWN)
        now = self.clock.now_iso()
        # A rejected or accepted row is left alone: RETURNING then gives no row.
        rows = self.database.conn().execute(
            "INSERT INTO console_alt_proposals (faq_id, wording, wording_key, source, times, first_seen, last_seen, "
            "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (faq_id, wording_key) DO UPDATE SET times = console_alt_proposals.times + excluded.times, "
            "last_seen = excluded.last_seen, source = CASE WHEN console_alt_proposals.source = excluded.source "
            "THEN console_alt_proposals.source ELSE ? END "
            "WHERE console_alt_proposals.status IN (?, ?) RETURNING id",
            [faq_id, wording, key_digest(key), source, int(times), now, now, PROPOSED, BOTH, *OPEN]).fetchall()
        if not rows:
            return Proposed(None, SKIP_DECIDED)
        return Proposed(self.get(rows[0][0]))

    def from_resident(self, faq_id: str, wording: str) -> Proposed:
        """The conversation's hook: a resident's 「もしかして」 choice resolved their question."""
        return self.propose(faq_id, wording, RESIDENT)

    # -- reading -------------------------------------------------------------------------
    def get(self, proposal_id: int) -> Proposal | None:
        row = self.database.conn().execute(f"SELECT {_COLUMNS} FROM console_alt_proposals WHERE id = ?",
                                           [proposal_id]).fetchone()
        return Proposal(*row) if row else None

    def open_groups(self, newest_first: bool = False, limit: int = LIST_LIMIT) -> list[ProposalGroup]:
        """Open proposals grouped by entry: most proposed first (or newest first); an entry's place is its
        first proposal's."""
        order = "last_seen DESC, id DESC" if newest_first else "times DESC, last_seen DESC, id DESC"
        rows = self.database.conn().execute(
            f"SELECT {_COLUMNS} FROM console_alt_proposals WHERE status IN (?, ?) ORDER BY {order} LIMIT ?",
            [*OPEN, limit]).fetchall()
        grouped: dict[str, list[Proposal]] = {}
        for row in rows:
            proposal = Proposal(*row)
            grouped.setdefault(proposal.faq_id, []).append(proposal)
        groups = []
        for faq_id, proposals in grouped.items():
            entry = self.entry(faq_id)
            groups.append(ProposalGroup(faq_id, entry.question if entry else None, tuple(proposals)))
        return groups

    def open_count(self) -> int:
        return int(self.database.conn().execute(
            "SELECT count(*) FROM console_alt_proposals WHERE status IN (?, ?)", list(OPEN)).fetchone()[0])

    def recent_decided(self, limit: int = 30) -> list[Proposal]:
        return [Proposal(*r) for r in self.database.conn().execute(
            f"SELECT {_COLUMNS} FROM console_alt_proposals WHERE status IN (?, ?) ORDER BY decided_at DESC, id DESC "
            "LIMIT ?", [ACCEPTED, REJECTED, limit]).fetchall()]

    # -- deciding ------------------------------------------------------------------------
    def _open(self, proposal_id: int) -> Proposal:
        proposal = self.get(proposal_id)
        if proposal is None:
            raise ProposalError(f"言い換え候補 #{proposal_id} が見つかりません。")
        if proposal.status not in OPEN:
            raise ProposalError(f"言い換え候補 #{proposal_id} はすでに処理されています。")
        return proposal

    def _mark(self, proposal: Proposal, status: str, staff: str) -> Proposal:
        now = self.clock.now_iso()
        if status == ENDORSED:
            sql, params = "SET status = ?, endorsed_by = ?, endorsed_at = ?", [status, staff, now]
        else:
            sql, params = "SET status = ?, decided_by = ?, decided_at = ?", [status, staff, now]
        cur = self.database.conn().execute(f"UPDATE console_alt_proposals {sql} WHERE id = ? AND status = ?",
                                           [*params, proposal.id, proposal.status])
        if cur.rowcount != 1:
            raise ProposalError(f"言い換え候補 #{proposal.id} はほかの職員が先に処理しました。")
        return self.get(proposal.id)

    def accept(self, proposal_id: int, staff: str, is_admin: bool,
               add_alt: Callable[[str, str, str], FaqEntry]) -> Decided:
        """An administrator adds the wording (``add_alt(faq_id, wording, actor)``, the FAQ's own
        transaction; if it raises, the proposal stays open); anyone else endorses it for an administrator."""
        proposal = self._open(proposal_id)
        if not is_admin:
            if proposal.status == ENDORSED:
                raise ProposalError("この言い換え候補は管理者の承認待ちです。")
            return Decided(self._mark(proposal, ENDORSED, staff), None)
        if proposal.status == ENDORSED and proposal.endorsed_by == staff:
            raise ProposalError("自分で推薦した言い換えは、ほかの管理者が承認します。")
        actor = endorsed_actor(staff, proposal.endorsed_by) if proposal.status == ENDORSED else staff
        entry = add_alt(proposal.faq_id, proposal.wording, actor)
        return Decided(self._mark(proposal, ACCEPTED, staff), entry)

    def reject(self, proposal_id: int, staff: str, is_admin: bool) -> Decided:
        proposal = self._open(proposal_id)
        if proposal.status == ENDORSED and not is_admin:
            raise ProposalError("推薦済みの言い換え候補を却下できるのは管理者です。")
        return Decided(self._mark(proposal, REJECTED, staff), None)

    # -- retention -----------------------------------------------------------------------
    def purge(self, older_than_days: int, dry_run: bool = False) -> ProposalPurge:
        """Residents' wordings are kept no longer than their conversations (FAQBOT_RETENTION_DAYS):
        an open proposal last proposed before the cutoff is deleted (it is proposed anew if residents
        keep using the wording); a rejected one keeps its key digest and loses its wording, so it is
        still never proposed again. An accepted wording is the FAQ's own text now and stays."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff = self.clock.iso_ago(timedelta(days=older_than_days))
        conn = self.database.conn()
        open_where = "status IN (?, ?) AND last_seen < ?"
        rejected_where = "status = ? AND decided_at < ? AND wording <> ''"
        if not dry_run and dialect(conn) == "sqlite":
            conn.execute("PRAGMA secure_delete = ON")   # overwritten in the file, not just unlinked
        with transaction(conn):
            if dry_run:
                count = "SELECT count(*) FROM console_alt_proposals WHERE "
                deleted = conn.execute(count + open_where, [*OPEN, cutoff]).fetchone()[0]
                erased = conn.execute(count + rejected_where, [REJECTED, cutoff]).fetchone()[0]
            else:
                deleted = conn.execute("DELETE FROM console_alt_proposals WHERE " + open_where,
                                       [*OPEN, cutoff]).rowcount
                erased = conn.execute("UPDATE console_alt_proposals SET wording = '' WHERE " + rejected_where,
                                      [REJECTED, cutoff]).rowcount
        return ProposalPurge(int(deleted), int(erased))
