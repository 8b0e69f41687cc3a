"""Run Great Expectations suites on pandas batches; turn every result into one plain record.

GX 1.x cannot validate DuckDB tables through SQLAlchemy, so the checks hand it one small batch
at a time as a pandas DataFrame, computed in DuckDB: the profiles of a run's files (one row a
file), the market-days it recomputed. An exception inside GX is an *error* of the check, never
a pass and never a data failure.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from typing import TYPE_CHECKING

from .explain import explain, rule_of

if TYPE_CHECKING:
    import pandas as pd

PASSED, FAILED, ERROR = "passed", "failed", "error"

# The GX import running in the background (see start_loading), once started.
_loading: Future | None = None
_loading_lock = Lock()


@dataclass(frozen=True)
class Outcome:
    """One expectation on one batch."""

    suite: str
    expectation: str  # e.g. expect_column_values_to_not_be_null(decision_id)
    partition: str  # the batch: a file path or a metric day
    status: str  # passed | failed | error
    observed_value: str | None = None
    unexpected_count: int | None = None
    sample: list = field(default_factory=list)  # a few offending values, with their ids
    error: str | None = None
    rule: str | None = None  # what the expectation asks, e.g. [0, 1] (see explain.rule_of)

    def explain(self) -> tuple[list[str], int]:
        """Its offending rows in words, and how many the words leave out (see explain.py)."""
        return explain(
            self.suite,
            self.expectation,
            self.partition,
            self.status,
            self.rule,
            self.observed_value,
            self.unexpected_count,
            self.sample,
            self.error,
        )

    @property
    def success(self) -> bool:
        return self.status == PASSED


def query_frame(con, sql: str) -> pd.DataFrame:
    """A query's rows as the pandas batch GX validates, through Arrow (six times faster than
    DuckDB's .df() for string columns, same dtypes). One chunk per column: GX copies the batch
    for every expectation, and pyarrow copies a single chunk faster than DuckDB's many."""
    if _loading is not None:
        # pyarrow imports its pandas conversion on first use, and the GX import may still be
        # importing modules they share: two threads importing them at once could deadlock
        _loading.exception()  # waits, without raising: validate() reports an import error
    return con.sql(sql).to_arrow_table().combine_chunks().to_pandas()


