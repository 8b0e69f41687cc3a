"""Great Expectations asset checks on upstream health: what a broken export looks like.

A missing market-day is an ERROR (blocking: a failed export); the rest are warnings that show in
Dagster and in validation_results but do not stop publishing. Thresholds: [validation] settings.
"""

from datetime import datetime

import dagster as dg
import duckdb

from assets.ingest import run_started_at
from assets.metrics import daily_metrics
from warehouse.resources import RunSettings, WarehouseResource
from warehouse.runner import read_sql, run_sql, set_variables

from . import suites
from .gx_runner import Outcome, query_frame, validate
from .input_checks import record, result_of


def _days_label(frame) -> str:
    days = sorted(frame["metric_date"].astype(str).unique())
    return days[0] if len(days) == 1 else f"{days[0]} .. {days[-1]} ({len(days)} days)"


def validate_upstream(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    now: datetime,
    thresholds,
    reporting_timezone: str,
    arrival_window_days: int = 30,
) -> tuple[list[Outcome], list[Outcome]]:
    """(every-market-every-day outcomes, upstream-health outcomes) for run `run_id`'s days and
    files (every day and file when None). `arrival_window_days`: the days after its decision an
    appeal or audit usually arrives within; the check looks for their decisions there first."""
    set_variables(
        con,
        run_id=run_id or "",
        every_day=run_id is None,
        trailing_days=thresholds.trailing_days,
        reporting_timezone=reporting_timezone,
        expected_markets=list(thresholds.expected_markets),
        run_started_at=now,
        arrival_window_days=arrival_window_days,
    )
    run_sql(con, "checks/market_timezones.sql")
    run_sql(con, "checks/first_file_id.sql")
    run_sql(con, "checks/arrival_decisions_from.sql")
    days = query_frame(con, read_sql("checks/market_days.sql"))
    files = query_frame(con, read_sql("checks/file_rejections.sql"))
    rejected_days = query_frame(con, read_sql("checks/day_rejections.sql"))
    every_day, health = [], []
    expected = days[days["expected"]]
    if not expected.empty:
        every_day = validate(
            "every_market_every_day",
            lambda: suites.every_market_every_day(now, thresholds),
            expected,
            _days_label(expected),
            ids=["metric_date", "market"],
        )
    if not days.empty:
        health += validate(
            "upstream_health",
            lambda: suites.upstream_market_days(now, thresholds),
            days,
            _days_label(days),
            ids=["metric_date", "market"],
        )
    if not files.empty:
        label = "this run's files" if run_id else "every file"
        health += validate(
            "upstream_health",
            lambda: suites.upstream_files(now, thresholds),
            files,
            label,
            ids=["path"],
        )
    if not rejected_days.empty:
        health += validate(
            "upstream_health",
            lambda: suites.upstream_days(now, thresholds),
            rejected_days,
            _days_label(rejected_days),
            ids=["metric_date"],
        )
    return every_day, health


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            "every_market_every_day",
            asset=daily_metrics,
            blocking=True,
            description="Every expected market has decisions on every day the "
            "run brought (a missing market-day is a failed export).",
        ),
        dg.AssetCheckSpec(
            "upstream_health",
            asset=daily_metrics,
            description=(
                "Warnings: daily volume far from its trailing median, a file rejecting many rows, "
                "machine share jumping, appeals or audits that stop arriving."
            ),
        ),
    ],
)
def upstream_checks(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, run_settings: RunSettings
):
    run_id = context.run.run_id
    with warehouse.get_connection() as con:
        every_day, health = validate_upstream(
            con,
            run_id,
            run_started_at(context),
            run_settings,
            run_settings.reporting_timezone,
            max(run_settings.appeal_window_days, run_settings.audit_window_days),
        )
        record(con, run_id, "daily_metrics", "every_market_every_day", "ERROR", every_day)
        record(con, run_id, "daily_metrics", "upstream_health", "WARN", health)
    yield _named(result_of(every_day, dg.AssetCheckSeverity.ERROR), "every_market_every_day")
    yield _named(result_of(health, dg.AssetCheckSeverity.WARN), "upstream_health")


def _named(result: dg.AssetCheckResult, name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=dg.AssetKey("daily_metrics"),
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
    )


UPSTREAM_CHECKS = [upstream_checks]
