"""Query side of lexical search: residents' abbreviations, request words, kana-only queries."""
import numpy as np
import pytest

from faq.model import FaqEntry
from index.lexical import BM25, JapaneseTokenizer, QueryTerms
from index.query_terms import QueryAnalyzer
from index.search import FALLBACK, Searcher
from index.vocabulary import Vocabulary, default_vocabulary

# A city's export: one question and an answer, in the words FAQs use, never the residents' short forms.
CITY = [
    FaqEntry(id="mynumber", question="マイナンバーカードの有効期限と更新の手続き", category="mynumber",
             answer="マイナンバーカードの有効期限は発行から10回目の誕生日までです。期限の前に通知が届きます。"),
    FaqEntry(id="kokuho", question="国民健康保険に加入するとき", category="insurance",
             answer="会社の健康保険をやめたときは14日以内に国民健康保険の加入の届出をしてください。"),
    FaqEntry(id="sodai", question="粗大ごみの出し方", category="waste",
             answer="粗大ごみは電話またはインターネットで申し込み、処理券を貼って出してください。"),
    FaqEntry(id="juminhyo", question="住民票の写しの請求", category="registry",
             answer="住民票の写しは市民課の窓口で請求できます。詳しくは市民課に問い合わせて、分からないことは教えてもらってください。"),
    FaqEntry(id="hoikusho", question="保育所に入所するには", category="childcare",
             answer="保育所の入所申込みは前月の10日までです。"),
]


@pytest.fixture(scope="module")
def lexical_searcher(tmp_path_factory):
    # no built index: the searcher serves the lexical stand-in built from the entries (the degraded mode)
    return Searcher(tmp_path_factory.mktemp("idx") / "none", None, lexical_fallback=lambda: CITY)


@pytest.mark.parametrize("query, expected", [
    ("マイナの更新", "mynumber"),
    ("ﾏｲﾅｶｰﾄﾞ 期限", "mynumber"),
    ("国保 加入", "kokuho"),
    ("粗大 出し方", "sodai"),
    ("ゴミの出し方 大きいもの 粗大", "sodai"),
    ("保育園に入りたい", "hoikusho"),
])
def test_residents_short_forms_find_the_entry_in_faq_words(lexical_searcher, query, expected):
    out = lexical_searcher.search(query)
    assert out.degraded
    assert out.top.entry.id == expected
    assert out.top.lexical > 0.1


def test_the_short_form_alone_would_not_match_without_the_vocabulary():
    tok = JapaneseTokenizer()
    bm = BM25().fit([tok.tokens(e.question) for e in CITY])
    bare = QueryAnalyzer(tok, vocabulary=Vocabulary(()))
    without = bm.share(bare.terms("国保"))   # only the reading bigram こく meets 国民 (こくみん)
    with_vocabulary = bm.share(QueryAnalyzer(tok).terms("国保"))
    assert int(np.argmax(with_vocabulary)) == 1
    assert with_vocabulary[1] > 3 * without[1]


def test_request_words_alone_match_nothing(lexical_searcher):
    # the answer of 'juminhyo' holds 教える / 分かる / 詳しい: a bare request must not find it
    for query in ("教えてください", "詳しく知りたいのですが", "ちょっと聞きたいんだけど分かりますか"):
        out = lexical_searcher.search(query)
        assert out.decision == FALLBACK
        assert all(c.lexical == 0.0 for c in out.candidates)


def test_request_words_are_dropped_but_the_topic_stays():
    terms = QueryAnalyzer(JapaneseTokenizer()).terms("住民票について教えてください")
    words = {t for t in terms.weights if t.startswith("w:")}
    assert "w:住民票" in words
    assert not words & {"w:教える", "w:つく", "w:下さる"}


def test_expansions_weigh_less_than_the_residents_own_words():
    terms = QueryAnalyzer(JapaneseTokenizer()).terms("国保")
    assert terms.weights["w:国保"] == 1.0
    assert 0 < terms.weights["w:国民"] < 1.0
    # 国保 unknown to a FAQ that always writes 国民健康保険 does not count against its entries
    assert "w:国保" in terms.optional


def test_a_document_holding_the_residents_word_itself_ranks_first():
    tok = JapaneseTokenizer()
    bm = BM25().fit([tok.tokens("国保の加入"), tok.tokens("国民健康保険の加入"), tok.tokens("水道の開栓")])
    share = bm.share(QueryAnalyzer(tok).terms("国保の加入"))
    assert share[0] > share[1] > share[2] == 0.0


def test_vocabulary_matches_the_longest_form_and_skips_what_the_query_already_says():
    vocab = default_vocabulary()
    assert ("マイナンバーカード", "マイナカード") in vocab.matches("マイナカードの更新")
    assert ("マイナンバーカード", "マイナ") in vocab.matches("まいなの更新")  # kana and width do not matter
    assert not [m for m in vocab.matches("マイナンバーカードの更新") if m[0] == "マイナンバーカード"]
    assert vocab.matches("今日はいい天気") == []


