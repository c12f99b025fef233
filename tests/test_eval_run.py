"""`dualuse eval run`, `eval compare` and `eval sidebyside` on a corpus and a question set from
outside the repo, and the scoring behind them on hand-made answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answer.models import Answer, Citation
from bot.cli import app
from bot.config import get_settings
from evals.answers import AnswerResult, summarize
from evals.questions import Question
from evals.run import write_run

runner = CliRunner()
SUMMARY_KEYS = {
    "n", "passed", "hit_at_1", "hit_at_5", "mrr", "citation_precision", "must_mention_recall",
    "escalation_precision", "escalation_recall", "escalation_f1", "answerable_escalated",
    "must_escalate_escalated", "off_topic_declined", "declined_wrongly", "leaks",
    "latency_p50_ms", "latency_p95_ms", "by_category", "by_lang",
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
    assert not any(r["declined"] for r in rows)
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


# --------------------------------------------------------------------------- hand-made answers

OFF_TOPIC = Question(
    id="v1",
    question="What's a good ramen place near Ichigaya?",
    lang="en",
    category="off_topic",
    expect_decline=True,  # type: ignore[call-arg]
)
REAL = Question(
    id="v2",
    question="How is the bidding grade decided?",
    lang="en",
    expected_sources=("qualification",),
    category="eligibility",
    must_mention=["sales"],  # type: ignore[call-arg]
)


def _result(
    question: Question,
    text: str = "I can help with Japan's defense procurement for startups.",
    *,
    declined: bool = False,
    escalated: bool = False,
    cited: tuple[str, ...] = (),
    latency_ms: float = 100.0,
) -> AnswerResult:
    """An answer as the engine would return it, scored as the runner scores it."""
    expected = {s.partition("#")[0] for s in question.expected_sources}
    answer = Answer(
        answer=text,
        citations=[
            Citation(n, doc, doc.title(), "Overview", f"/sources/{doc}")
            for n, doc in enumerate(cited, start=1)
        ],
        escalated=escalated,
        ticket_id="DUD-0001" if escalated else None,
        confidence=0.8,
        lang=question.lang or "en",
        declined=declined,
    )
    must = getattr(question, "must_mention", None) or []
    return AnswerResult(
        question=question,
        answer=answer,
        latency_ms=latency_ms,
        hit_rank=1 if cited else None,
        cited=list(cited),
        cites_expected=bool(set(cited) & expected),
        mentioned=[m in text for m in must],
        leaked=False,
    )


def test_p95_is_at_least_p50_for_a_category_of_two_questions() -> None:
    results = [
        _result(REAL, "The grade depends on sales [1].", cited=("qualification",), latency_ms=100),
        _result(REAL, "The grade depends on sales [1].", cited=("qualification",), latency_ms=300),
    ]

    summary = summarize(results)

    for scope in (summary, summary["by_category"]["eligibility"], summary["by_lang"]["en"]):
        assert scope["latency_p50_ms"] == 100.0  # nearest rank: sorted[ceil(0.50 * 2) - 1]
        assert scope["latency_p95_ms"] == 300.0  # nearest rank: sorted[ceil(0.95 * 2) - 1]


@pytest.mark.parametrize(
    ("declined", "escalated", "cited", "passes"),
    [
        (True, False, (), True),
        (True, False, ("qualification",), False),  # declined, but cites a source
        (True, True, (), False),  # declined, but opened a ticket
        (False, True, (), False),  # handed to staff instead
        (False, False, (), False),  # answered as if it were a question for the desk
    ],
)
def test_an_expect_decline_question_passes_only_when_declined_without_ticket_or_citations(
    declined: bool, escalated: bool, cited: tuple[str, ...], passes: bool
) -> None:
    result = _result(OFF_TOPIC, declined=declined, escalated=escalated, cited=cited)

    assert result.passed is passes
    assert not result.answerable


def test_a_question_for_the_desk_fails_when_declined() -> None:
    answered = _result(REAL, "The grade depends on sales [1].", cited=("qualification",))
    declined = _result(REAL, declined=True)

    assert answered.passed
    assert not declined.passed


def test_summary_has_passed_and_decline_shares_overall_by_category_and_by_language() -> None:
    results = [
        _result(OFF_TOPIC, declined=True),  # passes
        _result(OFF_TOPIC, declined=True, escalated=True),  # declined with a ticket: fails
        _result(REAL, "The grade depends on sales [1].", cited=("qualification",)),  # passes
        _result(REAL, declined=True),  # declined wrongly: fails
    ]

    summary = summarize(results)

    assert (summary["passed"], summary["off_topic_declined"], summary["declined_wrongly"]) == (
        0.5,
        0.5,
        0.5,
    )
    assert summary["by_lang"]["en"]["passed"] == 0.5
    assert summary["by_category"]["off_topic"]["passed"] == 0.5
    assert summary["by_category"]["off_topic"]["off_topic_declined"] == 0.5
    assert summary["by_category"]["eligibility"]["declined_wrongly"] == 0.5


def test_eval_sidebyside_prints_the_gap_and_writes_html_and_markdown(tmp_path: Path) -> None:
    dev, validation = tmp_path / "dev", tmp_path / "validation"
    answered = _result(REAL, "The grade depends on sales [1].", cited=("qualification",))
    write_run(dev, [answered, answered], "default")
    write_run(validation, [answered, _result(REAL, declined=True)], "default")
    html, md = tmp_path / "out" / "sidebyside.html", tmp_path / "out" / "sidebyside.md"

    result = runner.invoke(
        app, ["eval", "sidebyside", str(dev), str(validation), "--html", str(html), "--md", str(md)]
    )

    assert result.exit_code == 0, result.output
    assert "+50.0 pts  dev better" in result.stdout  # passed: 100% vs 50%
    assert html.exists()
    assert "| Questions passed | 100.0% | 50.0% | +50.0 pts (dev better) |" in md.read_text(
        encoding="utf-8"
    )
