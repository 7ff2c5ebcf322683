"""Statistics of a collection computable at build time from the FAQ alone (no query log, no new embeddings),
and a rule deriving per-collection thresholds from them. Studied with benchmarks/calibrate.py --calibration;
not used by the Searcher: on the dev collections the calibrated thresholds were no better than the fixed
ones (docs/BENCHMARKS.md "Confidence").

Leave-one-out pseudo-queries: each sampled entry's own question, already embedded as a query, is searched
against the collection *without that entry*. The best fused score and its lead over the second are what a
wrong top-1 gets on this collection when the right entry is absent; near-duplicate entries raise both."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .lexical import BM25, JapaneseTokenizer
from .search import SearchConfig, Signals, fuse
from .snapshot import KIND_PASSAGE, KIND_QUESTION

SAMPLE = 300        # pseudo-queries per collection: enough for a stable share, cheap at any size
SAMPLE_SEED = 0     # the same FAQ gives the same sample, so the same calibration


@dataclass(frozen=True)
class PseudoQuery:
    entry: int                 # position of the entry whose question is the query
    absent: tuple[int, ...]    # left out of the ranking: the entry and any entry with the same answer
    signals: Signals
    groups: np.ndarray         # per entry: entries with the same answer share a number


def sample_positions(n: int, size: int = SAMPLE, seed: int = SAMPLE_SEED) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def pseudo_queries(questions: list[str], answers: list[str], bm25_questions: BM25, bm25_answers: BM25,
                   tokenizer: JapaneseTokenizer, vectors: np.ndarray | None, owners: np.ndarray | None,
                   kinds: np.ndarray | None,
                   positions: np.ndarray) -> list[PseudoQuery]:
    """The per-FAQ signals of each sampled entry's question, as Ranker.signals would give them
    (dense from the stored vectors: the question row is the entry's question embedded as a query)."""
    n = len(questions)
    out = []
    same_answer: dict[str, list[int]] = {}
    for pos, a in enumerate(answers):  # an exact copy answers the pseudo-query rightly: not a wrong top-1
        same_answer.setdefault(a.strip(), []).append(pos)
    groups = np.empty(n, dtype=np.int64)
    for number, members in enumerate(same_answer.values()):
        groups[members] = number
    dense = _dense_signals(vectors, owners, kinds, n, positions) if vectors is not None and len(vectors) else {}
    for i in positions:
        tokens = tokenizer.tokens(questions[i])
        lex = []
        for bm in (bm25_questions, bm25_answers):
            best = bm.max_score(tokens)
            lex.append(np.clip(bm.scores(tokens) / best, 0.0, 1.0) if best > 0 else np.zeros(n, dtype=np.float32))
        question_sim, answer_sim = dense.get(int(i), (None, None))
        out.append(PseudoQuery(int(i), tuple(same_answer[answers[i].strip()]),
                               Signals(lex[0], lex[1], question_sim, answer_sim), groups))
    return out


def _dense_signals(vectors: np.ndarray, owners: np.ndarray, kinds: np.ndarray, n: int,
                   positions: np.ndarray, batch: int = 64) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per sampled entry: the best cosine of its question vector to each entry's questions and to each
    entry's passages, a few matrix products for the whole sample (not one scan per pseudo-query)."""
    q_rows = np.full(n, -1, dtype=np.int64)
    own_q = np.flatnonzero(kinds == KIND_QUESTION)
    q_rows[owners[own_q]] = own_q
    sampled = [int(i) for i in positions if q_rows[i] >= 0]
    segments = []
    for mask in (kinds < KIND_PASSAGE, kinds >= KIND_PASSAGE):
        rows = np.flatnonzero(mask)
        rows = rows[np.argsort(owners[rows], kind="stable")]   # rows of one entry next to each other
        if not len(rows):
            segments.append((rows, rows, rows))
            continue
        starts = np.flatnonzero(np.r_[True, np.diff(owners[rows]) != 0])
        segments.append((rows, starts, owners[rows][starts]))
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for b in range(0, len(sampled), batch):
        chunk = sampled[b:b + batch]
        queries = vectors[q_rows[chunk]].T
        best = []
        for rows, starts, entries in segments:
            sims = np.full((n, len(chunk)), -1.0, dtype=np.float32)
            if len(rows):
                sims[entries] = np.maximum.reduceat(vectors[rows] @ queries, starts, axis=0)
            best.append(sims)
        for k, i in enumerate(chunk):
            out[i] = (best[0][:, k].copy(), best[1][:, k].copy())
    return out


@dataclass(frozen=True)
class AbsentStats:
    """Fused top score and lead of the pseudo-queries with their own entry left out."""
    top: np.ndarray
    lead: np.ndarray
    dense_top: np.ndarray | None    # best blended cosine of another entry (the collection's cosine level)


def absent_stats(queries: list[PseudoQuery], cfg: SearchConfig) -> AbsentStats:
    tops, leads, dtops = [], [], []
    for pq in queries:
        fused = fuse(pq.signals, cfg)
        score = fused.score.copy()
        score[list(pq.absent)] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]):   # every entry has this answer: nothing can be wrong
            tops.append(0.0)
            leads.append(0.0)
            continue
        # the lead over the best entry with another answer: copies of one answer tie, and are not rivals
        rivals = score[pq.groups != pq.groups[best]]
        tops.append(max(float(score[best]), 0.0))
        leads.append(float(score[best] - rivals.max()) if len(rivals) and np.isfinite(rivals.max())
                     else float(score[best]))
        if fused.dense is not None:
            dense = np.delete(fused.dense, pq.absent)
            dtops.append(float(dense.max()) if len(dense) else 0.0)
    arr = lambda xs: np.asarray(xs, dtype=np.float64)  # noqa: E731
    return AbsentStats(arr(tops), arr(leads), arr(dtops) if dtops else None)


