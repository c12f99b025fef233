"""Names shared by the runner, the reports and comparisons."""

#: The metrics of summary.json (overall, per category, per language), in report order.
METRICS = (
    "hit_at_1",
    "hit_at_5",
    "mrr",
    "citation_precision",
    "must_mention_recall",
    "escalation_precision",
    "escalation_recall",
    "escalation_f1",
    "leaks",
    "latency_p50_ms",
    "latency_p95_ms",
)
