"""The Spark engine gives the DuckDB engine's numbers: same fixtures, same tables.

One landing folder holds the hand-checked fixtures of the other test modules (the metric
fixture, one file per rejection rule, malformed CSV lines, duplicates and conflicts, an appeal
filed before its decision, Parquet files); it is run once with engine = "duckdb" and once with
engine = "spark" (local[*]), into two warehouses.
"""

import gzip
import json
import math
import re
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp
from test_metrics import (
    BR_APPEALS,
    BR_AUDITS,
    BR_DECISIONS,
    EMEA_DECISIONS,
    LATAM_APPEALS,
    LATAM_DECISIONS,
    MARKET_ZONE_DECISIONS,
    SAO_PAULO,
)
from test_rejections import BASE, CASES, COLUMNS, _case_file, _good
from test_runs import MESSY_CSV

from assets.landing import sha256_of
from assets.spark.engine import _jvm_output_to, plan_files
from assets.spark.translate import (
    UNTRANSLATABLE,
    UntranslatableSQL,
    macros,
    translate,
    translate_file,
)
from conftest import (
    DECISION_COLUMNS,
    NOWCAST_AS_OF,
    Landing,
    appeal,
    audit,
    decision,
    nowcast_history,
    query,
    run,
    scalar,
)
from pipelines.settings import SparkSettings

# The tests that start Spark are one xdist group: one worker starts one JVM and keeps it for all
# of them, tests/test_lake.py's Spark reader included (see conftest.py); the other workers take the
# rest of the suite meanwhile. The tests that translate SQL start no JVM: any worker.
SPARK = pytest.mark.xdist_group("spark")

AS_OF = date(2026, 10, 31)


def _fixtures(landing: Landing) -> None:
    landing.csv("decisions/metrics.csv", BR_DECISIONS + LATAM_DECISIONS + EMEA_DECISIONS)
    landing.csv("appeals/metrics.csv", BR_APPEALS + LATAM_APPEALS)
    landing.csv("audits/metrics.csv", BR_AUDITS)
    landing.csv("decisions/base.csv", [BASE])
    for kind, cases in CASES.items():
        for case in cases:
            _reason, bad = case.values
            landing.csv(_case_file(kind, case.id), [_good(kind, case.id), bad], COLUMNS[kind])
    landing.text("decisions/messy.csv", MESSY_CSV)
    # an identical re-delivery in another file, and a conflicting one
    landing.csv("decisions/x-redelivered.csv", [BR_DECISIONS[0], decision("d-conflict")])
    landing.csv("decisions/y-changed.csv", [decision("d-conflict", policy="hate")])
    # an appeal filed before its decision was taken
    landing.csv("decisions/z-late.csv", [decision("d-late", "2026-10-03T10:00:00Z", market="EMEA")])
    landing.csv(
        "appeals/early.csv", [appeal("ap-early", "d-late", appealed_at="2026-10-02T09:00:00Z")]
    )
    # Parquet, with real timestamps and a double: a rejected row shows them as text
    landing.parquet(
        "audits/typed.parquet",
        {
            "audit_id": ["au-p1", "au-p2"],
            "decision_id": ["d-E1", "d-E2"],
            "audited_at": [datetime(2026, 10, 5, 10, tzinfo=UTC)] * 2,
            "verdict": ["violating", "violating"],
            "sample_weight": [2.0, -1.0],
        },
    )
    landing.csv("audits/more.csv", [audit("au-x", "d-E3", sample_weight="0.5")])
    # what a CSV reader can get wrong: a byte-order mark and Windows line ends, gzip, a quoted
    # line break, quoted and unquoted empty fields (NULL on both), a rejected row holding them
    header = ",".join(DECISION_COLUMNS)
    landing.bytes(
        "decisions/bom_crlf.csv",
        b"\xef\xbb\xbf" + header.encode() + b"\r\n"
        b"d-bom,o-bom,video,c-1,BR,spam,penalize,warning,human,,,2026-10-01T10:00:00Z\r\n",
    )
    landing.csv("decisions/zipped.csv.gz", [decision("d-gz1"), decision("d-gz2", market="EMEA")])
    landing.text(
        "decisions/quoted.csv",
        header + "\n"
        'd-q1,o-q1,live,c-1,BR,"spam\nand scams",penalize,"",machine,,   ,2026-10-01T10:00:00Z\n'
        'd-q2,"",live,c-1,BR,spam,penalize,warning,machine,,,2026-10-01T10:00:00Z\n'
        "d-q3,o-q3,live,c-1,BR,spam,penalize,warning,machine,,,2026-10-01t10:00:00z\n",
    )
    # timestamps in every form the landing contract allows, and some it does not
    stamps = [
        "2026-10-01",
        "2026-10-01T10:00",
        "2026-10-01T10:00Z",
        "2026-10-01 10:00:00+02:00",
        "2026-10-01T10:00:00+0200",
        "2026-10-01T10:00:00-03",
        "2026-10-01T10:00:00.123456Z",
        "2026-10-01 10:00:00 +01:00",
        "2026-10-01T25:00:00Z",
        "2026-13-01",
        "yesterday",
        "2026-10-01T10:00:00Z extra",
    ]
    landing.csv(
        "decisions/stamps.csv",
        [decision(f"d-ts{i}", stamp, market="BR") for i, stamp in enumerate(stamps)],
    )
    weights = ["2", "0.25", "1e1", "nan", "inf", "-1", "0", "two", "2d", "0x10"]
    landing.csv(
        "audits/weights.csv",
        [audit(f"au-w{i}", "d-L1", sample_weight=w) for i, w in enumerate(weights)],
    )


