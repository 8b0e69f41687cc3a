"""Great Expectations asset check on the published metrics: one batch, the days this run
recomputed (three market rows a day). Severity ERROR and blocking."""

from datetime import datetime

import dagster as dg
import duckdb

from assets.ingest import run_started_at
from assets.metrics import market_daily_metrics
from warehouse.resources import WarehouseResource
from warehouse.runner import read_sql, set_variables

from . import suites
from .gx_runner import Outcome, query_frame, validate
from .input_checks import record, result_of


@dg.asset_check(
    asset=market_daily_metrics,
    name="market_metrics_consistent",
    blocking=True,
    description=(
        "Great Expectations on the market-day metrics this run recomputed: rates in "
        "[0, 1] and inside their interval, penalties + no_actions = decisions, "
        "overturned <= appealed <= penalties (and no_actions), equal to the sums of "
        "daily_metrics."
    ),
)
def market_metrics_consistent(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    run_id = context.run.run_id
    with warehouse.get_connection() as con:
        outcomes = validate_metrics(con, run_id, run_started_at(context))
        record(con, run_id, "market_daily_metrics", "market_metrics_consistent", "ERROR", outcomes)
    return result_of(outcomes, dg.AssetCheckSeverity.ERROR)


def validate_metrics(
    con: duckdb.DuckDBPyConnection, run_id: str | None, now: datetime
) -> list[Outcome]:
    """The metrics suite on the days run `run_id` recomputed (every day when None), one batch."""
    set_variables(con, run_id=run_id or "", every_day=run_id is None)
    frame = query_frame(con, read_sql("checks/market_metrics.sql"))
    if frame.empty:
        return []
    days = sorted(frame["metric_date"].astype(str).unique())
    label = days[0] if len(days) == 1 else f"{days[0]} .. {days[-1]} ({len(days)} days)"
    return validate(
        "market_metrics_consistent",
        lambda: suites.market_metrics(now),
        frame,
        label,
        ids=["metric_date", "market"],
    )


METRIC_CHECKS = [market_metrics_consistent]
