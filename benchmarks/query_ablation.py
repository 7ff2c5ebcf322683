#!/usr/bin/env python
"""What each query-side rule adds: request words dropped, the municipal vocabulary, kana-only queries read
as the FAQ's words, and written in them for the embedding model (index/query_terms.py).

python benchmarks/query_ablation.py

Collections as in calibrate.py: seed, seed-plain and the municipal tune half (the report half is never
read). Dense signals are computed once per query and way of reading it; only the lexical side is recomputed
per variant.
Prints nDCG@10, Recall@10, Hit@1, Hit@3 and MRR@10 of the fused ranking and of lexical only, and the time
to make a query's lexical signals (query terms and both BM25 fields; it depends on the machine's load)."""
from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from calibrate import ROOT, load_set, ranking_metrics

from faq.text import normalize_query
from index.build import build_index
from index.config import cache_from_env
from index.embedders import BundledE5Embedder
from index.query_terms import QueryAnalyzer
from index.search import SearchConfig, Searcher, Signals

PLAIN_MODEL = dict(kana_for_model=False)
VARIANTS = {
    "plain query tokens": dict(request_words=frozenset(), expansion_weight=0.0, kana_weight=0.0, **PLAIN_MODEL),
    "+ request words dropped": dict(expansion_weight=0.0, kana_weight=0.0, **PLAIN_MODEL),
    "+ vocabulary (0.5)": dict(kana_weight=0.0, **PLAIN_MODEL),
    "+ kana reading (0.5)": dict(PLAIN_MODEL),
    "+ kana written for the model: default": {},
}


def main() -> None:
    seed = sorted(str(p) for p in (ROOT / "faq" / "seed").glob("*.jsonl"))
    dev = (str(ROOT / "tests/data/dev_queries.jsonl"), str(ROOT / "tests/data/dev_qrels.json"))
    muni = ROOT / "benchmarks/data/municipal"
    cols = [load_set("seed", seed, *dev), load_set("seed-plain", seed, *dev, strip_alts=True),
            load_set("municipal", sorted(str(p) for p in muni.glob("faq_*.jsonl")), str(muni / "queries.jsonl"),
                     str(muni / "qrels.json"), str(muni / "split.json"))]
    embedder, cache = BundledE5Embedder(), cache_from_env()
    print(f"{'variant':32s} {'collection':11s} fused: nDCG@10 R@10  Hit@1 Hit@3 MRR   | lexical: nDCG@10 R@10  Hit@1 | lexical signals per query")
    with tempfile.TemporaryDirectory() as tmp:
        for col in cols:
            build_index(col.entries, Path(tmp) / col.name, embedder, cache)
            ranker = Searcher(Path(tmp) / col.name, lambda: embedder).ranker()
            col.ids = [e.id for e in col.entries if e.active]
            texts = [normalize_query(q["text"])[:500] for q in col.queries]
            dense = {}
            for for_model in (False, True):   # the model reads the query as typed, or kana written as words
                ranker.analyzer = QueryAnalyzer(ranker.tokenizer, kana_lexicon=ranker.kana_lexicon,
                                                kana_for_model=for_model)
                dense[for_model] = [ranker.dense_signals(t) for t in texts]
            snap = ranker.snap
            for label, kw in VARIANTS.items():
                analyzer = QueryAnalyzer(ranker.tokenizer, kana_lexicon=ranker.kana_lexicon, **kw)
                ranker.kana_lexicon()   # made once per index, on its first kana-only query
                col.signals = []
                started = time.perf_counter()
                for text, d in zip(texts, dense[analyzer.kana_for_model]):
                    terms = analyzer.terms(text)
                    col.signals.append(Signals(snap.bm25_questions.share(terms), snap.bm25_answers.share(terms), *d))
                ms = (time.perf_counter() - started) * 1000 / len(texts)
                f = ranking_metrics(col, SearchConfig())
                lx = ranking_metrics(col, replace(SearchConfig(), dense_weight=0.0))
                print(f"{label:32s} {col.name:11s}        {f['ndcg@10']:.3f}   {f['recall@10']:.3f} {f['hit@1']:.3f} "
                      f"{f['hit@3']:.3f} {f['mrr@10']:.3f} |          {lx['ndcg@10']:.3f}   {lx['recall@10']:.3f} "
                      f"{lx['hit@1']:.3f} | {ms:.1f} ms", flush=True)
    cache.close()


if __name__ == "__main__":
    main()
