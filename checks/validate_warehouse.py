"""`modmetrics validate`: every suite on the whole current warehouse, outside a pipeline run;
`--last-run`: what the last pipeline run's checks found."""

import json
import uuid
from datetime import UTC, datetime

import duckdb

from warehouse.runner import read_sql

from .gx_runner import Outcome
from .input_checks import record, validate_accepted
from .metric_checks import validate_metrics
from .upstream_checks import validate_upstream

# (check, asset, severity) in the order a run meets them
SUITES = [
    ("accepted_decisions_valid", "decisions", "ERROR"),
    ("accepted_appeals_valid", "appeals", "ERROR"),
    ("accepted_audits_valid", "audits", "ERROR"),
    ("every_market_every_day", "daily_metrics", "ERROR"),
    ("upstream_health", "daily_metrics", "WARN"),
    ("market_metrics_consistent", "market_daily_metrics", "ERROR"),
]


def validate_warehouse(
    con: duckdb.DuckDBPyConnection, thresholds, reporting_timezone: str
) -> tuple[str, dict[str, list[Outcome]]]:
    """Run every suite on every file and day and keep the results in validation_results.
    Returns the run id used there and the outcomes by check."""
    run_id = f"validate-{uuid.uuid4()}"
    now = datetime.now(UTC)
    results: dict[str, list[Outcome]] = {}
    every_day, health = validate_upstream(con, None, now, thresholds, reporting_timezone)
    for check, asset, severity in SUITES:
        if check == "market_metrics_consistent":
            outcomes = validate_metrics(con, None, now)
        elif check == "every_market_every_day":
            outcomes = every_day
        elif check == "upstream_health":
            outcomes = health
        else:
            outcomes = validate_accepted(con, asset, None, now)
        record(con, run_id, asset, check, severity, outcomes)
        results[check] = outcomes
    return run_id, results


def last_run_results(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, datetime, dict[str, list[Outcome]]] | None:
    """(run id, when it checked, outcomes by check) of the last pipeline run that recorded
    results in validation_results; None when none has."""
    relation = con.sql(read_sql("checks/last_run_results.sql"))
    rows = relation.fetchall()
    if not rows:
        return None
    results: dict[str, list[Outcome]] = {check: [] for check, _, _ in SUITES}
    for _, _, check, expectation, partition, status, observed, count, sample, *rest in rows:
        error, rule = rest
        outcome = Outcome(
            check,
            expectation,
            partition,
            status,
            observed,
            count,
            json.loads(sample or "[]"),
            error,
            rule,
        )
        results.setdefault(check, []).append(outcome)
    return rows[0][0], max(r[1] for r in rows), results
