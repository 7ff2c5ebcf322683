"""FAISS inner-product index over normalized vectors (cosine similarity)."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Above this many vectors an exact scan costs more than an approximate graph search.
EXACT_MAX_VECTORS = 50_000
HNSW_NEIGHBORS = 32
HNSW_EF_SEARCH = 128


class VectorIndex:
    def __init__(self, index: faiss.Index):
        self.index = index

    @property
    def kind(self) -> str:
        return "flat" if isinstance(self.index, faiss.IndexFlat) else "hnsw-sq8"

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int = EXACT_MAX_VECTORS) -> "VectorIndex":
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if len(vectors) <= exact_max:
            index = faiss.IndexFlatIP(dim)
        else:
            # 8-bit scalar quantization keeps 100k FAQs (~600k vectors) well under 1 GB.
            index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, HNSW_NEIGHBORS,
                                      faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.train(vectors)
        index.add(vectors)
        return cls(index)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if isinstance(self.index, faiss.IndexHNSW):
            self.index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        return cls(faiss.read_index(str(path)))
