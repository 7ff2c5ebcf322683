"""The municipal evaluation collection is consistent: judgments name real entries, splits cover every query once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from faq.text import normalize_query

pytestmark = pytest.mark.no_database

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "municipal"
SETS = [("queries.jsonl", "qrels.json", "split.json"), ("queries_log.jsonl", "qrels_log.json", "split_log.json"),
        ("queries_everyday.jsonl", "qrels_everyday.json", "split_everyday.json")]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def entries() -> dict[str, dict]:
    rows = read_jsonl(DATA / "faq_a.jsonl") + read_jsonl(DATA / "faq_b.jsonl")
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows) == 620
    return by_id


@pytest.mark.parametrize("queries_file, qrels_file, split_file", SETS)
def test_judgments_and_split_cover_every_query(entries, queries_file, qrels_file, split_file):
    queries = read_jsonl(DATA / queries_file)
    ids = [q["id"] for q in queries]
    assert len(ids) == len(set(ids))
    qrels = json.loads((DATA / qrels_file).read_text(encoding="utf-8"))
    assert set(qrels) == set(ids)
    for judged in qrels.values():
        assert set(judged) <= set(entries) and set(judged.values()) <= {1, 2}
    split = json.loads((DATA / split_file).read_text(encoding="utf-8"))
    assert set(split) == {"tune", "report"}
    assert not set(split["tune"]) & set(split["report"])
    assert sorted(split["tune"] + split["report"]) == sorted(ids)


@pytest.mark.parametrize("queries_file", [s[0] for s in SETS])
def test_no_query_copies_an_entrys_question(entries, queries_file):
    questions = {normalize_query(e["question"]).rstrip("。？?") for e in entries.values()}
    copied = [q["text"] for q in read_jsonl(DATA / queries_file) if normalize_query(q["text"]).rstrip("。？?") in questions]
    assert copied == []


def test_the_english_out_of_scope_questions_are_english_and_new():
    path = DATA.parent / "english" / "out_of_scope.jsonl"
    questions = read_jsonl(path)
    ids = [q["id"] for q in questions]
    assert len(questions) >= 10 and len(ids) == len(set(ids))
    assert all(q["text"].isascii() and len(q["text"].split()) >= 3 for q in questions)
    dev = json.loads((DATA.parents[2] / "tests" / "data" / "dev_qrels.json").read_text(encoding="utf-8"))
    assert not set(ids) & set(dev)
