"""The review queries: the cases behind a metric, and the QA feedback per moderator, queue and
auditor. The SQL is in sql/review/cases.sql and sql/views/; this binds the values."""

from __future__ import annotations

from datetime import date

import duckdb

from .runner import read_sql

# what `quality --by` prints: the macro behind each view, called with the days asked for
QUALITY_MACROS = {
    "moderator": ("moderator_quality_between", "market, qa_error_rank, moderator_id"),
    "queue": ("queue_quality_between", "market, qa_error_rank, queue"),
    "auditor": (
        "auditor_agreement_between",
        "market, auditor_a nulls first, auditor_b nulls first",
    ),
}


def cases(
    con: duckdb.DuckDBPyConnection,
    market: str,
    metric: str,
    first_day: date,
    last_day: date,
    policy: str | None = None,
    queue: str | None = None,
    source: str | None = None,
    object_type: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """The decisions counted in `metric`'s numerator for `market` on those days; each filter
    (None: any) keeps one segment, as daily_metrics splits them. Every value is bound."""
    return con.execute(
        read_sql("review/cases.sql"),
        {
            "market": market,
            "metric": metric,
            "first_day": first_day,
            "last_day": last_day,
            "policy": policy,
            "queue": queue,
            "source": source,
            "object_type": object_type,
        },
    )


def quality(
    con: duckdb.DuckDBPyConnection,
    by: str,
    market: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> duckdb.DuckDBPyConnection:
    """The rows of moderator_quality, queue_quality or auditor_agreement (`by`: moderator,
    queue, auditor) over first_day..last_day (None: the views' default, the latest 28 days of
    decisions), for one market or all."""
    macro, order = QUALITY_MACROS[by]  # fixed names, never the user's text
    return con.execute(
        f"select * from {macro}($first_day, $last_day) "
        f"where $market is null or market = $market order by {order}",
        {"market": market, "first_day": first_day, "last_day": last_day},
    )