def _both_engines(root: Path, fill, as_of: date, **values) -> dict[str, Path]:
    """The landing folder that `fill` writes, run on each engine into a warehouse of its own."""
    landing = Landing(root / "landing")
    fill(landing)
    warehouses = {}
    for engine in ("duckdb", "spark"):
        warehouses[engine] = root / engine / "warehouse.duckdb"
        run(landing, warehouses[engine], as_of=as_of, engine=engine, **values)
    warehouses["landing"] = landing.root
    return warehouses


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # Spark as a deployment runs it (several shuffle partitions, compiled stages), not with the
    # tests' SPARK_TEST_CONF: the run that checks every rule checks them on that configuration
    # (named: a session an earlier test started keeps the settings this run does not give)
    own = SparkSettings(conf={"spark.sql.codegen.wholeStage": "true"})
    return _both_engines(tmp_path_factory.mktemp("engines"), _fixtures, AS_OF, spark=own)


def _close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def _assert_same_rows(left: list[dict], right: list[dict]) -> None:
    assert left, "no rows to compare"  # two empty results are no evidence of equal engines
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert a.keys() == b.keys()
        different = {k: (a[k], b[k]) for k in a if not _close(a[k], b[k])}
        assert different == {}, (a, different)


MARKET_DAYS = "select * from market_daily_metrics order by metric_date, market"


@SPARK
def test_market_daily_metrics_are_identical_on_both_engines(engines) -> None:
    duck = query(engines["duckdb"], MARKET_DAYS)
    assert len(duck) == 4  # BR, LATAM, EMEA on 2026-10-01, EMEA on 2026-10-03
    _assert_same_rows(duck, query(engines["spark"], MARKET_DAYS))


@SPARK
def test_spark_computes_market_daily_metrics_itself(engines) -> None:
    """The table Spark wrote (translated views/market_daily_metrics.sql), not DuckDB's view."""
    out = engines["spark"].parent / ".modmetrics-work" / "spark-output" / "market_daily_metrics"
    con = duckdb.connect()
    spark_rows = con.execute(
        f"select * from read_parquet('{out}/*.parquet') order by metric_date, market"
    ).fetchall()
    names = [d[0] for d in con.description]
    _assert_same_rows(
        query(engines["duckdb"], MARKET_DAYS),
        [dict(zip(names, r, strict=True)) for r in spark_rows],
    )


