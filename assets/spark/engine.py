"""The Spark engine: the whole history of a landing folder through the SQL of sql/, on Spark.

With engine = "spark" a run restates everything: Spark reads every landing file, judges its rows
with the staging rules (sql/staging/), keeps versions and latest states by the rules the merges
apply (the macros of sql/macros.sql, over the whole history in sql/batch/), and counts the days
(sql/metrics/daily_counts.sql) and the market-days (sql/views/market_daily_metrics.sql), every
query translated from DuckDB's dialect by assets/spark/translate.py. Each table is written as
Parquet, then load_warehouse() replaces the warehouse's ingestion and metric tables with them in
one transaction, so that validation, alerts, dashboards and ad hoc SQL read the warehouse exactly
as after a DuckDB run.

Python only lists and hashes the files (as assets/landing.py does); every row is Spark's work.
"""

import csv
import importlib.util
import os
import shutil
import sys
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.ingest import run_started_at
from assets.landing import (
    CONTRACTS,
    GLOB_CHARACTERS,
    _first_line,
    _modified_at,
    csv_header,
    discover,
    match_header,
    sha256_of,
)
from assets.metrics import record_run
from warehouse.resources import RunSettings, WarehouseResource
from warehouse.runner import run_sql, set_map_variable, set_variables, transaction
from warehouse.vocabulary import MARKETS

