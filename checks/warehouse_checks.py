"""Asset checks written as SQL that returns the offending rows: zero rows is a pass.

They look at what this run changed (its files, the days it recomputed), so their cost follows
the new data, not the history.
"""

import dagster as dg

from assets.metrics import daily_metrics, market_daily_metrics
from warehouse.resources import WarehouseResource
from warehouse.runner import read_sql, run_sql, set_variables

from .explain import first_lines


def _offenders(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, sql_file: str
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        set_variables(con, run_id=context.run.run_id, every_day=False)
        run_sql(con, "checks/first_file_id.sql")
        relation = con.sql(read_sql(sql_file))
        columns = relation.columns
        rows = relation.fetchall()
    check = context.check_specs[0].name
    sample = [dict(zip(columns, map(str, r), strict=True)) for r in rows[:10]]
    lines = [" ".join(f"{k}={v}" for k, v in row.items()) + f" ({check})" for row in sample]
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "offending_rows": len(rows),
            "sample": dg.MetadataValue.json(sample),
            "explanation": dg.MetadataValue.json(first_lines([(lines, len(rows) - len(sample))])),
        },
    )


@dg.asset_check(
    asset=daily_metrics,
    blocking=True,
    description=(
        "Every file this run ingested: rows read = accepted + rejected + identical duplicates."
    ),
)
def rows_accounted_for(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _offenders(context, warehouse, "checks/rows_accounted_for.sql")


@dg.asset_check(
    asset=market_daily_metrics,
    blocking=True,
    description=(
        "Every (day, market) recomputed with accepted decisions has its metrics row, same count."
    ),
)
def market_days_complete(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _offenders(context, warehouse, "checks/market_days_complete.sql")


WAREHOUSE_CHECKS = [rows_accounted_for, market_days_complete]
