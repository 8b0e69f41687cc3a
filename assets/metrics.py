"""Metric assets: additive daily counts, the market-day view, and the published warehouse."""

from datetime import UTC, datetime

import dagster as dg

from warehouse.resources import RunSettings, WarehouseResource
from warehouse.runner import read_sql, run_sql, set_map_variable, set_variables, transaction

from .ingest import appeals, audits, decisions, run_started_at

# the decisions of the stale days, which the three counts below read: a temp table here, so that
# their joins are planned on its true size (the file says why)
DAY_DECISIONS = "metrics/day_decisions.sql"
# the one definition of the daily counts, run by DuckDB here and by Spark (assets/spark/engine.py)
DAILY_COUNTS = "metrics/daily_counts.sql"
# the nowcast's lag data, counted for the same days (views/overturn_nowcast.sql reads it)
OVERTURN_DEVELOPMENT = "metrics/overturn_development.sql"
# the audit completeness's lag data, likewise (views/audit_completeness.sql reads it)
AUDIT_DEVELOPMENT = "metrics/audit_development.sql"


@dg.asset(
    group_name="metrics",
    kinds={"duckdb"},
    deps=[decisions, appeals, audits],
    description=(
        "Additive counts per (metric_date, market, policy, source, object_type, queue); "
        "updates only the groups of the decisions whose rows, appeals or audits a run changed."
    ),
)
def daily_metrics(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_settings: RunSettings
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con, transaction(con):
        set_variables(con, run_id=context.run.run_id)
        set_map_variable(con, "market_timezones", run_settings.market_timezones)
        # the decisions a run changed: their old counts out, their new ones in, looked up among
        # the recent days first
        run_sql(con, "ingest/recent_days_from.sql")
        run_sql(con, "metrics/restated_decisions.sql")
        days = record_run(con, context, run_settings)
        # the days queued whole (a market's new time zone, a rebuilt table): recomputed
        con.execute(f"create or replace temp table day_decisions as {read_sql(DAY_DECISIONS)}")
        con.execute(f"create or replace temp view daily_counts as {read_sql(DAILY_COUNTS)}")
        con.execute(
            "create or replace temp view overturn_development_counts as "
            + read_sql(OVERTURN_DEVELOPMENT)
        )
        con.execute(
            "create or replace temp view audit_development_counts as " + read_sql(AUDIT_DEVELOPMENT)
        )
        run_sql(con, "metrics/daily_metrics.sql")
    return dg.MaterializeResult(metadata=days)


def record_run(
    con, context: dg.AssetExecutionContext, run_settings: RunSettings, all_days: bool = False
) -> dict:
    """Record the run in pipeline_runs with the days it recomputes (those it changes, temp table
    restated_days, or every day of daily_metrics when the whole history was restated); return
    them as metadata."""
    days, first, last = con.execute(
        "select count(distinct metric_date), min(metric_date), max(metric_date) from "
        + ("daily_metrics" if all_days else "restated_days")
    ).fetchone()
    con.execute(
        "insert into pipeline_runs values (?, ?, ?, ?, ?, ?, ?)",
        [
            context.run.run_id,
            run_started_at(context),
            datetime.now(UTC),
            run_settings.as_of_date(),
            days,
            first,
            last,
        ],
    )
    return {
        "days_recomputed": days,
        "first_day_recomputed": str(first) if first else "",
        "last_day_recomputed": str(last) if last else "",
    }


@dg.asset(
    group_name="metrics",
    kinds={"duckdb"},
    deps=[daily_metrics],
    description=(
        "Overkill, leakage and penalty ratio per market and day with 95% Wilson intervals (a view "
        "summing daily_metrics); `provisional` marks days whose appeals are still arriving."
    ),
)
def market_daily_metrics(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_settings: RunSettings
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        with transaction(con):
            set_variables(
                con,
                run_id=context.run.run_id,
                run_started_at=run_started_at(context),
                as_of_date=run_settings.as_of_date(),
                reporting_timezone=run_settings.reporting_timezone,
                appeal_window_days=run_settings.appeal_window_days,
                audit_window_days=run_settings.audit_window_days,
                settings_fingerprint=run_settings.settings_fingerprint,
            )
            run_sql(con, "metrics/warehouse_info.sql")
        rows, days, provisional = con.execute(
            "select count(*), count(distinct metric_date), count(*) filter (where provisional) "
            "from market_daily_metrics"
        ).fetchone()
    return dg.MaterializeResult(
        metadata={
            "market_days": rows,
            "days": days,
            "provisional_market_days": provisional,
            "as_of_date": run_settings.as_of_date().isoformat(),
        }
    )
