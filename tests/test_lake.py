"""The Parquet lake: `modmetrics export` and the `lake` asset write the warehouse's tables as
Hive-partitioned Parquet that reads back as exactly the warehouse's rows, and a re-export replaces
the days it covers and nothing else."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.lake import merge_ranges
from conftest import Landing, appeal, audit, cli, decision, query, rows, run, settings
from pipelines.jobs import ASSETS
from pipelines.resources import build_resources

pytestmark = pytest.mark.usefixtures("isolated_settings")

TZ = "America/Sao_Paulo"  # UTC-3: an orphan filed at 02:00Z belongs to the day before
TABLES = (
    "decisions",
    "appeals",
    "audits",
    "rejected_rows",
    "daily_metrics",
    "market_daily_metrics",
)


# --- fixtures -------------------------------------------------------------------------------------


def base_landing(landing: Landing) -> None:
    """Six decisions over 2026-10-01..03, appeals and audits with one orphan each, 3 rejects."""
    landing.csv(
        "decisions/d1.csv",
        [
            decision("d-1", "2026-10-01T10:00:00Z"),
            decision("d-2", "2026-10-01T11:00:00Z", action="no_action"),
            decision("d-3", "2026-10-01T12:00:00Z", market="LATAM"),
            decision("d-4", "2026-10-02T10:00:00Z"),
            decision("d-5", "2026-10-02T13:00:00Z", market="EMEA", action="no_action"),
            decision("bad-1", "2026-10-01T10:00:00Z", market="XX"),  # market not allowed
            decision("bad-2", "2026-10-01T10:00:00Z", market=" latam ", object_id=""),
        ],
    )
    landing.csv("decisions/d3.csv", [decision("d-6", "2026-10-03T09:00:00Z")])
    landing.csv(
        "appeals/a1.csv",
        [
            appeal("ap-1", "d-1", "overturned", "2026-10-02T10:00:00Z", "2026-10-03T10:00:00Z"),
            appeal("ap-2", "d-5", "upheld", "2026-10-03T10:00:00Z", "2026-10-04T10:00:00Z"),
            appeal("ap-9", "d-0", "pending", "2026-10-04T02:00:00Z"),  # orphan: 10-03 in TZ
            appeal("ap-bad", "d-2", "maybe", "2026-10-02T10:00:00Z"),  # status not allowed
        ],
    )
    landing.csv(
        "audits/q1.csv",
        [
            audit("au-1", "d-2", "violating", "2026-10-05T10:00:00Z", sample_weight="2"),
            audit("au-9", "d-0", "violating", "2026-10-05T01:00:00Z"),  # orphan: 10-04 in TZ
        ],
    )


@dataclass
class Exported:
    landing: Landing
    warehouse: Path
    lake: Path
    output: str  # what `modmetrics export` printed


def export_base(root: Path) -> Exported:
    """The base data run once, then `modmetrics export --out lake` (every day)."""
    landing = Landing(root / "landing")
    base_landing(landing)
    warehouse = root / "data" / "warehouse.duckdb"
    run(landing, warehouse, reporting_timezone=TZ)
    lake = root / "lake"
    code, out, err = cli("export", "--out", lake, "--warehouse", warehouse, cwd=root)
    assert (code, err) == (0, ""), err
    return Exported(landing, warehouse, lake, out)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """For the tests that only read the lake."""
    return export_base(tmp_path_factory.mktemp("base"))


@pytest.fixture
def fresh(tmp_path: Path) -> Exported:
    """For the tests that run again and export again."""
    return export_base(tmp_path / "fresh")


# --- helpers --------------------------------------------------------------------------------------


def lake_rows(lake: Path, table: str, order_by: str) -> list[dict]:
    """A lake table read back the way the README says, as dicts."""
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        relation = con.execute(
            f"select * from read_parquet(?, hive_partitioning = true) order by {order_by}",
            [f"{lake}/{table}/**/*.parquet"],
        )
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def without_partitions(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in ("metric_date", "market")} for r in records]


def placement(records: list[dict], key: str) -> dict[str, tuple[str, str]]:
    return {r[key]: (r["metric_date"].isoformat(), r["market"]) for r in records}


def day_folders(lake: Path, table: str) -> list[str]:
    return sorted(str(p.relative_to(lake / table)) for p in (lake / table).glob("*/*"))


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under `folder`: inode, modification time (ns) and content."""
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rejection_day(warehouse: Path) -> str:
    """The day, in the reporting zone, the rejected rows were rejected (by one run, here)."""
    (rejected_at,) = {r for (r,) in rows(warehouse, "select rejected_at from rejected_rows")}
    return rejected_at.astimezone(ZoneInfo(TZ)).date().isoformat()


