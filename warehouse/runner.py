"""Run the SQL files of sql/ on the warehouse: the SQL holds the logic, this only sequences it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

# Creation order matters only where a view reads another view.
SCHEMA_FILES = [
    "macros.sql",
    "schema/file_manifest.sql",
    "schema/quarantine.sql",
    "schema/decision_rows.sql",
    "schema/conflicting_decisions.sql",
    "schema/appeal_rows.sql",
    "schema/appeals.sql",
    "schema/audit_rows.sql",
    "schema/audits.sql",
    "schema/stale_metric_days.sql",
    "schema/restated_decisions.sql",
    "schema/daily_metrics.sql",
    "schema/overturn_development.sql",
    "schema/audit_development.sql",
    "schema/warehouse_info.sql",
    "schema/market_timezones.sql",
    "schema/pipeline_runs.sql",
    "schema/validation_results.sql",
    "schema/alert_thresholds.sql",
    "schema/alerts.sql",
    "schema/alert_events.sql",
    "schema/alert_notifications.sql",
    "views/decisions.sql",
    "views/decisions_of.sql",
    "views/rejected_rows.sql",
    "views/ingested_files.sql",
    "views/orphan_appeals.sql",
    "views/orphan_audits.sql",
    "views/kpi_periods.sql",
    "views/audit_completeness.sql",
    "views/known_daily_metrics.sql",
    "views/metric_breakdowns.sql",
    "views/overturn_nowcast.sql",
    "views/overturn_nowcast_breakdowns.sql",
    "views/market_daily_metrics.sql",
    "views/market_kpis.sql",
    "views/rate_drivers.sql",
    "views/qa_audits.sql",
    "views/moderator_quality.sql",
    "views/queue_quality.sql",
    "views/auditor_agreement.sql",
    "views/appeal_capture.sql",
]


def read_sql(name: str) -> str:
    """The text of sql/<name>."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_sql(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Execute every statement of sql/<name>; values come in through set_variables, never text."""
    con.execute(read_sql(name))


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection that can only read `path`: no writes, no ATTACH, no files read or written."""
    con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    con.execute("set TimeZone = 'UTC'")
    con.execute("set lock_configuration = true")  # the query cannot turn any of this back
    return con


def set_variables(
    con: duckdb.DuckDBPyConnection, **values: str | int | date | datetime | list | dict
) -> None:
    """Make values visible to the SQL files as getvariable('name'), bound as parameters."""
    for name, value in values.items():
        con.execute(f"set variable {name} = ?", [value])


def set_map_variable(con: duckdb.DuckDBPyConnection, name: str, values: Mapping[str, str]) -> None:
    """A MAP(VARCHAR, VARCHAR) variable, getvariable('name')[key] (set_variables binds a dict as
    a STRUCT)."""
    con.execute(
        f"set variable {name} = map(?::varchar[], ?::varchar[])",
        [list(values), list(values.values())],
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """All of the block's writes, or none of them."""
    con.begin()
    try:
        yield con
        con.commit()
    except BaseException:
        con.rollback()
        raise


# What apply_schema runs once on a warehouse made by an earlier version, besides SCHEMA_FILES.
MIGRATION_FILES = ("schema/restate_every_day.sql", "schema/flag_conflicting_rows.sql")


@cache
def schema_sha256() -> str:
    """What apply_schema creates, as a hash: the text of its SQL files and the DuckDB version
    that stores it. A file whose schema was applied under another hash is out of date."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for name in (*SCHEMA_FILES, *MIGRATION_FILES):
        digest.update(f"\0{name}\0{read_sql(name)}".encode())
    return digest.hexdigest()


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table, view and macro that does not exist yet (idempotent)."""
    # in one transaction: a crash half-way must not leave daily_metrics rebuilt but empty
    with transaction(con):
        rebuild = _daily_metrics_outdated(con)
        flag = _conflict_flags_missing(con)
        # a warehouse made before the nowcast has no lag data: every day is counted again
        restate = rebuild or (
            _has_table(con, "daily_metrics")
            and not all(_has_table(con, t) for t in ("overturn_development", "audit_development"))
        )
        if rebuild:
            con.execute("drop table daily_metrics")
        for name in SCHEMA_FILES:
            run_sql(con, name)
        if flag:
            run_sql(con, "schema/flag_conflicting_rows.sql")
        if restate:
            run_sql(con, "schema/restate_every_day.sql")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(
        "select count(*) > 0 from information_schema.tables "
        "where table_name = ? and table_schema = current_schema() "
        "and table_catalog = current_database()",
        [name],
    ).fetchone()[0]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return (
        con.execute(
            "select list(column_name) from information_schema.columns "
            "where table_name = ? and table_schema = current_schema() "
            "and table_catalog = current_database()",
            [table],
        ).fetchone()[0]
        or []
    )


def _conflict_flags_missing(con: duckdb.DuckDBPyConnection) -> bool:
    """decision_rows gained is_conflicting: a warehouse made before flags its rows once."""
    columns = _columns(con, "decision_rows")
    return bool(columns) and "is_conflicting" not in columns


def _daily_metrics_outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """daily_metrics gained the queue column: a warehouse made before rebuilds it, every day."""
    columns = _columns(con, "daily_metrics")
    return bool(columns) and "queue" not in columns
