"""Configure the resources once, from Settings: the one place the wiring meets the warehouse."""

from __future__ import annotations

from dataclasses import asdict

import dagster as dg

from checks.gx_runner import start_loading
from warehouse.resources import AlertRuleConfig, RunSettings, WarehouseResource

from .settings import Settings


def build_resources(settings: Settings) -> dict:
    """The resources for `settings`; the one place resources are configured."""
    return {
        # ingestion starts the validation library's import before it reads a new file
        "before_reading": dg.ResourceDefinition.hardcoded_resource(start_loading),
        "warehouse": WarehouseResource(
            database=str(settings.work_warehouse),
            published=str(settings.warehouse),
            connection_config={"memory_limit": settings.memory_limit},
        ),
        "run_settings": RunSettings(
            landing=str(settings.landing),
            dashboards=str(settings.dashboards),
            lake=str(settings.lake) if settings.lake else None,
            reporting_timezone=settings.reporting_timezone,
            appeal_window_days=settings.appeal_window_days,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
            **{
                **asdict(settings.validation),
                "expected_markets": list(settings.validation.expected_markets),
            },
            alert_rules=[AlertRuleConfig(**asdict(rule)) for rule in settings.alerts.rules],
            alert_sinks=list(settings.alerts.sinks),
            alert_jsonl_path=str(settings.alerts_jsonl),
            alert_webhook_url_env=settings.alerts.webhook_url_env,
            alert_webhook_timeout_seconds=settings.alerts.webhook_timeout_seconds,
            alert_retry_backoff_seconds=settings.alerts.retry_backoff_seconds,
            spark_master=settings.spark.master,
            spark_driver_memory=settings.spark.driver_memory,
            spark_conf=[list(pair) for pair in settings.spark.conf],
        ),
    }
