"""The Dagster code location: `dagster dev -m pipelines.definitions`."""

from __future__ import annotations

import dagster as dg

from assets.ingest import appeals, audits, decisions
from assets.metrics import daily_metrics, market_daily_metrics, published_warehouse
from checks.warehouse_checks import CHECKS

from .resources import build_resources
from .settings import Settings, load_settings

ASSETS = [decisions, appeals, audits, daily_metrics, market_daily_metrics, published_warehouse]

# One DuckDB writer at a time: every step of a run executes in one process, one after another.
daily_job = dg.define_asset_job(
    "daily_metrics_job",
    selection=dg.AssetSelection.assets(*ASSETS),
    executor_def=dg.in_process_executor,
    description="Ingest new landing files, recompute the metric days they change, publish.",
)

DAILY_CRON = "0 6 * * *"


def build_definitions(settings: Settings) -> dg.Definitions:
    """Everything Dagster needs, configured from `settings`."""
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[daily_job],
        schedules=[
            dg.ScheduleDefinition(
                name="daily_metrics_schedule",
                job=daily_job,
                cron_schedule=DAILY_CRON,
                execution_timezone=settings.reporting_timezone,
                default_status=dg.DefaultScheduleStatus.RUNNING,
            )
        ],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )


defs = build_definitions(load_settings())
