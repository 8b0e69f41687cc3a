"""Great Expectations asset check on the published metrics: one batch, the days this run
recomputed (three market rows a day). Severity ERROR and blocking."""

import dagster as dg

from assets.ingest import run_started_at
from assets.metrics import market_daily_metrics
from assets.warehouse import read_sql, set_variables
from pipelines.resources import WarehouseResource

from . import suites
from .gx_runner import validate
from .input_checks import record, result_of


@dg.asset_check(asset=market_daily_metrics, name="market_metrics_consistent", blocking=True,
                description=(
                    "Great Expectations on the market-day metrics this run recomputed: rates in "
                    "[0, 1] and inside their interval, penalties + no_actions = decisions, "
                    "overturned <= appealed <= penalties (and no_actions), equal to the sums of "
                    "daily_metrics."))
def market_metrics_consistent(context: dg.AssetCheckExecutionContext,
                              warehouse: WarehouseResource) -> dg.AssetCheckResult:
    run_id = context.run.run_id
    now = run_started_at(context)
    with warehouse.get_connection() as con:
        set_variables(con, run_id=run_id)
        frame = con.execute(read_sql("checks/market_metrics.sql")).df()
        if frame.empty:
            return dg.AssetCheckResult(passed=True, metadata={"days_checked": 0})
        days = sorted(frame["metric_date"].astype(str).unique())
        label = days[0] if len(days) == 1 else f"{days[0]} .. {days[-1]} ({len(days)} days)"
        outcomes = validate("market_metrics_consistent", lambda: suites.market_metrics(now),
                            frame, label)
        record(con, run_id, "market_daily_metrics", "market_metrics_consistent", "ERROR",
               outcomes)
    return result_of(outcomes, dg.AssetCheckSeverity.ERROR)


METRIC_CHECKS = [market_metrics_consistent]
