"""scripts/evaluate.py is a contract other tools call: check its arguments and JSON output."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"ndcg@10", "recall@10", "hit@1", "hit@3", "hit@10", "mrr@10", "n_queries", "latency_ms_p50", "latency_ms_p99"}


def run(env, *args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), *args], env=env,
                          capture_output=True, text=True, timeout=600)


def write(path, lines):
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return str(path)


def test_json_output_has_the_contract_keys_and_correct_values(env, tmp_path):
    faq = write(tmp_path / "faq.jsonl", [
        {"id": "a", "question": "罹災証明書はどこで申請しますか", "answer": "市役所の防災課で申請できます。"},
        {"id": "b", "question": "水道料金をスマホで払えますか", "answer": "スマホ決済アプリで支払えます。"},
        {"id": "c", "question": "図書館の開館時間", "answer": "9時から19時までです。", "extra": "ignored"},
    ])
    queries = write(tmp_path / "q.jsonl", [{"id": "q1", "text": "りさい証明 申請場所"},
                                           {"id": "q2", "text": "水道代 スマホ払い"},
                                           {"id": "q3", "text": "こんにちは"}])
    qrels = tmp_path / "qrels.json"
    qrels.write_text(json.dumps({"q1": {"a": 2}, "q2": {"b": 2, "a": 1}}), encoding="utf-8")
    r = run(env, "--faq", faq, "--queries", queries, "--qrels", str(qrels), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert KEYS <= set(out)
    assert out["n_queries"] == 3
    assert out["hit@1"] == 1.0 and out["recall@10"] == 1.0
    assert 0 < out["ndcg@10"] <= 1.0 and out["latency_ms_p50"] > 0
    # second run re-uses the embedding cache; human-readable output
    r = run(env, "--faq", faq, "--queries", queries, "--qrels", str(qrels), "--top-k", "5")
    assert r.returncode == 0 and "新規埋め込み 0件" in r.stdout and "ndcg@10" in r.stdout


def test_bad_inputs_are_clear_errors(env, tmp_path):
    faq = write(tmp_path / "faq.jsonl", [{"id": "a", "question": "質問", "answer": "回答"}])
    bad_queries = tmp_path / "q.jsonl"
    bad_queries.write_text('{"id": "q1"}\n', encoding="utf-8")
    qrels = tmp_path / "qrels.json"
    qrels.write_text("{}", encoding="utf-8")
    r = run(env, "--faq", faq, "--queries", str(bad_queries), "--qrels", str(qrels))
    assert r.returncode == 1 and "id と text" in r.stderr
    r = run(env, "--faq", str(tmp_path / "missing.jsonl"), "--queries", str(bad_queries), "--qrels", str(qrels))
    assert r.returncode == 2