KINDS = ("decisions", "appeals", "audits")
# Spark's CSV reader says only that a line is malformed; DuckDB's names the columns it expected
MALFORMED_PROBLEM = "the line does not have the header's number of columns"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
SEMANTICS = {
    "spark.sql.session.timeZone": "UTC",  # a timestamp without offset is UTC, as on DuckDB
    "spark.sql.ansi.enabled": "false",  # TRY_CAST and friends give NULL, never an error
    "spark.sql.jsonGenerator.ignoreNullFields": "false",  # a record shows its empty fields
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",  # instants DuckDB reads
    "spark.sql.caseSensitive": "true",  # header names are matched exactly
    # a malformed CSV line is found only when every column is parsed
    "spark.sql.csv.parser.columnPruning.enabled": "false",
}


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing: the message says how to install them."""


@dataclass
class PlannedFile:
    """A landing file as the Spark run will treat it (a row of file_manifest)."""

    file_id: int
    kind: str
    path: str
    size_bytes: int
    modified_at: datetime
    content_sha256: str
    status: str  # ingested | failed | same_content
    error: str | None = None
    header: tuple[str, ...] = ()
    by_name: dict | None = None

    @property
    def is_parquet(self) -> bool:
        return self.path.lower().endswith(".parquet")


class HistoryMissing(RuntimeError):
    """The landing folder lacks files whose rows the warehouse holds: a restatement from it
    would drop them."""


def plan_files(landing: Path, known: list[tuple[str, str, int, str]] = ()) -> list[PlannedFile]:
    """Every landing file as a DuckDB run would number and judge it.

    `known` holds (path, content_sha256, file_id, status) of the warehouse's current manifest: a
    file read before keeps its file_id (a later file has a higher one: the tie-break of "latest"),
    new files are numbered after them in kind and path order. A content seen earlier is
    `same_content`; a file Spark cannot read is `failed` with the reason.
    """
    ids = {(path, digest): file_id for path, digest, file_id, _ in known}
    next_id = max((file_id for _, _, file_id, _ in known), default=0) + 1
    planned: list[PlannedFile] = []
    for kind in KINDS:
        for path in discover(landing, kind):
            stat = path.stat()
            resolved = str(path.resolve())
            digest = sha256_of(path)
            file_id = ids.get((resolved, digest))
            if file_id is None:
                file_id, next_id = next_id, next_id + 1
            planned.append(
                PlannedFile(
                    file_id,
                    kind,
                    resolved,
                    stat.st_size,
                    _modified_at(stat),
                    digest,
                    "ingested",
                )
            )
    planned.sort(key=lambda f: f.file_id)
    seen: dict[tuple[str, str], str] = {}  # (kind, content) -> the path whose rows carry it
    for item in planned:
        if (item.kind, item.content_sha256) in seen:
            item.status = "same_content"
            item.error = f"same content as {seen[item.kind, item.content_sha256]}"
            continue
        item.error = _unreadable(item)
        if item.error:
            item.status = "failed"
            continue
        seen[item.kind, item.content_sha256] = item.path
    present = {f.content_sha256 for f in planned}
    lost = sorted(
        path for path, digest, _, status in known if status == "ingested" and digest not in present
    )
    if lost:
        raise HistoryMissing(
            f"the landing folder no longer holds {len(lost)} file(s) whose rows the warehouse "
            f"has (e.g. {lost[0]}): a Spark run restates the whole history from the landing "
            "folder and would drop them; put them back, or run the DuckDB engine"
        )
    return planned


def _unreadable(item: PlannedFile) -> str | None:
    """Why Spark cannot use the file (None if it can); sets its header."""
    import pyarrow as pa  # here: a DuckDB run, or the Definitions, never need it
    import pyarrow.parquet as pq

    path = Path(item.path)
    if GLOB_CHARACTERS.intersection(item.path):
        return "cannot read the file: its path contains one of * ? [ ] { } (rename it)"
    if path.name.lower().endswith(".gz") and not path.name.endswith(".gz"):
        return "the Spark engine reads gzip only from a name ending in lowercase .gz (rename it)"
    if path.name.startswith("_"):
        return "the Spark engine skips a file whose name starts with _ (rename it)"
    if ":" in path.name:  # Hadoop takes what comes before a colon for a URI scheme
        return "the Spark engine cannot read a file whose name contains : (rename it)"
    try:
        if item.is_parquet:
            schema = pq.read_schema(path)
            header = schema.names
            nanos = [
                f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"
            ]
            if nanos:
                return f"Spark cannot read nanosecond timestamps (column {nanos[0]})"
        else:
            header = csv_header(path)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error, pa.ArrowException) as exc:
        return f"cannot read the file: {_first_line(exc)}"
    try:
        unique, by_name = match_header(item.kind, header)
    except ValueError as exc:
        return str(exc)
    if len({name.lower() for name in unique}) < len(unique):
        return "cannot read the file: two columns have the same name in another case"
    item.header, item.by_name = tuple(unique), by_name
    return None


def spark_session(
    master: str,
    driver_memory: str,
    conf: tuple = (),
    local_dir: Path | None = None,
    jvm_log: Path | None = None,
):
    """A SparkSession configured as both engines need: UTC, JSON nulls kept, Parquet timestamps
    any engine reads. `master` is local[*] or a cluster's URL. What the JVM prints goes to
    `jvm_log` (nowhere when None), not at the user."""
    # pyspark warns about pandas versions on import; modmetrics passes no pandas to Spark
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    check_spark_available()
    from pyspark.sql import SparkSession

    quiet = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    builder = (
        SparkSession.builder.appName("modmetrics")
        .master(master)
        .config("spark.driver.extraJavaOptions", quiet)
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # joins are broadcast only on sizes measured at run time (adaptive execution): the
        # planner's estimates of derived tables can be far too small
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .config("spark.sql.adaptive.autoBroadcastJoinThreshold", "32MB")
    )
    if master.startswith("local"):
        # Spark's default of 200 shuffle partitions is for clusters
        builder = builder.config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 2)))
    if local_dir is not None:
        builder = builder.config("spark.local.dir", str(local_dir))
    for key, value in conf:
        builder = builder.config(key, value)
    # What the translated SQL relies on to mean what it means on DuckDB, after the user's
    # settings so that none of them can change a number.
    for key, value in SEMANTICS.items():
        builder = builder.config(key, value)
    with _jvm_output_to(jvm_log):
        spark = builder.getOrCreate()
    return spark


@contextmanager
def _jvm_output_to(log: Path | None):
    """Send what the JVM that Spark starts prints (it inherits this process's stderr) to `log`
    (nowhere when None): at start it prints the JDK's incubator-module warning, a note for any
    JDK_JAVA_OPTIONS, Spark's default log level, none of which the user can act on. If Spark
    cannot start, what the JVM said is printed after all."""
    sys.stderr.flush()
    target = Path(os.devnull) if log is None else log
    target.parent.mkdir(parents=True, exist_ok=True)
    start = target.stat().st_size if log is not None and target.exists() else 0
    saved = os.dup(2)
    try:
        with target.open("ab") as sink:
            os.dup2(sink.fileno(), 2)
        yield
    except BaseException:
        os.dup2(saved, 2)
        if log is not None:
            with target.open("rb") as said:
                said.seek(start)
                sys.stderr.write(said.read().decode(errors="replace"))
        raise
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def check_spark_available() -> None:
    """SparkUnavailable, saying what to install, unless pyspark and Java are both there."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable(
            "engine = spark needs pyspark: run `uv sync --extra spark` (and have Java 17+)"
        )
    if shutil.which("java") is None and not _java_home():
        raise SparkUnavailable("engine = spark needs Java 17 or newer on the PATH (or JAVA_HOME)")


