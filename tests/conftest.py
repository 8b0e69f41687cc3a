"""Shared helpers: write tiny landing files, run the real pipeline, query the published warehouse.

A test writes its input rows with `decision(...)`, `appeal(...)`, `audit(...)` into a `Landing`
folder, calls `run(landing, warehouse)` (a real Dagster materialisation of the whole asset graph)
and reads the published warehouse with `query(...)`, next to hand-computed expected numbers.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.cli import main, run_pipeline
from pipelines.settings import (
    ENV_OVERRIDES,
    LAKE_ENV,
    Settings,
    SparkSettings,
    ValidationSettings,
)

Z = 1.959963984540054  # the z of a 95% Wilson interval, as the issue fixes it
AS_OF = date(2026, 10, 31)  # the default report date of `run`: every day of 2026-10 is in the past

DECISION_COLUMNS = (
    "decision_id",
    "object_id",
    "object_type",
    "creator_id",
    "market",
    "policy",
    "action",
    "penalty",
    "source",
    "moderator_id",
    "queue",
    "decided_at",
)
APPEAL_COLUMNS = ("appeal_id", "decision_id", "appealed_at", "status", "resolved_at")
AUDIT_COLUMNS = ("audit_id", "decision_id", "audited_at", "verdict", "auditor_id", "sample_weight")


# --- running the suite on several workers --------------------------------------------------------
#
# pyproject.toml runs the suite on pytest-xdist workers with `--dist loadgroup`: a test goes to any
# free worker, but the tests of one xdist_group go to one worker, in collection order. The groups
# are made here, so that nothing costly is built twice:
# - the tests that share a module- or session-scoped fixture (a warehouse built once and read by
#   many tests, the browser) are one group, so the fixture is built on one worker only;
# - the tests that start Spark are one group, xdist_group("spark"): one worker starts one JVM
#   (its start and warm-up cost as much as a Spark run) and runs them all, the longest part of
#   the suite, while the other workers run the rest.
# Groups are handed out before the single tests, explicit groups (Spark, the longest) first, and
# the single tests fill in at the end, so no worker is left with a long group at the end of the
# run.

# What the tests' JVMs (Spark local) run with, unless the environment says otherwise: C1 alone and
# the serial collector suit a short-lived JVM on tiny data (about a quarter less CPU). Neither
# changes what Spark computes. C1 alone gets the small code cache of a non-tiered JVM (48 MB),
# which the Spark tests fill ("CodeCache is full. Compiler has been disabled", then a task fails
# to deserialise and the JVM is lost): give it the tiered default.
os.environ.setdefault(
    "JDK_JAVA_OPTIONS",
    "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m -XX:+UseSerialGC",
)
# What the tests' Spark runs run with ([spark] conf), for the same reason: rows by the dozen, not
# by the million. One shuffle partition (adaptive execution coalesces such tiny shuffles into
# one anyway) and stages interpreted rather than compiled to Java: each query a run makes costs
# less to plan than to compile. Neither changes what Spark computes. A run of
# tests/test_spark.py's fixtures on a warm JVM: about 21 -> 16 s. That run itself (the fixture
# `engines`, every rule on both engines) keeps Spark's own configuration.
SPARK_TEST_CONF = {"spark.sql.shuffle.partitions": "1", "spark.sql.codegen.wholeStage": "false"}

# An xdist worker runs as `python -c`: its __main__ has neither __file__ nor __spec__, which
# pyspark (imported by Great Expectations) takes for its doctest runner, and exits. Give it a name.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest worker>"


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The module-, package- or session-scoped fixtures of this suite that `item` uses (built
    once, read by many tests): "test_module.fixture" each. pytest's own (tmp_path_factory) and
    plugins' fixtures, defined outside tests/, are not counted."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    shared = []
    for name in item.fixturenames:
        definitions = info.name2fixturedefs.get(name)
        if not definitions or not definitions[-1].baseid:  # baseid "": not a fixture of tests/
            continue
        if definitions[-1].scope in ("module", "package", "session"):
            shared.append(f"{Path(definitions[-1].baseid.split('::')[0]).stem}.{name}")
    return shared


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests that share a fixture of this suite or an xdist_group, transitively (union-
    find), and name each group; on a worker, put the groups first."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    explicit: dict[str, set[str]] = {}  # the xdist_group names each item was given
    for item in items:
        explicit[item.nodeid] = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        for key in [*(f"group:{g}" for g in explicit[item.nodeid]), *_shared_fixtures(item)]:
            parent[find(key)] = find(item.nodeid)
    members: dict[str, list[pytest.Item]] = {}
    for item in items:
        members.setdefault(find(item.nodeid), []).append(item)

    rank: dict[str, int] = {}  # 0: has an explicit group, 1: shares a fixture, 2: alone
    for root, group in members.items():
        names = set().union(*(explicit[item.nodeid] for item in group))
        shares = any(_shared_fixtures(item) for item in group)
        if shares and not names:
            names = {_shared_fixtures(group[0])[0]}
        for item in group:  # xdist joins an item's group names: give every member all of them
            for name in sorted(names - explicit[item.nodeid]):
                item.add_marker(pytest.mark.xdist_group(name))
        rank[root] = 0 if any(explicit[i.nodeid] for i in group) else 1 if shares else 2
    if hasattr(config, "workerinput"):  # on an xdist worker: the order work is handed out in
        items.sort(key=lambda item: rank[find(item.nodeid)])  # stable: collection order within


def pytest_collection_finish(session: pytest.Session) -> None:
    """Say so when xdist could not name the groups: it appends a group's name to each test's id,
    which pytest 9.2 no longer takes (pytest-xdist issue #1386, hence pytest<9.2 in
    pyproject.toml). The tests still pass, but every worker builds the shared fixtures and starts
    Spark, and the suite takes much longer."""
    if getattr(session.config.option, "loadgroup", False) and any(
        item.get_closest_marker("xdist_group") and "@" not in item.nodeid for item in session.items
    ):
        warnings.warn(
            pytest.PytestWarning(
                "pytest-xdist ignores the xdist_group marks with this pytest (pytest-xdist issue "
                "#1386): shared fixtures are built, and Spark started, on every worker"
            ),
            stacklevel=1,
        )


# --- input rows ---------------------------------------------------------------------------------


def decision(
    decision_id: str,
    decided_at: str = "2026-10-01T10:00:00Z",
    *,
    market: str = "BR",
    action: str = "penalize",
    policy: str = "spam",
    source: str = "machine",
    object_type: str = "live",
    object_id: str | None = None,
    creator_id: str = "c-1",
    penalty: str | None = None,
    moderator_id: str = "",
    queue: str = "",
) -> dict:
    """One decisions row (all values as CSV text); the defaults make a valid BR penalty."""
    if penalty is None:
        penalty = "warning" if action.strip().lower() == "penalize" else ""
    return {
        "decision_id": decision_id,
        "object_id": f"o-{decision_id}" if object_id is None else object_id,
        "object_type": object_type,
        "creator_id": creator_id,
        "market": market,
        "policy": policy,
        "action": action,
        "penalty": penalty,
        "source": source,
        "moderator_id": moderator_id,
        "queue": queue,
        "decided_at": decided_at,
    }


def appeal(
    appeal_id: str,
    decision_id: str,
    status: str = "pending",
    appealed_at: str = "2026-10-02T10:00:00Z",
    resolved_at: str = "",
) -> dict:
    """One appeals row; give `resolved_at` for upheld / overturned."""
    return {
        "appeal_id": appeal_id,
        "decision_id": decision_id,
        "appealed_at": appealed_at,
        "status": status,
        "resolved_at": resolved_at,
    }


def audit(
    audit_id: str,
    decision_id: str,
    verdict: str = "violating",
    audited_at: str = "2026-10-05T10:00:00Z",
    sample_weight: str = "",
    auditor_id: str = "qa-1",
) -> dict:
    """One audits row; an empty sample_weight means 1."""
    return {
        "audit_id": audit_id,
        "decision_id": decision_id,
        "audited_at": audited_at,
        "verdict": verdict,
        "auditor_id": auditor_id,
        "sample_weight": sample_weight,
    }


# --- the landing folder -------------------------------------------------------------------------


# A history for the nowcast (sql/views/overturn_nowcast.sql): as of NOWCAST_AS_OF, one BR day for
# each age 0 .. 65 (ages 30 .. 65 are 36 settled days, MIN_COHORTS is 28), each day with 20
# penalties, 4 of them overturned at lags 1, 3, 7 and 15 days, and 20 no_actions, 2 of them
# overturned at lags 2 and 10. Every day has the same rate, so phi = 1; for penalties r = 4 / 20,
# c(a) = 1/4 from age 1, 2/4 from 3, 3/4 from 7, 1 from 15 (as of NOWCAST_AS_OF an overturn
# after it is not known yet). Four of each day's penalties that are not appealed are audited, at
# lags 0, 1, 2 and 3 days: the audit completeness (views/audit_completeness.sql) is (a + 1) / 4
# up to age 2, then 1.
NOWCAST_AS_OF = date(2026, 10, 31)
NOWCAST_LAGS = {"penalize": (1, 3, 7, 15), "no_action": (2, 10)}
NOWCAST_AUDIT_LAGS = (0, 1, 2, 3)


def nowcast_history(landing: Landing, ages: range = range(66)) -> None:
    decisions, appeals, audits = [], [], []
    for age in ages:
        day = NOWCAST_AS_OF - timedelta(days=age)
        for action, lags in NOWCAST_LAGS.items():
            for i in range(20):
                decision_id = f"n-{day:%m%d}-{action[0]}{i}"
                decisions.append(decision(decision_id, f"{day}T10:00:00Z", action=action))
                if i < len(lags):
                    resolved = day + timedelta(days=lags[i])
                    appeals.append(
                        appeal(
                            f"a-{decision_id}",
                            decision_id,
                            "overturned",
                            f"{day}T11:00:00Z",
                            f"{resolved}T12:00:00Z",
                        )  # fmt: skip
                    )
                elif action == "penalize" and i - len(lags) < len(NOWCAST_AUDIT_LAGS):
                    audited = day + timedelta(days=NOWCAST_AUDIT_LAGS[i - len(lags)])
                    audits.append(audit(f"q-{decision_id}", decision_id, "non_violating",
                                        f"{audited}T12:00:00Z"))  # fmt: skip
    landing.csv("decisions/nowcast.csv", decisions)
    landing.csv("appeals/nowcast.csv", appeals)
    landing.csv("audits/nowcast.csv", audits)


class Landing:
    """A landing folder under a temporary directory: decisions/, appeals/, audits/."""

    def __init__(self, root: Path):
        self.root = root
        (root / "decisions").mkdir(parents=True, exist_ok=True)

    def path(self, relpath: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def csv(self, relpath: str, rows: list, columns: list[str] | tuple | None = None) -> Path:
        """Write rows (dicts, or lists matching `columns`) with a header row.

        `.csv.gz` paths are gzip-compressed. Dict rows take their header from `columns`, else
        from the keys of the first row; a key a row lacks is written as an empty field.
        """
        if columns is None:
            columns = list(rows[0].keys())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            if isinstance(row, dict):
                writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
            else:
                writer.writerow(row)
        return self.text(relpath, buffer.getvalue())

    def text(self, relpath: str, text: str) -> Path:
        """Write a file verbatim (gzip-compressed when the name ends in .gz)."""
        return self.bytes(relpath, text.encode("utf-8"))

    def bytes(self, relpath: str, data: bytes) -> Path:
        path = self.path(relpath)
        if relpath.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
        return path

    def parquet(self, relpath: str, columns: dict) -> Path:
        """Write a Parquet file from {column: list or pyarrow array}."""
        path = self.path(relpath)
        pq.write_table(pa.table(columns), path)
        return path


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "landing")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


@pytest.fixture
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No modmetrics.toml or MODMETRICS_* variable of the developer's shell leaks into a test.

    The modules of this suite use it through `pytestmark`.
    """
    for variable in [*ENV_OVERRIDES.values(), LAKE_ENV, "MODMETRICS_ALERT_WEBHOOK_URL"]:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)


