"""Cache keyed by text hash: unchanged text is never embedded (or tokenized) twice."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

_SEP = "\x1f"  # never inside a token: normalization removes control characters


def _key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\x00{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, key TEXT NOT NULL, "
                          "vector BLOB NOT NULL, PRIMARY KEY (model, key))")
        self.conn.execute("CREATE TABLE IF NOT EXISTS tokens (tokenizer TEXT NOT NULL, key TEXT NOT NULL, "
                          "tokens TEXT NOT NULL, PRIMARY KEY (tokenizer, key))")
        self.conn.commit()

    def tokens(self, tokenizer: str, texts: Sequence[str], compute: Callable[[str], list[str]]) -> list[list[str]]:
        """Lexical tokens per text; Sudachi over thousands of answers is the slow part of a rebuild."""
        return list(self.iter_tokens(tokenizer, texts, compute))

    def iter_tokens(self, tokenizer: str, texts: Sequence[str], compute: Callable[[str], list[str]],
                    chunk_size: int = 500) -> Iterator[list[str]]:
        """Like `tokens`, one text at a time, holding only one chunk in memory (100k answers are
        tens of millions of tokens)."""
        for start in range(0, len(texts), chunk_size):
            chunk = texts[start:start + chunk_size]
            keys = [_key("tokens", t) for t in chunk]
            unique = list(dict.fromkeys(keys))
            found: dict[str, list[str]] = {}
            for key, raw in self.conn.execute(
                    f"SELECT key, tokens FROM tokens WHERE tokenizer = ? AND key IN ({','.join('?' * len(unique))})",
                    [tokenizer, *unique]):
                found[key] = raw.split(_SEP) if raw else []
            new = {k: compute(t) for k, t in zip(keys, chunk) if k not in found}
            if new:
                with self.conn:
                    self.conn.executemany("INSERT OR REPLACE INTO tokens (tokenizer, key, tokens) VALUES (?,?,?)",
                                          [(tokenizer, k, _SEP.join(v)) for k, v in new.items()])
                found.update(new)
            yield from (found[k] for k in keys)

    def _store(self, model: str, rows: list[tuple[str, np.ndarray]]) -> None:
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO embeddings (model, key, vector) VALUES (?,?,?)",
                                  [(model, k, v.astype(np.float32).tobytes()) for k, v in rows])

    def close(self) -> None:
        self.conn.close()

    def embed(self, model: str, dim: int, kind: str, texts: Sequence[str],
              compute: Callable[[list[str]], np.ndarray], batch_size: int = 64,
              progress: Callable[[int], None] | None = None,
              known: Callable[[str, list[str]], dict[str, np.ndarray]] | None = None) -> tuple[np.ndarray, int]:
        """Vectors for texts, computing only the missing ones. Returns (vectors, number computed).
        `known(kind, texts)` may supply vectors for missing texts from elsewhere (the build being
        replaced); they are stored here too."""
        keys = [_key(kind, t) for t in texts]
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            rows = self.conn.execute(
                f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({','.join('?' * len(chunk))})",
                [model, *chunk])
            for key, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    found[key] = vec
        missing = [(k, t) for k, t in dict(zip(keys, texts)).items() if k not in found]
        if missing and known is not None:
            supplied = known(kind, [t for _, t in missing])
            reused = [(k, supplied[t]) for k, t in missing if t in supplied and supplied[t].shape[0] == dim]
            if reused:
                self._store(model, reused)
                found.update(reused)
                missing = [(k, t) for k, t in missing if k not in found]
        if progress:
            progress(len(texts) - len(missing))
        for start in range(0, len(missing), batch_size):
            batch = missing[start:start + batch_size]
            vectors = compute([t for _, t in batch])
            self._store(model, [(k, v) for (k, _), v in zip(batch, vectors)])
            for (k, _), v in zip(batch, vectors):
                found[k] = v
            if progress:
                progress(len(batch))
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out, len(missing)
