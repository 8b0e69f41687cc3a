"""The open alerts, visible in the Dagster UI: a WARN check on the alerts asset that fails while
any alert is open and lists them in its metadata. Never blocks publishing."""

import dagster as dg

from assets.alerts import alerts
from warehouse.resources import WarehouseResource

OPEN_ALERTS = """
    select alert_id, metric, market, severity, opened_on::varchar as opened_on,
        last_breach_on::varchar as last_breach_on, worst_value, threshold
    from alerts
    where status = 'open'
    order by severity, metric, market, opened_on
"""


@dg.asset_check(
    asset=alerts,
    name="no_open_alerts",
    blocking=False,
    description="Warns while an alert is open; its metadata lists the open alerts.",
)
def no_open_alerts(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        relation = con.execute(OPEN_ALERTS)
        columns = [d[0] for d in relation.description]
        rows = [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "open_alerts": len(rows),
            "critical": sum(r["severity"] == "critical" for r in rows),
            "alerts": dg.MetadataValue.json(rows),
        },
    )


ALERT_CHECKS = [no_open_alerts]
