"""Publishing: bring the published warehouse up to date with the working file, at the cost of
what changed since, not of the stored history.

DuckDB lets one process write a file and refuses readers in other processes meanwhile, and an
analyst may hold the published file open for hours, so the published path is a symbolic link to
one of a pair of files (`.modmetrics-published/<name>.a` and `.b`). A publish brings the idle one
(the file the link does not point to) up to date and then swaps the link atomically: a reader
keeps the snapshot it opened, the next open sees the new one.

Bringing the idle file up to date copies only the rows that differ from it (it is one or two
runs behind), table by table, in one transaction (see SYNCED_BY). It copies the whole working
file instead when the idle file does not exist, is held open by a reader, or its tables or row
hashes are not those of the working file; and when a table's row count still differs after the
sync, as a safety net. Views and macros are applied from sql/, as on the working file, unless
the idle file is as the last publish left it under this code's schema (its stamp, below).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .runner import apply_schema, run_sql, schema_sha256

PAIR_DIR = ".modmetrics-published"

# How each table's differing rows are found: (the temp table of changed keys, its key column),
# made by sql/publish/<temp table>.sql; decision_rows by the (metric_date, file_id, line block)
# groups of sql/publish/changed_day_files.sql. Any other table is small and copied whole.
SYNCED_BY = {
    "daily_metrics": ("changed_days", "metric_date"),
    "overturn_development": ("changed_days", "metric_date"),
    "audit_development": ("changed_days", "metric_date"),
    "appeals": ("changed_appeals", "appeal_id"),
    "appeal_rows": ("changed_appeals", "appeal_id"),
    "audits": ("changed_audited_decisions", "decision_id"),
    "audit_rows": ("changed_audited_decisions", "decision_id"),
}
# decision_rows is compared and copied in blocks of this many consecutive lines of a file
# (sql/publish/changed_day_files.sql): a few flags changed in an older file copy a block each.
LINE_BLOCK = 2048
# Tables whose rows are written once by a run and only ever deleted afterwards: the runs whose
# row counts differ are copied again.
SYNCED_BY_RUN = ("quarantine", "validation_results")


@dataclass(frozen=True)
class Published:
    """What a publish did: the file now published, and whether it was copied whole."""

    path: Path
    file: Path
    full_copy: bool
    reason: str  # why it was copied whole, or "" for a sync
    views_applied: bool = True  # views and macros created again (a sync of a file as it was: no)


def publish(
    work: Path, published: Path, memory_limit: str | None = None, views_current: bool = False
) -> Published:
    """Bring the idle file of the pair up to date with `work` (checkpointed, not in use by any
    connection of this process) and point `published` at it. `views_current`: this process
    applied the schema to `work` (a whole copy then carries this code's views and macros)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    pair = published.parent / PAIR_DIR
    pair.mkdir(exist_ok=True)
    current = published.resolve() if published.is_symlink() else None
    names = (f"{published.name}.a", f"{published.name}.b")
    idle = pair / (names[1] if current is not None and current.name == names[0] else names[0])
    reason, views_applied = (
        _sync(work, idle, memory_limit)
        if idle.exists()
        else ("no published file of the pair yet", True)
    )
    if reason:
        _copy(work, idle)
        views_applied = True  # the working file's
        if views_current:
            _write_stamp(idle)
    link = published.with_name(f".{published.name}.{os.getpid()}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(idle.relative_to(published.parent))
    os.replace(link, published)  # atomic: readers open the old file or the new one
    _fsync_dir(published.parent)
    return Published(published, idle, bool(reason), reason, views_applied)


def _copy(work: Path, target: Path) -> None:
    """A whole copy, renamed into place: a reader holding the old file keeps it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _drop_stamp(target)
    try:
        shutil.copyfile(work, tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _stamp_path(idle: Path) -> Path:
    return idle.with_name(f".{idle.name}.schema")


def _stamp(idle: Path) -> str:
    """The file as a publish left it: this code's schema hash and the file's identity, size and
    times. A write since (another version's, an analyst's own session) changes the times, so
    the stamp no longer matches; with a write-ahead log beside it, nothing matches."""
    if idle.with_name(f"{idle.name}.wal").exists():
        return ""
    st = idle.stat()
    return f"{schema_sha256()} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _read_stamp(idle: Path) -> str:
    try:
        return _stamp_path(idle).read_text(encoding="ascii")
    except (OSError, UnicodeError):
        return ""  # none, or unreadable: the views are applied


def _write_stamp(idle: Path) -> None:
    """Stamp `idle` as it is now. A stamp that cannot be written costs the next sync of this file
    its views applied again, never the publish."""
    stamp = _stamp_path(idle)
    tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(_stamp(idle), encoding="ascii")
        os.replace(tmp, stamp)
    except OSError:
        tmp.unlink(missing_ok=True)
        _drop_stamp(idle)


def _drop_stamp(idle: Path) -> None:
    try:
        _stamp_path(idle).unlink(missing_ok=True)
    except OSError:
        pass  # a stamp left behind no longer matches the file once it is written


def _sync(work: Path, idle: Path, memory_limit: str | None) -> tuple[str, bool]:
    """Copy into `idle` the rows that differ from `work`; return why a whole copy is needed
    instead ("" when synced), and whether the views and macros were created again."""
    left = _read_stamp(idle)
    _drop_stamp(idle)  # written again once this sync has ended
    reason, views_applied = _sync_rows(work, idle, memory_limit, left)
    if not reason:
        _write_stamp(idle)
    return reason, views_applied


def _sync_rows(work: Path, idle: Path, memory_limit: str | None, stamp: str) -> tuple[str, bool]:
    con = duckdb.connect(config={"memory_limit": memory_limit} if memory_limit else {})
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("attach ? as working (read_only)", [str(work)])
        try:
            con.execute("attach ? as published", [str(idle)])
        except duckdb.Error:
            return "the idle published file is open in another process", True
        # compared while DuckDB holds the file: no other process writes it from here on
        apply_views = not (stamp and stamp == _stamp(idle))
        reason = _incompatible(con)
        if reason:
            return reason, True
        if apply_views:
            # views and macros as this code defines them (DuckDB's text of a view is not stable
            # enough to compare): the same files apply_schema runs on the working file
            con.execute("use published")
            apply_schema(con)
            con.execute("use memory")
        con.begin()
        try:
            _sync_tables(con)
            reason = _counts_differ(con)
            if reason:
                con.rollback()
                return reason, True
            con.commit()
        except BaseException:
            con.rollback()
            raise
        con.execute("checkpoint published")
        return "", apply_views
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = ? and schema_name = 'main' and not temporary order by 1",
            [catalog],
        ).fetchall()
    ]


def _incompatible(con: duckdb.DuckDBPyConnection) -> str:
    """Why the attached file cannot be synced row by row ("" when it can)."""
    for what, sql in (
        ("tables", "select table_name, sql from duckdb_tables() where database_name = ?"),
        ("sequences", "select sequence_name, sql from duckdb_sequences() where database_name = ?"),
    ):
        mine, theirs = (sorted(con.execute(sql, [c]).fetchall()) for c in ("working", "published"))
        if mine != theirs:
            return f"the {what} changed"
    versions = con.execute(
        "select (select list(duckdb_version) from working.warehouse_info), "
        "(select list(duckdb_version) from published.warehouse_info)"
    ).fetchone()
    if versions[0] != versions[1]:
        return "the row hashes were recomputed"  # sql/ingest/rehash_rows.sql
    return ""


# The changed keys found from the runs the published file does not know yet, checked by the
# size of the rest (_rest_is_equal): (temp table, the table whose run_id marks a change, key).
FOUND_SINCE = {
    "changed_appeals": ("appeals", "appeal_id"),
    "changed_audited_decisions": ("audits", "decision_id"),
}


def _sync_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in sorted({changed for changed, _ in SYNCED_BY.values()}):
        if name in FOUND_SINCE:
            run_sql(con, f"publish/{name}_since.sql")  # the new runs' rows only
            if _rest_is_equal(con, name, *FOUND_SINCE[name]):
                continue
        run_sql(con, f"publish/{name}.sql")  # every row of both
    con.execute(
        "set variable first_changed_day = "
        "(select coalesce(min(metric_date), '9999-12-31'::date) from changed_days)"
    )
    con.execute("set variable line_block = ?", [LINE_BLOCK])
    run_sql(con, "publish/changed_day_files.sql")
    for table in _tables(con, "working"):
        if table == "decision_rows":
            # the bound on metric_date lets DuckDB skip the row groups of older days
            where = (
                "where metric_date >= getvariable('first_changed_day') "
                "and (metric_date, file_id, line_block_of(line_number)) "
                "in (select (metric_date, file_id, line_block) from changed_day_files)"
            )
        elif table in SYNCED_BY:
            changed, key = SYNCED_BY[table]
            where = f"where {key} in (select {key} from {changed})"
        elif table in SYNCED_BY_RUN:
            con.execute(
                "create or replace temp table changed_runs as "
                f"(select run_id, count(*) from working.{table} group by run_id "
                f" except select run_id, count(*) from published.{table} group by run_id) "
                f"union all (select run_id, count(*) from published.{table} group by run_id "
                f" except select run_id, count(*) from working.{table} group by run_id)"
            )
            where = "where run_id in (select run_id from changed_runs)"
        else:
            where = ""
        con.execute(f"delete from published.{table} {where}")
        con.execute(f"insert into published.{table} select * from working.{table} {where}")


def _rest_is_equal(con: duckdb.DuckDBPyConnection, changed: str, table: str, key: str) -> bool:
    """Whether `table` has as many rows outside the keys of `changed` in the working file as in
    the published one. The working file's rest is in the published file unchanged, so equal
    sizes mean equal rests; a published row more is a key the working file deleted."""
    ((equal,),) = con.execute(
        f"select (select count(*) from working.{table} anti join {changed} using ({key})) "
        f"= (select count(*) from published.{table} anti join {changed} using ({key}))"
    ).fetchall()
    return bool(equal)


def _counts_differ(con: duckdb.DuckDBPyConnection) -> str:
    for table in _tables(con, "working"):
        mine, theirs = con.execute(
            f"select (select count(*) from working.{table}), "
            f"(select count(*) from published.{table})"
        ).fetchone()
        if mine != theirs:
            return f"{table} has {mine} rows, its sync {theirs}"
    return ""


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
