"""Answer latency: the answer engine's prose answers against the naive baseline, on the same
questions, in the same run, on the bundled corpus (indexed into a temporary directory).

Printed, not asserted: these machines are shared and noisy. Target (issue 10): prose answer
p50 at most twice the baseline's p50, p95 at most 150 ms. Each question is asked once (the
engine caches a question's embedding, so asking it again would flatter it).

    .venv/bin/python benchmarks/bench_answer.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import get_settings
from bot.store import Store
from bot.wiring import make_answer_engine, make_chunker, open_knowledge_base
from evals.baseline import BaselinePipeline
from evals.questions import load_questions
from retrieval.ingestion.pipeline import ingest

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 27)


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(ask: Callable[[str], object], questions: list[str]) -> list[float]:
    times: list[float] = []
    for question in questions:
        started = time.perf_counter()
        ask(question)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args()
    questions = [
        q.question
        for q in load_questions([REPO / "evals" / "questions" / "answers_dev.jsonl"])
        if not getattr(q, "history", None)
    ]
    with tempfile.TemporaryDirectory(prefix="dualuse-bench-") as scratch:
        settings = get_settings().model_copy(
            update={"data_dir": Path(scratch) / "data", "chroma_url": None, "database_url": None}
        )
        kb = open_knowledge_base(settings)
        ingest(kb, [REPO / "corpus"], make_chunker(settings))
        baseline = BaselinePipeline(Path(scratch) / "baseline", kb.embedder)
        baseline.index([REPO / "corpus"])
        with Store(f"sqlite:///{Path(scratch) / 'bench.sqlite3'}") as store:
            engine = make_answer_engine(settings, kb, store)
            engine.ask("warm-up", as_of=AS_OF)
            baseline.ask("warm-up", as_of=AS_OF)
            ours = timed(lambda q: engine.ask(q, as_of=AS_OF), questions)
            naive = timed(lambda q: baseline.ask(q, as_of=AS_OF), questions)
        kb.close()
    print(f"{len(questions)} questions from answers_dev.jsonl, each once, bundled corpus")
    print(f"{'pipeline':10} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (("engine", ours), ("baseline", naive)):
        print(f"{name:10} {nearest_rank(values, 0.5):8.1f} {nearest_rank(values, 0.95):8.1f}")
    ratio = nearest_rank(ours, 0.5) / nearest_rank(naive, 0.5)
    print(f"engine p50 / baseline p50: {ratio:.2f} (target <= 2); engine p95 target <= 150 ms")


if __name__ == "__main__":
    main()
