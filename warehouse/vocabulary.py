"""The project's vocabulary, written once: markets, metrics, landing contracts, alert sinks.

The SQL reads the markets through the `markets` variable (sql/macros.sql `is_market`), so this
list is the only place a market is named.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKETS = ("BR", "LATAM", "EMEA")

# The metrics of market_daily_metrics (formulas: sql/macros.sql metric_rates), in page order.
METRICS = (
    "overkill_rate",
    "leakage_rate",
    "audit_overkill_rate",
    "audit_leakage_rate",
    "penalty_ratio",
)

# The metrics that count appeals: their recent days keep rising while appeals arrive, so they are
# compared on settled days (out of the appeal window) unless projected.
APPEAL_METRICS = ("overkill_rate", "leakage_rate")

# The dimensions a metric's change can be split over (daily_metrics' segment keys but the market).
SEGMENT_DIMENSIONS = ("policy", "queue", "source", "object_type")

ALERT_SINKS = ("console", "jsonl", "webhook")
# how notifications are grouped into messages: one per event, or one per sink and run
ALERT_GROUPINGS = ("event", "run")
ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Contract:
    """The columns a landing file of one kind must, and may, have."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# The landing contracts: what sql/staging/stg_<kind>.sql receives (every value as text).
CONTRACTS = {
    "decisions": Contract(
        required=(
            "decision_id",
            "object_id",
            "object_type",
            "creator_id",
            "market",
            "policy",
            "action",
            "source",
            "decided_at",
        ),
        optional=("penalty", "moderator_id", "queue"),
    ),
    "appeals": Contract(
        required=("appeal_id", "decision_id", "appealed_at", "status"),
        optional=("resolved_at",),
    ),
    "audits": Contract(
        required=("audit_id", "decision_id", "audited_at", "verdict"),
        optional=("auditor_id", "sample_weight"),
    ),
}