def test_vocabulary_file_errors_are_clear():
    with pytest.raises(ValueError, match="別の書き方"):
        Vocabulary.parse("国民健康保険\n")
    assert Vocabulary.parse("# comment\n\n国民健康保険 | 国保\n").groups == (("国民健康保険", "国保"),)


def test_kana_only_query_with_punctuation_is_read_as_kana():
    tok = JapaneseTokenizer()
    tokens = tok.tokens("ほいくえん けんがく できる？")
    assert not [t for t in tokens if t.startswith("w:")]  # Sudachi would cut it into unrelated words
    assert "r:ほい" in tokens and "c:えん" in tokens
    assert "c:んけ" not in tokens  # bigrams stay inside each word
    bm = BM25().fit([tok.tokens(e.question) for e in CITY])
    assert int(np.argmax(bm.share(QueryTerms.plain(tokens)))) == 4


def test_share_equals_the_plain_normalized_score_without_expansions():
    tok = JapaneseTokenizer()
    docs = [tok.tokens(e.question + " " + e.answer) for e in CITY]
    bm = BM25().fit(docs)
    tokens = tok.tokens("住民票の写し 窓口 存在しない語")
    plain = np.clip(bm.scores(tokens) / bm.max_score(tokens), 0, 1)
    assert np.allclose(bm.share(QueryTerms.plain(tokens)), plain, rtol=1e-3, atol=1e-6)  # float16 postings, summed in another order


@pytest.mark.parametrize("query, expected", [
    ("こくみんけんこうほけん かにゅう", "kokuho"),
    ("そだいごみ だしかた", "sodai"),
    ("じゅうみんひょう せいきゅう", "juminhyo"),
])
def test_kana_only_query_is_read_as_the_faqs_own_words(lexical_searcher, query, expected):
    ranker = lexical_searcher.ranker()
    terms = ranker.analyzer.terms(query)
    read = [t for t in terms.weights if t.startswith("w:")]
    assert read and all(0 < terms.weights[t] < 1 for t in read)
    assert lexical_searcher.search(query).top.entry.id == expected


def test_kana_lexicon_reads_longest_words_first():
    from index.query_terms import KanaLexicon
    lexicon = KanaLexicon(JapaneseTokenizer(), ["市営住宅", "市営", "住宅", "申し込み", "ごみ"])
    assert lexicon.words("しえいじゅうたく もうしこみ") == ["w:市営住宅", "w:申し込み"]
    assert lexicon.words("あいうえお") == []


def test_kana_lexicon_writes_a_kana_query_in_the_faqs_words_for_the_model():
    from index.query_terms import KanaLexicon
    # words come most common first: a reading two words share is written as the more common one
    lexicon = KanaLexicon(JapaneseTokenizer(), ["図書館", "引っ越し", "手続き", "保険", "保健"])
    assert lexicon.rewrite("としょかん やすみ") == "図書館 やすみ"
    assert lexicon.rewrite("ひっこしてつづき") == "引っ越し手続き"
    assert lexicon.rewrite("ほけん") == "保険"
    assert lexicon.rewrite("あいうえお かきく") == "あいうえお かきく"   # nothing read: unchanged


class RecordingEmbedder:
    """The real model, noting what it was asked to read."""

    def __init__(self, model):
        self.model, self.read = model, []
        self.name, self.dim = model.name, model.dim

    def embed_queries(self, texts):
        self.read += list(texts)
        return self.model.embed_queries(texts)

    def embed_passages(self, texts):
        return self.model.embed_passages(texts)


LIBRARY = [
    FaqEntry(id="library", question="図書館の開館時間と休館日を教えてください。", category="facilities",
             answer="中央図書館は9時から19時まで開館しています。休館日は月曜日と年末年始です。"),
    FaqEntry(id="garden", question="庭でごみを燃やしてもよいですか。", category="waste",
             answer="家庭のごみを庭で燃やすこと（野焼き）は法律で禁止されています。"),
    FaqEntry(id="noise", question="近所の騒音に困っています。", category="environment",
             answer="生活騒音は当事者同士の話し合いが基本です。市の環境課でも相談を受けています。"),
]


def test_the_model_reads_a_kana_only_query_in_the_faqs_words(tmp_path, embedder):
    from index.build import build_index
    build_index(LIBRARY, tmp_path, embedder, None)
    recording = RecordingEmbedder(embedder)
    searcher = Searcher(tmp_path, lambda: recording)
    out = searcher.search("ﾄｼｮｶﾝ ﾔｽﾐ")   # half-width katakana, as some phones type it
    assert recording.read[-1] == "図書館 やすみ"
    assert out.top.entry.id == "library"
    searcher.search("図書館の休み")          # any other query is read as it is
    assert recording.read[-1] == "図書館の休み"
