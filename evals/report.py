"""Readable reports of an answer-evaluation run: one self-contained HTML page (inline CSS and
SVG, no scripts, nothing fetched from anywhere) for people who do not read JSON, and the same
tables in Markdown for pull requests.

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


def _applicable(key: str, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether ``key`` measures anything for these rows (escalation precision of a group in
    which nothing was escalated is not 0%, it is not applicable). Unknown without rows."""
    if not rows:
        return True
    with_sources = [r for r in rows if r.get("expected_sources")]
    if key in ("hit_at_1", "hit_at_5", "mrr"):
        return bool(with_sources)
    if key == "citation_precision":
        return any(r.get("cited") for r in with_sources)
    if key == "must_mention_recall":
        return any(r.get("must_mention") for r in rows if r.get("answerable"))
    if key == "escalation_precision":
        return any(r.get("escalated") for r in rows)
    if key == "escalation_recall":
        return any(r.get("expect_escalation") for r in rows)
    if key == "escalation_f1":
        return any(r.get("escalated") or r.get("expect_escalation") for r in rows)
    if key == "answerable_escalated":
        return any(r.get("answerable") for r in rows)
    if key == "must_escalate_escalated":
        return any(r.get("expect_escalation") for r in rows)
    if key == "off_topic_declined":
        return any(r.get("expect_decline") for r in rows)
    if key == "declined_wrongly":
        return any(not r.get("expect_decline") for r in rows)
    return True


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


# --------------------------------------------------------------------------- HTML pieces

