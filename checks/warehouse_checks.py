"""Asset checks written as SQL that returns the offending rows: zero rows is a pass."""


import dagster as dg

from assets.ingest import decisions
from assets.metrics import market_daily_metrics
from assets.warehouse import read_sql
from pipelines.resources import WarehouseResource


def _offenders(warehouse: WarehouseResource, sql_file: str) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        relation = con.sql(read_sql(sql_file))
        columns = relation.columns
        rows = relation.fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "offending_rows": len(rows),
            "sample": dg.MetadataValue.json(
                [dict(zip(columns, map(str, r), strict=True)) for r in rows[:10]]
            ),
        },
    )


@dg.asset_check(asset=decisions, blocking=True, description=(
    "Per ingested file: rows read = accepted + rejected + identical duplicates."))
def rows_accounted_for(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _offenders(warehouse, "checks/rows_accounted_for.sql")


@dg.asset_check(asset=market_daily_metrics, blocking=True, description=(
    "Every (day, market) with accepted decisions has its metrics row, with the same count."))
def market_days_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _offenders(warehouse, "checks/market_days_complete.sql")


CHECKS = [rows_accounted_for, market_days_complete]
