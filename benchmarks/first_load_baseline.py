"""The plain DuckDB baseline of the first load (docs/benchmarks.md, "First load against a plain
DuckDB script").

    uv run python benchmarks/first_load_baseline.py --landing L --out baseline.duckdb
        [--as-of 2026-10-01]

What a data engineer would write by hand to answer the same question from a Parquet landing
folder: one DuckDB process, no Dagster, no Great Expectations, no manifest, no incremental
bookkeeping, no published copy, no dashboards. It applies the same landing rules (the staging
SQL of sql/staging/ and the whole-history rules of sql/batch/, which the Spark engine runs too),
reads each kind's files in one scan (`read_parquet([...], union_by_name = true)`), and writes the
same `market_daily_metrics` (sql/views/market_daily_metrics.sql over sql/metrics/daily_counts.sql)
into `--out` as a table, beside decision_rows, appeals and audits. A file whose content another
file already carries is read once, and a file lacking a required column is left out, as the
pipeline does. Parquet only (the benchmark's data).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warehouse.vocabulary import CONTRACTS, MARKETS  # noqa: E402  (the landing contracts)

SQL = ROOT / "sql"
KINDS = ("decisions", "appeals", "audits")


def sql(name: str) -> str:
    return (SQL / name).read_text(encoding="utf-8")


def landing_files(landing: Path) -> dict[str, list[tuple[int, str]]]:
    """(file_id, path) of each kind's usable files, numbered as the pipeline numbers them: kind
    by kind, in path order; a content seen before is skipped."""
    files: dict[str, list[tuple[int, str]]] = {}
    next_id, seen = 1, set()
    for kind in KINDS:
        files[kind] = []
        for path in sorted((landing / kind).rglob("*.parquet"), key=lambda p: p.as_posix()):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            file_id, next_id = next_id, next_id + 1
            if (kind, digest) not in seen:
                seen.add((kind, digest))
                files[kind].append((file_id, str(path.resolve())))
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    args.out.unlink(missing_ok=True)
    con = duckdb.connect(str(args.out))
    con.execute("set TimeZone = 'UTC'")
    con.execute(sql("macros.sql"))
    now = datetime.now(UTC)
    as_of = args.as_of or now.date()
    con.execute("set variable run_id = 'baseline'")
    con.execute("set variable run_started_at = ?::timestamptz", [now])
    con.execute("set variable markets = ?::varchar[]", [list(MARKETS)])
    con.execute(
        "set variable market_timezones = map(?::varchar[], ?::varchar[])",
        [list(MARKETS), ["UTC"] * len(MARKETS)],
    )

    for kind, files in landing_files(args.landing).items():
        paths = [path for _, path in files]
        con.execute(f"create temp table files_{kind} (file_id bigint, filename varchar)")
        con.executemany(f"insert into files_{kind} values (?, ?)", files)
        present = {
            row[0].lower()
            for row in con.execute(
                "select distinct name from parquet_schema(?) where num_children is null",
                [paths],
            ).fetchall()
        }
        # files without a required column: the pipeline fails them alone
        for column in CONTRACTS[kind].required:
            con.execute(
                f"delete from files_{kind} where filename not in ("
                "select file_name from parquet_schema(?) where lower(name) = ?)",
                [paths, column],
            )
        usable = [r[0] for r in con.execute(f"select filename from files_{kind}").fetchall()]
        con.execute("set variable landing_files = ?::varchar[]", [usable])
        columns = ", ".join(
            f'"{c}"::varchar as {c}' if c in present else f"null::varchar as {c}"
            for c in CONTRACTS[kind].columns
        )
        con.execute(
            f"create temp view load_{kind} as "
            f"select f.file_id, file_row_number + 1 as line_number, {columns} "
            "from read_parquet(getvariable('landing_files'), filename = true, "
            "file_row_number = true, union_by_name = true) as r "
            f"join files_{kind} as f using (filename)"
        )
        con.execute(f"create temp table staged_{kind} as {sql(f'staging/stg_{kind}.sql')}")

    con.execute(f"create table decision_rows as {sql('batch/decision_rows.sql')}")
    con.execute(f"create table conflicting_decisions as {sql('batch/conflicting_decisions.sql')}")
    con.execute(sql("views/decisions.sql"))
    con.execute(f"create temp table appeal_versions as {sql('batch/appeal_versions.sql')}")
    con.execute(f"create temp table appealed_too_early as {sql('batch/appealed_too_early.sql')}")
    con.execute(
        "create table appeal_rows as select * from appeal_versions "
        "anti join appealed_too_early using (file_id, line_number)"
    )
    con.execute(f"create table appeals as {sql('batch/appeals.sql')}")
    con.execute(f"create table audit_rows as {sql('batch/audit_rows.sql')}")
    con.execute(f"create table audits as {sql('batch/audits.sql')}")
    con.execute("create temp table stale_metric_days as select distinct metric_date from decisions")
    con.execute(f"create temp table day_decisions as {sql('metrics/day_decisions.sql')}")
    for table, name in [
        ("daily_metrics", "metrics/daily_counts.sql"),
        ("overturn_development", "metrics/overturn_development.sql"),
        ("audit_development", "metrics/audit_development.sql"),
    ]:
        con.execute(f"create table {table} as select *, 'baseline' as run_id from ({sql(name)})")
    con.execute(
        "create table warehouse_info as select ?::date as as_of_date, 30 as appeal_window_days, "
        "7 as audit_window_days",
        [as_of],
    )
    for view in [
        "kpi_periods",
        "audit_completeness",
        "known_daily_metrics",
        "metric_breakdowns",
        "overturn_nowcast",
        "market_daily_metrics",
    ]:
        con.execute(sql(f"views/{view}.sql"))
    con.execute("create table market_daily_metrics_table as from market_daily_metrics")
    con.execute("drop view market_daily_metrics")
    con.execute("alter table market_daily_metrics_table rename to market_daily_metrics")
    rows = con.execute("select count(*) from market_daily_metrics").fetchone()[0]
    con.close()
    print(f"baseline: {rows} market-days in {args.out}")


if __name__ == "__main__":
    main()
