"""Names and small helpers shared by the runner, the reports and comparisons."""

from __future__ import annotations

import math
from collections.abc import Iterable

#: The metrics of summary.json (overall, per category, per language), in report order.
METRICS = (
    "passed",
    "hit_at_1",
    "hit_at_5",
    "mrr",
    "citation_precision",
    "must_mention_recall",
    "escalation_precision",
    "escalation_recall",
    "escalation_f1",
    "answerable_escalated",
    "must_escalate_escalated",
    "off_topic_declined",
    "declined_wrongly",
    "leaks",
    "latency_p50_ms",
    "latency_p95_ms",
)


def percentile(values: Iterable[float], p: float) -> float:
    """The nearest-rank percentile: the value at index ``ceil(p * n) - 1`` of the sorted
    values (``p`` from 0 to 1). Always one of the values, and never smaller for a larger
    ``p``, so p95 >= p50 however few values there are. 0.0 for no values."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"percentile {p} is not between 0 and 1")
    ordered = sorted(values)
    if not ordered:
        return 0.0
    # round() first: 0.95 * 60 is 57.00000000000001 in floating point, and its ceiling 58.
    rank = math.ceil(round(p * len(ordered), 9))
    return ordered[max(rank, 1) - 1]