def _java_home() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").exists()


def _hadoop_path(path: str | Path) -> str:
    """A local path as Spark's readers and writers take it: the plain absolute path. A file://
    URI would be taken with its escapes (a space as %20) as the name, and not found."""
    return str(Path(path).resolve())


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _as_text(frame, name: str, is_parquet: bool):
    """A column as text, as DuckDB reads it (the record of a rejected row shows it): in a CSV
    file an empty field, quoted or not, is NULL; in Parquet an instant (UTC-adjusted timestamp)
    ends in +00."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    column = F.col(_quoted(name))
    if not is_parquet:
        return F.when(column != "", column)
    if isinstance(frame.schema[name].dataType, TimestampType):
        return F.concat(column.cast("string"), F.lit("+00"))
    return column.cast("string")


def _read_kind(spark, kind: str, files: list[PlannedFile]):
    """One DataFrame of every row of the kind's files: file_id, line_number (1 = the first data
    row after the header, malformed lines counted, as DuckDB numbers them), the contract's
    columns as text, and `malformed` (the CSV line) for a line of the wrong width.

    The CSV files of one header are one read (a read per file costs Spark a quarter of a second
    of planning and scheduling each: minutes for a year of daily files); each Parquet file is a
    read of its own, its columns' types being its own."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    columns = CONTRACTS[kind].columns

    def contract_columns(frame, item: PlannedFile) -> list:
        return [
            (
                _as_text(frame, item.by_name[c], item.is_parquet)
                if c in item.by_name
                else F.lit(None).cast("string")
            ).alias(c)
            for c in columns
        ]

    parts = []
    by_header: dict[tuple[str, ...], list[PlannedFile]] = {}
    for item in files:
        if not item.is_parquet:
            by_header.setdefault(item.header, []).append(item)
            continue
        frame = spark.read.parquet(_hadoop_path(item.path))
        parts.append(
            frame.select(
                F.lit(item.file_id).cast("bigint").alias("file_id"),
                (F.col("_metadata.row_index") + 1).cast("bigint").alias("line_number"),
                *contract_columns(frame, item),
                F.lit(None).cast("string").alias("malformed"),
            )
        )
    for header, group in by_header.items():
        schema = StructType(
            [StructField(n, StringType()) for n in header]
            + [StructField("_malformed_line", StringType())]
        )
        frame = (
            spark.read.schema(schema)
            .options(
                header=True,
                multiLine=True,  # quoted line breaks; also: a file is never split
                quote='"',
                escape='"',
                mode="PERMISSIVE",
                columnNameOfCorruptRecord="_malformed_line",
                encoding="UTF-8",
                unescapedQuoteHandling="RAISE_ERROR",
            )
            .csv([_hadoop_path(item.path) for item in group])
        )
        # A file is read whole, in order, by one task (several files may share it): its rows'
        # monotonically increasing ids follow its lines. The file a row came from is Spark's
        # name of it, mapped back to its file_id.
        names = _spark_file_names(spark, group)
        file_ids = F.create_map(
            *[F.lit(v) for item in group for v in (names[item.path], item.file_id)]
        )
        read = frame.select(
            # file:/a%20b/c.csv or file:///a%20b/c.csv: the path part
            F.regexp_replace(
                "_metadata.file_path", "^[A-Za-z][A-Za-z0-9+.-]*:(//[^/]*)?", ""
            ).alias("_file"),
            F.monotonically_increasing_id().alias("_position"),
            *contract_columns(frame, group[0]),
            F.col("_malformed_line").alias("malformed"),
        )
        parts.append(
            read.select(
                F.coalesce(
                    file_ids[F.col("_file")],
                    F.raise_error(F.concat(F.lit("a row of an unlisted file: "), "_file")),
                )
                .cast("bigint")
                .alias("file_id"),
                F.row_number()
                .over(Window.partitionBy("_file").orderBy("_position"))
                .cast("bigint")
                .alias("line_number"),
                *columns,
                "malformed",
            )
        )
    if not parts:
        empty = StructType(
            [StructField("file_id", LongType()), StructField("line_number", LongType())]
            + [StructField(c, StringType()) for c in columns]
            + [StructField("malformed", StringType())]
        )
        return spark.createDataFrame([], empty)
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.unionByName(part)
    return rows


