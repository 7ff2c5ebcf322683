#!/usr/bin/env python
"""Calibrate fusion weights and decision thresholds, on one or more collections at once.

python benchmarks/calibrate.py [--set NAME FAQ.jsonl QUERIES.jsonl QRELS.json [SPLIT.json]] ...
                               [--strip-alts NAME] [--variant NAME KIND FROM] [--merge NAME SET SET ...]
                               [--lexical] [--grid] [--calibration]

Without --set: the seed FAQ with the dev set ("seed"), and the seed FAQ with its alt questions
and tags removed ("seed-plain", the shape of a city's FAQ export). With SPLIT.json only the
queries of its "tune" half are read; the "report" half is never loaded.

Every query is searched once; the per-FAQ signals (BM25 of the question and answer fields,
cosine to the question and to the answer passages) are kept and fused again for every
weight setting, so a grid costs seconds, not a rebuild. Printed per collection:
- ranking quality of lexical-only, dense-only and fused variants (and with --lexical a plain
  BM25 from the `bm25s` library on the same tokens, side by side with ours);
- for answer-threshold / margin pairs: how many in-scope queries get a confident answer,
  how often that answer is right (top-1 graded 2), how many out-of-scope queries are
  answered (must be 0), and the answer / もしかして / desk mix;
- with --calibration, the study of per-collection thresholds (index.calibration, not used by the Searcher):
  each collection's leave-one-out statistics (its own questions searched without their entry), the shift the
  rule derives from them, and the decisions with the fixed thresholds against the calibrated ones, beside the
  shift that the judged queries would have chosen (the smallest keeping ≥ 95 % of answers right).

Variants (--variant NAME KIND FROM, a copy of the --set FROM, to see whether the rule transfers):
short-questions (the questions without their polite endings), answer-questions (each question replaced by
the first sentence of its answer), double-answers (each answer written twice). --merge NAME A B …: one FAQ
of several sets (ids prefixed where they collide), each set's queries judged on its own entries only."""
from __future__ import annotations

