"""The production topology, started natively (no Docker): a Chroma server, Redis, a fresh
PostgreSQL database, one ingest of a corpus, and N app processes sharing all of them.

    from benchmarks.topology import native_topology

    with native_topology(workers=2) as topo:
        httpx.post(topo.app_urls[0] + "/api/chat", json={"message": "..."})

PostgreSQL is not started here: the server comes from ``DUALUSE_TEST_POSTGRES_URL`` (a role
with CREATEDB, as ``.ci/run`` sets up); a database is created for the run and dropped after.
Every child runs in a scratch directory (so no ``.env`` or ``data/`` of the checkout leaks
in) with its output in ``<scratch>/logs/<name>.log``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_ENV = "DUALUSE_TEST_POSTGRES_URL"
LOG_TAIL_LINES = 40


class TopologyError(RuntimeError):
    """A part of the topology did not start (the message carries its log tail)."""


@dataclass(frozen=True)
class Topology:
    """Where everything listens, for clients and for checks against the shared state."""

    app_urls: list[str]
    chroma_url: str
    redis_url: str
    database_url: str
    data_dir: Path
    log_dir: Path

    def app_logs(self) -> list[Path]:
        return sorted(self.log_dir.glob("app-*.log"))


# -- small helpers ----------------------------------------------------------------------------


def free_port() -> int:
    """A port the OS says is free now (tiny race with other binders; fine for local runs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tool(name: str) -> str:
    """A console script of this virtualenv (the one running us), else from PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise TopologyError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Child:
    """A started process and the file its stdout and stderr go to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def failure(self, what: str) -> TopologyError:
        return TopologyError(f"{self.name} {what}; last lines of {self.log}:\n{log_tail(self.log)}")


def wait_for(child: Child, ready: Callable[[], bool], timeout: float) -> None:
    """Poll ``ready`` until it holds; fail early (with the log) if the child exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = child.process.poll()
        if code is not None:
            raise child.failure(f"exited with code {code} while starting")
        try:
            if ready():
                return
        except (httpx.TransportError, OSError):
            pass
        time.sleep(0.2)
    raise child.failure(f"was not ready within {timeout:.0f}s")


def http_ok(url: str) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=2.0).status_code == 200


def redis_pong(port: int) -> Callable[[], bool]:
    """Speak just enough RESP to know Redis accepts commands (no client library needed)."""

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")

    return ping


@contextmanager
def child_process(
    name: str, args: list[str], *, cwd: Path, log_dir: Path, env: Mapping[str, str] | None = None
) -> Iterator[Child]:
    """A child in its own session (a Ctrl-C reaches only us, and we stop it in order),
    terminated with SIGTERM, then killed if it lingers."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    child = Child(name, process, log)
    try:
        yield child
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# -- the parts --------------------------------------------------------------------------------


def postgres_server_url() -> URL:
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        raise TopologyError(
            f"{POSTGRES_ENV} is not set: point it at a PostgreSQL role with CREATEDB, e.g. "
            "postgresql+psycopg://dualuse:dualuse@127.0.0.1:5432/dualuse (.ci/run's "
            "setup_postgres starts one on Debian)"
        )
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def admin_engine(server: URL) -> Engine:
    """An autocommit connection for CREATE/DROP DATABASE: the maintenance database
    ``postgres`` if we may connect to it, otherwise the database the URL names."""
    problem: Exception | None = None
    for database in ("postgres", server.database):
        engine = create_engine(server.set(database=database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect():
                return engine
        except SQLAlchemyError as exc:
            problem = exc
            engine.dispose()
    raise TopologyError(f"cannot connect to PostgreSQL at {server.render_as_string()}: {problem}")


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the configured server (dropped afterwards); yields its URL."""
    server = postgres_server_url()
    admin = admin_engine(server)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0 "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
    except SQLAlchemyError as exc:
        admin.dispose()
        raise TopologyError(
            f"cannot create a database (does the role have CREATEDB?): {exc}"
        ) from exc
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def chroma_server(scratch: Path, log_dir: Path) -> Iterator[str]:
    port = free_port()
    args = [tool("chroma"), "run", "--path", str(scratch / "chroma")]
    args += ["--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with child_process("chroma", args, cwd=scratch, log_dir=log_dir) as child:
        wait_for(child, http_ok(url + "/api/v2/heartbeat"), timeout=60)
        yield url


@contextmanager
def redis_server(scratch: Path, log_dir: Path) -> Iterator[str]:
    """Debian's redis-server, in memory only (the limiter's counters need no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise TopologyError("redis-server not found (apt-get install redis-server)")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
    args += ["no", "--daemonize", "no"]
    with child_process("redis", args, cwd=scratch, log_dir=log_dir) as child:
        wait_for(child, redis_pong(port), timeout=30)
        yield f"redis://127.0.0.1:{port}"


def run_ingest(corpus: Path, scratch: Path, log_dir: Path, env: Mapping[str, str]) -> None:
    """`dualuse ingest --prune` once, before any app starts, as a deploy step would."""
    log = log_dir / "ingest.log"
    with log.open("wb") as out:
        result = subprocess.run(
            [tool("dualuse"), "ingest", str(corpus), "--prune"],
            cwd=scratch,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise TopologyError(
            f"ingest of {corpus} failed with code {result.returncode}; last lines of {log}:\n"
            f"{log_tail(log)}"
        )


def child_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """Our environment without any DUALUSE_ setting of the caller's shell (a run must not
    depend on it), plus the topology's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUALUSE_")}
    env.update(overrides)
    return env


def start_apps(
    stack: ExitStack, workers: int, scratch: Path, log_dir: Path, env: Mapping[str, str]
) -> list[str]:
    """Start all workers at once (they migrate the fresh database concurrently, as a real
    rollout would), then wait for each one's /healthz."""
    started: list[tuple[Child, str]] = []
    for i in range(workers):
        port = free_port()
        args = [tool("dualuse"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        child = stack.enter_context(
            child_process(f"app-{i}", args, cwd=scratch, log_dir=log_dir, env=env)
        )
        started.append((child, f"http://127.0.0.1:{port}"))
    for child, url in started:
        wait_for(child, http_ok(url + "/healthz"), timeout=180)
    return [url for _, url in started]


# -- the whole thing --------------------------------------------------------------------------


@contextmanager
def native_topology(
    workers: int = 2,
    corpus: Path | str = REPO / "corpus",
    chat_rate_limit: str = "100000/minute",
    extra_env: Mapping[str, str] | None = None,
    keep_logs: Path | None = None,
) -> Iterator[Topology]:
    """Start everything, yield where it listens, and tear it all down (apps first).

    ``extra_env`` adds DUALUSE_ settings for every child (e.g. a chat model); ``keep_logs``
    copies the children's logs there before the scratch directory is removed.
    """
    corpus = Path(corpus).resolve()
    if not corpus.is_dir():
        raise TopologyError(f"corpus folder not found: {corpus}")
    scratch = Path(tempfile.mkdtemp(prefix="dualuse-topology-"))
    log_dir = scratch / "logs"
    log_dir.mkdir()
    try:
        with ExitStack() as stack:
            database_url = stack.enter_context(fresh_database())
            chroma_url = stack.enter_context(chroma_server(scratch, log_dir))
            redis_url = stack.enter_context(redis_server(scratch, log_dir))
            data_dir = scratch / "data"
            env = child_env(
                {
                    "DUALUSE_DATA_DIR": str(data_dir),
                    "DUALUSE_CHROMA_URL": chroma_url,
                    "DUALUSE_DATABASE_URL": database_url,
                    "DUALUSE_RATE_LIMIT_STORAGE": redis_url,
                    "DUALUSE_CHAT_RATE_LIMIT": chat_rate_limit,
                    **(extra_env or {}),
                }
            )
            run_ingest(corpus, scratch, log_dir, env)
            app_urls = start_apps(stack, workers, scratch, log_dir, env)
            yield Topology(app_urls, chroma_url, redis_url, database_url, data_dir, log_dir)
    finally:
        if keep_logs is not None:
            shutil.copytree(log_dir, keep_logs, dirs_exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
