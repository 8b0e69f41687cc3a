"""The published warehouse: the read-only copy analysts, dashboards and `modmetrics sql` read."""

import dagster as dg

from warehouse.resources import WarehouseResource

from .alerts import alerts
from .metrics import market_daily_metrics


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[market_daily_metrics, alerts],
    description=(
        "The read-only copy of the warehouse that analysts, dashboards and `modmetrics sql` read: "
        "the idle file of a pair brought up to date with what changed, then swapped in atomically."
    ),
)
def published_warehouse(warehouse: WarehouseResource) -> dg.MaterializeResult:
    published = warehouse.publish()
    return dg.MaterializeResult(
        metadata={
            "path": str(published.path),
            "file": str(published.file),
            "size_bytes": published.file.stat().st_size,
            "full_copy": published.full_copy,
            "full_copy_reason": published.reason,
            "views_applied": published.views_applied,
        }
    )
