"""Load on the production topology: concurrent web sessions through /api/chat/stream.

Starts the native topology (Chroma server, Redis, a fresh PostgreSQL database, one ingest,
``--workers`` app processes; see benchmarks/topology.py), then drives ``--sessions`` web
sessions for ``--seconds``. Each session asks a question from a mixed EN/JA list, reads the
whole streamed answer, waits 2-5 s and asks again, continuing its conversation on the next
app process (so conversations cross workers). A session busy at the deadline finishes its
answer. Printed, not asserted: the exit code is 0 unless the topology fails to start.

Needs DUALUSE_TEST_POSTGRES_URL (a role with CREATEDB; .ci/run sets one up):

    .venv/bin/python benchmarks/bench_load.py [--workers 2 --sessions 100 --seconds 60 --json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.topology import Topology, TopologyError, native_topology

QUESTIONS = [
    "Which tenders are open for drones?",
    "How do I get the unified qualification for bidding?",
    "What security rules apply to startups?",
    "When does ATLA-2026-UAS-014 close?",
    "What does DISTI do for startups?",
    "Who owns the IP created under a development contract?",
    "What support is there for mass production?",
    "Do we need an export licence to show our sensor to a foreign buyer?",
    "How long is the unified qualification valid?",
    "Which documents do I need to submit with a bid?",
    "全省庁統一資格はどうやって取りますか？",
    "防衛装備品の輸出管理について教えて",
    "ドローン関連の公募はありますか？",
    "スタートアップ向けの支援制度は？",
    "秘密保全の要件は何ですか？",
    "知的財産権は誰に帰属しますか？",
]
# Only asked once a conversation has a first answer to follow up on.
FOLLOW_UPS = [
    "And when is the deadline?",
    "Can you tell me more about that?",
    "締め切りはいつ？",
    "それについてもう少し詳しく教えて",
]
THINK_SECONDS = (2.0, 5.0)
REQUEST_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=10.0, pool=120.0)


# -- one turn ---------------------------------------------------------------------------------


@dataclass
class Turn:
    """What one question got back: timings (seconds from sending), or the kind of error."""

    first_words: float | None = None
    answered: float | None = None
    conversation_id: str | None = None
    error: str | None = None


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent events stream (just what sse-starlette sends)."""
    event = "message"
    data: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield event, "\n".join(data)


async def ask(client: httpx.AsyncClient, base: str, question: str, conv: str | None) -> Turn:
    body: dict[str, str] = {"message": question}
    if conv:
        body["conversation_id"] = conv
    turn = Turn()
    started = time.perf_counter()
    try:
        async with client.stream("POST", f"{base}/api/chat/stream", json=body) as response:
            if response.status_code >= 300:
                await response.aread()
                turn.error = f"HTTP {response.status_code}"
                return turn
            async for event, data in sse_events(response):
                if event == "delta" and turn.first_words is None:
                    turn.first_words = time.perf_counter() - started
                elif event == "answer":
                    turn.answered = time.perf_counter() - started
                    turn.conversation_id = json.loads(data)["conversation_id"]
    except httpx.HTTPError as exc:
        turn.error = f"transport: {type(exc).__name__}"
    except (ValueError, KeyError):
        turn.error = "malformed answer event"
    if turn.error is None and turn.answered is None:
        turn.error = "stream ended without an answer event"
    return turn


# -- sessions ---------------------------------------------------------------------------------


@dataclass
class Results:
    requests: int = 0
    first_words: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    answers_without_words: int = 0
    errors: Counter[str] = field(default_factory=Counter)


async def session(
    index: int,
    client: httpx.AsyncClient,
    urls: list[str],
    deadline: float,
    ramp: float,
    results: Results,
) -> None:
    """One web user: starts at a random point of the ramp, then ask, read, think, repeat;
    turn n goes to app process (index + n) mod N, so the conversation hops workers."""
    rng = random.Random(index)
    await asyncio.sleep(rng.uniform(0, ramp))
    conv: str | None = None
    n = 0
    while time.monotonic() < deadline:
        pool = QUESTIONS + FOLLOW_UPS if conv else QUESTIONS
        turn = await ask(client, urls[(index + n) % len(urls)], rng.choice(pool), conv)
        n += 1
        results.requests += 1
        if turn.error:
            results.errors[turn.error] += 1
        else:
            assert turn.answered is not None
            results.answers.append(turn.answered)
            if turn.first_words is None:
                results.answers_without_words += 1
            else:
                results.first_words.append(turn.first_words)
            conv = turn.conversation_id
        remaining = deadline - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(min(rng.uniform(*THINK_SECONDS), remaining))


async def drive(
    urls: list[str], sessions: int, seconds: float, ramp: float
) -> tuple[Results, float]:
    """All sessions at once over one connection pool big enough that none waits for a slot."""
    results = Results()
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout would close them:
    # otherwise a think time near 5 s races the server's close and shows as a ReadError.
    limits = httpx.Limits(
        max_connections=sessions + 10,
        max_keepalive_connections=sessions + 10,
        keepalive_expiry=4.0,
    )
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(session(i, client, urls, deadline, ramp, results) for i in range(sessions))
        )
        return results, time.monotonic() - started


