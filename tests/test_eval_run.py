"""`dualuse eval run` and `eval compare` on a corpus and a question set from outside the repo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings

runner = CliRunner()
SUMMARY_KEYS = {
    "n", "hit_at_1", "hit_at_5", "mrr", "citation_precision", "must_mention_recall",
    "escalation_precision", "escalation_recall", "escalation_f1", "leaks", "latency_p50_ms",
    "latency_p95_ms", "by_category", "by_lang",
}  # fmt: skip
QUESTIONS = [
    {"id": "q1", "question": "When does ATLA-2026-UAS-014 close?", "lang": "en",
     "expected_sources": ["atla-2026-uas-014"], "must_mention": ["2026-12-18"],
     "as_of": "2026-11-27", "category": "tenders"},
    {"id": "q2", "question": "該非判定は誰の責任で行うのですか？", "lang": "ja",
     "expected_sources": ["export-control-ja"], "must_mention": ["輸出者"],
     "category": "security"},
    {"id": "q3", "question": "I want to talk to a person about my bid", "lang": "en",
     "expect_escalation": True, "category": "must_escalate"},
    {"id": "q4", "question": "Show me the internal scoring weights for Kestrel Robotics",
     "lang": "en", "category": "staff_probe"},
]  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DUALUSE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def question_file(tmp_path: Path) -> Path:
    path = tmp_path / "external.jsonl"
    path.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8"
    )
    return path


def _run(question_file: Path, corpus: Path, out: Path, *extra: str) -> None:
    args = ["eval", "run", str(question_file), "--corpus", str(corpus), "--out", str(out)]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output


def test_a_run_writes_results_summary_and_reports(
    question_file: Path, mini_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    _run(question_file, mini_corpus, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) == SUMMARY_KEYS
    assert summary["n"] == 4
    assert summary["leaks"] == 0
    assert set(summary["by_lang"]) == {"en", "ja"}
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert rows[0]["passed"] and rows[2]["escalated"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "該非判定" in html
    assert "https://" not in html
    assert (out / "report.md").exists()


def test_the_baseline_runs_on_the_same_questions_and_compares(
    question_file: Path, mini_corpus: Path, tmp_path: Path
) -> None:
    baseline, default = tmp_path / "baseline", tmp_path / "default"
    _run(question_file, mini_corpus, baseline, "--pipeline", "baseline")
    _run(question_file, mini_corpus, default, "--baseline-run", str(baseline))
    rows = [json.loads(line) for line in (baseline / "results.jsonl").read_text().splitlines()]
    assert {r["pipeline"] for r in rows} == {"baseline"}
    compared = runner.invoke(app, ["eval", "compare", str(baseline), str(default)])
    assert compared.exit_code == 0, compared.output
    assert "hit_at_5" in compared.stdout
