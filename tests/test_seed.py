"""The seed FAQ and the dev set are data the product ships: check them like code."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from faq.model import CATEGORIES, RECORD_KEYS
from faq.text import normalize

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[1]
# Real-looking Japanese phone numbers; only the clearly fake 088-000-000X placeholders are allowed.
PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")


def test_seed_has_at_least_80_valid_entries_in_every_category(seed_entries):
    assert len(seed_entries) >= 80
    per_category = Counter(e.category for e in seed_entries)
    assert set(per_category) == set(CATEGORIES)
    for e in seed_entries:
        assert 2 <= len(e.alt_questions) <= 5, e.id
        assert e.active and e.answer and e.question


def test_seed_records_have_exactly_the_record_keys():
    for path in (ROOT / "faq" / "seed").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            # "translations" may be left out of an untranslated entry
            assert list(json.loads(line)) in (list(RECORD_KEYS), list(RECORD_KEYS[:-1])), path.name


def test_seed_uses_only_placeholder_phone_numbers_and_example_domains(seed_entries):
    for e in seed_entries:
        for number in PHONE.findall(e.answer):
            assert number.startswith("088-000-"), (e.id, number)
        if e.url:
            assert re.match(r"^https://www\.(pref|city)\.example\.lg\.jp/", e.url), e.url


def test_dev_set_is_consistent_with_the_seed(seed_entries):
    ids = {e.id for e in seed_entries}
    queries = [json.loads(l) for l in (ROOT / "tests/data/dev_queries.jsonl").read_text(encoding="utf-8").splitlines()]
    qrels = json.loads((ROOT / "tests/data/dev_qrels.json").read_text(encoding="utf-8"))
    qids = [q["id"] for q in queries]
    assert len(qids) == len(set(qids))
    out_of_scope = [q for q in qids if q not in qrels]
    assert len(qids) - len(out_of_scope) >= 150 and len(out_of_scope) >= 30
    for qid, judged in qrels.items():
        assert qid in qids
        assert set(judged) <= ids, qid
        assert any(g == 2 for g in judged.values()), qid
    # queries are paraphrases, never copies of the FAQ's own wording
    faq_texts = {normalize(t) for e in seed_entries for t in [e.question, *e.alt_questions]}
    assert not [q["text"] for q in queries if normalize(q["text"]) in faq_texts]