def _spark_file_names(spark, files: list[PlannedFile]) -> dict[str, str]:
    """{path: the path part of the URI Spark names the file by in _metadata.file_path}
    (/a%20b/c.csv of file:/a%20b/c.csv), escaped by Hadoop itself, as Spark's is."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    names = {}
    for item in files:
        path = jvm.org.apache.hadoop.fs.Path(_hadoop_path(item.path))
        names[item.path] = path.getFileSystem(conf).makeQualified(path).toUri().getRawPath()
    return names


def compute(
    spark,
    files: list[PlannedFile],
    out: Path,
    *,
    run_id: str,
    run_started_at: datetime,
    market_timezones: Mapping[str, str],
    as_of_date: date,
    appeal_window_days: int,
    audit_window_days: int,
) -> dict[str, float]:
    """Run the whole history on Spark; write each table (quarantine, decision_rows,
    conflicting_decisions, appeal_rows, appeals, audit_rows, audits, rows_read, daily_metrics,
    overturn_development, audit_development, market_daily_metrics) to out/<table>/ as Parquet.

    Each table is written, then read back for the steps after it: Parquet lets them read only
    the columns they use, where a cached table would be recomputed once memory runs short.
    Returns the seconds each table took (each write computes what it needs)."""
    from pyspark.sql import functions as F

    variables = {
        "run_id": run_id,
        "run_started_at": run_started_at,
        "markets": list(MARKETS),  # a list: Spark binds it as an array (a tuple it refuses)
        # a MAP market -> zone, as DuckDB's variable (sql/macros.sql market_day)
        "market_timezones": F.create_map(
            *[F.lit(v) for pair in market_timezones.items() for v in pair]
        ),
    }
    from .translate import translate_file  # sqlglot: only a Spark run translates

    work = out / "_staged"  # intermediate tables, removed at the end
    timings: dict[str, float] = {}

    def sql(name: str, **kw):
        return spark.sql(translate_file(name, **kw), args=variables)

    def write(frame, table: str, folder: Path = out):
        """Write `frame` as Parquet; the table, read back, is the view `table`."""
        started = time.perf_counter()
        frame.write.mode("overwrite").parquet(_hadoop_path(folder / table))
        timings[table] = round(time.perf_counter() - started, 1)
        stored = spark.read.parquet(_hadoop_path(folder / table))
        stored.createOrReplaceTempView(table)
        return stored

    malformed, rows_read = [], []
    for kind in KINDS:
        rows = _read_kind(
            spark, kind, [f for f in files if f.kind == kind and f.status == "ingested"]
        )
        rows.filter("malformed is null").drop("malformed").createOrReplaceTempView(f"load_{kind}")
        lines = rows.filter("malformed is not null").select(
            F.lit(kind).alias("source_table"),
            "file_id",
            "line_number",
            F.lit("malformed CSV line").alias("reason"),
            F.to_json(
                F.struct(
                    F.regexp_replace("malformed", r"\r?\n$", "").alias("line"),
                    F.lit(MALFORMED_PROBLEM).alias("problem"),
                )
            ).alias("record"),
            F.lit(run_id).alias("run_id"),
            F.lit(run_started_at).cast("timestamp").alias("rejected_at"),
            # Spark refuses a CSV query that reads only the malformed-line column
            F.col(CONTRACTS[kind].columns[0]).alias("first_column"),
        )
        malformed.append(write(lines, f"malformed_{kind}", work).drop("first_column"))
        staged = write(
            sql(f"staging/stg_{kind}.sql", columns={"loaded": CONTRACTS[kind].columns}),
            f"staged_{kind}",
            work,
        )
        # rows read = the rows staged (accepted or rejected) + the malformed lines
        rows_read.append(
            staged.select("file_id")
            .unionByName(malformed[-1].select("file_id"))
            .groupBy("file_id")
            .agg(F.count("*").alias("rows_read"))
        )

    write(sql("batch/decision_rows.sql"), "decision_rows")
    write(sql("batch/conflicting_decisions.sql"), "conflicting_decisions")
    sql("views/decisions.sql").createOrReplaceTempView("decisions")
    versions = write(sql("batch/appeal_versions.sql"), "appeal_versions", work)
    early = write(sql("batch/appealed_too_early.sql"), "appealed_too_early", work)
    # the rows filed before their decision go to quarantine, not to appeal_rows
    write(versions.join(early, ["file_id", "line_number"], "left_anti"), "appeal_rows")
    write(sql("batch/appeals.sql"), "appeals")
    write(sql("batch/audit_rows.sql"), "audit_rows")
    write(sql("batch/audits.sql"), "audits")
    quarantine = sql("batch/quarantine.sql")
    for lines in malformed:
        quarantine = quarantine.unionByName(lines)
    write(quarantine, "quarantine")
    write(rows_read[0].unionByName(rows_read[1]).unionByName(rows_read[2]), "rows_read")

    # every day with decisions is stale: the history is restated
    spark.sql("select distinct metric_date from decisions").createOrReplaceTempView(
        "stale_metric_days"
    )
    sql("metrics/day_decisions.sql").createOrReplaceTempView("day_decisions")
    write(sql("metrics/daily_counts.sql").withColumn("run_id", F.lit(run_id)), "daily_metrics")
    write(
        sql("metrics/overturn_development.sql").withColumn("run_id", F.lit(run_id)),
        "overturn_development",
    )
    write(
        sql("metrics/audit_development.sql").withColumn("run_id", F.lit(run_id)),
        "audit_development",
    )
    spark.createDataFrame(
        [(as_of_date, int(appeal_window_days), int(audit_window_days))],
        "as_of_date date, appeal_window_days int, audit_window_days int",
    ).createOrReplaceTempView("warehouse_info")
    sql("views/kpi_periods.sql").createOrReplaceTempView("kpi_periods")
    sql("views/audit_completeness.sql").createOrReplaceTempView("audit_completeness")
    sql("views/known_daily_metrics.sql").createOrReplaceTempView("known_daily_metrics")
    sql("views/metric_breakdowns.sql").createOrReplaceTempView("metric_breakdowns")
    sql("views/overturn_nowcast.sql").createOrReplaceTempView("overturn_nowcast")
    write(sql("views/market_daily_metrics.sql"), "market_daily_metrics")
    shutil.rmtree(work, ignore_errors=True)
    return timings


def load_warehouse(
    con: duckdb.DuckDBPyConnection,
    files: list[PlannedFile],
    out: Path,
    run_id: str,
    now: datetime,
    market_timezones: Mapping[str, str],
) -> None:
    """Replace the warehouse's ingestion and metric tables with Spark's, in the caller's
    transaction; file_manifest from `files`, with the rows Spark read of each; and record the
    zones Spark dated each market's days in (`market_timezones`)."""
    set_variables(con, spark_output=str(out), run_id=run_id, run_started_at=now)
    set_map_variable(con, "market_timezones", market_timezones)
    con.execute(
        "create or replace temp table spark_files (file_id bigint, kind varchar, path varchar, "
        "size_bytes bigint, modified_at timestamptz, content_sha256 varchar, status varchar, "
        "error varchar)"
    )
    con.executemany(
        "insert into spark_files values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                f.file_id,
                f.kind,
                f.path,
                f.size_bytes,
                f.modified_at,
                f.content_sha256,
                f.status,
                f.error,
            ]
            for f in files
        ],
    )
    run_sql(con, "batch/load_warehouse.sql")
    # the versions' hashes as DuckDB makes them: the next DuckDB run compares against them
    run_sql(con, "ingest/rehash_rows.sql")
    run_sql(con, "ingest/record_market_timezones.sql")


