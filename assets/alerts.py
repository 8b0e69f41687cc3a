"""The alerts asset: judge the metrics against the alert rules, record events, deliver them."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from warehouse.resources import RULE_FIELDS, RunSettings, WarehouseResource
from warehouse.runner import run_sql, set_variables, transaction

from .alert_sinks import SinkConfig, deliver_due
from .metrics import market_daily_metrics

# alert_thresholds' columns, in order
THRESHOLD_COLUMNS = ("metric", "market", *RULE_FIELDS)


def sink_config(run_settings: RunSettings) -> SinkConfig:
    return SinkConfig(
        sinks=tuple(run_settings.alert_sinks),
        jsonl_path=Path(run_settings.alert_jsonl_path),
        webhook_url_env=run_settings.alert_webhook_url_env,
        webhook_timeout_seconds=run_settings.alert_webhook_timeout_seconds,
        retry_backoff_seconds=run_settings.alert_retry_backoff_seconds,
        group=run_settings.alert_group,
    )


@dg.asset(
    group_name="alerts",
    kinds={"duckdb"},
    deps=[market_daily_metrics],
    description=(
        "Alerts when a market's metric crosses its threshold (alerts, alert_events, "
        "alert_thresholds), and the outbox of their notifications (alert_notifications), "
        "delivered to the console, a JSON Lines file and a webhook."
    ),
)
def alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_settings: RunSettings
) -> dg.MaterializeResult:
    config = sink_config(run_settings)
    now = datetime.now(UTC)
    run_id = context.run.run_id
    with warehouse.get_connection() as con:
        # the history, its new events and their notifications: all or nothing
        with transaction(con):
            # the rules before this run: a changed rule is news (sql/alerts/update_alerts.sql)
            con.execute("create or replace temp table previous_thresholds as from alert_thresholds")
            con.execute("delete from alert_thresholds")
            con.executemany(
                "insert into alert_thresholds values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [getattr(rule, c) for c in THRESHOLD_COLUMNS]
                    for rule in run_settings.alert_rules
                ],
            )
            set_variables(
                con,
                run_id=run_id,
                now=now,
                alert_sinks=list(config.sinks),
                alert_method=run_settings.alert_method,
                false_alarms_per_year=run_settings.alert_false_alarms_per_year,
                audit_rolling_days=run_settings.alert_audit_rolling_days,
                shift_alerts=run_settings.alert_shift_alerts,
            )
            run_sql(con, "alerts/alert_history.sql")
            run_sql(con, "alerts/update_alerts.sql")
        # then delivery, row by row: a failing sink is recorded and retried, never raised
        delivered = deliver_due(con, config, now)
        summary = alert_summary(con, run_id)
    return dg.MaterializeResult(
        metadata={**summary, **{f"{k}_now": v for k, v in delivered.items()}}
    )


def alert_summary(con, run_id: str) -> dict:
    """What the run found and where delivery stands (the run summary and the UI show it)."""
    opened, escalated, resolved = con.execute(
        "select count(*) filter (where event in ('opened', 'reopened')), count(*) filter "
        "(where event = 'escalated'), count(*) filter (where event = 'resolved') "
        "from alert_events where run_id = ?",
        [run_id],
    ).fetchone()
    open_now = con.execute("select count(*) from alerts where status = 'open'").fetchone()[0]
    pending, failed = con.execute(
        "select count(*) filter (where status = 'pending'), count(*) filter (where status = "
        "'failed') from alert_notifications"
    ).fetchone()
    return {
        "opened": opened,
        "escalated": escalated,
        "resolved": resolved,
        "open_alerts": open_now,
        "notifications_pending": pending,
        "notifications_failed": failed,
    }