@pytest.fixture(scope="module")
def nowcast_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """conftest.nowcast_history on both engines: enough settled days for projections."""
    return _both_engines(tmp_path_factory.mktemp("nowcast"), nowcast_history, NOWCAST_AS_OF)


PROJECTED = (
    "overkill_rate_projected, overkill_rate_projected_low, overkill_rate_projected_high, "
    "overkill_completeness, leakage_rate_projected, leakage_rate_projected_low, "
    "leakage_rate_projected_high, leakage_completeness"
)


@SPARK
def test_the_projections_are_identical_on_both_engines(nowcast_engines) -> None:
    """Every column of market_daily_metrics, the projected ones included, and the lag data."""
    duck = query(nowcast_engines["duckdb"], MARKET_DAYS)
    young = [r for r in duck if r["provisional"]]
    assert len(young) == 30 and all(r["overkill_rate_projected"] is not None for r in young)
    # c(a) of conftest.nowcast_history: 0 at age 0, then 1/4, 2/4, 3/4, and 1 from age 15
    assert {r["overkill_completeness"] for r in young} == {0.0, 0.25, 0.5, 0.75, 1.0}
    # the audit completeness of conftest.nowcast_history: (a + 1) / 4 up to age 2, then 1
    audit_young = [r for r in duck if r["audit_provisional"]]
    assert len(audit_young) == 7
    assert [r["audit_completeness"] for r in audit_young] == [1.0] * 4 + [0.75, 0.5, 0.25]
    _assert_same_rows(duck, query(nowcast_engines["spark"], MARKET_DAYS))
    for table in ("overturn_development", "audit_development"):
        development = f"select * exclude (run_id) from {table} order by all"
        lags = query(nowcast_engines["duckdb"], development)
        assert lags
        _assert_same_rows(lags, query(nowcast_engines["spark"], development))


@SPARK
def test_spark_computes_the_projections_itself(nowcast_engines) -> None:
    """The translated views/overturn_nowcast.sql, as Spark wrote market_daily_metrics."""
    out = nowcast_engines["spark"].parent / ".modmetrics-work" / "spark-output"
    con = duckdb.connect()
    spark_rows = con.execute(
        f"select metric_date, {PROJECTED} "
        f"from read_parquet('{out}/market_daily_metrics/*.parquet') order by metric_date"
    ).fetchall()
    names = [d[0] for d in con.description]
    _assert_same_rows(
        query(
            nowcast_engines["duckdb"],
            f"select metric_date, {PROJECTED} from market_daily_metrics order by metric_date",
        ),
        [dict(zip(names, r, strict=True)) for r in spark_rows],
    )


@SPARK
def test_hand_checked_market_day_on_spark(engines) -> None:
    """The numbers test_metrics.py checks by hand, from the Spark warehouse."""
    row = query(
        engines["spark"],
        "select decisions, penalties, overturned_penalties, overkill_rate, overkill_rate_high "
        "from market_daily_metrics where market = 'LATAM'",
    )
    # three penalties, all overturned: x = n, the interval's top is exactly 1
    assert row == [
        {
            "decisions": 3,
            "penalties": 3,
            "overturned_penalties": 3,
            "overkill_rate": 1.0,
            "overkill_rate_high": 1.0,
        }
    ]


@SPARK
def test_daily_metrics_are_identical_on_both_engines(engines) -> None:
    sql = "select * exclude (run_id) from daily_metrics order by all"
    duck = query(engines["duckdb"], sql)
    # what is compared: every accepted decision, on the fixtures' four market-days
    assert {(r["metric_date"], r["market"]) for r in duck} == {
        (date(2026, 10, 1), "BR"),
        (date(2026, 10, 1), "LATAM"),
        (date(2026, 10, 1), "EMEA"),
        (date(2026, 10, 3), "EMEA"),
    }
    decisions = scalar(engines["duckdb"], "select count(*) from decisions")
    assert sum(r["decisions"] for r in duck) == decisions > 0
    _assert_same_rows(duck, query(engines["spark"], sql))


REJECTED = (
    "select source_table, parse_filename(source_file) as file, line_number, reason, record "
    "from rejected_rows order by all"
)