class _WithoutPyspark(importlib.abc.MetaPathFinder):
    """Makes pyspark unimportable from the thread that imports GX, while that thread has it on.

    GX probes every optional engine at import (great_expectations.compatibility.pyspark): with
    pyspark installed (the `spark` extra) a DuckDB run would load it, its pandas FutureWarning
    and its doctest hook, for nothing: the checks only ever hand GX pandas batches. GX takes an
    ImportError there for "not installed". Other threads, and the Spark engine, import it as usual.
    """

    active = threading.local()

    def find_spec(self, name, path=None, target=None):
        if getattr(self.active, "on", False) and (name == "pyspark" or name.startswith("pyspark.")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


_WITHOUT_PYSPARK = _WithoutPyspark()
sys.meta_path.insert(0, _WITHOUT_PYSPARK)


def import_gx():
    """great_expectations, imported without pyspark unless this process already uses it."""
    _WithoutPyspark.active.on = "pyspark" not in sys.modules  # a Spark run: GX may see it
    try:
        import great_expectations
    finally:
        _WithoutPyspark.active.on = False
    return great_expectations


def _new_batch_definition():
    """An ephemeral GX context, with its pandas batch definition."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every DataFrame below this size by hashing all of it (0.7 s of 1.2 s
    # for 300k decisions), only to label the batch: the checks label batches themselves.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("modmetrics")
    return source.add_dataframe_asset("batch").add_batch_definition_whole_dataframe("all")


def start_loading() -> None:
    """Start importing GX (about 3 s, on every run) in a background thread, once per process.

    The ingest assets call this when they have new files: the import then overlaps their DuckDB
    work, which releases the GIL, instead of adding to the first check's time.
    """
    global _loading
    with _loading_lock:
        if _loading is None:
            # What GX imports and this thread goes on using, imported here, whole, first:
            # pandas and pyarrow (the batches), and sqlalchemy.orm, whose inspection hooks
            # Dagster's event storage meets on every query: half-imported by the background
            # thread, they fail the run ("partially initialized module 'sqlalchemy.orm.exc'").
            import pandas  # noqa: F401
            import pyarrow  # noqa: F401
            import sqlalchemy.orm  # noqa: F401

            # not a daemon thread: the process waits for the import to end before exiting
            _loading = ThreadPoolExecutor(1, "gx-import").submit(_new_batch_definition)


def _batch_definition():
    """The process's GX batch definition: waits for the background import (or starts it); an
    exception raised by the import is raised here."""
    start_loading()
    return _loading.result()


def describe(expectation) -> str:
    """`expect_column_values_to_be_in_set(market)`: the expectation and what it looks at."""
    config = expectation.configuration if hasattr(expectation, "configuration") else expectation
    kwargs = config.kwargs
    target = kwargs.get("column") or ", ".join(
        str(kwargs[k]) for k in ("column_A", "column_B") if k in kwargs
    )
    return f"{config.type}({target})" if target else config.type


def _raised(exception_info: dict | None) -> str | None:
    """The message of an exception GX caught, whether reported flat or per metric."""
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        infos = [exception_info]
    else:
        infos = [v for v in exception_info.values() if isinstance(v, dict)]
    for info in infos:
        if info.get("raised_exception"):
            return info.get("exception_message") or "great expectations raised an exception"
    return None


def _plain(value):
    """numpy scalars (and tuples of them) as plain Python values, so samples read cleanly."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    import pandas as pd

    if isinstance(value, pd.Timestamp) and value.tz is None and value == value.normalize():
        return value.date().isoformat()  # a DATE column, as pandas holds it
    return value.item() if hasattr(value, "item") else value


def _sample(details: dict) -> list:
    """A few offending rows: with their ids where GX gives them, else the values alone."""
    rows = details.get("partial_unexpected_index_list")
    if rows and isinstance(rows[0], dict):
        return [{k: str(_plain(v)) for k, v in row.items()} for row in rows[:5]]
    return [str(_plain(v)) for v in (details.get("partial_unexpected_list") or [])[:5]]


def validate(
    suite_name: str,
    expectations: Callable[[], Sequence],
    frame: pd.DataFrame,
    partition: str,
    ids: Sequence[str] = (),
) -> list[Outcome]:
    """Run the expectations that `expectations()` builds on `frame`; one Outcome each.

    `ids`: columns that name a row (decision_id, metric_date and market, path): each sampled
    offending value comes with them.
    """
    batches = _batch_definition()  # first: GX is imported in the background, once
    gx = import_gx()

    built = list(expectations())
    try:
        suite = gx.ExpectationSuite(name=suite_name, expectations=built)
        batch = batches.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite, result_format={"result_format": "BASIC", "partial_unexpected_count": 5}
        )
        if ids and not result.success:
            # The offenders' ids cost GX two more metrics per expectation (a quarter of its
            # time on a batch that passes), so it is asked for them only when some row fails.
            result = batch.validate(
                suite,
                result_format={
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": 5,
                    "unexpected_index_column_names": list(ids),
                },
            )
    except Exception as exc:  # noqa: BLE001 - GX failing is reported, never a pass
        message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
        return [
            Outcome(suite_name, describe(e), partition, ERROR, error=message, rule=rule_of(e))
            for e in built
        ]
    outcomes = []
    for item in result.results:
        details = dict(item.result or {})
        error = _raised(item.exception_info)
        if error:
            status = ERROR
        else:
            status = PASSED if item.success else FAILED
        observed = details.get("observed_value")
        outcomes.append(
            Outcome(
                suite=suite_name,
                expectation=describe(item.expectation_config),
                partition=partition,
                status=status,
                observed_value=None if observed is None else str(observed),
                unexpected_count=details.get("unexpected_count"),
                sample=_sample(details),
                error=error,
                rule=rule_of(item.expectation_config),
            )
        )
    return outcomes
