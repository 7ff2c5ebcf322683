"""A resident's query as weighted BM25 terms: request words dropped, municipal vocabulary expanded.

Residents wrap a topic in requests (「〜について教えてください」「〜を知りたいのですが」); those words say
nothing about which entry answers, yet long answers hold them (「詳しくはお問い合わせください」), so they are
dropped from queries (documents keep every word). A resident's abbreviation or everyday word (国保, マイナ, 粗大)
also searches for the form FAQs use (国民健康保険, マイナンバーカード, 粗大ごみ) at a lower weight."""
from __future__ import annotations

from .lexical import JapaneseTokenizer, QueryTerms
from .vocabulary import Vocabulary, default_vocabulary

# Sudachi normalized forms of request words and fillers: asking, knowing, wanting, politeness.
REQUEST_WORDS = frozenset("教える 知る 分かる 伺う 聞く 尋ねる 願う 良い 一寸 つく 質問 欲しい 詳しい".split())
EXPANSION_WEIGHT = 0.3   # a vocabulary expansion's weight against the query's own words


class QueryAnalyzer:
    def __init__(self, tokenizer: JapaneseTokenizer, vocabulary: Vocabulary | None = None,
                 request_words: frozenset[str] = REQUEST_WORDS, expansion_weight: float = EXPANSION_WEIGHT,
                 optional_aliases: bool = True):
        self.tokenizer = tokenizer
        self.vocabulary = default_vocabulary() if vocabulary is None else vocabulary
        self.request_words = request_words
        self.expansion_weight = expansion_weight
        self.optional_aliases = optional_aliases

    def terms(self, query: str) -> QueryTerms:
        tok = self.tokenizer
        # 「教えてください」 alone asks nothing: no terms, so no entry matches it
        own = tok.tokens(query, self.request_words)
        weights = dict.fromkeys(own, 1.0)
        optional: set[str] = set()
        if self.expansion_weight > 0:
            for canonical, alias in self.vocabulary.matches(query):
                expansion = [t for t in tok.tokens(canonical) if t not in weights]
                for t in expansion:
                    weights[t] = self.expansion_weight
                optional.update(expansion)
                if self.optional_aliases and expansion:
                    optional.update(t for t in tok.tokens(alias) if t in weights)
        return QueryTerms(weights, frozenset(optional))
