"""The thresholds a build carries, derived from its own entries at build time (index.calibration), and how
a search config takes them."""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

log = logging.getLogger(__name__)

RULE = "loo-shift-1"
MIN_SHIFT, MAX_SHIFT = -0.10, 0.15   # how far a collection may move the fixed thresholds
CALIBRATED_FIELDS = ("answer_threshold", "strong_threshold", "suggest_threshold")


@dataclass(frozen=True)
class Calibration:
    """Thresholds derived from one build's own entries (stored in its manifest)."""
    shift: float
    answer_threshold: float
    strong_threshold: float
    suggest_threshold: float
    pseudo_queries: int
    answered_at_fixed: float   # share of pseudo-queries the fixed thresholds would answer (wrongly)

    def to_manifest(self) -> dict:
        return {"rule": RULE, "shift": round(self.shift, 4),
                "answer_threshold": round(self.answer_threshold, 4),
                "strong_threshold": round(self.strong_threshold, 4),
                "suggest_threshold": round(self.suggest_threshold, 4),
                "pseudo_queries": self.pseudo_queries, "answered_at_fixed": round(self.answered_at_fixed, 4)}

    @classmethod
    def from_manifest(cls, data) -> "Calibration | None":
        """None for a build without calibration or with values outside the rule's range (the fixed ones stay)."""
        if not isinstance(data, dict) or data.get("rule") != RULE:
            return None
        try:
            cal = cls(float(data["shift"]), float(data["answer_threshold"]), float(data["strong_threshold"]),
                      float(data["suggest_threshold"]), int(data["pseudo_queries"]),
                      float(data["answered_at_fixed"]))
        except (KeyError, TypeError, ValueError):
            return None
        if not MIN_SHIFT - 1e-9 <= cal.shift <= MAX_SHIFT + 1e-9:
            return None
        if not all(0.0 < getattr(cal, f) < 1.0 for f in CALIBRATED_FIELDS):
            return None
        return cal

    def apply(self, cfg):
        """The config with the calibrated thresholds, except those set explicitly (environment overrides)."""
        changes = {f: getattr(self, f) for f in CALIBRATED_FIELDS if f not in cfg.overridden}
        return replace(cfg, **changes)


def calibrated_config(cfg, manifest: dict):
    """`cfg` (a SearchConfig) with the build's calibrated thresholds, if the build has any."""
    data = manifest.get("calibration")
    cal = Calibration.from_manifest(data)
    if cal is None:
        if data is not None:
            log.warning("the build's calibration is unreadable or out of range: the fixed thresholds stay")
        return cfg
    return cal.apply(cfg)
