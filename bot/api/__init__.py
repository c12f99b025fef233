"""The HTTP API (FastAPI): health and search now; chat, feedback and tickets later."""
