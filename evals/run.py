"""`dualuse eval run`: a question set through a pipeline (the answer engine, or the naive
baseline), written out as results.jsonl, summary.json, run.json and the reports."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.config import Settings
from bot.escalation.policy import EscalationPolicy
from bot.store import Store
from bot.wiring import make_answer_engine, make_chunker, open_knowledge_base
from evals.answers import AnswerResult, Pipeline, handoff_figures, run_answer_eval, summarize
from evals.questions import Question, load_questions
from retrieval import KnowledgeBase
from retrieval.ingestion.pipeline import ingest

PipelineName = Literal["default", "baseline"]
DEFAULT_CORPUS = Path("corpus")
_SENTENCE = re.compile(r"(?<=[.。!?！？])\s*|\n")


@dataclass(frozen=True)
class RunOutcome:
    out: Path
    summary: dict[str, Any]
    handoff: dict[str, float]
    results: list[AnswerResult]


def staff_only_content(kb: KnowledgeBase) -> tuple[list[str], set[str]]:
    """Sentences found only in ``access: staff`` documents, and those documents' ids: an
    answer to a startup quoting or citing them is a leak."""
    chunks = kb.manifest.chunks()
    public = "\n".join(c.text for c in chunks if c.meta.get("access") != "staff")
    staff = [c for c in chunks if c.meta.get("access") == "staff"]
    sentences = {
        s.strip()
        for c in staff
        for s in _SENTENCE.split(c.text)
        if len(s.strip()) >= 20 and s.strip() not in public
    }
    return sorted(sentences), {c.doc_id for c in staff}


def run(
    settings: Settings,
    files: list[Path],
    out: Path,
    *,
    corpus: Path | None = None,
    pipeline: PipelineName = "default",
    as_of: dt.date | None = None,
    on_question: Callable[[Question], None] | None = None,
    questions: list[Question] | None = None,
    policy: EscalationPolicy | None = None,
) -> RunOutcome:
    """Run every question (fresh conversation each, seeded with its history) and write the
    run's files. With ``corpus`` everything happens in a fresh temporary data directory."""
    questions = questions if questions is not None else load_questions(files)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dualuse-eval-") as scratch_name:
        scratch = Path(scratch_name)
        overrides: dict[str, Any] = {"database_url": None}
        if corpus is not None:
            overrides |= {"data_dir": scratch / "data", "chroma_url": None}
        run_settings = settings.model_copy(update=overrides)
        kb = open_knowledge_base(run_settings)
        try:
            if corpus is not None:
                ingest(kb, [corpus], make_chunker(run_settings))
            staff_passages, staff_ids = staff_only_content(kb)
            with Store(f"sqlite:///{scratch / 'eval.sqlite3'}") as store:
                engine: Pipeline
                if pipeline == "baseline":
                    from evals.baseline import BaselinePipeline

                    baseline = BaselinePipeline(scratch / "baseline", kb.embedder)
                    baseline.index([corpus or DEFAULT_CORPUS])
                    engine = baseline
                else:
                    engine = make_answer_engine(run_settings, kb, store, policy)
                results = run_answer_eval(
                    engine, questions, staff_passages, staff_ids, as_of, on_question
                )
            embedder = kb.embedder.name
        finally:
            kb.close()
    info = {
        "question_files": [str(f) for f in files],
        "corpus": str(corpus) if corpus else str(settings.data_dir),
        "as_of": as_of.isoformat() if as_of else None,
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "embedder": embedder,
        "git": _git_revision(),
    }
    summary = write_run(out, results, pipeline, info)
    return RunOutcome(out, summary, handoff_figures(results), results)


def write_run(
    out: Path,
    results: list[AnswerResult],
    pipeline: PipelineName,
    info: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write a run directory: ``results.jsonl`` (one row per question), ``summary.json`` (the
    metrics) and ``run.json`` (``info`` about the run, with the pipeline and the hand-off
    figures). Returns the summary."""
    summary = summarize(results)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result.to_row(pipeline), ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    meta = {"pipeline": pipeline, **(info or {}), "handoff": handoff_figures(results)}
    (out / "run.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return summary


def _git_revision() -> str | None:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return found.stdout.strip() or None