# -- the rule: one for every collection ---------------------------------------------------------------
# A pseudo-query whose own entry is absent has no right answer, so a confident answer to it is a wrong one.
# The collection's thresholds are the fixed ones moved up or down together by one shift: the smallest shift
# at which at most ALLOWED of the pseudo-queries would get a confident answer. ALLOWED was chosen once, so that
# the dev collections (seed, seed-plain, the municipal tune half) keep about their fixed thresholds
# (docs/BENCHMARKS.md "Confidence"); a collection whose wrong top-1s score higher (near-duplicate entries,
# one long vocabulary) gets stricter thresholds, one whose scores run lower gets looser ones.
ALLOWED = 0.20
MIN_SHIFT, MAX_SHIFT, SHIFT_STEP = -0.10, 0.15, 0.005
MIN_ENTRIES = 50    # fewer entries: too few pseudo-queries for a percentile; the fixed thresholds stay


@dataclass(frozen=True)
class Calibration:
    """Thresholds derived from one collection's own entries: the fixed ones moved by `shift`."""
    shift: float
    answer_threshold: float
    strong_threshold: float
    suggest_threshold: float
    pseudo_queries: int
    answered_at_fixed: float   # share of pseudo-queries the fixed thresholds would answer (wrongly)

    def apply(self, cfg: SearchConfig) -> SearchConfig:
        return replace(cfg, answer_threshold=self.answer_threshold, strong_threshold=self.strong_threshold,
                       suggest_threshold=self.suggest_threshold)


def answered_share(stats: AbsentStats, cfg: SearchConfig, shift: float) -> float:
    """Share of pseudo-queries a confident answer would be given with the thresholds moved by `shift`."""
    if not len(stats.top):
        return 0.0
    answered = (((stats.top >= cfg.answer_threshold + shift) & (stats.lead >= cfg.answer_margin))
                | ((stats.top >= cfg.strong_threshold + shift) & (stats.lead >= cfg.strong_margin)))
    return float(np.mean(answered))


def derive(stats: AbsentStats, cfg: SearchConfig) -> Calibration:
    steps = int(round((MAX_SHIFT - MIN_SHIFT) / SHIFT_STEP))
    shifts = [round(MIN_SHIFT + k * SHIFT_STEP, 4) for k in range(steps + 1)]
    shift = next((s for s in shifts if answered_share(stats, cfg, s) <= ALLOWED), MAX_SHIFT)
    return Calibration(shift, cfg.answer_threshold + shift, cfg.strong_threshold + shift,
                       cfg.suggest_threshold + shift, len(stats.top), answered_share(stats, cfg, 0.0))


def calibrate(questions: list[str], answers: list[str], bm25_questions: BM25, bm25_answers: BM25,
              tokenizer: JapaneseTokenizer, vectors: np.ndarray | None, owners: np.ndarray | None,
              kinds: np.ndarray | None, cfg: SearchConfig | None = None) -> Calibration | None:
    """The collection's calibration, or None (too few entries, or no vectors: lexical-only thresholds stay fixed)."""
    cfg = cfg or SearchConfig()
    if vectors is None or len(questions) < MIN_ENTRIES:
        return None
    queries = pseudo_queries(questions, answers, bm25_questions, bm25_answers, tokenizer, vectors, owners, kinds,
                             sample_positions(len(questions)))
    return derive(absent_stats(queries, cfg), cfg)