# --- running and querying -----------------------------------------------------------------------


def settings(landing: Landing | Path, warehouse: Path, **values) -> Settings:
    """Settings for a test run. Most fixtures hold one market, so no market is expected on
    every day unless a test says so (validation=ValidationSettings(expected_markets=...))."""
    root = landing.root if isinstance(landing, Landing) else Path(landing)
    values.setdefault("as_of", AS_OF)
    if values.get("engine") == "spark":
        values.setdefault("spark", SparkSettings(conf=tuple(SPARK_TEST_CONF.items())))
    values.setdefault("validation", ValidationSettings(expected_markets=()))
    return Settings(warehouse=Path(warehouse), landing=root, **values)


def br_only_deployment(folder: Path) -> None:
    """A modmetrics.toml for a deployment that serves BR alone (the CLI reads it from `folder`):
    BR must have decisions on every day a run brings; the other markets need not. Its Spark
    runs take the tests' configuration (SPARK_TEST_CONF)."""
    spark_conf = "".join(f'"{key}" = "{value}"\n' for key, value in SPARK_TEST_CONF.items())
    (folder / "modmetrics.toml").write_text(
        f'[validation]\nexpected_markets = ["BR"]\n\n[spark.conf]\n{spark_conf}'
    )


def run(
    landing: Landing | Path,
    warehouse: Path,
    dashboards: bool = False,
    validation: bool = False,
    **values,
) -> str:
    """Materialise the asset graph once (as `modmetrics run` does); return the run id.

    The dashboards are built only when asked (`dashboards=True`): most tests read the warehouse,
    and the pages cost a third of a small run. tests/test_dashboards.py builds and reads them.
    The Great Expectations checks run only when asked too (`validation=True`): they are most of
    the CPU of a small run, and only the tests of validation and of what it records (its page,
    the run summary) read them. The SQL checks of the warehouse run always."""
    out = io.StringIO()
    code = run_pipeline(
        settings(landing, warehouse, **values),
        out=out,
        validation=validation,
        dashboards=dashboards,
    )
    assert code == 0, out.getvalue()
    return scalar(warehouse, "select last_run_id from warehouse_info")


def cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Call the `modmetrics` entry point in-process from `cwd`; return (exit code, stdout, stderr).

    No MODMETRICS_* variable of the caller's environment applies.
    """
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        for variable in [*ENV_OVERRIDES.values(), LAKE_ENV]:
            patch.delenv(variable, raising=False)
        patch.chdir(cwd)
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def query(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    """Rows of a read-only query on the published warehouse, as dicts."""
    con = _connect(warehouse)
    try:
        relation = con.execute(sql, params or [])
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    finally:
        con.close()


def rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a read-only query on the published warehouse, as tuples."""
    con = _connect(warehouse)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def scalar(warehouse: Path, sql: str, params: list | None = None):
    (row,) = rows(warehouse, sql, params)
    (value,) = row
    return value


def market_day(warehouse: Path, metric_date: str, market: str) -> dict:
    """The market_daily_metrics row of one market and day."""
    (row,) = query(
        warehouse,
        "select * from market_daily_metrics where metric_date = ?::date and market = ?",
        [metric_date, market],
    )
    return row


def file_row(warehouse: Path, path: Path) -> dict:
    """The ingested_files row of one landing file."""
    (row,) = query(warehouse, "select * from ingested_files where path = ?", [str(path.resolve())])
    return row


def reasons(warehouse: Path, path: Path) -> list[str]:
    """The reasons of the rejected rows of one landing file, sorted."""
    return [
        r
        for (r,) in rows(
            warehouse,
            "select reason from rejected_rows where source_file = ? order by reason",
            [str(path.resolve())],
        )
    ]


def wilson(p: float, n: float) -> tuple[float, float]:
    """Textbook 95% Wilson score interval of a proportion p on n trials, written out in Python.

    center = (p + z^2/(2n)) / (1 + z^2/n)
    half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))
    """
    denominator = 1 + Z * Z / n
    center = (p + Z * Z / (2 * n)) / denominator
    half = Z / denominator * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return center - half, center + half