# --- (1) round trip -------------------------------------------------------------------------------


def test_export_prints_what_it_wrote(base: Exported) -> None:
    lines = base.output.splitlines()
    assert lines[0].startswith(f"modmetrics export: every day to {base.lake} (")
    assert lines[1:] == [
        "  decisions                         6 rows",
        "  appeals                           3 rows",
        "  audits                            2 rows",
        "  rejected_rows                     3 rows",
        "  daily_metrics                     5 rows",
        "  market_daily_metrics              5 rows",
        # days: decisions 3, appeals 3 (one the orphan's), audits 2 (one the orphan's),
        # rejected_rows 1 (today), daily_metrics 3, market_daily_metrics 3
        "  day folders: 15 written, 0 removed",
    ]


def test_metric_tables_read_back_as_the_warehouse_rows(base: Exported) -> None:
    order = "metric_date, market"
    lake_market = lake_rows(base.lake, "market_daily_metrics", order)
    assert lake_market == query(
        base.warehouse, f"select * from market_daily_metrics order by {order}"
    )
    assert [
        (r["metric_date"].isoformat(), r["market"], r["decisions"], r["overturned_penalties"])
        for r in lake_market
    ] == [
        ("2026-10-01", "BR", 2, 1),
        ("2026-10-01", "LATAM", 1, 0),
        ("2026-10-02", "BR", 1, 0),
        ("2026-10-02", "EMEA", 1, 0),
        ("2026-10-03", "BR", 1, 0),
    ]
    br_first = lake_market[0]
    assert (br_first["overkill_rate"], br_first["audit_leakage_rate"]) == (1.0, 1.0)

    order = "metric_date, market, policy, source, object_type, queue"
    lake_daily = lake_rows(base.lake, "daily_metrics", order)
    assert len(lake_daily) == 5
    assert lake_daily == query(base.warehouse, f"select * from daily_metrics order by {order}")


def test_data_tables_read_back_with_every_column(base: Exported) -> None:
    lake_decisions = lake_rows(base.lake, "decisions", "decision_id")
    assert [r["decision_id"] for r in lake_decisions] == ["d-1", "d-2", "d-3", "d-4", "d-5", "d-6"]
    assert lake_decisions == query(base.warehouse, "select * from decisions order by decision_id")

    lake_appeals = lake_rows(base.lake, "appeals", "appeal_id")
    assert without_partitions(lake_appeals) == query(
        base.warehouse, "select * from appeals order by appeal_id"
    )
    # cohort by decision day; the orphan on its own day in the reporting zone, market unknown
    assert placement(lake_appeals, "appeal_id") == {
        "ap-1": ("2026-10-01", "BR"),
        "ap-2": ("2026-10-02", "EMEA"),
        "ap-9": ("2026-10-03", "unknown"),  # appealed 2026-10-04T02:00Z: 23:00 the day before
    }

    lake_audits = lake_rows(base.lake, "audits", "decision_id")
    assert without_partitions(lake_audits) == query(
        base.warehouse, "select * from audits order by decision_id"
    )
    assert placement(lake_audits, "audit_id") == {
        "au-1": ("2026-10-01", "BR"),
        "au-9": ("2026-10-04", "unknown"),
    }

    order = "source_table, file_id, line_number"
    lake_rejected = lake_rows(base.lake, "rejected_rows", order)
    assert without_partitions(lake_rejected) == query(
        base.warehouse, f"select * from rejected_rows order by {order}"
    )
    today = rejection_day(base.warehouse)
    assert [(r["reason"], r["metric_date"].isoformat(), r["market"]) for r in lake_rejected] == [
        ("status not allowed", today, "unknown"),  # an appeal has no market
        ("market not allowed", today, "unknown"),  # XX is not a market of ours
        ("object_id missing", today, "LATAM"),  # " latam ": its own market
    ]


