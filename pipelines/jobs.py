"""What a run materialises: the assets, their checks, and the daily job."""

import dagster as dg

from assets.alerts import alerts
from assets.dashboards import dashboards_site
from assets.ingest import appeals, audits, decisions
from assets.lake import lake
from assets.metrics import daily_metrics, market_daily_metrics
from assets.publish import published_warehouse
from assets.spark.engine import spark_restatement
from checks.alert_checks import ALERT_CHECKS
from checks.input_checks import INPUT_CHECKS
from checks.metric_checks import METRIC_CHECKS
from checks.upstream_checks import UPSTREAM_CHECKS
from checks.warehouse_checks import WAREHOUSE_CHECKS

ASSETS = [
    decisions,
    appeals,
    audits,
    daily_metrics,
    market_daily_metrics,
    alerts,
    published_warehouse,
    dashboards_site,
    lake,
]
# engine = "spark": one Spark step restates decisions, appeals, audits and daily_metrics; the
# steps after it, and every check, are the same
SPARK_ASSETS = [
    spark_restatement,
    *(a for a in ASSETS if a not in (decisions, appeals, audits, daily_metrics)),
]
CHECKS = [*INPUT_CHECKS, *WAREHOUSE_CHECKS, *UPSTREAM_CHECKS, *METRIC_CHECKS, *ALERT_CHECKS]

__all__ = ["ASSETS", "CHECKS", "SPARK_ASSETS", "WAREHOUSE_CHECKS", "assets_for", "daily_job"]


def assets_for(engine: str, dashboards: bool = True) -> list:
    """The assets a run materialises with `engine` (duckdb or spark), the dashboards unless told
    otherwise (the tests that do not read the pages leave them out: a third of a small run)."""
    assets = SPARK_ASSETS if engine == "spark" else ASSETS
    return assets if dashboards else [a for a in assets if a is not dashboards_site]


# One DuckDB writer at a time: every step of a run executes in one process, one after another
# (and WarehouseResource holds a lock so that two runs do not interleave).
daily_job = dg.define_asset_job(
    "daily_metrics_job",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description=(
        "Ingest new landing files, recompute the metric days they change, publish the "
        "warehouse and rebuild the dashboards."
    ),
)
