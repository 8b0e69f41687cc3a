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
        "The read-only copy of the warehouse that analysts, dashboards and `modmetrics sql` read, "
        "replaced atomically after each successful run."
    ),
)
def published_warehouse(warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = warehouse.publish()
    return dg.MaterializeResult(
        metadata={
            "path": str(path),
            "size_bytes": path.stat().st_size,
        }
    )