# --- the Dagster asset ---------------------------------------------------------------------------


@dg.multi_asset(
    name="spark_restatement",
    specs=[
        dg.AssetSpec(
            "decisions",
            group_name="ingest",
            kinds={"spark"},
            description="Accepted moderation decisions, judged by Spark over every landing file.",
        ),
        dg.AssetSpec(
            "appeals",
            group_name="ingest",
            kinds={"spark"},
            deps=["decisions"],
            description="Appeal outcomes, judged by Spark over every landing file.",
        ),
        dg.AssetSpec(
            "audits",
            group_name="ingest",
            kinds={"spark"},
            deps=["decisions"],
            description="QA audits, judged by Spark over every landing file.",
        ),
        dg.AssetSpec(
            "daily_metrics",
            group_name="metrics",
            kinds={"spark"},
            deps=["decisions", "appeals", "audits"],
            description="Additive daily counts of every day, computed by Spark.",
        ),
    ],
)
def spark_restatement(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, run_settings: RunSettings
):
    """engine = "spark": restate the whole history on Spark, then load it into the warehouse."""
    now = run_started_at(context)
    with warehouse.get_connection() as con:
        known = con.execute(
            "select path, content_sha256, file_id, status from file_manifest "
            "where status <> 'replaced'"
        ).fetchall()
    files = plan_files(Path(run_settings.landing), known)
    out = Path(warehouse.database).resolve().parent / "spark-output"
    spark = spark_session(
        run_settings.spark_master,
        run_settings.spark_driver_memory,
        tuple(tuple(pair) for pair in run_settings.spark_conf),
        local_dir=out.parent / "spark-tmp",
        jvm_log=out.parent / "spark-jvm.log",
    )
    timings = compute(
        spark,
        files,
        out,
        run_id=context.run.run_id,
        run_started_at=now,
        market_timezones=run_settings.market_timezones,
        as_of_date=run_settings.as_of_date(),
        appeal_window_days=run_settings.appeal_window_days,
        audit_window_days=run_settings.audit_window_days,
    )
    with warehouse.get_connection() as con:
        with transaction(con):
            load_warehouse(con, files, out, context.run.run_id, now, run_settings.market_timezones)
            days = record_run(con, context, run_settings, all_days=True)
        counts = dict(
            con.execute("select kind, count(*) from file_manifest group by kind").fetchall()
        )
    for error in (f"{f.path}: {f.error}" for f in files if f.status == "failed"):
        context.log.error(error)
    for kind in KINDS:
        yield dg.MaterializeResult(
            asset_key=kind,
            metadata={
                "engine": "spark",
                "files": counts.get(kind, 0),
            },
        )
    yield dg.MaterializeResult(
        asset_key="daily_metrics",
        metadata={"engine": "spark", **days, "spark_write_seconds": timings},
    )