@SPARK
def test_rejected_rows_are_identical_on_both_engines(engines) -> None:
    duck, spark = query(engines["duckdb"], REJECTED), query(engines["spark"], REJECTED)
    reasons = {r["reason"] for r in duck}
    assert {
        "malformed CSV line",
        "conflicting duplicate",
        "appealed_at before decided_at",
    } <= reasons
    assert len(duck) == len(spark) > 40

    def comparable(row: dict) -> dict:
        record = json.loads(row["record"])
        if row["reason"] == "malformed CSV line":
            record = record["line"]  # the reader's own message differs; the line does not
        return {**row, "record": record}

    assert [comparable(r) for r in duck] == [comparable(r) for r in spark]


@SPARK
def test_rejected_records_are_byte_identical(engines) -> None:
    """Every rejected row's record is the same text on both engines, but a malformed line's
    problem: DuckDB's reader says which columns it expected, Spark's only that it is malformed."""
    sql = REJECTED.replace("order by all", "") + (
        "where reason <> 'malformed CSV line' order by all"
    )
    assert query(engines["duckdb"], sql) == query(engines["spark"], sql)


@SPARK
def test_the_conflict_flags_are_identical_on_both_engines(engines) -> None:
    """decision_rows.is_conflicting: Spark's batch flags the same rows the merge does, and
    they are the rows of conflicting_decisions' ids on both."""
    sql = (
        "select parse_filename(path) as file, line_number, decision_id, is_duplicate, "
        "is_conflicting, decision_id in (select decision_id from conflicting_decisions) "
        "as listed from decision_rows join file_manifest using (file_id) order by all"
    )
    duck = query(engines["duckdb"], sql)
    assert duck == query(engines["spark"], sql)
    assert any(r["is_conflicting"] for r in duck)
    assert all(r["is_conflicting"] == r["listed"] for r in duck)


@SPARK
def test_files_account_for_every_row_on_both_engines(engines) -> None:
    sql = (
        "select parse_filename(path) as file, status, rows, accepted, rejected, "
        "identical_duplicates from ingested_files order by file"
    )
    duck = query(engines["duckdb"], sql)
    assert duck == query(engines["spark"], sql)
    messy = next(r for r in duck if r["file"] == "messy.csv")
    assert (messy["rows"], messy["accepted"], messy["rejected"], messy["identical_duplicates"]) == (
        7,
        2,
        4,
        1,
    )


@SPARK
def test_both_engines_date_each_market_in_its_own_zone(tmp_path) -> None:
    """[markets.BR] timezone = America/Sao_Paulo, EMEA without one (reporting_timezone UTC): the
    same days, metrics, development ages and recorded zones on both engines. b-1 and e-1, both
    decided at 2026-10-01 01:30 UTC, are on 09-30 (BR) and 10-01 (EMEA); both are overturned at
    2026-10-03 01:00 UTC, 10-02 in São Paulo (BR: age 2) and 10-03 in UTC (EMEA: age 2)."""
    landing = Landing(tmp_path / "landing")
    landing.csv("decisions/d.csv", MARKET_ZONE_DECISIONS)
    known = "2026-10-03T01:00:00Z"
    landing.csv(
        "appeals/a.csv",
        [
            appeal("a-b1", "b-1", "overturned", "2026-10-02T10:00:00Z", known),
            appeal("a-e1", "e-1", "overturned", "2026-10-02T10:00:00Z", known),
        ],
    )
    tables = {
        "decisions": "select decision_id, market, metric_date from decisions order by 1",
        "days": MARKET_DAYS,
        "ages": "select metric_date, market, development_age, overturns from overturn_development "
        "order by all",
        "zones": "select * from market_timezones order by market",
    }
    found = {}
    for engine in ("duckdb", "spark"):
        warehouse = tmp_path / engine / "warehouse.duckdb"
        run(landing, warehouse, as_of=AS_OF, engine=engine, markets=SAO_PAULO)
        found[engine] = {name: query(warehouse, sql) for name, sql in tables.items()}
    for name in tables:
        _assert_same_rows(found["spark"][name], found["duckdb"][name])
    assert found["spark"]["decisions"] == [
        {"decision_id": "b-1", "market": "BR", "metric_date": date(2026, 9, 30)},
        {"decision_id": "e-1", "market": "EMEA", "metric_date": date(2026, 10, 1)},
        {"decision_id": "e-2", "market": "EMEA", "metric_date": date(2026, 10, 5)},
    ]
    assert [
        (d["metric_date"], d["market"], d["penalties"], d["overkill_rate"])
        for d in found["spark"]["days"]
    ] == [
        (date(2026, 9, 30), "BR", 1, 1.0),
        (date(2026, 10, 1), "EMEA", 1, 1.0),
        (date(2026, 10, 5), "EMEA", 1, 0.0),
    ]
    assert found["spark"]["ages"] == [
        {"metric_date": date(2026, 9, 30), "market": "BR", "development_age": 2, "overturns": 1},
        {"metric_date": date(2026, 10, 1), "market": "EMEA", "development_age": 2, "overturns": 1},
    ]
    assert found["spark"]["zones"] == [
        {"market": "BR", "timezone": "America/Sao_Paulo"},
        {"market": "EMEA", "timezone": "UTC"},
        {"market": "LATAM", "timezone": "UTC"},
    ]


