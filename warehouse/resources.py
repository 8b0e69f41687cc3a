"""Dagster resources: the warehouse and the run settings (configured by pipelines/resources.py)."""

from __future__ import annotations

import fcntl
import shutil
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from .publish import Published, publish
from .runner import apply_schema

# Working files whose schema this process has already brought up to date.
_SCHEMA_APPLIED: set[tuple[str, int]] = set()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse.

    DuckDB lets one process write a file and refuses readers in other processes meanwhile, so the
    pipeline writes a private working file (`database`) and, after a successful run, publishes an
    atomic copy (`published`) that analysts, `modmetrics sql` and the dashboards read.
    """

    published: str = Field(description="Path of the read-only copy analysts query.")
    _run_lock = PrivateAttr(default=None)
    # While the run lock is held, the blocks share one connection (opening and closing the file
    # costs about as much as a small step's SQL); each starts from a clean session all the same.
    _run_connection: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _depth: int = PrivateAttr(default=0)
    _applied_schema: bool = PrivateAttr(default=False)  # apply_schema ran on the working file

    def acquire(self) -> None:
        """Hold the warehouse for a whole run: DuckDB's own lock lasts one connection, and a
        run closes its connection to publish (and a CLI command opens its own), so two runs (a
        schedule tick and a CLI run) could interleave."""
        lock_path = Path(self.database).parent / "run.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RuntimeError(
                f"another run is writing the warehouse {self.published}; try again when it ends"
            ) from None
        self._run_lock = handle

    def release(self) -> None:
        if self._run_lock is not None:
            self._run_lock.close()  # closing releases the lock
            self._run_lock = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.acquire()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self._close_run_connection()
        finally:
            self.release()

    @contextmanager
    def get_connection(self):
        """A read-write connection to the working file, schema applied, time zone UTC.

        While the run lock is held (a run's steps, `publishing()`), the blocks share one
        connection: each block starts with no temp view, temp table, variable or open
        transaction left by the block before it. A block that raised closes it (the next block
        opens the file again), and its error is the one raised."""
        if self._depth:  # a block inside a block: the same connection, cleaned by the outer one
            self._depth += 1
            try:
                yield self._run_connection
            finally:
                self._depth -= 1
            return
        con = self._run_connection or self._open()
        self._run_connection = con
        self._depth = 1
        failed = True
        try:
            yield con
            failed = False
        finally:
            self._depth = 0
            shared = self._run_lock is not None
            if shared and not failed:
                try:
                    _clean_session(con)
                except duckdb.Error:
                    failed = True  # a connection that cannot be cleaned is not shared
            if failed or not shared:
                self._close_run_connection(quietly=failed)

    def _open(self) -> duckdb.DuckDBPyConnection:
        work = Path(self.database)
        work.parent.mkdir(parents=True, exist_ok=True)
        published = Path(self.published)
        if not work.exists() and published.exists():
            shutil.copyfile(published, work)  # pick up where the published warehouse is
        con = _connect_with_retries(str(work), dict(self.connection_config))
        try:
            con.execute("set TimeZone = 'UTC'")  # timestamps are stored and compared in UTC
            key = (str(work), work.stat().st_ino)
            if key not in _SCHEMA_APPLIED:
                apply_schema(con)
                _SCHEMA_APPLIED.add(key)
                self._applied_schema = True
        except BaseException:
            con.close()
            raise
        return con

    def _close_run_connection(self, quietly: bool = False) -> None:
        """Close the shared connection; `quietly`: on the way out of an error, which is the one
        to report (a database invalidated by it may fail to close too)."""
        if self._run_connection is not None:
            con, self._run_connection = self._run_connection, None
            try:
                con.close()
            except duckdb.Error:
                if not quietly:
                    raise

    @contextmanager
    def publishing(self):
        """Hold the warehouse, yield a connection, and publish when the block succeeds."""
        self.acquire()
        try:
            with self.get_connection() as con:
                yield con
            self.publish()
        finally:
            self.release()

    def publish(self) -> Published:
        """Bring the published warehouse up to date with the working file (warehouse/publish.py:
        readers keep their snapshot, the next open sees the new one)."""
        with self.get_connection() as con:
            con.execute("checkpoint")
        self._close_run_connection()  # publish reads the working file: no connection may hold it
        return publish(
            Path(self.database),
            Path(self.published),
            self.connection_config.get("memory_limit"),
            # a whole copy carries this code's views when this run applied them to the file
            views_current=self._applied_schema,
        )


def _clean_session(con: duckdb.DuckDBPyConnection) -> None:
    """Leave `con` without what a step leaves behind: no open transaction, temp view, temp
    table or variable (the steps change no setting, attach nothing and use no other catalog)."""
    try:
        con.rollback()
    except duckdb.TransactionException:
        pass  # no transaction open: the usual case
    for kind, catalog in (("view", "duckdb_views()"), ("table", "duckdb_tables()")):
        names = con.execute(
            f"select {kind}_name from {catalog} where temporary and not internal"
        ).fetchall()
        for (name,) in names:  # names from the catalog, quoted
            con.execute(f'drop {kind} temp.main."{name}"')
    for (name,) in con.execute("select name from duckdb_variables()").fetchall():
        con.execute(f'reset variable "{name}"')


def _connect_with_retries(database: str, config: dict, attempts: int = 4):
    """Connect, waiting a little while another process (an analyst's tool) holds the file."""
    for attempt in range(attempts):
        try:
            return duckdb.connect(database, config=config)
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * 2**attempt)


class AlertRuleConfig(dg.Config):
    """One resolved alert rule (see settings.AlertRule); written to alert_thresholds each run."""

    metric: str
    market: str
    direction: str
    warn: float
    critical: float
    recovery: float
    min_denominator: int
    for_days: int
    provisional_opens: bool


# alert_thresholds' rule columns, after metric and market
RULE_FIELDS = tuple(f for f in AlertRuleConfig.model_fields if f not in ("metric", "market"))


class RunSettings(dg.ConfigurableResource):
    """What a run reads and how it dates things.

    Every field is required: pipelines/resources.py fills them from the settings, the one place
    their defaults and checks live (pipelines/settings.py).
    """

    landing: str = Field(description="The landing folder (decisions/, appeals/, audits/).")
    dashboards: str = Field(description="The folder the dashboard site is written to.")
    lake: str | None = Field(description="The Parquet lake folder ([lake] out); None: no lake.")
    reporting_timezone: str
    market_timezones: dict[str, str] = Field(
        description="The zone each market's metric days are counted in ([markets.<market>])."
    )
    appeal_window_days: int
    audit_window_days: int
    as_of: str | None = Field(
        description="ISO date the run reports as of; None: today in the reporting time zone."
    )
    # what the upstream-health checks expect (see ValidationSettings)
    expected_markets: list[str]
    trailing_days: int
    volume_drop: float
    volume_rise: float
    max_rejected_share: float
    machine_share_tolerance: float
    # alerts (see AlertSettings): the rules of every (metric, market), and delivery
    # never empty: no rules would empty alert_thresholds and withdraw every alert
    alert_rules: list[AlertRuleConfig] = Field(
        min_length=1, description="The alert rule of every (metric, market); see AlertSettings."
    )
    alert_sinks: list[str]
    alert_jsonl_path: str
    alert_webhook_url_env: str
    alert_webhook_timeout_seconds: float
    alert_retry_backoff_seconds: float
    alert_group: str  # "event" or "run": one message per event, or per sink and run
    alert_method: str
    alert_false_alarms_per_year: float
    alert_audit_rolling_days: int
    alert_shift_alerts: bool
    # the Spark engine (engine = "spark"; see SparkSettings)
    spark_master: str
    spark_driver_memory: str
    spark_conf: list[list[str]]
    # what the run's settings hash to (assets/run_inputs.py), kept in warehouse_info: a run whose
    # inputs match the last one's changes nothing; "" (the Dagster code location): never matches
    settings_fingerprint: str = ""

    def as_of_date(self) -> date:
        if self.as_of:
            return date.fromisoformat(self.as_of)
        return datetime.now(UTC).astimezone(ZoneInfo(self.reporting_timezone)).date()