# -- checks and report ------------------------------------------------------------------------


def assistant_turns(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM messages WHERE role = 'assistant'")
            ).scalar_one()
            return int(count)
    finally:
        engine.dispose()


SERVER_PROBLEM = re.compile(r"^(ERROR|CRITICAL|WARNING)\b|Traceback|Error:|Exception", re.M)


def server_problems(topology: Topology, limit: int = 20) -> dict[str, int]:
    """Distinct error-looking lines in the app logs (with counts), so a failure under load
    shows its server-side cause next to the client-side figures."""
    found: Counter[str] = Counter()
    for log in topology.app_logs():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if SERVER_PROBLEM.search(line):
                found[f"{log.stem}: {line.strip()[:200]}"] += 1
    return dict(found.most_common(limit))


def nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(value: float | None) -> int | None:
    return None if value is None else round(value * 1000)


def report(
    args: argparse.Namespace, results: Results, duration: float, turns: int | None, logs: Any
) -> dict[str, Any]:
    received = len(results.answers)
    return {
        "cores": os.cpu_count(),
        "workers": args.workers,
        "sessions": args.sessions,
        "seconds_asked": args.seconds,
        "duration_s": round(duration, 1),
        "requests": results.requests,
        "answers_received": received,
        "requests_per_s": round(results.requests / duration, 2),
        "answers_per_s": round(received / duration, 2),
        "first_words_ms": {
            "p50": ms(nearest_rank(results.first_words, 0.50)),
            "p95": ms(nearest_rank(results.first_words, 0.95)),
        },
        "full_answer_ms": {
            "p50": ms(nearest_rank(results.answers, 0.50)),
            "p95": ms(nearest_rank(results.answers, 0.95)),
        },
        "answers_without_words": results.answers_without_words,
        "errors": dict(results.errors.most_common()),
        "turns_in_postgres": turns,
        "lost": None if turns is None else received - turns,
        "server_log_problems": logs,
    }


def print_report(r: dict[str, Any]) -> None:
    fw, fa = r["first_words_ms"], r["full_answer_ms"]
    print(f"machine: {r['cores']} cores; app processes: {r['workers']}")
    print(f"sessions: {r['sessions']}, duration: {r['duration_s']} s (asked {r['seconds_asked']})")
    print(
        f"requests: {r['requests']}, answers received: {r['answers_received']}, "
        f"requests/s: {r['requests_per_s']}, answers/s: {r['answers_per_s']}"
    )
    print(f"time to first words: p50 {fw['p50']} ms, p95 {fw['p95']} ms")
    print(f"time to full answer: p50 {fa['p50']} ms, p95 {fa['p95']} ms")
    if r["answers_without_words"]:
        print(f"answers with no delta event before them: {r['answers_without_words']}")
    errors = r["errors"]
    print(f"errors: {sum(errors.values())}")
    for kind, count in errors.items():
        print(f"  {count:6d}  {kind}")
    if r["turns_in_postgres"] is None:
        print("turns in PostgreSQL: (could not count)")
    else:
        print(
            f"turns in PostgreSQL: {r['turns_in_postgres']}, answers received: "
            f"{r['answers_received']}, lost: {r['lost']}"
        )
    if r["server_log_problems"]:
        print("server log lines that look like problems (count, worker: line):")
        for line, count in r["server_log_problems"].items():
            print(f"  {count:6d}  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="App processes.")
    parser.add_argument("--sessions", type=int, default=100, help="Concurrent web sessions.")
    parser.add_argument("--seconds", type=float, default=60, help="How long sessions ask.")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"), help="Folder to ingest.")
    parser.add_argument(
        "--ramp", type=float, default=5.0, help="Sessions start spread over this many seconds."
    )
    parser.add_argument(
        "--rate-limit", default="100000/minute", help="DUALUSE_CHAT_RATE_LIMIT for the apps."
    )
    parser.add_argument("--logs", type=Path, help="Copy the children's logs to this folder.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()

    def say(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr)

    say(f"starting {args.workers} app processes, Chroma, Redis; ingesting {args.corpus} ...")
    try:
        with native_topology(
            workers=args.workers,
            corpus=args.corpus,
            chat_rate_limit=args.rate_limit,
            keep_logs=args.logs,
        ) as topology:
            say(f"up: {', '.join(topology.app_urls)}; driving {args.sessions} sessions ...")
            results, duration = asyncio.run(
                drive(topology.app_urls, args.sessions, args.seconds, args.ramp)
            )
            try:
                turns: int | None = assistant_turns(topology.database_url)
            except Exception as exc:
                results.errors[f"counting turns failed: {exc}"] += 1
                turns = None
            problems = server_problems(topology)
    except TopologyError as exc:
        print(f"topology failed to start: {exc}", file=sys.stderr)
        return 1
    summary = report(args, results, duration, turns, problems)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_report(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
