#!/usr/bin/env python
"""言い換え候補 simulation: residents' own wordings as alt questions, measured on held-out queries.

python benchmarks/bench_proposals.py [--set municipal|log|everyday|seed] [--staff] [--cache PATH] [--json]

municipal, log, everyday (benchmarks/data/municipal/, 620 entries without alt questions; the LINE-message, the
search-log-style or the everyday-words query set, each with its own split): the tune-half queries are replayed
as residents. When the bot answers 「もしかして」 (decision ``suggest``) and one of the choices it shows is judged
2 for the query, the resident picks the first such choice and taps 「解決した」: the question, read as the bot
reads it (NFKC, masked), is proposed through the console's ``ProposalStore`` (the same filters: personal data,
length, known wordings). Every proposal is accepted through ``ProposalStore.accept`` (``FaqStore`` with
history) and the index is rebuilt the way the console does it (``IndexRebuilder.build_once``). Hit@1, nDCG@10,
the confident-answer share and its precision are measured on the report half before and after, with the
default search settings. ``--staff`` adds what staff would do on 「未回答の質問」: a tune query that fell back
to the desk and has an entry judged 2 is answered with that entry (source staff), also accepted.

seed (faq/seed, 100 entries, tests/data/dev_queries.jsonl): the dev set has no tune/report split, so only the
rebuild after one accepted proposal is timed there.

Embeddings are cached (default var/proposals-cache.sqlite3; the first run embeds the whole collection). The
rebuild after one accept is the console's incremental rebuild with a warm cache in which the accepted wording
is new (it is dropped from a copy of the cache first, so reruns measure the same work).
"""
from __future__ import annotations

import argparse
import glob
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bot.console.database import ConsoleDatabase
from bot.console.proposals import STAFF, ProposalStore
from bot.console.rebuild import IndexRebuilder
from bot.conversation.turn import Utterance
from bot.faq_directory import FaqDirectory
from bot.settings import SettingsStore
from bot.storage import BotDatabase
from faq.formats import read_many
from faq.store import FaqStore
from index.cache import EmbeddingCache, _key
from index.embedders import BundledE5Embedder
from index.evaluation import load_qrels, load_queries, metrics, run_queries
from index.search import FALLBACK, SUGGEST, Searcher

ROOT = Path(__file__).resolve().parents[1]
MUNICIPAL = ROOT / "benchmarks" / "data" / "municipal"
ACTOR = "bench"


class Rig:
    """A temporary bot database (FAQ, console tables) and index, rebuilt like the console rebuilds."""

    def __init__(self, entries, work: Path, embedder, cache_path: Path):
        self.db = work / "faqbot.sqlite3"
        self.index_dir = work / "index"
        self.embedder = embedder
        self.cache_path = cache_path   # the first build warms the lasting cache ...
        store = FaqStore.open(self.db)
        try:
            store.import_entries(entries, actor=ACTOR)
        finally:
            store.close()
        console = ConsoleDatabase(self.db)
        self.proposals = ProposalStore(console, FaqDirectory(console.conn).get)
        self.rebuilder = IndexRebuilder(SettingsStore(BotDatabase(self.db)), self.db, self.index_dir,
                                        lambda: embedder, lambda: EmbeddingCache(self.cache_path))
        self.rebuild()
        # ... later builds use a copy, so that the text an accept adds can be made new again (forget)
        self.cache_path = work / "cache.sqlite3"
        with sqlite3.connect(cache_path) as source, sqlite3.connect(self.cache_path) as copy:
            source.backup(copy)
        self.searcher = Searcher(self.index_dir, lambda: embedder)   # swaps in each new build

    def rebuild(self) -> tuple[float, int]:
        """Seconds and the number of texts embedded (not in the cache)."""
        started = time.perf_counter()
        report = self.rebuilder.build_once()
        return time.perf_counter() - started, report.embedded

    def forget(self, wording: str) -> None:
        """Drop the wording's cached vector (earlier runs of this benchmark embedded it)."""
        with sqlite3.connect(self.cache_path) as conn:
            conn.execute("DELETE FROM embeddings WHERE model = ? AND key = ?",
                         [self.embedder.name, _key("query", wording)])

    def accept_first(self) -> tuple[str, float, int]:
        """Accept the top proposal as a new text and time the console's rebuild."""
        first = self.proposals.open_groups(limit=1)[0].proposals[0]
        self.proposals.accept(first.id, ACTOR, True, self.add_alt)
        self.forget(first.wording)
        seconds, embedded = self.rebuild()
        return first.wording, seconds, embedded

    def add_alt(self, faq_id: str, wording: str, actor: str):
        store = FaqStore.open(self.db)
        try:
            return store.add_alt_question(faq_id, wording, actor)
        finally:
            store.close()

    def accept_all(self) -> int:
        accepted = 0
        for group in self.proposals.open_groups(limit=100_000):
            for p in group.proposals:
                self.proposals.accept(p.id, ACTOR, True, self.add_alt)
                accepted += 1
        return accepted


