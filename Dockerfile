FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DUALUSE_DATA_DIR=/data \
    DUALUSE_HOST=0.0.0.0 \
    DUALUSE_PORT=8000

RUN useradd --create-home --uid 10001 dualuse
WORKDIR /app

# The pinned, hash-checked dependencies first (a layer that survives code changes), then the
# project without resolving anything again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
COPY evals ./evals
COPY corpus ./corpus
RUN pip install --no-deps . && mkdir -p /data /chroma && chown dualuse:dualuse /data /chroma

USER 10001
VOLUME ["/data"]
EXPOSE 8000
# The first boot indexes the bundled corpus (about a minute) before it answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('DUALUSE_PORT', '8000'))"]
# Any `dualuse` command: `docker run IMAGE staff add …`, `docker run IMAGE ingest …`.
ENTRYPOINT ["dualuse"]
# By default: index the bundled corpus (incremental: a restart re-embeds nothing) and serve.
CMD ["serve", "--ingest", "corpus"]
