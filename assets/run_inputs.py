"""What a run reads besides the data: its settings' fingerprint, and whether anything is new.

A run whose inputs are those of the last successful run changes nothing: no new, replaced or
withdrawn landing file, the same as-of date, the same settings (the fingerprint also covers the
SQL files and the DuckDB version, so an upgrade is a change), no alert notification waiting to be
delivered again, and the dashboards built from that run. `modmetrics run` then says "nothing new
since run ..." and starts no pipeline. Everything here reads files and the published warehouse
read-only, and imports neither Dagster nor the checks: the point is a run that costs nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dashboards import SITE_MANIFEST
from warehouse.vocabulary import CONTRACTS

from .landing import discover, file_state

SQL_FOLDER = Path(__file__).resolve().parent.parent / "sql"


def settings_fingerprint(values: dict) -> str:
    """sha256 of the run's settings (`values`: JSON-ready, the as-of date resolved), the SQL
    files and the DuckDB version: any of them moved, the numbers may have."""
    digest = hashlib.sha256()
    digest.update(json.dumps(values, sort_keys=True, default=str).encode())
    digest.update(duckdb.__version__.encode())
    for path in sorted(SQL_FOLDER.rglob("*.sql")):
        digest.update(path.relative_to(SQL_FOLDER).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class LastRun:
    """The last successful run, when a new run would change nothing."""

    run_id: str
    finished_at: str


def nothing_new(
    published: Path,
    work: Path,
    landing: Path,
    fingerprint: str,
    dashboards: Path | None,
) -> LastRun | None:
    """The last run, if a run now would leave the warehouse (and the site in `dashboards`, None:
    no site) exactly as that run left it; None as soon as anything may differ."""
    if not published.is_file():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return None
    try:
        last = _last_run(con, fingerprint)
        if last is None or not _landing_unchanged(con, landing):
            return None
    except duckdb.Error:  # an older warehouse lacks a column: a full run brings it up to date
        return None
    finally:
        con.close()
    if not _work_file_at(work, last.run_id):
        return None
    if dashboards is not None and not _site_built_from(dashboards, last.run_id):
        return None
    return last


def _last_run(con: duckdb.DuckDBPyConnection, fingerprint: str) -> LastRun | None:
    """The published warehouse's last run, if it ran with `fingerprint` and left no alert
    notification to deliver again (a retry is due by the clock, not by the data)."""
    row = con.execute(
        "select info.last_run_id, strftime(runs.finished_at at time zone 'UTC', "
        "'%Y-%m-%d %H:%M:%S UTC') from warehouse_info as info "
        "join pipeline_runs as runs on runs.run_id = info.last_run_id "
        "where info.settings_fingerprint = ?",
        [fingerprint],
    ).fetchone()
    undelivered = con.execute(
        "select count(*) from alert_notifications where status <> 'delivered'"
    ).fetchone()[0]
    return LastRun(row[0], row[1]) if row and not undelivered else None


def _landing_unchanged(con: duckdb.DuckDBPyConnection, landing: Path) -> bool:
    """Every landing file is a version the warehouse read (same path, size and modification
    time, as sql/ingest reads them: assets/landing.py stage_new_files), and no file recorded as
    the twin of another waits to be read in its place."""
    for kind in CONTRACTS:
        known = set(
            con.execute(
                "select path, size_bytes, modified_at from file_manifest "
                "where kind = ? and status <> 'replaced'",
                [kind],
            ).fetchall()
        )
        if any(file_state(path) not in known for path in discover(landing, kind)):
            return False
    orphaned_twins = con.execute(
        "select count(*) from file_manifest as twin where twin.status = 'same_content' "
        "and not exists (select 1 from file_manifest as carrier "
        " where carrier.content_sha256 = twin.content_sha256 "
        " and carrier.status not in ('same_content', 'replaced'))"
    ).fetchone()[0]
    return orphaned_twins == 0


def _work_file_at(work: Path, run_id: str) -> bool:
    """The pipeline's working file ends with the same run: no run failed since (it would have
    left its queue there) and no run is writing it now (the open fails)."""
    if not work.is_file():
        return False
    try:
        con = duckdb.connect(str(work), read_only=True)
    except duckdb.Error:
        return False
    try:
        return con.execute("select last_run_id from warehouse_info").fetchone() == (run_id,)
    except duckdb.Error:
        return False
    finally:
        con.close()


def _site_built_from(dashboards: Path, run_id: str) -> bool:
    """The site in `dashboards` was written from run `run_id`, every page still there."""
    try:
        manifest = json.loads((dashboards / SITE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("run_id") == run_id and all(
        (dashboards / page).is_file() for page in manifest.get("pages", {})
    )
