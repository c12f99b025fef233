"""Ingestion: source files → documents → section-aware chunks → the index."""
