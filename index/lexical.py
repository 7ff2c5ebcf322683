"""BM25 over Japanese tokens: Sudachi content words, character bigrams and kana-reading bigrams.

Words carry meaning; character bigrams survive typos and unknown words; reading
bigrams let a kana-only query (「りさいしょうめい」) meet its kanji (罹災証明).
Only content morphemes count: particles, auxiliaries, symbols, conjunctions and a
few light verbs/nouns (する, ある, こと) are dropped before any token is made, so
the grammar of a long answer (「〜することができます」) matches nothing."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from faq.text import katakana_to_hiragana, normalize_query

# Parts of speech that carry search meaning (Sudachi's first level); everything else
# (助詞, 助動詞, 補助記号, 記号, 空白, 接続詞, 感動詞, 連体詞) is dropped.
_KEEP_POS = {"名詞", "動詞", "形容詞", "形状詞", "接尾辞", "接頭辞", "代名詞", "副詞"}
# Normalized forms that are content words by part of speech but appear in almost every answer.
# Question words (どこ, いつ) stay: 「いつまで」 and 「どこで」 tell deadline and place questions apart.
_STOP_FORMS = frozenset("為る 有る 居る 成る 出来る 下さる 致す 頂く 御座る 言う 思う 事 物 こと もの ため 為 よう 様 等 など "
                        "此れ 其れ 彼れ 此処 其処 此方 其方 私 貴方".split())
_WORDISH = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]")
_KANA_ONLY = re.compile(r"^[\u3040-\u30ffー]+$")
_NOT_WORD = re.compile(r"[^\w ]")   # punctuation and symbols: 「ほいくえん けんがく できる？」 is still kana only


class JapaneseTokenizer:
    """Tokens for BM25. `features` picks the token kinds: words, bigrams, reading."""

    VERSION = 6  # bump when token rules or their storage change, so cached tokens are not reused

    def __init__(self, features: Sequence[str] = ("words", "bigrams", "reading")):
        self.features = tuple(features)

    @property
    def cache_name(self) -> str:
        return f"sudachi-core-v{self.VERSION}:" + "+".join(self.features)

    @cached_property
    def _dictionary(self):
        from sudachipy import Dictionary
        return Dictionary(dict="core")  # shared: the dictionary is read-only

    @property
    def _sudachi(self):
        # A Sudachi tokenizer must not be used by two threads at once (gunicorn --threads): one per thread.
        local = self.__dict__.setdefault("_local", threading.local())
        made = getattr(local, "sudachi", None)
        if made is None:
            from sudachipy import SplitMode
            made = local.sudachi = (self._dictionary.tokenizer(), SplitMode.A, SplitMode.C)
        return made

    @staticmethod
    def _is_content(m, stop: frozenset[str] = frozenset()) -> bool:
        form = m.normalized_form()
        return (m.part_of_speech()[0] in _KEEP_POS and form not in _STOP_FORMS and form not in stop
                and bool(_WORDISH.search(m.surface())))

    def reading(self, text: str) -> str:
        """The hiragana reading of a text (罹災証明 → りさいしょうめい)."""
        tok, mode_a, _ = self._sudachi
        return "".join(katakana_to_hiragana(m.reading_form()) for m in tok.tokenize(normalize_query(text), mode_a))

    def place_names(self, text: str) -> list[str]:
        """Place names in a text (東京, 大阪, 札幌 …; Sudachi's 固有名詞・地名) as word tokens (w:東京)."""
        tok, mode_a, _ = self._sudachi
        return ["w:" + m.normalized_form() for m in tok.tokenize(normalize_query(text).lower(), mode_a)
                if m.part_of_speech()[1:3] == ("固有名詞", "地名")]

    def is_kana_only(self, text: str) -> bool:
        return bool(_KANA_ONLY.match(_NOT_WORD.sub("", normalize_query(text).lower()).replace(" ", "")))

    def tokens(self, text: str, stop: frozenset[str] = frozenset()) -> list[str]:
        """Tokens of a text; `stop` drops more normalized forms (a query's request words)."""
        text = normalize_query(text).lower()
        out: list[str] = []
        tok, mode_a, mode_c = self._sudachi
        # Sudachi cuts a kana-only query (「りさいしょうめい」) into unrelated words (衣装): bigrams only
        kana = " ".join(_NOT_WORD.sub(" ", text).split())
        kana_only = bool(_KANA_ONLY.match(kana.replace(" ", "")))
        words = "words" in self.features and not kana_only
        readings: list[str] = []
        runs: list[str] = []   # surfaces of consecutive content morphemes: bigrams never span a particle
        run = ""
        for m in tok.tokenize(text, mode_a):
            if not self._is_content(m, stop):
                if run:
                    runs.append(run)
                run = ""
                continue
            run += m.surface()
            if words:
                out.append("w:" + m.normalized_form())
            readings.append(katakana_to_hiragana(m.reading_form()))
        if run:
            runs.append(run)
        if words:
            # compounds as one token too (マイナンバーカード, 罹災証明書)
            out += ["w:" + m.normalized_form() for m in tok.tokenize(text, mode_c)
                    if len(m.surface()) > 2 and m.part_of_speech()[0] == "名詞"
                    and len(tok.tokenize(m.surface(), mode_a)) > 1]
        if "reading" in self.features:
            reading = katakana_to_hiragana(kana) if kana_only else "".join(readings)
            reading = reading.replace(" ", "")
            out += ["r:" + reading[i:i + 2] for i in range(len(reading) - 1)]
        if "bigrams" in self.features:
            # a kana-only query is mostly unknown words to Sudachi: take all of it, word by word
            chunks = kana.split() if kana_only else runs
            for chunk in chunks:
                chunk = katakana_to_hiragana(chunk)
                if len(chunk) == 1:
                    out.append("c:" + chunk)
                out += ["c:" + chunk[i:i + 2] for i in range(len(chunk) - 1)]
        return out


@dataclass(frozen=True)
class QueryTerms:
    """A query's BM25 terms with their weights: 1 for its own tokens, less for vocabulary expansions.
    `optional` terms do not count against a document when no document holds them (an expansion, or a
    resident's word such as 国保 that the FAQ never uses once its FAQ form 国民健康保険 is searched too)."""
    weights: dict[str, float]
    optional: frozenset[str] = frozenset()

    @classmethod
    def plain(cls, tokens: list[str]) -> "QueryTerms":
        return cls(dict.fromkeys(tokens, 1.0))


class BM25:
    """Okapi BM25 over a sparse term-by-document matrix (CSC: one posting list per term).

    A query touches only the posting lists of its own terms, so scoring costs what
    those terms occur, not the size of the collection; fitting keeps term ids in
    numpy arrays instead of Python lists (100k FAQs are tens of millions of tokens)."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.matrix = sparse.csc_matrix((0, 0), dtype=np.float32)
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def n_docs(self) -> int:
        return self.matrix.shape[0]

    def fit(self, docs: Iterable[list[str]]) -> "BM25":
        vocab: dict[str, int] = {}
        chunks: list[np.ndarray] = []
        doc_lengths: list[int] = []
        for doc in docs:  # may be a generator: each token list is dropped once mapped to ids
            chunks.append(np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), dtype=np.int32,
                                      count=len(doc)))
            doc_lengths.append(len(doc))
        n_docs = len(doc_lengths)
        term_ids = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
        del chunks
        lengths = np.asarray(doc_lengths, dtype=np.float32)
        rows = np.repeat(np.arange(n_docs, dtype=np.int32), doc_lengths)
        tf = sparse.coo_matrix((np.ones(len(term_ids), dtype=np.float32), (rows, term_ids)),
                               shape=(n_docs, len(vocab))).tocsc()  # sums duplicate (doc, term) pairs
        del rows, term_ids
        df = np.diff(tf.indptr).astype(np.float32)
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        # precompute the saturated term weight per (doc, term)
        avg = float(lengths.mean()) if n_docs else 1.0
        denom_row = self.k1 * (1 - self.b + self.b * lengths / max(avg, 1e-9))
        # half precision: 3 significant digits are plenty for a term weight in 0..k1+1, and it saves
        # a quarter of the index's memory at 100k FAQs (tens of millions of postings)
        tf.data = (tf.data * (self.k1 + 1) / (tf.data + denom_row[tf.indices])).astype(np.float16)
        self.matrix = tf
        self.vocab = vocab
        return self

    def _query_terms(self, tokens: list[str]) -> tuple[list[int], np.ndarray]:
        cols = list(dict.fromkeys(self.vocab[t] for t in tokens if t in self.vocab))  # repeats count once
        return cols, self.idf[cols] if cols else np.zeros(0, dtype=np.float32)

    def scores(self, tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        m = self.matrix
        for col, idf in zip(*self._query_terms(tokens)):
            lo, hi = m.indptr[col], m.indptr[col + 1]
            out[m.indices[lo:hi]] += idf * m.data[lo:hi]
        return out

    def share(self, terms: QueryTerms) -> np.ndarray:
        """Per document, its weighted BM25 divided by what a document holding every term would score
        (0..1): the share of the query a document matches. See `max_score` for unseen terms."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        m = self.matrix
        best = 0.0
        unseen_idf = float(np.log(1.0 + (self.n_docs + 0.5) / 0.5))
        for term, weight in terms.weights.items():
            col = self.vocab.get(term)
            if col is None:
                best += 0.0 if term in terms.optional else weight * unseen_idf
                continue
            idf = float(self.idf[col]) * weight
            best += idf
            lo, hi = m.indptr[col], m.indptr[col + 1]
            out[m.indices[lo:hi]] += idf * m.data[lo:hi]
        best *= self.k1 + 1
        if best <= 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.clip(out / best, 0.0, 1.0)

    def max_score(self, tokens: list[str]) -> float:
        """What a document containing every query term would score at most; used to normalize.

        A query term no document contains counts with the idf of a term of document frequency 0:
        the score is the share of the whole query a document matches, so a query of ten words of
        which the FAQ knows one is not a perfect match for the document holding that one."""
        _, idf = self._query_terms(tokens)
        unseen = len(set(tokens)) - len(idf)
        unseen_idf = float(np.log(1.0 + (self.n_docs + 0.5) / 0.5))
        return float((idf.sum() + unseen * unseen_idf) * (self.k1 + 1))

    # -- persistence --
    def state(self) -> dict:
        m = self.matrix
        return {"k1": self.k1, "b": self.b, "idf": self.idf, "data": m.data, "indices": m.indices,
                "indptr": m.indptr, "shape": np.asarray(m.shape), "layout": np.asarray("csc"),
                "terms": np.array(list(self.vocab), dtype=str)}

    @classmethod
    def from_state(cls, state: dict) -> "BM25":
        bm = cls(float(state["k1"]), float(state["b"]))
        bm.idf = state["idf"]
        shape = tuple(int(x) for x in state["shape"])
        parts = (state["data"], state["indices"], state["indptr"])
        if "layout" in state and str(state["layout"]) == "csc":
            bm.matrix = sparse.csc_matrix(parts, shape=shape)
        else:  # builds written before the posting-list layout
            bm.matrix = sparse.csr_matrix(parts, shape=shape).tocsc()
        bm.vocab = {t: i for i, t in enumerate(state["terms"].tolist())}
        return bm
