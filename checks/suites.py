"""The Great Expectations suites: each a function building its expectations (GX binds an
expectation to one suite, so every validation gets fresh ones)."""

from datetime import datetime

from warehouse.vocabulary import CONTRACTS

from .gx_runner import import_gx


def _gx():
    return import_gx().expectations


# The counts of a file's profile (sql/checks/*_file_profiles.sql) that must be 0: accepted rows
# that a landing rule, or the merge, keeps out (docs/data-dictionary.md maps each to its rule).
# A timestamp or weight is never counted missing: its table declares it NOT NULL.
DECISION_RULE_BREAKS = (
    *(f"{c}_missing" for c in CONTRACTS["decisions"].required if c != "decided_at"),
    "decision_id_repeated",
    "market_not_allowed",
    "action_not_allowed",
    "source_not_allowed",
    "decided_at_in_the_future",
)
APPEAL_RULE_BREAKS = (
    *(f"{c}_missing" for c in ("appeal_id", "decision_id", "status")),
    "appeal_id_repeated",
    "status_not_allowed",
    "resolved_at_missing_on_resolved",
    "resolved_at_before_appealed_at",
    "appealed_at_before_decided_at",
)
AUDIT_RULE_BREAKS = (
    *(f"{c}_missing" for c in ("decision_id", "audit_id", "verdict")),
    "decision_id_repeated",
    "verdict_not_allowed",
    "sample_weight_not_positive",
)


def _file_profile(counts: tuple[str, ...]) -> list:
    """A file accepts no more rows than it has, and none that breaks a rule."""
    e = _gx()
    return [
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="rows_read", column_B="accepted", or_equal=True
        ),
        *(e.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0) for c in counts),
    ]


def accepted_decisions(now: datetime) -> list:
    """Profiles of the decision files (severity ERROR): these hold unless ingestion has a bug.
    `now` (the run's start) bounds decided_at in the profile's SQL."""
    return _file_profile(DECISION_RULE_BREAKS)


def accepted_appeals(now: datetime) -> list:
    """Profiles of the appeal files, over the appeal states they won (severity ERROR)."""
    return _file_profile(APPEAL_RULE_BREAKS)


def accepted_audits(now: datetime) -> list:
    """Profiles of the audit files, over the audits that count (severity ERROR)."""
    return _file_profile(AUDIT_RULE_BREAKS)


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
