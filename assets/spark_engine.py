"""The Spark engine: the whole history of a landing folder through the SQL of sql/, on Spark.

With engine = "spark" a run restates everything: Spark reads every landing file, judges its rows
with the staging rules (sql/staging/), keeps versions and latest states as the merges do
(sql/batch/), and counts the days (sql/metrics/daily_counts.sql) and the market-days
(sql/views/market_daily_metrics.sql), every query translated from DuckDB's dialect by
assets/spark_sql.py. Each table is written as Parquet, then load_warehouse() replaces the
warehouse's ingestion and metric tables with them in one transaction, so that validation, alerts,
dashboards and ad hoc SQL read the warehouse exactly as after a DuckDB run.

Python only lists and hashes the files (as assets/landing.py does); every row is Spark's work.
"""

import importlib.util
import shutil
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.resources import RunSettings, WarehouseResource

from .ingest import run_started_at
from .landing import CONTRACTS, GLOB_CHARACTERS, _modified_at, csv_header, discover, match_header
from .landing import sha256_of as _sha256
from .metrics import record_run
from .spark_sql import translate_file
from .warehouse import run_sql, set_variables, transaction

KINDS = ("decisions", "appeals", "audits")
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
# the tables Spark writes, in the order load_warehouse.sql reads them
TABLES = (
    "quarantine",
    "decision_rows",
    "conflicting_decisions",
    "appeal_rows",
    "appeals",
    "audit_rows",
    "audits",
    "daily_metrics",
    "market_daily_metrics",
    "rows_read",
)


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


def plan_files(landing: Path) -> list[PlannedFile]:
    """Every landing file, numbered in the order a DuckDB run would read them: kinds in order,
    paths in order. A content seen earlier is `same_content`; an unreadable file `failed`."""
    planned: list[PlannedFile] = []
    seen: dict[str, str] = {}
    for kind in KINDS:
        for path in discover(landing, kind):
            stat = path.stat()
            resolved = str(path.resolve())
            digest = _sha256(path)
            item = PlannedFile(
                len(planned) + 1,
                kind,
                resolved,
                stat.st_size,
                _modified_at(stat),
                digest,
                "ingested",
            )
            planned.append(item)
            if digest in seen:
                item.status, item.error = "same_content", f"same content as {seen[digest]}"
                continue
            if GLOB_CHARACTERS.intersection(resolved):
                item.status = "failed"
                item.error = (
                    "cannot read the file: its path contains one of * ? [ ] { } (rename it)"
                )
                continue
            try:
                header = pq.read_schema(path).names if item.is_parquet else csv_header(path)
                unique, by_name = match_header(kind, header)
            except ValueError as exc:
                item.status, item.error = "failed", str(exc)
                continue
            except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
                item.status, item.error = "failed", f"cannot read the file: {exc}"
                continue
            item.header, item.by_name = tuple(unique), by_name
            seen[digest] = resolved
    return planned


def spark_session(master: str, driver_memory: str, conf: tuple = (), local_dir: Path | None = None):
    """A SparkSession configured as both engines need: UTC, JSON nulls kept, Parquet timestamps
    any engine reads. `master` is local[*] or a cluster's URL."""
    # pyspark warns about pandas versions on import; modmetrics passes no pandas to Spark
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    check_spark_available()
    from pyspark.sql import SparkSession

    quiet = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    builder = (
        SparkSession.builder.appName("modmetrics")
        .config("spark.driver.extraJavaOptions", quiet)
        .master(master)
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.jsonGenerator.ignoreNullFields", "false")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
    )
    if local_dir is not None:
        builder = builder.config("spark.local.dir", str(local_dir))
    for key, value in conf:
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    return spark


def check_spark_available() -> None:
    """SparkUnavailable, saying what to install, unless pyspark and Java are both there."""
    if importlib.util.find_spec("pyspark") is None:
        raise SparkUnavailable(
            "engine = spark needs pyspark: run `uv sync --extra spark` (and have Java 17+)"
        )
    if shutil.which("java") is None and not _java_home():
        raise SparkUnavailable("engine = spark needs Java 17 or newer on the PATH (or JAVA_HOME)")


