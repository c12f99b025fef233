"""The index: a record of what was ingested, dense vectors in Chroma, and a BM25 index."""
