"""Retrieval metrics over a query set with graded relevance judgements."""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .search import Searcher


@dataclass(frozen=True)
class QueryResult:
    query_id: str
    text: str
    ranked_ids: list[str]
    decision: str
    latency_ms: float


def load_queries(path: str | Path) -> list[dict]:
    out = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: {number}行目がJSONとして読めません / line {number}: {exc.msg}") from None
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("text"), str):
            raise ValueError(f"{path}: {number}行目に id と text（文字列）が必要です / line {number}: need id and text")
        out.append(row)
    return out


def load_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: {{query_id: {{faq_id: grade}}}} の形にしてください / expected an object")
    out = {}
    for qid, judged in data.items():
        if not isinstance(judged, dict) or not all(isinstance(g, int) and g >= 0 for g in judged.values()):
            raise ValueError(f"{path}: {qid} の判定は {{faq_id: 0/1/2}} にしてください / bad judgements for {qid}")
        out[qid] = judged
    return out


def run_queries(searcher: Searcher, queries: list[dict], top_k: int = 10) -> list[QueryResult]:
    results = []
    for q in queries:
        started = time.perf_counter()
        outcome = searcher.search(q["text"], top_k=top_k)
        elapsed = (time.perf_counter() - started) * 1000
        results.append(QueryResult(q["id"], q["text"], [c.entry.id for c in outcome.candidates],
                                   outcome.decision, elapsed))
    return results


def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def metrics(results: list[QueryResult], qrels: dict[str, dict[str, int]], k: int = 10) -> dict:
    judged = [r for r in results if any(g > 0 for g in qrels.get(r.query_id, {}).values())]
    ndcg, recall, mrr = [], [], []
    hits = {1: [], 3: [], 10: []}
    for r in judged:
        rel = qrels[r.query_id]
        ranked = r.ranked_ids[:k]
        gains = [2 ** rel.get(fid, 0) - 1 for fid in ranked]
        ideal = sorted((2 ** g - 1 for g in rel.values() if g > 0), reverse=True)[:k]
        ndcg.append(_dcg(gains) / _dcg(ideal) if ideal else 0.0)
        relevant = {fid for fid, g in rel.items() if g > 0}
        recall.append(len(relevant & set(ranked)) / len(relevant))
        rank = next((i + 1 for i, fid in enumerate(ranked) if fid in relevant), None)
        mrr.append(1.0 / rank if rank else 0.0)
        full = {fid for fid, g in rel.items() if g >= 2}
        if full:
            for n in hits:
                hits[n].append(any(fid in full for fid in ranked[:n]))
    latencies = np.asarray([r.latency_ms for r in results]) if results else np.zeros(1)
    mean = lambda xs: float(np.mean(xs)) if xs else 0.0  # noqa: E731
    out_of_scope = [r for r in results if not any(g > 0 for g in qrels.get(r.query_id, {}).values())]
    # a confident answer is right when its top entry fully answers the query (grade 2)
    answered = [r for r in judged if r.decision == "answer"]
    right = [r for r in answered if r.ranked_ids and qrels[r.query_id].get(r.ranked_ids[0], 0) >= 2]
    return {
        "ndcg@10": mean(ndcg), "recall@10": mean(recall), "hit@1": mean(hits[1]), "hit@3": mean(hits[3]),
        "hit@10": mean(hits[10]), "mrr@10": mean(mrr), "n_queries": len(results), "n_judged": len(judged),
        "latency_ms_p50": float(np.percentile(latencies, 50)), "latency_ms_p99": float(np.percentile(latencies, 99)),
        "decisions": dict(Counter(r.decision for r in results)),
        "decisions_in_scope": dict(Counter(r.decision for r in judged)),
        "decisions_out_of_scope": dict(Counter(r.decision for r in out_of_scope)),
        "answer_rate": len(answered) / len(judged) if judged else 0.0,
        "answer_precision": len(right) / len(answered) if answered else 0.0,
    }
