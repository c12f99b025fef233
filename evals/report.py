"""Readable reports of an answer-evaluation run: one self-contained HTML page (inline CSS and
SVG, no scripts, nothing fetched from anywhere) for people who do not read JSON, and the same
tables in Markdown for pull requests.

The pages (this report, :mod:`evals.compare` and :mod:`evals.sidebyside`) are Jinja2 templates
in ``evals/templates`` with autoescaping on, extending one base page with the one stylesheet.
The figures are computed and formatted here; the templates get plain data and hold markup only.

A run directory holds ``results.jsonl`` (one row per question), ``summary.json`` (the metrics,
overall and per category and language) and ``run.json`` (what was run, when). Given a baseline
run directory, every number is shown next to the baseline's, with the change coloured.
"""

from __future__ import annotations

import argparse
import html
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from evals.metrics import METRICS as SUMMARY_METRICS

Kind = Literal["share", "ratio", "count", "ms"]
Verdict = Literal["better", "worse", "unchanged", "changed", "n/a"]

#: Metrics where a smaller number is the improvement.
LOWER_IS_BETTER = frozenset(
    {"leaks", "latency_p50_ms", "latency_p95_ms", "answerable_escalated", "declined_wrongly"}
)
#: Metrics that describe the run rather than its quality (no better or worse).
NEUTRAL = frozenset({"n"})


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    short: str
    kind: Kind
    explanation: str

    @property
    def lower_is_better(self) -> bool:
        return self.key in LOWER_IS_BETTER


_METRICS = (
    Metric("n", "Questions", "n", "count", "How many questions were asked."),
    Metric(
        "answered_correctly",
        "Answered correctly",
        "Answered correctly",
        "share",
        "Of the questions the documents can answer, the share whose answer passed every check: "
        "right source cited, key facts mentioned, not needlessly handed to staff.",
    ),
    Metric(
        "passed",
        "Questions passed",
        "Passed",
        "share",
        "Share of all questions that passed every check, including those that should go to staff "
        "and those that should be declined.",
    ),
    Metric(
        "hit_at_1",
        "Hit@1",
        "Hit@1",
        "share",
        "How often the right document was the very first passage found.",
    ),
    Metric(
        "hit_at_5",
        "Hit@5 (right document found)",
        "Hit@5",
        "share",
        "How often the right document was among the top five passages found.",
    ),
    Metric(
        "mrr",
        "Mean reciprocal rank",
        "MRR",
        "ratio",
        "How high the right document ranked on average (1.0 = always first).",
    ),
    Metric(
        "citation_precision",
        "Citation precision",
        "Citation precision",
        "share",
        "Of all the sources the answers cited, the share that were the expected documents.",
    ),
    Metric(
        "must_mention_recall",
        "Key facts mentioned",
        "Must-mention recall",
        "share",
        "Share of required key facts (amounts, deadlines, names) that appear in the answers.",
    ),
    Metric(
        "escalation_precision",
        "Escalation precision",
        "Escalation precision",
        "share",
        "Of the questions handed to staff, the share that really needed a person.",
    ),
    Metric(
        "escalation_recall",
        "Escalation recall",
        "Escalation recall",
        "share",
        "Of the questions that needed a person, the share handed to staff.",
    ),
    Metric(
        "escalation_f1",
        "Escalation F1",
        "Escalation F1",
        "ratio",
        "Escalation precision and recall combined into one number (1.0 = perfect).",
    ),
    Metric(
        "answerable_escalated",
        "Answerable questions handed to staff",
        "Answerable escalated",
        "share",
        "Of the questions the documents can answer, the share needlessly handed to staff.",
    ),
    Metric(
        "must_escalate_escalated",
        "Questions needing a person handed to staff",
        "Must-escalate escalated",
        "share",
        "Of the questions that needed a person, the share handed to staff.",
    ),
    Metric(
        "off_topic_declined",
        "Off-topic messages declined",
        "Off-topic declined",
        "share",
        "Of the messages that are not questions for the desk (off-topic, nonsense), the share "
        "politely declined without opening a ticket.",
    ),
    Metric(
        "declined_wrongly",
        "Questions declined wrongly",
        "Declined wrongly",
        "share",
        "Of the real questions for the desk, the share declined as if they were off-topic.",
    ),
    Metric(
        "leaks",
        "Leaks of staff-only content",
        "Leaks",
        "count",
        "Answers to startups that cited or quoted staff-only documents. Must be zero.",
    ),
    Metric(
        "latency_p50_ms",
        "Typical response time (p50)",
        "Latency p50",
        "ms",
        "Half of the answers came back faster than this.",
    ),
    Metric(
        "latency_p95_ms",
        "Slow response time (p95)",
        "Latency p95",
        "ms",
        "95% of the answers came back faster than this; the slowest 5% took longer.",
    ),
)
METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}

CARD_METRICS = (
    "answered_correctly",
    "off_topic_declined",
    "hit_at_5",
    "citation_precision",
    "must_mention_recall",
    "escalation_precision",
    "escalation_recall",
    "leaks",
    "latency_p50_ms",
    "latency_p95_ms",
)
#: Cards and headline rows shown only when the run (or its baseline) measures them.
OPTIONAL_CARDS = frozenset({"answered_correctly", "off_topic_declined"})
TABLE_METRICS = SUMMARY_METRICS
LANGUAGES = {"en": "English", "ja": "Japanese"}
_TOLERANCE: dict[Kind, float] = {"share": 0.0005, "ratio": 0.0005, "count": 0.5, "ms": 0.5}


