"""The Dagster code location: `dagster dev -m pipelines.definitions`."""

import dagster as dg

from .jobs import CHECKS, assets_for, daily_job
from .resources import build_resources
from .settings import Settings, load_settings

DAILY_CRON = "0 6 * * *"


def build_definitions(settings: Settings) -> dg.Definitions:
    """Everything Dagster needs, configured from `settings`."""
    return dg.Definitions(
        assets=assets_for(settings.engine),
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
    )


# Settings from ./modmetrics.toml and MODMETRICS_* environment variables (see README).
defs = build_definitions(load_settings())
