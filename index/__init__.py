"""FAQ search: embeddings, a FAISS vector index, BM25 over Japanese tokens, and their fusion.

Knows nothing about LINE; the bot only sees `Searcher.search()` and its `SearchOutcome`."""
