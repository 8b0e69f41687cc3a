"""The Great Expectations suites: each a function building its expectations (GX binds an
expectation to one suite, so every validation gets fresh ones)."""

from datetime import datetime

from warehouse.vocabulary import CONTRACTS, MARKETS

from .gx_runner import import_gx


def _gx():
    return import_gx().expectations


def accepted_decisions(now: datetime) -> list:
    """Accepted decisions: these always hold unless ingestion has a bug (severity ERROR)."""
    e = _gx()
    required = CONTRACTS["decisions"].required  # the landing contract's, accepted = present
    return [
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in required),
        *(
            e.ExpectColumnValuesToBeOfType(column=c, type_="str")
            for c in required
            if c != "decided_at"
        ),
        e.ExpectColumnValuesToBeOfType(column="decided_at", type_="Timestamp"),
        e.ExpectColumnValuesToBeUnique(column="decision_id"),
        e.ExpectColumnValuesToBeInSet(column="market", value_set=list(MARKETS)),
        e.ExpectColumnValuesToBeInSet(column="action", value_set=["penalize", "no_action"]),
        e.ExpectColumnValuesToBeInSet(column="source", value_set=["machine", "human"]),
        e.ExpectColumnValuesToBeBetween(column="decided_at", max_value=now),
    ]


def accepted_appeals(now: datetime) -> list:
    """Accepted appeals in their latest state (severity ERROR)."""
    e = _gx()
    return [
        *(
            e.ExpectColumnValuesToNotBeNull(column=c)
            for c in ("appeal_id", "decision_id", "status", "appealed_at")
        ),
        e.ExpectColumnValuesToBeUnique(column="appeal_id"),
        e.ExpectColumnValuesToBeOfType(column="appealed_at", type_="Timestamp"),
        e.ExpectColumnValuesToBeInSet(
            column="status", value_set=["pending", "upheld", "overturned"]
        ),
        e.ExpectColumnValuesToBeInSet(column="resolved_without_resolved_at", value_set=[False]),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="appealed_at",
            column_B="decided_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="resolved_at",
            column_B="appealed_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def accepted_audits(now: datetime) -> list:
    """Accepted audits, the one that counts per decision (severity ERROR)."""
    e = _gx()
    return [
        *(
            e.ExpectColumnValuesToNotBeNull(column=c)
            for c in ("decision_id", "audit_id", "audited_at", "verdict", "sample_weight")
        ),
        e.ExpectColumnValuesToBeUnique(column="decision_id"),
        e.ExpectColumnValuesToBeOfType(column="audited_at", type_="Timestamp"),
        e.ExpectColumnValuesToBeOfType(column="sample_weight", type_="float64"),
        e.ExpectColumnValuesToBeInSet(column="verdict", value_set=["violating", "non_violating"]),
        e.ExpectColumnValuesToBeBetween(column="sample_weight", min_value=0, strict_min=True),
    ]


RATES = (
    "penalty_ratio",
    "overkill_rate",
    "leakage_rate",
    "audit_overkill_rate",
    "audit_leakage_rate",
)


def market_metrics(now: datetime) -> list:
    """The published metrics are coherent (severity ERROR): a failure is a bug in the metric SQL."""
    e = _gx()
    in_order = [  # (larger or equal, smaller)
        ("decisions", "penalties_plus_no_actions"),
        ("penalties_plus_no_actions", "decisions"),
        ("penalties", "appealed_penalties"),
        ("appealed_penalties", "overturned_penalties"),
        ("no_actions", "appealed_no_actions"),
        ("appealed_no_actions", "overturned_no_actions"),
    ]
    return [
        *(e.ExpectColumnValuesToBeBetween(column=r, min_value=0, max_value=1) for r in RATES),
        *(
            e.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
            )
            for r in RATES
            for a, b in ((r, f"{r}_low"), (f"{r}_high", r))
        ),
        *(
            e.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True)
            for a, b in in_order
        ),
        e.ExpectColumnValuesToNotBeNull(column="difference_from_daily_metrics"),
        e.ExpectColumnValuesToBeBetween(
            column="difference_from_daily_metrics", min_value=0, max_value=0
        ),
    ]


def every_market_every_day(now: datetime, thresholds) -> list:
    """Every expected market has decisions on every day a run brings (severity ERROR)."""
    e = _gx()
    return [e.ExpectColumnValuesToBeBetween(column="decisions", min_value=1)]


def upstream_market_days(now: datetime, thresholds) -> list:
    """What a broken export looks like, per market-day (severity WARN)."""
    e = _gx()
    tolerance = thresholds.machine_share_tolerance
    return [
        e.ExpectColumnValuesToBeBetween(
            column="volume_vs_median",
            min_value=1 - thresholds.volume_drop,
            max_value=1 + thresholds.volume_rise,
        ),
        e.ExpectColumnValuesToBeBetween(
            column="machine_share_change", min_value=-tolerance, max_value=tolerance
        ),
        e.ExpectColumnValuesToBeBetween(column="appeals_vs_median", min_value=0, strict_min=True),
        e.ExpectColumnValuesToBeBetween(column="audits_vs_median", min_value=0, strict_min=True),
    ]


def upstream_days(now: datetime, thresholds) -> list:
    """Decision days on which more than a small share of rows was rejected (severity WARN)."""
    e = _gx()
    return [
        e.ExpectColumnValuesToBeBetween(
            column="rejected_share", min_value=0, max_value=thresholds.max_rejected_share
        )
    ]


def upstream_files(now: datetime, thresholds) -> list:
    """Files that reject more than a small share of their rows (severity WARN)."""
    e = _gx()
    return [
        e.ExpectColumnValuesToBeBetween(
            column="rejected_share", min_value=0, max_value=thresholds.max_rejected_share
        )
    ]