def _java_home() -> bool:
    import os

    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").exists()


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _as_text(frame, name: str):
    """A Parquet column as text, as DuckDB writes it (the record of a rejected row shows it):
    an instant (UTC-adjusted timestamp) ends in +00."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    column = F.col(_quoted(name))
    if isinstance(frame.schema[name].dataType, TimestampType):
        return F.concat(column.cast("string"), F.lit("+00"))
    return column.cast("string")


def _read_kind(spark, kind: str, files: list[PlannedFile]):
    """One DataFrame of every row of the kind's files: file_id, line_number, the contract's
    columns as text, and `malformed` (the CSV line) for a line of the wrong width."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    columns = CONTRACTS[kind].columns
    parts = []
    for item in files:
        if item.is_parquet:
            frame = spark.read.parquet(item.path)
            malformed = F.lit(None).cast("string")
        else:
            schema = StructType(
                [StructField(n, StringType()) for n in item.header]
                + [StructField("_malformed_line", StringType())]
            )
            frame = (
                spark.read.schema(schema)
                .options(
                    header=True,
                    multiLine=True,
                    quote='"',
                    escape='"',
                    mode="PERMISSIVE",
                    columnNameOfCorruptRecord="_malformed_line",
                    encoding="UTF-8",
                )
                .csv(item.path)
            )
            malformed = F.col("_malformed_line")
        parts.append(
            frame.select(
                F.lit(item.file_id).cast("bigint").alias("file_id"),
                F.monotonically_increasing_id().alias("_order"),
                *[
                    (
                        _as_text(frame, item.by_name[c])
                        if c in item.by_name
                        else F.lit(None).cast("string")
                    ).alias(c)
                    for c in columns
                ],
                malformed.alias("malformed"),
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
    # 1 = the first data row after the header, malformed lines counted (as DuckDB numbers them)
    order = Window.partitionBy("file_id").orderBy("_order")
    return rows.withColumn("line_number", F.row_number().over(order).cast("bigint")).select(
        "file_id", "line_number", *columns, "malformed"
    )


def compute(
    spark,
    files: list[PlannedFile],
    out: Path,
    *,
    run_id: str,
    run_started_at: datetime,
    reporting_timezone: str,
    as_of_date: date,
    appeal_window_days: int,
) -> None:
    """Run the whole history on Spark; write every table of TABLES to out/<table>/ as Parquet."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    variables = {
        "run_id": run_id,
        "run_started_at": run_started_at,
        "reporting_timezone": reporting_timezone,
    }

    def sql(name: str, view: str, persist: bool = False, **kw):
        frame = spark.sql(translate_file(name, **kw), args=variables)
        if persist:
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
        frame.createOrReplaceTempView(view)
        return frame

    malformed, rows_read = [], []
    for kind in KINDS:
        rows = _read_kind(
            spark, kind, [f for f in files if f.kind == kind and f.status == "ingested"]
        ).persist(StorageLevel.MEMORY_AND_DISK)
        rows.filter("malformed is null").drop("malformed").createOrReplaceTempView(f"load_{kind}")
        rows_read.append(rows.groupBy("file_id").agg(F.count("*").alias("rows_read")))
        malformed.append(
            rows.filter("malformed is not null").select(
                F.lit(kind).alias("source_table"),
                "file_id",
                "line_number",
                F.lit("malformed CSV line").alias("reason"),
                F.to_json(
                    F.struct(
                        F.regexp_replace("malformed", r"\r?\n$", "").alias("line"),
                        F.lit("the line does not have the header's number of columns").alias(
                            "problem"
                        ),
                    )
                ).alias("record"),
                F.lit(run_id).alias("run_id"),
                F.lit(run_started_at).cast("timestamp").alias("rejected_at"),
            )
        )
        sql(
            f"staging/stg_{kind}.sql",
            f"staged_{kind}",
            persist=True,
            columns={"loaded": CONTRACTS[kind].columns},
        )

    def write(frame, table: str) -> None:
        frame.write.mode("overwrite").parquet(str(out / table))

    write(sql("batch/decision_rows.sql", "decision_rows", persist=True), "decision_rows")
    write(sql("batch/conflicting_decisions.sql", "conflicting_decisions"), "conflicting_decisions")
    sql("views/decisions.sql", "decisions")
    versions = sql("batch/appeal_versions.sql", "appeal_versions", persist=True)
    appeal_rows = versions.filter("not too_early").drop("too_early")
    appeal_rows.createOrReplaceTempView("appeal_rows")
    write(appeal_rows, "appeal_rows")
    write(sql("batch/appeals.sql", "appeals"), "appeals")
    write(sql("batch/audit_rows.sql", "audit_rows", persist=True), "audit_rows")
    write(sql("batch/audits.sql", "audits"), "audits")
    quarantine = sql("batch/quarantine.sql", "rule_failures")
    for lines in malformed:
        quarantine = quarantine.unionByName(lines)
    write(quarantine, "quarantine")
    write(rows_read[0].unionByName(rows_read[1]).unionByName(rows_read[2]), "rows_read")

    # every day with decisions is stale: the history is restated
    spark.sql("select distinct metric_date from decisions").createOrReplaceTempView(
        "stale_metric_days"
    )
    counts = sql("metrics/daily_counts.sql", "daily_counts")
    write(counts.withColumn("run_id", F.lit(run_id)), "daily_metrics")
    spark.read.parquet(str(out / "daily_metrics")).createOrReplaceTempView("daily_metrics")
    spark.createDataFrame(
        [(as_of_date, int(appeal_window_days))], "as_of_date date, appeal_window_days int"
    ).createOrReplaceTempView("warehouse_info")
    sql("views/kpi_periods.sql", "kpi_periods")
    sql("views/metric_breakdowns.sql", "metric_breakdowns")
    write(sql("views/market_daily_metrics.sql", "market_daily_metrics"), "market_daily_metrics")
    spark.catalog.clearCache()


def load_warehouse(
    con: duckdb.DuckDBPyConnection, files: list[PlannedFile], out: Path, run_id: str, now: datetime
) -> None:
    """Replace the warehouse's ingestion and metric tables with Spark's, in the caller's
    transaction; file_manifest from `files`, with the rows Spark read of each."""
    set_variables(con, spark_output=str(out), run_id=run_id, run_started_at=now)
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
    files = plan_files(Path(run_settings.landing))
    out = Path(warehouse.database).parent / "spark-output"
    spark = spark_session(
        run_settings.spark_master,
        run_settings.spark_driver_memory,
        tuple(tuple(pair) for pair in run_settings.spark_conf),
        local_dir=out.parent / "spark-tmp",
    )
    compute(
        spark,
        files,
        out,
        run_id=context.run.run_id,
        run_started_at=now,
        reporting_timezone=run_settings.reporting_timezone,
        as_of_date=run_settings.as_of_date(),
        appeal_window_days=run_settings.appeal_window_days,
    )
    with warehouse.get_connection() as con:
        with transaction(con):
            load_warehouse(con, files, out, context.run.run_id, now)
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
                "master": run_settings.spark_master,
                "files": counts.get(kind, 0),
            },
        )
    yield dg.MaterializeResult(asset_key="daily_metrics", metadata={"engine": "spark", **days})
