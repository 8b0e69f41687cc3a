"""Great Expectations asset checks on the accepted inputs: one batch per file this run ingested.

Severity ERROR and blocking: a failure here means a bug in ingestion, and nothing downstream
(metrics, the published warehouse) is built from such data.
"""

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import dagster as dg
import duckdb

from assets.ingest import appeals, audits, decisions, run_started_at
from warehouse.resources import WarehouseResource
from warehouse.runner import read_sql, set_variables

from . import suites
from .explain import first_lines
from .gx_runner import ERROR, Outcome, query_frame, validate


class ValidationError(RuntimeError):
    """Great Expectations itself failed: the check could not judge the data."""


def record(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    asset: str,
    check_name: str,
    severity: str,
    outcomes: list[Outcome],
) -> None:
    """Keep every outcome in validation_results, for the analysts' history."""
    if not outcomes:
        return
    now = datetime.now(UTC)
    con.executemany(
        "insert into validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                run_id,
                now,
                asset,
                check_name,
                o.expectation,
                o.partition,
                o.success,
                o.status,
                severity,
                o.observed_value,
                o.unexpected_count,
                json.dumps(o.sample),
                o.error,
                o.rule,
            ]
            for o in outcomes
        ],
    )


def result_of(outcomes: list[Outcome], severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    """The Dagster view of a suite's outcomes; a GX error raises instead of passing or failing."""
    errors = [o for o in outcomes if o.status == ERROR]
    if errors:
        first = errors[0]
        raise ValidationError(
            f"great expectations could not run {first.expectation} on {first.partition}: "
            f"{first.error}"
        )
    failed = [o for o in outcomes if not o.success]
    return dg.AssetCheckResult(
        passed=not failed,
        severity=severity,
        metadata={
            "expectations_run": len(outcomes),
            "failed": len(failed),
            # what the run's failure message prints: the offending market-days, files, values
            "explanation": dg.MetadataValue.json(first_lines(o.explain() for o in failed)),
            "failures": dg.MetadataValue.json(
                [
                    {
                        "expectation": o.expectation,
                        "partition": o.partition,
                        "observed_value": o.observed_value,
                        "unexpected_count": o.unexpected_count,
                        "sample": o.sample,
                    }
                    for o in failed[:20]
                ]
            ),
        },
    )


ID_COLUMNS = {"decisions": "decision_id", "appeals": "appeal_id", "audits": "audit_id"}

# Rows in one validation batch at most: bounds memory (the batch GX judges and the next one are
# held at once), while each batch costs GX a fixed ~0.15 s, so small files go together.
BATCH_ROWS = 500_000


def _batches_of_files(
    con: duckdb.DuckDBPyConnection, run_id: str | None, kind: str
) -> list[tuple[str, list[int]]]:
    """(label, file ids) for the files of `kind` run `run_id` ingested (every file when None),
    grouped up to BATCH_ROWS rows. The label is the file's path, or the first path and how many
    other files the batch holds."""
    files = con.execute(
        "select file_id, path, coalesce(rows_read, 0) from file_manifest "
        "where (run_id = ? or ?) and kind = ? and status = 'ingested' order by file_id",
        [run_id, run_id is None, kind],
    ).fetchall()
    batches, batch, rows = [], [], 0
    for file_id, path, file_rows in [*files, (None, None, None)]:
        if batch and (file_id is None or rows + file_rows > BATCH_ROWS):
            label = batch[0][1] + (f" and {len(batch) - 1} other files" if len(batch) > 1 else "")
            batches.append((label, [f for f, _ in batch]))
            batch, rows = [], 0
        if file_id is not None:
            batch.append((file_id, path))
            rows += file_rows
    return batches


def _file_batches(
    con: duckdb.DuckDBPyConnection, run_id: str | None, kind: str, sql_file: str
) -> Iterator[tuple[str, object]]:
    """(label, DataFrame) for the files of `kind` run `run_id` ingested, a bounded batch at a time.

    DuckDB builds the next batch while GX judges this one: GX holds the GIL and one core, DuckDB
    releases it and takes the other. The next batch is read through its own cursor (a DuckDB
    connection is not to be used by two threads at once), and only one is read ahead.
    """
    cursor = con.cursor()
    cursor.execute("set TimeZone = 'UTC'")  # a cursor is a new session: settings and variables

    def read(file_ids: list[int]):
        set_variables(cursor, batch_file_ids=file_ids)
        return query_frame(cursor, read_sql(sql_file))

    with cursor, ThreadPoolExecutor(1, "read-batch") as reader:
        ahead = None
        for label, file_ids in _batches_of_files(con, run_id, kind):
            frame = reader.submit(read, file_ids)
            if ahead is not None:
                yield ahead[0], ahead[1].result()
            ahead = (label, frame)
        if ahead is not None:
            yield ahead[0], ahead[1].result()


def _accepted_check(asset: dg.AssetsDefinition, kind: str) -> dg.AssetChecksDefinition:
    check_name = f"accepted_{kind}_valid"

    @dg.asset_check(
        asset=asset,
        name=check_name,
        blocking=True,
        description=(
            f"Great Expectations on the {kind} this run accepted, file by file: types, allowed "
            "values, ids present and unique, timestamps in order. Fails only on an ingestion bug."
        ),
    )
    def check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        run_id = context.run.run_id
        with warehouse.get_connection() as con:
            outcomes = validate_accepted(con, kind, run_id, run_started_at(context))
            record(con, run_id, kind, check_name, "ERROR", outcomes)
        return result_of(outcomes, dg.AssetCheckSeverity.ERROR)

    return check


def validate_accepted(
    con: duckdb.DuckDBPyConnection, kind: str, run_id: str | None, now: datetime
) -> list[Outcome]:
    """The accepted-inputs suite of `kind` on the files of run `run_id` (every file when None)."""
    build: Callable[[datetime], list] = getattr(suites, f"accepted_{kind}")
    outcomes = []
    for label, frame in _file_batches(con, run_id, kind, f"checks/accepted_{kind}.sql"):
        outcomes += validate(
            f"accepted_{kind}_valid", lambda: build(now), frame, label, ids=[ID_COLUMNS[kind]]
        )
    return outcomes


INPUT_CHECKS = [
    _accepted_check(decisions, "decisions"),
    _accepted_check(appeals, "appeals"),
    _accepted_check(audits, "audits"),
]
