"""Per-collection thresholds from the FAQ's own questions (index.calibration, the study behind
benchmarks/calibrate.py --calibration): stricter where near-duplicate entries make a wrong top-1 score high,
deterministic, and none for a collection too small or without vectors."""
from __future__ import annotations

from dataclasses import replace

import pytest

from faq.model import FaqEntry
from index.build import build_snapshot
from index.cache import EmbeddingCache
from index.calibration import (
    ALLOWED,
    MAX_SHIFT,
    MIN_ENTRIES,
    MIN_SHIFT,
    Calibration,
    calibrate,
)
from index.lexical import JapaneseTokenizer
from index.search import SearchConfig

FIXED = SearchConfig()


@pytest.fixture(scope="module")
def cache(shared_cache):
    c = EmbeddingCache(shared_cache)
    yield c
    c.close()


def calibration_of(entries: list[FaqEntry], embedder, cache) -> Calibration | None:
    snap, _ = build_snapshot(entries, embedder, cache)
    vectors = snap.vectors.index.reconstruct_n(0, snap.vectors.size) if snap.vectors is not None else None
    return calibrate([e.question for e in snap.entries], [e.answer for e in snap.entries], snap.bm25_questions,
                     snap.bm25_answers, JapaneseTokenizer(), vectors, snap.owners, snap.kinds)


def near_duplicates(entries: list[FaqEntry], n: int) -> list[FaqEntry]:
    """For n entries, a second entry asking the same question with another entry's answer: the shape of a
    FAQ where neighbouring procedures share their wording (a wrong top-1 then scores like a right one)."""
    return [replace(e, id=e.id + "-other", answer=entries[(i + 1) % len(entries)].answer, alt_questions=[])
            for i, e in enumerate(entries[:n])]


@pytest.fixture(scope="module")
def seed_calibration(seed_entries, embedder, cache):
    return calibration_of(seed_entries, embedder, cache)


def test_the_seed_faq_gets_thresholds_moved_together_within_the_range(seed_calibration):
    cal = seed_calibration
    assert cal is not None and cal.pseudo_queries == 100
    assert MIN_SHIFT <= cal.shift <= MAX_SHIFT
    assert cal.answer_threshold == pytest.approx(FIXED.answer_threshold + cal.shift)
    assert cal.strong_threshold == pytest.approx(FIXED.strong_threshold + cal.shift)
    assert cal.suggest_threshold == pytest.approx(FIXED.suggest_threshold + cal.shift)
    used = cal.apply(FIXED)
    assert used.answer_threshold == cal.answer_threshold
    # margins and weights are never calibrated
    assert (used.answer_margin, used.dense_floor, used.dense_weight) == (
        FIXED.answer_margin, FIXED.dense_floor, FIXED.dense_weight)


def test_near_duplicate_entries_get_stricter_thresholds(seed_entries, embedder, cache, seed_calibration):
    crowded = calibration_of(seed_entries + near_duplicates(seed_entries, 60), embedder, cache)
    plain = seed_calibration
    assert crowded.answered_at_fixed > plain.answered_at_fixed
    assert crowded.answered_at_fixed > ALLOWED   # the fixed thresholds would answer many pseudo-queries wrongly
    assert crowded.shift > plain.shift
    assert crowded.answer_threshold > plain.answer_threshold > FIXED.answer_threshold - 0.1
    assert crowded.answer_threshold > FIXED.answer_threshold


def test_exact_copies_of_an_answer_are_not_counted_as_wrong(seed_entries, embedder, cache, seed_calibration):
    copies = [replace(e, id=e.id + "-copy") for e in seed_entries[:60]]   # same question, same answer
    doubled = calibration_of(seed_entries + copies, embedder, cache)
    assert doubled.answered_at_fixed <= seed_calibration.answered_at_fixed + 0.1


def test_the_same_faq_gets_the_same_calibration(seed_entries, embedder, cache, seed_calibration):
    assert calibration_of(list(reversed(seed_entries)), embedder, cache) == seed_calibration


def test_a_small_faq_or_one_without_vectors_gets_none(seed_entries, embedder, cache):
    assert calibration_of(seed_entries[:MIN_ENTRIES - 1], embedder, cache) is None
    assert calibration_of(seed_entries, None, None) is None
