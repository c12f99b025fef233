"""Time to the first streamed words of an answer, over real HTTP through the app.

Printed, not asserted: these machines are shared and noisy. Run after `make run` has indexed
the corpus (or point DUALUSE_DATA_DIR at an index):

    .venv/bin/python benchmarks/bench_chat.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import create_app
from bot.config import get_settings
from tests.servers import serve_app

QUESTIONS = [
    "How do I get the unified bidding qualification?",
    "全省庁統一資格の有効期間は？",
    "When does ATLA-2026-UAS-014 close?",
    "Which tenders are open for drones?",
    "What does DISTI do for startups?",
    "輸出管理で注意すべきことは？",
    "Who owns the IP created under a development contract?",
    "What support is there for mass production?",
]


def first_words(base: str, question: str) -> tuple[float, float]:
    """(seconds to the first delta event, seconds to the final answer)."""
    started = time.perf_counter()
    first = None
    with httpx.stream(
        "POST", f"{base}/api/chat/stream", json={"message": question}, timeout=60
    ) as response:
        for line in response.iter_lines():
            if first is None and line.startswith("event: delta"):
                first = time.perf_counter() - started
    total = time.perf_counter() - started
    return (first if first is not None else total), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = get_settings().model_copy(
            update={
                "database_url": f"sqlite:///{Path(scratch) / 'bench.sqlite3'}",
                "chat_rate_limit": "10000/minute",
            }
        )
        with serve_app(create_app(settings)) as base:
            first_words(base, "warm-up question about tenders")
            firsts, totals = [], []
            for _ in range(args.rounds):
                for question in QUESTIONS:
                    first, total = first_words(base, question)
                    firsts.append(first * 1000)
                    totals.append(total * 1000)

    def q(values: list[float], p: float) -> float:
        return statistics.quantiles(values, n=100)[int(p) - 1]

    print(
        f"questions: {len(firsts)} ({len(QUESTIONS)} distinct, EN+JA), offline extractive answers"
    )
    print(
        f"first streamed words: p50 {statistics.median(firsts):.0f} ms, p95 {q(firsts, 95):.0f} ms"
    )
    print(
        f"whole answer:         p50 {statistics.median(totals):.0f} ms, p95 {q(totals, 95):.0f} ms"
    )


if __name__ == "__main__":
    main()
