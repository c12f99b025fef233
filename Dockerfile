FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DUALUSE_DATA_DIR=/data \
    DUALUSE_HOST=0.0.0.0 \
    DUALUSE_PORT=8000

RUN useradd --create-home --uid 10001 dualuse
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
COPY evals ./evals
COPY corpus ./corpus
RUN pip install . && mkdir -p /data && chown dualuse:dualuse /data

USER dualuse
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["dualuse", "serve"]
# Index the bundled corpus first (incremental: a restart re-embeds nothing).
CMD ["--ingest", "corpus"]
