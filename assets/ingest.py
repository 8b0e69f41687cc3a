"""Ingest assets: decisions, appeals and QA audits from the landing folder into the warehouse."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.resources import RunSettings, WarehouseResource
from warehouse.runner import read_sql, run_sql, set_map_variable, set_variables, transaction
from warehouse.vocabulary import MARKETS

from .landing import record_files, stage_new_files

# A resource the wiring provides (pipelines/resources.py): called before each new file is read.
BeforeReading = dg.ResourceParam[Callable[[], None]]


def ingest(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    landing: Path,
    run_id: str,
    now: datetime,
    market_timezones: Mapping[str, str],
    before_reading: Callable[[], None] = lambda: None,
) -> dict:
    """Ingest the new landing files of `kind`; return what happened, for the run's metadata.

    Files are read and judged first, into temp table `staged` (a file that cannot be read only
    fails itself); then the manifest, quarantine and merge of this kind are written in one
    transaction, so a failure leaves none of them half-done. `market_timezones`: the zone each
    market's decisions are dated in (sql/macros.sql market_day).
    """
    set_variables(
        con,
        run_id=run_id,
        run_started_at=now,
        markets=list(MARKETS),  # the markets staging accepts (sql/macros.sql is_market)
    )
    set_map_variable(con, "market_timezones", market_timezones)
    # `before_reading` runs before each new file is read: the wiring passes the start of the
    # validation library's import, which then overlaps DuckDB's reading (and costs nothing on a
    # run with no new file)
    outcomes = stage_new_files(con, landing, kind, before_reading=before_reading)
    with transaction(con):
        if kind == "decisions":
            _keep_stored_rows_comparable(con)
        record_files(con, outcomes, run_id, now)
        run_sql(con, "ingest/withdraw_replaced_files.sql")
        run_sql(con, "ingest/recent_days_from.sql")  # where decisions are looked up first
        run_sql(con, f"ingest/merge_{kind}.sql")
    # this run's files of this kind have consecutive ids: a range lets DuckDB skip the rest
    first, last = (
        min((o.file_id for o in outcomes), default=0),
        max((o.file_id for o in outcomes), default=-1),
    )
    totals = con.execute(
        "select coalesce(sum(rows), 0), coalesce(sum(accepted), 0), coalesce(sum(rejected), 0), "
        "coalesce(sum(identical_duplicates), 0) from ingested_files "
        "where file_id between ? and ? and status = 'ingested'",
        [first, last],
    ).fetchone()
    return {
        "new_files": len(outcomes),
        "failed_files": sum(o.status == "failed" for o in outcomes),
        "rows_read": int(totals[0]),
        "rows_accepted": int(totals[1]),
        "rows_rejected": int(totals[2]),
        "identical_duplicates": int(totals[3]),
        "file_errors": [f"{o.path}: {o.error}" for o in outcomes if o.status == "failed"],
    }


def _keep_stored_rows_comparable(con: duckdb.DuckDBPyConnection) -> None:
    """Before new decisions merge: date stored ones of a market in its current zone, hash them as
    DuckDB now does (only where market_timezones and warehouse_info say they were made otherwise),
    and record the zones the days are now in."""
    con.execute(
        "create or replace temp table restated_markets as "
        + read_sql("ingest/timezone_changes.sql")
    )
    if con.execute("select count(*) from restated_markets").fetchone()[0]:
        run_sql(con, "ingest/restate_timezone.sql")
    run_sql(con, "ingest/record_market_timezones.sql")
    info = con.execute("select duckdb_version from warehouse_info").fetchone()
    if info is not None and info[0] != con.execute("select version()").fetchone()[0]:
        run_sql(con, "ingest/rehash_rows.sql")


def run_started_at(context: dg.AssetExecutionContext) -> datetime:
    """The moment the run started: one "now" for every step (decided_at may not be later)."""
    stats = context.instance.get_run_stats(context.run.run_id)
    if stats and stats.start_time:
        return datetime.fromtimestamp(stats.start_time, UTC)
    return datetime.now(UTC)


def _materialize(
    context: dg.AssetExecutionContext,
    kind: str,
    warehouse: WarehouseResource,
    run_settings: RunSettings,
    before_reading: Callable[[], None],
) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        summary = ingest(
            con,
            kind,
            Path(run_settings.landing),
            context.run.run_id,
            run_started_at(context),
            run_settings.market_timezones,
            before_reading,
        )
    for error in summary["file_errors"]:
        context.log.error(error)
    return dg.MaterializeResult(metadata=summary)


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    description=(
        "Accepted moderation decisions (view `decisions` over `decision_rows`), rejected rows in "
        "`rejected_rows`, every file in `ingested_files`."
    ),
)
def decisions(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    run_settings: RunSettings,
    before_reading: BeforeReading,
) -> dg.MaterializeResult:
    return _materialize(context, "decisions", warehouse, run_settings, before_reading)


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    deps=[decisions],
    description=(
        "Appeal outcomes: every version in `appeal_rows`, the latest state per appeal in `appeals`."
    ),
)
def appeals(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    run_settings: RunSettings,
    before_reading: BeforeReading,
) -> dg.MaterializeResult:
    return _materialize(context, "appeals", warehouse, run_settings, before_reading)


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    deps=[decisions],
    description=(
        "QA audits: every row in `audit_rows`, the audit that counts per decision in `audits`."
    ),
)
def audits(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    run_settings: RunSettings,
    before_reading: BeforeReading,
) -> dg.MaterializeResult:
    return _materialize(context, "audits", warehouse, run_settings, before_reading)
