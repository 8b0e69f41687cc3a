"""Great Expectations asset checks on the accepted inputs: on a profile of each file this run
ingested (sql/checks/*_file_profiles.sql: DuckDB counts the accepted rows that break a landing
rule), not on the rows themselves, which the landing rules have already judged. One batch per
kind and run, one row a file: its cost follows the number of files, not of rows.

Severity ERROR and blocking: a failure here means a bug in ingestion, and nothing downstream
(metrics, the published warehouse) is built from such data.
"""

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import dagster as dg
import duckdb

from assets.ingest import appeals, audits, decisions, run_started_at
from warehouse.resources import WarehouseResource
from warehouse.runner import read_sql, run_sql, set_variables
from warehouse.vocabulary import MARKETS

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


# The id that names an accepted row of each kind, in the examples a failed count comes with.
ID_COLUMNS = {"decisions": "decision_id", "appeals": "appeal_id", "audits": "audit_id"}

# One profile row per file the run ingested (sql/checks/): a few rows a run, whatever its size.
PROFILES = {
    "decisions": "checks/decision_file_profiles.sql",
    "appeals": "checks/appeal_file_profiles.sql",
    "audits": "checks/audit_file_profiles.sql",
}
# run before a kind's profile: the bounds that let it skip the stored rows it cannot need
BOUNDS = {"appeals": "checks/earliest_checked_appeal.sql"}


def _accepted_check(asset: dg.AssetsDefinition, kind: str) -> dg.AssetChecksDefinition:
    check_name = f"accepted_{kind}_valid"

    @dg.asset_check(
        asset=asset,
        name=check_name,
        blocking=True,
        description=(
            f"Great Expectations on a profile of each {kind} file this run ingested: no accepted "
            "row with a required value missing, a value not allowed, a repeated id or times out "
            "of order (the rows the landing rules reject). Fails only on an ingestion bug."
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


def _files_label(paths: list[str]) -> str:
    """The batch's name: the file's path, or the first path and how many other files."""
    return paths[0] + (f" and {len(paths) - 1} other files" if len(paths) > 1 else "")


def _column(expectation: str) -> str:
    """`expect_column_values_to_be_between(market_missing)` -> `market_missing`."""
    return expectation.partition("(")[2].rstrip(")")


def _with_examples(outcome: Outcome, profiles, id_column: str) -> Outcome:
    """The failed outcome with, on each file it samples, the ids of up to five rows behind its
    count (the profile's <count>_examples), under the rows' id column (e.g. decision_id)."""
    examples = f"{_column(outcome.expectation)}_examples"
    if examples not in profiles:
        return outcome
    by_path = dict(zip(profiles["path"], profiles[examples], strict=True))
    sample = [
        {**row, id_column: by_path[row["path"]]}
        if isinstance(row, dict) and isinstance(by_path.get(row.get("path")), str)
        else row
        for row in outcome.sample
    ]
    return replace(outcome, sample=sample)


def validate_accepted(
    con: duckdb.DuckDBPyConnection, kind: str, run_id: str | None, now: datetime
) -> list[Outcome]:
    """The accepted-inputs suite of `kind` on the profiles of the files run `run_id` ingested
    (every file when None): one batch, one row a file."""
    set_variables(
        con,
        run_id=run_id or "",
        every_day=run_id is None,
        run_started_at=now,
        markets=list(MARKETS),
    )
    if kind in BOUNDS:
        run_sql(con, BOUNDS[kind])
    profiles = query_frame(con, read_sql(PROFILES[kind]))
    if profiles.empty:
        return []
    build: Callable[[datetime], list] = getattr(suites, f"accepted_{kind}")
    outcomes = validate(
        f"accepted_{kind}_valid",
        lambda: build(now),
        profiles,
        _files_label(list(profiles["path"])),
        ids=["path"],
    )
    return [o if o.success else _with_examples(o, profiles, ID_COLUMNS[kind]) for o in outcomes]


INPUT_CHECKS = [
    _accepted_check(decisions, "decisions"),
    _accepted_check(appeals, "appeals"),
    _accepted_check(audits, "audits"),
]
