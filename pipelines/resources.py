"""Configure the resources once, from Settings: the one place the wiring meets the warehouse."""

from __future__ import annotations

import dagster as dg
from pydantic import BaseModel

from checks.gx_runner import start_loading
from warehouse.resources import AlertRuleConfig, RunSettings, WarehouseResource

from .settings import Settings


def build_resources(settings: Settings, settings_fingerprint: str = "") -> dict:
    """The resources for `settings`; the one place resources are configured.

    `settings_fingerprint` (assets/run_inputs.py) is recorded in warehouse_info, for the next
    `modmetrics run` to see whether anything moved."""
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
            market_timezones=settings.market_timezones,
            appeal_window_days=settings.appeal_window_days,
            audit_window_days=settings.audit_window_days,
            as_of=settings.as_of.isoformat() if settings.as_of else None,
            **_fields(settings.validation),
            alert_rules=[AlertRuleConfig(**rule.model_dump()) for rule in settings.alerts.rules],
            alert_jsonl_path=str(settings.alerts_jsonl),  # the default depends on the warehouse
            **_fields(settings.alerts, "alert_", exclude={"rules", "jsonl_path"}),
            **_fields(settings.spark, "spark_"),
            settings_fingerprint=settings_fingerprint,
        ),
    }


def _fields(section: BaseModel, prefix: str = "", exclude: set[str] | None = None) -> dict:
    """A settings section as RunSettings fields: `prefix` + name, as plain config values."""
    values = section.model_dump(mode="json", exclude=exclude)
    return {prefix + name: value for name, value in values.items()}