@pytest.fixture(scope="module")
def cli_spark_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One `modmetrics run --engine spark` typed as a user types it (paths relative to the
    current folder, the folder's name holding a space and an accent), on two good decisions
    and four files Spark cannot read."""
    from conftest import br_only_deployment, cli

    folder = tmp_path_factory.mktemp("cli spark é")
    landing = Landing(folder / "landing")
    landing.csv("decisions/good.csv", [decision("d-1"), decision("d-2", action="no_action")])
    unreadable = [
        landing.csv("decisions/_underscore.csv", [decision("d-u")]),
        landing.csv("decisions/at:10.csv", [decision("d-c")]),
        landing.bytes("decisions/shout.CSV.GZ", gzip.compress(b"decision_id\n")),
        landing.parquet(
            "decisions/nanos.parquet",
            {
                **{c: ["x"] for c in DECISION_COLUMNS if c != "decided_at"},
                "decided_at": pa.array([0], type=pa.timestamp("ns", tz="UTC")),
            },
        ),
    ]
    br_only_deployment(folder)
    code, out, err = cli(
        "run", "--engine", "spark", "--landing", "landing", "--warehouse", "w.duckdb",
        "--as-of", "2026-10-31", cwd=folder,
    )  # fmt: skip
    return {
        "folder": folder,
        "landing": landing,
        "unreadable": unreadable,
        "warehouse": folder / "w.duckdb",
        "code": code,
        "out": out,
        "err": err,
    }


@SPARK
def test_the_cli_runs_the_spark_engine(cli_spark_run) -> None:
    """As a user types it: paths relative to the current folder. The good file's two rows are
    read; each file Spark cannot read is one line naming it (what each says: the next test)."""
    decisions = (cli_spark_run["landing"].root / "decisions").resolve()
    assert cli_spark_run["code"] == 0
    assert [line.split(": ")[:3] for line in cli_spark_run["err"].splitlines()] == [
        ["modmetrics", "error", str(decisions / name)]
        for name in ("_underscore.csv", "at:10.csv", "nanos.parquet", "shout.CSV.GZ")
    ]
    assert "rows read 2: accepted 2" in cli_spark_run["out"]
    ratio = scalar(cli_spark_run["warehouse"], "select penalty_ratio from market_daily_metrics")
    assert ratio == 0.5


@SPARK
def test_files_spark_cannot_read_fail_alone(cli_spark_run) -> None:
    assert query(
        cli_spark_run["warehouse"],
        "select parse_filename(path) as file, status, error from file_manifest order by file_id",
    ) == [
        {
            "file": "_underscore.csv",
            "status": "failed",
            "error": "the Spark engine skips a file whose name starts with _ (rename it)",
        },
        {
            "file": "at:10.csv",
            "status": "failed",
            "error": "the Spark engine cannot read a file whose name contains : (rename it)",
        },
        {"file": "good.csv", "status": "ingested", "error": None},
        {
            "file": "nanos.parquet",
            "status": "failed",
            "error": "Spark cannot read nanosecond timestamps (column decided_at)",
        },
        {
            "file": "shout.CSV.GZ",
            "status": "failed",
            "error": "the Spark engine reads gzip only from a name ending in lowercase .gz "
            "(rename it)",
        },
    ]


@SPARK
def test_a_duckdb_run_after_a_spark_restatement_knows_the_stored_versions(
    cli_spark_run, tmp_path
) -> None:
    """Spark's row hashes are replaced by DuckDB's on load: an identical re-delivery in a later
    DuckDB run is a duplicate, not a conflict. (On a copy of the Spark run's warehouse and
    landing folder, without the files Spark could not read.)"""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(cli_spark_run["warehouse"], warehouse)
    shutil.copytree(cli_spark_run["landing"].root, tmp_path / "landing")
    landing = Landing(tmp_path / "landing")
    for path in cli_spark_run["unreadable"]:
        (landing.root / path.relative_to(cli_spark_run["landing"].root)).unlink()
    landing.csv("decisions/again.csv", [decision("d-1"), decision("d-3")])
    run(landing, warehouse, as_of=AS_OF, engine="duckdb")
    assert scalar(warehouse, "select count(*) from conflicting_decisions") == 0
    assert query(
        warehouse,
        "select accepted, identical_duplicates from ingested_files where path like '%again.csv'",
    ) == [{"accepted": 1, "identical_duplicates": 1}]
    assert scalar(warehouse, "select sum(decisions) from daily_metrics") == 3


# --- what the JVM prints -----------------------------------------------------------------------

# What a JVM started by Spark prints at start, for a child process to print instead of it.
JVM_START = (
    "NOTE: Picked up JDK_JAVA_OPTIONS: -XX:+UseSerialGC\n"
    "WARNING: Using incubator modules: jdk.incubator.vector\n"
)


def _child_prints_jvm_start() -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", f"import sys; sys.stderr.write({JVM_START!r})"])


def test_what_the_jvm_prints_at_start_goes_to_its_log(tmp_path, capfd) -> None:
    """The JVM inherits the process's stderr: while Spark starts, that is the log file."""
    log = tmp_path / "work" / "spark-jvm.log"
    with _jvm_output_to(log):
        _child_prints_jvm_start()
    print("after", file=sys.stderr)
    assert capfd.readouterr().err == "after\n"
    assert log.read_text() == JVM_START


def test_what_the_jvm_printed_is_shown_when_spark_cannot_start(tmp_path, capfd) -> None:
    log = tmp_path / "spark-jvm.log"
    log.write_text("an earlier run\n")
    with pytest.raises(RuntimeError), _jvm_output_to(log):
        _child_prints_jvm_start()
        raise RuntimeError("Java gateway process exited before sending its port number")
    assert capfd.readouterr().err == JVM_START  # this start's lines, not the earlier run's


# --- translation --------------------------------------------------------------------------------


def test_untranslatable_constructs_are_refused_with_their_reason() -> None:
    examples = {
        "query_table": "select * from query_table(t)",
        "unpivot": "select * from t unpivot (v for m in (a, b))",
        "rowid": "select rowid from t",
        "columns": "select columns('a.*') from t",
    }
    assert examples.keys() == UNTRANSLATABLE.keys()  # one example per declared construct
    for name, sql in examples.items():
        with pytest.raises(UntranslatableSQL, match=name):
            translate(sql)


def test_metric_formulas_are_inlined_from_macros_sql() -> None:
    """wilson_low exists once, in macros.sql: its Spark form is that text, translated."""
    spark = translate("select wilson_low(x / n, n) as low from t")
    assert "1.959963984540054" in spark and "WILSON" not in spark.upper()
    breakdowns = translate_file("views/metric_breakdowns.sql").upper()
    assert [name for name in macros() if f"{name.upper()}(" in breakdowns] == []
    assert "PENALTIES / NULLIF(DECISIONS, 0) AS PENALTY_RATIO" in breakdowns


def test_the_interval_macros_multiply_doubles_on_spark_too() -> None:
    """4 * n * n of an integer n overflows (an INTEGER from n = 23171, a BIGINT from 1.5e9; DuckDB
    says so, Spark with ANSI off would wrap around): macros.sql casts n to double before it
    multiplies, and so does the macros' Spark form."""
    spark = translate("select wilson_low(p, n) as low, wilson_high(p, n) as high from t")
    assert spark.count("2 * CAST((n) AS DOUBLE)") == 2
    assert spark.count("4 * CAST((n) AS DOUBLE) * CAST((n) AS DOUBLE)") == 2
    assert "* (n)" not in spark
    kish = translate("select kish_n(w, w2) as n_eff from t")
    assert kish == (
        "SELECT CASE WHEN (w2) > 0 THEN CAST((w) AS DOUBLE) * CAST((w) AS DOUBLE) / (w2) END "
        "AS n_eff FROM t"
    )


def test_variables_become_bound_parameters() -> None:
    spark = translate("select * from t where d > getvariable('run_started_at')")
    assert spark == "SELECT * FROM t WHERE d > :run_started_at"
    # Spark reads :run_started_at as a named parameter (bound by spark.sql(args=...)), not text
    where = sqlglot.parse_one(spark, read="spark").args["where"].this
    assert isinstance(where, exp.GT) and isinstance(where.expression, exp.Placeholder)
    assert where.expression.name == "run_started_at"


def test_every_file_the_spark_engine_runs_translates() -> None:
    """Each SQL file assets/spark/engine.py runs is one Spark SQL query once translated: it parses
    as Spark SQL, and no macro, variable or table-macro call of DuckDB is left in it."""
    from assets.spark import engine
    from warehouse.vocabulary import CONTRACTS

    runs = set(re.findall(r'\bsql\(\s*f?"([\w/{}]+\.sql)"', Path(engine.__file__).read_text()))
    assert runs == {
        "staging/stg_{kind}.sql",
        "batch/decision_rows.sql",
        "batch/conflicting_decisions.sql",
        "views/decisions.sql",
        "batch/appeal_versions.sql",
        "batch/appealed_too_early.sql",
        "batch/appeals.sql",
        "batch/audit_rows.sql",
        "batch/audits.sql",
        "batch/quarantine.sql",
        "metrics/day_decisions.sql",
        "metrics/daily_counts.sql",
        "metrics/overturn_development.sql",
        "metrics/audit_development.sql",
        "views/kpi_periods.sql",
        "views/audit_completeness.sql",
        "views/known_daily_metrics.sql",
        "views/metric_breakdowns.sql",
        "views/overturn_nowcast.sql",
        "views/market_daily_metrics.sql",
    }
    assert set(CONTRACTS) == {"decisions", "appeals", "audits"}
    files = {name: None for name in runs if "{kind}" not in name}
    files |= {f"staging/stg_{kind}.sql": {"loaded": CONTRACTS[kind].columns} for kind in CONTRACTS}
    assert len(files) == 22  # 19 files, and the staging file once for each kind
    left_over = {*macros(), "getvariable", "query_table"}
    for name, columns in files.items():
        tree = sqlglot.parse_one(translate_file(name, columns=columns), read="spark")
        assert isinstance(tree, exp.Query), name  # a SELECT, WITH ... SELECT or UNION
        calls = {str(node.this).lower() for node in tree.find_all(exp.Anonymous)}
        assert calls.isdisjoint(left_over), (name, calls & left_over)


# The ingestion rules, each one macro of macros.sql, and the merge and batch files that apply it.
INGESTION_RULES = {
    "is_identical_duplicate": (
        ["ingest/merge_decisions.sql", "ingest/merge_appeals.sql", "ingest/merge_audits.sql"],
        ["batch/decision_rows.sql", "batch/appeal_versions.sql", "batch/audit_rows.sql"],
    ),
    "conflicting_decision_ids": (
        ["ingest/merge_decisions.sql"],
        ["batch/conflicting_decisions.sql"],
    ),
    # the same rule, per row: the merge applies it through conflicting_decision_ids
    "is_conflicting_version": ([], ["batch/decision_rows.sql"]),
    "appealed_before_decided": (["ingest/merge_appeals.sql"], ["batch/appealed_too_early.sql"]),
    "latest_appeal_states": (["ingest/merge_appeals.sql"], ["batch/appeals.sql"]),
    "counting_audits": (["ingest/merge_audits.sql"], ["batch/audits.sql"]),
}


def test_conflicting_decision_ids_is_stated_with_the_per_row_rule() -> None:
    """The ids of conflicting_decisions and the rows flagged is_conflicting come from one rule."""
    body = macros()["conflicting_decision_ids"].body.sql().lower()
    assert "is_conflicting_version(" in body
    assert "count(" not in body  # no second statement of "two or more versions"


@pytest.mark.parametrize("rule", INGESTION_RULES)
def test_each_ingestion_rule_is_one_macro_both_engines_apply(rule: str) -> None:
    """DuckDB's merges and Spark's batch queries call the same macro: the rule is stated once."""
    from warehouse.runner import read_sql

    assert rule in macros()
    merges, batches = INGESTION_RULES[rule]
    for name in merges + batches:
        assert f"{rule}(" in read_sql(name), name
    for name in batches:
        spark = translate_file(name)
        assert f"{rule.upper()}(" not in spark.upper(), name  # inlined, as Spark has no macros


def test_a_table_macro_reads_the_tables_it_is_given() -> None:
    spark = translate("select * from appealed_before_decided(some_appeals, some_decisions)")
    assert "FROM some_appeals AS appeal JOIN some_decisions AS decision" in spark
    assert "QUERY_TABLE" not in spark.upper()


def test_the_markets_are_a_bound_list() -> None:
    """The market list is warehouse/vocabulary.py MARKETS, bound as a parameter: no SQL file
    names a market (comments aside)."""
    from warehouse.runner import SQL_DIR
    from warehouse.vocabulary import MARKETS

    assert ":markets" in translate("select is_market(market) from t")
    for path in SQL_DIR.rglob("*.sql"):
        code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
        named = [m for m in MARKETS if f"'{m}'" in code]
        assert named == [], path


# --- which files a restatement reads ---------------------------------------------------------


def test_a_file_read_before_keeps_its_id_and_new_ones_come_after(tmp_path) -> None:
    """file_id orders versions ("latest" ties break on it): a restatement keeps the ids the
    warehouse gave, and numbers new files after them, whatever their paths."""
    landing = Landing(tmp_path / "landing")
    old = landing.csv("decisions/b.csv", [decision("d-1")])
    landing.csv("decisions/a.csv", [decision("d-2")])
    known = [(str(old.resolve()), sha256_of(old), 7, "ingested")]
    planned = {Path(f.path).name: f.file_id for f in plan_files(landing.root, known)}
    assert planned == {"b.csv": 7, "a.csv": 8}


@SPARK
def test_a_restatement_refuses_to_drop_rows_whose_file_is_gone(tmp_path) -> None:
    from conftest import br_only_deployment, cli

    landing = Landing(tmp_path / "landing")
    landing.csv("decisions/a.csv", [decision("d-1")])
    gone = landing.csv("decisions/b.csv", [decision("d-2")])
    br_only_deployment(tmp_path)
    args = [
        "--landing",
        landing.root,
        "--warehouse",
        tmp_path / "w.duckdb",
        "--as-of",
        "2026-10-31",
    ]
    assert cli("run", *args, cwd=tmp_path)[0] == 0
    gone.unlink()
    code, out, err = cli("run", "--engine", "spark", *args, cwd=tmp_path)
    assert code == 1
    assert "no longer holds 1 file(s)" in err and str(gone.resolve()) in err
    assert scalar(tmp_path / "w.duckdb", "select count(*) from decisions") == 2  # as it was
