"""Ranking FAQ entries for a resident's question and deciding how sure we are."""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from faq.model import FaqEntry
from faq.text import normalize_query

from .dense_scale import DenseScale
from .embedders import Embedder, QueryCache
from .lexical import JapaneseTokenizer
from .query_terms import KanaLexicon, QueryAnalyzer
from .share import BuildShare
from .snapshot import KIND_PASSAGE, IndexError_, Snapshot, current_build, load_snapshot

log = logging.getLogger(__name__)

ANSWER, SUGGEST, FALLBACK = "answer", "suggest", "fallback"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W\d_]{2,}")   # a run of letters (Latin, hangul …): "asdfgh" is one, "1234" none
_CONTENT = re.compile(r"[0-9A-Za-z\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class SearchConfig:
    """Weights and thresholds: one set for every collection (seed FAQ with alt questions, a city's plain
    export), calibrated with benchmarks/calibrate.py (docs/BENCHMARKS.md)."""
    dense_weight: float = 0.55         # share of the dense signal in the fused score
    passage_weight: float = 0.7        # answer-passage similarity vs. question similarity
    question_lex_weight: float = 0.5   # BM25 over the question field vs. over the answer field
    # Without the model the question field weighs more: the answer field's long text then has no
    # dense signal beside it to tell an entry that answers from one that mentions the words.
    lexical_question_weight: float = 0.6
    dense_floor: float = 0.75          # cosine at or below this counts as no similarity
    dense_ceiling: float = 0.95        # cosine at or above this counts as identical
    answer_threshold: float = 0.50
    answer_margin: float = 0.055
    # a strong match needs a smaller lead: at or above this score a lead of strong_margin is enough
    strong_threshold: float = 0.70
    strong_margin: float = 0.04
    suggest_threshold: float = 0.35
    # Without the model (degraded mode, or dense_weight 0) the score is BM25's share of the query
    # matched, lower than a fused score for the same evidence: its own thresholds.
    lexical_answer_threshold: float = 0.50
    # ... and a clearer lead: words alone cannot tell an entry from its neighbour that repeats them
    lexical_answer_margin: float = 0.07
    lexical_suggest_threshold: float = 0.12
    suggest_max: int = 3
    # Queries in another script (English, Vietnamese, Korean …): BM25 over Japanese finds nothing, so the
    # fused score stays low; they are judged on the cross-lingual cosine alone, with stricter limits
    # (calibrated on the English and Vietnamese dev queries, docs/BENCHMARKS.md).
    foreign_answer_dense: float = 0.85
    foreign_answer_margin: float = 0.03
    foreign_suggest_dense: float = 0.83
    # across languages e5 matches the short Japanese question better than long answer passages
    foreign_passage_weight: float = 0.5
    category_boost: float = 0.05
    dense_candidates: int = 1024       # vectors fetched from FAISS before grouping by FAQ
    query_cache_size: int = 4096       # recent query vectors kept per worker (0: none); 1.5 KB each

    def thresholds(self, lexical_only: bool) -> tuple[float, float]:
        """(answer, suggest) thresholds for a fused score, or for a lexical-only one."""
        if lexical_only:
            return self.lexical_answer_threshold, self.lexical_suggest_threshold
        return self.answer_threshold, self.suggest_threshold


@dataclass(frozen=True)
class Candidate:
    entry: FaqEntry
    score: float       # fused, roughly 0..1
    dense: float       # best cosine similarity (0 when unavailable)
    lexical: float     # BM25, normalized to 0..1 by the best possible score for the query


@dataclass(frozen=True)
class SearchOutcome:
    query: str
    decision: str                          # answer | suggest | fallback
    candidates: tuple[Candidate, ...]
    reason: str = ""
    degraded: bool = False                 # dense search unavailable: lexical only

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        return self.candidates[:3]


def has_content(query: str) -> bool:
    return bool(_CONTENT.search(query))


class Ranker:
    """Scores every FAQ of one snapshot for one query."""

    def __init__(self, snapshot: Snapshot, embedder: Embedder | None, config: SearchConfig,
                 tokenizer: JapaneseTokenizer):
        self.snap, self.embedder, self.config, self.tokenizer = snapshot, embedder, config, tokenizer
        self.dense_scale = DenseScale.from_manifest(getattr(snapshot, "manifest", None) or {})
        self.analyzer = QueryAnalyzer(tokenizer, kana_lexicon=self.kana_lexicon)
        self._lexicon: KanaLexicon | None = None
        self._lexicon_lock = threading.Lock()
        # per-FAQ category codes, so a category preference costs one vector comparison per query
        categories = getattr(snapshot.entries, "categories", None) or [e.category for e in snapshot.entries]
        self._category_code: dict[str, int] = {}
        self._categories = np.fromiter((self._category_code.setdefault(c, len(self._category_code))
                                        for c in categories), dtype=np.int32, count=len(categories))

    def kana_lexicon(self) -> KanaLexicon:
        """Readings of the question field's words, made once per snapshot on the first kana-only query."""
        with self._lexicon_lock:
            if self._lexicon is None:
                bm = self.snap.bm25_questions
                # the most common word first: a reading two words share (ほけん: 保険, 保健) is written as it
                words = sorted((t for t in bm.vocab if t.startswith("w:")), key=lambda t: float(bm.idf[bm.vocab[t]]))
                self._lexicon = KanaLexicon(self.tokenizer, (t[2:] for t in words))
            return self._lexicon

    def unknown_places(self, query: str) -> list[str]:
        """Place names in the query that no entry of this index mentions."""
        bq, ba = self.snap.bm25_questions.vocab, self.snap.bm25_answers.vocab
        return [t for t in self.tokenizer.place_names(query) if t not in bq and t not in ba]

    def dense_signals(self, query: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-FAQ cosines: the best question match (query-to-question) and the best answer match
        (query-to-passage: the question with the start of the answer, or one passage of a long answer)."""
        snap, cfg = self.snap, self.config
        if not snap.has_dense or self.embedder is None or snap.vectors.size == 0:
            return None
        qvec = self.embedder.embed_queries([self.analyzer.dense_text(query)])[0]
        sims, rows = snap.vectors.search(qvec, cfg.dense_candidates)
        if self.dense_scale is not None:
            sims = self.dense_scale.apply(sims)
        n = len(snap.entries)
        floor = float(sims.min()) if len(sims) else 0.0  # unseen vectors score at most this
        question = np.full(n, floor, dtype=np.float32)
        answer = np.full(n, floor, dtype=np.float32)
        owners, kinds = snap.owners[rows], snap.kinds[rows]
        is_passage = kinds >= KIND_PASSAGE
        np.maximum.at(question, owners[~is_passage], sims[~is_passage])
        np.maximum.at(answer, owners[is_passage], sims[is_passage])
        return question, answer

    def lexical_signals(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-FAQ BM25 of the question field and of the answer field, each divided by what a
        document holding every query term would score (0..1 whatever the collection's size)."""
        terms = self.analyzer.terms(query)
        return self.snap.bm25_questions.share(terms), self.snap.bm25_answers.share(terms)

    def signals(self, query: str) -> Signals:
        """Every per-FAQ signal for one query; dense ones are None when the model is unavailable."""
        lex_q, lex_a = self.lexical_signals(query)
        dense = None
        if self.config.dense_weight > 0:
            try:
                dense = self.dense_signals(query)
            except Exception:  # noqa: BLE001 - a failing model must not stop answers
                log.exception("dense search failed; answering from lexical search only")
        return Signals(lex_q, lex_a, *(dense or (None, None)))

    def rank(self, query: str, prefer_category: str | None, top_k: int,
             category_boost: float | None = None) -> tuple[list[Candidate], bool, bool]:
        """The top candidates, whether the model failed (degraded), whether the scores are lexical only."""
        cfg = self.config if _JAPANESE.search(query) else replace(self.config,
                                                                   passage_weight=self.config.foreign_passage_weight)
        fused = fuse(self.signals(query), cfg)
        lexical_only = fused.dense is None
        degraded = cfg.dense_weight > 0 and lexical_only
        score = fused.score
        # A preferred category changes the order, never the scores: decide() then sees a reordered top
        # whose lead is not clear and offers choices instead of a confident answer it would not give otherwise.
        order = score
        if prefer_category:
            boost = cfg.category_boost if category_boost is None else category_boost
            cats = self._categories == self._category_code.get(prefer_category, -1)
            order = score + boost * (cats & (score >= cfg.thresholds(lexical_only)[1]))
        k = min(top_k, len(score))
        if k == 0:
            return [], degraded, lexical_only
        top = np.argpartition(-order, k - 1)[:k]
        top = top[np.argsort(-order[top], kind="stable")]
        dense_raw = fused.dense if fused.dense is not None else np.zeros_like(score)
        return [Candidate(self.snap.entries[i], float(score[i]), float(dense_raw[i]), float(fused.lexical[i]))
                for i in top], degraded, lexical_only


@dataclass(frozen=True)
class Signals:
    """Per-FAQ evidence for one query (arrays over the snapshot's entries)."""
    lexical_question: np.ndarray           # BM25 of the question field, 0..1
    lexical_answer: np.ndarray             # BM25 of the answer field, 0..1
    question_sim: np.ndarray | None = None  # best cosine to the question / alt questions
    answer_sim: np.ndarray | None = None    # best cosine to the question+answer start / answer passages


@dataclass(frozen=True)
class Fused:
    score: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray | None


def fuse(s: Signals, cfg: SearchConfig) -> Fused:
    """One score per FAQ, roughly 0..1, from absolute signals only (no division by the best candidate
    or the collection's statistics), so the thresholds mean the same on 100 or 5,000 entries."""
    if s.question_sim is None or cfg.dense_weight <= 0:
        lexical = _lexical(s, cfg.lexical_question_weight)
        return Fused(lexical, lexical, None)
    lexical = _lexical(s, cfg.question_lex_weight)
    w = cfg.passage_weight
    dense = (1 - w) * s.question_sim + w * s.answer_sim
    dense_part = np.clip((dense - cfg.dense_floor) / (cfg.dense_ceiling - cfg.dense_floor), 0, 1)
    return Fused(cfg.dense_weight * dense_part + (1 - cfg.dense_weight) * lexical, lexical, dense)


def _lexical(s: Signals, question_weight: float) -> np.ndarray:
    return np.clip(question_weight * s.lexical_question + (1 - question_weight) * s.lexical_answer, 0.0, 1.0)


def decide(query: str, candidates: list[Candidate], config: SearchConfig,
           lexical_only: bool = False,
           unknown_place: Callable[[], bool] = lambda: False) -> tuple[str, str, list[Candidate]]:
    """answer / suggest / fallback, the reason, and the candidates worth showing. `unknown_place()`: the
    query names a place no entry mentions (「東京都 住民票 郵送」) — likely another municipality's business,
    which a look-alike entry of this FAQ does not answer: choices, never a confident answer. Asked only
    when the answer would be confident (it reads the query again)."""
    if not candidates:
        return FALLBACK, "no-candidates", []
    answer_threshold, suggest_threshold = config.thresholds(lexical_only)
    top = candidates[0]
    second = candidates[1].score if len(candidates) > 1 else 0.0
    japanese = bool(_JAPANESE.search(query))
    if not japanese and top.dense > 0 and len(_WORD.findall(query)) >= 2:
        return _decide_foreign(candidates, config)
    lead = top.score - second
    margin = config.lexical_answer_margin if lexical_only else config.answer_margin
    clear = ((top.score >= answer_threshold and lead >= margin)
             or (not lexical_only and top.score >= config.strong_threshold and lead >= config.strong_margin))
    if clear and japanese:
        if unknown_place():
            return SUGGEST, "unknown-place", candidates
        return ANSWER, "clear-top", candidates
    close = [c for c in candidates[:config.suggest_max] if c.score >= suggest_threshold]
    if close:
        return SUGGEST, "close-candidates" if japanese else "not-japanese", candidates
    return FALLBACK, "low-score", candidates


def _decide_foreign(candidates: list[Candidate], config: SearchConfig) -> tuple[str, str, list[Candidate]]:
    """A query of two or more words without Japanese script, judged on the dense (cross-lingual)
    similarity; single words, numbers and emoji keep the old rule (no confident answer)."""
    by_dense = sorted(candidates, key=lambda c: -c.dense)
    top = by_dense[0]
    second = by_dense[1].dense if len(by_dense) > 1 else 0.0
    if top.dense >= config.foreign_answer_dense and top.dense - second >= config.foreign_answer_margin:
        return ANSWER, "foreign-clear-top", by_dense
    if top.dense >= config.foreign_suggest_dense:
        return SUGGEST, "foreign-close", by_dense
    return FALLBACK, "foreign-low", by_dense


@dataclass(frozen=True)
class SearchHealth:
    """The state of search for health checks and the staff console."""
    ready: bool              # an index (or the lexical stand-in built from the FAQ) answers queries
    dense: bool              # query vectors work: full search, not the degraded lexical-only mode
    entries: int
    build: str | None        # the published build being served
    problem: str | None      # why search is degraded (for logs and staff, not for residents)
    published: bool = False  # an index has been built into the index directory (even if unusable now)
    sync_problem: str | None = None  # why the newest shared build could not be fetched (this host keeps its own)

    @property
    def degraded(self) -> bool:
        return not (self.ready and self.dense)


class Searcher:
    """Search over the published index; picks up a rebuilt index without a restart.

    `lexical_fallback` returns FAQ entries to search lexically when the index is
    missing or corrupt, so residents still get answers (flagged as degraded).

    With `share` (several hosts), a background thread checks the database at most every `sync_seconds`
    for a newer published build and fetches it (index.share); the query path never waits for the database,
    except on a host that has no build at all yet."""

    def __init__(self, index_dir: str | Path, embedder_factory: Callable[[], Embedder] | None,
                 config: SearchConfig | None = None,
                 lexical_fallback: Callable[[], list[FaqEntry]] | None = None,
                 share: BuildShare | None = None, sync_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self.index_dir = Path(index_dir)
        self.share = share
        self.sync_seconds = sync_seconds
        self._monotonic = monotonic
        self._last_sync: float | None = None
        self._sync_lock = threading.Lock()   # one sync at a time in this process
        self._sync_thread: threading.Thread | None = None
        self.sync_problem: str | None = None
        self._refused: tuple | None = None   # the pointer state whose build failed to load (for one repair)
        self.config = config or SearchConfig()
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        self._embedder_failed = False
        self._lexical_fallback = lexical_fallback
        self._tokenizer = JapaneseTokenizer()
        self._lock = threading.Lock()
        self._loaded_from: tuple | None = None
        self._ranker: Ranker | None = None
        self.problem: str | None = None  # why search is degraded, for logs and the console

    # -- loading ---------------------------------------------------------
    def _pointer_state(self) -> tuple | None:
        pointer = self.index_dir / "CURRENT"
        try:
            st = pointer.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def embedder(self) -> Embedder | None:
        if self._embedder is None and not self._embedder_failed and self._embedder_factory is not None:
            try:
                embedder = self._embedder_factory()
                size = self.config.query_cache_size
                self._embedder = QueryCache(embedder, size) if size > 0 else embedder
            except Exception as exc:  # noqa: BLE001
                self._embedder_failed = True
                self.problem = f"埋め込みモデルを読み込めません: {exc}"
                log.error("embedder failed to load: %s", exc)
        return self._embedder

    def _load(self) -> Ranker:
        snap = load_snapshot(self.index_dir)
        embedder = self.embedder() if snap.has_dense else None
        if snap.has_dense and embedder is not None and embedder.name != snap.model:
            raise IndexError_(f"インデックスは別のモデル（{snap.model}）で作られています。現在のモデル（{embedder.name}）で "
                              f"build-index をやり直してください / index built with {snap.model}, not {embedder.name}")
        features = tuple(snap.manifest.get("lexical_features") or self._tokenizer.features)
        if features != self._tokenizer.features:  # the query must be tokenized as the index was
            self._tokenizer = JapaneseTokenizer(features)
        return Ranker(snap, embedder, self.config, self._tokenizer)

    def _lexical_only(self) -> Ranker | None:
        if self._lexical_fallback is None:
            return None
        from .build import build_snapshot
        snap, _ = build_snapshot(self._lexical_fallback(), None, None, tokenizer=self._tokenizer)
        return Ranker(snap, None, self.config, self._tokenizer)

    # -- sharing between hosts --------------------------------------------
    def sync(self, wait: bool = True) -> str | None:
        """Fetch and publish the newest shared build now; the build name served afterwards, or None.
        A failure is logged and kept for health(); the current build stays."""
        if self.share is None:
            return None
        if not self._sync_lock.acquire(blocking=wait):
            return None
        try:
            self._last_sync = self._monotonic()
            repair, self._refused = self._refused is not None, None   # one attempt per refused build
            name = self.share.sync(self.index_dir, wait=wait, repair=repair)
            self.sync_problem = None
            return name
        except Exception as exc:  # noqa: BLE001 - database down, a bad build: keep serving this one
            problem = f"共有インデックスを取得できません（今のインデックスのまま）: {exc}"
            # once per new problem: a database that is down would otherwise be logged every few seconds
            log.log(logging.ERROR if problem != self.sync_problem else logging.DEBUG,
                    "index sync failed, keeping the current build: %s", exc)
            self.sync_problem = problem
            return None
        finally:
            self._sync_lock.release()

    def _sync_due(self) -> None:
        if self.share is None:
            return
        if self._last_sync is None and self._pointer_state() is None:
            self.sync()  # a new host: answer from the shared build from the first query on
            return
        if self._last_sync is not None and self._monotonic() - self._last_sync < self.sync_seconds:
            return
        thread = self._sync_thread
        if thread is not None and thread.is_alive():
            return
        self._last_sync = self._monotonic()
        self._sync_thread = threading.Thread(target=self._sync_in_background, name="index-sync", daemon=True)
        self._sync_thread.start()

    def _sync_in_background(self) -> None:
        try:
            self.sync(wait=False)
        finally:
            self.share.close()  # this thread's connection: the next check runs in a new thread

    def ranker(self) -> Ranker | None:
        self._sync_due()
        state = self._pointer_state()
        if self._ranker is not None and state == self._loaded_from:
            return self._ranker
        with self._lock:
            if self._ranker is not None and state == self._loaded_from:
                return self._ranker
            try:
                self._ranker = self._load()
                self.problem = None if not self._embedder_failed else self.problem
                log.info("search index loaded: %s", current_build(self.index_dir))
            except IndexError_ as exc:
                self.problem = str(exc)
                self._refused = state
                log.error("search index unavailable: %s", exc)
                if self._ranker is None or state is None:
                    self._ranker = self._lexical_only()
            self._loaded_from = state
        return self._ranker

    def check(self) -> None:
        """Raise IndexError_ unless the index loads with the configured model (for CLI use)."""
        self._load()

    @property
    def snapshot(self) -> Snapshot | None:
        r = self.ranker()
        return r.snap if r else None

    def health(self) -> "SearchHealth":
        """What the rest of the product may know of the index: whether search works fully."""
        r = self.ranker()
        published = self._pointer_state() is not None
        if r is None:
            return SearchHealth(ready=False, dense=False, entries=0, build=None, problem=self.problem,
                                published=published, sync_problem=self.sync_problem)
        dense = r.snap.has_dense and not self._embedder_failed
        return SearchHealth(ready=True, dense=dense, entries=len(r.snap.entries),
                            build=r.snap.path.name if r.snap.path else None,
                            problem=None if dense and not self.problem else self.problem, published=published,
                            sync_problem=self.sync_problem)

    # -- searching -------------------------------------------------------
    def search(self, query: str, top_k: int = 10, prefer_category: str | None = None,
               category_boost: float | None = None) -> SearchOutcome:
        """Ranked candidates and the decision. `prefer_category` moves relevant entries of that category
        up by `category_boost` (default from the config) in the order, without changing their scores."""
        query = normalize_query(query or "")[:500]
        if not has_content(query):
            return SearchOutcome(query, FALLBACK, (), reason="no-content")
        ranker = self.ranker()
        if ranker is None:
            return SearchOutcome(query, FALLBACK, (), reason="no-index", degraded=True)
        candidates, degraded, lexical_only = ranker.rank(query, prefer_category,
                                                         max(top_k, self.config.suggest_max), category_boost)
        degraded = degraded or not ranker.snap.has_dense
        decision, reason, shown = decide(query, candidates, self.config, lexical_only,
                                         unknown_place=lambda: bool(ranker.unknown_places(query)))
        return SearchOutcome(query, decision, tuple(shown[:top_k]), reason, degraded)

    def with_config(self, **changes) -> "Searcher":
        """The same index with other weights/thresholds (for calibration)."""
        other = Searcher(self.index_dir, self._embedder_factory, replace(self.config, **changes), self._lexical_fallback)
        other._embedder = self._embedder
        return other
