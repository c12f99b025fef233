"""Two evaluation runs side by side: how every top-level metric moved, and which questions
changed outcome. A is the reference (before), B the new run; regressions come first.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.metrics import METRICS
from evals.report import (
    LANGUAGES,
    LOWER_IS_BETTER,
    Cell,
    Column,
    Row,
    RunData,
    Table,
    Verdict,
    delta,
    fmt_delta,
    fmt_value,
    judge,
    lang_code,
    load_run,
    metric,
    number,
    render_template,
)

#: The order metrics are listed in; any other numeric key follows, alphabetically.
_ORDER = ("n", *METRICS)


@dataclass(frozen=True)
class MetricDelta:
    """One top-level metric of summary.json in both runs. ``value_a``/``value_b`` are ``None``
    when a run lacks the metric (then ``delta`` is ``None`` and ``verdict`` ``"n/a"``)."""

    name: str
    value_a: float | None
    value_b: float | None
    delta: float | None
    lower_is_better: bool
    verdict: Verdict

    @property
    def better(self) -> bool:
        return self.verdict == "better"

    @property
    def worse(self) -> bool:
        return self.verdict == "worse"


@dataclass(frozen=True)
class ChangedQuestion:
    """A question in both runs whose ``passed`` differs."""

    id: str
    question: str
    category: str
    lang: str
    answer_a: str
    answer_b: str
    passed_a: bool
    passed_b: bool


@dataclass(frozen=True)
class LoneQuestion:
    """A question present in only one of the runs."""

    id: str
    question: str
    category: str
    lang: str
    passed: bool


@dataclass(frozen=True)
class Comparison:
    run_a: Path
    run_b: Path
    label_a: str
    label_b: str
    metrics: list[MetricDelta]
    newly_failing: list[ChangedQuestion]
    newly_passing: list[ChangedQuestion]
    only_in_a: list[LoneQuestion]
    only_in_b: list[LoneQuestion]

    @property
    def changed(self) -> list[ChangedQuestion]:
        """Every question whose outcome changed, newly failing first."""
        return [*self.newly_failing, *self.newly_passing]

    def metric(self, name: str) -> MetricDelta:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)


def _numeric(summary: Mapping[str, Any]) -> dict[str, float]:
    return {k: v for k, raw in summary.items() if (v := number(raw)) is not None}


def _metric_deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[MetricDelta]:
    values_a, values_b = _numeric(a), _numeric(b)
    names = set(values_a) | set(values_b)
    ordered = [k for k in _ORDER if k in names] + sorted(names - set(_ORDER))
    deltas = []
    for name in ordered:
        va, vb = values_a.get(name), values_b.get(name)
        delta = round(vb - va, 6) if va is not None and vb is not None else None
        deltas.append(
            MetricDelta(name, va, vb, delta, name in LOWER_IS_BETTER, judge(name, va, vb))
        )
    return deltas


def _by_id(run: RunData) -> dict[str, dict[str, Any]]:
    return {str(r.get("id")): r for r in run.results if r.get("id") is not None}


def _lone(row: Mapping[str, Any]) -> LoneQuestion:
    return LoneQuestion(
        str(row.get("id")),
        str(row.get("question") or ""),
        str(row.get("category") or "uncategorized"),
        str(row.get("lang") or ""),
        bool(row.get("passed")),
    )


def _label(run: RunData, fallback: str) -> str:
    return run.pipeline or fallback


def compare_runs(run_a: Path, run_b: Path) -> Comparison:
    """Compare the reference run ``run_a`` (before) with the new run ``run_b`` (after)."""
    a, b = load_run(run_a), load_run(run_b)
    rows_a, rows_b = _by_id(a), _by_id(b)
    newly_failing: list[ChangedQuestion] = []
    newly_passing: list[ChangedQuestion] = []
    for qid in sorted(set(rows_a) & set(rows_b)):
        ra, rb = rows_a[qid], rows_b[qid]
        passed_a, passed_b = bool(ra.get("passed")), bool(rb.get("passed"))
        if passed_a == passed_b:
            continue
        changed = ChangedQuestion(
            id=qid,
            question=str(rb.get("question") or ra.get("question") or ""),
            category=str(rb.get("category") or ra.get("category") or "uncategorized"),
            lang=str(rb.get("lang") or ra.get("lang") or ""),
            answer_a=str(ra.get("answer") or ""),
            answer_b=str(rb.get("answer") or ""),
            passed_a=passed_a,
            passed_b=passed_b,
        )
        (newly_failing if passed_a else newly_passing).append(changed)
    label_a, label_b = _label(a, "A"), _label(b, "B")
    if label_a == label_b:
        label_a, label_b = f"A ({label_a})", f"B ({label_b})"
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        label_a=label_a,
        label_b=label_b,
        metrics=_metric_deltas(a.summary, b.summary),
        newly_failing=newly_failing,
        newly_passing=newly_passing,
        only_in_a=[_lone(rows_a[q]) for q in sorted(set(rows_a) - set(rows_b))],
        only_in_b=[_lone(rows_b[q]) for q in sorted(set(rows_b) - set(rows_a))],
    )


# --------------------------------------------------------------------------- terminal


def _one_line(text: str, limit: int | None) -> str:
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def format_comparison(c: Comparison, max_answer_chars: int | None = 300) -> str:
    """Plain text for the terminal: the metrics with deltas, then NEWLY FAILING questions,
    then newly passing ones, then questions found in only one run."""
    lines = [
        "Comparing evaluation runs",
        f"  A (before): {c.run_a}  [{c.label_a}]",
        f"  B (after):  {c.run_b}  [{c.label_b}]",
        "",
    ]
    width = max([len("metric"), *(len(m.name) for m in c.metrics)])
    lines.append(f"{'metric':<{width}}  {'A':>12}  {'B':>12}  {'change':>12}  verdict")
    lines.append("-" * (width + 52))
    for m in c.metrics:
        verdict = m.verdict + (" (lower is better)" if m.lower_is_better else "")
        lines.append(
            f"{m.name:<{width}}  {fmt_value(m.name, m.value_a):>12}  "
            f"{fmt_value(m.name, m.value_b):>12}  {fmt_delta(m.name, m.delta):>12}  {verdict}"
        )

    def block(title: str, questions: Sequence[ChangedQuestion]) -> None:
        lines.extend(["", f"{title} ({len(questions)})"])
        if not questions:
            lines.append("  none")
        for q in questions:
            lines.append(f"  {q.id}  [{q.category} · {q.lang}]  {_one_line(q.question, None)}")
            lines.append(f"      A: {_one_line(q.answer_a, max_answer_chars)}")
            lines.append(f"      B: {_one_line(q.answer_b, max_answer_chars)}")

    block("NEWLY FAILING — passed in A, failing in B", c.newly_failing)
    block("newly passing — failing in A, passed in B", c.newly_passing)
    for title, lone in (("Only in A", c.only_in_a), ("Only in B", c.only_in_b)):
        if lone:
            lines.extend(["", f"{title} ({len(lone)})"])
            lines.extend(
                f"  {q.id}  [{q.category} · {q.lang}]  {'passed' if q.passed else 'failing'}  "
                f"{_one_line(q.question, None)}"
                for q in lone
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML


def _questions(count: int) -> str:
    return f"{count} question{'' if count == 1 else 's'}"


def _metrics_table(c: Comparison) -> Table:
    rows = []
    for m in c.metrics:
        change = delta(m.name, m.value_a, m.value_b)
        rows.append(
            Row(
                metric(m.name).label,
                [
                    Cell(fmt_value(m.name, m.value_a)),
                    Cell(
                        fmt_value(m.name, m.value_b),
                        "alert" if m.name == "leaks" and (m.value_b or 0) > 0 else "",
                    ),
                    Cell("", delta=change) if change is not None else Cell("—"),
                ],
            )
        )
    columns = [
        Column("Metric", left=True),
        Column(f"{c.label_a} (A)"),
        Column(f"{c.label_b} (B)"),
        Column("Change"),
    ]
    return Table("Top-level metrics; for leaks and latency lower is better.", columns, rows)


def _changed(q: ChangedQuestion) -> dict[str, Any]:
    return {
        "id": q.id,
        "question": q.question,
        "lang": lang_code(q.lang),
        "tags": [q.category, str(LANGUAGES.get(q.lang, q.lang))],
        "fixed": q.passed_b,
        "outcome_a": "passed" if q.passed_a else "failing",
        "outcome_b": "passed" if q.passed_b else "failing",
        "answer_a": q.answer_a,
        "answer_b": q.answer_b,
    }


def _lone_rows(items: Sequence[LoneQuestion]) -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "question": q.question,
            "lang": lang_code(q.lang),
            "category": q.category,
            "outcome": "passed" if q.passed else "failing",
        }
        for q in items
    ]


def render_comparison_html(c: Comparison) -> str:
    lede = (
        f"How the evaluation changed from run A ({c.label_a}, the reference) to run B "
        f"({c.label_b}, the new run): every metric with its change (green better, red worse), "
        f"then the {_questions(len(c.newly_failing))} that passed before and fail now, and the "
        f"{_questions(len(c.newly_passing))} that failed before and pass now."
    )
    changed = [
        (
            "h-failing",
            f"Newly failing ({len(c.newly_failing)})",
            "Passed in A, failing in B: the regressions.",
            [_changed(q) for q in c.newly_failing],
        ),
        (
            "h-passing",
            f"Newly passing ({len(c.newly_passing)})",
            "Failing in A, passed in B: the improvements.",
            [_changed(q) for q in c.newly_passing],
        ),
    ]
    lone = [
        (anchor, f"{title} ({len(items)})", _lone_rows(items))
        for anchor, title, items in (
            ("h-only-a", "Only in A", c.only_in_a),
            ("h-only-b", "Only in B", c.only_in_b),
        )
        if items
    ]
    return render_template(
        "compare.html.j2",
        title="Dual-Use Desk — comparison of two evaluation runs",
        lede=lede,
        run_a=str(c.run_a),
        run_b=str(c.run_b),
        label_a=c.label_a,
        label_b=c.label_b,
        metrics=_metrics_table(c),
        changed=changed,
        lone=lone,
    )


def write_comparison_html(c: Comparison, path: Path) -> Path:
    """Write the comparison as one self-contained HTML page at ``path``; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_comparison_html(c), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare two evaluation runs (A before, B after).")
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    parser.add_argument("--html", type=Path, default=None, help="Also write a comparison page.")
    args = parser.parse_args(argv)
    comparison = compare_runs(args.run_a, args.run_b)
    print(format_comparison(comparison))
    if args.html is not None:
        print(f"\nComparison page: {write_comparison_html(comparison, args.html)}")


if __name__ == "__main__":
    main()