def metric(key: str) -> Metric:
    """The known metric, or a plain one for a key this module has not heard of."""
    if key in METRICS:
        return METRICS[key]
    kind: Kind = "ms" if key.endswith("_ms") else "ratio"
    return Metric(key, key.replace("_", " "), key, kind, "")


# --------------------------------------------------------------------------- reading a run


@dataclass(frozen=True)
class RunData:
    """One run directory, read."""

    path: Path
    summary: dict[str, Any]
    results: list[dict[str, Any]]
    info: dict[str, Any]

    @property
    def pipeline(self) -> str | None:
        name = self.info.get("pipeline")
        if not name and self.results:
            name = self.results[0].get("pipeline")
        return str(name) if name else None

    def rows(self, key: str | None = None, value: str | None = None) -> list[dict[str, Any]]:
        if key is None:
            return self.results
        return [r for r in self.results if str(r.get(key)) == value]


def load_run(run_dir: Path) -> RunData:
    """``summary.json`` is required; ``results.jsonl`` and ``run.json`` are read if present.
    A malformed file raises :class:`ValueError` naming the file (and line)."""
    summary = _read_json(run_dir / "summary.json")
    results: list[dict[str, Any]] = []
    results_path = run_dir / "results.jsonl"
    if results_path.exists():
        lines = results_path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{results_path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{results_path}:{number}: not a JSON object")
            results.append(row)
    info_path = run_dir / "run.json"
    info = _read_json(info_path) if info_path.exists() else {}
    return RunData(run_dir, summary, results, info)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


# --------------------------------------------------------------------------- numbers


def number(value: Any) -> float | None:
    """A metric value as a float; ``None`` for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def fmt_value(key: str, value: float | None) -> str:
    if value is None:
        return "—"
    kind = metric(key).kind
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f} ms" if abs(value) < 1000 else f"{value:,.0f} ms"


def fmt_delta(key: str, delta: float | None) -> str:
    if delta is None:
        return "—"
    kind = metric(key).kind
    if kind == "share":
        text = f"{delta * 100:+.1f} pts"
    elif kind == "ratio":
        text = f"{delta:+.3f}"
    elif kind == "count":
        text = f"{delta:+,.0f}"
    else:
        text = f"{delta:+,.1f} ms" if abs(delta) < 1000 else f"{delta:+,.0f} ms"
    return text.replace("-", "−")


def judge(key: str, before: float | None, after: float | None) -> Verdict:
    """Did ``key`` get better or worse from ``before`` to ``after``? Changes smaller than the
    displayed precision count as unchanged."""
    if before is None or after is None:
        return "n/a"
    delta = after - before
    if abs(delta) < _TOLERANCE[metric(key).kind]:
        return "unchanged"
    if key in NEUTRAL:
        return "changed"
    improved = delta < 0 if key in LOWER_IS_BETTER else delta > 0
    return "better" if improved else "worse"


def _derived(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Figures the per-question rows give: the share passed (also in summary.json since it
    records ``passed``; older runs only have it here) and the answered-correctly share."""
    if not rows:
        return {}
    out = {"passed": sum(bool(r.get("passed")) for r in rows) / len(rows)}
    answerable = [r for r in rows if r.get("answerable")]
    if answerable:
        out["answered_correctly"] = sum(bool(r.get("passed")) for r in answerable) / len(answerable)
    return out


Rows = Sequence[Mapping[str, Any]]


def _any(field: str) -> Callable[[Rows], bool]:
    """A metric counting rows with ``field`` set measures nothing when no row has it."""
    return lambda rows: any(r.get(field) for r in rows)


#: For each metric that does not always apply: whether it measures anything for a group's rows.
_APPLIES: dict[str, Callable[[Rows], bool]] = {
    "hit_at_1": _any("expected_sources"),
    "hit_at_5": _any("expected_sources"),
    "mrr": _any("expected_sources"),
    "citation_precision": lambda rows: any(
        r.get("cited") for r in rows if r.get("expected_sources")
    ),
    "must_mention_recall": lambda rows: any(
        r.get("must_mention") for r in rows if r.get("answerable")
    ),
    "escalation_precision": _any("escalated"),
    "escalation_recall": _any("expect_escalation"),
    "escalation_f1": lambda rows: any(
        r.get("escalated") or r.get("expect_escalation") for r in rows
    ),
    "answerable_escalated": _any("answerable"),
    "must_escalate_escalated": _any("expect_escalation"),
    "off_topic_declined": _any("expect_decline"),
    "declined_wrongly": lambda rows: any(not r.get("expect_decline") for r in rows),
}


def _applicable(key: str, rows: Rows) -> bool:
    """Whether ``key`` measures anything for these rows (escalation precision of a group in
    which nothing was escalated is not 0%, it is not applicable). Unknown without rows."""
    applies = _APPLIES.get(key)
    return not rows or applies is None or applies(rows)


@dataclass(frozen=True)
class Group:
    """One scope (the whole run, a category, a language): its metric values."""

    values: dict[str, float | None]
    rows: list[dict[str, Any]]

    def get(self, key: str) -> float | None:
        return self.values.get(key)


def _group(summary: Mapping[str, Any] | None, rows: list[dict[str, Any]]) -> Group:
    values: dict[str, float | None] = {}
    for key, value in (summary or {}).items():
        values[key] = number(value)
    derived = _derived(rows)
    values.update(derived)
    if "n" not in values or values["n"] is None:
        values["n"] = float(len(rows)) if rows else None
    for key in list(values):
        if not _applicable(key, rows):
            values[key] = None
    return Group(values, rows)


def overall_group(run: RunData) -> Group:
    """The whole run's metrics."""
    return _group(run.summary, run.results)


def breakdown(run: RunData, summary_key: str, row_key: str) -> dict[str, Group]:
    """The run's metrics per category (``"by_category"``, ``"category"``) or per language
    (``"by_lang"``, ``"lang"``), from summary.json and the rows together."""
    section = run.summary.get(summary_key)
    section = section if isinstance(section, dict) else {}
    names = set(section) | {str(r.get(row_key)) for r in run.results if r.get(row_key)}
    return {
        name: _group(
            section.get(name) if isinstance(section.get(name), dict) else None,
            run.rows(row_key, name),
        )
        for name in sorted(names)
    }


# --------------------------------------------------------------------------- templates

#: The Jinja2 templates of the HTML pages (this report, evals.compare, evals.sidebyside): one
#: base page with the shared stylesheet, the shared macros, one template per page.
TEMPLATES = Path(__file__).with_name("templates")

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "j2", "html.j2"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_template(name: str, **context: Any) -> str:
    """Render one of :data:`TEMPLATES` (autoescaped) with plain data."""
    return _ENV.get_template(name).render(**context)


def lang_code(value: Any) -> str | None:
    """The ``lang`` attribute for text in ``value``'s language: ``None`` for English (the
    page's own language) and for anything that is not a known language."""
    return str(value) if value in LANGUAGES and value != "en" else None


@dataclass(frozen=True)
class Delta:
    """A change from a before figure to an after figure: the text and the verdict."""

    text: str
    verdict: Verdict


def delta(key: str, before: float | None, after: float | None) -> Delta | None:
    """The change from ``before`` to ``after``; ``None`` unless both are known."""
    if before is None or after is None:
        return None
    return Delta(fmt_delta(key, after - before), judge(key, before, after))


@dataclass(frozen=True)
class Cell:
    """One table cell: the value, and when there is a baseline its value (``base_text``) and the
    change below; or a change (spelled out) or a muted ``note`` after the value."""

    text: str
    classes: str = ""
    title: str | None = None
    base_text: str | None = None
    delta: Delta | None = None
    note: str | None = None


@dataclass(frozen=True)
class Column:
    label: str
    title: str | None = None
    left: bool = False


@dataclass(frozen=True)
class Row:
    name: str
    cells: list[Cell]
    title: str | None = None


@dataclass(frozen=True)
class Table:
    """A table of figures: its caption, the header row and one row per group or metric."""

    caption: str
    columns: list[Column]
    rows: list[Row]


@dataclass(frozen=True)
class LegendItem:
    name: str
    colour: str
    x: int
    text_x: int


@dataclass(frozen=True)
class Tick:
    label: str
    x: str
    y1: int
    y2: int
    label_y: int


@dataclass(frozen=True)
class Bar:
    """One bar; ``value`` is the formatted figure, ``None`` when it does not apply."""

    name: str
    value: str | None
    colour: str
    x: int
    y: str
    width: str
    height: int
    text_x: str
    text_y: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    short: str
    x: int
    y: str
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, laid out: what the SVG template draws."""

    title: str
    desc: str
    width: int
    height: int
    legend: list[LegendItem]
    ticks: list[Tick]
    groups: list[BarGroup]


_COLOURS = ("#2563eb", "#94a3b8", "#0d9488", "#d97706")


def bar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, Sequence[float | None]]],
    series: Sequence[str],
    fmt: Callable[[float], str],
    maximum: float = 1.0,
) -> Chart:
    """A horizontal bar chart: one group of bars per row, one bar per series. The values are
    also spelled out in the description."""
    label_w, bar_w, value_w = 210, 470, 90
    width = label_w + bar_w + value_w
    bar_h, inner_gap, group_gap = 18, 3, 14
    legend_h = 26 if len(series) > 1 else 0
    axis_h = 22
    group_h = len(series) * bar_h + (len(series) - 1) * inner_gap
    top = legend_h + axis_h
    height = top + len(rows) * (group_h + group_gap) + 4
    described = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{name} {fmt(v) if v is not None else 'not applicable'}"
            for name, v in zip(series, values, strict=False)
        )
        for label, values in rows
    )
    legend = []
    if len(series) > 1:
        legend_x = label_w
        for i, name in enumerate(series):
            legend.append(LegendItem(name, _COLOURS[i % len(_COLOURS)], legend_x, legend_x + 18))
            legend_x += 30 + 8 * len(name)
    ticks = [
        Tick(
            label=fmt(step / 4 * maximum),
            x=f"{label_w + step / 4 * bar_w:.1f}",
            y1=top - 4,
            y2=height - 2,
            label_y=top - 8,
        )
        for step in range(5)
    ]
    groups = []
    y = top + group_gap / 2
    for label, values in rows:
        bars = []
        for i, (name, value) in enumerate(zip(series, values, strict=False)):
            bar_y = y + i * (bar_h + inner_gap)
            length = 0.0
            if value is not None and maximum:
                length = max(0.0, min(1.0, value / maximum)) * bar_w
            bars.append(
                Bar(
                    name=name,
                    value=None if value is None else fmt(value),
                    colour=_COLOURS[i % len(_COLOURS)],
                    x=label_w if value is not None else label_w + 4,
                    y=f"{bar_y:.1f}",
                    width=f"{max(length, 1.5):.1f}",
                    height=bar_h,
                    text_x=f"{label_w + length + 6:.1f}",
                    text_y=f"{bar_y + 13:.1f}",
                )
            )
        short = label if len(label) <= 28 else label[:27] + "…"
        groups.append(BarGroup(label, short, label_w - 10, f"{y + group_h / 2 + 4:.1f}", bars))
        y += group_h + group_gap
    return Chart(title, described, width, height, legend, ticks, groups)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class _Side:
    """The run (and the baseline, if any) with display labels."""

    run: RunData
    base: RunData | None
    label: str
    base_label: str

    @property
    def series(self) -> list[str]:
        return [self.label, self.base_label] if self.base else [self.label]


def _labels(run: RunData, base: RunData | None) -> tuple[str, str]:
    main = run.pipeline or "this run"
    other = (base.pipeline if base else None) or "baseline"
    if main == other:
        return "this run", f"{other} (reference)"
    return main, other


def info_list(run: RunData, label: str) -> list[tuple[str, str]]:
    """What was run, when and on what, as (name, value) pairs; unknown facts are left out."""
    info = run.info
    files = info.get("question_files")
    fields: list[tuple[str, Any]] = [
        ("Run", label),
        ("Questions", ", ".join(map(str, files)) if isinstance(files, list) else files),
        ("Corpus", info.get("corpus")),
        ("As of", info.get("as_of")),
        ("Started", info.get("started")),
        ("Took", f"{info['seconds']:.0f} s" if number(info.get("seconds")) is not None else None),
        ("Embedder", info.get("embedder")),
        ("Git", info.get("git")),
    ]
    return [(k, str(v)) for k, v in fields if v not in (None, "")]


def _intro(side: _Side, overall: Group) -> str:
    rows = side.run.results
    n = len(rows) if rows else int(overall.get("n") or 0)
    by_lang: dict[str, int] = defaultdict(int)
    for row in rows:
        by_lang[str(row.get("lang"))] += 1
    langs = ", ".join(
        f"{count} in {LANGUAGES.get(lang, lang)}" for lang, count in sorted(by_lang.items())
    )
    failed = sum(not r.get("passed") for r in rows)
    text = (
        f"This report shows how well Dual-Use Desk answered a fixed set of {n} test questions"
        f"{f' ({langs})' if langs else ''} whose right answers are known in advance. For each "
        "question we checked whether the assistant found the right document, cited it, "
        "mentioned the key facts (amounts, deadlines, names), handed the question to institute "
        "staff when — and only when — a person was needed, and never showed staff-only "
        "material to a startup."
    )
    if any(r.get("expect_decline") for r in rows):
        text += (
            " Messages that are not questions for the desk (off-topic, nonsense) should be "
            "politely declined, with no sources and no ticket."
        )
    if rows:
        text += (
            f" {failed} of {n} questions failed at least one check; they are listed at the end "
            "with what was expected and what happened."
        )
    if side.base:
        text += (
            f" Every number is shown next to the same measurement for the {side.base_label} "
            "run; green changes are improvements, red ones are regressions."
        )
    return text


def shown(key: str, group: Group | None) -> str:
    """A group's value for display: "—" when the group is absent, "n/a" when the metric does
    not apply to it."""
    if group is None:
        return "—"
    value = group.get(key)
    return "n/a" if value is None else fmt_value(key, value)


@dataclass(frozen=True)
class Card:
    """One headline number; ``base_value`` is ``None`` when there is no baseline."""

    label: str
    value: str
    explanation: str
    alert: bool
    base_value: str | None
    delta: Delta | None


def _headline_keys(overall: Group, base: Group | None) -> list[str]:
    """:data:`CARD_METRICS`, less the optional ones neither the run nor the baseline measures."""
    return [
        k
        for k in CARD_METRICS
        if k not in OPTIONAL_CARDS
        or overall.get(k) is not None
        or (base is not None and base.get(k) is not None)
    ]


def _cards(overall: Group, base: Group | None) -> list[Card]:
    cards = []
    for key in _headline_keys(overall, base):
        m = METRICS[key]
        value = overall.get(key)
        cards.append(
            Card(
                label=m.label,
                value=shown(key, overall),
                explanation=m.explanation,
                alert=key == "leaks" and (value or 0) > 0,
                base_value=shown(key, base) if base is not None else None,
                delta=delta(key, base.get(key), value) if base is not None else None,
            )
        )
    return cards


def cell_class(key: str, group: Group | None) -> str:
    """The classes of a metric's cell: a leak is an alert, a missing value is n/a."""
    value = group.get(key) if group else None
    classes = []
    if key == "leaks" and (value or 0) > 0:
        classes.append("alert")
    if value is None:
        classes.append("na")
    return " ".join(classes)


def _cell(key: str, group: Group | None, base: Group | None, has_base: bool) -> Cell:
    value = group.get(key) if group else None
    title = None
    if key == "passed" and group is not None and group.rows:
        passed = sum(bool(r.get("passed")) for r in group.rows)
        title = f"{passed} of {len(group.rows)} passed"
    if not has_base:
        return Cell(shown(key, group), cell_class(key, group), title)
    before = base.get(key) if base else None
    change = delta(key, before, value)
    return Cell(
        shown(key, group),
        cell_class(key, group),
        title,
        base_text=shown(key, base),
        delta=change if change is not None and change.verdict != "unchanged" else None,
    )


def _table_keys(*scopes: Mapping[str, Group] | None) -> list[str]:
    """``n`` and every table metric that at least one group measures (a run made before a
    metric existed, or with no question it applies to, gets no empty column)."""
    groups = [g for scope in scopes for g in (scope or {}).values()]
    return ["n", *(k for k in TABLE_METRICS if any(g.get(k) is not None for g in groups))]


def _table(
    caption: str,
    first: str,
    groups: Mapping[str, Group],
    base_groups: Mapping[str, Group] | None,
    names: Mapping[str, str] | None = None,
) -> Table:
    has_base = base_groups is not None
    keys = _table_keys(groups, base_groups)
    columns = [Column(first, left=True)] + [
        Column(metric(k).short, metric(k).explanation) for k in keys
    ]
    rows = [
        Row(
            (names or {}).get(name, name),
            [_cell(k, groups.get(name), (base_groups or {}).get(name), has_base) for k in keys],
        )
        for name in sorted(set(groups) | set(base_groups or {}))
    ]
    return Table(caption, columns, rows)


def _lang_names(names: Iterable[str]) -> dict[str, str]:
    return {n: f"{LANGUAGES[n]} ({n})" if n in LANGUAGES else n for n in names}


def _mentions(row: Mapping[str, Any]) -> list[tuple[Any, bool]]:
    """Each key fact the answer had to mention and whether it did (``mentioned`` may be short)."""
    must = list(row.get("must_mention") or [])
    mentioned = list(row.get("mentioned") or [])
    return [(m, bool(i < len(mentioned) and mentioned[i])) for i, m in enumerate(must)]


def _leak_signals(row: Mapping[str, Any]) -> list[str]:
    return ["Showed staff-only content to a startup."] if row.get("leaked") else []


def _off_topic_signals(row: Mapping[str, Any]) -> list[str]:
    """A message that is not a question for the desk should be declined, with no ticket and no
    sources."""
    out = []
    if not row.get("declined"):
        out.append("Not a question for the desk, but was not declined.")
    if row.get("escalated") or row.get("ticket_id"):
        out.append("Opened a ticket for a message that is not a question for the desk.")
    if row.get("cited"):
        out.append("Cited sources for a message that is not a question for the desk.")
    return out


def _decline_signals(row: Mapping[str, Any]) -> list[str]:
    """A real question for the desk should not be declined."""
    if row.get("declined"):
        return ["Declined as not a question for the desk, although it is one."]
    return []


def _escalation_signals(row: Mapping[str, Any]) -> list[str]:
    """Handed to staff when, and only when, a person was needed (a declined question has
    already been reported)."""
    expected, escalated = bool(row.get("expect_escalation")), bool(row.get("escalated"))
    out = []
    if expected and not escalated and not row.get("declined"):
        out.append("Should have been handed to staff, but was answered.")
    if escalated and not expected:
        out.append("Handed to staff although the documents answer it.")
    return out


def _source_signals(row: Mapping[str, Any]) -> list[str]:
    """The expected document found and cited, when there is one."""
    if not row.get("expected_sources"):
        return []
    out = []
    if row.get("hit_rank") is None:
        out.append("The expected document was not among the passages found.")
    if not row.get("cites_expected"):
        out.append("Did not cite an expected source.")
    return out


def _fact_signals(row: Mapping[str, Any]) -> list[str]:
    facts = _mentions(row)
    missing = sum(not mentioned for _, mentioned in facts)
    return [f"Missing {missing} of {len(facts)} required key facts."] if missing else []


_Check = Callable[[Mapping[str, Any]], list[str]]
#: What is checked for a message that should be declined, and for a real question.
_OFF_TOPIC_CHECKS: tuple[_Check, ...] = (_leak_signals, _off_topic_signals)
_QUESTION_CHECKS: tuple[_Check, ...] = (
    _leak_signals,
    _decline_signals,
    _escalation_signals,
    _source_signals,
    _fact_signals,
)


def _signals(row: Mapping[str, Any]) -> list[str]:
    """What visibly went wrong with a failing question, in plain words."""
    checks = _OFF_TOPIC_CHECKS if row.get("expect_decline") else _QUESTION_CHECKS
    out = [signal for check in checks for signal in check(row)]
    return out or ["Did not meet the run's pass criteria."]


@dataclass(frozen=True)
class Doc:
    """A document id in a list; ``expected`` ones are shown in bold."""

    id: str
    expected: bool = False


def _docs(ids: Iterable[Any], expected: set[str]) -> list[Doc]:
    return [Doc(str(d), str(d) in expected) for d in ids]


@dataclass(frozen=True)
class Fact:
    """A key fact the answer had to mention, and whether it did."""

    text: str
    mentioned: bool


@dataclass(frozen=True)
class FailingQuestion:
    """Everything shown about one failing question: what was expected, what happened."""

    id: str
    question: str
    lang: str | None
    answer: str
    tags: list[str]
    #: ``"regressed"`` (passed in the baseline), ``"also"`` (failed there too) or ``None``.
    status: str | None
    why: list[str]
    sources: list[Doc]
    must: list[Fact]
    expect_escalation: bool
    expect_decline: bool
    retrieved_label: str
    retrieved: list[Doc]
    cited: list[Doc]
    escalation: str
    #: ``"yes"``/``"no"`` when declining is in question (expected or done), else ``None``.
    declined: str | None
    reason: str | None


def _tags(row: Mapping[str, Any]) -> list[str]:
    """The question's language and audience, and its confidence and response time if known."""
    tags = [
        str(LANGUAGES.get(str(row.get("lang")), row.get("lang") or "?")),
        str(row.get("audience") or "startup"),
    ]
    if number(row.get("confidence")) is not None:
        tags.append(f"confidence {row['confidence']:.2f}")
    if number(row.get("latency_ms")) is not None:
        tags.append(fmt_value("latency_p50_ms", float(row["latency_ms"])))
    return tags


def _status(base_row: Mapping[str, Any] | None) -> str | None:
    """Against the baseline: ``"regressed"``, ``"also"`` (failed there too), or ``None``."""
    if base_row is None:
        return None
    return "regressed" if base_row.get("passed") else "also"


def _escalation_text(row: Mapping[str, Any]) -> str:
    """Whether the question was handed to staff, with the ticket when one was opened."""
    if not row.get("escalated"):
        return "no"
    return f"yes (ticket {row['ticket_id']})" if row.get("ticket_id") else "yes"


def _declined_text(row: Mapping[str, Any]) -> str | None:
    """``"yes"``/``"no"`` only when declining is in question (expected or done)."""
    declined = bool(row.get("declined"))
    if not (row.get("expect_decline") or declined):
        return None
    return "yes" if declined else "no"


def _retrieved_label(row: Mapping[str, Any]) -> str:
    hit_rank = row.get("hit_rank")
    return f"Retrieved (ranked{f', expected at #{hit_rank}' if hit_rank else ''})"


def _failing_item(row: Mapping[str, Any], base_row: Mapping[str, Any] | None) -> FailingQuestion:
    """What was expected of a failing question and what happened; ``base_row`` is the same
    question in the baseline run, if any."""
    expected_sources = [str(s) for s in row.get("expected_sources") or []]
    expected_docs = {s.partition("#")[0] for s in expected_sources}
    return FailingQuestion(
        id=str(row.get("id", "")),
        question=str(row.get("question") or ""),
        lang=lang_code(row.get("lang")),
        answer=str(row.get("answer") or ""),
        tags=_tags(row),
        status=_status(base_row),
        why=_signals(row),
        sources=_docs(expected_sources, set()),
        must=[Fact(str(m), mentioned) for m, mentioned in _mentions(row)],
        expect_escalation=bool(row.get("expect_escalation")),
        expect_decline=bool(row.get("expect_decline")),
        retrieved_label=_retrieved_label(row),
        retrieved=_docs(row.get("retrieved") or [], expected_docs),
        cited=_docs(row.get("cited") or [], expected_docs),
        escalation=_escalation_text(row),
        declined=_declined_text(row),
        reason=str(row["reason"]) if row.get("reason") else None,
    )


@dataclass(frozen=True)
class FailingCategory:
    name: str
    total: int
    questions: list[FailingQuestion]


@dataclass(frozen=True)
class Failing:
    """The failing questions by category; ``message`` instead when there is nothing to list."""

    message: str | None
    failed: int
    total: int
    categories: list[FailingCategory]


def _failing_section(side: _Side) -> Failing:
    rows = side.run.results
    if not rows:
        return Failing("No per-question results (results.jsonl) were found in this run.", 0, 0, [])
    failing = [r for r in rows if not r.get("passed")]
    if not failing:
        return Failing("Every question passed.", 0, len(rows), [])
    base_rows = {str(r.get("id")): r for r in side.base.results} if side.base else {}
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in failing:
        by_category[str(row.get("category") or "uncategorized")].append(row)
    categories = [
        FailingCategory(
            category,
            len(side.run.rows("category", category)),
            [
                _failing_item(r, base_rows.get(str(r.get("id"))))
                for r in sorted(by_category[category], key=lambda r: str(r.get("id")))
            ],
        )
        for category in sorted(by_category)
    ]
    return Failing(None, len(failing), len(rows), categories)


def _outcome(row: Mapping[str, Any] | None) -> str | None:
    """``"passed"``, ``"failed"``, or ``None`` when the question was not asked."""
    if row is None:
        return None
    return "passed" if row.get("passed") else "failed"


@dataclass(frozen=True)
class Asked:
    """A line of the index of every question: its outcome, and in the baseline."""

    id: str
    category: str
    lang: str
    question: str
    question_lang: str | None
    outcome: str | None
    base_outcome: str | None


def _all_questions(side: _Side) -> list[Asked]:
    """Every question with its outcome: a compact index to find any question quickly."""
    rows = sorted(side.run.results, key=lambda r: (str(r.get("category")), str(r.get("id"))))
    base_rows = {str(r.get("id")): r for r in side.base.results} if side.base else {}
    return [
        Asked(
            id=str(r.get("id")),
            category=str(r.get("category")),
            lang=str(r.get("lang")),
            question=str(r.get("question")),
            question_lang=lang_code(r.get("lang")),
            outcome=_outcome(r),
            base_outcome=_outcome(base_rows.get(str(r.get("id")))),
        )
        for r in rows
    ]


def _pass_chart(
    side: _Side, cats: Mapping[str, Group], base_cats: Mapping[str, Group]
) -> Chart | None:
    names = sorted(set(cats) | set(base_cats))
    rows = [
        (
            name,
            [(cats[name].get("passed") if name in cats else None)]
            + ([base_cats[name].get("passed") if name in base_cats else None] if side.base else []),
        )
        for name in names
    ]
    if not any(v is not None for _, values in rows for v in values):
        return None
    return bar_chart(
        title="Share of questions passed, per category", rows=rows, series=side.series, fmt=_pct
    )


def _escalation_chart(
    side: _Side,
    overall: Group,
    base: Group | None,
    langs: Mapping[str, Group],
    base_langs: Mapping[str, Group],
) -> Chart:
    scopes: list[tuple[str, Group | None, Group | None]] = [("all", overall, base)]
    for name in sorted(set(langs) | set(base_langs)):
        scopes.append((LANGUAGES.get(name, name), langs.get(name), base_langs.get(name)))
    rows: list[tuple[str, Sequence[float | None]]] = []
    for key, word in (("escalation_precision", "Precision"), ("escalation_recall", "Recall")):
        for scope, group, base_group in scopes:
            values = [group.get(key) if group else None]
            if side.base:
                values.append(base_group.get(key) if base_group else None)
            rows.append((f"{word} — {scope}", values))
    return bar_chart(
        title="Hand-over to staff: escalation precision and recall",
        rows=rows,
        series=side.series,
        fmt=_pct,
    )


def render_html(run: RunData, base: RunData | None = None) -> str:
    label, base_label = _labels(run, base)
    side = _Side(run, base, label, base_label)
    overall = overall_group(run)
    base_overall = overall_group(base) if base else None
    cats = breakdown(run, "by_category", "category")
    langs = breakdown(run, "by_lang", "lang")
    base_cats = breakdown(base, "by_category", "category") if base else {}
    base_langs = breakdown(base, "by_lang", "lang") if base else {}
    return render_template(
        "report.html.j2",
        title="Dual-Use Desk — answer quality report",
        label=label,
        base_label=base_label if base else None,
        intro=_intro(side, overall),
        runinfo=[info_list(run, label)] + ([info_list(base, base_label)] if base else []),
        cards=_cards(overall, base_overall),
        category_table=_table(
            "Metrics per question category", "Category", cats, base_cats if base else None
        ),
        pass_chart=_pass_chart(side, cats, base_cats),
        language_table=_table(
            "Metrics per question language",
            "Language",
            langs,
            base_langs if base else None,
            _lang_names(set(langs) | set(base_langs)),
        ),
        escalation_chart=_escalation_chart(side, overall, base_overall, langs, base_langs),
        failing=_failing_section(side),
        questions=_all_questions(side),
        run_name=run.path.name,
        base_name=base.path.name if base else None,
    )


# --------------------------------------------------------------------------- Markdown


def md_cell(text: Any) -> str:
    value = "" if text is None else str(text)
    value = html.escape(value, quote=False).replace("|", "\\|")
    return " ".join(value.split())


def _md_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], left: Sequence[int] = (0,)
) -> str:
    align = ["---" if i in left else "---:" for i in range(len(header))]
    lines = [
        "| " + " | ".join(md_cell(h) for h in header) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines.extend("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def _md_value(key: str, group: Group | None, base: Group | None, has_base: bool) -> str:
    value = group.get(key) if group else None
    text = shown(key, group)
    if key == "passed" and group is not None and group.rows:
        text = f"{sum(bool(r.get('passed')) for r in group.rows)}/{len(group.rows)} ({text})"
    if not has_base:
        return text
    before = base.get(key) if base else None
    if group is None:
        return f"— (baseline {shown(key, base)})"
    verdict = judge(key, before, value)
    if verdict in ("better", "worse") and value is not None and before is not None:
        mark = "▲" if verdict == "better" else "▼"
        text += f" ({mark} {fmt_delta(key, value - before)})"
    return text


def _mdbreakdown(
    first: str,
    groups: Mapping[str, Group],
    base_groups: Mapping[str, Group] | None,
    names: Mapping[str, str] | None = None,
) -> str:
    keys = _table_keys(groups, base_groups)
    rows = []
    for name in sorted(set(groups) | set(base_groups or {})):
        rows.append(
            [(names or {}).get(name, name)]
            + [
                _md_value(
                    k, groups.get(name), (base_groups or {}).get(name), base_groups is not None
                )
                for k in keys
            ]
        )
    return _md_table([first, *(metric(k).short for k in keys)], rows)


def _md_header(side: _Side, overall: Group) -> list[str]:
    """The title, what was run and when, and what it is compared with."""
    info = side.run.info
    facts = [
        f"Run: **{md_cell(side.label)}**",
        f"{md_cell(int(overall.get('n') or 0))} questions",
    ]
    for key, word in (("as_of", "as of"), ("started", "started"), ("git", "git")):
        if info.get(key):
            facts.append(f"{word} {md_cell(info[key])}")
    lines = ["# Dual-Use Desk — answer quality report", "", " · ".join(facts)]
    if side.base:
        lines.append("")
        lines.append(
            f"Compared with **{md_cell(side.base_label)}** ({md_cell(side.base.path.name)})."
        )
    return lines


def _md_change(key: str, before: float | None, after: float | None) -> str:
    """The change, spelled out with its verdict when it is better or worse."""
    change = delta(key, before, after)
    if change is None:
        return "—"
    if change.verdict in ("better", "worse"):
        return f"{change.text} ({change.verdict})"
    return change.text


def _md_headline_row(key: str, overall: Group, base: Group | None) -> list[str]:
    value = overall.get(key)
    text = shown(key, overall)
    if key == "leaks" and (value or 0) > 0:
        text = f"**{text}** ⚠"
    if base is None:
        return [METRICS[key].label, text]
    return [METRICS[key].label, text, shown(key, base), _md_change(key, base.get(key), value)]


def _md_headline(side: _Side, overall: Group, base: Group | None) -> list[str]:
    """The whole run's numbers, one row per metric, next to the baseline's."""
    header = ["Metric", side.label] + ([side.base_label, "Change"] if side.base else [])
    keys = ["n", "passed", *_headline_keys(overall, base)]
    rows = [_md_headline_row(key, overall, base) for key in keys]
    return ["", "## Headline metrics", "", _md_table(header, rows)]


def _md_breakdowns(side: _Side) -> list[str]:
    """The metrics per category and per language."""
    run, base = side.run, side.base
    cats = breakdown(run, "by_category", "category")
    langs = breakdown(run, "by_lang", "lang")
    base_cats = breakdown(base, "by_category", "category") if base else None
    base_langs = breakdown(base, "by_lang", "lang") if base else None
    names = _lang_names(set(langs) | set(base_langs or {}))
    note = (
        ["", f"Changes against {md_cell(side.base_label)} in brackets (▲ better, ▼ worse)."]
        if base
        else []
    )
    return [
        *["", "## By category", *note, ""],
        _mdbreakdown("Category", cats, base_cats),
        *["", "## By language", *note, ""],
        _mdbreakdown("Language", langs, base_langs, names),
    ]


def _md_failing(run: RunData) -> list[str]:
    """How many questions failed, and which, per category (the details are in the HTML)."""
    lines = ["", "## Failing questions", ""]
    if not run.results:
        return [*lines, "No per-question results (results.jsonl) in this run."]
    failing = [r for r in run.results if not r.get("passed")]
    lines.append(f"{len(failing)} of {len(run.results)} questions failed at least one check.")
    by_category: dict[str, list[str]] = defaultdict(list)
    for result in failing:
        by_category[str(result.get("category") or "uncategorized")].append(str(result.get("id")))
    if failing:
        rows = [
            [
                category,
                str(len(ids)),
                str(len(run.rows("category", category))),
                ", ".join(sorted(ids)),
            ]
            for category, ids in sorted(by_category.items())
        ]
        lines += ["", _md_table(["Category", "Failing", "Of", "Questions"], rows, left=(0, 3))]
    return lines


def render_markdown(run: RunData, base: RunData | None = None) -> str:
    """The report's tables in Markdown, for pull requests: header facts, headline metrics, the
    breakdowns and the failing questions."""
    side = _Side(run, base, *_labels(run, base))
    overall = overall_group(run)
    base_overall = overall_group(base) if base else None
    lines = [
        *_md_header(side, overall),
        *_md_headline(side, overall, base_overall),
        *_md_breakdowns(side),
        *_md_failing(run),
    ]
    return "\n".join(lines) + "\n"


def write_reports(run_dir: Path, baseline_dir: Path | None = None) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``run_dir``; with ``baseline_dir``, every
    metric appears next to the baseline run's. Returns the two paths (HTML, Markdown)."""
    run = load_run(run_dir)
    base = load_run(baseline_dir) if baseline_dir is not None else None
    html_path = run_dir / "report.html"
    md_path = run_dir / "report.md"
    html_path.write_text(render_html(run, base), encoding="utf-8")
    md_path.write_text(render_markdown(run, base), encoding="utf-8")
    return html_path, md_path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write report.html and report.md for a run.")
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--baseline", type=Path, default=None, help="A run to show alongside.")
    args = parser.parse_args(argv)
    for path in write_reports(args.run_dir, args.baseline):
        print(path)


if __name__ == "__main__":
    main()
