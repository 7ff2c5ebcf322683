"""Thresholds calibrated per build from the FAQ's own questions (index.calibration, index.thresholds):
stricter where near-duplicate entries make a wrong top-1 score high, overridden by the environment, absent
from old builds (the fixed thresholds stay), and carried with the build between hosts."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from conftest import app_database

from faq.model import FaqEntry
from index.build import build_index
from index.cache import EmbeddingCache
from index.calibration import ALLOWED, MIN_ENTRIES
from index.config import search_config_from_env
from index.search import SearchConfig, Searcher
from index.share import BuildShare
from index.snapshot import MANIFEST, current_build, load_snapshot, point_to
from index.thresholds import MAX_SHIFT, MIN_SHIFT, Calibration

FIXED = SearchConfig()


@pytest.fixture(scope="module")
def cache(shared_cache):
    c = EmbeddingCache(shared_cache)
    yield c
    c.close()


def calibration_of(index_dir) -> Calibration | None:
    return Calibration.from_manifest(load_snapshot(index_dir).manifest.get("calibration"))


def near_duplicates(entries: list[FaqEntry], n: int) -> list[FaqEntry]:
    """For n entries, a second entry asking the same question with another entry's answer: the shape of a
    FAQ where neighbouring procedures share their wording (a wrong top-1 then scores like a right one)."""
    return [replace(e, id=e.id + "-other", answer=entries[(i + 1) % len(entries)].answer, alt_questions=[])
            for i, e in enumerate(entries[:n])]


def test_a_build_of_the_seed_faq_carries_its_calibration(seed_index, searcher):
    cal = calibration_of(seed_index)
    assert cal is not None and cal.pseudo_queries == 100
    assert MIN_SHIFT <= cal.shift <= MAX_SHIFT
    assert cal.answer_threshold == pytest.approx(FIXED.answer_threshold + cal.shift)
    assert cal.suggest_threshold == pytest.approx(FIXED.suggest_threshold + cal.shift)
    used = searcher.ranker().config
    assert (used.answer_threshold, used.strong_threshold, used.suggest_threshold) == (
        cal.answer_threshold, cal.strong_threshold, cal.suggest_threshold)
    health = searcher.health()
    assert health.calibrated and health.answer_threshold == cal.answer_threshold
    assert health.suggest_threshold == cal.suggest_threshold
    # margins and the weights are never calibrated
    assert (used.answer_margin, used.dense_floor, used.dense_weight) == (
        FIXED.answer_margin, FIXED.dense_floor, FIXED.dense_weight)


def test_near_duplicate_entries_get_stricter_thresholds(tmp_path, seed_entries, embedder, cache, seed_index):
    plain = calibration_of(seed_index)
    crowded_dir = tmp_path / "crowded"
    build_index(seed_entries + near_duplicates(seed_entries, 60), crowded_dir, embedder, cache)
    crowded = calibration_of(crowded_dir)
    assert crowded.answered_at_fixed > plain.answered_at_fixed
    assert crowded.answered_at_fixed > ALLOWED   # the fixed thresholds would answer many pseudo-queries wrongly
    assert crowded.shift > plain.shift
    assert crowded.answer_threshold > plain.answer_threshold
    assert crowded.answer_threshold > FIXED.answer_threshold


def test_environment_overrides_win_over_the_calibration(seed_index, embedder):
    cal = calibration_of(seed_index)
    config = search_config_from_env({"FAQBOT_ANSWER_THRESHOLD": "0.61", "FAQBOT_ANSWER_MARGIN": "0.07"})
    used = Searcher(seed_index, lambda: embedder, config).ranker().config
    assert used.answer_threshold == 0.61 and used.answer_margin == 0.07
    # the fields not overridden still come from the build
    assert used.suggest_threshold == cal.suggest_threshold and used.strong_threshold == cal.strong_threshold
    # and a searcher for other settings (with_config) keeps what it was given
    other = Searcher(seed_index, lambda: embedder).with_config(suggest_threshold=0.3)
    assert other.ranker().config.suggest_threshold == 0.3
    assert other.ranker().config.answer_threshold == cal.answer_threshold


def _rewrite_manifest(build_dir, change) -> None:
    path = build_dir / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("change", [
    lambda m: m.pop("calibration"),                                       # a build made before calibration
    lambda m: m["calibration"].update(shift=0.9, answer_threshold=1.4),   # a value outside the rule's range
    lambda m: m["calibration"].update(answer_threshold="high"),           # not a number
    lambda m: m.update(calibration={"rule": "some-later-rule", "shift": 0.01}),
])
def test_a_build_without_a_usable_calibration_loads_with_the_fixed_thresholds(tmp_path, seed_index, embedder,
                                                                              change):
    index_dir = tmp_path / "old"
    build = current_build(seed_index)
    shutil.copytree(build, index_dir / "builds" / build.name)
    point_to(index_dir, build.name)
    _rewrite_manifest(index_dir / "builds" / build.name, change)
    searcher = Searcher(index_dir, lambda: embedder)
    used = searcher.ranker().config
    health = searcher.health()
    assert health.ready and health.dense and searcher.problem is None and not health.calibrated
    assert health.answer_threshold == FIXED.answer_threshold
    assert (used.answer_threshold, used.strong_threshold, used.suggest_threshold) == (
        FIXED.answer_threshold, FIXED.strong_threshold, FIXED.suggest_threshold)
    assert searcher.search("コンビニで住民票の写しを取りたい").top is not None


def test_a_small_faq_keeps_the_fixed_thresholds(tmp_path, seed_entries, embedder, cache):
    build_index(seed_entries[:MIN_ENTRIES - 1], tmp_path / "small", embedder, cache)
    assert "calibration" not in load_snapshot(tmp_path / "small").manifest
    used = Searcher(tmp_path / "small", lambda: embedder).ranker().config
    assert used.answer_threshold == FIXED.answer_threshold


def test_a_lexical_only_build_keeps_the_fixed_thresholds(tmp_path, seed_entries):
    build_index(seed_entries, tmp_path / "lexical", None, None)
    assert "calibration" not in load_snapshot(tmp_path / "lexical").manifest


def test_the_calibration_is_the_same_for_the_same_faq(tmp_path, seed_entries, embedder, cache, seed_index):
    build_index(list(reversed(seed_entries)), tmp_path / "again", embedder, cache)
    assert calibration_of(tmp_path / "again") == calibration_of(seed_index)


def test_the_calibration_travels_with_a_shared_build(tmp_path, seed_entries, embedder, cache):
    db = app_database(tmp_path / "shared.sqlite3")
    host_a, host_b = tmp_path / "a", tmp_path / "b"
    share = BuildShare(db)
    try:
        build_index(seed_entries, host_a, embedder, cache, share=share)
    finally:
        share.close()
    other = BuildShare(db)
    try:
        other.sync(host_b)
    finally:
        other.close()
    served_a, served_b = load_snapshot(host_a), load_snapshot(host_b)   # both verified against their sha256
    assert served_b.path.name == served_a.path.name
    assert served_b.manifest["calibration"] == served_a.manifest["calibration"]
    used = Searcher(host_b, lambda: embedder).ranker().config
    assert used.answer_threshold == Calibration.from_manifest(served_a.manifest["calibration"]).answer_threshold
