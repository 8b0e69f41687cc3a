"""The Parquet lake: the warehouse's tables as Hive-partitioned Parquet, for Spark, Trino, DuckDB.

Layout: LAKE/<table>/metric_date=YYYY-MM-DD/market=XX/*.parquet; sql/lake/<table>.sql selects
each table's rows and says which day and market each row goes under. An export writes the days it
covers into a staging folder inside LAKE, then swaps them in one metric_date=... folder at a time
(old folder renamed aside, new one renamed in, old one deleted), so other days' files are never
touched and a reader sees a day's files all old or all new.

`modmetrics export` calls export_lake; the `lake` asset calls refresh_lake after each run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.resources import RunSettings, WarehouseResource
from warehouse.runner import read_sql, set_variables
from warehouse.vocabulary import MARKETS

from .landing import GLOB_CHARACTERS
from .publish import published_warehouse

LAKE_TABLES = (
    "decisions",
    "appeals",
    "audits",
    "rejected_rows",
    "daily_metrics",
    "market_daily_metrics",
)
EVERY_DAY = (date.min, date.max)
DAY_FOLDER = "metric_date="
# The partitions a refresh compares in full with the warehouse, because they change without a
# run recomputing their day: `provisional` flips as the as-of date moves on; rejected rows are
# dated by when they were rejected, and a replaced file takes its rows away; an orphan sits on its
# own day until its decision arrives (then it moves to the decision's day). All small.
COMPARED_PARTITIONS = (
    ("market_daily_metrics", None),
    ("rejected_rows", None),
    ("appeals", "unknown"),
    ("audits", "unknown"),
)
# The days of one partition whose rows are in the warehouse and not in the lake, or the other way
# round (EXCEPT ALL: a row twice on one side and once on the other differs too).
DIFFERING_DAYS = """
with warehouse as (
{select}
),

lake as (
    select {columns}
    from read_parquet(
        ?, hive_partitioning = true, union_by_name = true,
        hive_types = {{'metric_date': 'DATE', 'market': 'VARCHAR'}}
    )
)

