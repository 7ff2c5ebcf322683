#!/usr/bin/env python
"""Evaluate FAQ search on a query set.

python scripts/evaluate.py --faq FAQ.jsonl --queries QUERIES.jsonl --qrels QRELS.json [--top-k 10] [--json]

Builds a throwaway index in a temporary directory (re-using the embedding cache,
so a second run on the same FAQ is fast) and runs every query through the same
search() the bot uses."""
from __future__ import annotations

import json
import sys
import tempfile
import time

import click

from faq.markup import plain_text
from faq.model import CATEGORIES, FaqEntry, normalize_id
from index.build import build_index, count_texts
from index.config import cache_from_env, make_embedder, search_config_from_env
from index.evaluation import load_qrels, load_queries, metrics, run_queries
from index.search import Searcher

JSON_KEYS = ("ndcg@10", "recall@10", "hit@1", "hit@3", "hit@10", "mrr@10", "n_queries",
             "latency_ms_p50", "latency_ms_p99", "answer_rate", "answer_precision")


def _text(value) -> str:
    """Normalized, and plain text when a CMS export left HTML in it (markup is neither shown nor searched)."""
    return plain_text(str(value or ""))[0]


def _translations(value) -> dict:
    """Well-formed translations only (lenient like the rest of this loader)."""
    if not isinstance(value, dict):
        return {}
    return {lang: {"question": _text(t["question"]), "answer": _text(t.get("answer"))}
            for lang, t in value.items() if isinstance(t, dict) and t.get("question")}


def load_faq(path: str) -> list[FaqEntry]:
    """Lenient: only id/question/answer are needed; other keys are used when they make sense."""
    entries, seen = [], set()
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path}: {number}行目がJSONとして読めません / line {number}: {exc.msg}")
            if not isinstance(r, dict) or not r.get("id") or not (r.get("question") or r.get("answer")):
                raise click.ClickException(f"{path}: {number}行目に id と question/answer が必要です / line {number}")
            fid = normalize_id(str(r["id"]))   # as faqctl import stores it: 「Q-001」 is q-001
            if fid in seen:
                raise click.ClickException(f"{path}: {number}行目: IDが重複しています / duplicate id {fid}")
            seen.add(fid)
            alts = r.get("alt_questions") if isinstance(r.get("alt_questions"), list) else []
            entries.append(FaqEntry(
                id=fid, question=_text(r.get("question")), answer=_text(r.get("answer")),
                category=r.get("category") if r.get("category") in CATEGORIES else "general",
                alt_questions=[_text(a) for a in alts if str(a).strip()],
                tags=[str(t) for t in r.get("tags") or [] if isinstance(t, str)] if isinstance(r.get("tags"), list) else [],
                translations=_translations(r.get("translations"))))
    if not entries:
        raise click.ClickException(f"{path}: FAQが1件もありません / no entries")
    return entries


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--faq", "faq_path", required=True, type=click.Path(exists=True, dir_okay=False), help="FAQ JSONL")
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help='JSONL of {"id","text"}')
@click.option("--qrels", "qrels_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help='JSON {query_id: {faq_id: grade}}')
@click.option("--top-k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.option("--details", type=click.Path(dir_okay=False), help="write per-query rankings to this JSONL file")
def main(faq_path, queries_path, qrels_path, top_k, as_json, details):
    """検索精度を評価します / evaluate search quality (nDCG@10, Recall@10, Hit@k, MRR, latency)."""
    try:
        entries = load_faq(faq_path)
        queries = load_queries(queries_path)
        qrels = {qid: {normalize_id(fid): grade for fid, grade in judged.items()}   # the FAQ's IDs, normalised
                 for qid, judged in load_qrels(qrels_path).items()}
        config = search_config_from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc))
    embedder = make_embedder()
    cache = cache_from_env()
    with tempfile.TemporaryDirectory(prefix="faqbot-eval-") as tmp:
        started = time.perf_counter()
        with click.progressbar(length=count_texts(entries), label="埋め込み", file=sys.stderr) as bar:
            report = build_index(entries, tmp, embedder, cache, progress=bar.update)
        build_seconds = time.perf_counter() - started
        searcher = Searcher(tmp, lambda: embedder, config)
        searcher.search("ウォームアップ")  # load the index before timing queries
        results = run_queries(searcher, queries, top_k)
    cache.close()
    m = metrics(results, qrels, k=top_k)
    if details:
        with open(details, "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps({"id": r.query_id, "text": r.text, "decision": r.decision,
                                     "ranked": r.ranked_ids, "qrels": qrels.get(r.query_id, {})},
                                    ensure_ascii=False) + "\n")
    if as_json:
        click.echo(json.dumps({k: m[k] for k in JSON_KEYS} | {"decisions": m["decisions"]}, ensure_ascii=False))
        return
    click.echo(f"FAQ {len(entries)}件, クエリ {m['n_queries']}件（判定付き {m['n_judged']}件）, "
               f"モデル {embedder.name}, インデックス構築 {build_seconds:.1f}秒（新規埋め込み {report.embedded}件）")
    for key in ("ndcg@10", "recall@10", "hit@1", "hit@3", "hit@10", "mrr@10"):
        click.echo(f"  {key:10s} {m[key]:.3f}")
    click.echo(f"  latency    p50 {m['latency_ms_p50']:.1f} ms / p99 {m['latency_ms_p99']:.1f} ms")
    click.echo(f"  decisions  all {m['decisions']}")
    click.echo(f"             in-scope {m['decisions_in_scope']} / out-of-scope {m['decisions_out_of_scope']}")
    click.echo(f"  answered   {m['answer_rate']:.1%} of in-scope queries, {m['answer_precision']:.1%} of them right "
               f"(top-1 graded 2)")


if __name__ == "__main__":
    main()
