"""A development run and a validation run side by side: every headline metric in both runs and
the gap (development minus validation), overall and per language, as plain text for the
terminal, one self-contained HTML page and Markdown.

The development set is what the engine was tuned on; the validation set (its own questions on
its own corpus) was not. A gap in the development run's favour is how much tuning on the
development set flatters the figures; the validation figure is the one to quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import METRICS
from evals.report import (
    LANGUAGES,
    Cell,
    Column,
    Group,
    Row,
    RunData,
    Table,
    Verdict,
    breakdown,
    cell_class,
    fmt_delta,
    fmt_value,
    info_list,
    judge,
    load_run,
    md_cell,
    metric,
    overall_group,
    render_template,
    shown,
)

#: The metrics compared, in report order: every answer metric (retrieval hits have a report
#: of their own).
HEADLINE = tuple(m for m in METRICS if m not in ("hit_at_1", "hit_at_5", "mrr"))
DEV, VALIDATION = "Development", "Validation"
GAP_HEADER = "Gap (dev − validation)"
TITLE = "Dual-Use Desk — development vs validation"
_VERDICT_WORDS: dict[Verdict, str] = {
    "better": "dev better",
    "worse": "dev worse",
    "unchanged": "same",
    "changed": "",
    "n/a": "",
}


@dataclass(frozen=True)
class Gap:
    """One metric in both runs. A value is ``None`` when the run lacks the scope or the metric
    does not apply to it (no question needed a person, no off-topic message)."""

    key: str
    dev: float | None
    validation: float | None

    @property
    def gap(self) -> float | None:
        """Development minus validation; ``None`` unless both have a value."""
        if self.dev is None or self.validation is None:
            return None
        return round(self.dev - self.validation, 6)

    @property
    def verdict(self) -> Verdict:
        """``better`` when the development figure is the better one (for latency, leaks and
        needless escalations, the lower one)."""
        return judge(self.key, self.validation, self.dev)

    @property
    def gap_text(self) -> str:
        """The gap with its direction in words, e.g. ``+8.0 pts (dev better)``; ``—`` when
        there is no gap to show."""
        if self.gap is None:
            return "—"
        words = _VERDICT_WORDS[self.verdict]
        return fmt_delta(self.key, self.gap) + (f" ({words})" if words else "")


@dataclass(frozen=True)
class Scope:
    """All questions, or one language: the question counts and every headline gap."""

    key: str
    label: str
    dev: Group | None
    validation: Group | None
    gaps: list[Gap]

    def gap(self, key: str) -> Gap:
        for item in self.gaps:
            if item.key == key:
                return item
        raise KeyError(key)

    def count(self, group: Group | None) -> str:
        return "—" if group is None else shown("n", group)


@dataclass(frozen=True)
class SideBySide:
    dev: RunData
    validation: RunData
    scopes: list[Scope]
    #: Share passed per category (the sets may have different categories).
    categories: list[tuple[str, Gap]]

    def scope(self, key: str) -> Scope:
        for item in self.scopes:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def pipelines_differ(self) -> bool:
        return self.dev.pipeline != self.validation.pipeline


def _scope(key: str, label: str, dev: Group | None, validation: Group | None) -> Scope:
    gaps = [
        Gap(k, dev.get(k) if dev else None, validation.get(k) if validation else None)
        for k in HEADLINE
    ]
    return Scope(key, label, dev, validation, gaps)


def _language_label(code: str) -> str:
    return f"{LANGUAGES[code]} ({code})" if code in LANGUAGES else code


def side_by_side(dev_dir: Path, validation_dir: Path) -> SideBySide:
    """Read the two run directories (as written by ``dualuse eval run``)."""
    dev, validation = load_run(dev_dir), load_run(validation_dir)
    scopes = [_scope("all", "All questions", overall_group(dev), overall_group(validation))]
    dev_langs = breakdown(dev, "by_lang", "lang")
    validation_langs = breakdown(validation, "by_lang", "lang")
    for code in sorted(set(dev_langs) | set(validation_langs)):
        scopes.append(
            _scope(code, _language_label(code), dev_langs.get(code), validation_langs.get(code))
        )
    dev_cats = breakdown(dev, "by_category", "category")
    validation_cats = breakdown(validation, "by_category", "category")
    categories = [
        (
            name,
            Gap(
                "passed",
                dev_cats[name].get("passed") if name in dev_cats else None,
                validation_cats[name].get("passed") if name in validation_cats else None,
            ),
        )
        for name in sorted(set(dev_cats) | set(validation_cats))
    ]
    return SideBySide(dev, validation, scopes, categories)


# --------------------------------------------------------------------------- terminal


def format_side_by_side(s: SideBySide) -> str:
    """Plain text for the terminal: one table per scope (all questions, then each language)."""
    lines = [
        "Development vs validation (gap = development minus validation)",
        f"  {DEV.lower() + ':':<12} {s.dev.path}  [{s.dev.pipeline or '?'}]",
        f"  {VALIDATION.lower() + ':':<12} {s.validation.path}  [{s.validation.pipeline or '?'}]",
    ]
    if s.pipelines_differ:
        lines.append("  note: the two runs used different pipelines")
    width = max(len(metric(k).short) for k in ("n", *HEADLINE))
    for scope in s.scopes:
        lines += [
            "",
            f"{scope.label}",
            f"{'metric':<{width}}  {'dev':>12}  {'validation':>12}  {'gap':>12}",
            "-" * (width + 44),
            f"{'n':<{width}}  {scope.count(scope.dev):>12}  {scope.count(scope.validation):>12}",
        ]
        for gap in scope.gaps:
            words = _VERDICT_WORDS[gap.verdict] if gap.gap is not None else ""
            lines.append(
                f"{metric(gap.key).short:<{width}}  {shown(gap.key, scope.dev):>12}  "
                f"{shown(gap.key, scope.validation):>12}  "
                f"{fmt_delta(gap.key, gap.gap):>12}  {words}".rstrip()
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML


def _gap_cell(gap: Gap) -> Cell:
    if gap.gap is None:
        return Cell("—", "na")
    return Cell(fmt_delta(gap.key, gap.gap), "nowrap", note=_VERDICT_WORDS[gap.verdict] or None)


def _value_cell(key: str, group: Group | None) -> Cell:
    return Cell(shown(key, group), cell_class(key, group))


def _columns(first: str) -> list[Column]:
    return [Column(first, left=True), Column(DEV), Column(VALIDATION), Column(GAP_HEADER)]


def _scope_table(scope: Scope) -> Table:
    rows = [
        Row(
            metric("n").label,
            [Cell(scope.count(scope.dev)), Cell(scope.count(scope.validation)), Cell("—", "na")],
        )
    ]
    for gap in scope.gaps:
        m = metric(gap.key)
        rows.append(
            Row(
                m.label,
                [
                    _value_cell(gap.key, scope.dev),
                    _value_cell(gap.key, scope.validation),
                    _gap_cell(gap),
                ],
                title=m.explanation,
            )
        )
    return Table(f"{scope.label}: development vs validation", _columns("Metric"), rows)


def _share_cell(value: float | None) -> Cell:
    return Cell(fmt_value("passed", value), "na" if value is None else "")


def _categories_table(s: SideBySide) -> Table | None:
    if not s.categories:
        return None
    rows = [
        Row(name, [_share_cell(gap.dev), _share_cell(gap.validation), _gap_cell(gap)])
        for name, gap in s.categories
    ]
    caption = "Share of each category's questions that passed every check"
    return Table(caption, _columns("Category"), rows)


def _run_label(role: str, run: RunData) -> str:
    return f"{role} ({run.pipeline} pipeline)" if run.pipeline else role


def render_side_by_side_html(s: SideBySide) -> str:
    return render_template(
        "sidebyside.html.j2",
        title=TITLE,
        pipelines=(s.dev.pipeline, s.validation.pipeline) if s.pipelines_differ else None,
        runinfo=[
            info_list(s.dev, _run_label(DEV, s.dev)),
            info_list(s.validation, _run_label(VALIDATION, s.validation)),
        ],
        scopes=[(scope.key, scope.label, _scope_table(scope)) for scope in s.scopes],
        categories=_categories_table(s),
        dev_path=str(s.dev.path),
        validation_path=str(s.validation.path),
    )


# --------------------------------------------------------------------------- Markdown


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(md_cell(c) for c in cells) + " |"


def _md_table(first: str, rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        _md_row([first, DEV, VALIDATION, GAP_HEADER]),
        "| --- | ---: | ---: | ---: |",
        *(_md_row(r) for r in rows),
    ]


def render_side_by_side_markdown(s: SideBySide) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"{DEV}: **{md_cell(s.dev.pipeline or '?')}** ({md_cell(s.dev.path)}) · "
        f"{VALIDATION}: **{md_cell(s.validation.pipeline or '?')}** "
        f"({md_cell(s.validation.path)})",
        "",
        "Gap = development minus validation; for leaks, latency, needless escalations and wrong "
        "declines lower is better.",
    ]
    if s.pipelines_differ:
        lines += ["", "**Note:** the two runs used different pipelines."]
    for scope in s.scopes:
        rows = [[metric("n").label, scope.count(scope.dev), scope.count(scope.validation), "—"]]
        rows += [
            [
                metric(g.key).label,
                shown(g.key, scope.dev),
                shown(g.key, scope.validation),
                g.gap_text,
            ]
            for g in scope.gaps
        ]
        lines += ["", f"## {scope.label}", "", *_md_table("Metric", rows)]
    if s.categories:
        rows = [
            [name, fmt_value("passed", g.dev), fmt_value("passed", g.validation), g.gap_text]
            for name, g in s.categories
        ]
        lines += ["", "## Questions passed, per category", "", *_md_table("Category", rows)]
    return "\n".join(lines) + "\n"


def write_side_by_side(
    s: SideBySide, html_path: Path | None = None, md_path: Path | None = None
) -> list[Path]:
    """Write the HTML page and/or the Markdown; returns the paths written."""
    written = []
    renderers = ((html_path, render_side_by_side_html), (md_path, render_side_by_side_markdown))
    for path, render in renderers:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(s), encoding="utf-8")
            written.append(path)
    return written