# --- (2) layout and types -------------------------------------------------------------------------


def test_hive_layout(base: Exported) -> None:
    assert sorted(p.name for p in base.lake.iterdir()) == sorted(
        [*TABLES, ".modmetrics-lake.json", ".modmetrics-lake.lock"]
    )  # the staging folder is gone
    assert day_folders(base.lake, "decisions") == [
        "metric_date=2026-10-01/market=BR",
        "metric_date=2026-10-01/market=LATAM",
        "metric_date=2026-10-02/market=BR",
        "metric_date=2026-10-02/market=EMEA",
        "metric_date=2026-10-03/market=BR",
    ]
    assert day_folders(base.lake, "appeals") == [
        "metric_date=2026-10-01/market=BR",
        "metric_date=2026-10-02/market=EMEA",
        "metric_date=2026-10-03/market=unknown",
    ]
    today = rejection_day(base.warehouse)
    assert day_folders(base.lake, "rejected_rows") == [
        f"metric_date={today}/market=LATAM",
        f"metric_date={today}/market=unknown",
    ]


def test_partition_columns_come_back_typed_and_files_hold_plain_types(base: Exported) -> None:
    plain = {pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("us", tz="UTC")}
    con = duckdb.connect()
    try:
        for table in TABLES:
            types = dict(
                con.execute(
                    "select column_name, column_type from (describe select * from "
                    "read_parquet(?, hive_partitioning = true))",
                    [f"{base.lake}/{table}/**/*.parquet"],
                ).fetchall()
            )
            assert (types["metric_date"], types["market"]) == ("DATE", "VARCHAR"), table
            if table == "decisions":
                assert types["decided_at"] == "TIMESTAMP WITH TIME ZONE"
                assert types["file_id"] == "BIGINT"
            for file in (base.lake / table).rglob("*.parquet"):
                schema = pq.read_schema(file)
                # the partition columns live in the folder names only; the rest are plain types
                assert {"metric_date", "market"}.isdisjoint(schema.names), file
                assert {f.type for f in schema} <= plain, (file, schema)
    finally:
        con.close()


# --- (3) re-export --------------------------------------------------------------------------------