import argparse
import glob
import json
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from faq.formats import read_many
from faq.text import normalize_query
from index.build import build_index, lexical_docs
from index.calibration import (
    MIN_ENTRIES,
    AbsentStats,
    Calibration,
    absent_stats,
    answered_share,
    derive,
    pseudo_queries,
    sample_positions,
)
from index.config import cache_from_env
from index.embedders import BundledE5Embedder
from index.evaluation import QueryResult, load_qrels, load_queries, metrics
from index.lexical import JapaneseTokenizer
from index.search import (
    ANSWER,
    FALLBACK,
    SUGGEST,
    Candidate,
    SearchConfig,
    Searcher,
    Signals,
    decide,
    fuse,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Collection:
    name: str
    entries: list
    queries: list[dict]
    qrels: dict[str, dict[str, int]]
    signals: list[Signals] | None = None
    unknown_place: list[bool] | None = None   # per query: names a place no entry mentions
    ids: list[str] | None = None
    snapshot: object = None
    calibration: Calibration | None = None
    absent: AbsentStats | None = None


def load_set(name, faq, queries, qrels, split=None, strip_alts=False) -> Collection:
    entries = read_many([faq]) if isinstance(faq, str) else read_many(faq)
    if strip_alts:
        entries = [replace(e, alt_questions=[], tags=[]) for e in entries]
    qs = load_queries(queries)
    judged = load_qrels(qrels)
    if split:
        tune = set(json.loads(Path(split).read_text(encoding="utf-8"))["tune"])
        qs = [q for q in qs if q["id"] in tune]  # the report half is never looked at
        judged = {k: v for k, v in judged.items() if k in tune}
    # a query with no grade > 0 is out of scope, whether it has an empty entry or none
    judged = {k: v for k, v in judged.items() if any(g > 0 for g in v.values())}
    return Collection(name, entries, qs, judged)


def _short_question(q: str) -> str:
    """The question without its polite ending (「…を教えてください。」→「…」), as a terse FAQ would word it."""
    short = re.sub(r"(について)?(を)?(教えてください|知りたい|どうすればよいですか|どうすればいいですか|どうしたらよいですか)[。？?]*$",
                   "", q)
    short = re.sub(r"(は|を|に|が)?(ありますか|できますか|いつですか|どこですか|ですか|ますか)[。？?]*$", "", short)
    return short.rstrip("。？?") or q


def _first_sentence(answer: str) -> str:
    return re.split(r"(?<=[。\n])", answer.strip())[0].strip()[:120] or answer[:120]


VARIANTS = {
    "short-questions": lambda e: replace(e, question=_short_question(e.question)),
    "answer-questions": lambda e: replace(e, question=_first_sentence(e.answer), alt_questions=[]),
    "double-answers": lambda e: replace(e, answer=e.answer + "\n\n" + e.answer),
}


def variant(name: str, kind: str, base: Collection) -> Collection:
    return Collection(name, [VARIANTS[kind](e) for e in base.entries], base.queries, base.qrels)


def merge(name: str, parts: list[Collection]) -> Collection:
    """One FAQ of several collections. An entry whose id is taken gets a prefix; a query is judged on the
    entries of its own collection, and a prefixed copy of an entry gets that entry's grade (seed and
    seed-plain share their queries, once)."""
    entries, queries, qrels, ids, copies = [], [], {}, set(), {}
    for part in parts:
        prefix = f"{part.name}:" if ids & {e.id for e in part.entries} else ""
        for e in part.entries:
            entries.append(replace(e, id=prefix + e.id))
            ids.add(prefix + e.id)
            copies.setdefault(e.id, []).append(prefix + e.id)
    seen = set()
    for part in parts:
        for q in part.queries:
            if (q["id"], q["text"]) not in seen:
                seen.add((q["id"], q["text"]))
                queries.append(q)
        for qid, judged in part.qrels.items():
            qrels.setdefault(qid, {}).update({c: g for f, g in judged.items() for c in copies.get(f, [f])})
    return Collection(name, entries, queries, qrels)


def collect(col: Collection, embedder, cache, tmp: Path) -> None:
    build_index(col.entries, tmp / col.name, embedder, cache)
    ranker = Searcher(tmp / col.name, lambda: embedder).ranker()
    col.snapshot = ranker.snap
    col.ids = [e.id for e in col.entries if e.active]
    col.signals = [ranker.signals(normalize_query(q["text"])[:500]) for q in col.queries]
    col.unknown_place = [bool(ranker.unknown_places(normalize_query(q["text"])[:500])) for q in col.queries]
    snap = col.snapshot
    if snap.has_dense:  # the pseudo-queries of the build's entries (a flat index: its vectors are readable)
        vectors = snap.vectors.index.reconstruct_n(0, snap.vectors.size)
        entries = list(snap.entries)
        tok = JapaneseTokenizer(tuple(snap.manifest["lexical_features"]))
        pqs = pseudo_queries([e.question for e in entries], [e.answer for e in entries], snap.bm25_questions,
                             snap.bm25_answers, tok, vectors, snap.owners, snap.kinds,
                             sample_positions(len(entries)))
        col.absent = absent_stats(pqs, SearchConfig())
        if len(entries) >= MIN_ENTRIES:
            col.calibration = derive(col.absent, SearchConfig())


def ranked(col: Collection, cfg: SearchConfig, k: int = 10) -> list[np.ndarray]:
    out = []
    for s in col.signals:
        score = fuse(s, cfg).score
        top = np.argpartition(-score, min(k, len(score) - 1))[:k]
        out.append(top[np.argsort(-score[top], kind="stable")])
    return out


def ranking_metrics(col: Collection, cfg: SearchConfig) -> dict:
    results = [QueryResult(q["id"], q["text"], [col.ids[i] for i in top], "", 0.0)
               for q, top in zip(col.queries, ranked(col, cfg))]
    return metrics(results, col.qrels)


def decisions(col: Collection, cfg: SearchConfig) -> dict:
    counts = {"in": {ANSWER: 0, SUGGEST: 0, FALLBACK: 0}, "oos": {ANSWER: 0, SUGGEST: 0, FALLBACK: 0}}
    right = unjudged = 0   # unjudged: answered with an entry the query has no grade for (merged sets)
    for q, s, place in zip(col.queries, col.signals, col.unknown_place):
        fused = fuse(s, cfg)
        top = np.argsort(-fused.score, kind="stable")[:max(3, cfg.suggest_max)]
        cands = [Candidate(col.snapshot.entries[i], float(fused.score[i]),
                           float(fused.dense[i]) if fused.dense is not None else 0.0, float(fused.lexical[i]))
                 for i in top]
        decision, _, _ = decide(q["text"], cands, cfg, lexical_only=fused.dense is None, unknown_place=lambda: place)
        judged = col.qrels.get(q["id"])
        counts["in" if judged else "oos"][decision] += 1
        if judged and decision == ANSWER and judged.get(cands[0].entry.id, 0) >= 2:
            right += 1
        if judged and decision == ANSWER and cands[0].entry.id not in judged:
            unjudged += 1
    n_in = sum(counts["in"].values())
    answered = counts["in"][ANSWER]
    return {"n_in": n_in, "n_oos": sum(counts["oos"].values()), "answer_rate": answered / max(n_in, 1),
            "precision": right / max(answered, 1), "wrong": answered - right, "unjudged": unjudged, **counts}


def lexical_comparison(col: Collection) -> None:
    """Our per-field BM25 against a plain one-field BM25 (ours and bm25s) on the same tokens."""
    import bm25s

    from index.lexical import BM25, JapaneseTokenizer
    tok = JapaneseTokenizer()
    entries = [e for e in col.entries if e.active]
    q_docs, a_docs = (list(d) for d in lexical_docs(entries, tok))
    joined = [q + a for q, a in zip(q_docs, a_docs)]
    ours_single = BM25().fit(joined)
    lib = bm25s.BM25(k1=1.2, b=0.75)
    lib.index(joined, show_progress=False)
    rows = {"ours: question + answer fields (default)": None, "ours: one field": ours_single,
            "bm25s 0.2.14: one field, same tokens": lib}
    print(f"  {'lexical only':44s} nDCG@10 R@10  Hit@1 Hit@3 MRR@10")
    for label, model in rows.items():
        if model is None:
            m = ranking_metrics(col, SearchConfig(dense_weight=0.0))
        else:
            results = []
            for q in col.queries:
                tokens = list(dict.fromkeys(tok.tokens(q["text"])))
                known = [t for t in tokens if t in model.vocab_dict] if not isinstance(model, BM25) else tokens
                score = (model.scores(tokens) if isinstance(model, BM25)
                         else model.get_scores(known) if known else np.zeros(len(col.ids)))
                top = np.argsort(-np.asarray(score), kind="stable")[:10]
                results.append(QueryResult(q["id"], q["text"], [col.ids[i] for i in top], "", 0.0))
            m = metrics(results, col.qrels)
        print(f"  {label:44s} {m['ndcg@10']:.3f}   {m['recall@10']:.3f} {m['hit@1']:.3f} {m['hit@3']:.3f} "
              f"{m['mrr@10']:.3f}")


def print_ranking(col: Collection, grid: bool) -> None:
    base = SearchConfig()
    variants = {"lexical only (BM25 fields)": dict(dense_weight=0.0),
                "dense only": dict(dense_weight=1.0),
                "dense only, question vectors": dict(dense_weight=1.0, passage_weight=0.0),
                "dense only, answer passages": dict(dense_weight=1.0, passage_weight=1.0),
                "fused (default)": {}}
    if grid:
        for dw in (0.45, 0.5, 0.55, 0.6):
            for pw in (0.5, 0.6, 0.7, 0.8, 0.9):
                for ql in (0.4, 0.5, 0.6):
                    variants[f"fused d={dw} p={pw} qlex={ql}"] = dict(dense_weight=dw, passage_weight=pw,
                                                                     question_lex_weight=ql)
    print(f"  {'variant':44s} nDCG@10 R@10  Hit@1 Hit@3 MRR@10")
    for label, change in variants.items():
        m = ranking_metrics(col, replace(base, **change))
        print(f"  {label:44s} {m['ndcg@10']:.3f}   {m['recall@10']:.3f} {m['hit@1']:.3f} {m['hit@3']:.3f} "
              f"{m['mrr@10']:.3f}")


def print_decisions(cols: list[Collection], grid: bool) -> None:
    base = SearchConfig()
    pairs = [(base.answer_threshold, base.answer_margin)]
    if grid:
        pairs += [(t, m) for t in (0.45, 0.5, 0.55, 0.6, 0.65) for m in (0.03, 0.06, 0.1)]
    print("answer-thr margin | " + " | ".join(f"{c.name}: answered precision wrong OOS-ans  mix(in: ans/sug/desk)"
                                             for c in cols))
    rows = [(f"{t:10.2f} {m:6.3f}", replace(base, answer_threshold=t, answer_margin=m)) for t, m in pairs]
    rows.append(("lexical only (degraded)", replace(base, dense_weight=0.0)))
    for label, cfg in rows:
        cells = []
        for c in cols:
            d = decisions(c, cfg)
            mix = "/".join(f"{d['in'][k] / max(d['n_in'], 1):.0%}" for k in (ANSWER, SUGGEST, FALLBACK))
            cells.append(f"{d['answer_rate']:6.1%} {d['precision']:6.1%} {d['wrong']:3d} "
                         f"{d['oos'][ANSWER]:2d}/{d['n_oos']:<3d} {mix}")
        print(f"{label:17s} | " + " | ".join(cells))


def print_suggest(cols: list[Collection]) -> None:
    """Where the desk starts: in-scope queries sent to the desk should be few, out-of-scope ones many."""
    base = SearchConfig()
    print("\nsuggest-thr | " + " | ".join(f"{c.name}: in-scope→desk  out-of-scope→desk" for c in cols))
    for st in sorted({0.3, 0.35, 0.4, 0.45, 0.5, base.suggest_threshold}):
        cells = []
        for c in cols:
            d = decisions(c, replace(base, suggest_threshold=st))
            cells.append(f"{d['in'][FALLBACK]:3d}/{d['n_in']:<3d} {d['in'][FALLBACK] / max(d['n_in'], 1):5.1%}   "
                         f"{d['oos'][FALLBACK]:3d}/{d['n_oos']:<3d}")
        print(f"{st:11.2f} | " + " | ".join(cells))


def best_shift(col: Collection, target: float = 0.95) -> float | None:
    """The smallest threshold shift at which ≥ `target` of the confident answers are right (judged queries:
    what the rule should land near, never an input to it)."""
    base = SearchConfig()
    for k in range(-20, 31):
        shift = k * 0.005
        d = decisions(col, _shifted(base, shift))
        if d["precision"] >= target and d["in"][ANSWER] > 0:
            return shift
    return None


def _shifted(cfg: SearchConfig, shift: float) -> SearchConfig:
    return replace(cfg, answer_threshold=cfg.answer_threshold + shift, strong_threshold=cfg.strong_threshold + shift,
                   suggest_threshold=cfg.suggest_threshold + shift)


def print_calibration(cols: list[Collection]) -> None:
    base = SearchConfig()
    print("\nleave-one-out pseudo-queries (own entry absent): fused top p50/p90, lead p50/p90, "
          "answered at the fixed thresholds; the derived shift; the judged queries' best shift (≥ 95 % right)")
    for c in cols:
        a, cal = c.absent, c.calibration
        if a is None:
            print(f"  {c.name:16s} no vectors")
            continue
        best = best_shift(c)
        pct = lambda x, q: float(np.percentile(x, q)) if len(x) else 0.0  # noqa: E731
        print(f"  {c.name:16s} n={len(a.top):3d} top {pct(a.top, 50):.3f}/{pct(a.top, 90):.3f} "
              f"lead {pct(a.lead, 50):.3f}/{pct(a.lead, 90):.3f} answered@fixed {answered_share(a, base, 0.0):5.1%} "
              f"| shift {('%+.3f' % cal.shift) if cal else 'none (too few entries)':>6s} "
              f"| best shift {('%+.3f' % best) if best is not None else 'none':>6s}")
    print("\nsetting            | answered precision wrong unjudged OOS-answered | in-scope answer/もしかして/desk "
          "| OOS→desk")
    for c in cols:
        settings = [("fixed", base)]
        if c.calibration is not None:
            settings.append((f"calibrated {c.calibration.shift:+.3f}", c.calibration.apply(base)))
        for label, cfg in settings:
            d = decisions(c, cfg)
            mix = "/".join(f"{d['in'][k] / max(d['n_in'], 1):.0%}" for k in (ANSWER, SUGGEST, FALLBACK))
            print(f"  {c.name:16s} {label:18s} | {d['answer_rate']:6.1%} {d['precision']:6.1%} {d['wrong']:3d} "
                  f"{d['unjudged']:3d} {d['oos'][ANSWER]:2d}/{d['n_oos']:<3d} | {mix} "
                  f"| {d['oos'][FALLBACK]}/{d['n_oos']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", nargs="+", action="append", metavar="ARG",
                    help="NAME FAQ.jsonl QUERIES.jsonl QRELS.json [SPLIT.json] (repeatable)")
    ap.add_argument("--strip-alts", action="append", default=[], metavar="NAME",
                    help="drop alt questions and tags of that --set's FAQ")
    ap.add_argument("--variant", nargs=3, action="append", default=[], metavar=("NAME", "KIND", "FROM"),
                    help=f"a copy of the set FROM changed by KIND ({', '.join(VARIANTS)})")
    ap.add_argument("--merge", nargs="+", action="append", default=[], metavar="NAME",
                    help="NAME SET SET ...: one FAQ of several sets")
    ap.add_argument("--calibration", action="store_true", help="the per-build calibration study")
    ap.add_argument("--lexical", action="store_true", help="compare with a plain bm25s BM25 (pip install bm25s)")
    ap.add_argument("--grid", action="store_true", help="try a grid of weights and thresholds")
    args = ap.parse_args()
    if args.set:
        cols = [load_set(s[0], s[1], s[2], s[3], s[4] if len(s) > 4 else None, s[0] in args.strip_alts)
                for s in args.set]
    else:
        seed = sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl")))
        dev = (str(ROOT / "tests" / "data" / "dev_queries.jsonl"), str(ROOT / "tests" / "data" / "dev_qrels.json"))
        cols = [load_set("seed", seed, *dev), load_set("seed-plain", seed, *dev, strip_alts=True)]
    by_name = {c.name: c for c in cols}
    for name, kind, base in args.variant:
        by_name[name] = variant(name, kind, by_name[base])
    for name, *parts in args.merge:
        by_name[name] = merge(name, [by_name[p] for p in parts])
    cols = list(by_name.values())
    embedder, cache = BundledE5Embedder(), cache_from_env()
    with tempfile.TemporaryDirectory() as tmp:
        for col in cols:
            collect(col, embedder, cache, Path(tmp))
            print(f"\n== {col.name}: {len(col.ids)} FAQ, {len(col.queries)} queries "
                  f"({len(col.qrels)} in scope)")
            print_ranking(col, args.grid)
            if args.lexical:
                lexical_comparison(col)
        print()
        print_decisions(cols, args.grid)
        if args.grid:
            print_suggest(cols)
        if args.calibration:
            print_calibration(cols)
    cache.close()


if __name__ == "__main__":
    main()
