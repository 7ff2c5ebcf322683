"""A resident's query as weighted BM25 terms: request words dropped, municipal vocabulary expanded.

Residents wrap a topic in requests (「〜について教えてください」「〜を知りたいのですが」); those words say
nothing about which entry answers, yet long answers hold them (「詳しくはお問い合わせください」), so they are
dropped from queries (documents keep every word). A resident's abbreviation or everyday word (国保, マイナ, 粗大)
also searches for the form FAQs use (国民健康保険, マイナンバーカード, 粗大ごみ) at a lower weight, and a kana-only
query is also read as the words of the FAQ's own questions (しえいじゅうたく → 市営住宅), and the embedding model
reads it written in those words (市営住宅), as it reads kana poorly."""
from __future__ import annotations

import re
from typing import Callable, Iterable

from faq.text import katakana_to_hiragana, normalize_query

from .lexical import JapaneseTokenizer, QueryTerms
from .vocabulary import Vocabulary, default_vocabulary

# Sudachi normalized forms of request words and fillers: asking, knowing, wanting, politeness.
REQUEST_WORDS = frozenset("教える 知る 分かる 伺う 聞く 尋ねる 願う 良い 一寸 つく 質問 欲しい 詳しい".split())
# an expansion adds the FAQ form's words only: its character and reading bigrams would outnumber the query's own
EXPAND_KINDS = ("w:",)
EXPANSION_WEIGHT = 0.5   # a vocabulary expansion's weight against the query's own words
KANA_WEIGHT = 0.5        # a word read into a kana-only query, against the query's own bigrams
_MIN_READING = 3         # shorter readings (こく, ほけ) match inside too many unrelated words
_KANJI = re.compile(r"[\u3400-\u9fff]")


class KanaLexicon:
    """Readings of the words an FAQ's questions use, to read a kana-only query (「しえいじゅうたく もうしこみ」)
    as those words (市営住宅, 申し込み). Built from the index's own question vocabulary, so it knows the
    collection's terms and nothing else."""

    def __init__(self, tokenizer: JapaneseTokenizer, words: Iterable[str]):
        self.by_reading: dict[str, list[str]] = {}
        for word in words:
            if not _KANJI.search(word):
                continue
            reading = tokenizer.reading(word)
            if len(reading) >= _MIN_READING and reading != word:
                self.by_reading.setdefault(reading, []).append("w:" + word)
        self.longest = max(map(len, self.by_reading), default=0)

    def _read(self, kana: str) -> list[tuple[str, list[str]]]:
        """The kana string cut into (piece, words read into it) from the left, longest reading first;
        a piece no word reads has no words."""
        pieces: list[tuple[str, list[str]]] = []
        for chunk in katakana_to_hiragana(kana).split():
            i, rest = 0, ""
            while i < len(chunk):
                for n in range(min(self.longest, len(chunk) - i), _MIN_READING - 1, -1):
                    found = self.by_reading.get(chunk[i:i + n])
                    if found:
                        if rest:
                            pieces.append((rest, []))
                            rest = ""
                        pieces.append((chunk[i:i + n], found))
                        i += n
                        break
                else:
                    rest += chunk[i]
                    i += 1
            pieces.append((rest + " ", []))
        return pieces

    def words(self, kana: str) -> list[str]:
        """Word tokens read into a kana string, longest reading first, left to right."""
        return [w for _, found in self._read(kana) for w in found]

    def rewrite(self, kana: str) -> str:
        """The kana string with each piece the FAQ's questions read written as their word, the most common
        first (「としょかん やすみ」 → 「図書館 やすみ」), for the embedding model, which reads kana poorly."""
        return "".join(found[0][2:] if found else piece for piece, found in self._read(kana)).strip()


class QueryAnalyzer:
    def __init__(self, tokenizer: JapaneseTokenizer, vocabulary: Vocabulary | None = None,
                 request_words: frozenset[str] = REQUEST_WORDS, expansion_weight: float = EXPANSION_WEIGHT,
                 optional_aliases: bool = True, kana_lexicon: Callable[[], KanaLexicon | None] | None = None,
                 kana_weight: float = KANA_WEIGHT, kana_for_model: bool = True):
        self.tokenizer = tokenizer
        self.vocabulary = default_vocabulary() if vocabulary is None else vocabulary
        self.request_words = request_words
        self.expansion_weight = expansion_weight
        self.optional_aliases = optional_aliases
        self.kana_lexicon = kana_lexicon   # made on the first kana-only query
        self.kana_weight = kana_weight
        self.kana_for_model = kana_for_model

    def dense_text(self, query: str) -> str:
        """What the embedding model reads: a kana-only query with the words the FAQ's questions read into it."""
        if not self.kana_for_model or self.kana_lexicon is None or not self.tokenizer.is_kana_only(query):
            return query
        lexicon = self.kana_lexicon()
        return lexicon.rewrite(normalize_query(query).lower()) if lexicon else query

    def terms(self, query: str) -> QueryTerms:
        tok = self.tokenizer
        # 「教えてください」 alone asks nothing: no terms, so no entry matches it
        own = tok.tokens(query, self.request_words)
        weights = dict.fromkeys(own, 1.0)
        optional: set[str] = set()
        if self.expansion_weight > 0:
            for canonical, alias in self.vocabulary.matches(query):
                expansion = [t for t in tok.tokens(canonical) if t not in weights and t.startswith(EXPAND_KINDS)]
                for t in expansion:
                    weights[t] = self.expansion_weight
                optional.update(expansion)
                if self.optional_aliases and expansion:
                    optional.update(t for t in tok.tokens(alias) if t in weights)
        if self.kana_lexicon is not None and self.kana_weight > 0 and tok.is_kana_only(query):
            lexicon = self.kana_lexicon()
            for t in lexicon.words(normalize_query(query).lower()) if lexicon else ():
                if t not in weights:
                    weights[t] = self.kana_weight
                    optional.add(t)
        return QueryTerms(weights, frozenset(optional))