select distinct metric_date
from (
    (select * from warehouse except all select * from lake)
    union all
    (select * from lake except all select * from warehouse)
)
"""
MARKER = ".modmetrics-lake.json"  # the run whose published warehouse the whole lake reflects
LOCK = ".modmetrics-lake.lock"
STAGING = ".staging-"  # hidden (leading dot): Spark, Trino and the lake's globs skip it

DayRange = tuple[date, date]
TableRanges = dict[str, list[DayRange]]  # the days to export, per table


class LakeError(Exception):
    """A lake folder that cannot be used; the message is one line meant for the user."""


@dataclass
class LakeExport:
    """What an export wrote."""

    out: Path
    ranges: TableRanges  # the metric days it covered, per table
    rows: dict[str, int] = field(default_factory=dict)  # rows written, per table
    days_written: int = 0  # day folders (one table, one day) written or replaced
    days_removed: int = 0  # day folders removed: the day has no rows left
    seconds: float = 0.0

    @property
    def span(self) -> str:
        """The days covered, in words: "every day", "2026-10-02", "2026-10-01 .. 2026-10-03"."""
        days = merge_ranges([r for ranges in self.ranges.values() for r in ranges])
        if days == [EVERY_DAY]:
            return "every day"
        if not days:
            return "no day (the lake was up to date)"
        return ", ".join(_range_text(first, last) for first, last in days)


def export_lake(
    published: Path,
    out: Path,
    first_day: date | None = None,
    last_day: date | None = None,
    memory_limit: str | None = None,
) -> LakeExport:
    """Write the metric days first_day..last_day (default: every day) of every lake table into
    `out`, replacing those days only; a day of the span left without rows is removed."""
    day_range = (first_day or date.min, last_day or date.max)
    with _lake_writer(published, out, memory_limit) as writer:
        export = writer.export(dict.fromkeys(LAKE_TABLES, [day_range]))
        if day_range == EVERY_DAY:
            writer.mark_up_to_date()
    return export


def refresh_lake(published: Path, out: Path, memory_limit: str | None = None) -> LakeExport:
    """Bring the lake up to date with the published warehouse: the days recomputed by every run
    since the lake's last refresh (every table), plus the days a compared partition differs on
    (that table); every day when the lake is new (or was made from another warehouse)."""
    with _lake_writer(published, out, memory_limit) as writer:
        ranges = writer.changed_ranges()
        export = writer.export(
            dict.fromkeys(LAKE_TABLES, [EVERY_DAY]) if ranges is None else ranges
        )
        writer.mark_up_to_date()
    return export


def lake_folder(out: Path) -> Path:
    """`out` as an absolute path, created if need be; LakeError when it cannot hold a lake."""
    out = Path(out).expanduser().resolve()
    if GLOB_CHARACTERS & set(str(out)):
        # readers name the files with globs (LAKE/<table>/**/*.parquet)
        raise LakeError(f"{out}: the lake folder's path may not contain any of * ? [ ] {{ }}")
    if out.exists() and not out.is_dir():
        raise LakeError(f"{out}: not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LakeError(f"{out}: cannot create the lake folder: {exc.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise LakeError(f"{out}: the lake folder is not writable")
    return out


# --- one export ----------------------------------------------------------------------------------


@contextmanager
def _lake_writer(published: Path, out: Path, memory_limit: str | None) -> Iterator[_LakeWriter]:
    published = Path(published)
    if not published.is_file():
        raise LakeError(f"{published}: no warehouse there yet (run `modmetrics run`)")
    out = lake_folder(out)
    try:
        lock = (out / LOCK).open("a")
    except OSError as exc:
        raise LakeError(f"{out}: cannot write the lake folder: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LakeError(
                f"{out}: another export is writing this lake; try again when it ends"
            ) from None
        for leftover in out.glob(f"{STAGING}*"):  # an export that crashed (we hold the lock)
            shutil.rmtree(leftover, ignore_errors=True)
        staging = out / f"{STAGING}{uuid.uuid4().hex}"
        try:
            staging.mkdir()
        except OSError as exc:
            raise LakeError(f"{out}: cannot write the lake folder: {exc.strerror}") from None
        try:
            con = _connect(published, out, staging, memory_limit)
            try:
                yield _LakeWriter(out, staging, con)
            finally:
                con.close()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        lock.close()  # closing releases the lock


def _connect(
    published: Path, out: Path, staging: Path, memory_limit: str | None
) -> duckdb.DuckDBPyConnection:
    """Read the published warehouse; write files only under `out` (and nothing else at all)."""
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(str(published), read_only=True, config=config)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set temp_directory = ?", [str(staging / ".spill")])
    con.execute("set allowed_directories = [?]", [f"{out}{os.sep}"])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    set_variables(con, markets=list(MARKETS))  # the markets lake/rejected_rows.sql partitions by
    return con


class _LakeWriter:
    """The lake folder (locked), a staging folder inside it, and a connection to the warehouse."""

    def __init__(self, out: Path, staging: Path, con: duckdb.DuckDBPyConnection):
        self.out, self.staging, self.con = out, staging, con

    def export(self, ranges: TableRanges) -> LakeExport:
        """Write each table's rows of its ranges to staging, then swap those days into the lake."""
        started = time.perf_counter()
        result = LakeExport(self.out, ranges, rows=dict.fromkeys(LAKE_TABLES, 0))
        # everything is written before anything is swapped: a failing query leaves the lake as is
        for table in LAKE_TABLES:
            for i, (first, last) in enumerate(ranges[table]):
                staged = self.staging / "new" / table / str(i)
                staged.parent.mkdir(parents=True, exist_ok=True)
                set_variables(self.con, first_day=first, last_day=last)
                (rows,) = self.con.execute(
                    f"copy (\n{lake_select(table)}\n) to ? "
                    "(format parquet, compression snappy, partition_by (metric_date, market))",
                    [str(staged)],
                ).fetchone()
                result.rows[table] += rows
        for table in LAKE_TABLES:
            aside = self.staging / "old" / table
            aside.mkdir(parents=True)
            for i, (first, last) in enumerate(ranges[table]):
                staged = self.staging / "new" / table / str(i)
                written, removed = _swap_days(self.out / table, staged, first, last, aside)
                result.days_written += written
                result.days_removed += removed
            shutil.rmtree(aside)
        result.seconds = time.perf_counter() - started
        return result

    def changed_ranges(self) -> TableRanges | None:
        """The days to export, per table, to bring the lake up to date; None: every day."""
        marked = _read_marker(self.out)
        since = self.con.execute(
            "select started_at from pipeline_runs where run_id = ?", [marked]
        ).fetchone()
        if since is None:  # a new lake, or one made from another warehouse
            return None
        recomputed = self.con.execute(
            "select first_day_recomputed, last_day_recomputed from pipeline_runs "
            "where started_at > ? and days_recomputed > 0",
            [since[0]],
        ).fetchall()
        differ = self._days_that_differ()
        return {
            table: merge_ranges([*recomputed, *((day, day) for day in differ.get(table, ()))])
            for table in LAKE_TABLES
        }

    def _days_that_differ(self) -> dict[str, set[date]]:
        """Per compared table, the days whose rows of its compared partition differ between the
        warehouse and the lake."""
        set_variables(self.con, first_day=EVERY_DAY[0], last_day=EVERY_DAY[1])
        days: dict[str, set[date]] = {}
        for table, market in COMPARED_PARTITIONS:
            select, params = lake_select(table), []
            if market is not None:
                select, params = f"select * from (\n{select}\n) where market = ?", [market]
            pattern = f"{DAY_FOLDER}*/market={market or '*'}/*.parquet"
            files = sorted(str(path) for path in (self.out / table).glob(pattern))
            if not files:
                found = self.con.execute(
                    f"select distinct metric_date from (\n{select}\n)", params
                ).fetchall()
            else:
                columns = self.con.execute(f"select * from (\n{select}\n) limit 0", params)
                names = ", ".join(f'"{d[0]}"' for d in columns.description)
                found = self.con.execute(
                    DIFFERING_DAYS.format(select=select, columns=names), [*params, files]
                ).fetchall()
            days[table] = {day for (day,) in found}
        return days

    def mark_up_to_date(self) -> None:
        """Record that every day of the lake reflects the warehouse this export read."""
        (run_id,) = self.con.execute("select last_run_id from warehouse_info").fetchone()
        marker = {"last_run_id": run_id, "exported_at": datetime.now(UTC).isoformat()}
        tmp = self.staging / MARKER
        tmp.write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.out / MARKER)


