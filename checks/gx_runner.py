"""Run Great Expectations suites on pandas batches; turn every result into one plain record.

GX 1.x cannot validate DuckDB tables through SQLAlchemy, so the checks hand it one batch (one
ingested file, one metric day) at a time as a pandas DataFrame. An exception inside GX is an
*error* of the check, never a pass and never a data failure.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock

# Imported here, before any thread starts: pandas and pyarrow are what GX and the batches share,
# so the background import below never has to wait for the main thread, or the reverse.
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


def _new_batch_definition():
    """An ephemeral GX context, with its pandas batch definition."""
    import great_expectations as gx
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
    import great_expectations as gx

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
        return [Outcome(suite_name, describe(e), partition, ERROR, error=message) for e in built]
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
            )
        )
    return outcomes
