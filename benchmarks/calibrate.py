#!/usr/bin/env python
"""Calibrate fusion weights and decision thresholds, on one or more collections at once.

python benchmarks/calibrate.py [--set NAME FAQ.jsonl QUERIES.jsonl QRELS.json [SPLIT.json]] ...
                               [--strip-alts NAME] [--lexical] [--grid]

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
  answered (must be 0), and the answer / もしかして / desk mix."""
from __future__ import annotations

import argparse
import glob
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from faq.formats import read_many
from faq.text import normalize_query
from index.build import build_index, lexical_docs
from index.config import cache_from_env
from index.embedders import BundledE5Embedder
from index.evaluation import QueryResult, load_qrels, load_queries, metrics
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
    ids: list[str] | None = None
    snapshot: object = None


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


def collect(col: Collection, embedder, cache, tmp: Path) -> None:
    build_index(col.entries, tmp / col.name, embedder, cache)
    ranker = Searcher(tmp / col.name, lambda: embedder).ranker()
    col.snapshot = ranker.snap
    col.ids = [e.id for e in col.entries if e.active]
    col.signals = [ranker.signals(normalize_query(q["text"])[:500]) for q in col.queries]


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
    right = 0
    for q, s in zip(col.queries, col.signals):
        fused = fuse(s, cfg)
        top = np.argsort(-fused.score, kind="stable")[:max(3, cfg.suggest_max)]
        cands = [Candidate(col.snapshot.entries[i], float(fused.score[i]),
                           float(fused.dense[i]) if fused.dense is not None else 0.0, float(fused.lexical[i]))
                 for i in top]
        decision, _, _ = decide(q["text"], cands, cfg, lexical_only=fused.dense is None)
        judged = col.qrels.get(q["id"])
        counts["in" if judged else "oos"][decision] += 1
        if judged and decision == ANSWER and judged.get(cands[0].entry.id, 0) >= 2:
            right += 1
    n_in = sum(counts["in"].values())
    answered = counts["in"][ANSWER]
    return {"n_in": n_in, "n_oos": sum(counts["oos"].values()), "answer_rate": answered / max(n_in, 1),
            "precision": right / max(answered, 1), "wrong": answered - right, **counts}


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
        for dw in (0.4, 0.5, 0.6):
            for pw in (0.3, 0.5, 0.7):
                for ql in (0.5, 0.6, 0.7):
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", nargs="+", action="append", metavar="ARG",
                    help="NAME FAQ.jsonl QUERIES.jsonl QRELS.json [SPLIT.json] (repeatable)")
    ap.add_argument("--strip-alts", action="append", default=[], metavar="NAME",
                    help="drop alt questions and tags of that --set's FAQ")
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
    cache.close()


if __name__ == "__main__":
    main()
