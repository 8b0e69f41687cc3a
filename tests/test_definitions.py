"""The Dagster code location loads whole, and its job materialises the warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from conftest import Landing, appeal, audit, decision, market_day, query
from pipelines.settings import load_settings

pytestmark = pytest.mark.usefixtures("isolated_settings")

ASSET_KEYS = {
    "decisions",
    "appeals",
    "audits",
    "daily_metrics",
    "market_daily_metrics",
    "alerts",
    "published_warehouse",
    "dashboards",
    "lake",
}
CHECK_NAMES = {
    "accepted_decisions_valid",
    "accepted_appeals_valid",
    "accepted_audits_valid",
    "rows_accounted_for",
    "market_days_complete",
    "market_metrics_consistent",
    "every_market_every_day",
    "upstream_health",
    "no_open_alerts",
}


def test_the_code_location_loads() -> None:
    from pipelines.definitions import defs

    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    assert {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()} == (
        ASSET_KEYS
    )
    assert {key.name for key in repository.asset_graph.asset_check_keys} == CHECK_NAMES

    job = defs.resolve_job_def("daily_metrics_job")
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == ASSET_KEYS

    schedule = defs.resolve_schedule_def("daily_metrics_schedule")
    assert schedule.job_name == "daily_metrics_job"
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_spark_engine_swaps_only_the_ingest_and_daily_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """engine = "spark": one Spark step materialises decisions, appeals, audits and daily_metrics;
    every other asset, and every check, is the same."""
    from pipelines.definitions import build_definitions

    monkeypatch.setenv("MODMETRICS_ENGINE", "spark")
    defs = build_definitions(load_settings())
    dg.Definitions.validate_loadable(defs)
    repository = defs.get_repository_def()
    assert {k.to_user_string() for k in repository.asset_graph.get_all_asset_keys()} == ASSET_KEYS
    assert {key.name for key in repository.asset_graph.asset_check_keys} == CHECK_NAMES
    job = defs.resolve_job_def("daily_metrics_job")
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == ASSET_KEYS
    assert "spark_restatement" in {node.name for node in job.graph.node_defs}
    assert "decisions" not in {node.name for node in job.graph.node_defs}


def test_the_schedule_runs_in_the_reporting_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.definitions import build_definitions

    monkeypatch.setenv("MODMETRICS_REPORTING_TIMEZONE", "America/Sao_Paulo")
    defs = build_definitions(load_settings())
    schedule = defs.resolve_schedule_def("daily_metrics_schedule")
    assert schedule.execution_timezone == "America/Sao_Paulo"


def test_full_materialisation_of_the_job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The daily job, configured from environment variables, run through Dagster end to end."""
    from pipelines.definitions import build_definitions

    landing = Landing(tmp_path / "landing")
    landing.csv(
        "decisions/d.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z", action="no_action"),
            decision("d-3", "2026-10-01T12:00:00Z", market="XX"),
            decision("d-4", "2026-10-01T13:00:00Z", market="LATAM"),
            decision("d-5", "2026-10-01T14:00:00Z", market="EMEA"),
        ],
    )
    landing.csv(
        "appeals/a.csv",
        [
            appeal("ap-1", "d-1", "overturned", resolved_at="2026-10-03T10:00:00Z"),
        ],
    )
    landing.csv("audits/q.csv", [audit("au-2", "d-2", "violating")])
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    monkeypatch.setenv("MODMETRICS_LANDING", str(landing.root))
    monkeypatch.setenv("MODMETRICS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("MODMETRICS_APPEAL_WINDOW_DAYS", "0")

    defs = build_definitions(load_settings())
    result = defs.resolve_job_def("daily_metrics_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert materialized == ASSET_KEYS
    checks = {
        evaluation.check_name: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }
    # d.csv rejects 1 row of 5, over the 2% warning threshold: a warning, which does not block
    assert checks == {**dict.fromkeys(CHECK_NAMES, True), "upstream_health": False}

    assert warehouse.is_file()  # published
    day = market_day(warehouse, "2026-10-01", "BR")
    assert {
        k: day[k]
        for k in (
            "decisions",
            "penalties",
            "no_actions",
            "overturned_penalties",
            "overkill_rate",
            "audited_no_actions",
            "audit_leakage_rate",
            "provisional",
        )
    } == {
        "decisions": 2,
        "penalties": 1,
        "no_actions": 1,
        "overturned_penalties": 1,
        "overkill_rate": 1.0,
        "audited_no_actions": 1,
        "audit_leakage_rate": 1.0,
        "provisional": False,  # as of today (after 2026-10), appeal window 0 days
    }
    assert query(warehouse, "select reason from rejected_rows") == [
        {"reason": "market not allowed"}
    ]
    assert query(warehouse, "select appeal_window_days from warehouse_info") == [
        {"appeal_window_days": 0}
    ]