CSS = """
:root{--fg:#1f2937;--muted:#5b6472;--line:#e2e8f0;--zebra:#f8fafc;--head:#f1f5f9;
--accent:#2563eb;--base:#94a3b8;--good:#047857;--bad:#b91c1c;--bad-bg:#fef2f2}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;line-height:1.5;font-family:system-ui,
-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Hiragino Sans","Hiragino Kaku Gothic ProN",
"Noto Sans CJK JP","Noto Sans JP","Yu Gothic",Meiryo,sans-serif}
.wrap{max-width:1120px;margin:0 auto;padding:32px 24px 64px}
h1{font-size:1.8rem;line-height:1.25;margin:0 0 .5rem}
h2{font-size:1.3rem;margin:2.5rem 0 .75rem;padding-bottom:.3rem;border-bottom:2px solid var(--line)}
h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
p{margin:.5rem 0}
.lede{font-size:1.05rem;max-width:75ch}
.runinfo{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:.75rem 0;padding:0;
font-size:.85rem;color:var(--muted)}
.runinfo div{display:flex;gap:.35rem}.runinfo dt{font-weight:600}.runinfo dd{margin:0}
.legend-note{font-size:.85rem;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:12px;
margin-top:1rem}
.card{border:1px solid var(--line);border-radius:10px;padding:14px 16px;background:#fff}
.card h3{font-size:.9rem;color:var(--muted);margin:0;font-weight:600}
.card .value{font-size:2rem;font-weight:700;margin:.15rem 0 0;font-variant-numeric:tabular-nums}
.card .vs{margin:0;font-size:.85rem;color:var(--muted)}
.card .note{font-size:.82rem;color:var(--muted);margin:.5rem 0 0}
.card.alert{border-color:#fca5a5;background:var(--bad-bg)}
.card.alert .value{color:var(--bad)}
.delta{font-weight:600;white-space:nowrap}
.delta.better{color:var(--good)}.delta.worse{color:var(--bad)}
.delta.unchanged,.delta.changed,.delta.na{color:var(--muted)}
.table-wrap{overflow-x:auto;margin:.5rem 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.82rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-size:.85rem;color:var(--muted);padding:0 0 .4rem}
th,td{padding:5px 6px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
thead th{background:var(--head);font-weight:600;vertical-align:bottom}
th[scope=row],.left{text-align:left}
th[scope=row]{font-weight:600}
tbody tr:nth-child(even){background:var(--zebra)}
td .main{display:block;white-space:nowrap}
td .cmp{display:block;font-size:.72rem;color:var(--muted)}
td .cmp>span{white-space:nowrap}
td.alert{color:var(--bad);font-weight:700;background:var(--bad-bg)}
td.na,.na{color:var(--muted)}
.nowrap{white-space:nowrap}
td a{color:inherit}
figure{margin:1rem 0 1.5rem}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.25rem}
svg.chart{width:100%;max-width:820px;height:auto;font-family:inherit}
.fail{border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:8px;
padding:12px 16px;margin:12px 0;break-inside:avoid}
.fail.fixed{border-left-color:var(--good)}
.fail h4{margin:0 0 .25rem;font-size:1rem;font-weight:600}
.qid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem;
color:var(--muted);margin-right:.5rem;font-weight:400}
.tags{font-size:.8rem;color:var(--muted);margin:0 0 .5rem}
.tag{display:inline-block;border-radius:4px;padding:0 6px;margin-left:.35rem;font-weight:600}
.tag.regressed{background:var(--bad-bg);color:var(--bad)}
.tag.also{background:var(--head);color:var(--muted)}
ul.why{margin:.25rem 0 .75rem;padding-left:1.25rem;color:var(--bad);font-size:.9rem}
h5{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);
margin:.75rem 0 .25rem}
pre.answer{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--zebra);
border:1px solid var(--line);border-radius:6px;padding:10px 12px;font-family:inherit;
font-size:.9rem;margin:0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
@media (max-width:720px){.grid2{grid-template-columns:1fr}}
dl.facts{margin:0;font-size:.88rem}
dl.facts dt{font-weight:600;margin-top:.4rem}
dl.facts dd{margin:0}
ul.plain{list-style:none;margin:0;padding:0}
ol.ranked{margin:0;padding-left:1.5rem}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
.ok{color:var(--good);font-weight:700}.miss{color:var(--bad);font-weight:700}
.expected{font-weight:700}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
footer{margin-top:3rem;font-size:.8rem;color:var(--muted)}
@media print{
body{font-size:10.5pt}.wrap{max-width:none;padding:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.card,.fail,figure,tr{break-inside:avoid}h2,h3,h4{break-after:avoid}
.table-wrap{overflow:visible}
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML document."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<main class="wrap">\n{body}\n</main>\n</body>\n</html>\n'
    )


def lang_attr(row: Mapping[str, Any]) -> str:
    lang = row.get("lang")
    return f' lang="{esc(lang)}"' if lang in LANGUAGES and lang != "en" else ""


def delta_span(key: str, before: float | None, after: float | None, words: bool = False) -> str:
    """The change from ``before`` to ``after``, coloured, with the verdict as text too (visible
    when ``words``, for screen readers otherwise) so colour is never the only signal."""
    verdict = judge(key, before, after)
    if before is None or after is None:
        return ""
    label = verdict if words else f'<span class="sr">{verdict}</span>'
    sep = " " if words else ""
    shown = f"({label})" if words else label
    return (
        f'<span class="delta {verdict}" title="{verdict}">'
        f"{esc(fmt_delta(key, after - before))}{sep}{shown}</span>"
    )


def bar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, Sequence[float | None]]],
    series: Sequence[str],
    fmt: Callable[[float], str],
    maximum: float = 1.0,
) -> str:
    """A horizontal bar chart as inline SVG: one group of bars per row, one bar per series.
    Accessible name from ``title``; the values are also spelled out in ``<desc>``."""
    colours = ("#2563eb", "#94a3b8", "#0d9488", "#d97706")
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
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{esc(title)}</title>",
        f"<desc>{esc(described)}</desc>",
    ]
    if len(series) > 1:
        legend_x = label_w
        for i, name in enumerate(series):
            out.append(
                f'<rect x="{legend_x}" y="4" width="12" height="12" rx="2" '
                f'fill="{colours[i % len(colours)]}"/>'
                f'<text x="{legend_x + 18}" y="14" font-size="13" fill="#1f2937">{esc(name)}</text>'
            )
            legend_x += 30 + 8 * len(name)
    for step in range(5):
        fraction = step / 4
        x = label_w + fraction * bar_w
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 2}" '
            f'stroke="#e2e8f0" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 8}" font-size="11" fill="#5b6472" '
            f'text-anchor="middle">{esc(fmt(fraction * maximum))}</text>'
        )
    y = top + group_gap / 2
    for label, values in rows:
        short = label if len(label) <= 28 else label[:27] + "…"
        out.append(
            f'<text x="{label_w - 10}" y="{y + group_h / 2 + 4:.1f}" font-size="13" '
            f'fill="#1f2937" text-anchor="end"><title>{esc(label)}</title>{esc(short)}</text>'
        )
        for i, (name, value) in enumerate(zip(series, values, strict=False)):
            bar_y = y + i * (bar_h + inner_gap)
            if value is None:
                out.append(
                    f'<text x="{label_w + 4}" y="{bar_y + 13:.1f}" font-size="12" '
                    f'fill="#5b6472">n/a ({esc(name)})</text>'
                )
                continue
            length = max(0.0, min(1.0, value / maximum)) * bar_w if maximum else 0.0
            out.append(
                f'<rect x="{label_w}" y="{bar_y:.1f}" width="{max(length, 1.5):.1f}" '
                f'height="{bar_h}" rx="2" fill="{colours[i % len(colours)]}">'
                f"<title>{esc(label)} — {esc(name)}: {esc(fmt(value))}</title></rect>"
                f'<text x="{label_w + length + 6:.1f}" y="{bar_y + 13:.1f}" font-size="12" '
                f'fill="#1f2937">{esc(fmt(value))}</text>'
            )
        y += group_h + group_gap
    out.append("</svg>")
    return "\n".join(out)


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


def info_list(run: RunData, label: str) -> str:
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
    items = "".join(
        f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in fields if v not in (None, "")
    )
    return f'<dl class="runinfo">{items}</dl>'


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
    return f'<p class="lede">{esc(text)}</p>'


def shown(key: str, group: Group | None) -> str:
    """A group's value for display: "—" when the group is absent, "n/a" when the metric does
    not apply to it."""
    if group is None:
        return "—"
    value = group.get(key)
    return "n/a" if value is None else fmt_value(key, value)


def _cards(side: _Side, overall: Group, base: Group | None) -> str:
    cards = []
    for key in CARD_METRICS:
        m = METRICS[key]
        value = overall.get(key)
        if key in OPTIONAL_CARDS and value is None and (base is None or base.get(key) is None):
            continue
        alert = key == "leaks" and (value or 0) > 0
        vs = ""
        if base is not None:
            before = base.get(key)
            vs = (
                f'<p class="vs">{esc(side.base_label)}: {esc(shown(key, base))} '
                f"{delta_span(key, before, value, words=True)}</p>"
            )
        cards.append(
            f'<div class="card{" alert" if alert else ""}">'
            f"<h3>{esc(m.label)}</h3>"
            f'<p class="value">{esc(shown(key, overall))}</p>{vs}'
            f'<p class="note">{esc(m.explanation)}</p></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def cell_class(key: str, group: Group | None) -> str:
    """The class attribute of a metric's cell: a leak is an alert, a missing value is n/a."""
    value = group.get(key) if group else None
    classes = []
    if key == "leaks" and (value or 0) > 0:
        classes.append("alert")
    if value is None:
        classes.append("na")
    return f' class="{" ".join(classes)}"' if classes else ""


