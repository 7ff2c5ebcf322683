#!/usr/bin/env python
"""Calibrate fusion weights and decision thresholds on the dev set.

python benchmarks/calibrate.py [--faq FAQ.jsonl ...] [--queries Q] [--qrels R]

Prints (1) ranking quality for dense-only, BM25-only and fused variants, and
(2) for threshold pairs: how often the bot answers, how often such an answer is
right (top-1 fully answers the query), and how many out-of-scope queries get a
confident answer (must be 0)."""
from __future__ import annotations

import argparse
import glob
import tempfile
from pathlib import Path

from faq.formats import read_many
from index.build import build_index
from index.config import cache_from_env
from index.embedders import BundledE5Embedder
from index.evaluation import load_qrels, load_queries, metrics, run_queries
from index.lexical import JapaneseTokenizer
from index.search import ANSWER, SearchConfig, Searcher

ROOT = Path(__file__).resolve().parents[1]


def decision_quality(searcher, queries, qrels):
    right = wrong = oos_answered = n_in = n_oos = 0
    for q in queries:
        out = searcher.search(q["text"])
        judged = qrels.get(q["id"])
        if judged is None:
            n_oos += 1
            oos_answered += out.decision == ANSWER
            continue
        n_in += 1
        if out.decision == ANSWER:
            if judged.get(out.top.entry.id, 0) >= 2:
                right += 1
            else:
                wrong += 1
    answered = right + wrong
    return {"answer_rate": answered / max(n_in, 1), "answer_precision": right / max(answered, 1),
            "wrong_answers": wrong, "oos_answered": oos_answered, "n_oos": n_oos}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faq", nargs="*", default=sorted(glob.glob(str(ROOT / "faq" / "seed" / "*.jsonl"))))
    ap.add_argument("--queries", default=str(ROOT / "tests" / "data" / "dev_queries.jsonl"))
    ap.add_argument("--qrels", default=str(ROOT / "tests" / "data" / "dev_qrels.json"))
    ap.add_argument("--skip-weights", action="store_true")
    ap.add_argument("--only-tokenizers", action="store_true")
    args = ap.parse_args()
    entries = read_many(args.faq)
    queries, qrels = load_queries(args.queries), load_qrels(args.qrels)
    emb = BundledE5Embedder()
    cache = cache_from_env()
    with tempfile.TemporaryDirectory() as tmp:
        build_index(entries, Path(tmp), emb, cache)
        base = Searcher(tmp, lambda: emb)
        if not args.skip_weights and not args.only_tokenizers:
            print("variant                          nDCG@10 R@10  Hit@1 Hit@3 MRR@10")
            variants = {"BM25 only": dict(dense_weight=0.0), "dense only": dict(dense_weight=1.0),
                        "dense only, questions only": dict(dense_weight=1.0, passage_weight=0.0),
                        "dense only, passage only": dict(dense_weight=1.0, passage_weight=1.0)}
            for dw in (0.4, 0.5, 0.6, 0.7, 0.8):
                for pw in (0.3, 0.5):
                    variants[f"fused dense={dw} passage={pw}"] = dict(dense_weight=dw, passage_weight=pw)
            for name, cfg in variants.items():
                m = metrics(run_queries(base.with_config(**cfg), queries), qrels)
                print(f"{name:32s} {m['ndcg@10']:.3f}   {m['recall@10']:.3f} {m['hit@1']:.3f} {m['hit@3']:.3f} "
                      f"{m['mrr@10']:.3f}")
        if not args.skip_weights:
            print("\nlexical tokens (BM25 only)      nDCG@10 R@10  Hit@1 Hit@3 MRR@10")
            for features in (("words",), ("bigrams",), ("words", "bigrams"), ("words", "bigrams", "reading")):
                with tempfile.TemporaryDirectory() as tmp2:
                    build_index(entries, Path(tmp2), emb, cache, tokenizer=JapaneseTokenizer(features))
                    m = metrics(run_queries(Searcher(tmp2, lambda: emb, SearchConfig(dense_weight=0.0)), queries), qrels)
                print(f"{'+'.join(features):32s} {m['ndcg@10']:.3f}   {m['recall@10']:.3f} {m['hit@1']:.3f} "
                      f"{m['hit@3']:.3f} {m['mrr@10']:.3f}")
        if args.only_tokenizers:
            return
        print("\nanswer_threshold margin  answer-rate precision wrong  OOS-answered")
        for at in (0.5, 0.55, 0.6, 0.62, 0.65, 0.7):
            for margin in (0.03, 0.06, 0.1):
                d = decision_quality(base.with_config(answer_threshold=at, answer_margin=margin), queries, qrels)
                print(f"{at:16.2f} {margin:6.2f}  {d['answer_rate']:.3f}       {d['answer_precision']:.3f}     "
                      f"{d['wrong_answers']:3d}    {d['oos_answered']}/{d['n_oos']}")
        print("\nsuggest_threshold  OOS fallback   in-scope fallback")
        for st in (0.35, 0.4, 0.45, 0.5, 0.55):
            s = base.with_config(suggest_threshold=st)
            res = run_queries(s, queries)
            oos = [r for r in res if r.query_id not in qrels]
            ins = [r for r in res if r.query_id in qrels]
            print(f"{st:17.2f}  {sum(r.decision == 'fallback' for r in oos)}/{len(oos)}         "
                  f"{sum(r.decision == 'fallback' for r in ins)}/{len(ins)}")
    cache.close()


if __name__ == "__main__":
    main()