def test_reexport_of_a_restated_day_replaces_that_day_only(fresh: Exported) -> None:
    lake = fresh.lake
    before = {table: snapshot(lake / table) for table in TABLES}
    # a late appeal overturns d-4 (2026-10-02): the run restates 2026-10-02 and only it
    fresh.landing.csv(
        "appeals/a2.csv",
        [appeal("ap-3", "d-4", "overturned", "2026-10-05T10:00:00Z", "2026-10-06T10:00:00Z")],
    )
    run(fresh.landing, fresh.warehouse, reporting_timezone=TZ)
    code, out, err = cli(
        "export", "--out", lake, "--warehouse", fresh.warehouse,
        "--from", "2026-10-02", "--to", "2026-10-02", cwd=lake.parent,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    assert out.splitlines()[0].startswith(f"modmetrics export: 2026-10-02 to {lake} (")
    # decisions, appeals, daily_metrics and market_daily_metrics have rows on 2026-10-02
    assert out.splitlines()[-1] == "  day folders: 4 written, 0 removed"

    after = {table: snapshot(lake / table) for table in TABLES}
    for table in TABLES:
        assert {k: v for k, v in after[table].items() if "2026-10-02" not in k} == {
            k: v for k, v in before[table].items() if "2026-10-02" not in k
        }, table  # the other days: same inode, modification time and bytes
    replaced = "metric_date=2026-10-02/market=BR/data_0.parquet"
    assert after["decisions"][replaced][0] != before["decisions"][replaced][0]  # a new file
    (day,) = [
        r
        for r in lake_rows(lake, "market_daily_metrics", "metric_date, market")
        if r["metric_date"] == date(2026, 10, 2) and r["market"] == "BR"
    ]
    assert (day["overturned_penalties"], day["overkill_rate"]) == (1, 1.0)
    assert placement(lake_rows(lake, "appeals", "appeal_id"), "appeal_id")["ap-3"] == (
        "2026-10-02",
        "BR",
    )


def test_a_day_left_without_rows_disappears_from_the_lake(fresh: Exported) -> None:
    lake = fresh.lake
    first_day = snapshot(lake / "decisions" / "metric_date=2026-10-01")
    # d3.csv delivered again: d-6 moves from 2026-10-03 to 2026-10-04, 2026-10-03 has no decision
    fresh.landing.csv("decisions/d3.csv", [decision("d-6", "2026-10-04T09:00:00Z", queue="q")])
    run(fresh.landing, fresh.warehouse, reporting_timezone=TZ)
    code, out, err = cli(
        "export", "--out", lake, "--warehouse", fresh.warehouse,
        "--from", "2026-10-03", "--to", "2026-10-04", cwd=lake.parent,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    # written: 10-04 of decisions, daily_metrics, market_daily_metrics, and the two orphans' days;
    # removed: 10-03 of decisions, daily_metrics, market_daily_metrics
    assert out.splitlines()[-1] == "  day folders: 5 written, 3 removed"
    for table in ("decisions", "daily_metrics", "market_daily_metrics"):
        assert [f for f in day_folders(lake, table) if f >= "metric_date=2026-10-03"] == [
            "metric_date=2026-10-04/market=BR"
        ], table
    # the orphans of 2026-10-03 and 2026-10-04 stay on their days
    assert day_folders(lake, "appeals")[-1] == "metric_date=2026-10-03/market=unknown"
    assert day_folders(lake, "audits")[-1] == "metric_date=2026-10-04/market=unknown"
    assert snapshot(lake / "decisions" / "metric_date=2026-10-01") == first_day
    assert len(lake_rows(lake, "decisions", "decision_id")) == 6


def test_a_full_export_removes_the_days_the_warehouse_does_not_have(fresh: Exported) -> None:
    stray = fresh.lake / "decisions" / "metric_date=2026-09-01" / "market=BR"
    stray.mkdir(parents=True)
    shutil.copy(fresh.lake / "decisions/metric_date=2026-10-03/market=BR/data_0.parquet", stray)
    code, out, _ = cli(
        "export", "--out", fresh.lake, "--warehouse", fresh.warehouse, cwd=fresh.lake.parent
    )
    assert code == 0
    assert out.splitlines()[-1] == "  day folders: 15 written, 1 removed"
    assert not stray.parent.exists()
    assert len(lake_rows(fresh.lake, "decisions", "decision_id")) == 6


# --- (4) the Dagster asset ------------------------------------------------------------------------


def test_the_asset_exports_every_day_then_the_days_a_run_changes(
    landing: Landing, warehouse: Path, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    base_landing(landing)
    run(landing, warehouse, reporting_timezone=TZ, lake=lake)  # a new lake: every day
    assert len(lake_rows(lake, "decisions", "decision_id")) == 6
    assert len(lake_rows(lake, "market_daily_metrics", "metric_date, market")) == 5
    before = {table: snapshot(lake / table) for table in TABLES}

    # the orphans' decision d-0 arrives on 2026-10-02 (they move there), a late appeal restates
    # 2026-10-02, and one more row is rejected
    landing.csv("decisions/d0.csv", [decision("d-0", "2026-10-02T15:00:00Z")])
    landing.csv(
        "appeals/a2.csv",
        [
            appeal("ap-3", "d-4", "overturned", "2026-10-05T10:00:00Z", "2026-10-06T10:00:00Z"),
            appeal("", "d-4", "pending", "2026-10-05T10:00:00Z"),  # appeal_id missing
        ],
    )
    run_2 = run(landing, warehouse, reporting_timezone=TZ, lake=lake)
    assert rows(
        warehouse,
        "select first_day_recomputed::varchar, last_day_recomputed::varchar from pipeline_runs "
        "where run_id = ?",
        [run_2],
    ) == [("2026-10-02", "2026-10-02")]

    for table, order in [
        ("decisions", "decision_id"),
        ("market_daily_metrics", "metric_date, market"),
        ("daily_metrics", "metric_date, market"),
    ]:
        assert lake_rows(lake, table, order) == query(
            warehouse, f"select * from {table} order by {order}"
        )
    assert placement(lake_rows(lake, "appeals", "appeal_id"), "appeal_id") == {
        "ap-1": ("2026-10-01", "BR"),
        "ap-2": ("2026-10-02", "EMEA"),
        "ap-3": ("2026-10-02", "BR"),
        "ap-9": ("2026-10-02", "BR"),  # adopted: it was on 2026-10-03, unknown
    }
    assert placement(lake_rows(lake, "audits", "audit_id"), "audit_id") == {
        "au-1": ("2026-10-01", "BR"),
        "au-9": ("2026-10-02", "BR"),  # adopted: it was on 2026-10-04, unknown
    }
    assert not (lake / "appeals" / "metric_date=2026-10-03").exists()
    assert not (lake / "audits" / "metric_date=2026-10-04").exists()
    assert [r["reason"] for r in lake_rows(lake, "rejected_rows", "reason")] == [
        "appeal_id missing",
        "market not allowed",
        "object_id missing",
        "status not allowed",
    ]

    after = {table: snapshot(lake / table) for table in TABLES}
    for table in ("decisions", "daily_metrics", "market_daily_metrics"):
        for day in ("2026-10-01", "2026-10-03"):
            assert {k: v for k, v in after[table].items() if day in k} == {
                k: v for k, v in before[table].items() if day in k
            }, (table, day)  # untouched: not recomputed, nothing in them changed

    # a run that brings nothing new rewrites nothing
    run(landing, warehouse, reporting_timezone=TZ, lake=lake)
    assert {table: snapshot(lake / table) for table in TABLES} == after


def test_without_a_lake_the_asset_writes_nothing_and_says_so(
    landing: Landing, warehouse: Path, tmp_path: Path
) -> None:
    base_landing(landing)
    result = dg.materialize(ASSETS, resources=build_resources(settings(landing, warehouse)))
    assert result.success
    (materialization,) = result.asset_materializations_for_node("lake")
    assert materialization.metadata["status"].value == "no lake configured"
    assert not list(tmp_path.rglob("*.parquet"))
    assert not list(tmp_path.rglob(".modmetrics-lake.*"))


def test_a_run_with_lake_out_in_the_settings_file_writes_the_lake(
    landing: Landing, tmp_path: Path
) -> None:
    base_landing(landing)
    (tmp_path / "modmetrics.toml").write_text(
        '[lake]\nout = "exports/lake"\n\n[validation]\nexpected_markets = []\n'
    )
    code, out, err = cli(
        "run", "--landing", landing.root, "--warehouse", tmp_path / "w.duckdb",
        "--as-of", "2026-10-31", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    lake = tmp_path / "exports" / "lake"
    assert "  lake: exports/lake" in out.splitlines()  # relative to modmetrics.toml's folder
    assert len(lake_rows(lake, "decisions", "decision_id")) == 6
    assert (lake / ".modmetrics-lake.json").is_file()


# --- (5) one-line errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/lake", "--from", "2026-13-01"],
         "--from must be a date like 2026-10-31, got '2026-13-01'"),
        (["--out", "{tmp}/lake", "--to", "yesterday"],
         "--to must be a date like 2026-10-31, got 'yesterday'"),
        (["--out", "{tmp}/lake", "--from", "2026-10-05", "--to", "2026-10-01"],
         "--from 2026-10-05 is after --to 2026-10-01"),
        (["--out", "{tmp}/lake", "--warehouse", "{tmp}/none.duckdb"],
         "{tmp}/none.duckdb: no warehouse there yet (run `modmetrics run`)"),
        (["--out", "{tmp}/a_file/lake"],
         "{tmp}/a_file/lake: cannot create the lake folder: Not a directory"),
        (["--out", "{tmp}/a_file"], "{tmp}/a_file: not a folder"),
        (["--out", "{tmp}/lake*"],
         "{tmp}/lake*: the lake folder's path may not contain any of * ? [ ] {{ }}"),
        ([], "no lake folder: give --out DIR, or set [lake] out in modmetrics.toml"),
    ],
    ids=["bad-from", "bad-to", "from-after-to", "no-warehouse", "unwritable", "a-file", "glob",
         "no-out"],
)  # fmt: skip
def test_export_errors_are_one_line(
    base: Exported, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    args = [a.format(tmp=tmp_path) for a in args]
    if "--warehouse" not in args:
        args += ["--warehouse", str(base.warehouse)]
    code, out, err = cli("export", *args, cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == f"modmetrics: error: {message.format(tmp=tmp_path)}\n"
    assert not (tmp_path / "lake").exists()


def test_lake_settings_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "modmetrics.toml").write_text('[lake]\nfolder = "x"\n')
    code, out, err = cli("export", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == "modmetrics: error: modmetrics.toml: unknown lake setting(s): folder\n"


def test_merge_ranges() -> None:
    d = date.fromisoformat
    assert merge_ranges(
        [
            (d("2026-10-05"), d("2026-10-05")),
            (d("2026-10-01"), d("2026-10-03")),
            (d("2026-10-04"), d("2026-10-04")),  # adjacent: one range
            (d("2026-10-08"), d("2026-10-09")),
            (d("2026-10-09"), d("2026-10-09")),
        ]
    ) == [(d("2026-10-01"), d("2026-10-05")), (d("2026-10-08"), d("2026-10-09"))]


# --- Spark reads it too ---------------------------------------------------------------------------


@pytest.mark.xdist_group("spark")  # with tests/test_spark.py: one JVM
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_reads_the_lake(base: Exported) -> None:
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="the spark extra is not installed")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    spark = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        market = spark.read.parquet(str(base.lake / "market_daily_metrics"))
        types = dict(market.dtypes)
        assert (types["metric_date"], types["market"], types["decisions"]) == (
            "date",
            "string",
            "bigint",
        )
        assert sorted(
            (r["metric_date"], r["market"], r["decisions"], r["overkill_rate"])
            for r in market.collect()
        ) == [
            (r["metric_date"], r["market"], r["decisions"], r["overkill_rate"])
            for r in query(
                base.warehouse, "select * from market_daily_metrics order by metric_date, market"
            )
        ]
        decisions = spark.read.parquet(str(base.lake / "decisions"))
        assert dict(decisions.dtypes)["decided_at"] == "timestamp"
        assert decisions.count() == 6
        assert spark.read.parquet(str(base.lake / "rejected_rows")).count() == 3
    finally:
        spark.stop()