def _cell(key: str, group: Group | None, base: Group | None, has_base: bool) -> str:
    value = group.get(key) if group else None
    attr = cell_class(key, group)
    if key == "passed" and group is not None and group.rows:
        passed = sum(bool(r.get("passed")) for r in group.rows)
        attr += f' title="{passed} of {len(group.rows)} passed"'
    main = esc(shown(key, group))
    if not has_base:
        return f"<td{attr}>{main}</td>"
    before = base.get(key) if base else None
    return (
        f'<td{attr}><span class="main">{main}</span>'
        f'<span class="cmp"><span>{esc(shown(key, base))}</span> '
        f"{delta_span(key, before, value) if judge(key, before, value) != 'unchanged' else ''}"
        "</span></td>"
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
) -> str:
    has_base = base_groups is not None
    keys = _table_keys(groups, base_groups)
    head = f'<th scope="col" class="left">{esc(first)}</th>' + "".join(
        f'<th scope="col" title="{esc(metric(k).explanation)}">{esc(metric(k).short)}</th>'
        for k in keys
    )
    body = []
    all_names = sorted(set(groups) | set(base_groups or {}))
    for name in all_names:
        group = groups.get(name)
        base = (base_groups or {}).get(name)
        shown = (names or {}).get(name, name)
        cells = "".join(_cell(k, group, base, has_base) for k in keys)
        body.append(f'<tr><th scope="row">{esc(shown)}</th>{cells}</tr>')
    return (
        f'<div class="table-wrap"><table><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _lang_names(names: Iterable[str]) -> dict[str, str]:
    return {n: f"{LANGUAGES[n]} ({n})" if n in LANGUAGES else n for n in names}


def _signals(row: Mapping[str, Any]) -> list[str]:
    """What visibly went wrong with a failing question, in plain words."""
    out = []
    if row.get("leaked"):
        out.append("Showed staff-only content to a startup.")
    if row.get("expect_decline"):
        if not row.get("declined"):
            out.append("Not a question for the desk, but was not declined.")
        if row.get("escalated") or row.get("ticket_id"):
            out.append("Opened a ticket for a message that is not a question for the desk.")
        if row.get("cited"):
            out.append("Cited sources for a message that is not a question for the desk.")
        return out or ["Did not meet the run's pass criteria."]
    if row.get("declined"):
        out.append("Declined as not a question for the desk, although it is one.")
    expected, escalated = bool(row.get("expect_escalation")), bool(row.get("escalated"))
    if expected and not escalated and not row.get("declined"):
        out.append("Should have been handed to staff, but was answered.")
    if escalated and not expected:
        out.append("Handed to staff although the documents answer it.")
    if row.get("expected_sources"):
        if row.get("hit_rank") is None:
            out.append("The expected document was not among the passages found.")
        if not row.get("cites_expected"):
            out.append("Did not cite an expected source.")
    must = list(row.get("must_mention") or [])
    mentioned = list(row.get("mentioned") or [])
    missing = [m for i, m in enumerate(must) if not (i < len(mentioned) and mentioned[i])]
    if missing:
        out.append(f"Missing {len(missing)} of {len(must)} required key facts.")
    return out or ["Did not meet the run's pass criteria."]


def _doc_list(ids: Sequence[Any], expected: set[str], ordered: bool) -> str:
    if not ids:
        return "none"
    items = "".join(
        f'<li class="code{" expected" if str(d) in expected else ""}">{esc(d)}'
        f"{' <span class=sr>(expected)</span>' if str(d) in expected else ''}</li>"
        for d in ids
    )
    tag = "ol" if ordered else "ul"
    cls = "ranked" if ordered else "plain"
    return f'<{tag} class="{cls}">{items}</{tag}>'


def _failing_item(row: Mapping[str, Any], base_row: Mapping[str, Any] | None, base: str) -> str:
    lang = lang_attr(row)
    qid = str(row.get("id", ""))
    expected_sources = [str(s) for s in row.get("expected_sources") or []]
    expected_docs = {s.partition("#")[0] for s in expected_sources}
    must = list(row.get("must_mention") or [])
    mentioned = list(row.get("mentioned") or [])
    checks = "".join(
        (
            '<li><span class="ok" aria-hidden="true">✓</span><span class="sr">mentioned:</span> '
            if i < len(mentioned) and mentioned[i]
            else '<li><span class="miss" aria-hidden="true">✗</span><span class="sr">missing:'
            "</span> "
        )
        + f"<span{lang}>{esc(m)}</span></li>"
        for i, m in enumerate(must)
    )
    tags = [
        esc(LANGUAGES.get(str(row.get("lang")), row.get("lang") or "?")),
        esc(row.get("audience") or "startup"),
    ]
    if number(row.get("confidence")) is not None:
        tags.append(f"confidence {row['confidence']:.2f}")
    if number(row.get("latency_ms")) is not None:
        tags.append(esc(fmt_value("latency_p50_ms", float(row["latency_ms"]))))
    status = ""
    if base_row is not None:
        if base_row.get("passed"):
            status = f'<span class="tag regressed">Regression: passed in {esc(base)}</span>'
        else:
            status = f'<span class="tag also">Also failing in {esc(base)}</span>'
    escalated = bool(row.get("escalated"))
    expect_decline, declined = bool(row.get("expect_decline")), bool(row.get("declined"))
    shows_decline = expect_decline or declined
    hit_rank = row.get("hit_rank")
    why = "".join(f"<li>{esc(s)}</li>" for s in _signals(row))
    escalation_text = "yes" if escalated else "no"
    if escalated and row.get("ticket_id"):
        escalation_text += f" (ticket {row['ticket_id']})"
    return (
        f'<article class="fail" id="q-{esc(qid)}">'
        f'<h4><span class="qid">{esc(qid)}</span><span{lang}>{esc(row.get("question"))}</span></h4>'
        f'<p class="tags">{" · ".join(tags)}{status}</p>'
        f'<ul class="why">{why}</ul>'
        f'<h5>Answer given</h5><pre class="answer"{lang}>{esc(row.get("answer"))}</pre>'
        '<div class="grid2"><div><h5>Expected</h5><dl class="facts">'
        f"<dt>Sources</dt><dd>{_doc_list(expected_sources, set(), ordered=False)}</dd>"
        f"<dt>Must mention</dt><dd>{f'<ul class=plain>{checks}</ul>' if must else 'nothing'}</dd>"
        f"<dt>Hand to staff</dt><dd>{'yes' if row.get('expect_escalation') else 'no'}</dd>"
        + ("<dt>Decline</dt><dd>yes (not a question for the desk)</dd>" if expect_decline else "")
        + '</dl></div><div><h5>What happened</h5><dl class="facts">'
        f"<dt>Retrieved (ranked{f', expected at #{hit_rank}' if hit_rank else ''})</dt>"
        f"<dd>{_doc_list(list(row.get('retrieved') or []), expected_docs, ordered=True)}</dd>"
        f"<dt>Cited</dt>"
        f"<dd>{_doc_list(list(row.get('cited') or []), expected_docs, ordered=False)}</dd>"
        f"<dt>Handed to staff</dt><dd>{esc(escalation_text)}</dd>"
        + (f"<dt>Declined</dt><dd>{'yes' if declined else 'no'}</dd>" if shows_decline else "")
        + (f"<dt>Reason</dt><dd>{esc(row.get('reason'))}</dd>" if row.get("reason") else "")
        + "</dl></div></div></article>"
    )


def _failing_section(side: _Side) -> str:
    rows = side.run.results
    if not rows:
        return "<p>No per-question results (results.jsonl) were found in this run.</p>"
    failing = [r for r in rows if not r.get("passed")]
    if not failing:
        return "<p>Every question passed.</p>"
    base_rows = {str(r.get("id")): r for r in side.base.results} if side.base else {}
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in failing:
        by_category[str(row.get("category") or "uncategorized")].append(row)
    parts = [
        f"<p>{len(failing)} of {len(rows)} questions failed at least one check, grouped by "
        "category. Expected documents are shown in bold.</p>"
    ]
    for category in sorted(by_category):
        group = sorted(by_category[category], key=lambda r: str(r.get("id")))
        total = len(side.run.rows("category", category))
        parts.append(f"<h3>{esc(category)} <small>({len(group)} of {total})</small></h3>")
        parts.extend(
            _failing_item(r, base_rows.get(str(r.get("id"))), side.base_label) for r in group
        )
    return "\n".join(parts)


def _outcome(row: Mapping[str, Any] | None, link: bool = False) -> str:
    if row is None:
        return '<span class="na">not asked</span>'
    if row.get("passed"):
        return '<span class="ok" aria-hidden="true">✓</span> passed'
    text = '<span class="miss" aria-hidden="true">✗</span> failed'
    return f'<a href="#q-{esc(row.get("id"))}">{text}</a>' if link else text


def _all_questions(side: _Side) -> str:
    """Every question with its outcome: a compact index to find any question quickly."""
    rows = sorted(side.run.results, key=lambda r: (str(r.get("category")), str(r.get("id"))))
    if not rows:
        return ""
    base_rows = {str(r.get("id")): r for r in side.base.results} if side.base else {}
    head = "".join(
        f'<th scope="col" class="left">{esc(h)}</th>'
        for h in ("Id", "Category", "Language", "Question", side.label)
    ) + (f'<th scope="col" class="left">{esc(side.base_label)}</th>' if side.base else "")
    body = "".join(
        f'<tr><th scope="row" class="code">{esc(r.get("id"))}</th>'
        f'<td class="left">{esc(r.get("category"))}</td>'
        f'<td class="left">{esc(r.get("lang"))}</td>'
        f'<td class="left"{lang_attr(r)}>{esc(r.get("question"))}</td>'
        f'<td class="left nowrap">{_outcome(r, link=True)}</td>'
        + (
            f'<td class="left nowrap">{_outcome(base_rows.get(str(r.get("id"))))}</td>'
            if side.base
            else ""
        )
        + "</tr>"
        for r in rows
    )
    return (
        '<section aria-labelledby="h-all"><h2 id="h-all">All questions</h2>'
        '<div class="table-wrap"><table><caption>Every question asked, by category, with '
        "its outcome; failed ones link to their details above.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _pass_chart(side: _Side, cats: Mapping[str, Group], base_cats: Mapping[str, Group]) -> str:
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
        return ""
    chart = bar_chart(
        title="Share of questions passed, per category", rows=rows, series=side.series, fmt=_pct
    )
    return (
        f"<figure>{chart}<figcaption>Share of each category's questions that passed every "
        "check.</figcaption></figure>"
    )


def _escalation_chart(
    side: _Side,
    overall: Group,
    base: Group | None,
    langs: Mapping[str, Group],
    base_langs: Mapping[str, Group],
) -> str:
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
    chart = bar_chart(
        title="Hand-over to staff: escalation precision and recall",
        rows=rows,
        series=side.series,
        fmt=_pct,
    )
    return (
        f"<figure>{chart}<figcaption>Precision: of the questions handed to staff, the share "
        "that needed a person. Recall: of the questions that needed a person, the share handed "
        "to staff.</figcaption></figure>"
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
    info = info_list(run, label) + (info_list(base, base_label) if base else "")
    note = (
        f'<p class="legend-note">In the tables, the first line of each cell is {esc(label)}; the '
        f"second is {esc(base_label)} and the change from it.</p>"
        if base
        else ""
    )
    body = [
        "<header><h1>Dual-Use Desk — answer quality report</h1>",
        _intro(side, overall),
        info,
        "</header>",
        '<section aria-labelledby="h-headline"><h2 id="h-headline">Headline numbers</h2>',
        _cards(side, overall, base_overall),
        "</section>",
        '<section aria-labelledby="h-cat"><h2 id="h-cat">By category</h2>',
        note,
        _table("Metrics per question category", "Category", cats, base_cats if base else None),
        _pass_chart(side, cats, base_cats),
        "</section>",
        '<section aria-labelledby="h-lang"><h2 id="h-lang">By language</h2>',
        note,
        _table(
            "Metrics per question language",
            "Language",
            langs,
            base_langs if base else None,
            _lang_names(set(langs) | set(base_langs)),
        ),
        "</section>",
        '<section aria-labelledby="h-esc"><h2 id="h-esc">Handing questions to staff</h2>',
        _escalation_chart(side, overall, base_overall, langs, base_langs),
        "</section>",
        '<section aria-labelledby="h-fail"><h2 id="h-fail">Failing questions</h2>',
        _failing_section(side),
        "</section>",
        _all_questions(side),
        f"<footer>Generated from {esc(run.path.name)}"
        f"{f' and {esc(base.path.name)}' if base else ''}. Metrics: "
        "hit@k and MRR count questions with expected sources; “n/a” means a metric does not "
        "apply to a group (for example, nothing was handed to staff).</footer>",
    ]
    return page("Dual-Use Desk — answer quality report", "\n".join(body))


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


def render_markdown(run: RunData, base: RunData | None = None) -> str:
    label, base_label = _labels(run, base)
    overall = overall_group(run)
    base_overall = overall_group(base) if base else None
    info = run.info
    lines = ["# Dual-Use Desk — answer quality report", ""]
    facts = [
        f"Run: **{md_cell(label)}**",
        f"{md_cell(int(overall.get('n') or 0))} questions",
    ]
    for key, word in (("as_of", "as of"), ("started", "started"), ("git", "git")):
        if info.get(key):
            facts.append(f"{word} {md_cell(info[key])}")
    lines.append(" · ".join(facts))
    if base:
        lines.append("")
        lines.append(f"Compared with **{md_cell(base_label)}** ({md_cell(base.path.name)}).")
    lines += ["", "## Headline metrics", ""]
    keys = [
        k
        for k in CARD_METRICS
        if k not in OPTIONAL_CARDS
        or overall.get(k) is not None
        or (base_overall is not None and base_overall.get(k) is not None)
    ]
    header = ["Metric", label] + ([base_label, "Change"] if base else [])
    rows = []
    for key in ["n", "passed", *keys]:
        value = overall.get(key)
        row = [METRICS[key].label, shown(key, overall)]
        if key == "leaks" and (value or 0) > 0:
            row[1] = f"**{row[1]}** ⚠"
        if base_overall is not None:
            before = base_overall.get(key)
            verdict = judge(key, before, value)
            change = "—"
            if value is not None and before is not None:
                change = fmt_delta(key, value - before)
                if verdict in ("better", "worse"):
                    change += f" ({verdict})"
            row += [shown(key, base_overall), change]
        rows.append(row)
    lines.append(_md_table(header, rows))
    base_note = (
        [
            "",
            f"Changes against {md_cell(base_label)} in brackets (▲ better, ▼ worse).",
        ]
        if base
        else []
    )
    cats = breakdown(run, "by_category", "category")
    langs = breakdown(run, "by_lang", "lang")
    base_cats = breakdown(base, "by_category", "category") if base else None
    base_langs = breakdown(base, "by_lang", "lang") if base else None
    lines += ["", "## By category", *base_note, ""]
    lines.append(_mdbreakdown("Category", cats, base_cats))
    lines += ["", "## By language", *base_note, ""]
    names = _lang_names(set(langs) | set(base_langs or {}))
    lines.append(_mdbreakdown("Language", langs, base_langs, names))
    lines += ["", "## Failing questions", ""]
    if not run.results:
        lines.append("No per-question results (results.jsonl) in this run.")
    else:
        failing = [r for r in run.results if not r.get("passed")]
        lines.append(f"{len(failing)} of {len(run.results)} questions failed at least one check.")
        by_category: dict[str, list[str]] = defaultdict(list)
        for result in failing:
            category = str(result.get("category") or "uncategorized")
            by_category[category].append(str(result.get("id")))
        if failing:
            lines.append("")
            lines.append(
                _md_table(
                    ["Category", "Failing", "Of", "Questions"],
                    [
                        [
                            category,
                            str(len(ids)),
                            str(len(run.rows("category", category))),
                            ", ".join(sorted(ids)),
                        ]
                        for category, ids in sorted(by_category.items())
                    ],
                    left=(0, 3),
                )
            )
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
