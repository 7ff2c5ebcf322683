"""How many CPU threads one process gives to embedding and vector search.

gunicorn starts several workers on a small machine; OpenMP (faiss, the bundled model) and torch would
otherwise each start one thread per core in every worker and fight over the cores. Call
`limit_threads()` before numpy, faiss or torch are imported (wsgi.py does, first thing)."""
from __future__ import annotations

import os
import sys

THREAD_SETTINGS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
DEFAULT_EMBED_THREADS = 1


def embed_threads(environ=os.environ) -> int:
    """FAQBOT_EMBED_THREADS, else an OMP_NUM_THREADS set by the operator, else 1 per worker."""
    raw = (environ.get("FAQBOT_EMBED_THREADS") or "").strip()
    if not raw:
        raw = (environ.get("OMP_NUM_THREADS") or "").strip()
        if not raw.isdigit() or int(raw) < 1:
            return DEFAULT_EMBED_THREADS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"FAQBOT_EMBED_THREADS は 1 以上の整数にしてください / "
                         f"FAQBOT_EMBED_THREADS must be an integer >= 1: {raw!r}")
    return int(raw)


def limit_threads(environ=os.environ) -> int:
    """Set the thread count for OpenMP/MKL/OpenBLAS (read when those libraries load) and for torch
    and faiss if they are already loaded. Returns the count."""
    n = embed_threads(environ)
    for name in THREAD_SETTINGS:
        environ[name] = str(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(n)
    return n