def replay(rig: Rig, queries: list[dict], qrels: dict, staff: bool) -> dict:
    """Tune queries as residents (and, with ``staff``, staff answering the unanswered ones)."""
    counts = {"queries": len(queries), "suggest": 0, "suggest_with_right_choice": 0, "fallback_with_answer": 0,
              "proposed": 0, "skipped": {}}
    for q in queries:
        said = Utterance.read(q["text"])
        outcome = rig.searcher.search(said.query)
        full = {fid for fid, g in qrels.get(q["id"], {}).items() if g >= 2}
        target, source = None, None
        if outcome.decision == SUGGEST:
            counts["suggest"] += 1
            target = next((c.entry.id for c in outcome.suggestions if c.entry.id in full), None)
            counts["suggest_with_right_choice"] += target is not None
            if said.masked:  # the conversation never proposes a masked question
                counts["skipped"]["masked"] = counts["skipped"].get("masked", 0) + 1
                continue
            source = "resident"
        elif staff and outcome.decision == FALLBACK and full:
            counts["fallback_with_answer"] += 1
            target, source = sorted(full)[0], STAFF
        if target is None:
            continue
        made = rig.proposals.propose(target, said.query, source)
        if made.proposal is None:
            counts["skipped"][made.skipped] = counts["skipped"].get(made.skipped, 0) + 1
        else:
            counts["proposed"] += 1
    return counts


QUERY_SETS = {"municipal": "", "log": "_log", "everyday": "_everyday"}   # file suffix of each query set


def municipal(embedder, cache_path: Path, staff: bool, query_set: str = "municipal") -> dict:
    suffix = QUERY_SETS[query_set]
    entries = read_many(sorted(glob.glob(str(MUNICIPAL / "faq_*.jsonl"))))
    queries = load_queries(MUNICIPAL / f"queries{suffix}.jsonl")
    qrels = load_qrels(MUNICIPAL / f"qrels{suffix}.json")
    split = json.loads((MUNICIPAL / f"split{suffix}.json").read_text(encoding="utf-8"))
    tune = [q for q in queries if q["id"] in set(split["tune"])]
    report = [q for q in queries if q["id"] in set(split["report"])]
    report_qrels = {k: v for k, v in qrels.items() if k in set(split["report"])}
    with tempfile.TemporaryDirectory(prefix="bench-proposals-") as tmp:
        rig = Rig(entries, Path(tmp), embedder, cache_path)
        ran_before = run_queries(rig.searcher, report)
        before = metrics(ran_before, report_qrels)
        counts = replay(rig, tune, qrels, staff)
        _, one_accept_s, one_embedded = rig.accept_first()
        accepted = 1 + rig.accept_all()
        rig.rebuild()
        ran_after = run_queries(rig.searcher, report)
        after = metrics(ran_after, report_qrels)
        improved = {p.faq_id for p in rig.proposals.recent_decided(limit=100_000)}
    shared = [q["id"] for q in report
              if any(g >= 2 and fid in improved for fid, g in report_qrels.get(q["id"], {}).items())]
    keys = ("hit@1", "ndcg@10", "answer_rate", "answer_precision")
    return {"set": query_set, "staff": staff, "entries": len(entries), "tune_queries": len(tune),
            "report_queries": len(report), "replay": counts, "accepted": accepted,
            "entries_with_new_alts": len(improved), "report_queries_on_those_entries": len(shared),
            "before": {k: before[k] for k in keys} | {"wrong_answers": _wrong(before)},
            "after": {k: after[k] for k in keys} | {"wrong_answers": _wrong(after)},
            "hit@1_gained": _changed(ran_after, ran_before, report_qrels),
            "hit@1_lost": _changed(ran_before, ran_after, report_qrels),
            "rebuild_after_one_accept_s": round(one_accept_s, 2), "texts_embedded_after_one_accept": one_embedded,
            }


def _changed(now, then, qrels) -> list[str]:
    """Report queries whose top entry is judged 2 in ``now`` but not in ``then``."""
    def right(r) -> bool:
        return bool(r.ranked_ids) and qrels.get(r.query_id, {}).get(r.ranked_ids[0], 0) >= 2
    return [a.query_id for a, b in zip(now, then) if right(a) and not right(b)]


def _wrong(m: dict) -> int:
    answered = round(m["answer_rate"] * m["n_judged"])
    return answered - round(m["answer_precision"] * answered)


def seed(embedder, cache_path: Path) -> dict:
    entries = read_many(sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl"))))
    queries = load_queries(ROOT / "tests" / "data" / "dev_queries.jsonl")
    qrels = load_qrels(ROOT / "tests" / "data" / "dev_qrels.json")
    with tempfile.TemporaryDirectory(prefix="bench-proposals-") as tmp:
        rig = Rig(entries, Path(tmp), embedder, cache_path)
        counts = replay(rig, queries, qrels, staff=False)
        wording, one_accept_s, one_embedded = rig.accept_first()
    return {"set": "seed", "entries": len(entries), "replay": counts, "accepted_wording": wording,
            "rebuild_after_one_accept_s": round(one_accept_s, 2), "texts_embedded_after_one_accept": one_embedded}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=(*QUERY_SETS, "seed"), default="municipal")
    ap.add_argument("--staff", action="store_true", help="also staff answering unanswered tune queries")
    ap.add_argument("--cache", type=Path, default=ROOT / "var" / "proposals-cache.sqlite3")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    embedder = BundledE5Embedder()
    result = (seed(embedder, args.cache) if args.set == "seed"
              else municipal(embedder, args.cache, args.staff, args.set))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