def lake_select(table: str) -> str:
    """The SELECT of sql/lake/<table>.sql, ready to nest in a query."""
    return read_sql(f"lake/{table}.sql").strip().rstrip(";")


def _swap_days(target: Path, staged: Path, first: date, last: date, aside: Path) -> tuple[int, int]:
    """Make the days first..last of `target` those of `staged`: returns (written, removed)."""
    new = _day_folders(staged)
    old = {day: path for day, path in _day_folders(target).items() if first <= day <= last}
    target.mkdir(parents=True, exist_ok=True)
    for day in sorted(new.keys() | old.keys()):
        name = f"{DAY_FOLDER}{day.isoformat()}"
        if day in old:
            os.rename(old[day], aside / name)
        if day in new:
            os.rename(new[day], target / name)
    return len(new), len(old.keys() - new.keys())


def _day_folders(folder: Path) -> dict[date, Path]:
    """The metric_date=YYYY-MM-DD folders of `folder`, by day; anything else is left alone."""
    days = {}
    if folder.is_dir():
        for entry in folder.iterdir():
            try:
                day = date.fromisoformat(entry.name.removeprefix(DAY_FOLDER))
            except ValueError:
                continue
            if entry.is_dir() and entry.name == f"{DAY_FOLDER}{day.isoformat()}":
                days[day] = entry
    return days


def _read_marker(out: Path) -> str | None:
    try:
        return json.loads((out / MARKER).read_text(encoding="utf-8"))["last_run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def merge_ranges(ranges: list[DayRange]) -> list[DayRange]:
    """The same days as sorted, disjoint, non-adjacent ranges."""
    merged: list[DayRange] = []
    for first, last in sorted(ranges):
        if merged and (first - merged[-1][1]).days <= 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _range_text(first: date, last: date) -> str:
    if first == last:
        return first.isoformat()
    left = "" if first == date.min else first.isoformat()
    right = "" if last == date.max else last.isoformat()
    return f"{left} .. {right}".strip()


# --- the asset -----------------------------------------------------------------------------------


@dg.asset(
    name="lake",
    group_name="publish",
    kinds={"parquet", "duckdb"},
    deps=[published_warehouse],
    description=(
        "The Parquet lake ([lake] out): decisions, appeals, audits, rejected_rows, daily_metrics "
        "and market_daily_metrics as Hive-partitioned Parquet (metric_date, market) for Spark, "
        "Trino and DuckDB; rewrites only the days that changed. Nothing without [lake] out."
    ),
)
def lake(warehouse: WarehouseResource, run_settings: RunSettings) -> dg.MaterializeResult:
    if not run_settings.lake:
        return dg.MaterializeResult(metadata={"status": "no lake configured"})
    export = refresh_lake(
        Path(warehouse.published),
        Path(run_settings.lake),
        memory_limit=warehouse.connection_config.get("memory_limit"),
    )
    return dg.MaterializeResult(
        metadata={
            "status": "exported",
            "path": dg.MetadataValue.path(str(export.out)),
            "days": export.span,
            "day_folders_written": export.days_written,
            "day_folders_removed": export.days_removed,
            **{f"rows_{table}": rows for table, rows in export.rows.items()},
            "seconds": round(export.seconds, 2),
        }
    )
