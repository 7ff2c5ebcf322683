"""Another embedding model's cosines, put on the scale the search was calibrated on.

The fused score's dense part (`SearchConfig.dense_floor` / `dense_ceiling`) and the cross-lingual
thresholds were calibrated on the bundled multilingual-e5-small, whose cosines sit high and close together:
an entry's question scores about 0.82 against an unrelated entry and about 0.95 against its own answer.
Another model spreads them differently (all-MiniLM-L6-v2: about 0.32 and 0.87), so the fixed limits would
read its matches as no similarity at all. At build time two levels are measured from the FAQ itself, with no
query log: `unrelated`, the median cosine of an entry's question to the other entries' vectors, and `own`,
the median of its best cosine to its own entry's other vectors (alt questions, answer). Query-time cosines
are then mapped linearly so that these two levels land where the bundled model's do. The bundled model's
own builds carry no scale: its cosines are the reference."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .snapshot import KIND_QUESTION

# the bundled model's levels on the seed FAQ (0.817 / 0.952) and the municipal collection (0.822 / 0.946)
REFERENCE_UNRELATED = 0.82
REFERENCE_OWN = 0.95
SAMPLE = 200          # questions measured: enough for stable medians, cheap at 5,000 entries
MIN_ENTRIES = 10      # fewer: no stable level; the cosines are used as they are
MIN_SPREAD = 0.05     # own − unrelated below this: a degenerate model, not worth stretching


@dataclass(frozen=True)
class DenseScale:
    unrelated: float
    own: float

    def apply(self, cosines: np.ndarray) -> np.ndarray:
        """Cosines of this build's model on the bundled model's scale."""
        stretch = (REFERENCE_OWN - REFERENCE_UNRELATED) / (self.own - self.unrelated)
        return (REFERENCE_UNRELATED + (cosines - self.unrelated) * stretch).astype(np.float32)

    def to_manifest(self) -> dict:
        return {"unrelated": round(self.unrelated, 4), "own": round(self.own, 4)}

    @classmethod
    def from_manifest(cls, manifest: dict) -> "DenseScale | None":
        raw = manifest.get("dense_scale")
        if not isinstance(raw, dict):
            return None
        try:
            scale = cls(float(raw["unrelated"]), float(raw["own"]))
        except (KeyError, TypeError, ValueError):
            return None
        return scale if scale.own - scale.unrelated >= MIN_SPREAD else None


def measure(vectors: np.ndarray, owners: np.ndarray, kinds: np.ndarray, seed: int = 0) -> DenseScale | None:
    """The two levels of this build's vectors (normalized rows), or None when the FAQ is too small to say."""
    questions = np.flatnonzero(kinds == KIND_QUESTION)
    if len(questions) < MIN_ENTRIES:
        return None
    if len(questions) > SAMPLE:
        questions = np.sort(np.random.default_rng(seed).choice(questions, SAMPLE, replace=False))
    unrelated, own = [], []
    rows = np.arange(len(owners))
    for row in questions:
        sims = vectors @ vectors[row]
        others = owners != owners[row]
        mine = (owners == owners[row]) & (rows != row)
        if not others.any() or not mine.any():
            continue
        unrelated.append(float(np.median(sims[others])))
        own.append(float(sims[mine].max()))
    if len(own) < MIN_ENTRIES:
        return None
    scale = DenseScale(float(np.median(unrelated)), float(np.median(own)))
    return scale if scale.own - scale.unrelated >= MIN_SPREAD else None
